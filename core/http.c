/* http.c: libcurl adapter. */
#include "core/http.h"

#include <curl/curl.h>

qg_status qg_http_global_init(void) {
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? QG_OK : QG_EIO;
}

void qg_http_global_cleanup(void) { curl_global_cleanup(); }

const char *qg_http_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }
