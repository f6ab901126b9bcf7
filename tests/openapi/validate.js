#!/usr/bin/env node
// validate.js: checks the requests qgate sent in the fixture cases against the hosts' API
// descriptions, offline.
//
//   node tests/openapi/validate.js --github-spec FILE [--gitlab-spec FILE] [--self-test] [LOG]
//
// LOG is the JSONL file the fixture runner appends to for every case with an `=== openapi`
// section ($QGATE_REQUEST_LOG): one line per request, {"spec", "case", "method", "path"
// (with its query), "headers" (lower-case names), "body" (parsed JSON, or the raw text)}.
//
// spec "github": GitHub's published OpenAPI description (api.github.com.json of the npm
// package @octokit/openapi). The path (less a GitHub Enterprise "/api/v3" prefix) must match
// a path template, with the most literal segments winning; the method must exist for it;
// path and query parameters must be declared, of their type (and enum); a JSON body must
// match the operation's request schema: required properties, types, enums, no property
// that additionalProperties: false forbids, into arrays and nested objects; a body where the
// operation takes none, or none where one is required, is a problem too.
//
// GitHub's GraphQL endpoint (POST /graphql, /api/graphql on GitHub Enterprise Server) is
// not part of the REST description: qgate uses it only to list and resolve review threads
// (the REST API cannot resolve one). Such a request is checked by checkGraphql instead: a
// POST with a JSON body {query, variables} and nothing else, the query a `query` or a
// `mutation` whose fields qgate may use (reviewThreads; resolveReviewThread), every
// variable sent declared in it and every declared non-null one sent.
//
// spec "gitlab": tests/openapi/gitlab.json, a hand-written table of the endpoints qgate
// calls with GitLab's documented parameters (its "description" says how to read it): every
// query or body parameter sent must be documented with its type, every required one sent.
// Without that file, gitlab lines are skipped with a note.
//
// --self-test first checks the checker: requests that must pass and requests that must
// each be refused. Prints one line per problem ("CASE: METHOD PATH: problem") and ends with
// "N passed, N failed" (requests); exit status 1 when any failed, 2 on a usage error.
'use strict';
const fs = require('fs');

// ---- schemas ------------------------------------------------------------------------------

function makeResolver(doc) {
  return function resolve(node) {
    for (let depth = 0; node && typeof node === 'object' && node.$ref; depth++) {
      if (depth > 32 || !node.$ref.startsWith('#/')) throw new Error(`unresolvable $ref ${node.$ref}`);
      node = node.$ref
        .slice(2)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((o, k) => (o == null ? undefined : o[k]), doc);
    }
    return node;
  };
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
}

function typeMatches(want, v) {
  const got = typeOf(v);
  return want === got || (want === 'number' && got === 'integer');
}

// The problems of value v against schema s (OpenAPI 3.0/3.1 subset GitHub uses), each
// prefixed with where: "body.comments[0].line".
function checkValue(resolve, s, v, where, out, depth = 0) {
  s = resolve(s);
  if (!s || typeof s !== 'object' || depth > 24) return;
  if (s.allOf) for (const sub of s.allOf) checkValue(resolve, sub, v, where, out, depth + 1);
  for (const key of ['oneOf', 'anyOf']) {
    if (!s[key]) continue;
    // one variant that fits is enough: the checks here are a subset of JSON Schema
    const tries = s[key].map((sub) => {
      const p = [];
      checkValue(resolve, sub, v, where, p, depth + 1);
      return p;
    });
    if (!tries.some((p) => p.length === 0))
      out.push(`${where}: fits none of ${key} (${tries.map((p) => p[0]).join(' | ')})`);
  }
  let types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type.slice() : [s.type];
  if (s.nullable) types.push('null');
  if (types.length && !types.some((t) => typeMatches(t, v))) {
    out.push(`${where}: ${typeOf(v)}, expected ${types.join(' or ')}`);
    return;
  }
  if (s.enum && !s.enum.some((e) => e === v)) {
    out.push(`${where}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${where}: ${v} < minimum ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${where}: ${v} > maximum ${s.maximum}`);
  }
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && v.length > s.maxLength)
      out.push(`${where}: ${v.length} characters, at most ${s.maxLength}`);
    if (s.minLength !== undefined && v.length < s.minLength)
      out.push(`${where}: ${v.length} characters, at least ${s.minLength}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      out.push(`${where}: ${v.length} items, at most ${s.maxItems}`);
    if (s.minItems !== undefined && v.length < s.minItems)
      out.push(`${where}: ${v.length} items, at least ${s.minItems}`);
    if (s.items) v.forEach((item, i) => checkValue(resolve, s.items, item, `${where}[${i}]`, out, depth + 1));
  }
  if (typeOf(v) === 'object') {
    const props = s.properties || {};
    for (const r of s.required || [])
      if (!(r in v)) out.push(`${where}: the required property "${r}" is missing`);
    for (const [k, val] of Object.entries(v)) {
      if (props[k] !== undefined) {
        checkValue(resolve, props[k], val, `${where}.${k}`, out, depth + 1);
      } else if (s.additionalProperties === false) {
        out.push(`${where}: unknown property "${k}" (additionalProperties: false)`);
      } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        checkValue(resolve, s.additionalProperties, val, `${where}.${k}`, out, depth + 1);
      }
    }
  }
}

// A path or query value (text) against a parameter schema.
function checkParamText(resolve, s, text, where, out) {
  s = resolve(s) || {};
  const t = Array.isArray(s.type) ? s.type.filter((x) => x !== 'null')[0] : s.type;
  let v = text;
  if (t === 'integer') {
    if (!/^-?[0-9]+$/.test(text)) return void out.push(`${where}: "${text}" is not an integer`);
    v = Number(text);
  } else if (t === 'number') {
    if (text.trim() === '' || !Number.isFinite(Number(text)))
      return void out.push(`${where}: "${text}" is not a number`);
    v = Number(text);
  } else if (t === 'boolean') {
    if (text !== 'true' && text !== 'false') return void out.push(`${where}: "${text}" is not a boolean`);
    v = text === 'true';
  } else if (t === 'array' || t === 'object') {
    return; // style-dependent serialisations: not checked
  }
  checkValue(resolve, Object.assign({}, s, { type: undefined }), v, where, out);
}

// ---- operations ---------------------------------------------------------------------------

// Compiles path templates: [{template, re, names, literals, item}], most specific first.
function compileTemplates(paths) {
  const list = Object.keys(paths).map((template) => {
    const names = [];
    const segs = template.split('/');
    const re = new RegExp(
      '^' +
        segs
          .map((seg) =>
            seg.replace(/\{([^}]+)\}|[^{]+/g, (m, name) => {
              if (name) {
                names.push(name);
                return '([^/]+)';
              }
              return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            }),
          )
          .join('/') +
        '$',
    );
    const literals = segs.filter((seg) => seg && !seg.includes('{')).length;
    return { template, re, names, literals, item: paths[template] };
  });
  list.sort((a, b) => b.literals - a.literals);
  return list;
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// The problems of a GitHub GraphQL request (see the top of this file).
const GRAPHQL_FIELDS = { query: ['repository', 'pullRequest', 'reviewThreads'], mutation: ['resolveReviewThread'] };
function checkGraphql(rq) {
  const out = [];
  if (String(rq.method).toUpperCase() !== 'POST') return [`GraphQL takes POST, not ${rq.method}`];
  const b = rq.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return ['the GraphQL body is not a JSON object'];
  if (((rq.headers || {})['content-type'] || '').split(';')[0].trim() !== 'application/json')
    out.push('content-type is not application/json');
  for (const k of Object.keys(b))
    if (!['query', 'variables', 'operationName'].includes(k)) out.push(`unknown GraphQL body member "${k}"`);
  if (typeof b.query !== 'string') return out.concat(['the GraphQL body has no query string']);
  const m = /^\s*(query|mutation)\s*(\(([^)]*)\))?\s*\{/.exec(b.query);
  if (!m) return out.concat(['the query is neither a query nor a mutation operation']);
  if (!b.query.includes(GRAPHQL_FIELDS[m[1]][GRAPHQL_FIELDS[m[1]].length - 1]))
    out.push(`the ${m[1]} uses none of the fields qgate may use (${GRAPHQL_FIELDS[m[1]].join(', ')})`);
  let depth = 0;
  for (const c of b.query) {
    depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) out.push('the query\'s braces do not balance');
  const declared = {};
  for (const d of (m[3] || '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const v = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z_\[\]!]+)$/.exec(d);
    if (!v) out.push(`bad variable declaration "${d}"`);
    else declared[v[1]] = v[2];
  }
  const vars = b.variables === undefined ? {} : b.variables;
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return out.concat(['variables is not an object']);
  for (const [k, v] of Object.entries(vars)) {
    const t = declared[k];
    if (!t) { out.push(`variable $${k} is not declared`); continue; }
    const base = t.replace(/!$/, '');
    if (v === null) { if (t.endsWith('!')) out.push(`variable $${k} is null, but ${t}`); continue; }
    const ok = { String: 'string', ID: 'string', Int: 'number', Boolean: 'boolean' }[base];
    if (ok && typeof v !== ok) out.push(`variable $${k} is ${typeof v}, expected ${base}`);
    if (base === 'Int' && !Number.isInteger(v)) out.push(`variable $${k} is not an integer`);
  }
  for (const [k, t] of Object.entries(declared))
    if (t.endsWith('!') && !(k in vars)) out.push(`the required variable $${k} is missing`);
  return out;
}

// The problems of one request against an API: {templates, resolve, prefixes, methodOf}.
function checkRequest(api, rq) {
  const out = [];
  const url = new URL(rq.path, 'http://host.invalid');
  let path = url.pathname;
  if (api.graphql && (path === '/graphql' || path === '/api/graphql')) return checkGraphql(rq);
  for (const p of api.prefixes) if (path.startsWith(p + '/')) path = path.slice(p.length);
  const method = String(rq.method || '').toLowerCase();
  const matches = api.templates.filter((t) => t.re.test(path));
  if (!matches.length) return [`no path of the API description matches ${path}`];
  const withMethod = matches.filter((t) => t.item[method]);
  if (!withMethod.length)
    return [`${rq.method} is not an operation of ${matches[0].template} (it has ${Object.keys(matches[0].item).filter((k) => /^(get|put|post|patch|delete|head)$/.test(k)).join(', ').toUpperCase()})`];
  const t = withMethod[0];
  const op = t.item[method];
  const params = [...(t.item.parameters || []), ...(op.parameters || [])].map(api.resolve);
  const values = t.re.exec(path).slice(1).map(decode);
  t.names.forEach((name, i) => {
    const p = params.find((x) => x.in === 'path' && x.name === name);
    if (!p) out.push(`path parameter ${name} is not declared for ${t.template}`);
    else checkParamText(api.resolve, p.schema, values[i], `path parameter ${name}`, out);
  });
  const seen = new Set();
  for (const [name, value] of url.searchParams) {
    if (seen.has(name)) out.push(`query parameter ${name} is given twice`);
    seen.add(name);
    const p = params.find((x) => x.in === 'query' && x.name === name);
    if (!p) out.push(`query parameter ${name} is not declared for ${rq.method} ${t.template}`);
    else checkParamText(api.resolve, p.schema, value, `query parameter ${name}`, out);
  }
  for (const p of params)
    if (p.in === 'query' && p.required && !seen.has(p.name))
      out.push(`the required query parameter ${p.name} is missing`);
  const rb = api.resolve(op.requestBody);
  const hasBody = rq.body !== undefined && rq.body !== null && rq.body !== '';
  if (!rb) {
    if (hasBody) out.push(`${rq.method} ${t.template} takes no request body, and one was sent`);
  } else if (!hasBody) {
    if (rb.required) out.push(`${rq.method} ${t.template} requires a request body`);
  } else {
    const media = rb.content && (rb.content['application/json'] || null);
    const ctype = ((rq.headers || {})['content-type'] || '').split(';')[0].trim();
    if (!media) {
      out.push(`${rq.method} ${t.template} takes no JSON body`);
    } else {
      if (ctype !== 'application/json') out.push(`content-type is "${ctype}", expected application/json`);
      if (typeof rq.body === 'string') out.push('the body is not JSON');
      else checkValue(api.resolve, media.schema, rq.body, 'body', out);
    }
  }
  if (api.checkHeaders) api.checkHeaders(rq, out);
  return out;
}

function githubApi(doc) {
  return {
    templates: compileTemplates(doc.paths),
    resolve: makeResolver(doc),
    prefixes: ['/api/v3'], // GitHub Enterprise Server
    graphql: true, // POST /graphql: not in the REST description (checkGraphql)
    checkHeaders(rq, out) {
      const h = rq.headers || {};
      if (!/^application\/vnd\.github(\+json|\.[a-z0-9.+-]+)?$|^application\/json$/.test(h.accept || ''))
        out.push(`accept is "${h.accept || ''}", expected application/vnd.github+json`);
      if (!h['x-github-api-version']) out.push('no x-github-api-version header');
    },
  };
}

// tests/openapi/gitlab.json as an API description: its "params" are query parameters for
// GET and DELETE, and JSON body (or query) parameters otherwise.
function gitlabApi(table) {
  const convert = (p) => {
    const s = {};
    if (p.type) s.type = p.type;
    for (const k of ['enum', 'minimum', 'maximum', 'minLength', 'maxLength']) if (p[k] !== undefined) s[k] = p[k];
    if (p.type === 'object' && p.properties) {
      s.properties = {};
      s.required = [];
      s.additionalProperties = false; // "every parameter it sends is documented"
      for (const [k, sub] of Object.entries(p.properties)) {
        s.properties[k] = convert(sub);
        if (sub.required) s.required.push(k);
      }
    }
    return s;
  };
  const paths = {};
  for (const e of table.endpoints || []) {
    const item = (paths[e.path] = paths[e.path] || {});
    const names = [...e.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const parameters = names.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: convert((table.path_params || {})[name] || { type: 'string' }),
    }));
    const method = e.method.toLowerCase();
    const params = e.params || {};
    const op = { parameters };
    if (method === 'get' || method === 'delete' || method === 'head') {
      for (const [name, p] of Object.entries(params))
        parameters.push({ name, in: 'query', required: !!p.required, schema: convert(p) });
    } else {
      const body = convert({ type: 'object', properties: params });
      op.requestBody = { required: body.required.length > 0, content: { 'application/json': { schema: body } } };
      // GitLab takes the same parameters in the query string too
      for (const [name, p] of Object.entries(params))
        if (p.type !== 'object') parameters.push({ name, in: 'query', required: false, schema: convert(p) });
    }
    item[method] = op;
  }
  return { templates: compileTemplates(paths), resolve: (x) => x, prefixes: ['/api/v4'] };
}

// ---- the self-test ------------------------------------------------------------------------

function selfTest(apis) {
  const gh = [
    ['pass', 'GET', '/repos/o/r/issues/7/comments?per_page=100&page=2'],
    ['pass', 'POST', '/repos/o/r/issues/7/comments', { body: 'x' }],
    ['pass', 'PATCH', '/api/v3/repos/o/r/issues/comments/12', { body: 'x' }],
    ['pass', 'DELETE', '/repos/o/r/pulls/comments/22'],
    ['pass', 'POST', '/repos/o/r/pulls/7/reviews', {
      commit_id: 'a', event: 'COMMENT', body: 'b',
      comments: [{ path: 'p', line: 3, side: 'RIGHT', start_line: 2, start_side: 'RIGHT', body: 'c' }],
    }],
    ['fail', 'GET', '/repos/o/r/no/such/thing'],
    ['fail', 'PUT', '/repos/o/r/issues/7/comments', { body: 'x' }],
    ['fail', 'GET', '/repos/o/r/issues/seven/comments'],
    ['fail', 'GET', '/repos/o/r/issues/7/comments?per_page=many'],
    ['fail', 'GET', '/repos/o/r/issues/7/comments?perpage=100'],
    ['fail', 'PATCH', '/repos/o/r/issues/comments/12'],
    ['fail', 'PATCH', '/repos/o/r/issues/comments/12', { text: 'x' }],
    ['fail', 'POST', '/repos/o/r/issues/7/comments', { body: 7 }],
    ['fail', 'DELETE', '/repos/o/r/pulls/comments/22', { body: 'x' }],
    ['fail', 'POST', '/repos/o/r/pulls/7/reviews', { event: 'APPROVED', body: 'b' }],
    ['fail', 'POST', '/repos/o/r/pulls/7/reviews', { event: 'COMMENT', comments: [{ line: 3, body: 'c' }] }],
    ['fail', 'POST', '/repos/o/r/pulls/7/reviews', { event: 'COMMENT', comments: [{ path: 'p', line: '3', body: 'c' }] }],
    ['fail', 'POST', '/repos/o/r/pulls/7/reviews', { comments: 'none' }],
    ['pass', 'POST', '/graphql', { query: 'mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id } } }', variables: { id: 'T' } }],
    ['pass', 'POST', '/api/graphql', { query: 'query($n: Int!, $a: String) { repository(owner: "o", name: "r") { pullRequest(number: $n) { reviewThreads(first: 1, after: $a) { nodes { id } } } } }', variables: { n: 7, a: null } }],
    ['fail', 'GET', '/graphql'],
    ['fail', 'POST', '/graphql', { query: 'mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id } } }', variables: {} }],
    ['fail', 'POST', '/graphql', { query: 'mutation($id: ID!) { deleteRepository(input: {id: $id}) { x } }', variables: { id: 'T' } }],
    ['fail', 'POST', '/graphql', { query: 'query($n: Int!) { repository { pullRequest(number: $n) { reviewThreads { id } } } }', variables: { n: '7' } }],
    ['fail', 'POST', '/graphql', { query: 'query { repository { reviewThreads { id } }', extra: 1 }],
  ];
  const gl = [
    ['pass', 'GET', '/api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1&sort=asc'],
    ['pass', 'PUT', '/api/v4/projects/group%2Fproj/merge_requests/7/notes/9', { body: 'x' }],
    ['fail', 'GET', '/api/v4/projects/42/merge_requests/7/notes?sort=up'],
    ['fail', 'GET', '/api/v4/projects/42/merge_requests/7/notes?page=1&page=2'],
    ['fail', 'GET', '/api/v4/projects/42/merge_requests/seven/notes'],
    ['fail', 'PUT', '/api/v4/projects/42/merge_requests/7/notes/9', { text: 'x' }],
    ['fail', 'DELETE', '/api/v4/projects/42/merge_requests/7/notes'],
    ['pass', 'GET', '/api/v4/user'],
    ['fail', 'GET', '/api/v4/user?sudo=1'],
  ];
  let passed = 0, failed = 0;
  const run = (api, spec, list) => {
    for (const [want, method, path, body] of list) {
      const rq = { method, path, headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' } };
      if (body !== undefined) {
        rq.body = body;
        rq.headers['content-type'] = 'application/json';
      }
      const problems = checkRequest(api, rq);
      if ((want === 'pass') === (problems.length === 0)) passed++;
      else {
        failed++;
        console.log(`self-test (${spec}): ${method} ${path} should ${want === 'pass' ? 'pass' : 'be refused'}` +
          (problems.length ? `: ${problems.join('; ')}` : ''));
      }
    }
  };
  if (apis.github) run(apis.github, 'github', gh);
  if (apis.gitlab) run(apis.gitlab, 'gitlab', gl);
  console.log(`self-test: ${passed} checks passed, ${failed} checks failed`);
  return failed;
}

// ---- main ---------------------------------------------------------------------------------

function main(argv) {
  let githubSpec = null, gitlabSpec = null, self = false, log = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--github-spec') githubSpec = argv[++i];
    else if (argv[i] === '--gitlab-spec') gitlabSpec = argv[++i];
    else if (argv[i] === '--self-test') self = true;
    else if (!log && !argv[i].startsWith('--')) log = argv[i];
    else {
      console.error(`validate.js: unknown argument ${argv[i]}`);
      return 2;
    }
  }
  if (!githubSpec) {
    console.error('usage: validate.js --github-spec FILE [--gitlab-spec FILE] [--self-test] [LOG]');
    return 2;
  }
  const apis = { github: githubApi(JSON.parse(fs.readFileSync(githubSpec, 'utf8'))) };
  if (gitlabSpec && fs.existsSync(gitlabSpec)) apis.gitlab = gitlabApi(JSON.parse(fs.readFileSync(gitlabSpec, 'utf8')));

  let selfFailed = self ? selfTest(apis) : 0;
  let passed = 0, failed = 0, skipped = 0;
  const lines = log && fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.trim()) : [];
  for (const [i, line] of lines.entries()) {
    let rq;
    try {
      rq = JSON.parse(line);
    } catch (e) {
      console.log(`${log}:${i + 1}: not JSON: ${e.message}`);
      failed++;
      continue;
    }
    const api = apis[rq.spec];
    if (!api) {
      if (rq.spec === 'gitlab') {
        skipped++;
        continue;
      }
      console.log(`${rq.case}: unknown API description "${rq.spec}" (github or gitlab)`);
      failed++;
      continue;
    }
    const problems = checkRequest(api, rq);
    if (problems.length) {
      failed++;
      for (const p of problems) console.log(`${rq.case}: ${rq.method} ${rq.path}: ${p}`);
    } else {
      passed++;
    }
  }
  if (skipped) console.log(`gitlab: ${skipped} requests not checked: no ${gitlabSpec || 'tests/openapi/gitlab.json'}`);
  if (selfFailed) failed++; // a checker that cannot tell good from bad proves nothing
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
