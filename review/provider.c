/* provider.c: OpenAI Chat Completions, Anthropic Messages and Bedrock
 * Converse on the wire. */
#include "review/provider.h"
#include "core/escape.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *env_dup(const char *name) {
  const char *v = name ? getenv(name) : NULL;
  return v && *v ? qg_xstrdup(v) : NULL;
}

qg_status qg_llm_credentials_load(const qg_review_config *cfg, qg_llm_credentials *out,
                                  char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  switch (cfg->provider) {
  case QG_LLM_OPENAI:
  case QG_LLM_ANTHROPIC: {
    const char *var = cfg->api_key_env                 ? cfg->api_key_env
                      : cfg->provider == QG_LLM_OPENAI ? "OPENAI_API_KEY"
                                                       : "ANTHROPIC_API_KEY";
    out->api_key = env_dup(var);
    /* a self-hosted OpenAI-compatible server (vLLM, Ollama) may need no key */
    if (!out->api_key &&
        (cfg->provider == QG_LLM_ANTHROPIC || !cfg->base_url || cfg->api_key_env)) {
      *why = qg_xasprintf("no API key: set %s", var);
      return QG_EUSAGE;
    }
    return QG_OK;
  }
  case QG_LLM_BEDROCK:
    out->aws_key_id = env_dup("AWS_ACCESS_KEY_ID");
    out->aws_secret = env_dup("AWS_SECRET_ACCESS_KEY");
    out->aws_session_token = env_dup("AWS_SESSION_TOKEN");
    out->aws_region = cfg->region ? qg_xstrdup(cfg->region) : env_dup("AWS_REGION");
    if (!out->aws_region)
      out->aws_region = env_dup("AWS_DEFAULT_REGION");
    if (!out->aws_key_id || !out->aws_secret) {
      *why = qg_xstrdup("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
      qg_llm_credentials_cleanup(out);
      return QG_EUSAGE;
    }
    if (!out->aws_region) {
      *why = qg_xstrdup("no AWS region: set AWS_REGION or QGATE_LLM_REGION");
      qg_llm_credentials_cleanup(out);
      return QG_EUSAGE;
    }
    return QG_OK;
  case QG_LLM_NONE:
    break;
  }
  *why = qg_xstrdup("no provider configured");
  return QG_EUSAGE;
}

void qg_llm_credentials_cleanup(qg_llm_credentials *c) {
  free(c->api_key);
  free(c->aws_key_id);
  free(c->aws_secret);
  free(c->aws_session_token);
  free(c->aws_region);
  memset(c, 0, sizeof(*c));
}

/* base (without a trailing '/') + path, keeping base's query string last. */
static char *join_url(const char *base, const char *path) {
  const char *q = strchr(base, '?');
  size_t bl = q ? (size_t)(q - base) : strlen(base);
  while (bl && base[bl - 1] == '/')
    bl--;
  return qg_xasprintf("%.*s%s%s", (int)bl, base, path, q ? q : "");
}

/* Percent-encodes all but RFC 3986's unreserved characters. Caller frees. */
static char *url_encode(const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
      (void)qg_buf_putc(&b, (char)*p);
    else {
      char hx[4];
      snprintf(hx, sizeof(hx), "%%%02X", *p);
      (void)qg_buf_puts(&b, hx);
    }
  }
  return qg_buf_detach(&b);
}

static void add_header(qg_llm_request *r, char *line) {
  r->headers = qg_xrealloc(r->headers, (r->nheaders + 1) * sizeof(*r->headers));
  r->headers[r->nheaders++] = line;
}

static void text_block(cJSON *arr, const char *text) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "text", text);
  cJSON_AddItemToArray(arr, o);
}

void qg_llm_request_build(const qg_review_config *cfg, const qg_llm_credentials *cred,
                          const char *system, const char *user, qg_llm_request *out) {
  memset(out, 0, sizeof(*out));
  cJSON *body = cJSON_CreateObject();
  switch (cfg->provider) {
  case QG_LLM_OPENAI: {
    const char *base = cfg->base_url ? cfg->base_url : "https://api.openai.com/v1";
    out->url = join_url(base, "/chat/completions");
    if (cred->api_key)
      /* Azure OpenAI takes its key in api-key; everything else in Authorization */
      add_header(out, strstr(base, ".azure.com")
                          ? qg_xasprintf("api-key: %s", cred->api_key)
                          : qg_xasprintf("Authorization: Bearer %s", cred->api_key));
    cJSON_AddStringToObject(body, "model", cfg->model);
    cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "system");
    cJSON_AddStringToObject(m, "content", system);
    cJSON_AddItemToArray(msgs, m);
    m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddStringToObject(m, "content", user);
    cJSON_AddItemToArray(msgs, m);
    cJSON_AddNumberToObject(body, "temperature", 0);
    cJSON_AddNumberToObject(body, "max_tokens", cfg->max_output_tokens);
    if (cfg->json_mode) {
      cJSON *rf = cJSON_AddObjectToObject(body, "response_format");
      cJSON_AddStringToObject(rf, "type", "json_object");
    }
    break;
  }
  case QG_LLM_ANTHROPIC: {
    const char *base = cfg->base_url ? cfg->base_url : "https://api.anthropic.com";
    out->url = join_url(base, "/v1/messages");
    add_header(out, qg_xasprintf("x-api-key: %s", cred->api_key ? cred->api_key : ""));
    add_header(out, qg_xstrdup("anthropic-version: 2023-06-01"));
    cJSON_AddStringToObject(body, "model", cfg->model);
    cJSON_AddNumberToObject(body, "max_tokens", cfg->max_output_tokens);
    cJSON_AddNumberToObject(body, "temperature", 0);
    cJSON_AddStringToObject(body, "system", system);
    cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddStringToObject(m, "content", user);
    cJSON_AddItemToArray(msgs, m);
    break;
  }
  case QG_LLM_BEDROCK:
  case QG_LLM_NONE: {
    const char *region = cred->aws_region ? cred->aws_region : "us-east-1";
    char *model = url_encode(cfg->model ? cfg->model : "");
    char *path = qg_xasprintf("/model/%s/converse", model);
    if (cfg->base_url) {
      out->url = join_url(cfg->base_url, path);
    } else {
      char *base = qg_xasprintf("https://bedrock-runtime.%s.amazonaws.com", region);
      out->url = join_url(base, path);
      free(base);
    }
    free(path);
    free(model);
    out->sigv4 = qg_xasprintf("aws:amz:%s:bedrock", region);
    cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    text_block(cJSON_AddArrayToObject(m, "content"), user);
    cJSON_AddItemToArray(msgs, m);
    text_block(cJSON_AddArrayToObject(body, "system"), system);
    cJSON *inf = cJSON_AddObjectToObject(body, "inferenceConfig");
    cJSON_AddNumberToObject(inf, "maxTokens", cfg->max_output_tokens);
    cJSON_AddNumberToObject(inf, "temperature", 0);
    break;
  }
  }
  add_header(out, qg_xstrdup("Content-Type: application/json"));
  add_header(out, qg_xstrdup("Accept: application/json"));
  out->body = qg_json_print(body, false); /* names need not be UTF-8 */
  out->body_len = strlen(out->body);
}

void qg_llm_request_cleanup(qg_llm_request *r) {
  free(r->url);
  for (size_t i = 0; i < r->nheaders; i++)
    free(r->headers[i]);
  free(r->headers);
  free(r->body);
  free(r->sigv4);
  memset(r, 0, sizeof(*r));
}

/* url's host, lower case, into host[]: false unless url is https on the
 * default port, without user information, and the host is made of letters,
 * digits, dots and dashes. */
static bool https_host(const char *url, char *host, size_t hostsz) {
  if (!url || strncasecmp(url, "https://", 8) != 0)
    return false;
  const char *a = url + 8;
  size_t al = strcspn(a, "/?#");
  size_t hl = strcspn(a, ":/?#");
  if (hl < al && strncmp(a + hl, ":443", al - hl) != 0)
    return false; /* a port (":443" exactly is the default) */
  if (hl < al && al - hl != 4)
    return false;
  if (!hl || hl >= hostsz)
    return false;
  for (size_t i = 0; i < hl; i++) {
    unsigned char c = (unsigned char)a[i];
    if (!isalnum(c) && c != '.' && c != '-')
      return false; /* '@' (user information), '\\', '%', ... */
    host[i] = (char)tolower(c);
  }
  host[hl] = '\0';
  return true;
}

bool qg_llm_host_allowed(qg_llm_provider p, const char *url) {
  char host[256];
  if (!https_host(url, host, sizeof(host)))
    return false;
  switch (p) {
  case QG_LLM_OPENAI:
    return strcmp(host, "api.openai.com") == 0;
  case QG_LLM_ANTHROPIC:
    return strcmp(host, "api.anthropic.com") == 0;
  case QG_LLM_BEDROCK: {
    static const char suffix[] = ".amazonaws.com";
    const char *region = !strncmp(host, "bedrock-runtime.", 16)        ? host + 16
                         : !strncmp(host, "bedrock-runtime-fips.", 21) ? host + 21
                                                                       : NULL;
    size_t hl = strlen(host), sl = sizeof(suffix) - 1;
    if (!region || hl <= sl || strcmp(host + hl - sl, suffix) != 0)
      return false;
    size_t rl = (size_t)(host + hl - sl - region);
    if (!rl || region[0] == '-')
      return false;
    for (size_t i = 0; i < rl; i++)
      if (!islower((unsigned char)region[i]) && !isdigit((unsigned char)region[i]) &&
          region[i] != '-')
        return false; /* one label: us-east-1 */
    return true;
  }
  case QG_LLM_NONE:
    break;
  }
  return false;
}

qg_status qg_llm_request_check(const qg_review_config *cfg, const qg_llm_request *r, char **why) {
  *why = NULL;
  if (cfg->base_url_trusted || qg_llm_host_allowed(cfg->provider, r->url))
    return QG_OK;
  char host[256];
  *why = qg_xasprintf(
      "refusing to send the %s request and its credentials to %s: not the provider's own "
      "endpoint, and no trusted source named it (set QGATE_LLM_BASE_URL, or base_url in a "
      "--config file outside the checkout)",
      qg_llm_provider_name(cfg->provider),
      https_host(r->url, host, sizeof(host)) ? host
                                             : "a URL that is not https on the default port");
  return QG_EUSAGE;
}

void qg_llm_request_describe(const qg_llm_request *r, FILE *out) {
  fprintf(out, "POST %s\n", r->url);
  for (size_t i = 0; i < r->nheaders; i++) {
    const char *h = r->headers[i];
    size_t nl = strcspn(h, ":");
    static const char *const secret[] = {"authorization", "x-api-key", "api-key", NULL};
    bool mask = false;
    for (const char *const *s = secret; *s; s++)
      mask |= strlen(*s) == nl && strncasecmp(h, *s, nl) == 0;
    if (mask)
      fprintf(out, "%.*s: <redacted>\n", (int)nl, h);
    else
      fprintf(out, "%s\n", h);
  }
  if (r->sigv4)
    fprintf(out, "Authorization: <AWS SigV4 (%s), signed when sent>\n", r->sigv4);
  fprintf(out, "\n%s\n", r->body);
}

/* The first string at a path of object keys and array indexes ("#0"). */
static const cJSON *dig(const cJSON *j, const char *const *path) {
  for (; j && *path; path++) {
    if ((*path)[0] == '#')
      j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(*path + 1)) : NULL;
    else
      j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, *path) : NULL;
  }
  return j;
}

/* A token count: 0 unless a positive number; a huge one (1e400 reads as infinity)
 * saturates, as converting a double past SIZE_MAX is undefined. */
static size_t num(const cJSON *j) {
  if (!cJSON_IsNumber(j) || !(j->valuedouble > 0))
    return 0;
  return j->valuedouble < 9007199254740992.0 ? (size_t)j->valuedouble : (size_t)1 << 53;
}

/* "<prefix><text>", at most QG_LLM_ERROR_MAX bytes: text cut at a word's end
 * (qg_text_cut: the error is redacted later, and a credential the reply echoed
 * must not be cut in two), with control characters made spaces. */
static char *clean_copy(const char *prefix, const char *text) {
  size_t at = strlen(prefix);
  size_t room = QG_LLM_ERROR_MAX - at;
  size_t len = strnlen(text, room + 1);
  char *out = qg_xmalloc(at + len + 1);
  memcpy(out, prefix, at);
  char *clean = out + at;
  memcpy(clean, text, len);
  clean[len] = '\0';
  for (char *p = clean; *p; p++)
    if ((unsigned char)*p < 0x20)
      *p = ' ';
  clean[qg_text_cut(clean, len, room)] = '\0';
  return out;
}

qg_status qg_llm_reply_parse(qg_llm_provider p, long code, const char *body, size_t len,
                             qg_llm_reply *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  cJSON *j = body ? cJSON_ParseWithLength(body, len) : NULL;
  if (code < 200 || code > 299) {
    /* OpenAI: {"error": {"message"}}; Anthropic: {"type": "error", "error":
     * {"type", "message"}}; Bedrock: {"message"} (or "Message") */
    static const char *const e1[] = {"error", "message", NULL};
    static const char *const e2[] = {"message", NULL};
    static const char *const e3[] = {"Message", NULL};
    static const char *const e4[] = {"error", NULL};
    const cJSON *m = dig(j, e1);
    if (!cJSON_IsString(m))
      m = dig(j, e2);
    if (!cJSON_IsString(m))
      m = dig(j, e3);
    if (!cJSON_IsString(m))
      m = dig(j, e4);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "HTTP %ld", code);
    if (cJSON_IsString(m) && *m->valuestring) {
      snprintf(prefix, sizeof(prefix), "HTTP %ld: ", code);
      *why = clean_copy(prefix, m->valuestring);
    } else {
      *why = qg_xstrdup(prefix);
    }
    cJSON_Delete(j);
    return QG_ENET;
  }
  if (!j) {
    *why = qg_xstrdup("the reply is not JSON");
    return QG_EPARSE;
  }
  qg_buf text;
  qg_buf_init(&text, 0);
  bool found = false;
  if (p == QG_LLM_OPENAI) {
    static const char *const c[] = {"choices", "#0", "message", "content", NULL};
    static const char *const fr[] = {"choices", "#0", "finish_reason", NULL};
    static const char *const ti[] = {"usage", "prompt_tokens", NULL};
    static const char *const to[] = {"usage", "completion_tokens", NULL};
    const cJSON *t = dig(j, c);
    if (cJSON_IsString(t)) {
      (void)qg_buf_puts(&text, t->valuestring);
      found = true;
    }
    const cJSON *f = dig(j, fr);
    out->truncated = cJSON_IsString(f) && strcmp(f->valuestring, "length") == 0;
    out->tokens_in = num(dig(j, ti));
    out->tokens_out = num(dig(j, to));
  } else {
    /* Anthropic: content[] of {"type": "text", "text"}; Bedrock:
     * output.message.content[] of {"text"} */
    static const char *const ac[] = {"content", NULL};
    static const char *const bc[] = {"output", "message", "content", NULL};
    const cJSON *arr = dig(j, p == QG_LLM_ANTHROPIC ? ac : bc);
    const cJSON *item = NULL;
    if (!cJSON_IsArray(arr))
      arr = NULL;
    cJSON_ArrayForEach(item, arr) {
      const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "text");
      if (cJSON_IsString(t)) {
        (void)qg_buf_puts(&text, t->valuestring);
        found = true;
      }
    }
    static const char *const asr[] = {"stop_reason", NULL};
    static const char *const bsr[] = {"stopReason", NULL};
    const cJSON *sr = dig(j, p == QG_LLM_ANTHROPIC ? asr : bsr);
    out->truncated = cJSON_IsString(sr) && strcmp(sr->valuestring, "max_tokens") == 0;
    static const char *const ai[] = {"usage", "input_tokens", NULL};
    static const char *const ao[] = {"usage", "output_tokens", NULL};
    static const char *const bi[] = {"usage", "inputTokens", NULL};
    static const char *const bo[] = {"usage", "outputTokens", NULL};
    out->tokens_in = num(dig(j, p == QG_LLM_ANTHROPIC ? ai : bi));
    out->tokens_out = num(dig(j, p == QG_LLM_ANTHROPIC ? ao : bo));
  }
  cJSON_Delete(j);
  if (!found) {
    qg_buf_cleanup(&text);
    *why = qg_xasprintf("the reply holds no text (not the %s format)", qg_llm_provider_name(p));
    return QG_EPARSE;
  }
  out->len = text.len;
  out->text = qg_buf_detach(&text);
  if (!out->text)
    out->text = qg_xstrdup("");
  return QG_OK;
}

void qg_llm_reply_cleanup(qg_llm_reply *r) {
  free(r->text);
  memset(r, 0, sizeof(*r));
}
