/* review.h: the architecture review. The change (core/diff.h) and the
 * repository's architecture documents go to a language model, redacted by
 * the secrets scanner first; its replies (review/reply.h) become findings of
 * the arch group and the "AI architecture review passed" criterion.
 *
 * Flow: read the change, and the documents at its base revision (the merge
 * base: a change cannot rewrite the rules it is judged by; a change to them is
 * reported as arch/document-changed); redact both, and the pull request's title
 * and description when the CI gives them; show each file numbered (PR-Agent
 * style: "## file:", "__new hunk__" with new-side line numbers, "__old hunk__"),
 * as one piece, or, over one request's budget, as pieces of whole hunks and a
 * hunk over it as runs of lines; answer each piece from the on-disk cache (keyed
 * per piece: its text, the documents, the provider, model and prompt version)
 * or pack the others, in path order, into requests; drop what is over the
 * per-run caps (listed in the outcome); send (all requests in parallel, retried
 * by core/http); a reply cut at the token limit is split in two and each half
 * sent once more; parse, emit, and cache each completed piece's violations. */
#ifndef QG_REVIEW_H
#define QG_REVIEW_H

#include "core/finding.h"
#include "core/diff.h"
#include "review/settings.h"
#include "rules/rule.h"
#include "scanners/secrets/secrets.h"

#include <stdbool.h>
#include <stdio.h>

#define QG_REVIEW_PROMPT_VERSION "qgate-review-2"

typedef enum qg_review_state {
  QG_REVIEW_NOT_CONFIGURED = 0, /* no provider: not measured */
  QG_REVIEW_DONE,               /* every chunk reviewed (possibly from the cache) */
  QG_REVIEW_PARTIAL,            /* some chunks reviewed, others failed or over the caps */
  QG_REVIEW_FAILED,             /* nothing could be reviewed: see reason */
} qg_review_state;

typedef struct qg_review_outcome {
  qg_review_state state;
  char *reason;                    /* owned: why not measured or failed, in words (at most
                            QG_REVIEW_REASON_MAX bytes: qg_review_set_reason); NULL when done */
  size_t files;                    /* files reviewed */
  size_t chunks, requests, cached; /* chunks in all (the requests planned, and each piece
                                      answered from the cache); requests sent; pieces (a
                                      file, or a part of a big one) from the cache */
  size_t failed;                   /* chunks whose request failed */
  size_t tokens_in, tokens_out;    /* as the providers reported them (estimated when they did not;
                                   a dry run: estimated for what would be sent, replies at
                                   review.max_output_tokens) */
  size_t tokens_cached;            /* of tokens_in: read from the provider's prompt cache */
  size_t tokens_saved; /* estimated: the prompts and replies of the chunks qgate's own cache
                          answered, not sent */
  double cost;        /* estimated US dollars of tokens_in/out at the model's prices (review.prices,
                          QGATE_LLM_PRICES); -1: unknown (no price for the model) */
  double cost_saved;  /* the same for tokens_saved; -1: unknown */
  bool estimated;     /* a dry run: the counts are estimates of what would be sent */
  size_t violations;  /* counted: at or above min_confidence */
  size_t unconfirmed; /* below it */
  char **skipped;     /* owned: one line each, what was left out and why */
  size_t nskipped;
  char **notes; /* owned: what the reply parser dropped or repaired */
  size_t nnotes;
} qg_review_outcome;

void qg_review_outcome_cleanup(qg_review_outcome *o);

/* The longest reason kept, in bytes. */
#define QG_REVIEW_REASON_MAX 511
/* Sets o->reason (freeing the one before) to the text, cut at QG_REVIEW_REASON_MAX bytes. */
void qg_review_set_reason(qg_review_outcome *o, const char *fmt, ...) QG_PRINTF(2, 3);

/* Everything one run needs. Borrowed pointers must outlive the call. */
typedef struct qg_review_run {
  const qg_review_config *cfg;
  const qg_ruleset *rules; /* the arch group's findings are emitted only when on */
  qg_secrets *redactor;    /* required: everything sent is redacted with it */
  const char *base;        /* the base revision; required */
  const char *repo_dir;    /* NULL: "." */
  FILE *dry_run;           /* non-NULL: write the requests here (redacted, keys masked)
                               instead of sending them */
  const char *head;        /* the change's head (qg_change_opts.head); NULL: HEAD */
} qg_review_run;

/* Runs the review: findings go to r (arch/violation, arch/unconfirmed, at the
 * changed files' lines), problems to r's diagnostics only when they are the
 * user's to fix (a bad config value); the outcome says what happened.
 * Returns QG_OK whenever an outcome was reached (a provider that is down
 * is an outcome, not an error); QG_EGIT when the change cannot be read;
 * QG_EUSAGE for a configuration that cannot work (no model, no key). In
 * both error cases out->reason says what. */
qg_status qg_review(const qg_review_run *run, qg_result *r, qg_review_outcome *out);

#endif
