/* secretref.c: credentials through the pod spec and ConfigMaps
 * (rules/k8s.def): Secrets taken as environment variables
 * (k8s/secret-env), credentials written as literal environment values
 * (k8s/env-literal-credential) and in ConfigMap data
 * (k8s/configmap-credential).
 *
 * A credential value is never put in a message: findings name the variable
 * or key only, and are reported at the name (the env entry's name, the data
 * key), so that where the secrets scanner also reports the value (a random
 * looking one: secrets/env-credential, secrets/generic-credential) the two
 * findings stay apart: the value is the secret, the name is the pattern. */
#include "scanners/k8s/check.h"

#include "core/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- credential names ------------------------------------------------------------- */

#define NAME_MAX_WORDS 16
#define WORD_MAX 24

/* Splits name into lower-case words at '_', '-', '.', '/', spaces and
 * camelCase boundaries (dbPassword, APIKey) and before digits (PASSWORD2).
 * Returns the number of
 * words (at most NAME_MAX_WORDS; longer words are cut at WORD_MAX - 1). */
static size_t split_words(const char *name, char words[][WORD_MAX]) {
  size_t n = 0, len = 0;
  for (const char *p = name; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (!isalnum(ch)) {
      if (len) {
        n++;
        len = 0;
      }
      if (n == NAME_MAX_WORDS)
        return n;
      continue;
    }
    /* a boundary before an upper-case letter after a lower-case one or a
     * digit (apiKey), or before the last of a run of capitals followed by a
     * lower-case letter (APIKey: API, Key) */
    if (len &&
        ((isupper(ch) && (islower((unsigned char)p[-1]) || isdigit((unsigned char)p[-1]) ||
                          (isupper((unsigned char)p[-1]) && islower((unsigned char)p[1])))) ||
         (isdigit(ch) && isalpha((unsigned char)p[-1])))) {
      n++;
      len = 0;
      if (n == NAME_MAX_WORDS)
        return n;
    }
    if (len < WORD_MAX - 1) {
      words[n][len++] = (char)tolower(ch);
      words[n][len] = '\0';
    }
  }
  return n + (len ? 1 : 0);
}

static int word_in(const char *w, const char *const *list) {
  for (; *list; list++)
    if (strcmp(w, *list) == 0)
      return 1;
  return 0;
}

/* Does the name hold a credential? It has a credential word (password,
 * secret, token, api key, ...) as a whole word, and its last word does not
 * make it the name of something about the credential (DB_PASSWORD_FILE,
 * TOKEN_URL, SECRET_NAME, AUTH_ENABLED). */
static int credential_name(const char *name) {
  static const char *const creds[] = {
      "password",  "passwd",     "pwd",         "passphrase", "pass",      "secret",
      "secrets",   "token",      "tokens",      "apikey",     "accesskey", "privatekey",
      "secretkey", "credential", "credentials", "creds",      "auth",      NULL};
  /* "key" credential only with the word before it */
  static const char *const before_key[] = {"api",        "access", "private", "secret", "signing",
                                           "encryption", "master", "client",  NULL};
  static const char *const naming[] = {
      "file",     "files",    "path",     "dir",        "directory", "name",      "names",
      "id",       "ids",      "url",      "uri",        "endpoint",  "host",      "hostname",
      "port",     "enabled",  "enable",   "disabled",   "disable",   "required",  "length",
      "len",      "min",      "max",      "size",       "count",     "type",      "mode",
      "header",   "method",   "location", "ref",        "env",       "var",       "field",
      "policy",   "provider", "expiry",   "expiration", "ttl",       "timeout",   "lifetime",
      "duration", "interval", "version",  "format",     "prefix",    "suffix",    "user",
      "username", "login",    "strategy", "backend",    "store",     "namespace", "arn",
      "realm",    "scheme",   "issuer",   "audience",   "scope",     "scopes",    NULL};
  char words[NAME_MAX_WORDS][WORD_MAX];
  size_t n = split_words(name, words);
  if (n == 0 || word_in(words[n - 1], naming))
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (word_in(words[i], creds))
      return 1;
    if (i > 0 && strcmp(words[i], "key") == 0 && word_in(words[i - 1], before_key))
      return 1;
  }
  return 0;
}

/* Is the value only references to other variables ("$(DB_PASSWORD)",
 * "$(USER):$(PASS)" is not: it has literal text)? */
static int only_references(const char *v) {
  while (*v == ' ')
    v++;
  if (!*v)
    return 1;
  while (*v) {
    if (v[0] != '$' || v[1] != '(')
      return 0;
    const char *e = strchr(v + 2, ')');
    if (!e || e == v + 2)
      return 0;
    v = e + 1;
    while (*v == ' ')
      v++;
  }
  return 1;
}

/* A literal credential value: a non-empty scalar that is not only
 * variable references, nor true or false (a switch: AUTH: "false"). */
static int literal_value(const qg_ynode *v) {
  if (!v || v->kind != QG_Y_SCALAR || qg_ynode_is_null(v))
    return 0;
  const char *s = qg_k8s_scal(v);
  return !only_references(s) && strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0;
}

/* ---- k8s/env-literal-credential --------------------------------------------------- */

void qg_k8s_env_literal_credential(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    const qg_ynode *env = qg_ymap_get(c->node, "env");
    for (uint32_t j = 0; j < qg_yseq_len(env); j++) {
      const qg_ynode *e = qg_yseq_at(env, j);
      const qg_ynode *nn = qg_ymap_get(e, "name");
      const char *name = qg_k8s_scal(nn);
      const qg_ynode *v = qg_ymap_get(e, "value");
      if (!*name || qg_ymap_get(e, "valueFrom") || !literal_value(v) || !credential_name(name))
        continue;
      char field[192];
      snprintf(field, sizeof(field), "env[%.64s].name", name);
      qg_k8s_report(k, nn, c, field,
                    "%s \"%s\" sets the credential-named variable %.64s to a literal value",
                    qg_k8s_ctr_word(c), c->name, name);
    }
  }
}

/* ---- k8s/configmap-credential ----------------------------------------------------- */

void qg_k8s_configmap_credential(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  if (!api || !kind || strcmp(api, "v1") != 0 || strcmp(kind, "ConfigMap") != 0)
    return;
  const qg_ynode *data = qg_ymap_get(k->ref->obj, "data");
  if (!data || data->kind != QG_Y_MAP)
    return;
  const char *obj = k->ref->ctx.name ? k->ref->ctx.name : "";
  for (uint32_t i = 0; i < data->u.map.n; i++) {
    const qg_ypair *p = &data->u.map.pairs[i];
    const char *key = qg_k8s_scal(p->key);
    if (!*key || !literal_value(p->value) || !credential_name(key))
      continue;
    char field[128];
    snprintf(field, sizeof(field), "data.%.64s", key);
    qg_k8s_report(k, p->key, NULL, field,
                  "ConfigMap \"%.64s\" holds the credential-named key %.64s as plain data", obj,
                  key);
  }
}

/* ---- k8s/secret-env --------------------------------------------------------------- */

typedef struct refs {
  char text[512];
  size_t len, n, more;
  const qg_ynode *first;
  char field[192];
} refs;

static void refs_add(refs *r, const qg_ynode *at, const char *field, const char *fmt, ...)
    QG_PRINTF(4, 5);

static void refs_add(refs *r, const qg_ynode *at, const char *field, const char *fmt, ...) {
  if (!r->first) {
    r->first = at;
    snprintf(r->field, sizeof(r->field), "%s", field);
  }
  char item[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(item, sizeof(item), fmt, ap);
  va_end(ap);
  size_t need = strlen(item) + (r->n ? 2 : 0);
  if (r->more || r->len + need >= sizeof(r->text) - 24) {
    r->more++;
    return;
  }
  r->len +=
      (size_t)snprintf(r->text + r->len, sizeof(r->text) - r->len, "%s%s", r->n ? ", " : "", item);
  r->n++;
}

/* The env[] entries taken from a Secret (valueFrom.secretKeyRef). */
static void env_refs(refs *r, const qg_ynode *env) {
  for (uint32_t j = 0; j < qg_yseq_len(env); j++) {
    const qg_ynode *e = qg_yseq_at(env, j);
    const qg_ypair *p = qg_ymap_pair(qg_ymap_get(e, "valueFrom"), "secretKeyRef");
    if (!p)
      continue;
    const char *name = qg_k8s_scal(qg_ymap_get(e, "name"));
    char field[192];
    snprintf(field, sizeof(field), "env[%.64s].valueFrom.secretKeyRef", name);
    refs_add(r, p->key, field, "%.64s (Secret \"%.64s\")", name,
             qg_k8s_scal(qg_ymap_get(p->value, "name")));
  }
}

/* The envFrom[] entries of a whole Secret (secretRef). */
static void from_refs(refs *r, const qg_ynode *from) {
  for (uint32_t j = 0; j < qg_yseq_len(from); j++) {
    const qg_ynode *e = qg_yseq_at(from, j);
    const qg_ypair *p = qg_ymap_pair(e, "secretRef");
    if (!p)
      continue;
    char field[192];
    snprintf(field, sizeof(field), "envFrom[%u].secretRef", j);
    const char *prefix = qg_k8s_scal(qg_ymap_get(e, "prefix"));
    refs_add(r, p->key, field, "every key of Secret \"%.64s\"%s%.32s%s",
             qg_k8s_scal(qg_ymap_get(p->value, "name")), *prefix ? " (prefix " : "", prefix,
             *prefix ? ")" : "");
  }
}

void qg_k8s_secret_env(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    refs r = {0};
    const qg_ypair *envp = qg_ymap_pair(c->node, "env");
    const qg_ypair *fromp = qg_ymap_pair(c->node, "envFrom");
    /* the references in the order they are written */
    int from_first = envp && fromp &&
                     (fromp->key->line < envp->key->line ||
                      (fromp->key->line == envp->key->line && fromp->key->col < envp->key->col));
    for (int pass = 0; pass < 2; pass++) {
      if ((pass == 0) != from_first)
        env_refs(&r, envp ? envp->value : NULL);
      else
        from_refs(&r, fromp ? fromp->value : NULL);
    }
    if (!r.first)
      continue;
    char more[40] = "";
    if (r.more)
      snprintf(more, sizeof(more), " and %zu more", r.more);
    qg_k8s_report(k, r.first, c, r.field, "%s \"%s\" takes Secrets as environment variables: %s%s",
                  qg_k8s_ctr_word(c), c->name, r.text, more);
  }
}
