/* provider.h: each model provider's wire format. Builds the HTTP request for
 * a (system, user) prompt and reads the provider's reply or error body. Pure
 * functions over cJSON: nothing here talks to the network. */
#ifndef QG_PROVIDER_H
#define QG_PROVIDER_H

#include "review/review.h"

#include <stdbool.h>
#include <stddef.h>

/* Where the credentials come from: the environment, read once. Owned
 * strings; never printed (qg_llm_request_describe masks them). */
typedef struct qg_llm_credentials {
  char *api_key; /* OpenAI-compatible, Anthropic; may be NULL */
  char *aws_key_id, *aws_secret, *aws_session_token, *aws_region; /* Bedrock */
} qg_llm_credentials;

/* Reads the credentials cfg's provider needs from the environment. Returns
 * QG_EUSAGE, with *why naming the variable to set, when one is missing (an
 * OpenAI-compatible server at a configured base URL may need no key). *why:
 * owned by the caller (free), NULL on success. */
qg_status qg_llm_credentials_load(const qg_review_config *cfg, qg_llm_credentials *out, char **why);
void qg_llm_credentials_cleanup(qg_llm_credentials *c);

/* One request; every string owned (qg_llm_request_cleanup). */
typedef struct qg_llm_request {
  char *url;
  char **headers; /* "Name: value" */
  size_t nheaders;
  char *body;
  size_t body_len;
  char *sigv4; /* "aws:amz:REGION:SERVICE": sign with AWS SigV4 (core/sigv4.h), or NULL */
} qg_llm_request;

/* What one request says, in the order it is sent. Borrowed strings. */
typedef struct qg_llm_prompt {
  const char *system;    /* the instructions */
  const char *documents; /* the architecture documents, fenced: the same text in every
                            request of a run (and of the next run), sent first and marked
                            for the provider's prompt cache (Anthropic cache_control,
                            Bedrock cachePoint; OpenAI caches a repeated prefix by itself)
                            when cfg->prompt_cache; NULL or "": none */
  const char *user;      /* this request's data (the change) */
} qg_llm_prompt;

/* The tool Anthropic and Bedrock are made to call with the answer. */
#define QG_LLM_TOOL_NAME "report_violations"

/* Builds the request for cfg's provider and model: cfg->json_mode asks for the
 * answer's schema (json_schema, or a forced tool), the documents go first. */
void qg_llm_request_build(const qg_review_config *cfg, const qg_llm_credentials *cred,
                          const qg_llm_prompt *prompt, qg_llm_request *out);
void qg_llm_request_cleanup(qg_llm_request *r);

/* Is url on the provider's own endpoint, the only place its key belongs
 * unless a trusted source named another? https on the default port, no user
 * information, and the host: api.openai.com (openai), api.anthropic.com
 * (anthropic), bedrock-runtime[-fips].REGION.amazonaws.com (bedrock). */
bool qg_llm_host_allowed(qg_llm_provider p, const char *url);
/* Defense in depth, before anything is sent: QG_EUSAGE, with *why naming
 * the host (never a credential), when r goes anywhere but the provider's
 * own endpoint and cfg's base_url did not come from a trusted source
 * (cfg->base_url_trusted). QG_OK otherwise. *why: owned by the caller
 * (free), NULL on success. */
qg_status qg_llm_request_check(const qg_review_config *cfg, const qg_llm_request *r, char **why);
/* Writes the request as it would go out (method, URL, headers, body), with
 * every credential masked; for --dry-run. */
void qg_llm_request_describe(const qg_llm_request *r, FILE *out);

typedef struct qg_llm_reply {
  char *text; /* owned: the model's text, NUL-terminated; for a tool's answer
                 (Anthropic tool_use, Bedrock toolUse) its input, as JSON */
  size_t len;
  bool truncated;               /* it stopped at the token limit (finish_reason "length",
                                   stop_reason or stopReason "max_tokens") */
  bool tool;                    /* the text is a tool's input */
  size_t tokens_in, tokens_out; /* 0 when the provider did not say; tokens_in counts
                                   every prompt token, cached ones included */
  size_t tokens_cached;         /* of tokens_in: read from the provider's prompt cache */
  size_t tokens_cache_write;    /* of tokens_in: written to it (Anthropic, Bedrock) */
} qg_llm_reply;

/* Tokens in a text of `bytes` bytes, estimated at 4 bytes a token (English
 * and code run near 4 in the tokenizers of GPT-4o and Claude; CJK text and
 * minified code lower): an estimate, used only where the provider did not
 * count (--dry-run, a reply without usage). */
size_t qg_llm_tokens_estimate(size_t bytes);

/* The cost in US dollars of a request's tokens at p's prices (the cached and
 * cache-write prices default to the input price); -1 when p is NULL. */
double qg_llm_cost(const qg_llm_price *p, size_t tokens_in, size_t tokens_out, size_t tokens_cached,
                   size_t tokens_cache_write);

/* The longest error text of qg_llm_reply_parse, in bytes: a server's words are
 * capped (hostile input), cut at a word's end. */
#define QG_LLM_ERROR_MAX 299

/* Reads a response body. For code 200-299: the reply (QG_OK), or QG_EPARSE
 * when the body is not the provider's format (*why says what). For other
 * codes: QG_ENET with *why holding "HTTP <code>: <the provider's error
 * message>" (at most QG_LLM_ERROR_MAX bytes, control characters made spaces).
 * *why: owned by the caller (free), NULL on success. *out: qg_llm_reply_cleanup. */
qg_status qg_llm_reply_parse(qg_llm_provider p, long code, const char *body, size_t len,
                             qg_llm_reply *out, char **why);
void qg_llm_reply_cleanup(qg_llm_reply *r);

/* ---- what a run spends (review.c calls these; the outcome's token and cost fields) ---- */

/* The run's accounting: the model's prices and the budget, from cfg. */
typedef struct qg_llm_meter {
  const qg_llm_price *price; /* borrowed from the config; NULL: unknown */
  double budget;             /* qg_review_budget; -1: none */
  double committed;          /* the worst cost of the requests let through so far */
} qg_llm_meter;

/* Sets up m for cfg and o's cost fields (0 with a price, -1 unknown). */
void qg_llm_meter_init(qg_llm_meter *m, const qg_review_config *cfg, qg_review_outcome *o);
/* May a request of prompt_bytes (system, documents and user message) with a reply of up
 * to max_out tokens be sent within the budget? Counted at its worst (the estimated prompt
 * at the input price, a full reply) and committed when it may. Without a budget: true.
 * When not: *why (owned by the caller: free) says why, as "over review.max_cost: $2.50"
 * or the price being unknown. */
bool qg_llm_meter_admit(qg_llm_meter *m, const qg_review_config *cfg, size_t prompt_bytes,
                        char **why);
/* A reply received: its tokens (estimated from prompt_bytes and its length where the
 * provider did not count), those from the provider's cache and its cost go to o. */
void qg_llm_meter_reply(const qg_llm_meter *m, qg_review_outcome *o, const qg_llm_reply *lr,
                        size_t prompt_bytes);
/* A request qgate's own cache answered: its estimated prompt and reply go to
 * o->tokens_saved and o->cost_saved. */
void qg_llm_meter_saved(const qg_llm_meter *m, qg_review_outcome *o, size_t prompt_bytes,
                        size_t reply_bytes);
/* A dry run's request: its estimated prompt and a reply at max_out tokens go to o's
 * counts (o->estimated set), and the cost of them. */
void qg_llm_meter_dry(const qg_llm_meter *m, qg_review_outcome *o, size_t prompt_bytes,
                      unsigned max_out);

#endif
