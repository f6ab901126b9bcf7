/* ci.h: what the CI system says about the change it is building. */
#ifndef QG_CI_H
#define QG_CI_H

#include <stddef.h>

/* The revision the CI names as the base of the change, for a default --base:
 *   - GitLab merge request pipelines: CI_MERGE_REQUEST_DIFF_BASE_SHA;
 *   - GitHub Actions on a pull request (GITHUB_EVENT_NAME pull_request or
 *     pull_request_target): pull_request.base.sha from the event payload at
 *     GITHUB_EVENT_PATH (read with a 16 MiB cap).
 * Returns a new string (caller frees) or NULL when there is none; *source
 * names where it came from (a static string). Environment is read, nothing
 * is written. */
char *qg_ci_base_rev(const char **source);

#endif
