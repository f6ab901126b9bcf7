/* secrets.c: the secret detection engine and redaction. */
#include "scanners/secrets/secrets.h"
#include "core/regex.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_GENERIC 1u
#define SECRET_YAML 2u
#define SECRET_NEAR 4u
#define SECRET_LINE 8u

typedef struct sdef {
  const char *id, *keywords, *pattern;
  int group;
  double min_entropy;
  unsigned flags;
} sdef;

static const sdef k_defs[] = {
#define QG_SECRET(id_, name_, sev_, flags_, title_, help_, rem_, kw_, re_, group_, ent_, al_)      \
  {id_, kw_, re_, group_, ent_, flags_},
#include "rules/secrets.def"
#undef QG_SECRET
};

typedef struct srule {
  const qg_rule *rule;
  const sdef *def;
  qg_regex *re;
  bool windowed; /* a single-line pattern: run only on the lines around keyword hits */
  bool own_line; /* and only on the keyword's own line (SECRET_LINE) */
  bool assign;   /* secrets/generic-credential: the name is judged too (assignment_ok) */
} srule;

struct known {
  char *v;
  size_t len;
};

struct qg_secrets {
  const qg_ruleset *rs;
  sdef *custom_defs; /* owned: the custom rules' parameters */
  srule *rules;      /* pattern rules in evaluation order: specific first, generic last */
  size_t n;
  const qg_rule *k8s_literal, *env_credential; /* YAML-aware rules, NULL when off */
  /* Aho-Corasick over the rules' keywords, case-insensitive. Bytes are
   * mapped to classes (0 = a byte no keyword holds; a letter's two cases
   * share one), so the table is nstates * nclasses and stays in cache. Its
   * entries are row offsets (state * nclasses), and the states where a
   * keyword ends are numbered last: one compare tells whether a byte ended
   * any keyword. */
  unsigned char cls[256];
  size_t nclasses;
  uint32_t *delta;    /* nstates * nclasses row offsets */
  uint32_t first_out; /* row offset of the first state with output */
  uint64_t *out;      /* nstates * words: the rules whose keyword ends here */
  uint64_t *always;   /* words: rules without keywords */
  size_t nstates, words;
  size_t maxkw; /* the longest keyword */
  /* qg_redact: values masked wherever they occur (qg_secrets_add_known) */
  struct known *known; /* owned, and each value */
  size_t nknown, capknown;
};

/* ---- helpers ------------------------------------------------------------------- */

double qg_entropy(const char *s, size_t len) {
  if (!len)
    return 0;
  size_t counts[256] = {0};
  for (size_t i = 0; i < len; i++)
    counts[(unsigned char)s[i]]++;
  double h = 0;
  for (size_t i = 0; i < len; i++) { /* each distinct byte once: the string is short */
    unsigned char c = (unsigned char)s[i];
    if (!counts[c])
      continue;
    double p = (double)counts[c] / (double)len;
    h -= p * log2(p);
    counts[c] = 0;
  }
  return h;
}

char *qg_secret_mask(const char *secret, size_t len) {
  size_t keep = len >= 20 ? 4 : len >= 8 ? 2 : 0;
  char prefix[5] = {0};
  for (size_t i = 0; i < keep; i++)
    prefix[i] = isprint((unsigned char)secret[i]) && secret[i] != '"' && secret[i] != '\\'
                    ? secret[i]
                    : '?';
  return qg_xasprintf("%s****\xe2\x80\xa6(%zu chars)", prefix, len);
}

/* Does buf hold w? */
/* The first occurrence of w (wl bytes) in buf, or NULL. */
static const char *find_sub(const char *buf, size_t len, const char *w, size_t wl) {
  for (const char *p = buf, *end = buf + len; (size_t)(end - p) >= wl;) {
    p = memchr(p, w[0], (size_t)(end - p) - wl + 1);
    if (!p)
      return NULL;
    if (memcmp(p, w, wl) == 0)
      return p;
    p++;
  }
  return NULL;
}

static bool holds(const char *buf, size_t len, const char *w) {
  return find_sub(buf, len, w, strlen(w)) != NULL;
}

/* Does s hold needle (lower case), ignoring case? */
static bool contains_ci(const char *s, size_t len, const char *needle) {
  size_t nl = strlen(needle);
  for (size_t i = 0; i + nl <= len; i++) {
    size_t k = 0;
    while (k < nl && tolower((unsigned char)s[i + k]) == needle[k])
      k++;
    if (k == nl)
      return true;
  }
  return false;
}

static bool all_of(const char *s, size_t len, const char *set) {
  uint64_t in[4] = {0};
  for (const unsigned char *c = (const unsigned char *)set; *c; c++)
    in[*c >> 6] |= 1ull << (*c & 63);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(in[c >> 6] >> (c & 63) & 1))
      return false;
  }
  return len > 0;
}

static bool is_uuid(const char *s, size_t len) {
  if (len != 36)
    return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
      return false;
  }
  return true;
}

static bool url_without_credentials(const char *s, size_t len) {
  for (size_t i = 0; i + 3 <= len; i++)
    if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
      return memchr(s + i, '@', len - i) == NULL;
  return false;
}

/* The common words of made-up passwords, by first letter, longest first. */
static const char *const k_made_up_a[] = {"admin", "abc", "api", "app", NULL};
static const char *const k_made_up_b[] = {"bar", "baz", NULL};
static const char *const k_made_up_d[] = {"default", "demo", "dev", "db", NULL};
static const char *const k_made_up_f[] = {"foo", NULL};
static const char *const k_made_up_k[] = {"key", NULL};
static const char *const k_made_up_l[] = {"letmein", "local", "login", NULL};
static const char *const k_made_up_m[] = {"my", NULL};
static const char *const k_made_up_n[] = {"name", NULL};
static const char *const k_made_up_p[] = {
    "p@ssw0rd", "p@ssword", "passw0rd", "password", "passwort", "passwd", "pass", "pwd", NULL};
static const char *const k_made_up_q[] = {"qwerty", NULL};
static const char *const k_made_up_r[] = {"root", NULL};
static const char *const k_made_up_s[] = {"secret", "super", "some", NULL};
static const char *const k_made_up_t[] = {"testing", "token", "test", NULL};
static const char *const k_made_up_u[] = {"username", "user", NULL};
static const char *const k_made_up_w[] = {"welcome", NULL};
static const char *const k_made_up_y[] = {"your", NULL};

static const char *const *made_up_words(char c) {
  switch (c) {
  case 'a':
    return k_made_up_a;
  case 'b':
    return k_made_up_b;
  case 'd':
    return k_made_up_d;
  case 'f':
    return k_made_up_f;
  case 'k':
    return k_made_up_k;
  case 'l':
    return k_made_up_l;
  case 'm':
    return k_made_up_m;
  case 'n':
    return k_made_up_n;
  case 'p':
    return k_made_up_p;
  case 'q':
    return k_made_up_q;
  case 'r':
    return k_made_up_r;
  case 's':
    return k_made_up_s;
  case 't':
    return k_made_up_t;
  case 'u':
    return k_made_up_u;
  case 'w':
    return k_made_up_w;
  case 'y':
    return k_made_up_y;
  default:
    return NULL;
  }
}

/* Is s[0..len) (lower case) one of the common words of made-up passwords, with
 * nothing left but separators and a count from 0 or 1 ("test123", "MySecret!",
 * "super_secret_password1")? A real password that merely holds such a word has
 * something else in it ("mySecret789" keeps "789"). */
static bool trivial_words(const char *low, size_t len) {
  char rest[16];
  size_t n = 0;
  for (size_t i = 0; i < len && n < sizeof(rest) - 1;) {
    bool word = false;
    for (const char *const *w = made_up_words(low[i]); w && *w && !word; w++) {
      size_t wl = strlen(*w);
      if (wl <= len - i && memcmp(low + i, *w, wl) == 0) {
        i += wl;
        word = true;
      }
    }
    if (word)
      continue;
    if (low[i] == '%' && i + 2 < len && isxdigit((unsigned char)low[i + 1]) &&
        isxdigit((unsigned char)low[i + 2]))
      i += 2; /* %3D: an escaped separator */
    else if (!strchr("_-.:=!@#$%*+ ", low[i]))
      rest[n++] = low[i];
    i++;
  }
  if (n == sizeof(rest) - 1)
    return false;
  if (n <= 1)
    return n == 0 || len > 4;
  rest[n] = '\0';
  return strncmp("1234567890", rest, n) == 0 || strncmp("0123456789", rest, n) == 0 ||
         (n <= 4 && all_of(rest, n, "0123456789") && rest[0] == '2' && rest[1] == '0');
}

/* Letters or digits one step apart all along (abcdefgh, 12345678, 98765432), or
 * a pattern of at most four characters repeated (abcabcabc, 12121212). */
static bool sequential(const char *s, size_t len) {
  if (len < 6)
    return false;
  int step = tolower((unsigned char)s[1]) - tolower((unsigned char)s[0]);
  bool seq = step == 1 || step == -1;
  for (size_t i = 2; i < len && seq; i++)
    seq = tolower((unsigned char)s[i]) - tolower((unsigned char)s[i - 1]) == step;
  if (seq)
    return true;
  for (size_t p = 1; p <= 4; p++) {
    size_t i = p;
    while (i < len && s[i] == s[i - p])
      i++;
    if (i == len)
      return true;
  }
  return false;
}

/* The checks of qg_secret_is_placeholder; ids: hashes, UUIDs and plain numbers may be
 * credentials (the name said so) */
static bool placeholder(const char *s, size_t len, bool generic, bool ids) {
  static const char *const words[] = {
      "example",  "changeme",     "change_me", "change-me", "placeholder",
      "your_",    "your-",        "yourkey",   "xxxx",      "dummy",
      "sample",   "fake",         "redacted",  "****",      "todo",
      "replace",  "insert",       "notreal",   "not-real",  "not-a-real",
      "notareal", "secretkeyref", "valuefrom", "...",       NULL};
  if (!len)
    return true;
  if (s[0] == '<' || s[len - 1] == '>')
    return true; /* <your-token> */
  /* the words are looked for in a lower-case copy (secrets are short) */
  char low[1024];
  bool in[256] = {false}; /* the bytes of the lower-case copy: a word's first must be there */
  if (len <= sizeof(low)) {
    for (size_t i = 0; i < len; i++) {
      low[i] = (char)tolower((unsigned char)s[i]);
      in[(unsigned char)low[i]] = true;
    }
  } else {
    memset(in, true, sizeof(in));
  }
  const char *t = len <= sizeof(low) ? low : NULL;
#define HAS(w) (in[(unsigned char)(w)[0]] && (t ? holds(t, len, w) : contains_ci(s, len, w)))
  if (s[0] == '$' || HAS("${") || HAS("$(") || HAS("{{") || HAS("%{") || HAS("#{"))
    return true; /* $VAR, ${VAR}, $(VAR), {{ .Values.x }}, %{x}, #{x}; a '$' inside is a character */
  /* the jwt.io example token's payload ({"sub":"1234567890","name":"John Doe",...}) */
  if (HAS("eyjzdwiioiixmjm0nty3odkwiiwibmftzsi6ikpvag4grg9lii"))
    return true;
  for (const char *const *w = words; *w; w++)
    if (HAS(*w))
      return true;
#undef HAS
  /* one or two distinct characters: 00000000, abababab */
  int distinct = 0;
  bool seen[256] = {false};
  for (size_t i = 0; i < len && distinct < 3; i++)
    if (!seen[(unsigned char)s[i]]) {
      seen[(unsigned char)s[i]] = true;
      distinct++;
    }
  if (distinct < 3)
    return true;
  if (!generic)
    return false;
  /* free-form assignments: values that are not credentials */
  if (sequential(s, len) || (t && trivial_words(t, len)))
    return true;
  if (!ids && is_uuid(s, len))
    return true;
  if (!ids && (len == 32 || len == 40 || len == 64 || len == 128) &&
      all_of(s, len, "0123456789abcdef"))
    return true; /* a hash (md5, sha1, sha256, sha512) */
  if (all_of(s, len, "0123456789.-_:") && (!ids || !all_of(s, len, "0123456789")))
    return true; /* numbers, versions, ports */
  if (s[0] == '/' || (len > 1 && s[0] == '.' && s[1] == '/') || url_without_credentials(s, len))
    return true; /* a path, or a URL that carries no credentials */
  /* identifiers and references: getPassword, settings.db_password, os.environ */
  bool ident = true, digit = false;
  for (size_t i = 0; i < len && ident; i++) {
    unsigned char c = (unsigned char)s[i];
    digit |= isdigit(c) != 0;
    ident = isalnum(c) || c == '_' || c == '.' || c == '-';
  }
  if (ident && !digit)
    return true;
  if (ident && memchr(s, '.', len) && isalpha((unsigned char)s[0])) {
    /* a dotted reference such as config.db.pass2 or X25519.secret_length: each part a
     * name, digits only at its end or after its first letter; eak6.J27vQ is no name */
    bool ref = true, word = false;
    for (size_t i = 0; i < len && ref;) {
      size_t j = i;
      while (j < len && s[j] != '.')
        j++;
      size_t k = i;
      while (k < j && !isdigit((unsigned char)s[k]))
        k++;
      ref = j > i && isalpha((unsigned char)s[i]);
      size_t run = 0, best = 0; /* the longest run of lower-case letters: a word */
      for (size_t q = i; q < j; q++) {
        run = islower((unsigned char)s[q]) ? run + 1 : 0;
        best = run > best ? run : best;
      }
      if (ref && k < j && !all_of(s + k, j - k, "0123456789"))
        ref = best >= 4; /* digits inside: a name still when it holds a word (Ed25519PrivateKey) */
      word |= k - i >= 4 || best >= 4;
      i = j + 1;
    }
    if (ref && word)
      return true;
  }
  return false;
}

bool qg_secret_is_placeholder(const char *s, size_t len, bool generic) {
  return placeholder(s, len, generic, false);
}

/* ---- Aho-Corasick ------------------------------------------------------------------ */

static void ac_build(qg_secrets *s) {
  s->words = (s->n + 63) / 64 + 1;
  s->always = qg_xcalloc(s->words, sizeof(uint64_t));
  /* the byte classes first, so that the tables below are states * classes
   * (not states * 256: that was most of the start-up's memory traffic) */
  memset(s->cls, 0, sizeof(s->cls));
  size_t cap = 1, k = 1;
  for (size_t r = 0; r < s->n; r++)
    for (const char *kw = s->rules[r].def->keywords; *kw; kw++) {
      unsigned char c = (unsigned char)tolower((unsigned char)*kw);
      cap += c != '|';
      if (c != '|' && !s->cls[c]) {
        s->cls[c] = (unsigned char)k;
        s->cls[toupper(c)] = (unsigned char)k; /* the same byte for non-letters */
        k++;
      }
    }
  uint32_t *go = qg_xcalloc(cap * k, sizeof(uint32_t)); /* 0 = none (state 0 is the root) */
  uint64_t *out = qg_xcalloc(cap * s->words, sizeof(uint64_t));
  size_t n = 1;
  for (size_t r = 0; r < s->n; r++) {
    const char *kw = s->rules[r].def->keywords;
    if (!*kw) {
      s->always[r / 64] |= 1ull << (r % 64);
      continue;
    }
    while (*kw) {
      size_t len = strcspn(kw, "|");
      if (len > s->maxkw)
        s->maxkw = len;
      uint32_t st = 0;
      for (size_t i = 0; i < len; i++) {
        size_t c = s->cls[(unsigned char)kw[i]];
        if (!go[st * k + c])
          go[st * k + c] = (uint32_t)n++;
        st = go[st * k + c];
      }
      if (len)
        out[st * s->words + r / 64] |= 1ull << (r % 64);
      kw += len + (kw[len] == '|');
    }
  }
  /* breadth-first: failure links folded into a complete transition table
   * (class 0, a byte no keyword holds, always leads to the root) */
  uint32_t *fail = qg_xcalloc(n, sizeof(uint32_t));
  uint32_t *queue = qg_xcalloc(n, sizeof(uint32_t));
  uint32_t *delta = qg_xcalloc(n * k, sizeof(uint32_t));
  size_t qh = 0, qt = 0;
  for (size_t c = 1; c < k; c++) {
    uint32_t t = go[c];
    delta[c] = t;
    if (t)
      queue[qt++] = t;
  }
  while (qh < qt) {
    uint32_t st = queue[qh++];
    for (size_t w = 0; w < s->words; w++)
      out[st * s->words + w] |= out[fail[st] * s->words + w];
    for (size_t c = 1; c < k; c++) {
      uint32_t t = go[st * k + c];
      if (t) {
        fail[t] = delta[fail[st] * k + c];
        delta[st * k + c] = t;
        queue[qt++] = t;
      } else {
        delta[st * k + c] = delta[fail[st] * k + c];
      }
    }
  }
  /* renumber: states without output first (the root stays 0), then those
   * with output; fail and queue are reused as the maps */
  uint32_t *to_new = fail, *to_old = queue;
  size_t m = 0;
  for (int with_out = 0; with_out < 2; with_out++)
    for (size_t st = 0; st < n; st++) {
      bool any = false;
      for (size_t w = 0; w < s->words; w++)
        any |= out[st * s->words + w] != 0;
      if (any == (with_out == 1)) {
        to_new[st] = (uint32_t)m;
        to_old[m++] = (uint32_t)st;
      }
    }
  s->nclasses = k;
  s->nstates = n;
  s->delta = qg_xcalloc(n * k, sizeof(uint32_t));
  s->out = qg_xcalloc(n * s->words, sizeof(uint64_t));
  s->first_out = (uint32_t)(n * k);
  for (size_t ns = 0; ns < n; ns++) {
    size_t old = to_old[ns];
    bool any = false;
    for (size_t w = 0; w < s->words; w++) {
      s->out[ns * s->words + w] = out[old * s->words + w];
      any |= out[old * s->words + w] != 0;
    }
    if (any && s->first_out == n * k)
      s->first_out = (uint32_t)(ns * k);
    for (size_t c = 1; c < k; c++)
      s->delta[ns * k + c] = to_new[delta[old * k + c]] * (uint32_t)k;
  }
  free(go);
  free(out);
  free(fail);
  free(queue);
  free(delta);
}

/* Where a windowed rule's regex runs: merged line ranges around its
 * keyword hits. */
typedef struct span {
  size_t start, end;
} span;

typedef struct windows {
  span *w;
  size_t n, cap, last_end;
} windows;

/* The line holding offset i, its newline included. */
static span line_around(const char *buf, size_t len, size_t i) {
  size_t a = i;
  while (a > 0 && buf[a - 1] != '\n')
    a--;
  const char *nl = memchr(buf + i, '\n', len - i);
  return (span){a, nl ? (size_t)(nl - buf) + 1 : len};
}

/* From one line before the line holding offset i to one line after it. */
static span window_around(const char *buf, size_t len, size_t i) {
  size_t a = i;
  while (a > 0 && buf[a - 1] != '\n')
    a--; /* the start of this line */
  if (a > 0) {
    a--;
    while (a > 0 && buf[a - 1] != '\n')
      a--; /* the start of the line before */
  }
  const char *nl = memchr(buf + i, '\n', len - i);
  size_t b = nl ? (size_t)(nl - buf) + 1 : len; /* the end of this line */
  if (b < len) {
    nl = memchr(buf + b, '\n', len - b);
    b = nl ? (size_t)(nl - buf) + 1 : len; /* the end of the line after */
  }
  return (span){a, b};
}

/* A keyword ending at offset i in the state at row offset `row`. */
typedef struct ac_event {
  size_t i;
  uint32_t row;
} ac_event;

typedef struct ac_events {
  ac_event *e;
  size_t n, cap;
} ac_events;

static void ac_record(ac_events *ev, size_t i, uint32_t row) {
  qg_grow((void **)&ev->e, &ev->cap, ev->n + 1, sizeof(ac_event));
  ev->e[ev->n++] = (ac_event){i, row};
}

/* Independent runs of the automaton over consecutive stretches of a buffer,
 * stepped together so that their table lookups overlap (one run is bound by
 * the latency of each lookup). Each stretch starts maxkw - 1 bytes early, to
 * see the keywords that cross into it, and records only what ends inside it. */
#define AC_LANES 4

static void ac_run(const qg_secrets *s, const char *buf, size_t len, ac_events ev[AC_LANES]) {
  const uint32_t *delta = s->delta, first_out = s->first_out;
  const unsigned char *cls = s->cls;
  const unsigned char *u = (const unsigned char *)buf;
  size_t lanes = len >= 4096 ? AC_LANES : 1;
  size_t from[AC_LANES], pos[AC_LANES], end[AC_LANES];
  uint32_t row[AC_LANES] = {0};
  for (size_t l = 0; l < lanes; l++) {
    from[l] = len / lanes * l;
    end[l] = l + 1 == lanes ? len : len / lanes * (l + 1);
    pos[l] = from[l] > s->maxkw ? from[l] - s->maxkw : 0;
  }
  if (lanes == AC_LANES) {
    size_t steps = end[0] - pos[0]; /* the shortest stretch */
    for (size_t l = 1; l < lanes; l++)
      if (end[l] - pos[l] < steps)
        steps = end[l] - pos[l];
    const unsigned char *p0 = u + pos[0], *p1 = u + pos[1], *p2 = u + pos[2], *p3 = u + pos[3];
    uint32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    for (size_t t = 0; t < steps; t++) {
      r0 = delta[r0 + cls[p0[t]]];
      r1 = delta[r1 + cls[p1[t]]];
      r2 = delta[r2 + cls[p2[t]]];
      r3 = delta[r3 + cls[p3[t]]];
      if (r0 < first_out && r1 < first_out && r2 < first_out && r3 < first_out)
        continue;
      uint32_t rr[AC_LANES] = {r0, r1, r2, r3};
      for (size_t l = 0; l < AC_LANES; l++)
        if (rr[l] >= first_out && pos[l] + t >= from[l])
          ac_record(&ev[l], pos[l] + t, rr[l]);
    }
    row[0] = r0, row[1] = r1, row[2] = r2, row[3] = r3;
    for (size_t l = 0; l < lanes; l++)
      pos[l] += steps;
  }
  for (size_t l = 0; l < lanes; l++) /* what is left of each stretch */
    for (uint32_t r = row[l]; pos[l] < end[l]; pos[l]++) {
      r = delta[r + cls[u[pos[l]]]];
      if (r >= first_out && pos[l] >= from[l])
        ac_record(&ev[l], pos[l], r);
    }
}

/* The rules whose keywords occur in buf (bitset of s->words words), and for
 * windowed rules the windows where their regexes must run. */
static void ac_candidates(const qg_secrets *s, const char *buf, size_t len, uint64_t *cand,
                          windows *win) {
  memcpy(cand, s->always, s->words * sizeof(uint64_t));
  ac_events ev[AC_LANES] = {{0}};
  ac_run(s, buf, len, ev);
  for (size_t l = 0; l < AC_LANES; l++) {
    for (size_t k = 0; k < ev[l].n; k++) {
      size_t i = ev[l].e[k].i;
      const uint64_t *o = &s->out[ev[l].e[k].row / s->nclasses * s->words];
      for (size_t w = 0; w < s->words; w++) {
        uint64_t bits = o[w];
        cand[w] |= bits;
        while (bits) {
          size_t r = w * 64 + (size_t)__builtin_ctzll(bits);
          bits &= bits - 1;
          if (r >= s->n || !s->rules[r].windowed || i < win[r].last_end)
            continue;
          span sp = s->rules[r].own_line ? line_around(buf, len, i) : window_around(buf, len, i);
          windows *wr = &win[r];
          if (wr->n && sp.start <= wr->w[wr->n - 1].end) {
            wr->w[wr->n - 1].end = sp.end; /* merge with the previous window */
          } else {
            qg_grow((void **)&wr->w, &wr->cap, wr->n + 1, sizeof(span));
            wr->w[wr->n++] = sp;
          }
          wr->last_end = sp.end;
        }
      }
    }
    free(ev[l].e);
  }
}

/* ---- the engine ---------------------------------------------------------------------- */

/* Can a match of this pattern only lie on the line of one of its keywords
 * (so the regex may run on those lines alone)? Not when it can cross a
 * newline (\s outside a negated class, \n, \R, \v, (?s), \G) or has no
 * keywords. */
static bool single_line(const sdef *d) {
  if (!*d->keywords)
    return false;
  if (d->flags & (SECRET_NEAR | SECRET_LINE))
    return true;
  const char *p = d->pattern;
  static const char *const crossing[] = {"\\n", "\\R", "\\v", "(?s", "\\G", "\\r", NULL};
  for (const char *const *c = crossing; *c; c++)
    if (strstr(p, *c))
      return false;
  for (const char *q = p; (q = strstr(q, "\\s")) != NULL; q += 2)
    if (!(q - p >= 2 && q[-2] == '[' && q[-1] == '^'))
      return false;
  /* a keyword that the pattern does not itself match gates the whole file
   * ("discord" anywhere, then the token anywhere): such rules see it all */
  for (const char *kw = d->keywords; *kw;) {
    size_t n = strcspn(kw, "|");
    char k[64];
    if (n >= sizeof(k))
      return false;
    memcpy(k, kw, n);
    k[n] = '\0';
    if (!contains_ci(p, strlen(p), k))
      return false;
    kw += n + (kw[n] == '|');
  }
  return true;
}

static qg_status add_rule(qg_secrets *s, const qg_rule *rule, const sdef *d, qg_result *r) {
  char *why = NULL;
  size_t off = 0;
  qg_regex *re = NULL;
  if (qg_regex_compile(d->pattern, 0, &re, &why, &off) != QG_OK) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, NULL, "rule %s: bad pattern at offset %zu: %s",
                   d->id, off, why);
    free(why);
    return QG_ECONFIG;
  }
  s->rules[s->n++] = (srule){rule,
                             d,
                             re,
                             single_line(d),
                             (d->flags & SECRET_LINE) != 0,
                             strcmp(d->id, "secrets/generic-credential") == 0 ||
                                 strcmp(d->id, "secrets/url-credentials") == 0};
  return QG_OK;
}

qg_status qg_secrets_new(const qg_ruleset *rs, const qg_scan_policy *cfg, qg_result *r,
                         qg_secrets **out) {
  qg_secrets *s = qg_xcalloc(1, sizeof(*s));
  s->rs = rs;
  size_t ncustom = cfg ? cfg->ncustom : 0;
  s->rules = qg_xcalloc(QG_ARRAY_LEN(k_defs) + ncustom, sizeof(srule));
  s->custom_defs = qg_xcalloc(ncustom + 1, sizeof(sdef));
  qg_status st = QG_OK;
  /* two passes: specific rules first, generic assignments last, so that a
   * provider's token is reported as that provider's */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < QG_ARRAY_LEN(k_defs); i++) {
      const sdef *d = &k_defs[i];
      const qg_rule *rule = qg_rule_find(d->id);
      if (!rule || !qg_ruleset_has(rs, rule))
        continue;
      if (d->flags & SECRET_YAML) {
        if (pass == 0 && strcmp(d->id, "secrets/kubernetes-secret-literal") == 0)
          s->k8s_literal = rule;
        else if (pass == 0 && strcmp(d->id, "secrets/env-credential") == 0)
          s->env_credential = rule;
        continue;
      }
      if ((pass == 0) != !(d->flags & SECRET_GENERIC))
        continue;
      if (add_rule(s, rule, d, r) != QG_OK)
        st = QG_ECONFIG;
    }
    /* custom rules from .qgate.yml, with the specific ones */
    for (size_t i = 0; pass == 0 && i < ncustom; i++) {
      const qg_custom_rule *cr = &cfg->custom[i];
      if (!cr->regex || !qg_ruleset_has(rs, &cr->rule))
        continue;
      sdef *d = &s->custom_defs[i];
      *d = (sdef){cr->rule.id, cr->keywords, cr->regex, cr->group, cr->min_entropy, 0};
      if (add_rule(s, &cr->rule, d, r) != QG_OK)
        st = QG_ECONFIG;
    }
  }
  ac_build(s);
  *out = s;
  return st;
}

void qg_secrets_free(qg_secrets **s) {
  if (!s || !*s)
    return;
  for (size_t i = 0; i < (*s)->n; i++)
    qg_regex_free(&(*s)->rules[i].re);
  free((*s)->rules);
  free((*s)->custom_defs);
  free((*s)->delta);
  free((*s)->out);
  free((*s)->always);
  for (size_t i = 0; i < (*s)->nknown; i++)
    free((*s)->known[i].v);
  free((*s)->known);
  free(*s);
  *s = NULL;
}

static bool b64_decode(const char *s, size_t len, char **out, size_t *outlen);

/* ---- generic assignments ------------------------------------------------------------ */

/* The words of a name, lower case, split at '_', '.', '-', ':' and where a lower-case
 * letter or digit meets an upper-case one (apiToken, UserSecretsId); at most max. */
static size_t name_words(const char *n, size_t len, char words[][24], size_t max) {
  size_t nw = 0, wl = 0;
  for (size_t i = 0; i <= len; i++) {
    unsigned char c = i < len ? (unsigned char)n[i] : '_';
    bool sep = !isalnum(c);
    bool camel =
        i > 0 && isupper(c) &&
        (islower((unsigned char)n[i - 1]) ||
         (i + 1 < len && islower((unsigned char)n[i + 1]) && isupper((unsigned char)n[i - 1])));
    if ((sep || camel) && wl) {
      if (nw < max)
        words[nw++][wl] = '\0';
      wl = 0;
    }
    if (!sep && nw < max && wl < 23)
      words[nw][wl++] = (char)tolower(c);
  }
  return nw;
}

static int cmp_word(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is w in the sorted array set of n words? */
static bool word_sorted(const char *w, const char *const *set, size_t n) {
  return bsearch(&w, set, n, sizeof(*set), cmp_word) != NULL;
}

static bool word_in(const char *w, const char *const *set) {
  for (; *set; set++)
    if ((*set)[0] == w[0] && (!w[0] || ((*set)[1] == w[1] && strcmp(w, *set) == 0)))
      return true;
  return false;
}

/* Does a name say that its value is a credential? A word that names one (password,
 * token, secret, creds, pass, auth, api key...), no word that makes it public or
 * something else (publicKey, csrf-token), and a last word that is no noun of its
 * own (credentialId, secretFieldSelector, token_url, PASSWORD_MIN_LENGTH). Returns
 * 0 (no), 2 for a password's name (its value may be short), 1 for another's. */
static int credential_name_words(const char *n, size_t len) {
  static const char *const strong[] = {
      "password", "passwd",  "passphrase", "passwort",   "pwd",         "pass",  "secret",
      "secrets",  "token",   "tokens",     "credential", "credentials", "creds", "auth",
      "apikey",   "authkey", "accesskey",  "privatekey", "secretkey",   NULL};
  /* words of passwords, which may be short; tokens, keys and secrets are not */
  static const char *const pw[] = {"password", "passwd", "passphrase",  "passwort",
                                   "pwd",      "pass",   "credentials", "credential",
                                   "creds",    "auth",   NULL};
  static const char *const keyed[] = {"api", "access", "auth", "private", "secret", NULL};
  static const char *const never[] = {"csrf",        "xsrf",   "public",    "pub",
                                      "publishable", "bypass", "passenger", "passport",
                                      "compass",     "author", "oauth2",    NULL};
  /* sorted, for bsearch */
  static const char *const nouns[] = {
      "alg",         "algo",      "algorithm", "arn",         "at",       "attr",
      "attribute",   "audience",  "backend",   "bucket",      "callback", "char",
      "chars",       "checksum",  "class",     "column",      "config",   "configuration",
      "count",       "date",      "desc",      "description", "digest",   "dir",
      "domain",      "duration",  "email",     "enable",      "enabled",  "enc",
      "encoding",    "encrypted", "endpoint",  "env",         "error",    "expiration",
      "expires",     "expiry",    "field",     "fields",      "file",     "files",
      "fingerprint", "flag",      "format",    "generator",   "handler",  "hash",
      "hashes",      "header",    "hint",      "host",        "id",       "ids",
      "index",       "input",     "interval",  "issuer",      "keyid",    "kind",
      "label",       "len",       "length",    "level",       "lifetime", "limit",
      "list",        "location",  "login",     "manager",     "max",      "message",
      "method",      "min",       "mode",      "module",      "mount",    "msg",
      "name",        "names",     "namespace", "option",      "options",  "owner",
      "param",       "parameter", "path",      "paths",       "pattern",  "placeholder",
      "policy",      "port",      "prefix",    "prompt",      "property", "provider",
      "question",    "realm",     "redirect",  "ref",         "regex",    "region",
      "request",     "required",  "reset",     "response",    "rotation", "route",
      "rule",        "salt",      "schema",    "scope",       "scopes",   "selector",
      "server",      "service",   "setting",   "settings",    "sha",      "size",
      "source",      "state",     "status",    "storage",     "store",    "strategy",
      "strength",    "suffix",    "table",     "template",    "text",     "time",
      "timeout",     "title",     "tokens",    "ttl",         "type",     "types",
      "ui",          "uri",       "url",       "urls",        "usage",    "user",
      "username",    "validator", "var",       "vault",       "version",  "volume"};
  /* run-together names: dbpassword, myapitoken, client_secretkey */
  static const char *const inside[] = {"password",   "passwd", "secret", "token",
                                       "credential", "apikey", "pwd",    NULL};
  static const size_t inside_len[] = {8, 6, 6, 5, 10, 6, 3};
  char w[16][24];
  size_t nw = name_words(n, len, w, 16);
  size_t last = nw; /* the last word that names a credential */
  bool password = false;
  for (size_t i = 0; i < nw; i++) {
    if (word_in(w[i], never))
      return 0;
    bool c = word_in(w[i], strong) ||
             (i + 1 < nw && strcmp(w[i + 1], "key") == 0 && word_in(w[i], keyed));
    for (const char *p = w[i]; *p && !c; p++) /* one pass: each keyword by its first letter */
      for (const char *const *k = inside; *k && !c; k++)
        c = (*k)[0] == *p && strncmp(p, *k, inside_len[k - inside]) == 0;
    if (c) {
      last = i + (i + 1 < nw && strcmp(w[i + 1], "key") == 0);
      password |= word_in(w[i], pw) || strstr(w[i], "passw") || strstr(w[i], "pwd");
    }
  }
  if (last == nw)
    return 0;
  for (size_t i = last; i < nw; i++) /* the word itself: tokens (a count), keyid */
    if (word_sorted(w[i], nouns, QG_ARRAY_LEN(nouns)))
      return 0; /* auth.username_in, token_url, credentialId, api_key_id */
  return password ? 2 : 1;
}

/* A name (or constant) as a value: upper snake or kebab case, or lower kebab case, in
 * words (NEXUS-GPT4-API-KEY, cmp2-qat-kv-01, DB_PASSWORD). */
static bool identifier_value(const char *v, size_t len) {
  char sep = 0;
  bool upper = false, lower = false;
  size_t parts = 1, wordy = 0, plen = 0, letters = 0;
  for (size_t i = 0; i <= len; i++) {
    unsigned char c = i < len ? (unsigned char)v[i] : 0;
    if (c == '-' || c == '_' || !c) {
      if ((sep && c && c != sep) || !plen || plen > 12)
        return false;
      sep = c ? (char)c : sep;
      parts += c != 0;
      wordy += letters == plen;
      plen = letters = 0;
      continue;
    }
    if (!isalnum(c))
      return false;
    upper |= isupper(c) != 0;
    lower |= islower(c) != 0;
    letters += isalpha(c) != 0;
    plen++;
  }
  return parts >= 3 && !(upper && lower) && wordy * 2 >= parts;
}

/* A path or a reference written as one: segments of a single case (foo/restricted-psp,
 * KEYID/DATE/REGION), where a base64 secret mixes cases. */
static bool path_value(const char *v, size_t len) {
  if (!memchr(v, '/', len))
    return false;
  bool upper = false, lower = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c == '/') {
      upper = lower = false;
      continue;
    }
    upper |= isupper(c) != 0;
    lower |= islower(c) != 0;
    if ((upper && lower) || c == '+' || c == '=')
      return false;
  }
  return true;
}

/* Is the value of a generic assignment a credential? ctx: the match up to the value
 * (the name, the operator; or curl's -u, an Authorization header). */
static bool assignment_ok(const char *buf, size_t at, size_t cl, const char *v, size_t vl,
                          double entropy) {
  const char *ctx = buf + at;
  bool named = true;
  const char *n = ctx;
  if (cl >= 3 && ctx[cl - 1] == '/' && ctx[cl - 2] == '/' && ctx[cl - 3] == ':') {
    /* https://TOKEN@host: a token, not a user name (letters and digits, no word) */
    bool alpha = false, digit = false;
    for (size_t i = 0; i < vl; i++) {
      alpha |= isalpha((unsigned char)v[i]) != 0;
      digit |= isdigit((unsigned char)v[i]) != 0;
    }
    return alpha && digit && !placeholder(v, vl, true, true) && !identifier_value(v, vl) &&
           entropy >= 3.5;
  }
  if (holds(ctx, cl, "://")) /* scheme://user:password@host */
    return !placeholder(v, vl, true, false);
  if (cl >= 4 && (contains_ci(ctx, 4, "curl") || contains_ci(ctx, cl < 6 ? cl : 6, "bearer") ||
                  (cl >= 13 && contains_ci(ctx, 13, "authorization") &&
                   (contains_ci(ctx, cl, "bearer") || contains_ci(ctx, cl, "token")))))
    named = false; /* curl -u, a header: the shape says it is a credential */
  if (named && at > 0 && buf[at - 1] == '{')
    return false; /* ${OAUTH_SECRET:?required}: a reference and its default */
  if (named) {
    if (cl >= 4 && tolower((unsigned char)n[0]) == 'k' && n[3] == '=')
      n += 5; /* key="NAME" value="..." */
    else if (n[0] == '<')
      n++;
    while (n < ctx + cl && *n == '-')
      n++;
    size_t nl = 0;
    while (n + nl < ctx + cl && (isalnum((unsigned char)n[nl]) || strchr("_.-:", n[nl])))
      nl++;
    const char *colon = NULL; /* an XML namespace: ns:apiToken */
    for (size_t i = 0; i < nl; i++)
      if (n[i] == ':')
        colon = n + i;
    if (colon && ctx[0] == '<') {
      nl -= (size_t)(colon + 1 - n);
      n = colon + 1;
    }
    while (nl && n[nl - 1] == ':')
      nl--;
    int kind = credential_name_words(n, nl);
    if (!kind || (kind == 1 && vl < 16))
      return false; /* tokens and keys are long: access_token=h480djs93hd8 is an example */
  }
  if (placeholder(v, vl, true, named))
    return false;
  /* base64 of printable text (a Secret's data in the text pass): judged decoded */
  char *dec = NULL;
  size_t dl = 0;
  bool upper = false, lower = false;
  for (size_t i = 0; i < vl; i++) {
    upper |= isupper((unsigned char)v[i]) != 0;
    lower |= islower((unsigned char)v[i]) != 0;
  }
  if (vl % 4 == 0 && vl <= 400 && (v[vl - 1] == '=' || (upper && lower)) &&
      all_of(v, vl, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") &&
      b64_decode(v, vl, &dec, &dl)) {
    bool text = dl > 0;
    for (size_t i = 0; i < dl && text; i++)
      text = dec[i] >= 0x20 && dec[i] < 0x7f;
    bool judged = text && (dl < 6 || placeholder(dec, dl, true, false));
    free(dec);
    if (judged)
      return false;
  }
  size_t id = 0;
  while (id < vl && (isalnum((unsigned char)v[id]) || v[id] == '_' || v[id] == '.'))
    id++;
  if (id && id < vl && v[id] == '(' && v[vl - 1] == ')')
    return false; /* a call or an encrypted value: ENC(...), env(...) */
  if (v[0] == ':' || v[vl - 1] == ':' || v[vl - 1] == '=' || holds(v, vl, "::") ||
      holds(v, vl, "->") || holds(v, vl, "^.") ||
      (memchr(v, '|', vl) && all_of(v, vl, "abcdefghijklmnopqrstuvwxyz|")))
    return false; /* node::credentials, p^.pw_passwd, a label (username:), true|false */
  if (identifier_value(v, vl) || path_value(v, vl) || holds(v, vl, "!=") || holds(v, vl, "==") ||
      holds(v, vl, "&&") || holds(v, vl, "||"))
    return false;
  /* enough entropy for its length: 8 distinct characters have 3 bits each */
  double need = log2((double)vl) - 0.7;
  if (need > 3.5)
    need = 3.5;
  if (all_of(v, vl, "0123456789"))
    need = vl >= 8 ? 2.5 : 9;
  return entropy >= need;
}

typedef struct hit {
  const srule *rule;
  size_t start, end; /* the secret */
} hit;

typedef void (*hit_fn)(void *ud, const hit *h);

/* Finds every secret in buf, reporting each once: where two rules match
 * overlapping text the earlier (more specific) rule wins. Returns the number
 * of rules that hit a limit; the first of them in *limited, with the offset
 * its failed search started from in *limited_at. */
static size_t find_all(qg_secrets *s, const char *buf, size_t len, hit_fn fn, void *ud,
                       const qg_rule **limited, size_t *limited_at) {
  uint64_t cand[8];
  uint64_t *candp = s->words <= 8 ? cand : qg_xcalloc(s->words, sizeof(uint64_t));
  windows *win = qg_xcalloc(s->n + 1, sizeof(windows));
  ac_candidates(s, buf, len, candp, win);
  span *taken = NULL;
  size_t ntaken = 0, captaken = 0, nlimited = 0;
  for (size_t ri = 0; ri < s->n; ri++) {
    if (!(candp[ri / 64] & (1ull << (ri % 64))))
      continue;
    const srule *sr = &s->rules[ri];
    span whole = {0, len};
    const span *ranges = sr->windowed ? win[ri].w : &whole;
    size_t nranges = sr->windowed ? win[ri].n : 1;
    bool stop = false;
    for (size_t wi = 0; wi < nranges && !stop; wi++) {
      size_t from = ranges[wi].start, end = ranges[wi].end;
      for (;;) {
        bool found = false;
        qg_regex_match m;
        /* the subject ends at the window; earlier bytes stay visible to
         * lookbehinds */
        if (qg_regex_search(sr->re, buf, end, from, sr->def->group, &found, &m) != QG_OK) {
          if (limited && !nlimited) {
            *limited = sr->rule;
            *limited_at = from;
          }
          nlimited++;
          stop = true;
          break;
        }
        if (!found)
          break;
        from = m.end > m.start ? m.end : m.start + 1;
        const char *sec = buf + m.gstart;
        size_t sl = m.gend - m.gstart;
        double ent = sl ? qg_entropy(sec, sl) : 0;
        if (!sl || ent < sr->def->min_entropy)
          continue;
        if (sr->assign ? !assignment_ok(buf, m.start, m.gstart - m.start, sec, sl, ent)
                       : qg_secret_is_placeholder(sec, sl, (sr->def->flags & SECRET_GENERIC) != 0))
          continue;
        bool overlap = false;
        for (size_t t = 0; t < ntaken && !overlap; t++)
          overlap = m.gstart < taken[t].end && taken[t].start < m.gend;
        if (overlap)
          continue;
        qg_grow((void **)&taken, &captaken, ntaken + 1, sizeof(*taken));
        taken[ntaken++] = (span){m.gstart, m.gend};
        hit h = {sr, m.gstart, m.gend};
        fn(ud, &h);
      }
    }
  }
  for (size_t ri = 0; ri < s->n; ri++)
    free(win[ri].w);
  free(win);
  free(taken);
  if (candp != cand)
    free(candp);
  return nlimited;
}

/* The length of the valid UTF-8 sequence at b (rest bytes left), or 0 for a
 * byte that starts none (overlong forms, surrogates and code points past
 * U+10FFFF are not valid). */
static size_t utf8_seq(const unsigned char *b, size_t rest) {
  unsigned char c = b[0];
  if (c < 0x80)
    return 1;
  size_t n = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (!n || rest < n)
    return 0;
  unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
  if (c == 0xE0)
    lo = 0xA0;
  else if (c == 0xED)
    hi = 0x9F;
  else if (c == 0xF0)
    lo = 0x90;
  else if (c == 0xF4)
    hi = 0x8F;
  if (b[1] < lo || b[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if ((b[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

/* Line starts of a buffer, for offsets -> line:col. */
typedef struct linemap {
  size_t *starts;
  size_t n;
} linemap;

static void linemap_build(linemap *lm, const char *buf, size_t len) {
  size_t cap = 0;
  lm->starts = NULL;
  lm->n = 0;
  qg_grow((void **)&lm->starts, &cap, 1, sizeof(size_t));
  lm->starts[lm->n++] = 0;
  for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))) != NULL; p++) {
    qg_grow((void **)&lm->starts, &cap, lm->n + 1, sizeof(size_t));
    lm->starts[lm->n++] = (size_t)(p - buf) + 1;
    if ((size_t)(p - buf) + 1 >= len)
      break;
  }
}

static void linemap_pos(const linemap *lm, const char *buf, size_t off, uint32_t *line,
                        uint32_t *col) {
  size_t lo = 0, hi = lm->n;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (lm->starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  uint32_t c = 1;
  for (size_t i = lm->starts[lo]; i < off; i++)
    c += ((unsigned char)buf[i] & 0xC0) != 0x80;
  *line = (uint32_t)lo + 1;
  *col = c;
}

typedef struct scan_ctx {
  qg_secrets *s;
  const char *path, *buf;
  size_t len;
  qg_result *r;
  linemap lm;
  size_t first; /* the first finding of this file (from the YAML pass) */
} scan_ctx;

/* qgate:allow (or gitleaks:allow) on the line of the secret */
static bool allowed_on_line(const scan_ctx *c, size_t off) {
  size_t a = off, b = off;
  while (a > 0 && c->buf[a - 1] != '\n')
    a--;
  while (b < c->len && c->buf[b] != '\n')
    b++;
  return contains_ci(c->buf + a, b - a, "qgate:allow") ||
         contains_ci(c->buf + a, b - a, "gitleaks:allow");
}

static void secret_field(const char *sec, size_t len, char out[32]) {
  uint64_t h = qg_hash64(sec, len, QG_HASH_SEED);
  snprintf(out, 32, "fp:%016llx", (unsigned long long)h);
}

/* Did an earlier pass of this scanner over this file report something
 * overlapping loc (ranges compared as line:column pairs, across lines)?
 * Another scanner's finding there (a k8s rule reporting the same value)
 * hides nothing: a secret is always reported as one. */
static uint64_t pos_key(uint32_t line, uint32_t col) { return ((uint64_t)line << 32) | col; }

/* Index of the first finding of path among the last ones added (a file's
 * findings are added together). */
static size_t first_of_path(const qg_result *r, const char *path) {
  size_t first = r->findings.n;
  while (first > 0 && r->findings.items[first - 1].loc.path &&
         strcmp(r->findings.items[first - 1].loc.path, path) == 0)
    first--;
  return first;
}

static bool overlaps_reported(const qg_result *r, size_t first, const qg_location *loc) {
  uint64_t a0 = pos_key(loc->line, loc->col), a1 = pos_key(loc->end_line, loc->end_col);
  for (size_t i = first; i < r->findings.n; i++) {
    const qg_location *o = &r->findings.items[i].loc;
    const qg_rule *rule = r->findings.items[i].rule;
    if (rule && strncmp(rule->id, "secrets/", 8) != 0)
      continue;
    uint64_t b0 = pos_key(o->line, o->col), b1 = pos_key(o->end_line, o->end_col);
    if (a0 < b1 && b0 < a1)
      return true;
  }
  return false;
}

static void on_hit(void *ud, const hit *h) {
  scan_ctx *c = ud;
  qg_location loc = {c->path, 0, 0, 0, 0};
  if (!c->lm.starts)
    linemap_build(&c->lm, c->buf, c->len); /* on the first hit: most files have none */
  linemap_pos(&c->lm, c->buf, h->start, &loc.line, &loc.col);
  linemap_pos(&c->lm, c->buf, h->end, &loc.end_line, &loc.end_col);
  if (overlaps_reported(c->r, c->first, &loc))
    return;
  char *mask = qg_secret_mask(c->buf + h->start, h->end - h->start);
  char field[32];
  secret_field(c->buf + h->start, h->end - h->start, field);
  qg_context ctx = {.field = field};
  const qg_rule *rule = h->rule->rule;
  qg_finding *f = qg_result_add_finding(c->r, rule, qg_ruleset_severity(c->s->rs, rule), &loc, &ctx,
                                        qg_xasprintf("%s: %s", rule->title, mask));
  free(mask);
  if (allowed_on_line(c, h->start))
    qg_finding_suppress(c->r, f, "qgate:allow", NULL);
}

void qg_secrets_scan(qg_secrets *s, const char *path, const char *buf, size_t len, qg_result *r) {
  scan_ctx c = {s, path, buf, len, r, {NULL, 0}, first_of_path(r, path)};
  const qg_rule *limited = NULL;
  size_t at = 0;
  if (find_all(s, buf, len, on_hit, &c, &limited, &at)) {
    /* an input error, not a warning: what the rule did not search may hold a
     * secret, so the gate must not pass on this file */
    qg_location loc = {path, 0, 0, 0, 0};
    if (!c.lm.starts)
      linemap_build(&c.lm, buf, len);
    linemap_pos(&c.lm, buf, at, &loc.line, &loc.col);
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "rule %s reached its match limit; the rest of this file was not searched "
                   "for it",
                   limited->id);
  }
  free(c.lm.starts);
}

static void on_name_hit(void *ud, const hit *h) {
  scan_ctx *c = ud;
  qg_location loc = {c->path, 0, 0, 0, 0};
  char *mask = qg_secret_mask(c->buf + h->start, h->end - h->start);
  char field[32];
  uint64_t hash = qg_hash64(c->buf + h->start, h->end - h->start, QG_HASH_SEED);
  snprintf(field, sizeof(field), "name-fp:%016llx", (unsigned long long)hash);
  qg_context ctx = {.field = field};
  const qg_rule *rule = h->rule->rule;
  (void)qg_result_add_finding(c->r, rule, qg_ruleset_severity(c->s->rs, rule), &loc, &ctx,
                              qg_xasprintf("%s in the file's path: %s", rule->title, mask));
  free(mask);
}

/* The hits of a path: its own, then each component's (offsets in the path), those
 * overlapping an earlier one left out. */
typedef struct name_hits {
  hit *h;
  size_t n, cap, base;
} name_hits;

static void on_name_collect(void *ud, const hit *h) {
  name_hits *nh = ud;
  size_t a = nh->base + h->start, b = nh->base + h->end;
  for (size_t i = 0; i < nh->n; i++)
    if (a < nh->h[i].end && nh->h[i].start < b)
      return;
  qg_grow((void **)&nh->h, &nh->cap, nh->n + 1, sizeof(*nh->h));
  nh->h[nh->n++] = (hit){h->rule, a, b};
}

void qg_secrets_scan_name(qg_secrets *s, const char *path, qg_result *r) {
  scan_ctx c = {s, path, path, strlen(path), r, {NULL, 0}, r->findings.n};
  name_hits nh = {NULL, 0, 0, 0};
  /* a path is short (PATH_MAX): no rule reaches its match limit on it */
  (void)find_all(s, path, c.len, on_name_collect, &nh, NULL, NULL);
  for (size_t a = 0; a < c.len;) { /* '/' ends a secret in a path */
    size_t b = a;
    while (b < c.len && path[b] != '/')
      b++;
    if (b > a && (a > 0 || b < c.len)) {
      nh.base = a;
      (void)find_all(s, path + a, b - a, on_name_collect, &nh, NULL, NULL);
    }
    a = b + 1;
  }
  for (size_t i = 0; i < nh.n; i++)
    on_name_hit(&c, &nh.h[i]);
  free(nh.h);
}

/* ---- the YAML-aware pass ----------------------------------------------------------- */

/* Strict base64 (standard alphabet, padding optional, whitespace ignored).
 * Returns false when s is not base64. *out: caller frees. */
static bool b64_decode(const char *s, size_t len, char **out, size_t *outlen) {
  static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *o = qg_xmalloc(len / 4 * 3 + 4);
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    if (c == '=') {
      pad++;
      continue;
    }
    const char *p = strchr(alpha, c);
    if (!p || !c || pad) {
      free(o);
      return false;
    }
    acc = (acc << 6) | (uint32_t)(p - alpha);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o[n++] = (char)((acc >> bits) & 0xFF);
    }
  }
  o[n] = '\0';
  *out = o;
  *outlen = n;
  return true;
}

typedef struct first_hit {
  const srule *rule;
  size_t start, end;
  bool found;
} first_hit;

static void on_first(void *ud, const hit *h) {
  first_hit *f = ud;
  if (!f->found) {
    f->found = true;
    f->rule = h->rule;
    f->start = h->start;
    f->end = h->end;
  }
}

/* Where the YAML-aware pass reports: the file, the result, and the lines of
 * the file before the text the documents were parsed from. */
typedef struct ysink {
  const char *path;
  uint32_t base;
  qg_result *r;
  /* when the documents were parsed from a copy (yaml_safe_copy), columns are
   * converted to the text's: NULL otherwise */
  const char *text, *copy;
  size_t len;
  struct linemap *lm; /* the copy's line starts, built on the first finding */
} ysink;

static size_t text_col(const ysink *o, uint32_t line, uint32_t col);

static void emit_yaml(qg_secrets *s, const ysink *o, const qg_ynode *at, const qg_rule *rule,
                      const char *what, const char *secret, size_t len) {
  const char *path = o->path;
  qg_result *r = o->r;
  qg_location loc = {path, at->line + o->base, at->col, at->end_line + o->base, at->end_col};
  if (o->copy) {
    loc.col = (uint32_t)text_col(o, loc.line, loc.col);
    loc.end_col = (uint32_t)text_col(o, loc.end_line, loc.end_col);
  }
  if (overlaps_reported(r, first_of_path(r, path), &loc))
    return;
  char *mask = qg_secret_mask(secret, len);
  char field[32];
  secret_field(secret, len, field);
  qg_context ctx = {.field = field};
  qg_result_add_finding(r, rule, qg_ruleset_severity(s->rs, rule), &loc, &ctx,
                        qg_xasprintf("%s %s: %s", rule->title, what, mask));
  free(mask);
}

/* Is this text a whole configuration file (grafana.ini, application.properties,
 * a YAML or TOML config) rather than one value? At least two lines of the shapes
 * `[section]`, `key = value`, `key=value` or `key: value` (or a mapping's `key:`),
 * and no more other lines than those (comments and blank lines aside). */
static bool config_text(const char *t, size_t len) {
  size_t conf = 0, other = 0;
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(t + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - t) : len, a = i;
    i = e + 1;
    while (a < e && (t[a] == ' ' || t[a] == '\t' || t[a] == '-'))
      a++;
    size_t b = e;
    while (b > a && (t[b - 1] == '\r' || t[b - 1] == ' ' || t[b - 1] == '\t'))
      b--;
    if (a == b || t[a] == '#' || t[a] == ';' || (b - a >= 2 && t[a] == '/' && t[a + 1] == '/'))
      continue;
    if (t[a] == '[' && t[b - 1] == ']') {
      conf++;
      continue;
    }
    size_t k = a;
    if (k < b && t[k] == '"')
      k++;
    size_t ks = k;
    while (k < b && (isalnum((unsigned char)t[k]) || strchr("_.-", t[k])))
      k++;
    if (k < b && t[k] == '"')
      k++;
    while (k < b && (t[k] == ' ' || t[k] == '\t'))
      k++;
    bool kv = k > ks && k < b &&
              (t[k] == '=' || (t[k] == ':' && (k + 1 == b || t[k + 1] == ' ' || t[k + 1] == '\t')));
    conf += kv;
    other += !kv;
  }
  return conf >= 2 && other <= conf;
}

/* Does a Secret's key name something that is no secret (a user name, a host, an
 * account name)? */
static bool public_key_name(const char *k) {
  static const char *const ends[] = {"name",   "user",      "login", "email",    "host",
                                     "port",   "url",       "uri",   "endpoint", "address",
                                     "region", "namespace", NULL};
  size_t kl = strlen(k);
  for (const char *const *e = ends; *e; e++) {
    size_t el = strlen(*e);
    if (kl >= el && contains_ci(k + kl - el, el, *e))
      return true;
  }
  return false;
}

/* One value of a Secret: the provider rule that matches it, else the
 * literal-Secret rule. A value that is a whole configuration file is judged by
 * the credentials in it (the rules, the generic assignments included), not as
 * one secret. */
static void secret_value(qg_secrets *s, const ysink *o, const qg_ynode *key, const qg_ynode *val,
                         bool base64) {
  const char *k = qg_ynode_str(key);
  const char *v = qg_ynode_str(val);
  if (!k || !v || !*v)
    return;
  size_t kl = strlen(k);
  if ((kl > 4 && strcmp(k + kl - 4, ".crt") == 0) || strcmp(k, "ca.crt") == 0)
    return; /* certificates are public */
  char *dec = NULL;
  size_t dl = 0;
  if (base64) {
    if (!b64_decode(v, strlen(v), &dec, &dl))
      return;
  } else {
    dec = qg_xstrdup(v);
    dl = strlen(v);
  }
  if (memchr(dec, '\0', dl) == NULL && contains_ci(dec, dl, "-----begin certificate")) {
    free(dec);
    return;
  }
  char what[160];
  snprintf(what, sizeof(what), "(%s \"%.100s\")", base64 ? "data" : "stringData", k);
  first_hit fh = {NULL, 0, 0, false};
  find_all(s, dec, dl, on_first, &fh, NULL, NULL);
  if (fh.found && base64)
    emit_yaml(s, o, val, fh.rule->rule, what, dec + fh.start, fh.end - fh.start);
  else if (fh.found)
    ; /* plain text: the text pass reports it at its exact line and column */
  else if (s->k8s_literal && dl >= 6 && !public_key_name(k) &&
           (memchr(dec, '\0', dl) != NULL || !config_text(dec, dl)) &&
           !qg_secret_is_placeholder(dec, dl, true) && !url_without_credentials(dec, dl) &&
           !all_of(dec, dl, "0123456789.-") && strcmp(dec, "true") != 0 &&
           strcmp(dec, "false") != 0)
    emit_yaml(s, o, val, s->k8s_literal, what, dec, dl);
  free(dec);
}

static bool credential_name(const char *name) {
  static const char *const words[] = {"pass",        "pwd",        "secret",   "token",
                                      "apikey",      "api_key",    "api-key",  "credential",
                                      "private_key", "access_key", "auth_key", NULL};
  for (const char *const *w = words; *w; w++)
    if (contains_ci(name, strlen(name), *w))
      return true;
  return false;
}

/* Is the key of pair i of map n a scalar equal to key? */
static bool key_is(const qg_ynode *n, uint32_t i, const char *key) {
  const qg_ynode *k = n->u.map.pairs[i].key;
  return k->kind == QG_Y_SCALAR && strcmp(k->u.s.str, key) == 0;
}

/* The mapping's distinct keys, counted up to max + 1: a key written twice
 * (kept by qg_yaml_opts.keep_dups) counts once. */
static uint32_t distinct_keys(const qg_ynode *n, uint32_t max) {
  uint32_t d = 0;
  for (uint32_t i = 0; i < n->u.map.n && d <= max; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key;
    bool seen = false;
    for (uint32_t j = 0; j < i && !seen && k->kind == QG_Y_SCALAR; j++)
      seen = key_is(n, j, k->u.s.str);
    d += !seen;
  }
  return d;
}

/* An env entry: a mapping of at most three keys with a `name` that reads like
 * a credential's and a literal `value`. Every value of a duplicated `value`
 * is read, and any of a duplicated `name` may say it is a credential. */
static void env_entry(qg_secrets *s, const ysink *o, const qg_ynode *n) {
  const char *name = NULL;
  for (uint32_t i = 0; i < n->u.map.n && !name; i++) {
    const char *nm = key_is(n, i, "name") ? qg_ynode_str(n->u.map.pairs[i].value) : NULL;
    if (nm && credential_name(nm))
      name = nm;
  }
  if (!name || distinct_keys(n, 3) > 3)
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *val = key_is(n, i, "value") ? n->u.map.pairs[i].value : NULL;
    const char *v = qg_ynode_str(val);
    if (!v)
      continue;
    size_t vl = strlen(v);
    first_hit fh = {NULL, 0, 0, false};
    find_all(s, v, vl, on_first, &fh, NULL, NULL);
    char what[160];
    snprintf(what, sizeof(what), "(\"%.100s\")", name);
    if (fh.found)
      emit_yaml(s, o, val, fh.rule->rule, what, v + fh.start, fh.end - fh.start);
    else if (vl >= 8 && qg_entropy(v, vl) >= 3.0 && !qg_secret_is_placeholder(v, vl, true))
      emit_yaml(s, o, val, s->env_credential, what, v, vl);
  }
}

static void walk_env(qg_secrets *s, const ysink *o, const qg_ynode *n, unsigned depth) {
  if (!n || depth > 64)
    return;
  if (n->kind == QG_Y_SEQ) {
    for (uint32_t i = 0; i < n->u.seq.n; i++)
      walk_env(s, o, n->u.seq.items[i], depth + 1);
    return;
  }
  if (n->kind != QG_Y_MAP)
    return;
  env_entry(s, o, n);
  for (uint32_t i = 0; i < n->u.map.n; i++)
    walk_env(s, o, n->u.map.pairs[i].value, depth + 1);
}

/* The key KEY at p (holds it), written as a YAML or JSON mapping key: quoted or
 * bare, at a line start or after `- `, `{` or `,`. Returns where its value
 * starts (past the colon and blanks), or NULL. */
static const char *key_value(const char *buf, const char *end, const char *p, size_t kl) {
  const char *b = p;
  if (b > buf && (b[-1] == '"' || b[-1] == '\''))
    b--;
  while (b > buf && (b[-1] == ' ' || b[-1] == '\t'))
    b--;
  if (b > buf && b[-1] != '\n' && b[-1] != '-' && b[-1] != '{' && b[-1] != ',')
    return NULL;
  const char *q = p + kl;
  if (q < end && (*q == '"' || *q == '\''))
    q++;
  while (q < end && (*q == ' ' || *q == '\t'))
    q++;
  if (q >= end || *q != ':')
    return NULL;
  q++;
  while (q < end && (*q == ' ' || *q == '\t'))
    q++;
  return q;
}

/* The rest of the line from p, at most 256 bytes; a blank rest means the value
 * is on the next line. */
static size_t value_span(const char *p, const char *end, const char **start) {
  if (p < end && (*p == '\n' || *p == '\r')) {
    while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
      p++;
  }
  *start = p;
  const char *e = p;
  while (e < end && e - p < 256 && *e != '\n')
    e++;
  return (size_t)(e - p);
}

/* The line starting at ln: the column of its mapping key (past the indent
 * and a sequence entry's `- `), -1 for a blank or comment line; *dash when
 * the line starts a sequence entry, *key where the key starts. */
static long line_key(const char *ln, const char *end, bool *dash, const char **key) {
  const char *q = ln;
  *dash = false;
  while (q < end && *q == ' ')
    q++;
  if (q + 1 < end && q[0] == '-' && q[1] == ' ') {
    *dash = true;
    q += 2;
    while (q < end && *q == ' ')
      q++;
  }
  *key = q;
  if (q >= end || *q == '\n' || *q == '\r' || *q == '#')
    return -1;
  return q - ln;
}

static bool is_value_key(const char *buf, const char *end, const char *k) {
  if (k < end && (*k == '"' || *k == '\''))
    k++;
  return (size_t)(end - k) >= 5 && memcmp(k, "value", 5) == 0 && key_value(buf, end, k, 5);
}

static const char *line_start(const char *buf, const char *p) {
  while (p > buf && p[-1] != '\n')
    p--;
  return p;
}

/* Does the mapping whose `name` key is at p also hold a `value` key (not
 * valueFrom)? On the same line (flow style), or on the lines of the same
 * block-style sequence entry, a few either side. */
static bool entry_has_value(const char *buf, const char *end, const char *p) {
  const char *ln = line_start(buf, p);
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *eol = nl ? nl : end;
  for (const char *q = p + 4; (q = find_sub(q, (size_t)(eol - q), "value", 5)); q += 5)
    if (key_value(buf, end, q, 5))
      return true;
  const char *b = p;
  if (b > buf && (b[-1] == '"' || b[-1] == '\''))
    b--;
  while (b > buf && (b[-1] == ' ' || b[-1] == '\t'))
    b--;
  if (b > buf && (b[-1] == '{' || b[-1] == ',')) {
    /* a flow mapping (JSON) over several lines: from its `{` to its `}` */
    const char *a = b - 1, *z = p;
    while (a > buf && *a != '{' && p - a < 1024)
      a--;
    while (z < end && *z != '}' && z - p < 1024)
      z++;
    for (const char *q = a; (q = find_sub(q, (size_t)(z - q), "value", 5)); q += 5)
      if (key_value(buf, end, q, 5))
        return true;
    return false;
  }
  bool dash;
  const char *key;
  long col = line_key(ln, end, &dash, &key);
  if (col < 0)
    return false;
  bool first_dash = dash;
  const char *l = nl ? nl + 1 : end; /* down, to the end of the entry */
  for (int n = 0; n < 8 && l < end; n++) {
    bool d;
    long c = line_key(l, end, &d, &key);
    if (c == col && !d && is_value_key(buf, end, key))
      return true;
    if (c >= 0 && (c < col || (c == col && d)))
      break;
    const char *next = memchr(l, '\n', (size_t)(end - l));
    l = next ? next + 1 : end;
  }
  l = ln; /* up, to the entry's first line */
  for (int n = 0; n < 8 && !first_dash && l > buf; n++) {
    l = line_start(buf, l - 1);
    bool d;
    long c = line_key(l, end, &d, &key);
    if (c == col && is_value_key(buf, end, key))
      return true;
    if (c >= 0 && (c < col || d))
      break;
  }
  return false;
}

bool qg_secrets_wants_yaml(const qg_secrets *s, const char *buf, size_t len) {
  const char *end = buf + len;
  bool secret = false, env = false;
  /* `kind: Secret`: the YAML pass decodes the object's data */
  for (const char *p = buf;
       s->k8s_literal && !secret && (p = find_sub(p, (size_t)(end - p), "kind", 4)); p += 4) {
    const char *v = key_value(buf, end, p, 4);
    if (!v)
      continue;
    if (v < end && (*v == '"' || *v == '\''))
      v++;
    secret = (size_t)(end - v) >= 6 && memcmp(v, "Secret", 6) == 0 &&
             (v + 6 == end || !(isalnum((unsigned char)v[6]) || v[6] == '_'));
  }
  if (secret)
    return true;
  /* an env entry: `name:` with a credential's name (walk_env's test) */
  for (const char *p = buf;
       s->env_credential && !env && (p = find_sub(p, (size_t)(end - p), "name", 4)); p += 4) {
    const char *v = key_value(buf, end, p, 4);
    if (!v)
      continue;
    const char *vs;
    size_t vl = value_span(v, end, &vs);
    char one[257];
    memcpy(one, vs, vl);
    one[vl] = '\0';
    if (!credential_name(one))
      continue;
    env = entry_has_value(buf, end, p);
  }
  return env;
}

/* Does some pair of map n have this key and this scalar value? (A key written
 * twice may say it either time.) */
static bool has_pair(const qg_ynode *n, const char *key, const char *value) {
  for (uint32_t i = 0; i < n->u.map.n; i++)
    if (key_is(n, i, key) && qg_ynode_eq(n->u.map.pairs[i].value, value))
      return true;
  return false;
}

static void scan_doc(qg_secrets *s, const ysink *o, const qg_ynode *root) {
  if (!root || root->kind != QG_Y_MAP)
    return;
  if (has_pair(root, "kind", "Secret") && has_pair(root, "apiVersion", "v1")) {
    /* every data and stringData mapping, every value of a key written twice */
    for (uint32_t p = 0; p < root->u.map.n; p++) {
      bool data = key_is(root, p, "data");
      if (!data && !key_is(root, p, "stringData"))
        continue;
      const qg_ynode *d = root->u.map.pairs[p].value;
      if (!d || d->kind != QG_Y_MAP)
        continue;
      for (uint32_t i = 0; i < d->u.map.n; i++)
        secret_value(s, o, d->u.map.pairs[i].key, d->u.map.pairs[i].value, data);
    }
    return;
  }
  if (s->env_credential)
    walk_env(s, o, root, 0);
}

void qg_secrets_scan_document(qg_secrets *s, const char *path, const qg_ynode *root, qg_result *r) {
  ysink o = {path, 0, r, NULL, NULL, 0, NULL};
  scan_doc(s, &o, root);
}

/* ---- the YAML-aware pass over a whole text ----------------------------------------
 * A Secret must not escape the pass because something else in its file is
 * broken: the text is parsed from a copy that libyaml reads whatever bytes it
 * holds, every value of a duplicated key is read, and a syntax error stops
 * only the document it is in. */

/* A copy of buf that libyaml's reader accepts, byte for byte as long (so
 * lines and offsets stay those of buf): each byte of an invalid UTF-8
 * sequence becomes '_' (no YAML indicator: '?' would open a key in a flow
 * collection), and a valid character libyaml refuses (a control
 * character, U+FFFE, U+FFFF) a printable one of as many bytes. Columns differ
 * where a byte that continues no sequence stands alone (qgate counts it as no
 * character, the copy as one): text_col converts them. NULL when buf needs no
 * change. Caller frees. */
static char *yaml_safe_copy(const char *buf, size_t len) {
  const unsigned char *b = (const unsigned char *)buf;
  char *copy = NULL;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_seq(b + i, len - i);
    uint32_t cp = b[i];
    if (n == 2)
      cp = ((b[i] & 0x1Fu) << 6) | (b[i + 1] & 0x3Fu);
    else if (n == 3)
      cp = ((b[i] & 0x0Fu) << 12) | ((b[i + 1] & 0x3Fu) << 6) | (b[i + 2] & 0x3Fu);
    bool ok = n == 4 ||
              (n == 1 && (cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E))) ||
              (n == 2 && (cp == 0x85 || cp >= 0xA0)) ||
              (n == 3 && ((cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)));
    size_t w = n ? n : 1;
    if (!ok) {
      if (!copy) {
        copy = qg_xmalloc(len + 1);
        memcpy(copy, buf, len);
        copy[len] = '\0';
      }
      static const char *const same[] = {"", "_", "\xc2\xbf", "\xef\xbf\xbd"};
      memcpy(copy + i, same[w], w);
    }
    i += w;
  }
  return copy;
}

/* The first line at or after `from` (a line start) that begins with a
 * document marker (`---` or `...`, then a blank, a line break or the end), or
 * len. */
static size_t next_marker(const char *t, size_t len, size_t from) {
  for (size_t i = from; i < len;) {
    if (len - i >= 3 && (memcmp(t + i, "---", 3) == 0 || memcmp(t + i, "...", 3) == 0) &&
        (len - i == 3 || t[i + 3] == ' ' || t[i + 3] == '\t' || t[i + 3] == '\r' ||
         t[i + 3] == '\n'))
      return i;
    const char *nl = memchr(t + i, '\n', len - i);
    if (!nl)
      break;
    i = (size_t)(nl - t) + 1;
  }
  return len;
}

/* Where the document that a marker at m (next_marker) starts begins: at the
 * marker for `---`; on the next line for `...` (libyaml wants a `---` after
 * one, but a reader that splits at it does not). */
static size_t doc_start(const char *t, size_t len, size_t m) {
  if (m >= len || t[m] != '.')
    return m;
  const char *nl = memchr(t + m, '\n', len - m);
  return nl ? (size_t)(nl - t) + 1 : len;
}

/* The start of 1-based line `line` of t[from..len) (from is a line start), or len. */
static size_t line_at(const char *t, size_t len, size_t from, uint32_t line) {
  for (uint32_t l = 1; l < line && from < len; l++) {
    const char *nl = memchr(t + from, '\n', len - from);
    from = nl ? (size_t)(nl - t) + 1 : len;
  }
  return from;
}

/* Column col (1-based, characters of the copy) of 1-based line `line`, as
 * qgate counts columns in the text: the bytes that do not continue a UTF-8
 * sequence before it, plus one. */
static size_t text_col(const ysink *o, uint32_t line, uint32_t col) {
  if (!o->lm->starts)
    linemap_build(o->lm, o->copy, o->len);
  if (!line || line > o->lm->n)
    return col;
  size_t start = o->lm->starts[line - 1], at = start;
  for (uint32_t c = 1; c < col && at < o->len; c++) { /* the copy is valid UTF-8 */
    size_t n = utf8_seq((const unsigned char *)o->copy + at, o->len - at);
    at += n ? n : 1;
  }
  size_t tc = 1;
  for (size_t i = start; i < at; i++)
    tc += ((unsigned char)o->text[i] & 0xC0) != 0x80;
  return tc;
}

typedef struct ypass {
  qg_secrets *s;
  ysink o;
  unsigned docs; /* documents scanned */
} ypass;

static qg_status on_ypass_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  ypass *y = ud;
  (void)doc_index;
  y->docs++;
  scan_doc(y->s, &y->o, root);
  return QG_OK;
}

unsigned qg_secrets_scan_yaml(qg_secrets *s, const char *path, const char *buf, size_t len,
                              const qg_yaml_limits *limits, qg_result *r) {
  if (!s->k8s_literal && !s->env_credential)
    return 0;
  char *copy = yaml_safe_copy(buf, len);
  const char *t = copy ? copy : buf;
  qg_yaml_limits lim = limits ? *limits : (qg_yaml_limits){0};
  uint32_t max_docs = lim.max_docs ? lim.max_docs : QG_YAML_DEFAULT_DOCS;
  linemap lm = {NULL, 0};
  ypass y = {s, {path, 0, r, buf, copy, len, &lm}, 0};
  unsigned loads = 0;
  /* the whole text first; after a syntax error, one document at a time from
   * the next marker (the error's document is delivered as far as it was read),
   * so that each byte is parsed about once however many documents are broken */
  for (size_t at = 0, end = len; at < len && y.docs + loads < max_docs;) {
    bool whole = !loads;
    lim.max_docs = max_docs - y.docs - loads;
    qg_yaml_opts yo = {lim, on_ypass_doc, NULL, &y, true, true};
    qg_yaml_error err;
    qg_status st = qg_yaml_load((const unsigned char *)t + at, end - at, &yo, &err);
    loads++;
    if (st != QG_OK && st != QG_EPARSE)
      break; /* a cap: the scan that reports it says so */
    size_t next = end;
    if (st == QG_EPARSE && whole) { /* the whole text (at is 0): on from the error's line */
      size_t eline = line_at(t, len, at, err.line > 1 ? err.line : 2);
      next = next_marker(t, len, eline);
      /* ... or from a `...` before it, when the error is the document after it */
      size_t last = len;
      for (size_t m = next_marker(t, len, 0); m < eline;
           m = next_marker(t, len, line_at(t, len, m, 2)))
        last = m;
      if (last < len && t[last] == '.' && doc_start(t, len, last) <= eline)
        next = last;
    }
    next = doc_start(t, len, next);
    if (next >= len || next <= at)
      break;
    for (const char *p = t + at; (p = memchr(p, '\n', (size_t)(t + next - p))) != NULL; p++)
      y.o.base++;
    at = next;
    end = next_marker(t, len, line_at(t, len, at, 2)); /* this document alone */
  }
  free(lm.starts);
  free(copy);
  return y.docs;
}

/* ---- redaction ----------------------------------------------------------------------- */

typedef struct redact_ctx {
  span *spans;
  size_t n, cap;
} redact_ctx;

static void add_span(redact_ctx *c, size_t start, size_t end) {
  qg_grow((void **)&c->spans, &c->cap, c->n + 1, sizeof(span));
  c->spans[c->n++] = (span){start, end};
}

static void on_redact(void *ud, const hit *h) { add_span(ud, h->start, h->end); }

static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* The byte offset of 1-based line:col (columns count characters) in buf,
 * with lm its line starts; len when past the end. */
static size_t offset_of(const linemap *lm, const char *buf, size_t len, uint32_t line,
                        uint32_t col) {
  if (!line || line > lm->n)
    return len;
  size_t at = lm->starts[line - 1];
  for (uint32_t c = 1; c < col && at < len; c++) { /* one character: a lead byte and its tail */
    at++;
    while (at < len && ((unsigned char)buf[at] & 0xC0) == 0x80)
      at++;
  }
  return at;
}

/* What the YAML-aware pass reports in buf, when it can report anything: the
 * scanner itself runs on the text (into a scratch result) and the ranges of
 * its findings are taken, so redaction and `qgate secrets` cannot differ. */
static void yaml_spans(qg_secrets *s, const char *buf, size_t len, redact_ctx *c) {
  if ((!s->k8s_literal && !s->env_credential) || !qg_secrets_wants_yaml(s, buf, len))
    return;
  qg_result tmp;
  qg_result_init(&tmp);
  (void)qg_secrets_scan_yaml(s, "-", buf, len, NULL, &tmp);
  if (tmp.findings.n) {
    linemap lm;
    linemap_build(&lm, buf, len);
    for (size_t i = 0; i < tmp.findings.n; i++) {
      const qg_location *l = &tmp.findings.items[i].loc;
      size_t a = offset_of(&lm, buf, len, l->line, l->col);
      size_t b = l->end_line ? offset_of(&lm, buf, len, l->end_line, l->end_col) : a;
      /* the value, as `qgate secrets` masks it: without its quotes or a block
       * scalar's indicator line */
      if (b - a >= 2 && (buf[a] == '"' || buf[a] == '\'') && buf[b - 1] == buf[a]) {
        a++;
        b--;
      } else if (b > a && (buf[a] == '|' || buf[a] == '>')) {
        const char *nl = memchr(buf + a, '\n', b - a);
        a = nl ? (size_t)(nl - buf) + 1 : b;
        while (a < b && (buf[a] == ' ' || buf[a] == '\t'))
          a++;
        while (b > a && (buf[b - 1] == '\n' || buf[b - 1] == '\r' || buf[b - 1] == ' '))
          b--;
      }
      if (b > a)
        add_span(c, a, b);
    }
    free(lm.starts);
  }
  qg_result_cleanup(&tmp);
}

/* Is c a byte of a token (base64, base64url, hex, JWT, the usual API key
 * alphabets)? */
static bool token_byte(unsigned char c) {
  return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' ||
         c == '=';
}

/* The credentials of authorization shapes, as servers echo a request back
 * in an error body: "Bearer X", "Basic X", "token X" (GitHub's scheme) and
 * the values of the headers that carry keys. X must look like a token:
 * "Bearer token" or "the token budget" is prose. */
static void auth_spans(const char *buf, size_t len, redact_ctx *c) {
  static const struct {
    const char *word; /* lower case, matched case-insensitively at a word start */
    size_t min;       /* the shortest value taken */
    bool digit;       /* the value must hold a digit */
  } shapes[] = {
      {"bearer ", 8, false},        {"basic ", 8, false},     {"token ", 16, true},
      {"authorization:", 8, false}, {"x-api-key:", 8, false}, {"api-key:", 8, false},
      {"private-token:", 8, false}, {"job-token:", 8, false}, {"x-amz-security-token:", 8, false}};
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)tolower((unsigned char)buf[i]);
    if (ch != 'b' && ch != 't' && ch != 'a' && ch != 'x' && ch != 'p' && ch != 'j')
      continue;
    if (i > 0 && (isalnum((unsigned char)buf[i - 1]) || buf[i - 1] == '-' || buf[i - 1] == '_'))
      continue;
    for (size_t k = 0; k < QG_ARRAY_LEN(shapes); k++) {
      size_t wl = strlen(shapes[k].word), j = 0;
      while (j < wl && i + j < len && tolower((unsigned char)buf[i + j]) == shapes[k].word[j])
        j++;
      if (j < wl)
        continue;
      size_t v = i + wl;
      while (v < len && (buf[v] == ' ' || buf[v] == '\t'))
        v++;
      if (shapes[k].word[wl - 1] == ':') { /* a header: its scheme, when it has one, goes first */
        size_t w = v;
        while (w < len && isalpha((unsigned char)buf[w]))
          w++;
        if (w > v && w < len && buf[w] == ' ' && w - v <= 16)
          for (v = w; v < len && buf[v] == ' ';)
            v++;
      }
      size_t e = v;
      bool digit = false, sym = false, upper = false, lower = false;
      for (; e < len && token_byte((unsigned char)buf[e]); e++) {
        unsigned char b = (unsigned char)buf[e];
        digit |= isdigit(b) != 0;
        sym |= b == '+' || b == '/' || b == '=' || b == '_';
        upper |= isupper(b) != 0;
        lower |= islower(b) != 0;
      }
      /* a token has a digit, a symbol of base64 or of a key, or is long and of mixed
       * case: "Basic authentication" is a word */
      bool tokenish = shapes[k].digit ? digit : digit || sym || (upper && lower && e - v >= 16);
      if (e - v >= shapes[k].min && tokenish)
        add_span(c, v, e);
      break;
    }
  }
}

void qg_secrets_add_known(qg_secrets *s, const char *value, size_t len) {
  if (!value || len < QG_REDACT_MIN_KNOWN)
    return;
  /* a value over several lines (a private key) is also shown a line at a time, as
   * in a diff, whose lines start with a marker: each of its lines is known too */
  if (memchr(value, '\n', len)) {
    for (const char *p = value, *end = value + len; p < end;) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      const char *e = nl ? nl : end;
      const char *a = p;
      while (a < e && (*a == ' ' || *a == '\t'))
        a++;
      const char *b = e;
      while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'))
        b--;
      if ((size_t)(b - a) < len)
        qg_secrets_add_known(s, a, (size_t)(b - a));
      p = nl ? nl + 1 : end;
    }
  }
  for (size_t i = 0; i < s->nknown; i++)
    if (s->known[i].len == len && memcmp(s->known[i].v, value, len) == 0)
      return;
  qg_grow((void **)&s->known, &s->capknown, s->nknown + 1, sizeof(struct known));
  char *v = qg_xmalloc(len + 1);
  memcpy(v, value, len);
  v[len] = '\0';
  s->known[s->nknown++] = (struct known){v, len};
}

/* Every occurrence of each known value in buf. */
static void add_known(redact_ctx *c, const char *buf, size_t len, const struct known *k, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (const char *p = buf; (p = find_sub(p, len - (size_t)(p - buf), k[i].v, k[i].len)); p++)
      add_span(c, (size_t)(p - buf), (size_t)(p - buf) + k[i].len);
}

/* Adds every other occurrence of the secrets found: a value found by its
 * context (a generic assignment, a Secret's key) may be repeated where
 * nothing gives it away, and the redacted copy must not hold it anywhere. */
static void add_repeats(redact_ctx *c, const char *buf, size_t len) {
  size_t found = c->n;
  for (size_t i = 0; i < found; i++) {
    size_t start = c->spans[i].start, sl = c->spans[i].end - start;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = c->spans[j].end - c->spans[j].start == sl &&
             memcmp(buf + c->spans[j].start, buf + start, sl) == 0;
    if (seen)
      continue;
    for (const char *p = buf; (p = find_sub(p, len - (size_t)(p - buf), buf + start, sl)); p++) {
      size_t at = (size_t)(p - buf);
      if (at != start)
        add_span(c, at, at + sl);
    }
  }
}

static void merge_spans(redact_ctx *c);

/* The ranges qg_redact masks in buf: sorted, overlapping ones merged. Returns
 * the first rule that reached its match limit (its matches past where it
 * stopped are not masked), or NULL. */
static const qg_rule *redact_spans(qg_secrets *s, const char *buf, size_t len, redact_ctx *c) {
  const qg_rule *limited = NULL;
  size_t limited_at = 0;
  if (!find_all(s, buf, len, on_redact, c, &limited, &limited_at))
    limited = NULL;
  yaml_spans(s, buf, len, c);
  auth_spans(buf, len, c);
  add_repeats(c, buf, len);
  add_known(c, buf, len, s->known, s->nknown);
  merge_spans(c);
  return limited;
}

/* Sorts c's spans and merges the overlapping ones. */
static void merge_spans(redact_ctx *c) {
  if (c->n > 1)
    qsort(c->spans, c->n, sizeof(span), cmp_span);
  size_t kept = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (kept && c->spans[i].start < c->spans[kept - 1].end) {
      if (c->spans[i].end > c->spans[kept - 1].end)
        c->spans[kept - 1].end = c->spans[i].end;
      continue;
    }
    c->spans[kept++] = c->spans[i];
  }
  c->n = kept;
}

size_t qg_secrets_learn(qg_secrets *s, const char *buf, size_t len) {
  redact_ctx c = {NULL, 0, 0};
  (void)redact_spans(s, buf, len, &c); /* a rule at its limit: what it found is learnt */
  size_t before = s->nknown;
  for (size_t i = 0; i < c.n; i++)
    qg_secrets_add_known(s, buf + c.spans[i].start, c.spans[i].end - c.spans[i].start);
  free(c.spans);
  return s->nknown - before;
}

static char *masked(redact_ctx *c_, const char *buf, size_t len, size_t *outlen, size_t *count,
                    qg_redact_span **spans);

/* The ranges of a path to mask: those of the whole path, and those of each
 * component on its own ('/' ends a secret there, whatever a rule's pattern takes
 * for its characters). */
static void path_spans(qg_secrets *s, const char *path, size_t len, redact_ctx *c) {
  redact_spans(s, path, len, c);
  for (size_t a = 0; a < len;) {
    size_t b = a;
    while (b < len && path[b] != '/')
      b++;
    if (b > a && (a > 0 || b < len)) {
      redact_ctx one = {NULL, 0, 0};
      redact_spans(s, path + a, b - a, &one);
      for (size_t i = 0; i < one.n; i++)
        add_span(c, a + one.spans[i].start, a + one.spans[i].end);
      free(one.spans);
    }
    a = b + 1;
  }
  merge_spans(c);
}

char *qg_redact_path(qg_secrets *s, const char *path, size_t *count) {
  redact_ctx c = {NULL, 0, 0};
  size_t len = strlen(path);
  if (s)
    path_spans(s, path, len, &c);
  return masked(&c, path, len, NULL, count, NULL);
}

/* qg_redact and qg_redact_checked. */
static char *redact_text(qg_secrets *s, const char *buf, size_t len, size_t *outlen, size_t *count,
                         qg_redact_span **spans, const qg_rule **limited) {
  redact_ctx c = {NULL, 0, 0};
  const qg_rule *lim = s ? redact_spans(s, buf, len, &c) : NULL;
  if (limited)
    *limited = lim;
  return masked(&c, buf, len, outlen, count, spans);
}

/* buf with c's spans masked; frees c's spans. */
static char *masked(redact_ctx *c_, const char *buf, size_t len, size_t *outlen, size_t *count,
                    qg_redact_span **spans) {
  redact_ctx c = *c_;
  qg_buf out;
  qg_buf_init(&out, 0);
  size_t at = 0;
  for (size_t i = 0; i < c.n; i++) {
    (void)qg_buf_append(&out, buf + at, c.spans[i].start - at);
    char *mask = qg_secret_mask(buf + c.spans[i].start, c.spans[i].end - c.spans[i].start);
    (void)qg_buf_puts(&out, mask);
    free(mask);
    at = c.spans[i].end;
  }
  (void)qg_buf_append(&out, buf + at, len - at);
  if (count)
    *count = c.n;
  if (spans) {
    *spans = c.n ? qg_xcalloc(c.n, sizeof(qg_redact_span)) : NULL;
    for (size_t i = 0; i < c.n; i++)
      (*spans)[i] = (qg_redact_span){c.spans[i].start, c.spans[i].end};
  }
  free(c.spans);
  if (outlen)
    *outlen = out.len;
  char *text = qg_buf_detach(&out);
  return text ? text : qg_xstrdup("");
}

char *qg_redact(qg_secrets *s, const char *buf, size_t len, size_t *outlen, size_t *count,
                qg_redact_span **spans) {
  return redact_text(s, buf, len, outlen, count, spans, NULL);
}

char *qg_redact_checked(qg_secrets *s, const char *buf, size_t len, size_t *outlen, size_t *count,
                        const qg_rule **limited) {
  return redact_text(s, buf, len, outlen, count, NULL, limited);
}

/* The redacted form of a string of r's pool, redacted once per string: the
 * same object name is on many findings, and the pool hands out one pointer
 * per distinct string. */
typedef struct pool_memo {
  const char **from, **to; /* open addressing on the pointer */
  size_t cap, n;
} pool_memo;

static const char *redact_pooled(qg_secrets *s, qg_result *r, pool_memo *m, const char *str,
                                 bool path) {
  if (!str || !*str)
    return str;
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    const char **from = qg_xcalloc(cap, sizeof(*from)), **to = qg_xcalloc(cap, sizeof(*to));
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->from[i])
        continue;
      size_t h = (size_t)(qg_hash64(&m->from[i], sizeof(char *), 0) & (cap - 1));
      while (from[h])
        h = (h + 1) & (cap - 1);
      from[h] = m->from[i];
      to[h] = m->to[i];
    }
    free((void *)m->from);
    free((void *)m->to);
    m->from = from;
    m->to = to;
    m->cap = cap;
  }
  size_t h = (size_t)(qg_hash64(&str, sizeof(char *), 0) & (m->cap - 1));
  while (m->from[h] && m->from[h] != str)
    h = (h + 1) & (m->cap - 1);
  if (m->from[h])
    return m->to[h];
  size_t len = strlen(str), outlen = 0, count = 0;
  char *red = path ? qg_redact_path(s, str, &count) : qg_redact(s, str, len, &outlen, &count, NULL);
  const char *to = count ? qg_result_intern(r, red) : str;
  free(red);
  m->from[h] = str;
  m->to[h] = to;
  m->n++;
  return to;
}

static void redact_owned(qg_secrets *s, char **str) {
  if (!*str || !**str)
    return;
  size_t outlen = 0, count = 0;
  char *red = qg_redact(s, *str, strlen(*str), &outlen, &count, NULL);
  if (count) {
    free(*str);
    *str = red;
  } else {
    free(red);
  }
}

void qg_redact_result(qg_secrets *s, qg_result *r) {
  if (!s)
    return;
  pool_memo m = {NULL, NULL, 0, 0};
  bool moved = false;
  for (size_t i = 0; i < r->findings.n; i++) {
    qg_finding *f = &r->findings.items[i];
    const char *path = f->loc.path;
    f->loc.path = redact_pooled(s, r, &m, path, true);
    moved |= f->loc.path != path;
    redact_owned(s, &f->message);
    qg_context *c = &f->ctx;
    c->api_version = redact_pooled(s, r, &m, c->api_version, false);
    c->kind = redact_pooled(s, r, &m, c->kind, false);
    c->namespace_ = redact_pooled(s, r, &m, c->namespace_, false);
    c->name = redact_pooled(s, r, &m, c->name, false);
    c->container = redact_pooled(s, r, &m, c->container, false);
    c->field = redact_pooled(s, r, &m, c->field, false);
    f->justification = redact_pooled(s, r, &m, f->justification, false);
    if (f->fix)
      redact_owned(s, &f->fix->description);
  }
  for (size_t i = 0; i < r->diags.n; i++) {
    r->diags.items[i].loc.path = redact_pooled(s, r, &m, r->diags.items[i].loc.path, true);
    redact_owned(s, &r->diags.items[i].message);
  }
  if (moved) /* in the order of the paths shown, as a merge of shards sorts them */
    qg_result_sort(r);
  free((void *)m.from);
  free((void *)m.to);
}

/* str redacted as qg_redact_result redacts it, or NULL when nothing changes. */
static char *redact_copy(qg_secrets *s, const char *str, bool path) {
  if (!str || !*str)
    return NULL;
  size_t outlen = 0, count = 0;
  char *red =
      path ? qg_redact_path(s, str, &count) : qg_redact(s, str, strlen(str), &outlen, &count, NULL);
  if (!count) {
    free(red);
    return NULL;
  }
  return red;
}

void qg_redact_fingerprint(qg_secrets *s, const qg_finding *f, char out[17]) {
  if (!s) {
    qg_finding_fingerprint(f, out);
    return;
  }
  qg_finding g = *f; /* a shallow copy: only the fingerprint's strings are replaced */
  char *red[6] = {
      redact_copy(s, f->loc.path, true),        redact_copy(s, f->ctx.kind, false),
      redact_copy(s, f->ctx.namespace_, false), redact_copy(s, f->ctx.name, false),
      redact_copy(s, f->ctx.container, false),  redact_copy(s, f->ctx.field, false),
  };
  const char **slot[6] = {&g.loc.path, &g.ctx.kind,      &g.ctx.namespace_,
                          &g.ctx.name, &g.ctx.container, &g.ctx.field};
  for (size_t i = 0; i < 6; i++)
    if (red[i])
      *slot[i] = red[i];
  qg_finding_fingerprint(&g, out);
  for (size_t i = 0; i < 6; i++)
    free(red[i]);
}
