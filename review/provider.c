/* provider.c: OpenAI Chat Completions, Anthropic Messages and Bedrock
 * Converse on the wire. */
#include "review/provider.h"
#include "core/escape.h"
#include "core/mem.h"
#include "review/reply.h"

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

static cJSON *text_block(cJSON *arr, const char *text) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "text", text);
  cJSON_AddItemToArray(arr, o);
  return o;
}

static const char k_tool_description[] =
    "Report the violations of the architecture documents found in the change (an empty list "
    "when it follows them).";

/* The answer's schema: the reply parser's own definition, one for both. */
static cJSON *schema(void) { return cJSON_Parse(qg_reply_schema_json()); }

/* The documents first: "" is none. */
static bool has_docs(const qg_llm_prompt *p) { return p->documents && *p->documents; }

void qg_llm_request_build(const qg_review_config *cfg, const qg_llm_credentials *cred,
                          const qg_llm_prompt *prompt, qg_llm_request *out) {
  memset(out, 0, sizeof(*out));
  cJSON *body = cJSON_CreateObject();
  const char *system = prompt->system ? prompt->system : "";
  const char *user = prompt->user ? prompt->user : "";
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
    /* one user message, the documents first: the provider caches a repeated
     * prefix by itself (and a plain string is what every compatible server reads) */
    m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    char *content = qg_xasprintf("%s%s", has_docs(prompt) ? prompt->documents : "", user);
    cJSON_AddStringToObject(m, "content", content);
    free(content);
    cJSON_AddItemToArray(msgs, m);
    cJSON_AddNumberToObject(body, "temperature", 0);
    cJSON_AddNumberToObject(body, "max_tokens", cfg->max_output_tokens);
    if (cfg->json_mode != QG_LLM_JSON_OFF) {
      cJSON *rf = cJSON_AddObjectToObject(body, "response_format");
      if (cfg->json_mode == QG_LLM_JSON_SCHEMA) {
        cJSON_AddStringToObject(rf, "type", "json_schema");
        cJSON *js = cJSON_AddObjectToObject(rf, "json_schema");
        cJSON_AddStringToObject(js, "name", QG_LLM_TOOL_NAME);
        cJSON_AddBoolToObject(js, "strict", 1);
        cJSON_AddItemToObject(js, "schema", schema());
      } else {
        cJSON_AddStringToObject(rf, "type", "json_object");
      }
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
    if (cfg->json_mode != QG_LLM_JSON_OFF) {
      cJSON *tools = cJSON_AddArrayToObject(body, "tools");
      cJSON *t = cJSON_CreateObject();
      cJSON_AddStringToObject(t, "name", QG_LLM_TOOL_NAME);
      cJSON_AddStringToObject(t, "description", k_tool_description);
      cJSON_AddItemToObject(t, "input_schema", schema());
      cJSON_AddItemToArray(tools, t);
      cJSON *tc = cJSON_AddObjectToObject(body, "tool_choice");
      cJSON_AddStringToObject(tc, "type", "tool");
      cJSON_AddStringToObject(tc, "name", QG_LLM_TOOL_NAME);
    }
    cJSON *msgs = cJSON_AddArrayToObject(body, "messages");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    if (has_docs(prompt)) {
      /* the documents as the first block of the user's turn (data, not the
       * system's instructions), the cache's breakpoint after them */
      cJSON *content = cJSON_AddArrayToObject(m, "content");
      cJSON *b = cJSON_CreateObject();
      cJSON_AddStringToObject(b, "type", "text");
      cJSON_AddStringToObject(b, "text", prompt->documents);
      if (cfg->prompt_cache)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "cache_control"), "type", "ephemeral");
      cJSON_AddItemToArray(content, b);
      b = cJSON_CreateObject();
      cJSON_AddStringToObject(b, "type", "text");
      cJSON_AddStringToObject(b, "text", user);
      cJSON_AddItemToArray(content, b);
    } else {
      cJSON_AddStringToObject(m, "content", user);
    }
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
    cJSON *content = cJSON_AddArrayToObject(m, "content");
    if (has_docs(prompt)) {
      text_block(content, prompt->documents);
      if (cfg->prompt_cache) {
        cJSON *cp = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(cp, "cachePoint"), "type", "default");
        cJSON_AddItemToArray(content, cp);
      }
    }
    text_block(content, user);
    cJSON_AddItemToArray(msgs, m);
    text_block(cJSON_AddArrayToObject(body, "system"), system);
    cJSON *inf = cJSON_AddObjectToObject(body, "inferenceConfig");
    cJSON_AddNumberToObject(inf, "maxTokens", cfg->max_output_tokens);
    cJSON_AddNumberToObject(inf, "temperature", 0);
    if (cfg->json_mode != QG_LLM_JSON_OFF) {
      cJSON *tc = cJSON_AddObjectToObject(body, "toolConfig");
      cJSON *tools = cJSON_AddArrayToObject(tc, "tools");
      cJSON *t = cJSON_CreateObject();
      cJSON *spec = cJSON_AddObjectToObject(t, "toolSpec");
      cJSON_AddStringToObject(spec, "name", QG_LLM_TOOL_NAME);
      cJSON_AddStringToObject(spec, "description", k_tool_description);
      cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, "inputSchema"), "json", schema());
      cJSON_AddItemToArray(tools, t);
      cJSON *choice = cJSON_AddObjectToObject(tc, "toolChoice");
      cJSON_AddStringToObject(cJSON_AddObjectToObject(choice, "tool"), "name", QG_LLM_TOOL_NAME);
    }
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
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "HTTP %ld", code);
    if (cJSON_IsString(m) && *m->valuestring) {
      /* an OpenAI-compatible server without structured output: say what to set (there
       * is no second request in another form: the review's requests are all sent at once) */
      bool schema =
          p == QG_LLM_OPENAI && code == 400 &&
          (strstr(m->valuestring, "json_schema") || strstr(m->valuestring, "response_format"));
      snprintf(prefix, sizeof(prefix), "HTTP %ld%s: ", code,
               schema ? " (no json_schema? set review.json_mode: object)" : "");
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
    static const char *const tc[] = {"usage", "prompt_tokens_details", "cached_tokens", NULL};
    const cJSON *t = dig(j, c);
    if (cJSON_IsString(t)) {
      (void)qg_buf_puts(&text, t->valuestring);
      found = true;
    }
    const cJSON *f = dig(j, fr);
    out->truncated = cJSON_IsString(f) && strcmp(f->valuestring, "length") == 0;
    out->tokens_in = num(dig(j, ti)); /* cached tokens included */
    out->tokens_out = num(dig(j, to));
    out->tokens_cached = num(dig(j, tc));
  } else {
    /* Anthropic: content[] of {"type": "text", "text"} or {"type": "tool_use",
     * "name", "input"}; Bedrock: output.message.content[] of {"text"} or
     * {"toolUse": {"name", "input"}}. The tool's input is the answer when
     * there is one (text beside it is the model thinking aloud). */
    static const char *const ac[] = {"content", NULL};
    static const char *const bc[] = {"output", "message", "content", NULL};
    const cJSON *arr = dig(j, p == QG_LLM_ANTHROPIC ? ac : bc);
    const cJSON *item = NULL, *input = NULL;
    if (!cJSON_IsArray(arr))
      arr = NULL;
    cJSON_ArrayForEach(item, arr) {
      const cJSON *use = item;
      if (p == QG_LLM_ANTHROPIC) {
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(item, "type");
        if (!cJSON_IsString(ty) || strcmp(ty->valuestring, "tool_use") != 0)
          use = NULL;
      } else {
        use = cJSON_GetObjectItemCaseSensitive(item, "toolUse");
      }
      const cJSON *name = use ? cJSON_GetObjectItemCaseSensitive(use, "name") : NULL;
      const cJSON *in = use ? cJSON_GetObjectItemCaseSensitive(use, "input") : NULL;
      if (!input && cJSON_IsString(name) && strcmp(name->valuestring, QG_LLM_TOOL_NAME) == 0 &&
          cJSON_IsObject(in))
        input = in;
      const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "text");
      if (cJSON_IsString(t)) {
        (void)qg_buf_puts(&text, t->valuestring);
        found = true;
      }
    }
    if (input) {
      char *js = cJSON_PrintUnformatted(input);
      if (js) {
        text.len = 0;
        (void)qg_buf_puts(&text, js);
        cJSON_free(js);
        found = true;
        out->tool = true;
      }
    }
    static const char *const asr[] = {"stop_reason", NULL};
    static const char *const bsr[] = {"stopReason", NULL};
    const cJSON *sr = dig(j, p == QG_LLM_ANTHROPIC ? asr : bsr);
    out->truncated = cJSON_IsString(sr) && strcmp(sr->valuestring, "max_tokens") == 0;
    /* both count the cache's tokens apart from input_tokens / inputTokens */
    static const char *const ai[] = {"usage", "input_tokens", NULL};
    static const char *const ao[] = {"usage", "output_tokens", NULL};
    static const char *const ar[] = {"usage", "cache_read_input_tokens", NULL};
    static const char *const aw[] = {"usage", "cache_creation_input_tokens", NULL};
    static const char *const bi[] = {"usage", "inputTokens", NULL};
    static const char *const bo[] = {"usage", "outputTokens", NULL};
    static const char *const br[] = {"usage", "cacheReadInputTokens", NULL};
    static const char *const bw[] = {"usage", "cacheWriteInputTokens", NULL};
    bool a = p == QG_LLM_ANTHROPIC;
    out->tokens_cached = num(dig(j, a ? ar : br));
    out->tokens_cache_write = num(dig(j, a ? aw : bw));
    out->tokens_in = num(dig(j, a ? ai : bi)) + out->tokens_cached + out->tokens_cache_write;
    out->tokens_out = num(dig(j, a ? ao : bo));
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

size_t qg_llm_tokens_estimate(size_t bytes) { return bytes / 4 + (bytes % 4 != 0); }

double qg_llm_cost(const qg_llm_price *p, size_t tokens_in, size_t tokens_out, size_t tokens_cached,
                   size_t tokens_cache_write) {
  if (!p)
    return -1;
  size_t special = tokens_cached + tokens_cache_write;
  size_t plain = tokens_in > special ? tokens_in - special : 0;
  double cached = p->cached >= 0 ? p->cached : p->input;
  double write = p->cache_write >= 0 ? p->cache_write : p->input;
  return ((double)plain * p->input + (double)tokens_out * p->output +
          (double)tokens_cached * cached + (double)tokens_cache_write * write) /
         1e6;
}

/* ---- prices ---------------------------------------------------------------------------- */

void qg_llm_prices_set(qg_review_config *c, const qg_llm_price *price) {
  size_t i = 0;
  while (i < c->nprices && strcmp(c->prices[i].model, price->model) != 0)
    i++;
  if (i == c->nprices) {
    c->prices = qg_xrealloc(c->prices, (c->nprices + 1) * sizeof(*c->prices));
    c->nprices++;
  } else {
    free(c->prices[i].model);
  }
  c->prices[i] = *price;
  c->prices[i].model = qg_xstrdup(price->model);
}

const qg_llm_price *qg_llm_price_find(const qg_review_config *c) {
  for (size_t i = 0; c->model && i < c->nprices; i++)
    if (strcmp(c->prices[i].model, c->model) == 0)
      return &c->prices[i];
  return NULL;
}

double qg_review_budget(const qg_review_config *c) {
  double a = c->max_cost, b = c->file_max_cost;
  return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* A price: a decimal from 0 to 1e6 dollars per million tokens. */
static bool price_num(const char *s, size_t len, double *out) {
  char tmp[32];
  if (!len || len >= sizeof(tmp))
    return false;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  char *end = NULL;
  double v = strtod(tmp, &end);
  if (*end || !(v >= 0) || v > 1e6 || !isdigit((unsigned char)tmp[0]))
    return false;
  *out = v;
  return true;
}

qg_status qg_llm_prices_parse(qg_review_config *c, const char *s, char **why) {
  *why = NULL;
  qg_llm_price *got = NULL;
  size_t n = 0;
  qg_status st = QG_OK;
  for (const char *at = s; *at && st == QG_OK;) {
    size_t el = strcspn(at, ";");
    const char *eq = memchr(at, '=', el);
    size_t ml = eq ? (size_t)(eq - at) : 0;
    qg_llm_price pr = {NULL, 0, 0, -1, -1};
    double *slot[] = {&pr.input, &pr.output, &pr.cached, &pr.cache_write};
    size_t k = 0;
    if (eq && ml && ml <= 200) {
      for (const char *v = eq + 1; k < 4;) {
        size_t vl = strcspn(v, ",;");
        if (!price_num(v, vl, slot[k]))
          break;
        k++;
        v += vl;
        if (*v != ',')
          break;
        v++;
      }
    }
    /* every value read, and the element ends right after the last */
    size_t used = 0;
    if (k >= 2) {
      const char *v = eq + 1;
      for (size_t i = 0; i < k; i++)
        v += strcspn(v, ",;") + (i + 1 < k);
      used = (size_t)(v - at);
    }
    if (k < 2 || used != el) {
      *why = qg_xasprintf("QGATE_LLM_PRICES: '%.*s' is not MODEL=INPUT,OUTPUT[,CACHED[,CACHE_"
                          "WRITE]] (dollars per million tokens)",
                          (int)(el > 80 ? 80 : el), at);
      st = QG_EUSAGE;
      break;
    }
    pr.model = qg_xasprintf("%.*s", (int)ml, at);
    got = qg_xrealloc(got, (n + 1) * sizeof(*got));
    got[n++] = pr;
    at += el;
    if (*at == ';')
      at++;
  }
  for (size_t i = 0; i < n; i++) {
    if (st == QG_OK)
      qg_llm_prices_set(c, &got[i]);
    free(got[i].model);
  }
  free(got);
  return st;
}

/* ---- what a run spends ----------------------------------------------------------------- */

void qg_llm_meter_init(qg_llm_meter *m, const qg_review_config *cfg, qg_review_outcome *o) {
  m->price = qg_llm_price_find(cfg);
  m->budget = qg_review_budget(cfg);
  m->committed = 0;
  o->cost = o->cost_saved = m->price ? 0 : -1;
}

bool qg_llm_meter_admit(qg_llm_meter *m, const qg_review_config *cfg, size_t prompt_bytes,
                        char **why) {
  *why = NULL;
  if (m->budget < 0)
    return true;
  if (!m->price) {
    *why = qg_xasprintf("review.max_cost is $%.2f and the price of %s is unknown: set "
                        "QGATE_LLM_PRICES",
                        m->budget, cfg->model ? cfg->model : "the model");
    return false;
  }
  double worst =
      qg_llm_cost(m->price, qg_llm_tokens_estimate(prompt_bytes), cfg->max_output_tokens, 0, 0);
  if (m->committed + worst > m->budget) {
    *why = qg_xasprintf("over review.max_cost: $%.2f", m->budget);
    return false;
  }
  m->committed += worst;
  return true;
}

void qg_llm_meter_reply(const qg_llm_meter *m, qg_review_outcome *o, const qg_llm_reply *lr,
                        size_t prompt_bytes) {
  size_t in = lr->tokens_in ? lr->tokens_in : qg_llm_tokens_estimate(prompt_bytes);
  size_t out = lr->tokens_out ? lr->tokens_out : qg_llm_tokens_estimate(lr->len);
  o->tokens_in += in;
  o->tokens_out += out;
  o->tokens_cached += lr->tokens_cached;
  if (m->price)
    o->cost += qg_llm_cost(m->price, in, out, lr->tokens_cached, lr->tokens_cache_write);
}

void qg_llm_meter_saved(const qg_llm_meter *m, qg_review_outcome *o, size_t prompt_bytes,
                        size_t reply_bytes) {
  size_t in = qg_llm_tokens_estimate(prompt_bytes), out = qg_llm_tokens_estimate(reply_bytes);
  o->tokens_saved += in + out;
  if (m->price)
    o->cost_saved += qg_llm_cost(m->price, in, out, 0, 0);
}

void qg_llm_meter_dry(const qg_llm_meter *m, qg_review_outcome *o, size_t prompt_bytes,
                      unsigned max_out) {
  size_t in = qg_llm_tokens_estimate(prompt_bytes);
  o->tokens_in += in;
  o->tokens_out += max_out;
  o->estimated = true;
  if (m->price)
    o->cost += qg_llm_cost(m->price, in, max_out, 0, 0);
}
