/* reply.h: what a model answered, made safe. The reply is untrusted text:
 * JSON may come bare, inside ``` fences, after or before prose, cut off at
 * the token limit, with wrong types or missing fields; the paths and lines
 * it names may not exist in the change. Everything valid is salvaged,
 * everything else dropped with a note saying what and why. */
#ifndef QG_REPLY_H
#define QG_REPLY_H

#include "core/qg.h"
#include "core/diff.h"

#include <stdbool.h>
#include <stdint.h>

/* The limits described below, for callers and tests. */
#define QG_REPLY_MAX_VIOLATIONS 200 /* violations kept from one reply */
#define QG_REPLY_MAX_TEXT 2000      /* bytes of a message, suggestion or reference */
#define QG_REPLY_NEAR_LINES 3       /* how far a line is moved to the nearest shown one */
#define QG_REPLY_MAX_NOTES 100      /* notes listed; one more then counts the rest */

typedef struct qg_violation {
  qg_severity severity; /* from "critical|high|medium|low|info" in any case; "error" -> high,
                           "warning" -> medium, "note"/"minor" -> low; missing -> medium */
  char *file;           /* owned: a path of the change (normalised: no "./", "a/" or "b/" prefix) */
  uint32_t line;        /* HEAD-side line shown by the change's hunks; 0 = the file as a whole */
  char *message;        /* owned, never NULL or empty */
  char *suggestion;     /* owned, or NULL */
  char *reference;      /* owned: the ARCHITECTURE.md section cited, or NULL */
  double confidence;    /* 0..1; missing -> 0.5 (below the default 0.8 threshold); a
                           percentage 1 < x <= 100 is divided by 100; other values drop it */
} qg_violation;

typedef struct qg_reply {
  qg_violation *v; /* owned */
  size_t n;
  char **notes; /* owned: one line each, what was dropped or repaired and why,
                       e.g. "violation 3: file \"src/x.go\" is not in the change, dropped" */
  size_t nnotes;
  bool parsed;    /* a JSON object with a "violations" array was found (possibly repaired) */
  bool truncated; /* the JSON was cut off and repaired by closing it */
} qg_reply;

/* Parses the model's text (len bytes, not necessarily NUL-terminated; capped
 * by the caller). Accepts {"violations": [...]} or a bare array of violations;
 * fields: severity, file (or "path"), line (number or numeric string; a
 * string "12-14" takes 12), message, suggestion, reference (or "section"),
 * confidence. When change is non-NULL, a file not in it is dropped, and a
 * line not shown by its hunks is kept on line 0 with a note (the file still
 * counts) unless within 3 lines of a shown line, which it is moved to.
 * Messages and suggestions are capped at 2000 bytes and stripped of control
 * characters. Duplicates (same file, line and message) are merged. At most
 * 200 violations are kept. Never fails: an unusable reply gives n == 0,
 * parsed == false and a note. *out: qg_reply_cleanup. */
void qg_reply_parse(const char *text, size_t len, const qg_change *change, qg_reply *out);
void qg_reply_cleanup(qg_reply *r);

/* The JSON Schema (draft 2020-12 subset that OpenAI's strict structured output,
 * Anthropic's and Bedrock's tool input schemas all accept) of the answer the
 * prompt asks for: {"violations": [{file, line, quote, reference, severity,
 * confidence, message, suggestion}]}, every field required, no other
 * properties. Static; one line of JSON. */
const char *qg_reply_schema_json(void);

#endif
