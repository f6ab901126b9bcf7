/* status.c: names for statuses and severities. */
#include "core/qg.h"

#include <strings.h>

static const char *const k_status_text[QG__STATUS_LAST] = {
    [QG_OK] = "success",
    [QG_ENOMEM] = "out of memory",
    [QG_EIO] = "input/output error",
    [QG_EPARSE] = "parse error",
    [QG_EUSAGE] = "usage error",
    [QG_ECONFIG] = "configuration error",
    [QG_ETOOBIG] = "input over its size cap",
    [QG_ENOENT] = "no such file or directory",
    [QG_EGIT] = "git error",
    [QG_ENET] = "network error",
};

const char *qg_strerror(qg_status s) {
  if ((unsigned)s >= QG__STATUS_LAST || !k_status_text[s])
    return "unknown error";
  return k_status_text[s];
}

static const char *const k_sev_names[QG__SEV_COUNT] = {"info", "low", "medium", "high", "critical"};

const char *qg_severity_name(qg_severity s) {
  if ((unsigned)s >= QG__SEV_COUNT)
    return "unknown";
  return k_sev_names[s];
}

qg_status qg_severity_parse(const char *name, qg_severity *out) {
  for (unsigned i = 0; i < QG__SEV_COUNT; i++) {
    if (strcasecmp(name, k_sev_names[i]) == 0) {
      *out = (qg_severity)i;
      return QG_OK;
    }
  }
  return QG_EUSAGE;
}
