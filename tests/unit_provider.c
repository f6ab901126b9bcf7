/* unit_provider.c: each provider's wire format, request and reply. */
#include "review/provider.h"
#include "review/reply.h"
#include "core/mem.h"

#include <cjson/cJSON.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cfg_for(qg_review_config *c, qg_llm_provider p, const char *model, const char *base) {
  qg_review_config_init(c);
  c->provider = p;
  c->model = qg_xstrdup(model);
  c->base_url = base ? qg_xstrdup(base) : NULL;
  c->max_output_tokens = 512;
}

static bool has_header(const qg_llm_request *r, const char *line) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (strcmp(r->headers[i], line) == 0)
      return true;
  return false;
}

static void build(const qg_review_config *c, const qg_llm_credentials *cred, const char *sys,
                  const char *docs, const char *user, qg_llm_request *r) {
  qg_llm_prompt p = {sys, docs, user};
  qg_llm_request_build(c, cred, &p, r);
}

/* Frees the words of the call before, for the next call: why is owned by the test. */
static char **why_reset(char **why) {
  free(*why);
  *why = NULL;
  return why;
}

static void test_openai_request(void **state) {
  (void)state;
  qg_review_config c;
  cfg_for(&c, QG_LLM_OPENAI, "gpt-4o-mini", NULL);
  qg_llm_credentials cred = {0};
  cred.api_key = qg_xstrdup("k-123");
  qg_llm_request r;
  c.json_mode = QG_LLM_JSON_OBJECT;
  build(&c, &cred, "SYS", NULL, "USER \"q\"", &r);
  assert_string_equal(r.url, "https://api.openai.com/v1/chat/completions");
  assert_true(has_header(&r, "Authorization: Bearer k-123"));
  assert_true(has_header(&r, "Content-Type: application/json"));
  assert_null(r.sigv4);
  assert_string_equal(r.body,
                      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
                      "\"SYS\"},{\"role\":\"user\",\"content\":\"USER \\\"q\\\"\"}],"
                      "\"temperature\":0,\"max_tokens\":512,\"response_format\":{\"type\":"
                      "\"json_object\"}}");
  qg_llm_request_cleanup(&r);
  /* Azure: the key in api-key, the query string kept after the path */
  free(c.base_url);
  c.base_url =
      qg_xstrdup("https://x.openai.azure.com/openai/deployments/d/?api-version=2024-10-21");
  c.json_mode = QG_LLM_JSON_OFF;
  build(&c, &cred, "S", NULL, "U", &r);
  assert_string_equal(r.url, "https://x.openai.azure.com/openai/deployments/d/chat/completions"
                             "?api-version=2024-10-21");
  assert_true(has_header(&r, "api-key: k-123"));
  assert_null(strstr(r.body, "response_format"));
  qg_llm_request_cleanup(&r);
  qg_llm_credentials_cleanup(&cred);
  qg_review_config_cleanup(&c);
}

static void test_anthropic_and_bedrock_requests(void **state) {
  (void)state;
  qg_review_config c;
  cfg_for(&c, QG_LLM_ANTHROPIC, "claude-sonnet-4-5", "http://127.0.0.1:9/");
  qg_llm_credentials cred = {0};
  cred.api_key = qg_xstrdup("ak");
  qg_llm_request r;
  c.json_mode = QG_LLM_JSON_OFF;
  build(&c, &cred, "S", NULL, "U", &r);
  assert_string_equal(r.url, "http://127.0.0.1:9/v1/messages");
  assert_true(has_header(&r, "x-api-key: ak"));
  assert_true(has_header(&r, "anthropic-version: 2023-06-01"));
  assert_string_equal(r.body, "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":512,"
                              "\"temperature\":0,\"system\":\"S\",\"messages\":[{\"role\":"
                              "\"user\",\"content\":\"U\"}]}");
  qg_llm_request_cleanup(&r);
  qg_llm_credentials_cleanup(&cred);
  qg_review_config_cleanup(&c);

  cfg_for(&c, QG_LLM_BEDROCK, "anthropic.claude-3-5-sonnet-20241022-v2:0", NULL);
  memset(&cred, 0, sizeof(cred));
  cred.aws_region = qg_xstrdup("eu-west-1");
  c.json_mode = QG_LLM_JSON_OFF;
  build(&c, &cred, "S", NULL, "U", &r);
  assert_string_equal(r.url, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
                             "anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
  assert_string_equal(r.sigv4, "aws:amz:eu-west-1:bedrock");
  assert_string_equal(r.body, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"U\"}]}],"
                              "\"system\":[{\"text\":\"S\"}],\"inferenceConfig\":{\"maxTokens\":"
                              "512,\"temperature\":0}}");
  qg_llm_request_cleanup(&r);
  qg_llm_credentials_cleanup(&cred);
  qg_review_config_cleanup(&c);
}

static void test_replies(void **state) {
  (void)state;
  qg_llm_reply rp;
  char *why = NULL;
  static const char oai[] = "{\"choices\":[{\"message\":{\"content\":\"{\\\"violations\\\":[]}\"},"
                            "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":10,"
                            "\"completion_tokens\":3}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 200, oai, strlen(oai), &rp, why_reset(&why)),
                   QG_OK);
  assert_string_equal(rp.text, "{\"violations\":[]}");
  assert_true(rp.truncated);
  assert_int_equal(rp.tokens_in, 10);
  assert_int_equal(rp.tokens_out, 3);
  qg_llm_reply_cleanup(&rp);
  static const char ant[] = "{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\","
                            "\"text\":\"b\"}],\"stop_reason\":\"end_turn\",\"usage\":{"
                            "\"input_tokens\":7,\"output_tokens\":2}}";
  assert_int_equal(
      qg_llm_reply_parse(QG_LLM_ANTHROPIC, 200, ant, strlen(ant), &rp, why_reset(&why)), QG_OK);
  assert_string_equal(rp.text, "ab");
  assert_false(rp.truncated);
  assert_int_equal(rp.tokens_in, 7);
  qg_llm_reply_cleanup(&rp);
  static const char bed[] = "{\"output\":{\"message\":{\"content\":[{\"text\":\"x\"}]}},"
                            "\"stopReason\":\"max_tokens\",\"usage\":{\"inputTokens\":5,"
                            "\"outputTokens\":1}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_BEDROCK, 200, bed, strlen(bed), &rp, why_reset(&why)),
                   QG_OK);
  assert_string_equal(rp.text, "x");
  assert_true(rp.truncated);
  assert_int_equal(rp.tokens_out, 1);
  qg_llm_reply_cleanup(&rp);
  /* token counts past size_t (1e400 reads as infinity) saturate: converting them was
   * undefined (found by fuzz/fuzz_envelope.c) */
  static const char big[] = "{\"choices\":[{\"message\":{\"content\":\"[]\"}}],\"usage\":{"
                            "\"prompt_tokens\":18446744073709551616,\"completion_tokens\":1e400}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 200, big, strlen(big), &rp, why_reset(&why)),
                   QG_OK);
  assert_int_equal(rp.tokens_in, (size_t)1 << 53);
  assert_int_equal(rp.tokens_out, (size_t)1 << 53);
  qg_llm_reply_cleanup(&rp);
  /* not the format, or not JSON */
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 200, "{}", 2, &rp, why_reset(&why)),
                   QG_EPARSE);
  assert_string_equal(why, "the reply holds no text (not the openai format)");
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 200, "<html>", 6, &rp, why_reset(&why)),
                   QG_EPARSE);
  assert_string_equal(why, "the reply is not JSON");
  free(why);
}

static void test_errors(void **state) {
  (void)state;
  qg_llm_reply rp;
  char *why = NULL;
  /* a server without json_schema: the words say what to set */
  static const char js[] =
      "{\"error\":{\"message\":\"Unknown response_format type: json_schema\"}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 400, js, strlen(js), &rp, why_reset(&why)),
                   QG_ENET);
  assert_string_equal(why, "HTTP 400 (no json_schema? set review.json_mode: object): Unknown "
                           "response_format type: json_schema");
  static const char oai[] = "{\"error\":{\"message\":\"Incorrect API key\\nprovided\",\"type\":"
                            "\"invalid_request_error\"}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 401, oai, strlen(oai), &rp, why_reset(&why)),
                   QG_ENET);
  assert_string_equal(why, "HTTP 401: Incorrect API key provided");
  static const char ant[] = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                            "\"message\":\"Overloaded\"}}";
  assert_int_equal(
      qg_llm_reply_parse(QG_LLM_ANTHROPIC, 529, ant, strlen(ant), &rp, why_reset(&why)), QG_ENET);
  assert_string_equal(why, "HTTP 529: Overloaded");
  static const char bed[] = "{\"message\":\"The security token included in the request is "
                            "invalid.\"}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_BEDROCK, 403, bed, strlen(bed), &rp, why_reset(&why)),
                   QG_ENET);
  assert_string_equal(why, "HTTP 403: The security token included in the request is invalid.");
  assert_int_equal(qg_llm_reply_parse(QG_LLM_BEDROCK, 502, "bad gateway", 11, &rp, why_reset(&why)),
                   QG_ENET);
  assert_string_equal(why, "HTTP 502");
  /* a server's words are capped: QG_LLM_ERROR_MAX bytes in all, cut at a word's end */
  char *body = qg_xmalloc(4096), *p = body;
  p += sprintf(p, "{\"message\":\"");
  for (int i = 0; i < 100; i++)
    p += sprintf(p, "word%02d ", i);
  sprintf(p, "\"}");
  assert_int_equal(
      qg_llm_reply_parse(QG_LLM_BEDROCK, 400, body, strlen(body), &rp, why_reset(&why)), QG_ENET);
  assert_true(strlen(why) <= QG_LLM_ERROR_MAX);
  assert_int_equal(strlen(why), strlen("HTTP 400: ") + 41 * 7); /* "word00 ... word40 " */
  assert_string_equal(why + strlen(why) - 7, "word40 ");
  free(body);
  free(why);
}

static void test_credentials(void **state) {
  (void)state;
  qg_review_config c;
  cfg_for(&c, QG_LLM_ANTHROPIC, "m", NULL);
  qg_llm_credentials cred;
  char *why = NULL;
  unsetenv("ANTHROPIC_API_KEY");
  assert_int_equal(qg_llm_credentials_load(&c, &cred, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "no API key: set ANTHROPIC_API_KEY");
  c.provider = QG_LLM_OPENAI;
  c.base_url = qg_xstrdup("http://127.0.0.1:11434/v1"); /* a local Ollama needs no key */
  unsetenv("OPENAI_API_KEY");
  assert_int_equal(qg_llm_credentials_load(&c, &cred, why_reset(&why)), QG_OK);
  assert_null(cred.api_key);
  qg_llm_credentials_cleanup(&cred);
  c.provider = QG_LLM_BEDROCK;
  unsetenv("AWS_ACCESS_KEY_ID");
  assert_int_equal(qg_llm_credentials_load(&c, &cred, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  free(why);
  qg_review_config_cleanup(&c);
}

/* Issue 17: a key goes only to its provider's own host unless a trusted
 * source named the base URL. */
static void test_host_allow_list(void **state) {
  (void)state;
  static const struct {
    qg_llm_provider p;
    const char *url;
    bool ok;
  } cases[] = {
      {QG_LLM_OPENAI, "https://api.openai.com/v1/chat/completions", true},
      {QG_LLM_OPENAI, "HTTPS://API.OpenAI.com/v1/chat/completions", true},
      {QG_LLM_OPENAI, "https://api.openai.com:443/v1/chat/completions", true},
      {QG_LLM_OPENAI, "https://api.openai.com", true},
      {QG_LLM_OPENAI, "http://api.openai.com/v1/chat/completions", false}, /* in the clear */
      {QG_LLM_OPENAI, "https://api.openai.com:8443/v1", false},
      {QG_LLM_OPENAI, "https://api.openai.com.evil.example/v1", false},
      {QG_LLM_OPENAI, "https://api.openai.com@evil.example/v1", false}, /* user information */
      {QG_LLM_OPENAI, "https://evil.example/api.openai.com/v1", false},
      {QG_LLM_OPENAI, "https://evil.example?h=api.openai.com", false},
      {QG_LLM_OPENAI, "https://api.openai.com\\@evil.example/v1", false},
      {QG_LLM_OPENAI, "https://api.openai.com./v1", false},
      {QG_LLM_OPENAI, "https://api.anthropic.com/v1/messages", false}, /* another provider's */
      {QG_LLM_OPENAI, "https://x.openai.azure.com/openai/deployments/d", false},
      {QG_LLM_OPENAI, "http://127.0.0.1:8080/v1", false},
      {QG_LLM_OPENAI, "", false},
      {QG_LLM_OPENAI, NULL, false},
      {QG_LLM_ANTHROPIC, "https://api.anthropic.com/v1/messages", true},
      {QG_LLM_ANTHROPIC, "https://api.openai.com/v1/chat/completions", false},
      {QG_LLM_BEDROCK, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse", true},
      {QG_LLM_BEDROCK, "https://bedrock-runtime-fips.us-east-1.amazonaws.com/model/m/converse",
       true},
      {QG_LLM_BEDROCK, "https://bedrock-runtime.evil.example.amazonaws.com/model/m", false},
      {QG_LLM_BEDROCK, "https://bedrock-runtime.x.evil.example#.amazonaws.com/model/m", false},
      {QG_LLM_BEDROCK, "https://bedrock-runtime..amazonaws.com/model/m", false},
      {QG_LLM_BEDROCK, "https://bedrock-runtime.amazonaws.com/model/m", false},
      {QG_LLM_BEDROCK, "https://s3.eu-west-1.amazonaws.com/model/m", false},
      {QG_LLM_NONE, "https://api.openai.com/v1", false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (qg_llm_host_allowed(cases[i].p, cases[i].url) != cases[i].ok)
      fail_msg("%s %s: expected %s", qg_llm_provider_name(cases[i].p),
               cases[i].url ? cases[i].url : "(null)", cases[i].ok ? "allowed" : "refused");
  }

  /* the check on a built request: the default endpoint passes; a base URL
   * that no trusted source named is refused, naming the host and never the
   * key; the same URL from a trusted source passes */
  qg_review_config c;
  cfg_for(&c, QG_LLM_OPENAI, "m", NULL);
  qg_llm_credentials cred = {0};
  cred.api_key = qg_xstrdup("sk-proj-unit-test-key");
  qg_llm_request r;
  char *why = NULL;
  build(&c, &cred, "S", NULL, "U", &r);
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_OK);
  qg_llm_request_cleanup(&r);
  c.base_url = qg_xstrdup("http://attacker.example:8080/v1");
  build(&c, &cred, "S", NULL, "U", &r);
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "refusing to send the openai request and its credentials to a URL "
                           "that is not https on the default port: not the provider's own "
                           "endpoint, and no trusted source named it (set QGATE_LLM_BASE_URL, or "
                           "base_url in a --config file outside the checkout)");
  qg_llm_request_cleanup(&r);
  free(c.base_url);
  c.base_url = qg_xstrdup("https://attacker.example/v1");
  build(&c, &cred, "S", NULL, "U", &r);
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_EUSAGE);
  assert_non_null(strstr(why, "credentials to attacker.example: not the provider's own"));
  assert_null(strstr(why, "sk-proj"));
  c.base_url_trusted = true;
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_OK);
  qg_llm_request_cleanup(&r);
  qg_review_config_cleanup(&c);

  /* Bedrock: a region that would change the host is refused */
  cfg_for(&c, QG_LLM_BEDROCK, "m", NULL);
  free(cred.api_key);
  cred.api_key = NULL;
  cred.aws_region = qg_xstrdup("x.attacker.example#");
  build(&c, &cred, "S", NULL, "U", &r);
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_EUSAGE);
  qg_llm_request_cleanup(&r);
  free(cred.aws_region);
  cred.aws_region = qg_xstrdup("eu-central-1");
  build(&c, &cred, "S", NULL, "U", &r);
  assert_int_equal(qg_llm_request_check(&c, &r, why_reset(&why)), QG_OK);
  assert_null(why);
  qg_llm_request_cleanup(&r);
  qg_llm_credentials_cleanup(&cred);
  qg_review_config_cleanup(&c);
}

/* The environment: a variable set to "" counts as set (the default). */
static void test_env_empty_counts_as_set(void **state) {
  (void)state;
  qg_review_config c;
  cfg_for(&c, QG_LLM_OPENAI, "m", "https://gateway.example/v1");
  c.base_url_trusted = true;
  c.api_key_env = qg_xstrdup("LLM_KEY");
  c.required = true;
  char *why = NULL;
  setenv("QGATE_LLM_BASE_URL", "", 1);
  setenv("QGATE_LLM_API_KEY_ENV", "", 1);
  setenv("QGATE_LLM_REQUIRED", "false", 1);
  unsetenv("QGATE_LLM_MODEL");
  unsetenv("QGATE_LLM_PROVIDER");
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_OK);
  assert_null(c.base_url); /* the provider's own endpoint */
  assert_false(c.base_url_trusted);
  assert_null(c.api_key_env);
  assert_false(c.required);
  assert_string_equal(c.model, "m"); /* unset: left as it was */
  assert_int_equal(c.provider, QG_LLM_OPENAI);
  setenv("QGATE_LLM_BASE_URL", "https://llm.internal/v1", 1);
  setenv("QGATE_LLM_REGION", "eu-west-3", 1);
  setenv("QGATE_LLM_CACHE_DIR", "off", 1);
  setenv("QGATE_LLM_PROVIDER", "", 1); /* no review */
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_OK);
  assert_string_equal(c.base_url, "https://llm.internal/v1");
  assert_true(c.base_url_trusted);
  assert_string_equal(c.region, "eu-west-3");
  assert_string_equal(c.cache_dir, "off");
  assert_int_equal(c.provider, QG_LLM_NONE);
  setenv("QGATE_LLM_BASE_URL", "file:///etc/passwd", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "QGATE_LLM_BASE_URL must start with http:// or https://");
  setenv("QGATE_LLM_BASE_URL", "", 1);
  setenv("QGATE_LLM_REQUIRED", "yes", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "QGATE_LLM_REQUIRED must be true or false, not 'yes'");
  setenv("QGATE_LLM_REQUIRED", "", 1);
  /* prices and the budget: bad ones change nothing */
  setenv("QGATE_LLM_PRICES", "m=1,2", 1);
  setenv("QGATE_LLM_MAX_COST", "3.5", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_OK);
  assert_true(c.max_cost == 3.5);
  assert_non_null(qg_llm_price_find(&c));
  assert_true(qg_llm_price_find(&c)->output == 2);
  setenv("QGATE_LLM_MAX_COST", "-1", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_EUSAGE);
  assert_string_equal(why, "QGATE_LLM_MAX_COST takes US dollars (0 or more), not '-1'");
  setenv("QGATE_LLM_MAX_COST", "", 1); /* no budget */
  setenv("QGATE_LLM_PRICES", "m=9", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_EUSAGE);
  assert_true(qg_llm_price_find(&c)->output == 2);
  assert_true(c.max_cost == 3.5);
  setenv("QGATE_LLM_PRICES", "", 1);
  assert_int_equal(qg_review_config_env(&c, why_reset(&why)), QG_OK);
  assert_true(c.max_cost == -1);
  free(why);
  static const char *const vars[] = {
      "QGATE_LLM_BASE_URL",  "QGATE_LLM_API_KEY_ENV", "QGATE_LLM_REQUIRED", "QGATE_LLM_REGION",
      "QGATE_LLM_CACHE_DIR", "QGATE_LLM_PROVIDER",    "QGATE_LLM_PRICES",   "QGATE_LLM_MAX_COST"};
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
    unsetenv(vars[i]);
  qg_review_config_cleanup(&c);
}

/* The item at a path of object keys and array indexes ("#0") of a parsed body. */
static const cJSON *at(const cJSON *j, const char *const *path) {
  for (; j && *path; path++)
    j = (*path)[0] == '#' ? cJSON_GetArrayItem(j, atoi(*path + 1))
                          : cJSON_GetObjectItemCaseSensitive(j, *path);
  return j;
}
#define AT(j, ...) at(j, (const char *const[]){__VA_ARGS__, NULL})

static void assert_str_at(const cJSON *j, const char *want) {
  assert_non_null(j);
  assert_true(cJSON_IsString(j));
  assert_string_equal(j->valuestring, want);
}

static void test_structured_requests(void **state) {
  (void)state;
  cJSON *sch = cJSON_Parse(qg_reply_schema_json());
  assert_non_null(sch);
  qg_review_config c;
  qg_llm_credentials cred = {0};
  qg_llm_request r;
  /* OpenAI-compatible: json_schema, strict, the documents first in the user's message */
  cfg_for(&c, QG_LLM_OPENAI, "gpt-4o-mini", "http://127.0.0.1:9/v1");
  build(&c, &cred, "S", "DOCS\n", "U", &r);
  cJSON *j = cJSON_Parse(r.body);
  assert_str_at(AT(j, "response_format", "type"), "json_schema");
  assert_str_at(AT(j, "response_format", "json_schema", "name"), "report_violations");
  assert_true(cJSON_IsTrue(AT(j, "response_format", "json_schema", "strict")));
  assert_true(cJSON_Compare(AT(j, "response_format", "json_schema", "schema"), sch, 1));
  assert_str_at(AT(j, "messages", "#1", "content"), "DOCS\nU");
  assert_int_equal(cJSON_GetArraySize(AT(j, "messages")), 2);
  cJSON_Delete(j);
  qg_llm_request_cleanup(&r);
  qg_review_config_cleanup(&c);

  /* Anthropic: a forced tool; the documents the first block, marked for the cache */
  cfg_for(&c, QG_LLM_ANTHROPIC, "claude-sonnet-4-5", NULL);
  build(&c, &cred, "S", "DOCS", "U", &r);
  j = cJSON_Parse(r.body);
  assert_str_at(AT(j, "tools", "#0", "name"), "report_violations");
  assert_true(cJSON_Compare(AT(j, "tools", "#0", "input_schema"), sch, 1));
  assert_str_at(AT(j, "tool_choice", "type"), "tool");
  assert_str_at(AT(j, "tool_choice", "name"), "report_violations");
  assert_str_at(AT(j, "system"), "S");
  assert_str_at(AT(j, "messages", "#0", "content", "#0", "text"), "DOCS");
  assert_str_at(AT(j, "messages", "#0", "content", "#0", "cache_control", "type"), "ephemeral");
  assert_str_at(AT(j, "messages", "#0", "content", "#1", "text"), "U");
  assert_null(AT(j, "messages", "#0", "content", "#1", "cache_control"));
  cJSON_Delete(j);
  qg_llm_request_cleanup(&r);
  /* prompt_cache off: no marker; no documents: the plain string */
  c.prompt_cache = false;
  build(&c, &cred, "S", "DOCS", "U", &r);
  assert_null(strstr(r.body, "cache_control"));
  qg_llm_request_cleanup(&r);
  build(&c, &cred, "S", "", "U", &r);
  j = cJSON_Parse(r.body);
  assert_str_at(AT(j, "messages", "#0", "content"), "U");
  cJSON_Delete(j);
  qg_llm_request_cleanup(&r);
  qg_review_config_cleanup(&c);

  /* Bedrock: toolConfig, and a cachePoint after the documents */
  cfg_for(&c, QG_LLM_BEDROCK, "m", NULL);
  build(&c, &cred, "S", "DOCS", "U", &r);
  j = cJSON_Parse(r.body);
  assert_str_at(AT(j, "toolConfig", "tools", "#0", "toolSpec", "name"), "report_violations");
  assert_true(
      cJSON_Compare(AT(j, "toolConfig", "tools", "#0", "toolSpec", "inputSchema", "json"), sch, 1));
  assert_str_at(AT(j, "toolConfig", "toolChoice", "tool", "name"), "report_violations");
  assert_str_at(AT(j, "messages", "#0", "content", "#0", "text"), "DOCS");
  assert_str_at(AT(j, "messages", "#0", "content", "#1", "cachePoint", "type"), "default");
  assert_str_at(AT(j, "messages", "#0", "content", "#2", "text"), "U");
  cJSON_Delete(j);
  qg_llm_request_cleanup(&r);
  qg_review_config_cleanup(&c);
  cJSON_Delete(sch);
}

static void test_tool_replies(void **state) {
  (void)state;
  qg_llm_reply rp;
  char *why = NULL;
  /* Anthropic: the tool's input is the answer; text beside it is not */
  static const char ant[] =
      "{\"content\":[{\"type\":\"text\",\"text\":\"Let me look.\"},{\"type\":\"tool_use\","
      "\"id\":\"t1\",\"name\":\"report_violations\",\"input\":{\"violations\":[{\"file\":\"a.go\","
      "\"line\":3}]}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":50,"
      "\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":200,"
      "\"output_tokens\":40}}";
  assert_int_equal(
      qg_llm_reply_parse(QG_LLM_ANTHROPIC, 200, ant, strlen(ant), &rp, why_reset(&why)), QG_OK);
  assert_string_equal(rp.text, "{\"violations\":[{\"file\":\"a.go\",\"line\":3}]}");
  assert_int_equal(rp.len, strlen(rp.text));
  assert_true(rp.tool);
  assert_false(rp.truncated);
  assert_int_equal(rp.tokens_in, 1250);
  assert_int_equal(rp.tokens_cached, 1000);
  assert_int_equal(rp.tokens_cache_write, 200);
  assert_int_equal(rp.tokens_out, 40);
  qg_llm_reply_cleanup(&rp);
  /* another tool's call is not the answer; cut at max_tokens */
  static const char other[] =
      "{\"content\":[{\"type\":\"tool_use\",\"name\":\"other\",\"input\":{\"violations\":[1]}},"
      "{\"type\":\"text\",\"text\":\"{}\"}],\"stop_reason\":\"max_tokens\"}";
  assert_int_equal(
      qg_llm_reply_parse(QG_LLM_ANTHROPIC, 200, other, strlen(other), &rp, why_reset(&why)), QG_OK);
  assert_string_equal(rp.text, "{}");
  assert_false(rp.tool);
  assert_true(rp.truncated);
  qg_llm_reply_cleanup(&rp);
  /* Bedrock: toolUse */
  static const char bed[] =
      "{\"output\":{\"message\":{\"content\":[{\"toolUse\":{\"toolUseId\":\"x\",\"name\":"
      "\"report_violations\",\"input\":{\"violations\":[]}}}]}},\"stopReason\":\"tool_use\","
      "\"usage\":{\"inputTokens\":10,\"outputTokens\":5,\"cacheReadInputTokens\":900,"
      "\"cacheWriteInputTokens\":0}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_BEDROCK, 200, bed, strlen(bed), &rp, why_reset(&why)),
                   QG_OK);
  assert_string_equal(rp.text, "{\"violations\":[]}");
  assert_true(rp.tool);
  assert_int_equal(rp.tokens_in, 910);
  assert_int_equal(rp.tokens_cached, 900);
  qg_llm_reply_cleanup(&rp);
  /* OpenAI: cached tokens are part of prompt_tokens */
  static const char oai[] =
      "{\"choices\":[{\"message\":{\"content\":\"{}\"},\"finish_reason\":\"stop\"}],\"usage\":{"
      "\"prompt_tokens\":2000,\"completion_tokens\":7,\"prompt_tokens_details\":{"
      "\"cached_tokens\":1536}}}";
  assert_int_equal(qg_llm_reply_parse(QG_LLM_OPENAI, 200, oai, strlen(oai), &rp, why_reset(&why)),
                   QG_OK);
  assert_int_equal(rp.tokens_in, 2000);
  assert_int_equal(rp.tokens_cached, 1536);
  assert_int_equal(rp.tokens_cache_write, 0);
  qg_llm_reply_cleanup(&rp);
  free(why);
}

static void test_cost(void **state) {
  (void)state;
  assert_int_equal(qg_llm_tokens_estimate(0), 0);
  assert_int_equal(qg_llm_tokens_estimate(1), 1);
  assert_int_equal(qg_llm_tokens_estimate(8), 2);
  assert_int_equal(qg_llm_tokens_estimate(9), 3);
  qg_llm_price p = {NULL, 2.5, 10, 1.25, -1};
  /* 1,000,000 in of which 400,000 cached: 600,000 x 2.5 + 400,000 x 1.25 + 100,000 x 10 */
  assert_true(qg_llm_cost(&p, 1000000, 100000, 400000, 0) == 1.5 + 0.5 + 1.0);
  /* cache writes at the input price unless priced */
  assert_true(qg_llm_cost(&p, 1000000, 0, 0, 1000000) == 2.5);
  p.cache_write = 3.75;
  assert_true(qg_llm_cost(&p, 1000000, 0, 0, 1000000) == 3.75);
  assert_true(qg_llm_cost(NULL, 1, 1, 0, 0) == -1);

  qg_review_config c;
  qg_review_config_init(&c);
  char *why = NULL;
  assert_int_equal(qg_llm_prices_parse(&c, "gpt-4o=2.5,10,1.25;claude-x=3,15,0.3,3.75", &why),
                   QG_OK);
  assert_null(why);
  assert_int_equal(c.nprices, 2);
  assert_null(qg_llm_price_find(&c)); /* no model */
  c.model = qg_xstrdup("claude-x");
  const qg_llm_price *f = qg_llm_price_find(&c);
  assert_non_null(f);
  assert_true(f->input == 3 && f->output == 15 && f->cached == 0.3 && f->cache_write == 3.75);
  /* replaced by model; bad entries leave the list as it was */
  assert_int_equal(qg_llm_prices_parse(&c, "claude-x=1,2", &why), QG_OK);
  f = qg_llm_price_find(&c);
  assert_true(f->input == 1 && f->output == 2 && f->cached == -1);
  static const char *const bad[] = {"claude-x=1", "=1,2",      "m=1,2,3,4,5", "m=-1,2",
                                    "m=1,x",      "m=1,2;n=1", "m=1,,2",      "m=1,2e7",
                                    "m=nan,1",    "m=1,2,",    NULL};
  for (const char *const *b = bad; *b; b++) {
    assert_int_equal(qg_llm_prices_parse(&c, *b, why_reset(&why)), QG_EUSAGE);
    assert_non_null(why);
    assert_int_equal(c.nprices, 2);
  }
  assert_string_equal(why, "QGATE_LLM_PRICES: 'm=1,2,' is not MODEL=INPUT,OUTPUT[,CACHED[,CACHE_"
                           "WRITE]] (dollars per million tokens)");
  free(why);
  /* the budget: the lower of the two; -1 none */
  assert_true(qg_review_budget(&c) == -1);
  c.file_max_cost = 2;
  assert_true(qg_review_budget(&c) == 2);
  c.max_cost = 1;
  assert_true(qg_review_budget(&c) == 1);
  c.max_cost = 5;
  assert_true(qg_review_budget(&c) == 2);
  qg_review_config_cleanup(&c);
}

static void test_meter(void **state) {
  (void)state;
  qg_review_config c;
  cfg_for(&c, QG_LLM_OPENAI, "m", NULL); /* max_output_tokens 512 */
  qg_review_outcome o;
  memset(&o, 0, sizeof(o));
  qg_llm_meter m;
  char *why = NULL;
  /* no price: cost unknown; no budget: everything admitted */
  qg_llm_meter_init(&m, &c, &o);
  assert_true(o.cost == -1 && o.cost_saved == -1);
  assert_true(qg_llm_meter_admit(&m, &c, 4000, &why));
  assert_null(why);
  /* a budget without a price admits nothing, saying why */
  c.file_max_cost = 1;
  qg_llm_meter_init(&m, &c, &o);
  assert_false(qg_llm_meter_admit(&m, &c, 4000, &why));
  assert_string_equal(why, "review.max_cost is $1.00 and the price of m is unknown: set "
                           "QGATE_LLM_PRICES");
  free(why);
  /* $1000 a million either way: a 4000-byte prompt (1000 tokens) and a 512-token reply
   * is $1.512 at worst: one fits in $2.10, the second does not */
  assert_int_equal(qg_llm_prices_parse(&c, "m=1000,1000,100", &why), QG_OK);
  c.file_max_cost = 2.1;
  qg_llm_meter_init(&m, &c, &o);
  assert_true(o.cost == 0 && o.cost_saved == 0);
  assert_true(qg_llm_meter_admit(&m, &c, 4000, &why));
  assert_false(qg_llm_meter_admit(&m, &c, 4000, &why));
  assert_string_equal(why, "over review.max_cost: $2.10");
  free(why);
  assert_true(qg_llm_meter_admit(&m, &c, 4, &why)); /* a small one still fits: $0.513 more */
  /* a reply: the provider's counts, 600 of 1000 from its cache */
  qg_llm_reply lr = {0};
  lr.tokens_in = 1000;
  lr.tokens_out = 10;
  lr.tokens_cached = 600;
  qg_llm_meter_reply(&m, &o, &lr, 999999);
  assert_int_equal(o.tokens_in, 1000);
  assert_int_equal(o.tokens_cached, 600);
  assert_true(o.cost == (400 * 1000.0 + 600 * 100.0 + 10 * 1000.0) / 1e6);
  /* one without usage: estimated from the bytes */
  lr = (qg_llm_reply){0};
  lr.len = 40;
  qg_llm_meter_reply(&m, &o, &lr, 400);
  assert_int_equal(o.tokens_in, 1100);
  assert_int_equal(o.tokens_out, 20);
  /* qgate's cache: saved */
  qg_llm_meter_saved(&m, &o, 800, 80);
  assert_int_equal(o.tokens_saved, 220);
  assert_true(o.cost_saved == 220 * 1000.0 / 1e6);
  /* a dry run */
  qg_review_outcome d;
  memset(&d, 0, sizeof(d));
  qg_llm_meter_init(&m, &c, &d);
  qg_llm_meter_dry(&m, &d, 40, 512);
  assert_true(d.estimated);
  assert_int_equal(d.tokens_in, 10);
  assert_int_equal(d.tokens_out, 512);
  assert_true(d.cost == 522 * 1000.0 / 1e6);
  qg_review_config_cleanup(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_openai_request),
      cmocka_unit_test(test_anthropic_and_bedrock_requests),
      cmocka_unit_test(test_replies),
      cmocka_unit_test(test_structured_requests),
      cmocka_unit_test(test_tool_replies),
      cmocka_unit_test(test_cost),
      cmocka_unit_test(test_meter),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_credentials),
      cmocka_unit_test(test_host_allow_list),
      cmocka_unit_test(test_env_empty_counts_as_set),
  };
  return cmocka_run_group_tests_name("provider", tests, NULL, NULL);
}
