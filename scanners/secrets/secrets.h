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

#include "core/config.h"
#include "core/finding.h"
#include "core/yamldoc.h"
#include "rules/rule.h"

typedef struct qg_secrets qg_secrets;

/* Builds the engine for the enabled secrets rules of rs. Pattern errors (in
 * custom rules) become diagnostics in r and QG_ECONFIG. Caller frees. */
qg_status qg_secrets_new(const qg_ruleset *rs, const qg_config *cfg, qg_result *r,
                         qg_secrets **out);
void qg_secrets_free(qg_secrets **s);

/* Scans a text buffer; findings go to r. */
void qg_secrets_scan(qg_secrets *s, const char *path, const char *buf, size_t len, qg_result *r);

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
void qg_secrets_scan_document(qg_secrets *s, const char *path, const qg_ynode *root,
                              qg_result *r);

/* Returns a copy of buf with every secret the engine finds masked (caller
 * frees); *count is the number masked. */
char *qg_secrets_redact(qg_secrets *s, const char *buf, size_t len, size_t *outlen,
                        size_t *count);

/* The masked form of a secret: a short prefix and the length,
 * e.g. "ghp_****…(40 chars)". Caller frees. */
char *qg_secret_mask(const char *secret, size_t len);

/* Shannon entropy of s in bits per byte. */
double qg_entropy(const char *s, size_t len);

/* Is this value a placeholder, a reference, an example or a hash rather
 * than a credential? generic adds the checks for free-form assignments. */
bool qg_secret_is_placeholder(const char *s, size_t len, bool generic);

#endif
