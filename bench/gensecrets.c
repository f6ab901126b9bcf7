/* gensecrets: the source tree that `make bench`'s secrets case scans (bench/secrets.sh).
 *
 *   gensecrets OUTDIR TRUTH [MB]
 *
 * Writes a deterministic (fixed seed) tree of about MB megabytes (10^6 bytes; default 100)
 * under OUTDIR: 100 projects OUTDIR/p000-NAME .. p099-NAME, each a mix of C, Go, Python,
 * JavaScript and Java sources, Kubernetes manifests, Helm charts, CI configs (GitHub
 * Actions, GitLab CI, docker-compose), JSON configs and lock files, .env and .properties
 * files, Markdown docs, Dockerfiles and certificates. The filler is ordinary code and text
 * full of near-misses that a secret scanner should leave alone: UUIDs, sha256/sha1/md5 hex,
 * base64 blobs (PNG data, CA bundles, lock-file integrity hashes), bcrypt hashes,
 * placeholders (${API_KEY}, <your-token>, changeme, xxxx..., Helm and GitHub Actions
 * expressions, vault: references), SOPS- and Jasypt-encrypted values, the documented AWS and
 * jwt.io example credentials, Stripe publishable keys, Twilio account SIDs, public
 * certificates and keys, and names such as password_field and password_regex.
 *
 * Into it go 280 plants, 300 secrets of well-known shapes with random bodies (an AWS plant
 * is a key id and its secret key on consecutive lines): AWS, GitHub classic (valid CRC32
 * checksum) and fine-grained, GitLab, Slack bot tokens and webhooks, Stripe live keys,
 * Google API keys, OpenAI, Anthropic, npm (valid checksum), PyPI, SendGrid, Twilio, JWTs,
 * PEM private keys (RSA, PKCS#8, EC, OpenSSH) and random passwords in .env/.properties.
 * Each planted secret is one line of TRUTH: KIND<TAB>PATH<TAB>LINE, PATH relative to
 * OUTDIR, LINE the 1-based line the secret starts on (a PEM key's BEGIN line). Every
 * project holds 2 or 3 plants, so any set of whole projects is a fair sample. A plant goes
 * into a file of a type drawn evenly from the types in its project that can hold it, so
 * configs get as many as sources, written in that type's syntax (assignment, YAML map in a
 * Secret or values file, CI env, JSON member, dotenv line, shell in a Markdown fence ...).
 *
 * No credential-shaped literal appears in this file: every token is assembled at run time
 * from split prefixes and random characters, so grepping the repository for token shapes
 * finds nothing.
 *
 * Prints one line: files=N bytes=N planted=N projects=N.
 * Exit status 0; 1 on a usage or I/O error. OUTDIR must not exist yet.
 *
 * Build: cc -O2 -std=c11 bench/gensecrets.c -o bench/out/gensecrets
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPROJ 100
#define SEED 0x5ec2e75b3c4d1a97ULL

/* ---- randomness ------------------------------------------------------------------------ */

static uint64_t g_rng = SEED;

static uint64_t rnd64(void) { /* splitmix64 */
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static unsigned rnd(unsigned n) { return n ? (unsigned)(rnd64() % n) : 0; }
static unsigned range(unsigned lo, unsigned hi) { return lo + rnd(hi - lo + 1); }
static int chance(unsigned pct) { return rnd(100) < pct; }
static const char *pick_(const char *const *a, size_t n) { return a[rnd((unsigned)n)]; }
#define PICK(a) pick_((a), sizeof(a) / sizeof((a)[0]))

static const char UPPER32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char HEX[] = "0123456789abcdef";
static const char DIGITS[] = "0123456789";
static const char UPALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char LOWALNUM[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char PWCHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@%^*_-+";
static const char BCRYPT[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* rstr: appends N random characters of SET to OUT (NUL-terminated); returns OUT's end. */
static char *rstr(char *out, const char *set, size_t n) {
  size_t k = strlen(set);
  for (size_t i = 0; i < n; i++)
    out[i] = set[rnd((unsigned)k)];
  out[n] = '\0';
  return out + n;
}

/* ---- output buffer ---------------------------------------------------------------------- */

typedef struct {
  char *p;
  size_t len, cap;
} Buf;

static void die(const char *what) {
  fprintf(stderr, "gensecrets: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void bput(Buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap)
      b->cap = b->cap ? 2 * b->cap : 1 << 16;
    b->p = realloc(b->p, b->cap);
    if (!b->p)
      die("realloc");
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}
static void bputs(Buf *b, const char *s) { bput(b, s, strlen(s)); }

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
bprintf(Buf *b, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    die("vsnprintf");
  if ((size_t)n < sizeof small) {
    bput(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big)
    die("malloc");
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bput(b, big, (size_t)n);
  free(big);
}

/* next_line: the 1-based number of the line the next byte appended to B starts or is on. */
static long next_line(const Buf *b) {
  long n = 1;
  for (const char *p = b->p; p && (p = memchr(p, '\n', b->len - (size_t)(p - b->p))); p++)
    n++;
  return n;
}

/* ---- encodings -------------------------------------------------------------------------- */

static size_t b64enc(const unsigned char *in, size_t n, char *out, const char *set, int pad) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = set[(v >> 18) & 63];
    out[o++] = set[(v >> 12) & 63];
    if (i + 1 < n)
      out[o++] = set[(v >> 6) & 63];
    else if (pad)
      out[o++] = '=';
    if (i + 2 < n)
      out[o++] = set[v & 63];
    else if (pad)
      out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

static void rbytes(unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)rnd64();
}

static uint32_t crc32(const char *s, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= (unsigned char)s[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

/* base62 checksum of GitHub and npm tokens: CRC32 of the random part, 6 digits 0-9A-Za-z. */
static void b62crc(const char *body, size_t n, char *out) {
  static const char d[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint32_t v = crc32(body, n);
  for (int i = 5; i >= 0; i--) {
    out[i] = d[v % 62];
    v /= 62;
  }
  out[6] = '\0';
}

/* ---- words ------------------------------------------------------------------------------ */

static const char *const NOUNS[] = {
    "user",    "order",   "invoice", "session", "cache",   "queue",   "worker",  "config",
    "request", "handler", "client",  "server",  "payment", "account", "report",  "metric",
    "event",   "job",     "node",    "cluster", "volume",  "record",  "item",    "cart",
    "product", "tenant",  "region",  "bucket",  "batch",   "shard",   "lease",   "schema",
    "route",   "policy",  "widget",  "ledger",  "message", "channel", "profile", "upload"};
static const char *const VERBS[] = {
    "get",    "set",   "load",   "save",    "parse", "build",   "fetch",   "update", "delete",
    "create", "check", "render", "compute", "flush", "sync",    "resolve", "encode", "decode",
    "open",   "close", "merge",  "split",   "apply", "refresh", "register"};
static const char *const ATTRS[] = {"size",   "count", "weight", "priority", "retries",
                                    "offset", "limit", "score",  "version",  "status"};
static const char *const WORDS[] = {
    "the",      "service", "returns", "a",        "new",   "value",   "for",     "each",
    "request",  "when",    "cache",   "is",       "empty", "we",      "retry",   "with",
    "backoff",  "and",     "log",     "error",    "this",  "handler", "keeps",   "state",
    "between",  "calls",   "so",      "callers",  "must",  "hold",    "lock",    "before",
    "updating", "records", "in",      "batches",  "of",    "up",      "to",      "items",
    "note",     "that",    "timeout", "applies",  "only",  "after",   "first",   "response",
    "tenant",   "data",    "stays",   "isolated", "by",    "region",  "see",     "design",
    "document", "deploy",  "rollout", "health",   "probe", "metrics", "endpoint"};
static const char *const COMPANY[] = {"acme",     "globex", "initech", "umbrella", "hooli",
                                      "vandelay", "stark",  "wayne",   "tyrell",   "cyberdyne"};
static const char *const PROJ[] = {
    "billing-api", "auth-service", "inventory", "gateway",      "notifier", "scheduler", "reports",
    "search",      "checkout",     "catalog",   "analytics",    "ingest",   "mailer",    "webhooks",
    "storage",     "metrics",      "frontend",  "admin-portal", "ledger",   "payments"};

static void sentence(Buf *b, unsigned lo, unsigned hi) {
  unsigned n = range(lo, hi);
  for (unsigned i = 0; i < n; i++) {
    const char *w = PICK(WORDS);
    if (i == 0)
      bprintf(b, "%c%s", w[0] - 32, w + 1);
    else
      bprintf(b, " %s", w);
  }
  bputs(b, ".");
}

/* Identifier styles. */
enum { S_SNAKE, S_CAMEL, S_UPPER, S_DOTTED, S_KEBAB };

static void style_name(const char *snake, int style, char *out, size_t cap) {
  size_t o = 0;
  int up_next = 0;
  for (const char *p = snake; *p && o + 1 < cap; p++) {
    char c = *p;
    if (c == '_') {
      if (style == S_CAMEL) {
        up_next = 1;
        continue;
      }
      c = style == S_DOTTED ? '.' : style == S_KEBAB ? '-' : '_';
    } else if (style == S_UPPER && c >= 'a' && c <= 'z') {
      c = (char)(c - 32);
    } else if (up_next && c >= 'a' && c <= 'z') {
      c = (char)(c - 32);
    }
    up_next = 0;
    out[o++] = c;
  }
  out[o] = '\0';
}

static void uuid(char *o) {
  rstr(o, HEX, 8);
  o[8] = '-';
  rstr(o + 9, HEX, 4);
  o[13] = '-';
  o[14] = '4';
  rstr(o + 15, HEX, 3);
  o[18] = '-';
  o[19] = "89ab"[rnd(4)];
  rstr(o + 20, HEX, 3);
  o[23] = '-';
  rstr(o + 24, HEX, 12);
}

/* ---- secrets ---------------------------------------------------------------------------- */

enum {
  K_AWS, /* a plant of two secrets: the key id, then the secret access key */
  K_GH_CLASSIC,
  K_GH_FINE,
  K_GITLAB,
  K_SLACK_BOT,
  K_SLACK_HOOK,
  K_STRIPE,
  K_GOOGLE,
  K_OPENAI,
  K_ANTHROPIC,
  K_NPM,
  K_PYPI,
  K_SENDGRID,
  K_TWILIO,
  K_JWT,
  K_PRIVKEY,
  K_GENERIC,
  NKIND
};
static const unsigned PLANT_COUNT[NKIND] = {20, 20, 15, 15, 15, 15, 15, 20, 15,
                                            15, 15, 15, 15, 15, 15, 20, 20};
static const char *const KIND_NAME[NKIND] = {
    "aws-access-key-id", "github-pat",      "github-fine-grained-pat",
    "gitlab-pat",        "slack-bot-token", "slack-webhook",
    "stripe-live-key",   "google-api-key",  "openai-key",
    "anthropic-key",     "npm-token",       "pypi-token",
    "sendgrid-key",      "twilio-api-key",  "jwt",
    "private-key",       "generic-password"};

/* Variable names (snake case) a project would give each kind of secret. */
static const char *secret_name(int kind) {
  static const char *const aws[] = {"aws_access_key_id"};
  static const char *const gh[] = {"github_token", "gh_token", "github_pat", "git_token"};
  static const char *const ghf[] = {"github_token", "github_pat", "gh_api_token"};
  static const char *const gl[] = {"gitlab_token", "gitlab_private_token", "ci_registry_token"};
  static const char *const sb[] = {"slack_bot_token", "slack_token", "slack_api_token"};
  static const char *const sh[] = {"slack_webhook_url", "alerts_webhook", "slack_webhook"};
  static const char *const st[] = {"stripe_secret_key", "stripe_api_key", "stripe_key"};
  static const char *const gg[] = {"google_api_key", "maps_api_key", "gcp_api_key",
                                   "firebase_api_key"};
  static const char *const oa[] = {"openai_api_key", "openai_key", "llm_api_key"};
  static const char *const an[] = {"anthropic_api_key", "claude_api_key"};
  static const char *const np[] = {"npm_token", "npm_auth_token", "node_auth_token"};
  static const char *const py[] = {"pypi_token", "pypi_api_token", "twine_password"};
  static const char *const sg[] = {"sendgrid_api_key", "sendgrid_key", "mail_api_key"};
  static const char *const tw[] = {"twilio_api_key", "twilio_key_sid", "twilio_sid"};
  static const char *const jw[] = {"auth_token", "jwt_token", "service_token", "access_token",
                                   "id_token"};
  static const char *const pk[] = {"private_key", "signing_key", "tls_key", "ssh_key"};
  static const char *const ge[] = {"db_password",    "database_password", "redis_password",
                                   "smtp_password",  "admin_password",    "app_secret",
                                   "session_secret", "jwt_secret",        "rabbitmq_password"};
  switch (kind) {
  case K_AWS:
    return PICK(aws);
  case K_GH_CLASSIC:
    return PICK(gh);
  case K_GH_FINE:
    return PICK(ghf);
  case K_GITLAB:
    return PICK(gl);
  case K_SLACK_BOT:
    return PICK(sb);
  case K_SLACK_HOOK:
    return PICK(sh);
  case K_STRIPE:
    return PICK(st);
  case K_GOOGLE:
    return PICK(gg);
  case K_OPENAI:
    return PICK(oa);
  case K_ANTHROPIC:
    return PICK(an);
  case K_NPM:
    return PICK(np);
  case K_PYPI:
    return PICK(py);
  case K_SENDGRID:
    return PICK(sg);
  case K_TWILIO:
    return PICK(tw);
  case K_JWT:
    return PICK(jw);
  case K_PRIVKEY:
    return PICK(pk);
  default:
    return PICK(ge);
  }
}

/* jwt: a JWT with a real JSON header and payload and a random signature. */
static void jwt(char *out) {
  char hdr[128], pay[400], u[40];
  int rs = chance(40);
  if (rs) {
    char kid[9];
    rstr(kid, HEX, 8);
    snprintf(hdr, sizeof hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
  } else {
    snprintf(hdr, sizeof hdr, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  }
  uuid(u);
  unsigned long iat = 1700000000UL + rnd(60000000);
  snprintf(pay, sizeof pay,
           "{\"sub\":\"%s\",\"iss\":\"https://auth.%s.io\",\"aud\":\"%s\",\"iat\":%lu,"
           "\"exp\":%lu,\"scope\":\"read write\"}",
           u, PICK(COMPANY), PICK(PROJ), iat, iat + 3600UL * range(1, 720));
  size_t o = b64enc((const unsigned char *)hdr, strlen(hdr), out, B64URL, 0);
  out[o++] = '.';
  o += b64enc((const unsigned char *)pay, strlen(pay), out + o, B64URL, 0);
  out[o++] = '.';
  unsigned char sig[256];
  size_t sn = rs ? 256 : 32;
  rbytes(sig, sn);
  b64enc(sig, sn, out + o, B64URL, 0);
}

/* token: a fresh single-line secret of KIND (not K_AWS, K_PRIVKEY) into OUT. */
static void token(int kind, char *out) {
  char *p = out;
  switch (kind) {
  case K_GH_CLASSIC:
  case K_NPM: {
    p += sprintf(p, "%s",
                 kind == K_NPM ? "np"
                                 "m_"
                               : "gh"
                                 "p_");
    char *body = p;
    p = rstr(p, ALNUM, 30);
    b62crc(body, 30, p);
    break;
  }
  case K_GH_FINE:
    p += sprintf(p, "github"
                    "_pat_");
    p = rstr(p, ALNUM, 22);
    *p++ = '_';
    rstr(p, ALNUM, 59);
    break;
  case K_GITLAB:
    p += sprintf(p, "gl"
                    "pat-");
    rstr(p, B64URL, 20);
    break;
  case K_SLACK_BOT:
    p += sprintf(p, "xo"
                    "xb-");
    p = rstr(p, DIGITS, range(10, 13));
    *p++ = '-';
    p = rstr(p, DIGITS, range(10, 13));
    *p++ = '-';
    rstr(p, ALNUM, 24);
    break;
  case K_SLACK_HOOK:
    p += sprintf(p, "https://hooks.slack.com/services/"
                    "T");
    p = rstr(p, UPALNUM, range(8, 10));
    p += sprintf(p, "/B");
    p = rstr(p, UPALNUM, range(8, 10));
    *p++ = '/';
    rstr(p, ALNUM, 24);
    break;
  case K_STRIPE:
    p += sprintf(p, "sk"
                    "_live_");
    if (chance(50)) {
      p += sprintf(p, "51");
      rstr(p, ALNUM, 97);
    } else {
      rstr(p, ALNUM, 24);
    }
    break;
  case K_GOOGLE:
    p += sprintf(p, "AI"
                    "za"
                    "Sy");
    rstr(p, B64URL, 33);
    break;
  case K_OPENAI:
    if (chance(80)) {
      p += sprintf(p, "sk-"
                      "proj-");
      p = rstr(p, B64URL, 74);
      p += sprintf(p, "T3Blbk"
                      "FJ");
      rstr(p, B64URL, 74);
    } else {
      p += sprintf(p, "sk-");
      p = rstr(p, ALNUM, 20);
      p += sprintf(p, "T3Blbk"
                      "FJ");
      rstr(p, ALNUM, 20);
    }
    break;
  case K_ANTHROPIC:
    p += sprintf(p, "sk-"
                    "ant-"
                    "api03-");
    p = rstr(p, B64URL, 93);
    sprintf(p, "AA");
    break;
  case K_PYPI:
    p += sprintf(p, "py"
                    "pi-"
                    "AgEIcHlwaS5vcmc"
                    "CJ");
    rstr(p, B64URL, range(120, 170));
    break;
  case K_SENDGRID:
    p += sprintf(p, "SG"
                    ".");
    p = rstr(p, B64URL, 22);
    *p++ = '.';
    rstr(p, B64URL, 43);
    break;
  case K_TWILIO:
    p += sprintf(p, "S"
                    "K");
    rstr(p, HEX, 32);
    break;
  case K_JWT:
    jwt(out);
    break;
  default: /* K_GENERIC */
    rstr(p, PWCHARS, 24);
    break;
  }
}

static void aws_key_id(char *out) {
  char *p = out + sprintf(out, "AK"
                               "IA");
  rstr(p, UPPER32, 16);
}

/* pem: a PEM block into OUT, lines separated by '\n', no final newline. PRIV: a private
 * key (RSA, PKCS#8, EC or OpenSSH, with a DER/openssh prefix that real keys have), else
 * a certificate or public key. */
static void pem(char *out, int priv) {
  static const unsigned char rsa1[] = {0x30, 0x82, 0x04, 0xa4, 0x02, 0x01,
                                       0x00, 0x02, 0x82, 0x01, 0x01, 0x00};
  static const unsigned char pkcs8[] = {0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d,
                                        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
                                        0x01, 0x01, 0x05, 0x00, 0x04, 0x82, 0x04, 0xa8};
  static const unsigned char ec[] = {0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20};
  static const unsigned char ec2[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                      0x03, 0x01, 0x07, 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04};
  static const unsigned char cert[] = {0x30, 0x82, 0x03, 0x5a, 0x30, 0x82, 0x02, 0x42,
                                       0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14};
  static const unsigned char spki[] = {0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09,
                                       0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
                                       0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00};
  unsigned char der[1300];
  size_t n;
  const char *label;
  int width = 64;
  if (priv) {
    switch (rnd(4)) {
    case 0:
      label = "RSA ";
      memcpy(der, rsa1, sizeof rsa1);
      n = 1192;
      rbytes(der + sizeof rsa1, n - sizeof rsa1);
      break;
    case 1:
      label = "";
      memcpy(der, pkcs8, sizeof pkcs8);
      n = 1218;
      rbytes(der + sizeof pkcs8, n - sizeof pkcs8);
      break;
    case 2:
      label = "EC ";
      memcpy(der, ec, sizeof ec);
      rbytes(der + sizeof ec, 32);
      memcpy(der + sizeof ec + 32, ec2, sizeof ec2);
      rbytes(der + sizeof ec + 32 + sizeof ec2, 64);
      n = sizeof ec + 32 + sizeof ec2 + 64;
      break;
    default:
      label = "OPENSSH ";
      memcpy(der, "openssh-key-v1", 15); /* with its NUL */
      n = 399;
      rbytes(der + 15, n - 15);
      width = 70;
      break;
    }
  } else if (chance(70)) {
    label = "CERTIFICATE";
    memcpy(der, cert, sizeof cert);
    n = 862;
    rbytes(der + sizeof cert, n - sizeof cert);
  } else {
    label = "PUBLIC KEY";
    memcpy(der, spki, sizeof spki);
    n = 294;
    rbytes(der + sizeof spki, n - sizeof spki);
  }
  char body[1800];
  size_t bl = b64enc(der, n, body, B64, 1);
  char *o = out;
  if (priv)
    o += sprintf(o,
                 "-----BEGIN %sPRIV"
                 "ATE KEY-----",
                 label);
  else
    o += sprintf(o, "-----BEGIN %s-----", label);
  for (size_t i = 0; i < bl; i += (size_t)width) {
    size_t w = bl - i < (size_t)width ? bl - i : (size_t)width;
    *o++ = '\n';
    memcpy(o, body + i, w);
    o += w;
  }
  if (priv)
    sprintf(o,
            "\n-----END %sPRIV"
            "ATE KEY-----",
            label);
  else
    sprintf(o, "\n-----END %s-----", label);
}

/* ---- near-misses ------------------------------------------------------------------------ */

/* near_miss: a (name, value) pair that looks like a credential but is not one. */
static void near_miss(char *name, char *val) {
  char t[2400];
  switch (rnd(46)) {
  case 0:
    strcpy(name, "request_id");
    uuid(val);
    break;
  case 1:
    strcpy(name, "checksum_sha256");
    rstr(val, HEX, 64);
    break;
  case 2:
    strcpy(name, "commit_sha");
    rstr(val, HEX, 40);
    break;
  case 3: {
    static const unsigned char png[] = {0x89, 'P', 'N', 'G',  0x0d, 0x0a, 0x1a, 0x0a,
                                        0,    0,   0,   0x0d, 'I',  'H',  'D',  'R'};
    unsigned char raw[240];
    memcpy(raw, png, sizeof png);
    size_t n = range(60, 240);
    rbytes(raw + sizeof png, n - sizeof png);
    strcpy(name, "icon_png");
    b64enc(raw, n, val, B64, 1);
    break;
  }
  case 4:
    strcpy(name, "api_key");
    strcpy(val, "${API_KEY}");
    break;
  case 5:
    strcpy(name, "token");
    strcpy(val, "<your-token>");
    break;
  case 6:
    strcpy(name, "password");
    strcpy(val, "changeme");
    break;
  case 7:
    strcpy(name, "aws_access_key_id");
    sprintf(val, "AK"
                 "IA"
                 "IOSFODNN7"
                 "EXAMPLE");
    break;
  case 8:
    strcpy(name, "aws_secret_access_key");
    sprintf(val, "wJalrXUtnFEMI/K7MDENG/"
                 "bPxRfiCY"
                 "EXAMPLEKEY");
    break;
  case 9:
    strcpy(name, "password_field");
    strcpy(val, "password");
    break;
  case 10: {
    char *p = val + sprintf(val, "$2b$12$");
    rstr(p, BCRYPT, 53);
    strcpy(name, "password_hash");
    break;
  }
  case 11:
    strcpy(name, "token_endpoint");
    sprintf(val, "https://auth.%s.io/oauth2/token", PICK(COMPANY));
    break;
  case 12:
    strcpy(name, "secret_name");
    sprintf(val, "%s-tls", PICK(PROJ));
    break;
  case 13:
    strcpy(name, "etag");
    rstr(val, HEX, 32);
    break;
  case 14:
    strcpy(name, "account_sid");
    val[0] = 'A';
    val[1] = 'C';
    rstr(val + 2, HEX, 32);
    break;
  case 15: {
    char *p = val + sprintf(val, "pk"
                                 "_live_");
    rstr(p, ALNUM, 24);
    strcpy(name, "stripe_publishable_key");
    break;
  }
  case 16:
    strcpy(name, "github_token");
    strcpy(val, "${GITHUB_TOKEN}");
    break;
  case 17:
    strcpy(name, "api_token");
    memset(val, 'x', 32);
    val[32] = '\0';
    break;
  case 18:
    strcpy(name, "session_secret");
    strcpy(val, "REPLACE_ME");
    break;
  case 19:
    strcpy(name, "db_password");
    val[0] = '\0';
    break;
  case 20:
    strcpy(name, "database_url");
    strcpy(val, "postgres://app:${DB_PASSWORD}@db:5432/app");
    break;
  case 21: {
    char *p = val + sprintf(val, "%u-", 100000000u + rnd(900000000u));
    p = rstr(p, LOWALNUM, 32);
    strcpy(p, ".apps.googleusercontent.com");
    strcpy(name, "oauth_client_id");
    break;
  }
  case 22:
    strcpy(name, "image_digest");
    rstr(val + sprintf(val, "sha256:"), HEX, 64);
    break;
  case 23:
    strcpy(name, "secret_key_ref");
    strcpy(val, "db-credentials");
    break;
  case 24:
    strcpy(name, "max_token_length");
    sprintf(val, "%u", 512u << rnd(5));
    break;
  case 25:
    strcpy(name, "signing_key_id");
    uuid(val);
    break;
  case 26: {
    int n = snprintf(t, sizeof t, "{\"type\":\"%s\",\"retries\":%u,\"region\":\"eu-west-%u\"}",
                     PICK(NOUNS), rnd(9), rnd(3) + 1);
    strcpy(name, "payload_b64");
    b64enc((const unsigned char *)t, (size_t)n, val, B64, 1);
    break;
  }
  case 27: {
    pem(t, 0);
    strcpy(name, "ca_bundle");
    size_t n = strlen(t);
    if (n > 420)
      n = 420; /* the head of a base64'd PEM certificate, as in caBundle */
    b64enc((const unsigned char *)t, n, val, B64, 1);
    break;
  }
  case 28:
    strcpy(name, "nonce");
    rstr(val, HEX, 32);
    break;
  case 29: {
    char *p = val + sprintf(val, "gh"
                                 "p_");
    memset(p, 'x', 36);
    p[36] = '\0';
    strcpy(name, "github_token");
    break;
  }
  case 30:
    strcpy(name, "secret");
    strcpy(val, "{{ .Values.secret }}");
    break;
  case 31:
    strcpy(name, "password");
    strcpy(val, "********");
    break;
  case 32:
    strcpy(name, "api_key");
    strcpy(val, "<your-api-key>");
    break;
  case 33:
    strcpy(name, "jwks_url");
    sprintf(val, "https://auth.%s.io/.well-known/jwks.json", PICK(COMPANY));
    break;
  case 34: {
    unsigned char raw[64];
    rbytes(raw, 64);
    strcpy(name, "integrity");
    b64enc(raw, 64, val + sprintf(val, "sha512-"), B64, 1);
    break;
  }
  case 35:
    strcpy(name, "role_arn");
    sprintf(val, "arn:aws:iam::%u%u:role/%s-deploy", 100000 + rnd(900000), 100000 + rnd(900000),
            PICK(PROJ));
    break;
  case 36:
    strcpy(name, "test_password");
    strcpy(val, "hunter2");
    break;
  case 37: { /* the jwt.io example token */
    static const char h[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    static const char pl[] = "{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"iat\":1516239022}";
    size_t o = b64enc((const unsigned char *)h, strlen(h), val, B64URL, 0);
    val[o++] = '.';
    o += b64enc((const unsigned char *)pl, strlen(pl), val + o, B64URL, 0);
    sprintf(val + o, ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
    strcpy(name, "example_token");
    break;
  }
  case 38:
    strcpy(name, "stripe_secret_key");
    sprintf(val, "sk"
                 "_live_"
                 "...");
    break;
  case 39: { /* a SOPS-encrypted value */
    char *p = val + sprintf(val, "ENC[AES256_GCM,data:");
    p = rstr(p, B64, range(16, 40));
    p += sprintf(p, "=,iv:");
    p = rstr(p, B64, 43);
    p += sprintf(p, "=,tag:");
    p = rstr(p, B64, 22);
    sprintf(p, "==,type:str]");
    strcpy(name, chance(50) ? "db_password" : "api_key");
    break;
  }
  case 40: { /* a Jasypt-encrypted value */
    char *p = val + sprintf(val, "ENC(");
    p = rstr(p, B64, 4 * range(6, 12));
    sprintf(p, ")");
    strcpy(name, "datasource_password");
    break;
  }
  case 41:
    strcpy(name, "db_password");
    sprintf(val, "vault:secret/data/%s/db#password", PICK(PROJ));
    break;
  case 42:
    strcpy(name, "client_secret");
    strcpy(val, "${OAUTH_CLIENT_SECRET:?required}");
    break;
  case 43:
    strcpy(name, "password_regex");
    strcpy(val, "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\\\d)(?=.*[!@#%^&*]).{12,128}$");
    break;
  case 44:
    strcpy(name, "secret_key_base");
    strcpy(val, "<%= Rails.application.credentials.secret_key_base %>");
    break;
  default:
    strcpy(name, "api_key");
    strcpy(val, "your-api-key-here");
    break;
  }
}

/* ---- file types --------------------------------------------------------------------------- */

enum {
  T_C,
  T_GO,
  T_PY,
  T_JS,
  T_JAVA, /* sources */
  T_K8S,
  T_HELM,
  T_HELMTPL,
  T_GHA,
  T_GITLAB,
  T_COMPOSE,
  T_JSON,
  T_LOCK,
  T_ENV,
  T_PROPS,
  T_MD,
  T_DOCKER,
  T_GOSUM,
  T_CRT,
  T_PEM,
  T_NPMRC,
  T_REQS,
  NTYPE
};

/* Plant emitters: ctx_open/ctx_close wrap one or two kv lines into valid context. */
static int style_of(int type) {
  switch (type) {
  case T_C:
    return S_SNAKE;
  case T_GO:
  case T_JS:
  case T_HELM:
  case T_JSON:
    return S_CAMEL;
  case T_PROPS:
    return S_DOTTED;
  default:
    return S_UPPER;
  }
}

static const char *const SECTIONS[] = {"integrations", "notifications", "storage", "upstream",
                                       "auth",         "external",      "mail",    "backup"};

static void ctx_open(Buf *b, int type) {
  switch (type) {
  case T_GO:
    bputs(b, "var (\n");
    break;
  case T_K8S: {
    int secret = chance(70);
    bprintf(b, "---\napiVersion: v1\nkind: %s\nmetadata:\n  name: %s-%s\n  namespace: %s\n%s\n",
            secret ? "Secret" : "ConfigMap", PICK(PROJ), chance(50) ? "credentials" : "env",
            PICK(COMPANY), secret ? "type: Opaque\nstringData:" : "data:");
    bputs(b, "  LOG_LEVEL: info\n");
    break;
  }
  case T_HELM:
    bprintf(b, "%s:\n  enabled: true\n", PICK(SECTIONS));
    break;
  case T_GHA:
    bprintf(b, "  %s-%s:\n    runs-on: ubuntu-latest\n    env:\n      CI: \"true\"\n", PICK(VERBS),
            PICK(NOUNS));
    break;
  case T_GITLAB:
    bprintf(b, "%s_%s:\n  stage: deploy\n  variables:\n    GIT_DEPTH: \"1\"\n", PICK(VERBS),
            PICK(NOUNS));
    break;
  case T_COMPOSE:
    bprintf(b, "  %s:\n    image: %s/%s:1.%u\n    environment:\n      TZ: UTC\n", PICK(NOUNS),
            PICK(COMPANY), PICK(PROJ), rnd(30));
    break;
  case T_JSON:
    bprintf(b, "  \"%s\": {\n    \"enabled\": true,\n", PICK(SECTIONS));
    break;
  case T_MD:
    bputs(b, "```sh\n");
    break;
  default:
    break;
  }
}

static void ctx_close(Buf *b, int type) {
  switch (type) {
  case T_GO:
    bputs(b, ")\n\n");
    break;
  case T_C:
  case T_PY:
  case T_JS:
  case T_HELM:
    bputs(b, "\n");
    break;
  case T_GHA:
    bputs(b, "    steps:\n      - uses: actions/checkout@v4\n      - run: make deploy\n");
    break;
  case T_GITLAB:
    bputs(b, "  script:\n    - ./scripts/deploy.sh\n\n");
    break;
  case T_JSON:
    bputs(b, "    \"timeoutMs\": 5000\n  },\n");
    break;
  case T_MD:
    bputs(b, "```\n\n");
    break;
  default:
    break;
  }
}

/* kv: one NAME=VALUE line in TYPE's syntax and indentation (within ctx_open/ctx_close). */
static void kv(Buf *b, int type, const char *snake, const char *val) {
  char nm[128];
  style_name(snake, style_of(type), nm, sizeof nm);
  switch (type) {
  case T_C:
    bprintf(b, "static const char *%s = \"%s\";\n", nm, val);
    break;
  case T_GO:
    bprintf(b, "\t%s = \"%s\"\n", nm, val);
    break;
  case T_PY:
    bprintf(b, "%s = \"%s\"\n", nm, val);
    break;
  case T_JS:
    if (chance(40)) {
      char up[128];
      style_name(snake, S_UPPER, up, sizeof up);
      bprintf(b, "const %s = process.env.%s || '%s';\n", nm, up, val);
    } else {
      bprintf(b, "const %s = '%s';\n", nm, val);
    }
    break;
  case T_JAVA:
    bprintf(b, "    private static final String %s = \"%s\";\n", nm, val);
    break;
  case T_K8S:
    bprintf(b, "  %s: \"%s\"\n", nm, val);
    break;
  case T_HELM:
    bprintf(b, "  %s: \"%s\"\n", nm, val);
    break;
  case T_GHA:
  case T_COMPOSE:
    bprintf(b, "      %s: \"%s\"\n", nm, val);
    break;
  case T_GITLAB:
    bprintf(b, "    %s: \"%s\"\n", nm, val);
    break;
  case T_JSON:
    bprintf(b, "    \"%s\": \"%s\",\n", nm, val);
    break;
  case T_ENV:
    bprintf(b, "%s=%s\n", nm, val);
    break;
  case T_PROPS:
    bprintf(b, "%s=%s\n", nm, val);
    break;
  case T_MD:
    bprintf(b, "export %s=%s\n", nm, val);
    break;
  case T_NPMRC:
    bprintf(b, "//registry.npmjs.org/:_authToken=%s\n", val);
    break;
  default:
    bprintf(b, "%s=%s\n", nm, val);
    break;
  }
}

/* ---- plants ------------------------------------------------------------------------------- */

typedef struct {
  int kind;
  int file;  /* index into the project's file plan */
  double at; /* where in the file, 0..1 */
} Plant;

static FILE *g_truth;
static const char *g_relpath; /* the file being generated, relative to OUTDIR */
static unsigned long g_planted;

static void mark(const Buf *b, const char *kind) {
  fprintf(g_truth, "%s\t%s\t%ld\n", kind, g_relpath, next_line(b));
  g_planted++;
}

static int compatible(int kind, int type) {
  if (kind == K_GENERIC)
    return type == T_ENV || type == T_PROPS;
  if (kind == K_PRIVKEY)
    return type == T_PY || type == T_JS || type == T_GO || type == T_JAVA || type == T_C ||
           type == T_K8S || type == T_HELM || type == T_JSON || type == T_ENV || type == T_MD ||
           type == T_PEM;
  if (kind == K_NPM && type == T_NPMRC)
    return 1;
  return type <= T_JAVA || type == T_K8S || type == T_HELM || type == T_GHA || type == T_GITLAB ||
         type == T_COMPOSE || type == T_JSON || type == T_ENV || type == T_PROPS || type == T_MD;
}

/* plant_pem: a private key in TYPE's syntax, the truth line on its BEGIN line. */
static void plant_pem(Buf *b, int type) {
  char key[2400], nm[64];
  pem(key, 1);
  const char *snake = secret_name(K_PRIVKEY);
  style_name(snake, style_of(type), nm, sizeof nm);
  switch (type) {
  case T_JSON:
  case T_ENV: { /* one line, newlines escaped: service-account JSON, dotenv */
    if (type == T_JSON)
      bprintf(b, "  \"%s\": {\n    \"type\": \"service_account\",\n", PICK(SECTIONS));
    mark(b, KIND_NAME[K_PRIVKEY]);
    bprintf(b, type == T_JSON ? "    \"%s\": \"" : "%s=\"", type == T_JSON ? "private_key" : nm);
    for (const char *p = key; *p; p++) {
      if (*p == '\n')
        bputs(b, "\\n");
      else
        bput(b, p, 1);
    }
    bputs(b,
          type == T_JSON
              ? "\\n\",\n    \"client_email\": \"deploy@example.iam.gserviceaccount.com\"\n  },\n"
              : "\"\n");
    return;
  }
  case T_C: {
    bprintf(b, "static const char %s[] =\n", nm);
    mark(b, KIND_NAME[K_PRIVKEY]);
    const char *p = key;
    for (;;) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      bputs(b, "    \"");
      bput(b, p, n);
      bputs(b, nl ? "\\n\"\n" : "\\n\";\n\n");
      if (!nl)
        break;
      p = nl + 1;
    }
    return;
  }
  case T_K8S:
  case T_HELM: {
    if (type == T_K8S)
      bprintf(b,
              "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s-tls\ntype: "
              "kubernetes.io/tls\nstringData:\n  tls.crt: \"\"\n  tls.key: |\n",
              PICK(PROJ));
    else
      bputs(b, "tls:\n  enabled: true\n  key: |\n");
    mark(b, KIND_NAME[K_PRIVKEY]);
    const char *p = key;
    for (;;) {
      const char *nl = strchr(p, '\n');
      size_t n = nl ? (size_t)(nl - p) : strlen(p);
      bputs(b, "    ");
      bput(b, p, n);
      bputs(b, "\n");
      if (!nl)
        break;
      p = nl + 1;
    }
    if (type == T_HELM)
      bputs(b, "\n");
    return;
  }
  case T_PEM:
    mark(b, KIND_NAME[K_PRIVKEY]);
    bprintf(b, "%s\n", key);
    return;
  case T_MD:
    bputs(b, "```\n");
    mark(b, KIND_NAME[K_PRIVKEY]);
    bprintf(b, "%s\n```\n\n", key);
    return;
  case T_JAVA:
    bprintf(b, "    private static final String %s = \"\"\"\n", nm);
    mark(b, KIND_NAME[K_PRIVKEY]);
    for (const char *p = key; *p; p++) {
      if (p == key || p[-1] == '\n')
        bputs(b, "        ");
      bput(b, p, 1);
    }
    bputs(b, "\n        \"\"\";\n\n");
    return;
  default: { /* Python """...""", JS and Go backquotes: BEGIN on the assignment line */
    mark(b, KIND_NAME[K_PRIVKEY]);
    if (type == T_PY)
      bprintf(b, "%s = \"\"\"%s\n\"\"\"\n\n", nm, key);
    else if (type == T_JS)
      bprintf(b, "const %s = `%s\n`;\n\n", nm, key);
    else
      bprintf(b, "const %s = `%s\n`\n\n", nm, key);
    return;
  }
  }
}

static void plant(Buf *b, int type, int kind) {
  char val[1200];
  if (kind == K_PRIVKEY) {
    plant_pem(b, type);
    return;
  }
  ctx_open(b, type);
  if (kind == K_AWS) {
    aws_key_id(val);
    mark(b, "aws-access-key-id");
    kv(b, type, "aws_access_key_id", val);
    rstr(val, B64, 40);
    mark(b, "aws-secret-access-key");
    kv(b, type, "aws_secret_access_key", val);
  } else if (kind == K_GENERIC && type == T_PROPS) {
    static const char *const props[] = {"spring.datasource.password", "spring.redis.password",
                                        "spring.mail.password",       "spring.rabbitmq.password",
                                        "app.security.jwt-secret",    "ldap.manager.password"};
    token(kind, val);
    mark(b, KIND_NAME[kind]);
    bprintf(b, "%s=%s\n", PICK(props), val);
  } else {
    token(kind, val);
    mark(b, KIND_NAME[kind]);
    if (type == T_MD && kind == K_JWT)
      bprintf(b, "curl -H \"Authorization: Bearer %s\" https://api.%s.io/v1/%ss\n", val,
              PICK(COMPANY), PICK(NOUNS));
    else
      kv(b, type, secret_name(kind), val);
  }
  ctx_close(b, type);
}

/* ---- filler --------------------------------------------------------------------------------- */

/* nm_line: a near-miss in TYPE's syntax, in a context where such a line fits. */
static void nm_line(Buf *b, int type) {
  char name[64], val[1200];
  near_miss(name, val);
  if (type == T_GHA && chance(50)) {
    char up[64];
    style_name(name, S_UPPER, up, sizeof up);
    bprintf(b, "      %s: ${{ secrets.%s }}\n", up, up);
    return;
  }
  kv(b, type, name, val);
}

static void comment(Buf *b, const char *lead) {
  bputs(b, lead);
  sentence(b, 6, 16);
  bputs(b, "\n");
}

static void block_py(Buf *b) {
  const char *v = PICK(VERBS), *n = PICK(NOUNS), *n2 = PICK(NOUNS), *a = PICK(ATTRS);
  switch (rnd(4)) {
  case 0:
    bprintf(b, "def %s_%s(%s_id, %s=None, timeout=%u):\n    \"\"\"", v, n, n, n2, range(1, 120));
    sentence(b, 5, 12);
    bprintf(b, "\"\"\"\n    result = []\n    for %s in _%s_store.get(%s_id, []):\n", n2, n, n);
    bprintf(b, "        if %s.%s > %u:\n            result.append(%s)\n", n2, a, rnd(1000), n2);
    bprintf(b, "    log.debug(\"%s %%s: %%d items\", %s_id, len(result))\n    return result\n\n\n",
            v, n);
    break;
  case 1:
    bprintf(b, "class %c%s%c%s:\n    def __init__(self, %s, %s=%u):\n", n[0] - 32, n + 1, v[0] - 32,
            v + 1, n2, a, rnd(64));
    bprintf(b,
            "        self.%s = %s\n        self.%s = %s\n        self._lock = threading.Lock()\n\n",
            n2, n2, a, a);
    bprintf(b,
            "    def %s(self, %s):\n        with self._lock:\n            self.%s += %s.%s\n       "
            "     return self.%s\n\n\n",
            v, n, a, n, a, a);
    break;
  case 2:
    bprintf(b, "%s_DEFAULTS = {\n", n2);
    for (unsigned i = range(2, 6); i; i--)
      bprintf(b, "    \"%s_%s\": %u,\n", PICK(NOUNS), PICK(ATTRS), rnd(10000));
    bputs(b, "}\n\n");
    break;
  default:
    comment(b, "# ");
    bprintf(b, "@app.route(\"/api/v1/%ss/<%s_id>\", methods=[\"GET\"])\ndef %s_%s_view(%s_id):\n",
            n, n, v, n, n);
    bprintf(b, "    %s = %s_%s(%s_id)\n    return jsonify(%s), 200\n\n\n", n, v, n, n, n);
    break;
  }
}

static void block_go(Buf *b) {
  const char *v = PICK(VERBS), *n = PICK(NOUNS), *n2 = PICK(NOUNS), *a = PICK(ATTRS);
  switch (rnd(3)) {
  case 0:
    comment(b, "// ");
    bprintf(b, "func (s *%c%sService) %c%s%c%s(ctx context.Context, id string) (*%c%s, error) {\n",
            n[0] - 32, n + 1, v[0] - 32, v + 1, n2[0] - 32, n2 + 1, n2[0] - 32, n2 + 1);
    bprintf(b, "\tctx, cancel := context.WithTimeout(ctx, %u*time.Second)\n\tdefer cancel()\n",
            range(1, 60));
    bprintf(b,
            "\trow, err := s.db.QueryContext(ctx, \"SELECT id, %s FROM %ss WHERE id = $1\", id)\n",
            a, n2);
    bprintf(b, "\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"%s %s %%s: %%w\", id, err)\n\t}\n",
            v, n2);
    bprintf(
        b,
        "\tdefer row.Close()\n\tvar out %c%s\n\treturn &out, row.Scan(&out.ID, &out.%c%s)\n}\n\n",
        n2[0] - 32, n2 + 1, a[0] - 32, a + 1);
    break;
  case 1:
    bprintf(b, "type %c%s%c%s struct {\n", n[0] - 32, n + 1, a[0] - 32, a + 1);
    for (unsigned i = range(2, 6); i; i--) {
      const char *f = PICK(NOUNS);
      bprintf(b, "\t%c%s int `json:\"%s\"`\n", f[0] - 32, f + 1, f);
    }
    bputs(b, "}\n\n");
    break;
  default:
    bprintf(b, "const (\n\tmax%c%s = %u\n\tdefault%c%s = \"%s\"\n)\n\n", a[0] - 32, a + 1,
            rnd(4096), n[0] - 32, n + 1, n2);
    break;
  }
}

static void block_js(Buf *b) {
  const char *v = PICK(VERBS), *n = PICK(NOUNS), *n2 = PICK(NOUNS), *a = PICK(ATTRS);
  switch (rnd(3)) {
  case 0:
    bputs(b, "/**\n * ");
    sentence(b, 5, 14);
    bprintf(b, "\n */\nexport async function %s%c%s(%sId, opts = {}) {\n", v, n[0] - 32, n + 1, n);
    bprintf(b,
            "  const res = await fetch(`${BASE_URL}/%ss/${%sId}`, { headers: authHeaders() });\n",
            n, n);
    bprintf(b,
            "  if (!res.ok) throw new Error(`%s failed: ${res.status}`);\n  const body = await "
            "res.json();\n",
            v);
    bprintf(b, "  return body.%ss.filter((x) => x.%s > (opts.min ?? %u));\n}\n\n", n2, a, rnd(100));
    break;
  case 1:
    bprintf(b, "const %sReducer = (state = initial%c%s, action) => {\n  switch (action.type) {\n",
            n, n[0] - 32, n + 1);
    for (unsigned i = range(2, 4); i; i--) {
      const char *vv = PICK(VERBS);
      bprintf(b, "    case '%s/%s':\n      return { ...state, %s: action.payload.%s };\n", n, vv, a,
              a);
    }
    bputs(b, "    default:\n      return state;\n  }\n};\n\n");
    break;
  default:
    comment(b, "// ");
    bprintf(
        b, "module.exports.%s%c%s = (req, res) => res.status(200).json({ %s: req.params.%s });\n\n",
        v, n2[0] - 32, n2 + 1, a, a);
    break;
  }
}

static void block_java(Buf *b) {
  const char *v = PICK(VERBS), *n = PICK(NOUNS), *n2 = PICK(NOUNS), *a = PICK(ATTRS);
  if (chance(70)) {
    bputs(b, "    /**\n     * ");
    sentence(b, 5, 14);
    bprintf(b, "\n     */\n    public List<%c%s> %s%c%s(String %sId, int %s) {\n", n2[0] - 32,
            n2 + 1, v, n[0] - 32, n + 1, n, a);
    bprintf(b,
            "        List<%c%s> out = new ArrayList<>();\n        for (%c%s x : "
            "repository.findBy%c%sId(%sId)) {\n",
            n2[0] - 32, n2 + 1, n2[0] - 32, n2 + 1, n[0] - 32, n + 1, n);
    bprintf(b,
            "            if (x.get%c%s() > %s) {\n                out.add(x);\n            }\n     "
            "   }\n",
            a[0] - 32, a + 1, a);
    bprintf(b,
            "        log.info(\"%s {} -> {} items\", %sId, out.size());\n        return out;\n    "
            "}\n\n",
            v, n);
  } else {
    bprintf(b,
            "    private static final int MAX_%s = %u;\n    private final Map<String, %c%s> %sById "
            "= new ConcurrentHashMap<>();\n\n",
            a, rnd(10000), n[0] - 32, n + 1, n);
  }
}

static void block_c(Buf *b) {
  const char *v = PICK(VERBS), *n = PICK(NOUNS), *n2 = PICK(NOUNS), *a = PICK(ATTRS);
  if (chance(70)) {
    bputs(b, "/* ");
    sentence(b, 6, 16);
    bprintf(b, " */\nstatic int %s_%s(struct %s *%s, size_t %s) {\n", v, n, n, n, a);
    bprintf(b, "  if (!%s || %s > %s->cap)\n    return -1;\n  for (size_t i = 0; i < %s; i++) {\n",
            n, a, n, a);
    bprintf(b,
            "    %s->items[i].%s = %s_%s(%s->items[i].%s);\n    if (%s->items[i].%s == NULL)\n     "
            " return -1;\n  }\n",
            n, n2, v, n2, n, n2, n, n2);
    bprintf(b, "  %s->len = %s;\n  return 0;\n}\n\n", n, a);
  } else {
    bprintf(b, "static const uint32_t %s_table[] = {\n", n);
    for (unsigned i = range(2, 5); i; i--) {
      bputs(b, "   ");
      for (int k = 0; k < 6; k++) {
        char h[9];
        rstr(h, HEX, 8);
        bprintf(b, " 0x%s,", h);
      }
      bputs(b, "\n");
    }
    bputs(b, "};\n\n");
  }
}

static void block_k8s(Buf *b, int tpl) {
  const char *p = PICK(PROJ), *ns = PICK(COMPANY);
  char dig[65];
  rstr(dig, HEX, 64);
  if (!tpl && chance(10)) { /* the example Secret of many READMEs: base64 admin/changeme */
    char user[16], pass[16];
    b64enc((const unsigned char *)"admin", 5, user, B64, 1);
    b64enc((const unsigned char *)"changeme", 8, pass, B64, 1);
    bprintf(b,
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s-db\n  namespace: %s\n"
            "type: Opaque\ndata:\n  username: %s\n  password: %s\n",
            p, ns, user, pass);
    return;
  }
  switch (rnd(3)) {
  case 0:
    bprintf(b,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\n  "
            "labels:\n    app: %s\nspec:\n  replicas: %u\n",
            p, ns, p, range(1, 6));
    bprintf(b,
            "  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      "
            "labels:\n        app: %s\n    spec:\n      containers:\n        - name: %s\n",
            p, p, p);
    if (tpl)
      bputs(b, "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n");
    else
      bprintf(b, "          image: ghcr.io/%s/%s@sha256:%s\n", ns, p, dig);
    bprintf(b,
            "          ports:\n            - containerPort: %u\n          env:\n            - "
            "name: LOG_LEVEL\n              value: info\n",
            8000 + rnd(100));
    bputs(
        b,
        "            - name: DB_PASSWORD\n              valueFrom:\n                "
        "secretKeyRef:\n                  name: db-credentials\n                  key: password\n");
    if (tpl)
      bputs(b,
            "            - name: API_TOKEN\n              value: {{ .Values.apiToken | quote }}\n");
    bprintf(b,
            "          resources:\n            limits:\n              cpu: %um\n              "
            "memory: %uMi\n",
            100 * range(1, 20), 64 * range(1, 32));
    break;
  case 1:
    bprintf(b,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\n  "
            "annotations:\n    checksum/config: %s\nspec:\n  selector:\n    app: %s\n  ports:\n    "
            "- port: 80\n      targetPort: %u\n",
            p, ns, dig, p, 8000 + rnd(100));
    break;
  default:
    bprintf(b,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n  namespace: "
            "%s\ndata:\n",
            p, ns);
    for (unsigned i = range(2, 6); i; i--) {
      if (chance(35))
        nm_line(b, T_K8S);
      else
        bprintf(b, "  %s_%s: \"%u\"\n", PICK(NOUNS), PICK(ATTRS), rnd(5000));
    }
    break;
  }
}

static void block_helm(Buf *b) {
  bprintf(b, "%s:\n", PICK(SECTIONS));
  for (unsigned i = range(2, 7); i; i--) {
    if (chance(30)) {
      nm_line(b, T_HELM);
    } else {
      const char *n = PICK(NOUNS), *a = PICK(ATTRS);
      bprintf(b, "  %s%c%s: %u\n", n, a[0] - 32, a + 1, rnd(1000));
    }
  }
  bputs(b, "\n");
}

static void block_gha(Buf *b) {
  bprintf(b, "  %s-%s:\n    runs-on: ubuntu-latest\n    env:\n", PICK(VERBS), PICK(NOUNS));
  for (unsigned i = range(1, 4); i; i--)
    nm_line(b, T_GHA);
  bprintf(b,
          "    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n    "
          "    with:\n          node-version: %u\n",
          18 + 2 * rnd(3));
  bprintf(b,
          "      - run: npm ci && npm test -- --shard=%u\n      - run: echo \"${{ "
          "secrets.NPM_TOKEN }}\" | docker login -u ci --password-stdin\n",
          range(1, 4));
}

static void block_gitlab(Buf *b) {
  bprintf(b, "%s_%s:\n  stage: %s\n  image: node:%u\n  variables:\n", PICK(VERBS), PICK(NOUNS),
          chance(50) ? "test" : "build", 18 + 2 * rnd(3));
  for (unsigned i = range(1, 3); i; i--)
    nm_line(b, T_GITLAB);
  bputs(b, "  script:\n    - npm ci\n    - npm run build\n    - docker login -u "
           "\"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" $CI_REGISTRY\n\n");
}

static void block_compose(Buf *b) {
  bprintf(b,
          "  %s-%s:\n    image: postgres:%u\n    environment:\n      POSTGRES_PASSWORD: "
          "${POSTGRES_PASSWORD:-postgres}\n",
          PICK(NOUNS), PICK(ATTRS), 12 + rnd(5));
  nm_line(b, T_COMPOSE);
  bprintf(b, "    ports:\n      - \"%u:5432\"\n", 5432 + rnd(100));
}

static void block_json(Buf *b) {
  bprintf(b, "  \"%s%u\": {\n", PICK(NOUNS), rnd(1000));
  for (unsigned i = range(2, 6); i; i--) {
    if (chance(30))
      nm_line(b, T_JSON);
    else {
      const char *a = PICK(ATTRS);
      bprintf(b, "    \"%s%c%s\": %u,\n", PICK(NOUNS), a[0] - 32, a + 1, rnd(100000));
    }
  }
  bputs(b, "    \"enabled\": false\n  },\n");
}

static void block_lock(Buf *b) {
  const char *n = PICK(NOUNS), *n2 = PICK(VERBS);
  unsigned maj = rnd(12), min = rnd(30), pat = rnd(20);
  unsigned char raw[64];
  char integ[100];
  rbytes(raw, 64);
  b64enc(raw, 64, integ, B64, 1);
  bprintf(b, "    \"node_modules/%s-%s\": {\n      \"version\": \"%u.%u.%u\",\n", n, n2, maj, min,
          pat);
  bprintf(b, "      \"resolved\": \"https://registry.npmjs.org/%s-%s/-/%s-%s-%u.%u.%u.tgz\",\n", n,
          n2, n, n2, maj, min, pat);
  bprintf(b, "      \"integrity\": \"sha512-%s\",\n      \"dev\": %s\n    },\n", integ,
          chance(40) ? "true" : "false");
}

static void block_env(Buf *b) {
  comment(b, "# ");
  for (unsigned i = range(2, 6); i; i--) {
    if (chance(40))
      nm_line(b, T_ENV);
    else
      bprintf(b, "%s_%s=%u\n", "APP", PICK(ATTRS), rnd(10000));
  }
  bputs(b, "\n");
}

static void block_props(Buf *b) {
  comment(b, "# ");
  for (unsigned i = range(2, 6); i; i--) {
    if (chance(40))
      nm_line(b, T_PROPS);
    else
      bprintf(b, "app.%s.%s=%u\n", PICK(NOUNS), PICK(ATTRS), rnd(10000));
  }
  bputs(b, "\n");
}

static void block_md(Buf *b) {
  switch (rnd(4)) {
  case 0: {
    const char *v = PICK(VERBS);
    bprintf(b, "## %c%s %s\n\n", v[0] - 32, v + 1, PICK(NOUNS));
  }
    for (unsigned i = range(2, 5); i; i--) {
      sentence(b, 8, 20);
      bputs(b, " ");
    }
    bputs(b, "\n\n");
    break;
  case 1:
    for (unsigned i = range(3, 6); i; i--) {
      bputs(b, "- ");
      sentence(b, 4, 10);
      bputs(b, "\n");
    }
    bputs(b, "\n");
    break;
  case 2:
    bputs(b, "```sh\n");
    for (unsigned i = range(1, 3); i; i--)
      nm_line(b, T_MD);
    bprintf(b, "kubectl -n %s rollout restart deploy/%s\n```\n\n", PICK(COMPANY), PICK(PROJ));
    break;
  default:
    bputs(b, "| setting | default | notes |\n|---|---|---|\n");
    for (unsigned i = range(2, 5); i; i--) {
      bprintf(b, "| `%s_%s` | %u | ", PICK(NOUNS), PICK(ATTRS), rnd(1000));
      sentence(b, 3, 8);
      bputs(b, " |\n");
    }
    bputs(b, "\n");
    break;
  }
}

static void block_gosum(Buf *b) {
  unsigned char raw[32];
  char h[60];
  rbytes(raw, 32);
  b64enc(raw, 32, h, B64, 1);
  const char *org = PICK(COMPANY), *p = PICK(PROJ);
  unsigned maj = rnd(3), min = rnd(40), pat = rnd(20);
  bprintf(b, "github.com/%s/%s v%u.%u.%u h1:%s\n", org, p, maj, min, pat, h);
  rbytes(raw, 32);
  b64enc(raw, 32, h, B64, 1);
  bprintf(b, "github.com/%s/%s v%u.%u.%u/go.mod h1:%s\n", org, p, maj, min, pat, h);
}

static void block_docker(Buf *b) {
  char dig[65];
  rstr(dig, HEX, 64);
  bprintf(b,
          "FROM node:%u-alpine@sha256:%s AS build\nARG NPM_TOKEN\nWORKDIR /src\nCOPY package*.json "
          ".npmrc ./\n",
          18 + 2 * rnd(3), dig);
  bputs(b, "RUN npm ci && rm -f .npmrc\nCOPY . .\nRUN npm run build\nENV NODE_ENV=production "
           "PASSWORD_MIN_LENGTH=12\n\n");
}

static void block_reqs(Buf *b) {
  char h[65];
  rstr(h, HEX, 64);
  bprintf(b, "%s-%s==%u.%u.%u \\\n    --hash=sha256:%s\n", PICK(NOUNS), PICK(VERBS), rnd(5),
          rnd(30), rnd(10), h);
}

static void header(Buf *b, int type, const char *mod) {
  switch (type) {
  case T_C:
    bprintf(b, "/* %s.c: ", mod);
    sentence(b, 5, 12);
    bputs(b, " */\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n#include "
             "\"internal.h\"\n\n");
    break;
  case T_GO:
    bprintf(b, "// Package %s ", mod);
    sentence(b, 4, 10);
    bprintf(b, "\npackage %s\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"time\"\n)\n\n", mod);
    break;
  case T_PY:
    bputs(b, "\"\"\"");
    sentence(b, 5, 12);
    bputs(b,
          "\"\"\"\nimport logging\nimport os\nimport threading\n\nfrom flask import jsonify\n\nlog "
          "= logging.getLogger(__name__)\nAPI_TOKEN = os.environ.get(\"API_TOKEN\")\n\n");
    break;
  case T_JS:
    bputs(
        b,
        "'use strict';\n\nconst BASE_URL = process.env.API_URL || 'http://localhost:8080';\nconst "
        "apiKey = process.env.API_KEY; // never commit the real key\n\n");
    break;
  case T_JAVA:
    bprintf(b,
            "package com.%s.%s;\n\nimport java.util.*;\nimport "
            "java.util.concurrent.ConcurrentHashMap;\n\n/** ",
            PICK(COMPANY), mod);
    sentence(b, 5, 12);
    bprintf(b,
            " */\npublic class %c%sService {\n    private String passwordField = \"password\";\n\n",
            mod[0] >= 'a' && mod[0] <= 'z' ? mod[0] - 32 : mod[0], mod + 1);
    break;
  case T_HELM:
    bputs(b, "# Default values. Secrets come from existingSecret, never from here.\nreplicaCount: "
             "2\nimage:\n  repository: ghcr.io/example/app\n  tag: \"\"\nexistingSecret: "
             "\"\"\napiToken: \"\"\n\n");
    break;
  case T_GHA:
    bputs(b, "name: CI\non:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n");
    break;
  case T_GITLAB:
    bputs(b, "stages: [test, build, deploy]\nvariables:\n  DOCKER_DRIVER: overlay2\n  "
             "DEPLOY_TOKEN: $CI_DEPLOY_PASSWORD\n\n");
    break;
  case T_COMPOSE:
    bputs(b, "services:\n");
    break;
  case T_JSON:
    bputs(b, "{\n");
    break;
  case T_LOCK:
    bprintf(b,
            "{\n  \"name\": \"%s\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  "
            "\"requires\": true,\n  \"packages\": {\n",
            mod);
    break;
  case T_ENV:
    bputs(b, "# Local development settings. Copy to .env.local and fill in.\n");
    break;
  case T_PROPS:
    bputs(b, "# Spring Boot "
             "settings\nspring.application.name=app\nspring.datasource.url=jdbc:postgresql://"
             "db:5432/app\nspring.datasource.password=${DB_PASSWORD}\n\n");
    break;
  case T_MD:
    bprintf(b, "# %s\n\n", mod);
    sentence(b, 10, 25);
    bputs(b, "\n\n");
    break;
  case T_NPMRC:
    bputs(b,
          "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n");
    break;
  default:
    break;
  }
}

static void footer(Buf *b, int type) {
  switch (type) {
  case T_JAVA:
    bputs(b, "}\n");
    break;
  case T_JSON:
    bputs(b, "  \"version\": 3\n}\n");
    break;
  case T_LOCK:
    bputs(b, "    \"\": {\n      \"name\": \"app\"\n    }\n  }\n}\n");
    break;
  default:
    break;
  }
}

static void block(Buf *b, int type) {
  int nm = chance(12);
  switch (type) {
  case T_C:
    if (nm) {
      ctx_open(b, type);
      nm_line(b, type);
      ctx_close(b, type);
    }
    block_c(b);
    break;
  case T_GO:
    if (nm) {
      ctx_open(b, type);
      nm_line(b, type);
      ctx_close(b, type);
    }
    block_go(b);
    break;
  case T_PY:
    if (nm) {
      nm_line(b, type);
      bputs(b, "\n");
    }
    block_py(b);
    break;
  case T_JS:
    if (nm) {
      nm_line(b, type);
      bputs(b, "\n");
    }
    block_js(b);
    break;
  case T_JAVA:
    if (nm) {
      nm_line(b, type);
      bputs(b, "\n");
    }
    block_java(b);
    break;
  case T_K8S:
    block_k8s(b, 0);
    break;
  case T_HELMTPL:
    block_k8s(b, 1);
    break;
  case T_HELM:
    block_helm(b);
    break;
  case T_GHA:
    block_gha(b);
    break;
  case T_GITLAB:
    block_gitlab(b);
    break;
  case T_COMPOSE:
    block_compose(b);
    break;
  case T_JSON:
    block_json(b);
    break;
  case T_LOCK:
    block_lock(b);
    break;
  case T_ENV:
    block_env(b);
    break;
  case T_PROPS:
    block_props(b);
    break;
  case T_MD:
    block_md(b);
    break;
  case T_GOSUM:
    block_gosum(b);
    break;
  case T_DOCKER:
    block_docker(b);
    break;
  case T_REQS:
    block_reqs(b);
    break;
  case T_NPMRC:
    bputs(b, "always-auth=true\n");
    break;
  case T_CRT: {
    char crt[2400];
    pem(crt, 0);
    bprintf(b, "%s\n", crt);
    break;
  }
  default:
    bputs(b, "\n");
    break;
  }
}

/* ---- projects ---------------------------------------------------------------------------------
 */

typedef struct {
  char path[160];
  int type;
  size_t size; /* target bytes */
} PlanFile;

#define MAXFILES 400
static PlanFile g_plan[MAXFILES];
static int g_nplan;

static void add(int type, size_t size, const char *fmt, ...) {
  if (g_nplan == MAXFILES) {
    fputs("gensecrets: too many files in a project\n", stderr);
    exit(1);
  }
  PlanFile *f = &g_plan[g_nplan++];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->path, sizeof f->path, fmt, ap);
  va_end(ap);
  f->type = type;
  f->size = size;
}

static void mkdirs(const char *path) { /* the directories above PATH */
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
      die(tmp);
    *p = '/';
  }
}

static unsigned long g_files;
static unsigned long long g_bytes;

static void write_file(const char *outdir, const char *rel, const Buf *b) {
  char full[512];
  snprintf(full, sizeof full, "%.300s/%.200s", outdir, rel);
  mkdirs(full);
  FILE *f = fopen(full, "wb");
  if (!f)
    die(full);
  if (fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0)
    die(full);
  g_files++;
  g_bytes += b->len;
}

static int cmp_at(const void *x, const void *y) {
  double a = ((const Plant *)x)->at, c = ((const Plant *)y)->at;
  return a < c ? -1 : a > c;
}

/* gen: one file of the plan, with PLANTS (sorted by position) spread through it. */
static void gen(Buf *b, const PlanFile *f, const char *mod, Plant *plants, int np) {
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
  g_relpath = f->path;
  header(b, f->type, mod);
  int next = 0;
  if (f->type == T_PEM) {
    for (; next < np; next++)
      plant(b, f->type, plants[next].kind);
  }
  while (b->len < f->size) {
    if (next < np && (double)b->len >= plants[next].at * (double)f->size)
      plant(b, f->type, plants[next++].kind);
    else
      block(b, f->type);
  }
  for (; next < np; next++)
    plant(b, f->type, plants[next].kind);
  footer(b, f->type);
}

/* size: a target file size in bytes, skewed small, LO..HI KB. */
static size_t size_kb(unsigned lo, unsigned hi) {
  double u = (double)rnd(1000000) / 1e6;
  return (size_t)((lo + (hi - lo) * u * u) * 1000.0);
}

static void plan_project(int idx, const char *name, size_t target) {
  static const char *const ext[] = {"c", "go", "py", "js", "java"};
  static const char *const docs[] = {"architecture", "deployment", "api", "runbook",
                                     "contributing", "security",   "faq"};
  static const char *const k8s[] = {"deployment", "service", "configmap",     "ingress", "cronjob",
                                    "rbac",       "hpa",     "networkpolicy", "secrets"};
  static const char *const jsn[] = {"settings", "features", "services", "tenants", "defaults"};
  int lang = idx % 5;
  g_nplan = 0;
  add(T_MD, size_kb(3, 12), "%s/README.md", name);
  for (unsigned i = range(2, 4), s = rnd(7); i; i--, s++)
    add(T_MD, size_kb(2, 20), "%s/docs/%s.md", name, docs[s % 7]);
  add(T_ENV, size_kb(1, 3), "%s/.env", name);
  add(T_ENV, size_kb(1, 2), "%s/.env.example", name);
  add(T_PROPS, size_kb(1, 4), "%s/config/application.properties", name);
  if (lang == 4 || chance(30))
    add(T_PROPS, size_kb(1, 4), "%s/config/application-prod.properties", name);
  for (unsigned i = range(4, 8), s = rnd(9); i; i--, s++)
    add(T_K8S, size_kb(1, 12), "%s/deploy/k8s/%s.yaml", name, k8s[s % 9]);
  add(T_HELM, size_kb(3, 15), "%s/charts/%s/values.yaml", name, name + 5);
  add(T_HELM, size_kb(1, 5), "%s/charts/%s/values-prod.yaml", name, name + 5);
  add(T_HELMTPL, size_kb(1, 5), "%s/charts/%s/templates/deployment.yaml", name, name + 5);
  add(T_HELMTPL, size_kb(1, 3), "%s/charts/%s/templates/service.yaml", name, name + 5);
  add(T_GHA, size_kb(2, 8), "%s/.github/workflows/ci.yml", name);
  add(T_GHA, size_kb(1, 4), "%s/.github/workflows/release.yml", name);
  add(T_GITLAB, size_kb(2, 6), "%s/.gitlab-ci.yml", name);
  add(T_COMPOSE, size_kb(1, 3), "%s/docker-compose.yml", name);
  add(T_DOCKER, size_kb(1, 2), "%s/Dockerfile", name);
  for (unsigned i = range(2, 3), s = rnd(5); i; i--, s++)
    add(T_JSON, size_kb(1, 20), "%s/config/%s.json", name, jsn[s % 5]);
  add(T_CRT, size_kb(1, 4), "%s/certs/ca.crt", name);
  if (lang == 3) {
    add(T_LOCK, size_kb(100, 600), "%s/package-lock.json", name);
    add(T_NPMRC, 60, "%s/.npmrc", name);
  } else if (lang == 1) {
    add(T_GOSUM, size_kb(10, 60), "%s/go.sum", name);
  } else if (lang == 2) {
    add(T_REQS, size_kb(2, 8), "%s/requirements.txt", name);
  }
  size_t sum = 0;
  for (int i = 0; i < g_nplan; i++)
    sum += g_plan[i].size;
  for (unsigned k = 0; sum < target; k++) {
    int l = chance(80) ? lang : (int)rnd(5);
    const char *n = PICK(NOUNS), *v = PICK(VERBS);
    size_t sz = size_kb(1, 40);
    if (chance(15)) {
      add(l, sz, "%s/%s/%s_%s_%u.%s", name, l == 4 ? "src/test/java" : "tests", "test", n, k,
          ext[l]);
    } else if (l == 4) {
      add(l, sz, "%s/src/main/java/com/%s/%s/%c%s%u.java", name, PICK(COMPANY), n, v[0] - 32, v + 1,
          k);
    } else {
      add(l, sz, "%s/%s/%s/%s_%s%u.%s", name,
          l == 1   ? "pkg"
          : l == 0 ? "src"
          : l == 3 ? "lib"
                   : "app",
          n, v, n, k, ext[l]);
    }
    sum += sz;
  }
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fputs("usage: gensecrets OUTDIR TRUTH [MB]\n", stderr);
    return 1;
  }
  const char *outdir = argv[1];
  double mb = argc > 3 ? atof(argv[3]) : 100.0;
  if (mb <= 0) {
    fputs("gensecrets: MB must be positive\n", stderr);
    return 1;
  }
  if (mkdir(outdir, 0777) != 0)
    die(outdir);
  g_truth = fopen(argv[2], "w");
  if (!g_truth)
    die(argv[2]);

  /* The plants, shuffled, then dealt round-robin to the projects. */
  Plant all[400];
  int nall = 0;
  for (int k = 0; k < NKIND; k++)
    for (unsigned i = 0; i < PLANT_COUNT[k]; i++)
      all[nall++].kind = k;
  for (int i = nall - 1; i > 0; i--) {
    int j = (int)rnd((unsigned)i + 1);
    Plant t = all[i];
    all[i] = all[j];
    all[j] = t;
  }

  size_t target = (size_t)(mb * 1e6 / NPROJ);
  Buf b = {0};
  for (int p = 0; p < NPROJ; p++) {
    char name[64];
    snprintf(name, sizeof name, "p%03d-%s", p, PROJ[p % 20]);
    plan_project(p, name, target);
    Plant mine[8];
    int nm = 0;
    for (int i = p; i < nall; i += NPROJ)
      mine[nm++] = all[i];
    /* Each plant picks a compatible file; a private key may get a file of its own. */
    for (int i = 0; i < nm; i++) {
      if (mine[i].kind == K_PRIVKEY && chance(25)) {
        static const char *const dir[] = {"deploy/keys", "certs", "scripts"};
        static const char *const suf[] = {".pem", ".key", "_id_rsa"};
        unsigned d = rnd(3);
        add(T_PEM, 1, "%s/%s/%s%d%s", name, dir[d], PICK(NOUNS), i, suf[d]);
        mine[i].file = g_nplan - 1;
      } else {
        /* A compatible file type first, so that configs get as many plants as sources. */
        int types[NTYPE], nt = 0, cands[MAXFILES], nc = 0;
        for (int t = 0; t < NTYPE; t++)
          for (int f = 0; f < g_nplan; f++)
            if (g_plan[f].type == t && compatible(mine[i].kind, t)) {
              types[nt++] = t;
              break;
            }
        int t = types[rnd((unsigned)nt)];
        for (int f = 0; f < g_nplan; f++)
          if (g_plan[f].type == t)
            cands[nc++] = f;
        mine[i].file = cands[rnd((unsigned)nc)];
      }
      mine[i].at = 0.05 + 0.9 * (double)rnd(1000000) / 1e6;
    }
    for (int f = 0; f < g_nplan; f++) {
      Plant here[8];
      int nh = 0;
      for (int i = 0; i < nm; i++)
        if (mine[i].file == f)
          here[nh++] = mine[i];
      qsort(here, (size_t)nh, sizeof here[0], cmp_at);
      const char *slash = strrchr(g_plan[f].path, '/');
      char mod[64];
      snprintf(mod, sizeof mod, "%.63s", slash ? slash + 1 : g_plan[f].path);
      for (char *c = mod; *c; c++)
        if (*c == '.' || *c == '-')
          *c = '_';
      if (mod[0] == '_' || (mod[0] >= '0' && mod[0] <= '9'))
        mod[0] = 'm';
      gen(&b, &g_plan[f], mod, here, nh);
      write_file(outdir, g_plan[f].path, &b);
    }
  }
  free(b.p);
  if (fclose(g_truth) != 0)
    die(argv[2]);
  printf("files=%lu bytes=%llu planted=%lu projects=%d\n", g_files, g_bytes, g_planted, NPROJ);
  return 0;
}
