// The GitLab CI/CD component (templates/qgate.yml) and the include-by-URL template
// (ci/qgate.gitlab-ci.yml) against GitLab's CI schema (app/assets/javascripts/editor/
// schema/ci.json), as the npm package gitlab-ci-local bundles it; and the component's
// inputs interpolated as GitLab does.
//
//   node tests/gitlab/template.js --modules DIR --version X.Y.Z --scripts OUTDIR
//
// DIR holds node_modules with gitlab-ci-local, ajv, ajv-formats and js-yaml (tests/
// template.sh installs them). OUTDIR receives the job's shell script with its variables,
// as the runner would run it, for the defaults (defaults.sh) and the inputs below
// (inputs.sh). Prints one line per failed check and ends "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`missing ${name}`);
  return argv[i + 1];
};
const modules = path.resolve(opt("--modules"), "node_modules");
const want_version = opt("--version");
const scripts_dir = opt("--scripts");
const req = (name) => require(path.join(modules, name));
const yaml = req("js-yaml");
const Ajv = req("ajv").default;
const addFormats = req("ajv-formats").default || req("ajv-formats");

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`template: ${name}${detail ? ": " + detail : ""}`);
  }
}

// GitLab's schema: gitlab-ci-local compiles it into its bundle as an object literal
// (it fetches ci.json from GitLab and imports it). Found by its $id, the literal is
// cut at its closing brace and evaluated alone, in an empty context.
function load_schema() {
  const src = fs.readFileSync(path.join(modules, "gitlab-ci-local/dist/index.js"), "utf8");
  const anchor =
    '{$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"';
  const start = src.indexOf(anchor);
  if (start < 0 || src.indexOf(anchor, start + 1) >= 0)
    throw new Error("GitLab's CI schema is not (once) in gitlab-ci-local's bundle");
  let depth = 0, quote = null, end = start;
  for (; end < src.length; end++) {
    const c = src[end];
    if (quote) {
      if (c === "\\") end++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) break;
  }
  const text = src.slice(start, end + 1);
  return vm.runInNewContext("(" + text + ")", Object.create(null), { timeout: 5000 });
}

const schema = load_schema();
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
function valid(name, doc) {
  const ok = validate(doc);
  const why = ok ? "" :
    validate.errors.slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
  check(`${name} is valid against GitLab's CI schema`, ok, why);
  return ok;
}
// the validator says no when it should
check("the schema has spec:inputs", !!(schema.properties.spec && schema.definitions.configInputs));
check("the schema refuses a job with an unknown key",
  !validate({ job: { script: ["true"], scripts: ["true"] } }));
check("the schema refuses allow_failure as a string",
  !validate({ job: { script: ["true"], allow_failure: "yes" } }));
check("the schema refuses an input of an unknown type",
  !validate({ spec: { inputs: { a: { default: "x", type: "text" } } } }));

// GitLab's interpolation: $[[ inputs.NAME ]] in keys and values, after the YAML is read.
// A value that is one block and nothing else takes the input's value with its type; in
// a longer string, each block is replaced by the value's text. An unknown name is an
// error.
const BLOCK = /\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]/g;
function interpolate(node, values) {
  const text = (s) => s.replace(BLOCK, (_, name) => {
    if (!(name in values)) throw new Error(`unknown input ${name}`);
    return String(values[name]);
  });
  if (typeof node === "string") {
    const whole = /^\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]$/.exec(node);
    if (whole) {
      if (!(whole[1] in values)) throw new Error(`unknown input ${whole[1]}`);
      return values[whole[1]];
    }
    return text(node);
  }
  if (Array.isArray(node)) return node.map((n) => interpolate(n, values));
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node)) out[text(k)] = interpolate(v, values);
    return out;
  }
  return node;
}
let threw = "";
try { interpolate({ a: "$[[ inputs.nope ]]" }, {}); } catch (e) { threw = e.message; }
check("the interpolation refuses an unknown input", threw === "unknown input nope", threw);
check("the interpolation keeps a whole value's type and joins a longer one",
  JSON.stringify(interpolate({ "$[[ inputs.a ]]-x": ["$[[ inputs.b ]]", "v$[[inputs.b]]"] },
    { a: "j", b: true })) === '{"j-x":[true,"vtrue"]}');

// GitLab's rules for inputs (docs.gitlab.com/ci/inputs): type string (the default),
// number, boolean or array; a default of that type, among the options when there are
// options, matching the regex when there is one.
function inputs_ok(inputs) {
  for (const [name, s] of Object.entries(inputs)) {
    const type = s.type || "string";
    const d = s.default;
    const t = Array.isArray(d) ? "array" : typeof d;
    check(`input ${name} has a description`, typeof s.description === "string" && s.description.length > 0);
    check(`input ${name} has a default of its type`, d !== undefined && t === type, `${t}, not ${type}`);
    if (s.options) {
      check(`input ${name}: the default is one of its options`, s.options.includes(d));
    }
    if (s.regex) check(`input ${name}: the default matches its regex`, new RegExp(s.regex).test(String(d)));
  }
}
function input_values(inputs, given) {
  const v = {};
  for (const [name, s] of Object.entries(inputs)) v[name] = name in given ? given[name] : s.default;
  for (const name of Object.keys(given))
    if (!(name in inputs)) throw new Error(`no input ${name}`);
  for (const [name, s] of Object.entries(inputs)) {
    const t = Array.isArray(v[name]) ? "array" : typeof v[name];
    if (t !== (s.type || "string")) throw new Error(`${name}: a ${t}, not a ${s.type || "string"}`);
    if (s.options && !s.options.includes(v[name])) throw new Error(`${name}: not an option`);
    if (s.regex && !new RegExp(s.regex).test(String(v[name]))) throw new Error(`${name}: regex`);
  }
  return v;
}

// The job's script as the runner runs it: its variables exported, then the script lines.
function shell(job) {
  // in double quotes: a $VARIABLE in a value expands, as GitLab expands it
  const q = (s) => '"' + String(s).replace(/["\\`]/g, "\\$&") + '"';
  let out = "";
  for (const [k, v] of Object.entries(job.variables || {})) out += `${k}=${q(v)}; export ${k}\n`;
  return out + job.script.join("\n") + "\n";
}

// ---- the component ---------------------------------------------------------------------
const component_text = fs.readFileSync("templates/qgate.yml", "utf8");
const docs = yaml.loadAll(component_text);
check("templates/qgate.yml is two documents (the spec header, then the job)", docs.length === 2);
const [header, body] = docs;
check("the header holds spec and nothing else", JSON.stringify(Object.keys(header)) === '["spec"]');
valid("the component's spec header", header);
const inputs = header.spec.inputs;
inputs_ok(inputs);
check("the version input is QG_VERSION (core/qg.h)", inputs.version.default === want_version,
  `${inputs.version.default}, not ${want_version}`);
const used = new Set([...JSON.stringify(body).matchAll(BLOCK)].map((m) => m[1]));
for (const name of Object.keys(inputs)) check(`input ${name} is used by the job`, used.has(name));

const defaults = interpolate(body, input_values(inputs, {}));
check("with the defaults, one job named qgate", JSON.stringify(Object.keys(defaults)) === '["qgate"]');
valid("the component with its defaults", defaults);
const job = defaults.qgate;
check("the job runs the pinned -git image",
  job.image === `ghcr.io/qgate-dev/qgate:${want_version}-git`, job.image);
check("the job installs nothing (no apt-get, apk, curl or wget; no before_script)",
  !/apt-get|apk |curl |wget /.test(JSON.stringify(job)) && !job.before_script);
check("the job's variables are QGATE_* (and the runner's GIT_DEPTH)",
  Object.keys(job.variables).every((k) => k.startsWith("QGATE_") || k === "GIT_DEPTH"));
check("no global variables (nothing leaks into the including pipeline)",
  Object.keys(defaults).every((k) => k !== "variables" && k !== "default"));
check("the reports GitLab shows",
  job.artifacts.reports.codequality === "gl-code-quality-report.json" &&
  job.artifacts.reports.junit === "qgate-junit.xml" && job.artifacts.paths.includes("qgate.sarif") &&
  job.artifacts.when === "always");
check("merge request pipelines and the default branch",
  JSON.stringify(job.rules) === JSON.stringify([
    { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
    { if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" }]));
check("the cache is the review's (QGATE_LLM_CACHE_DIR), one per version and branch",
  job.variables.QGATE_LLM_CACHE_DIR === "$CI_PROJECT_DIR/.qgate-cache" &&
  JSON.stringify(job.cache.paths) === '[".qgate-cache/"]' && job.cache.key === `qgate-review-${want_version}-$CI_COMMIT_REF_SLUG`);
check("the full history (GIT_DEPTH 0) for the merge request's base", job.variables.GIT_DEPTH === "0");
fs.writeFileSync(path.join(scripts_dir, "defaults.sh"), shell(job));

// a second set of inputs: what each one becomes
const given = {
  "job-name": "gate-k8s", stage: "lint", version: "1.2", image: "registry.example/mirror/qgate",
  command: "k8s", paths: "deploy/ charts/app", "min-score": "90", "fail-on": "high",
  config: "/etc/qgate/ci.yml", comment: "off", args: "--pss baseline", "allow-failure": true,
};
const other = interpolate(body, input_values(inputs, given));
valid("the component with other inputs", other);
const o = other["gate-k8s"] || {};
check("other inputs: the job's name and stage", JSON.stringify(Object.keys(other)) === '["gate-k8s"]' &&
  o.stage === "lint");
check("other inputs: the image", o.image === "registry.example/mirror/qgate:1.2-git", o.image);
check("other inputs: allow_failure is the boolean true", o.allow_failure === true);
check("other inputs: the cache key", o.cache && o.cache.key === "qgate-review-1.2-$CI_COMMIT_REF_SLUG");
const want_vars = {
  GIT_DEPTH: "0", QGATE_COMMAND: "k8s", QGATE_PATHS: "deploy/ charts/app", QGATE_MIN_SCORE: "90",
  QGATE_FAIL_ON: "high", QGATE_CONFIG: "/etc/qgate/ci.yml", QGATE_COMMENT: "off",
  QGATE_ARGS: "--pss baseline", QGATE_LLM_CACHE_DIR: "$CI_PROJECT_DIR/.qgate-cache",
};
check("other inputs: the job's variables", JSON.stringify(o.variables) === JSON.stringify(want_vars),
  JSON.stringify(o.variables));
check("other inputs: nothing left to interpolate", !JSON.stringify(other).includes("$[["));
let refused = "";
try { input_values(inputs, { command: "review" }); } catch (e) { refused = e.message; }
check("an input outside its options is refused", refused === "command: not an option", refused);
for (const [name, value] of [["fail-on", "severe"], ["min-score", "101"], ["version", "latest"]]) {
  refused = "";
  try { input_values(inputs, { [name]: value }); } catch (e) { refused = e.message; }
  check(`${name}: ${value} is refused by its regex`, refused === `${name}: regex`, refused);
}
fs.writeFileSync(path.join(scripts_dir, "inputs.sh"), shell(o));

// the README's example: the component at this version, inputs it has, of their types
const readme = fs.readFileSync("README.md", "utf8");
const example = /```yaml\n# \.gitlab-ci\.yml\ninclude:\n  - component: [^]*?```/.exec(readme);
check("README.md has the component's example", !!example);
if (example) {
  const inc = yaml.load(example[0].replace(/^```yaml\n|```$/g, "")).include[0];
  check("the README's example includes this version",
    inc.component === `gitlab.com/qgate-dev/qgate/qgate@${want_version}`, inc.component);
  let why = "";
  try { valid("the README's example with its inputs", interpolate(body, input_values(inputs, inc.inputs))); }
  catch (e) { why = e.message; }
  check("the README's example inputs are the component's, of their types", why === "", why);
}
refused = "";
try { input_values(inputs, { "min-score": 80 }); } catch (e) { refused = e.message; }
check("an input of another type is refused", refused === "min-score: a number, not a string", refused);

// ---- the include-by-URL template: the component's job with its defaults ---------------
const legacy_docs = yaml.loadAll(fs.readFileSync("ci/qgate.gitlab-ci.yml", "utf8"));
check("ci/qgate.gitlab-ci.yml is one document", legacy_docs.length === 1);
const legacy = legacy_docs[0];
valid("ci/qgate.gitlab-ci.yml", legacy);
check("ci/qgate.gitlab-ci.yml is the component's job with the defaults (no drift)",
  JSON.stringify(legacy) === JSON.stringify(defaults),
  "\n  template:  " + JSON.stringify(legacy) + "\n  component: " + JSON.stringify(defaults));

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
