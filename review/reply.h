/* reply.h: what a model answered, made safe. The reply is untrusted text:
 * JSON may come bare, inside ``` fences, after or before prose or a quoted
 * answer, cut off at the token limit, with wrong types or missing fields; the
 * paths, lines and sections it names may not exist in the change or the
 * documents. Everything valid is salvaged, what the change does not bear out
 * kept only as an unconfirmed note, everything else dropped, each with a note
 * saying what and why. */
#ifndef QG_REPLY_H
#define QG_REPLY_H

#include "core/qg.h"
#include "core/diff.h"

#include <stdbool.h>
#include <stdint.h>

/* The limits described below, for callers and tests. */
#define QG_REPLY_MAX_VIOLATIONS 200 /* violations kept from one reply */
#define QG_REPLY_MAX_TEXT 2000      /* bytes of a message, suggestion or reference */
#define QG_REPLY_MAX_QUOTE 240      /* bytes of a quote (whitespace collapsed) */
#define QG_REPLY_NEAR_LINES 3       /* lines apart within which two violations are one */
#define QG_REPLY_MAX_NOTES 100      /* notes listed; one more then counts the rest */
#define QG_REPLY_MAX_HEADINGS 2000  /* headings taken from the documents */

typedef struct qg_violation {
  qg_severity severity; /* from "critical|high|medium|low|info" in any case, or the words of
                           common review tools: blocker/blocking -> critical; major, error,
                           severe, serious, important -> high; minor, warning, warn,
                           moderate -> medium; nit, nitpick, trivial, suggestion, note,
                           optional, style -> low; missing -> medium */
  char *file;           /* owned: a path of the change (normalised: no "./", "a/" or "b/" prefix) */
  uint32_t line;        /* head-side line: an added line when confirmed; when unconfirmed, the
                           line claimed if the change shows it, else 0 (the file as a whole) */
  char *message;        /* owned, never NULL or empty */
  char *suggestion;     /* owned, or NULL */
  char *reference;      /* owned: the section cited, as the model wrote it, or NULL */
  char *section;        /* owned: the document heading the reference names (as written in the
                           document, without its '#'s), or NULL when not checked or unknown */
  char *quote;          /* owned: the model's quote of the offending code, white space
                           collapsed to single spaces and trimmed, at most QG_REPLY_MAX_QUOTE
                           bytes; NULL when it gave none */
  char *unconfirmed;    /* owned: why this is only a note, never a counted violation (its line
                           is not an added line of a file shown, its section is not one of the
                           documents'); NULL when confirmed */
  double confidence;    /* 0..1; missing -> 0.5 (below the default 0.8 threshold); a
                           percentage 1 < x <= 100 is divided by 100; the words very high,
                           high, certain, definite -> 0.9, medium, moderate, likely, probable
                           -> 0.7, low, possible, unlikely, uncertain -> 0.4; other values
                           drop it */
} qg_violation;

typedef struct qg_reply {
  qg_violation *v; /* owned */
  size_t n;
  char **notes; /* owned: one line each, what was dropped or repaired and why,
                       e.g. "violation 3: file \"src/x.go\" is not in the change, dropped" */
  size_t nnotes;
  bool parsed;    /* the reply was read as an answer: a JSON object with a "violations"
                     array (possibly repaired), a bare array of violations, or an object
                     without one whose verdict is a pass ({"result": "pass", ...}: no
                     violations). False (the chunk failed) for anything else, such as
                     {"result": "fail"} without violations, or no JSON at all */
  bool truncated; /* the JSON was cut off and repaired by closing it */
} qg_reply;

/* What one request showed the model, to check its answer against. Borrowed. */
typedef struct qg_reply_scope {
  const char *const *paths; /* the files whose hunks the request showed (paths of the change) */
  size_t npaths;
  const char *const *headings; /* the documents' headings (qg_reply_headings); none: references
                                  are not checked */
  size_t nheadings;
} qg_reply_scope;

/* Parses the model's text (len bytes, not necessarily NUL-terminated; capped
 * by the caller). Accepts {"violations": [...]} or a bare array of violations;
 * fields: severity, file (or "path"), line (number or numeric string; a
 * string "12-14" takes 12), quote, message, suggestion, reference (or
 * "section"), confidence. When the text holds several complete answers (a
 * reply that quotes the diff's {"violations": []} before its own), the last
 * is read, with a note; other arrays ({"checked": [...]}) are never read as
 * violations.
 *
 * When change is non-NULL, a file not in it, or that it does not show
 * (vendored, generated, deleted ...), or, with a scope, that this request did
 * not show, is dropped with a note (never counted). Each violation kept is
 * anchored: its quote (white space collapsed, case kept, a fragment of one
 * line) is looked for among the added lines of the file's patch; found, the
 * violation goes to the occurrence nearest the line claimed; with no quote, or
 * one not found, the line claimed stays when it is an added line; otherwise
 * (a context or removed line, a line outside the file, a file without hunks)
 * the violation is unconfirmed (qg_violation.unconfirmed), never moved to a
 * guessed line. With the scope's headings, a reference must name one of them
 * (compared case-insensitively, without '#'s, numbering such as "3.2",
 * quotes, backticks and punctuation; "ARCHITECTURE.md - Layers",
 * "ARCHITECTURE.md#layers" and "Layers > Data" forms are understood): one
 * that does not, or none, makes the violation unconfirmed. Every such
 * decision leaves a note.
 *
 * Messages and suggestions are capped at 2000 bytes and stripped of control
 * characters. Duplicates (same file, line and message) are merged. At most
 * 200 violations are kept. Never fails: an unusable reply gives n == 0,
 * parsed == false and a note. scope may be NULL. *out: qg_reply_cleanup. */
void qg_reply_parse(const char *text, size_t len, const qg_change *change,
                    const qg_reply_scope *scope, qg_reply *out);
void qg_reply_cleanup(qg_reply *r);

/* Moves the violations of from (another chunk's reply) into into, folding each
 * that duplicates one there: same file, lines at most QG_REPLY_NEAR_LINES
 * apart, and the same quote, or the same section (or reference) when the two
 * do not quote different code, or the same message. The one kept
 * takes the higher severity and confidence, and a confirmed one wins over an
 * unconfirmed one; a note in into->notes says so. from keeps its notes and is
 * left with no violations. Returns how many were folded. */
size_t qg_reply_merge(qg_reply *into, qg_reply *from);

/* The section headings of a Markdown text ("#" lines outside ``` fences, and
 * setext headings underlined with === or ---), without their '#'s, trimmed;
 * at most QG_REPLY_MAX_HEADINGS, each at most QG_REPLY_MAX_TEXT bytes. Appends
 * to *list (*n entries, owned by the caller: free each and the array). */
void qg_reply_headings(const char *md, size_t len, char ***list, size_t *n);

/* What tells two violations of one file and section apart for a fingerprint:
 * 16 hex digits of a hash of the quote, or of the message when there is no
 * quote. Never the line, so it stays when the code moves. */
void qg_violation_key(const qg_violation *v, char out[17]);

/* The JSON Schema (draft 2020-12 subset that OpenAI's strict structured output,
 * Anthropic's and Bedrock's tool input schemas all accept) of the answer the
 * prompt asks for: {"violations": [{file, line, quote, reference, severity,
 * confidence, message, suggestion}]}, every field required, no other
 * properties. Static; one line of JSON. */
const char *qg_reply_schema_json(void);

#endif
