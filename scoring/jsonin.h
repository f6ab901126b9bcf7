/* jsonin.h: what the signal readers share: reading a signal file under its
 * cap, a JSON parse that reports a syntax error at its line and column, and
 * the wording of type errors. */
#ifndef QG_JSONIN_H
#define QG_JSONIN_H

#include "core/finding.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Reads a signal file (at most QG_SIGNAL_MAX_BYTES); on failure adds an
 * error naming path and returns the status (QG_ENOENT, QG_EIO, QG_ETOOBIG).
 * *buf: caller frees. */
qg_status qg_signal_read(const char *path, unsigned char **buf, size_t *len, qg_result *diags);
/* The same with a cap of max bytes. */
qg_status qg_signal_read_max(const char *path, size_t max, unsigned char **buf, size_t *len,
                             qg_result *diags);

/* Parses buf as one JSON value (a UTF-8 byte order mark is skipped; only
 * white space may follow the value). On a syntax error adds a QG_EPARSE
 * diagnostic at label:line:col and returns NULL. Caller deletes the tree. */
cJSON *qg_json_parse(qg_result *diags, const char *label, const char *buf, size_t len);

/* s quoted for a message: quotes, backslashes and control bytes escaped, cut
 * after about 60 bytes. Caller frees. */
char *qg_json_quoted(const char *s);

/* "a string", "a number", "an object" ... for messages. Static. */
const char *qg_json_type_name(const cJSON *v);

#endif
