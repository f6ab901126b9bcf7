/* secrets.h: secret detection and redaction.
 *
 * One engine per run: every enabled rule's pattern is compiled once (PCRE2,
 * JIT) and every rule's keywords go into one Aho-Corasick automaton, so a
 * file costs one pass over its bytes plus the regexes of the rules whose
 * keywords it contains. The same matcher serves the scanner (findings) and
 * redaction (a masked copy of any text, for what qgate sends elsewhere).
 * Findings never hold a secret: messages carry a masked form. */
#ifndef QG_SECRETS_H
#define QG_SECRETS_H

#include "scanners/policy.h"
#include "core/finding.h"
#include "core/yamldoc.h"
#include "rules/rule.h"

typedef struct qg_secrets qg_secrets;

/* Builds the engine for the enabled secrets rules of rs, with the custom
 * secret rules of policy (may be NULL). Pattern errors (in custom rules)
 * become diagnostics in r and QG_ECONFIG. Caller frees. */
qg_status qg_secrets_new(const qg_ruleset *rs, const qg_scan_policy *policy, qg_result *r,
                         qg_secrets **out);
void qg_secrets_free(qg_secrets **s);

/* Scans a text buffer; findings go to r. */
void qg_secrets_scan(qg_secrets *s, const char *path, const char *buf, size_t len, qg_result *r);

/* Scans a file's path, as given, and each of its components (as qg_redact_path
 * reads it) with the same rules: a credential in a file or
 * directory name is printed wherever the path is (reports, comments, the review
 * request: all show it redacted). Each secret is a finding of its rule on the file as
 * a whole (line 0, column 0), "TITLE in the file's path: MASK"; its fingerprint's
 * field is "name-fp:HASH", apart from the same secret in the file's text. */
void qg_secrets_scan_name(qg_secrets *s, const char *path, qg_result *r);

/* Can the YAML-aware pass find anything in this text? Only when its rules
 * are on and the text has a `kind: Secret` key, or a mapping with a `name`
 * that reads like a credential's and a literal `value` beside it (block or
 * flow style, JSON included): the secrets scanner alone need not parse other
 * YAML. A cheap textual test: it may say yes where the parse finds nothing,
 * never no where it would find something in YAML as written in practice. */
bool qg_secrets_wants_yaml(const qg_secrets *s, const char *buf, size_t len);

/* The YAML-aware pass for one document: Kubernetes Secrets with literal
 * values (data decoded from base64, stringData) and credentials in container
 * env values. Findings go to r. */
void qg_secrets_scan_document(qg_secrets *s, const char *path, const qg_ynode *root, qg_result *r);

/* The YAML-aware pass (qg_secrets_scan_document) over every document of a
 * text, whatever else is wrong with it: bytes that are not UTF-8 (or that
 * YAML forbids) are read as '_' in a copy (one byte for one, so lines and
 * columns are the text's), every value of a duplicated key is scanned, and a
 * syntax error loses only what follows it in its own document: the rest of
 * that document up to the error is scanned, and so is every document after
 * it (from the next `---` or `...` at a line start). Reports nothing about the
 * text's YAML itself (the k8s scanner does), and nothing already reported at
 * the same place in this file. limits NULL: the defaults. Returns the number
 * of documents scanned. qg_redact masks what this reports. */
unsigned qg_secrets_scan_yaml(qg_secrets *s, const char *path, const char *buf, size_t len,
                              const qg_yaml_limits *limits, qg_result *r);

/* ---- redaction: one function for every text qgate shows or sends ---------------------- */

/* A range of a text that qg_redact masked: bytes [start, end) of its input. */
typedef struct qg_redact_span {
  size_t start, end;
} qg_redact_span;

/* Known values shorter than this are not kept: they would mask ordinary words. */
#define QG_REDACT_MIN_KNOWN 6

/* Redacts a text: returns a new NUL-terminated copy of buf[0..len) (caller
 * frees; *outlen, when outlen is not NULL, its length) in which each of these
 * is replaced by its qg_secret_mask form ("ghp_****…(40 chars)"), the form
 * `qgate secrets` prints:
 *  - every secret `qgate secrets` reports in this text with the engine's
 *    rules: the pattern rules' matches and, when the text is YAML that the
 *    Kubernetes-aware pass reads (qg_secrets_wants_yaml), the values it
 *    reports (a Secret's data and stringData values, container env values
 *    whose names read like credentials). The scanner itself runs on the
 *    text, so redaction and the scanner cannot drift apart;
 *  - every known value (qg_secrets_add_known, qg_secrets_learn);
 *  - the credential in an authorization shape, as servers echo requests in
 *    error bodies: "Bearer X", "Basic X", "token X" and the values of the
 *    Authorization, X-Api-Key, Api-Key, Private-Token, Job-Token and
 *    X-Amz-Security-Token headers, when X looks like a token;
 *  - every other occurrence in the text of a value masked so.
 * Overlapping ranges are masked as one. *count (may be NULL): the number of
 * ranges masked; *spans (may be NULL): an owned array of them, ascending and
 * disjoint (NULL when none; caller frees). s NULL masks nothing. Only reads
 * the engine (as qg_secrets_scan does): concurrent calls are safe, but not
 * with qg_secrets_add_known or qg_secrets_learn. */
char *qg_redact(qg_secrets *s, const char *buf, size_t len, size_t *outlen, size_t *count,
                qg_redact_span **spans);

/* qg_redact for a path: also each '/'-separated component on its own, since a
 * rule whose secret may hold '/' (base64) does not end one there. Returns a new
 * string (caller frees): the path with each secret masked, the rest kept; *count
 * (may be NULL): how many ranges were masked. */
char *qg_redact_path(qg_secrets *s, const char *path, size_t *count);

/* qg_redact, saying whether it could mask everything it should: *limited (not
 * NULL) is set to the first rule that reached its PCRE2 match limit on this
 * text, else to NULL. Past where that rule's search stopped, what it would
 * have matched is left as it was, so a text with *limited set must not leave
 * qgate (the review does not send it). Masking the whole text instead would
 * let a repository blind the review with one pathological string. */
char *qg_redact_checked(qg_secrets *s, const char *buf, size_t len, size_t *outlen, size_t *count,
                        const qg_rule **limited);

/* Remembers a value qg_redact masks wherever it occurs: a credential qgate
 * holds (the model's key, the host tokens), or a secret found in a whole file
 * of which only fragments are shown. The value is copied; shorter than
 * QG_REDACT_MIN_KNOWN bytes, it is ignored. */
void qg_secrets_add_known(qg_secrets *s, const char *value, size_t len);

/* Remembers (qg_secrets_add_known) everything qg_redact would mask in a
 * whole text, for fragments of it shown later without the context that gave
 * a value away (a diff hunk inside a Secret's stringData shows no `kind:
 * Secret`). Returns how many new values it learnt. */
size_t qg_secrets_learn(qg_secrets *s, const char *buf, size_t len);

/* Redacts (qg_redact) every text of r that reports show, in place: each
 * finding's path, message, object (API version, kind, namespace, name),
 * container, field, suppression justification and fix description, and each
 * diagnostic's path and message. A path keeps its other characters, so it stays a
 * path ("config/ghp_****…(40 chars).yaml", percent-encoded in a SARIF URI); the
 * findings are sorted again when a path changed. Run it after everything that
 * needs the real paths (fixes, the base, suppressions). A secret-free result is
 * unchanged, fingerprints included. s NULL: no-op. */
void qg_redact_result(qg_secrets *s, qg_result *r);

/* The fingerprint f will have once qg_redact_result(s, ...) has run (the one
 * reports show: its path and object names redacted), into out, without
 * changing f. s NULL: f's own fingerprint. */
void qg_redact_fingerprint(qg_secrets *s, const qg_finding *f, char out[17]);

/* The masked form of a secret: a short prefix and the length,
 * e.g. "ghp_****…(40 chars)". Caller frees. */
char *qg_secret_mask(const char *secret, size_t len);

/* Shannon entropy of s in bits per byte. */
double qg_entropy(const char *s, size_t len);

/* Is this value a placeholder, a reference, an example or a hash rather
 * than a credential? generic adds the checks for free-form assignments. */
bool qg_secret_is_placeholder(const char *s, size_t len, bool generic);

#endif
