/* settings.h: the architecture review's settings (the review section of
 * .qgate.yml and the QGATE_LLM_* environment). Kept apart from review.h so
 * that the configuration parser needs nothing else of the review. */
#ifndef QG_REVIEW_SETTINGS_H
#define QG_REVIEW_SETTINGS_H

#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum qg_llm_provider {
  QG_LLM_NONE = 0,
  QG_LLM_OPENAI,    /* OpenAI-compatible Chat Completions */
  QG_LLM_ANTHROPIC, /* Anthropic Messages */
  QG_LLM_BEDROCK,   /* Amazon Bedrock Converse, SigV4-signed */
} qg_llm_provider;

/* How the answer's shape is asked for (review.json_mode). */
typedef enum qg_llm_json_mode {
  QG_LLM_JSON_OFF = 0, /* false: free text (the prompt alone asks for JSON) */
  QG_LLM_JSON_OBJECT,  /* object: OpenAI-compatible json_object; Anthropic and Bedrock as schema */
  QG_LLM_JSON_SCHEMA,  /* true or schema (the default): the answer's JSON schema, as
                          json_schema (strict) on OpenAI-compatible servers and as a forced
                          tool (report_violations) on Anthropic and Bedrock */
} qg_llm_json_mode;

/* One model's prices, in US dollars per million tokens (review.prices,
 * QGATE_LLM_PRICES). */
typedef struct qg_llm_price {
  char *model;        /* owned */
  double input;       /* prompt tokens not read from the provider's cache */
  double output;      /* reply tokens */
  double cached;      /* prompt tokens read from the provider's cache; -1: input's price */
  double cache_write; /* prompt tokens written to the provider's cache; -1: input's price */
} qg_llm_price;

/* "openai", "anthropic", "bedrock", "none"; static. */
const char *qg_llm_provider_name(qg_llm_provider p);
/* Parses a provider name; QG_EUSAGE when unknown. */
qg_status qg_llm_provider_parse(const char *name, qg_llm_provider *out);

/* The review settings: .qgate.yml's review section, then the environment
 * (QGATE_LLM_*, qg_review_config_env) over it. Strings are owned by the
 * config (qg_review_config_cleanup). Where data and credentials go
 * (provider, model, base_url, api_key_env, region, cache_dir) comes only from
 * trusted sources: the environment and a configuration file outside the
 * checkout (config/config.h, SECURITY.md). */
typedef struct qg_review_config {
  qg_llm_provider provider;
  char *model;           /* required with a provider */
  char *base_url;        /* NULL: the provider's public endpoint */
  bool base_url_trusted; /* base_url came from a trusted source: a key may go to its host;
                            otherwise only to the provider's own (qg_llm_host_allowed) */
  char *api_key_env; /* the variable holding the key; NULL: OPENAI_API_KEY / ANTHROPIC_API_KEY */
  char *region;      /* Bedrock; NULL: AWS_REGION, then AWS_DEFAULT_REGION */
  char **documents;  /* paths relative to the repository root; none: ARCHITECTURE.md */
  size_t ndocuments;
  char **exclude; /* gitignore-style globs over the changed paths */
  size_t nexclude;
  double min_confidence;      /* violations below it are notes (arch/unconfirmed); 0.8 */
  size_t chunk_tokens;        /* the budget of one request, prompt included; 16000 */
  size_t max_requests;        /* per run; 20 */
  size_t max_tokens;          /* per run, prompts and replies together (estimated); 300000 */
  unsigned max_output_tokens; /* per reply; 2048 */
  unsigned parallel;          /* requests at once; 4 */
  long connect_timeout_ms;    /* 10000 */
  long timeout_ms;            /* one attempt; 120000 */
  int retries;                /* after the first attempt; 3 (-1: none) */
  long backoff_ms;            /* the first wait; 1000 */
  long deadline_ms;           /* every request of the run, retries and waits included:
                               QG_REVIEW_DEADLINE_MS unless qg_review_config_deadline
                               says otherwise; past it the review is partial or failed */
  long file_deadline_ms;      /* review.deadline in the configuration file, 0 when absent:
                               it may only lower the trusted deadline */
  char *cache_dir;            /* NULL: $XDG_CACHE_HOME/qgate (or ~/.cache/qgate); "off": none */
  bool required;              /* a review that cannot run fails the gate (exit status 3) */
  qg_llm_json_mode json_mode; /* QG_LLM_JSON_SCHEMA */
  bool prompt_cache;          /* mark the documents for the provider's prompt cache
                                 (Anthropic cache_control, Bedrock cachePoint); true */
  qg_llm_price *prices;       /* owned: trusted sources only (a repository's file could hide
                                 the cost), QGATE_LLM_PRICES over review.prices */
  size_t nprices;
  double max_cost;        /* USD per run from trusted sources (QGATE_LLM_MAX_COST or a
                             --config file); -1: no budget */
  double file_max_cost;   /* review.max_cost in the repository's file, -1 when absent: it
                             may only lower the budget (qg_review_budget) */
  bool local;             /* also in the pre-push hook (QGATE_HOOK set); false */
  bool incremental;       /* review only the files changed since `since`; false */
  char *since;            /* QGATE_REVIEW_SINCE (the environment only): the last reviewed head,
                             for incremental; NULL: none */
  unsigned context_lines; /* unchanged lines shown around each hunk; 3 (1 to
                             QG_REVIEW_CONTEXT_MAX, from any configuration file: it
                             changes only what is shown, within the per-request budget) */
} qg_review_config;

#define QG_REVIEW_CONTEXT_MAX 20

/* Parses QGATE_LLM_PRICES' form, "MODEL=INPUT,OUTPUT[,CACHED[,CACHE_WRITE]]" joined
 * by ';' (dollars per million tokens, each at least 0 and at most 1e6), adding
 * (or replacing, by model) entries of c->prices. QG_EUSAGE with *why (owned by
 * the caller: free; NULL on success) for a bad entry; c unchanged then. */
qg_status qg_llm_prices_parse(qg_review_config *c, const char *s, char **why);
/* Adds or replaces the entry for price->model (copied). */
void qg_llm_prices_set(qg_review_config *c, const qg_llm_price *price);
/* The configured model's prices, or NULL when unknown. Borrowed from c. */
const qg_llm_price *qg_llm_price_find(const qg_review_config *c);
/* The run's budget in USD: the lower of max_cost and file_max_cost, -1 when
 * neither is set. */
double qg_review_budget(const qg_review_config *c);

/* The review deadline's default: 5 minutes, room for 20 requests 4 at a time at a
 * minute each (a slow model writing 2048 tokens), and still a bounded CI step. */
#define QG_REVIEW_DEADLINE_MS 300000L

void qg_review_config_init(qg_review_config *c);
void qg_review_config_cleanup(qg_review_config *c);
/* Applies the environment over c: QGATE_LLM_PROVIDER, QGATE_LLM_MODEL,
 * QGATE_LLM_BASE_URL, QGATE_LLM_API_KEY_ENV, QGATE_LLM_REGION,
 * QGATE_LLM_CACHE_DIR, QGATE_LLM_REQUIRED (true or false), QGATE_LLM_PRICES
 * (qg_llm_prices_parse), QGATE_LLM_MAX_COST (US dollars) and QGATE_REVIEW_SINCE. A variable set
 * to the empty string counts as set: it restores the built-in default
 * (QGATE_LLM_BASE_URL="" is the provider's public endpoint, whatever the file
 * says; QGATE_LLM_PROVIDER="" is no review). QG_EUSAGE, with *why saying
 * what, for an unknown provider, a base URL that is not http(s) or a required
 * that is not true or false, bad prices or a budget that is not a number. *why: owned by the caller (free), NULL on success. */
qg_status qg_review_config_env(qg_review_config *c, char **why);
/* Sets c->deadline_ms from the trusted settings: `option` (--review-deadline's
 * value, NULL when not given), else QGATE_REVIEW_DEADLINE when set, else the
 * default; then c->file_deadline_ms when it is lower (the repository's file can
 * tighten the deadline, never extend it). Values are seconds (decimals allowed,
 * more than 0, at most 86400). QG_EUSAGE with *why (owned by the caller: free;
 * NULL on success) for a bad value. */
qg_status qg_review_config_deadline(qg_review_config *c, const char *option, char **why);
/* Parses a deadline in seconds ("300", "0.5"): more than 0, at most 86400, into
 * milliseconds (at least 1). QG_EUSAGE when it is not one. */
qg_status qg_deadline_parse(const char *s, long *ms);

#endif
