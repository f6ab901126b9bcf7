/* yamldoc.h: YAML (and JSON) documents as node trees with 1-based positions.
 *
 * Built on libyaml's event parser. Documents are streamed: the loader calls
 * back once per document and the document's memory is reused after the
 * callback returns, so a 100 MB multi-document file never sits in memory as a
 * tree. Aliases share their target node (nothing is copied), merge keys (<<)
 * are resolved when their mapping closes, and the cost of alias expansion is
 * capped so an alias bomb is an input error, not a hang. */
#ifndef QG_YAMLDOC_H
#define QG_YAMLDOC_H

#include "core/mem.h"
#include "core/qg.h"

#include <stdbool.h>

typedef enum qg_ykind { QG_Y_SCALAR, QG_Y_SEQ, QG_Y_MAP } qg_ykind;

typedef struct qg_ynode qg_ynode;
typedef struct qg_ypair {
  const qg_ynode *key, *value;
} qg_ypair;

struct qg_ynode {
  uint8_t kind;               /* qg_ykind */
  uint8_t plain;              /* scalar written without quotes or block style */
  uint8_t flow;               /* collection written in flow style ({} or []) */
  uint8_t anchored;           /* carries an anchor (&name): aliases elsewhere share it */
  uint8_t shared_line;        /* block collection: the "\n"-line it starts or ends on holds more
                          of the text, past a lone CR, NEL or LS/PS (YAML 1.1 line breaks
                          that qgate's line numbers do not count) */
  uint8_t trailing_comma;     /* flow collection: a ',' after its last entry ({a: 1,}) */
  uint8_t implicit;           /* flow mapping of one pair in a flow sequence, without braces
                             ([a: 1]) */
  uint8_t flow_doc;           /* its document's root is a flow collection (a JSON file, mostly):
                             a fix into an empty flow mapping there is written as JSON */
  uint32_t line, col;         /* 1-based start (a block mapping: of its first key) */
  uint32_t end_line, end_col; /* 1-based, exclusive end column */
  uint32_t weight;            /* nodes in this subtree, aliases expanded (saturating) */
  const char *tag;            /* explicit tag, or NULL */
  union {
    struct {
      const char *str; /* NUL-terminated */
      uint32_t len;
    } s;
    struct {
      const qg_ynode **items;
      uint32_t n;
    } seq;
    struct {
      const qg_ypair *pairs; /* merge keys already applied, no duplicates */
      uint32_t n;
    } map;
  } u;
};

/* Caps; zero fields take the defaults below. */
typedef struct qg_yaml_limits {
  uint32_t max_depth;   /* nesting of collections (default 256) */
  uint32_t alias_floor; /* expansions always allowed (default 100000) */
  uint32_t alias_ratio; /* ... or this many times the real node count (default 10) */
  uint32_t max_docs;    /* documents in one stream, empty ones too (default 100000) */
  uint32_t max_nodes;   /* nodes in one document, aliases not expanded (default 5000000:
                                 a document's tree takes about 85 bytes a node, so ~425 MB) */
} qg_yaml_limits;

#define QG_YAML_DEFAULT_DEPTH 256u
#define QG_YAML_DEFAULT_ALIAS_FLOOR 100000u
#define QG_YAML_DEFAULT_ALIAS_RATIO 10u
#define QG_YAML_DEFAULT_DOCS 100000u
#define QG_YAML_DEFAULT_NODES 5000000u

/* Where and what went wrong when loading stops. */
typedef struct qg_yaml_error {
  uint32_t line, col; /* 1-based */
  char message[256];
  bool cap; /* past one of the limits (depth, aliases), not a syntax error */
} qg_yaml_error;

/* Called for each document. `root` is borrowed and valid only during the
 * call. Return QG_OK to go on; anything else stops loading and is returned. */
typedef qg_status (*qg_ydoc_fn)(void *ud, const qg_ynode *root, unsigned doc_index);
/* Called for problems that do not stop loading (duplicate keys). */
typedef void (*qg_ywarn_fn)(void *ud, uint32_t line, uint32_t col, const char *msg);

typedef struct qg_yaml_opts {
  qg_yaml_limits limits;
  qg_ydoc_fn on_doc;
  qg_ywarn_fn on_warn; /* may be NULL */
  void *ud;
  /* A mapping keeps every pair of a duplicated key, in the order written, instead
   * of the last one alone (on_warn is still called); qg_ymap_get finds the last.
   * For a reader that must see every value (the secrets scanner). */
  bool keep_dups;
  /* On a syntax error libyaml reports inside a document, that document is still
   * delivered (on_doc) as far as it was read: the collections open at the error
   * are closed there, a key without its value is left out. The error is returned
   * as without it. */
  bool partial;
} qg_yaml_opts;

/* Parses buf[0..len) (UTF-8, UTF-16 with BOM, or JSON) and calls on_doc for
 * every document. Returns QG_OK; QG_EPARSE with *err filled when the input is
 * malformed or over the depth or alias cap; QG_ETOOBIG with *err filled (at
 * the first document left out) when it holds more than max_docs documents;
 * documents before the error have been delivered. Or whatever on_doc returned. */
qg_status qg_yaml_load(const unsigned char *buf, size_t len, const qg_yaml_opts *opts,
                       qg_yaml_error *err);

/* ---- reading nodes: every accessor accepts NULL ------------------------- */

/* The value of key in a mapping; NULL when n is not a mapping or lacks it. Of a
 * key kept twice (qg_yaml_opts.keep_dups), the last, as without keep_dups. */
const qg_ynode *qg_ymap_get(const qg_ynode *n, const char *key);
/* The pair for key (to reach the key's position); NULL when absent. */
const qg_ypair *qg_ymap_pair(const qg_ynode *n, const char *key);
/* Follows a dotted path of mapping keys, e.g. "spec.template.spec". */
const qg_ynode *qg_ymap_path(const qg_ynode *n, const char *dotted);

/* True for an absent node and for null scalars (~, null, empty, !!null). */
bool qg_ynode_is_null(const qg_ynode *n);
/* Scalar text (any style), or NULL when n is not a non-null scalar. */
const char *qg_ynode_str(const qg_ynode *n);
/* YAML 1.1 booleans as Kubernetes decodes them (yes/on/true/y ...).
 * Returns 1 or 0, or -1 when n is not a boolean. */
int qg_ynode_bool(const qg_ynode *n);
/* YAML 1.1 integers (decimal, 0x, 0o, 0b, leading-0 octal, underscores).
 * Returns true and sets *out when n is an integer. */
bool qg_ynode_int(const qg_ynode *n, long long *out);
/* True when n is a scalar whose text equals s. */
bool qg_ynode_eq(const qg_ynode *n, const char *s);

/* Number of items in a sequence (0 for anything else) and item i. */
uint32_t qg_yseq_len(const qg_ynode *n);
const qg_ynode *qg_yseq_at(const qg_ynode *n, uint32_t i);

/* A deep copy of n in arena a (strings and tags too; a node shared by aliases
 * is copied at each place), for a tree that must outlive its document. Adds the
 * bytes taken to *bytes when it is not NULL. */
const qg_ynode *qg_ynode_copy(qg_arena *a, const qg_ynode *n, size_t *bytes);

/* libyaml's version string; static. */
const char *qg_yaml_version(void);

#endif
