/* fix.c: mechanical fixes as text edits that keep the file's indentation
 * and comments. */
#include "scanners/k8s/k8s.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static qg_fix *new_fix(const char *description, uint32_t line, uint32_t col, uint32_t end_line,
                       uint32_t end_col, char *text) {
  qg_fix *f = qg_xcalloc(1, sizeof(*f));
  f->description = qg_xstrdup(description);
  f->edits = qg_xcalloc(1, sizeof(qg_edit));
  f->edits[0] = (qg_edit){line, col, end_line, end_col, text};
  f->n = 1;
  return f;
}

/* Does the bare word s[0..n) read as a string in YAML and must it be quoted
 * in JSON (not true, false, null or a number)? */
static bool is_string_word(const char *s, size_t n) {
  if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
      (n == 4 && !memcmp(s, "null", 4)))
    return false;
  return !(n && ((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && n > 1)));
}

/* qgate's own flow text ("a: {b: [\"C\"]}, d: true") as JSON: bare words that
 * are keys or strings get double quotes. Caller frees. */
static char *json_flow(const char *flow) {
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const char *s = flow; *s;) {
    if (*s == '"') { /* a quoted string, as it is */
      const char *e = s + 1;
      while (*e && *e != '"')
        e += e[0] == '\\' && e[1] ? 2 : 1;
      e += *e == '"';
      (void)qg_buf_append(&b, s, (size_t)(e - s));
      s = e;
    } else if (strchr("{}[],: ", *s)) {
      (void)qg_buf_putc(&b, *s++);
    } else {
      size_t n = strcspn(s, "{}[],: \"");
      bool q = is_string_word(s, n);
      (void)qg_buf_printf(&b, q ? "\"%.*s\"" : "%.*s", (int)n, s);
      s += n;
    }
  }
  return qg_buf_detach(&b);
}

/* Should text added to flow mapping m be JSON? When its keys are quoted, or,
 * when it has none, in a document whose root is a flow collection (a JSON
 * file). */
static bool wants_json(const qg_ynode *m) {
  return m->u.map.n ? !m->u.map.pairs[0].key->plain : m->flow_doc;
}

/* qgate's flow text in the style of the keys of mapping `around`. Caller frees. */
static char *styled(const qg_ynode *around, const char *flow) {
  return wants_json(around) ? json_flow(flow) : qg_xstrdup(flow);
}

/* Replaces scalar n with text (taken). NULL, and text freed, where a person
 * decides: an anchored value is shared by its aliases (and its text holds
 * the anchor), and a value over several lines is left alone. */
static qg_fix *replace(const qg_ynode *n, char *text, const char *description) {
  if (!n || n->kind != QG_Y_SCALAR || n->end_line != n->line || n->anchored) {
    free(text);
    return NULL;
  }
  return new_fix(description, n->line, n->col, n->end_line, n->end_col, text);
}

qg_fix *qg_fix_replace(const qg_ynode *n, const char *text, const char *description) {
  /* a quoted value stays quoted (and a JSON file JSON) */
  bool quote = n && !n->plain && is_string_word(text, strlen(text));
  return replace(n, quote ? qg_xasprintf("\"%s\"", text) : qg_xstrdup(text), description);
}

/* Does mapping m have a key that the top-level lines of block ("key: ...",
 * unindented) set? Adding it again would make a duplicate key. */
static bool sets_existing_key(const qg_ynode *m, const char *block) {
  for (const char *s = block; *s;) {
    size_t n = strcspn(s, "\n");
    size_t k = strcspn(s, ":\n");
    if (k < n && s[0] != ' ') {
      char key[64];
      if (k < sizeof(key)) {
        memcpy(key, s, k);
        key[k] = '\0';
        if (qg_ymap_pair(m, key))
          return true;
      }
    }
    s += n + (s[n] == '\n');
  }
  return false;
}

/* qg_fix_add_to_map, with the flow text in the style of the keys of mapping
 * `around` (m itself, or for an empty m the mapping that holds it). */
static qg_fix *add_to_map(const qg_ynode *m, const qg_ynode *around, const char *block,
                          const char *flow, const char *description) {
  if (!m || m->kind != QG_Y_MAP || sets_existing_key(m, block))
    return NULL;
  if (m->flow) {
    /* before the closing brace (a pair in a flow sequence has none) */
    if (m->end_col < 2 || m->implicit)
      return NULL;
    char *t = styled(around, flow);
    char *text = qg_xasprintf("%s%s", !m->u.map.n ? "" : m->trailing_comma ? " " : ", ", t);
    free(t);
    return new_fix(description, m->end_line, m->end_col - 1, m->end_line, m->end_col - 1, text);
  }
  if (!m->u.map.n || m->shared_line)
    return NULL;
  /* a new line after the mapping's last line, at the mapping's indentation */
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const char *s = block; *s;) {
    size_t n = strcspn(s, "\n");
    (void)qg_buf_printf(&b, "%*s%.*s\n", (int)(m->col - 1), "", (int)n, s);
    s += n + (s[n] == '\n');
  }
  /* a block scalar ends at column 1 of the line after its content */
  uint32_t line = m->end_col == 1 ? m->end_line : m->end_line + 1;
  return new_fix(description, line, 1, line, 1, qg_buf_detach(&b));
}

qg_fix *qg_fix_add_to_map(const qg_ynode *m, const char *block, const char *flow,
                          const char *description) {
  return add_to_map(m, m, block, flow, description);
}

qg_fix *qg_fix_set_in_sc(const qg_ynode *owner, const qg_ynode *sc, const char *block,
                         const char *flow, const char *description) {
  if (sc) /* an empty {} has no keys to take the style from: its owner's */
    return add_to_map(sc, sc->kind == QG_Y_MAP && !sc->u.map.n && owner->flow ? owner : sc, block,
                      flow, description);
  /* a securityContext that is there but no mapping: adding one would make a
   * duplicate key, so a written null (null, ~) becomes a flow mapping and
   * anything else is left to a person */
  const qg_ynode *old = qg_ymap_get(owner, "securityContext");
  if (old) {
    if (!qg_ynode_is_null(old) || old->end_col <= old->col)
      return NULL;
    char *t = owner->flow ? styled(owner, flow) : qg_xstrdup(flow);
    char *text = qg_xasprintf("{%s}", t);
    free(t);
    return replace(old, text, description);
  }
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "securityContext:");
  for (const char *s = block; *s;) {
    size_t n = strcspn(s, "\n");
    (void)qg_buf_printf(&b, "\n  %.*s", (int)n, s);
    s += n + (s[n] == '\n');
  }
  char *wrapped_flow = qg_xasprintf("securityContext: {%s}", flow);
  qg_fix *fx = qg_fix_add_to_map(owner, b.data, wrapped_flow, description);
  free(wrapped_flow);
  qg_buf_cleanup(&b);
  return fx;
}

qg_fix *qg_fix_risky(qg_fix *fix, const char *caution) {
  if (fix) {
    fix->risky = true;
    free(fix->caution);
    fix->caution = qg_xstrdup(caution);
  }
  return fix;
}

qg_fix *qg_fix_unless_escalating(const qg_ynode *sc, qg_fix *fix) {
  bool refused = qg_ynode_bool(qg_ymap_get(sc, "privileged")) == 1;
  const qg_ynode *add = qg_ymap_path(sc, "capabilities.add");
  for (uint32_t j = 0; j < qg_yseq_len(add) && !refused; j++) {
    const char *v = qg_ynode_str(qg_yseq_at(add, j));
    v = v ? v : "";
    refused = strcasecmp(v, "SYS_ADMIN") == 0 || strcasecmp(v, "CAP_SYS_ADMIN") == 0;
  }
  if (!refused)
    return fix;
  qg_fix_free(fix);
  return NULL;
}

qg_fix *qg_fix_join(qg_fix *a, qg_fix *b) {
  if (!a || !b)
    return a ? a : b;
  a->edits = qg_xrealloc(a->edits, (a->n + b->n) * sizeof(qg_edit));
  memcpy(a->edits + a->n, b->edits, b->n * sizeof(qg_edit));
  a->n += b->n;
  b->n = 0;                  /* the texts are a's now */
  if (b->risky && !a->risky) /* risky if either part is */
    qg_fix_risky(a, b->caution ? b->caution : "");
  qg_fix_free(b);
  return a;
}

void qg_fix_attach(qg_finding *f, qg_fix *fix) {
  if (f && !f->fix)
    f->fix = fix;
  else
    qg_fix_free(fix);
}
