/* http.h: the libcurl adapter. The only qgate file that includes <curl/curl.h>.
 * (Requests arrive with the LLM and Git-host issues; for now: init and version.) */
#ifndef QG_HTTP_H
#define QG_HTTP_H

#include "core/qg.h"

/* Process-wide libcurl init/cleanup; called once by the CLI. */
qg_status qg_http_global_init(void);
void qg_http_global_cleanup(void);
/* libcurl's version, e.g. "7.88.1"; static. */
const char *qg_http_version(void);

#endif
