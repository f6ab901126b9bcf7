/* finding.h: the model every scanner feeds and every reporter reads.
 *
 * A finding is a rule violated at a place. A diagnostic is a problem of the
 * tool or its input (unparsable YAML, unreadable file) that is not a finding.
 * Both live in a qg_result, which owns all their memory. */
#ifndef QG_FINDING_H
#define QG_FINDING_H

#include "core/mem.h"

#include <stdbool.h>

struct qg_rule;

typedef struct qg_location {
  const char *path;           /* borrowed: interned in the result's pool; NULL = none */
  uint32_t line, col;         /* 1-based; 0 = unknown or whole file */
  uint32_t end_line, end_col; /* inclusive end; 0 = unknown (end of line) */
} qg_location;

/* Which Kubernetes object (or other unit) a finding belongs to. All strings
 * are borrowed from the result's pool; any may be NULL. */
typedef struct qg_context {
  const char *api_version, *kind, *namespace_, *name;
  const char *container; /* container name, when the finding is about one */
  const char *field;     /* logical path of the node, e.g.
                            spec.containers[app].securityContext.privileged */
} qg_context;

/* One text edit: replace [line:col, end_line:end_col) (1-based, columns in
 * characters, end exclusive; equal ends insert) with text. */
typedef struct qg_edit {
  uint32_t line, col, end_line, end_col;
  char *text; /* owned */
} qg_edit;

/* A mechanical fix: edits to the finding's file that keep its indentation
 * and comments. */
typedef struct qg_fix {
  char *description; /* owned, e.g. "Set allowPrivilegeEscalation: false" */
  qg_edit *edits;    /* owned */
  size_t n;
  /* A risky fix may stop the workload starting or working (a read-only root
   * filesystem, a non-root user, dropped capabilities): applied only at
   * --fix-level all, and said with its caution either way. */
  bool risky;
  char *caution; /* owned; what to check when a risky fix is applied, or NULL */
} qg_fix;

void qg_fix_free(qg_fix *fix);

typedef struct qg_finding {
  const struct qg_rule *rule; /* borrowed: points into the const registry */
  qg_severity severity;       /* the rule's default unless overridden */
  qg_location loc;
  qg_context ctx;
  char *message;  /* owned */
  uint32_t order; /* insertion order: keeps sorting stable */
  /* Suppressed findings stay in the result (JSON and SARIF show them as
   * suppressed) but do not count for the gate. Both borrowed from the pool. */
  const char *suppressed_by; /* "qgate.io/ignore", ".qgate.yml" ...; NULL = active */
  const char *justification; /* the reason given, or NULL */
  qg_fix *fix;               /* owned; NULL when there is no mechanical fix */
  bool in_base;              /* diff-aware mode: already present at the base revision
                                (reported, but does not count for the gate) */
} qg_finding;

typedef struct qg_findings {
  qg_finding *items; /* owned */
  size_t n, cap;
} qg_findings;

typedef enum qg_diag_level { QG_DIAG_NOTE, QG_DIAG_WARNING, QG_DIAG_ERROR } qg_diag_level;

typedef struct qg_diag {
  qg_diag_level level;
  qg_status status; /* the kind of problem: QG_EPARSE, QG_EIO, ... */
  qg_location loc;
  char *message; /* owned */
} qg_diag;

typedef struct qg_diags {
  qg_diag *items; /* owned */
  size_t n, cap;
} qg_diags;

/* Hears of each diagnostic the moment it is added to a result (qg_result_diag, the
 * summary of qg_result_uncap_diags, qg_result_merge): d as kept, borrowed for the
 * call; arg is the listener's own. A run's log streamed to a terminal. */
typedef void (*qg_diag_listener)(void *arg, const qg_diag *d);

typedef struct qg_stats {
  size_t files;     /* files read */
  size_t bytes;     /* bytes read */
  size_t documents; /* YAML documents parsed */
  size_t objects;   /* Kubernetes objects recognised */
  size_t pod_specs; /* pod specs checked */
  size_t skipped;   /* files skipped (binary, too big, templates) */
  size_t manifests; /* files read as YAML whose text has apiVersion and kind keys */
} qg_stats;

/* Objects a scanner keeps for checks that look across the whole input (the
 * Kubernetes scanner's index of objects, scanners/k8s/input.c): each is a
 * copy of a YAML tree, in an arena the list owns, so it outlives the
 * document it was read from. */
struct qg_ynode;
typedef struct qg_kept_obj {
  const char *path;            /* interned in the result's pool */
  const char *prefix;          /* "" or "items[3]." inside a List; interned */
  const struct qg_ynode *node; /* the copy, in the list's arena */
  bool mine;                   /* its findings are this run's (false: a file of another
                                  --shard, read only so references resolve) */
} qg_kept_obj;

typedef struct qg_kept {
  qg_kept_obj *items; /* owned */
  size_t n, cap;
  qg_arena *arena;  /* owned: the copies' memory, or NULL */
  size_t bytes;     /* copied so far (nodes and text) */
  size_t max_bytes; /* 0: no cap; else a merge past it drops what it would add */
  bool overflow;    /* an object was left out, over a cap */
} qg_kept;

/* The arena new copies go to (created on first use); owned by k. */
qg_arena *qg_kept_arena(qg_kept *k);

/* Everything one run produced. Initialise with qg_result_init, release with
 * qg_result_cleanup, which frees every finding, diagnostic and pooled string. */
typedef struct qg_result {
  qg_findings findings;
  qg_diags diags;
  qg_strpool pool;
  qg_stats stats;
  size_t max_findings; /* 0: no cap; else findings past it are counted in dropped, not kept */
  size_t dropped;
  struct qg_finding *overflow; /* owned: where a dropped finding is built (its caller may still
                                  set its fix or suppression), reused */
  size_t max_diags;            /* 0: no cap; else diagnostics past it are counted, not kept (see
                           qg_result_cap_diags) */
  size_t dropped_diags;        /* counted since the cap was set */
  qg_diag_level dropped_level; /* the highest level among them */
  qg_status dropped_status;    /* the first one's status at that level */
  qg_diag_listener listener;   /* NULL: none; called for each diagnostic kept (not for
                                  one counted past max_diags) */
  void *listener_arg;
  qg_kept kept; /* objects kept for input-wide checks; merged in order */
} qg_result;

/* Diagnostics kept per file (a file of a million duplicate keys must not
 * print a million lines); past it, one diagnostic says how many more. */
#define QG_MAX_DIAGS_PER_FILE 100u

void qg_result_init(qg_result *r);
void qg_result_cleanup(qg_result *r);

/* Interns s in the result's pool; borrowed, valid until cleanup. NULL -> NULL. */
const char *qg_result_intern(qg_result *r, const char *s);

/* Appends a finding; takes ownership of `message` (heap string). Context
 * strings are interned here, so the caller may pass any pointers. Returns the
 * new finding, borrowed and valid until the next finding is added. Past
 * max_findings the finding is counted in dropped and built in a scratch
 * place instead, so callers need not check. */
qg_finding *qg_result_add_finding(qg_result *r, const struct qg_rule *rule, qg_severity sev,
                                  const qg_location *loc, const qg_context *ctx, char *message);

/* Appends a diagnostic; loc->path is interned here. */
void qg_result_diag(qg_result *r, qg_diag_level level, qg_status status, const qg_location *loc,
                    const char *fmt, ...) QG_PRINTF(5, 6);

/* Caps the diagnostics added to r from now on at max more (one file's);
 * returns the cap it replaces, for qg_result_uncap_diags. */
size_t qg_result_cap_diags(qg_result *r, size_t max);
/* Ends the cap qg_result_cap_diags set and restores `saved`. When
 * diagnostics were dropped, adds one at loc (loc->path: the file), at the
 * highest level dropped and with the first such one's status: "N more
 * diagnostics in this file were not reported", so the file keeps its
 * outcome (an input error stays one). */
void qg_result_uncap_diags(qg_result *r, size_t saved, const qg_location *loc);

/* Moves everything src holds to the end of dst (strings are interned in
 * dst's pool, messages and fixes change owner, statistics add up) and
 * cleans src up. Insertion order is kept: src's findings follow dst's. */
void qg_result_merge(qg_result *dst, qg_result *src);
/* Copies src's kept objects to the end of dst's and cleans src up; the rest of
 * src (findings, diagnostics, counts) is dropped. */
void qg_result_take_kept(qg_result *dst, qg_result *src);

/* Sorts findings by path, line, column, rule id, then insertion order. */
void qg_result_sort(qg_result *r);
/* That order without its tie-break: path (none first), line, column, then
 * rule id; < 0, 0 or > 0. For what sorts findings kept elsewhere the same
 * way (qgate merge). */
int qg_finding_place_cmp(const qg_location *a, const char *rule_a, const qg_location *b,
                         const char *rule_b);

/* Stable fingerprint of a finding that does not depend on line numbers:
 * rule, path, object, container and field. Writes 16 hex digits + NUL. */
void qg_finding_fingerprint(const qg_finding *f, char out[17]);

/* Marks f suppressed; the strings are interned. */
void qg_finding_suppress(qg_result *r, qg_finding *f, const char *by, const char *justification);

/* Count of active findings (not suppressed, not in the base) at each
 * severity; returns the number of suppressed ones. */
size_t qg_result_counts(const qg_result *r, size_t counts[QG__SEV_COUNT]);

#endif
