/* ci.c: the CI's view of the change. */
#include "core/ci.h"
#include "core/fs.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define QG_MAX_EVENT (16u << 20)

/* A full object name: 40 (SHA-1) or 64 (SHA-256) hex digits, not all zero
 * (GitLab and GitHub write zeros for "no commit"). */
static int is_object_id(const char *s) {
  size_t n = strspn(s, "0123456789abcdefABCDEF");
  return (n == 40 || n == 64) && s[n] == '\0' && strspn(s, "0") != n;
}

static char *github_pull_base(void) {
  const char *name = getenv("GITHUB_EVENT_NAME"), *path = getenv("GITHUB_EVENT_PATH");
  if (!name || !path || !*path ||
      (strcmp(name, "pull_request") != 0 && strcmp(name, "pull_request_target") != 0))
    return NULL;
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  bool binary = false;
  if (qg_read_file(path, QG_MAX_EVENT, 0, &buf, &len, &binary, &err_no) != QG_OK)
    return NULL;
  cJSON *ev = cJSON_ParseWithLength((const char *)buf, len);
  free(buf);
  const cJSON *pr = cJSON_GetObjectItemCaseSensitive(ev, "pull_request");
  const cJSON *base = cJSON_GetObjectItemCaseSensitive(pr, "base");
  const cJSON *sha = cJSON_GetObjectItemCaseSensitive(base, "sha");
  char *out = cJSON_IsString(sha) && is_object_id(sha->valuestring)
                  ? qg_xstrdup(sha->valuestring)
                  : NULL;
  cJSON_Delete(ev);
  return out;
}

char *qg_ci_base_rev(const char **source) {
  const char *gl = getenv("CI_MERGE_REQUEST_DIFF_BASE_SHA");
  if (gl && is_object_id(gl)) {
    *source = "CI_MERGE_REQUEST_DIFF_BASE_SHA";
    return qg_xstrdup(gl);
  }
  char *gh = github_pull_base();
  if (gh) {
    *source = "the pull request's base in GITHUB_EVENT_PATH";
    return gh;
  }
  *source = NULL;
  return NULL;
}
