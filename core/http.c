/* http.c: libcurl adapter: parallel requests on one multi handle, retries
 * with backoff and Retry-After, timeouts, a response cap and AWS SigV4. */
#include "core/http.h"

#include "core/mem.h"
#include "core/sigv4.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

qg_status qg_http_global_init(void) {
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? QG_OK : QG_EIO;
}

void qg_http_global_cleanup(void) { curl_global_cleanup(); }

const char *qg_http_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }

/* ---- Retry-After ------------------------------------------------------------ */
long qg_http_retry_after_ms(const char *value, long long now) {
  if (!value)
    return -1;
  while (*value == ' ' || *value == '\t')
    value++;
  size_t n = strlen(value);
  while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
               value[n - 1] == '\n'))
    n--;
  if (n == 0 || n > 64)
    return -1;
  char v[65];
  memcpy(v, value, n);
  v[n] = '\0';
  if (isdigit((unsigned char)v[0])) {
    /* delta-seconds: digits only; huge values saturate (the caller caps) */
    long long secs = 0;
    for (size_t i = 0; i < n; i++) {
      if (!isdigit((unsigned char)v[i]))
        return -1;
      if (secs < LONG_MAX / 1000)
        secs = secs * 10 + (v[i] - '0');
    }
    return secs >= LONG_MAX / 1000 ? LONG_MAX / 1000 * 1000 : (long)(secs * 1000);
  }
  /* Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day
   * name; requiring it keeps curl_getdate's lenient parser off junk. */
  if (!isalpha((unsigned char)v[0]))
    return -1;
  time_t t = curl_getdate(v, NULL);
  if (t == (time_t)-1)
    return -1;
  long long d = (long long)t - now;
  if (d <= 0)
    return 0;
  return d >= LONG_MAX / 1000 ? LONG_MAX / 1000 * 1000 : (long)(d * 1000);
}

/* ---- one request's state across its attempts ------------------------------- */
enum xfer_state { X_WAITING, X_ACTIVE, X_DONE };

typedef struct xfer {
  const qg_http_request *rq;
  qg_http_response *out;
  CURL *easy;
  struct curl_slist *hdrs; /* the header lines (a signed request's: this attempt's) */
  qg_buf body;             /* this attempt's body */
  bool over_cap;           /* the write callback refused more data */
  char retry_after[72];    /* this attempt's Retry-After value, "" when none */
  long rl_remaining;       /* this attempt's rate-limit headers, -1 when none */
  long long rl_reset;
  enum xfer_state state;
  long long due_ms;   /* monotonic time before which no new attempt starts */
  long long ended_ms; /* when the last attempt ended (for waited_ms) */
  long backoff_ms;    /* the next wait without Retry-After */
  bool cut;           /* ... shortened to what was left before the deadline */
  char safe_url[160]; /* the URL without user info and query, for error[] */
  char host_port[96]; /* "host:port", for connect errors */
  char errbuf[CURL_ERROR_SIZE];
} xfer;

static void set_error(xfer *x, const char *fmt, ...) QG_PRINTF(2, 3);

typedef struct opts {
  long connect_timeout_ms, timeout_ms, backoff_ms, max_wait_ms;
  long long deadline_ms;
  unsigned max_attempts;
  size_t max_response;
  unsigned parallel;
  bool limits_to_caller, write_once;
} opts;

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long qg_http_now_ms(void) { return mono_ms(); }

static opts resolve_opts(const qg_http_options *o) {
  opts r = {10000, 120000, 1000, 60000, 0, 4, 8u * 1024 * 1024, 4, false, false};
  if (!o)
    return r;
  r.limits_to_caller = o->limits_to_caller;
  r.write_once = o->write_once;
  if (o->deadline_ms > 0)
    r.deadline_ms = o->deadline_ms;
  if (o->connect_timeout_ms > 0)
    r.connect_timeout_ms = o->connect_timeout_ms;
  if (o->timeout_ms > 0)
    r.timeout_ms = o->timeout_ms;
  if (o->retries < 0)
    r.max_attempts = 1;
  else if (o->retries > 0)
    r.max_attempts = (unsigned)o->retries + 1;
  if (o->backoff_ms > 0)
    r.backoff_ms = o->backoff_ms;
  if (o->max_wait_ms > 0)
    r.max_wait_ms = o->max_wait_ms;
  if (o->max_response > 0)
    r.max_response = o->max_response;
  if (o->parallel > 0)
    r.parallel = o->parallel;
  return r;
}

static bool has_crlf(const char *s) { return s && strpbrk(s, "\r\n") != NULL; }

/* rq's SigV4 header lines, signed at now (Unix seconds); see sigv4.h. The
 * payload is what libcurl sends: none for HEAD. */
static qg_status sign_request(const qg_http_request *rq, long long now, char ***lines, size_t *n,
                              char **why) {
  bool head = strcmp(rq->method, "HEAD") == 0;
  qg_sigv4_input in = {0};
  in.method = rq->method;
  in.url = rq->url;
  in.headers = rq->headers;
  in.nheaders = rq->nheaders;
  in.body = head ? NULL : rq->body;
  in.body_len = head ? 0 : rq->body_len;
  in.provider = rq->aws_sigv4;
  in.key_id = rq->aws_key_id;
  in.secret = rq->aws_secret;
  in.session_token = rq->aws_session_token;
  in.now = now;
  return qg_sigv4_sign(&in, lines, n, why);
}

/* The checks that make a request unusable before anything is sent. Header
 * values are never copied into why[]: they may be credentials. */
static bool request_ok(const qg_http_request *rq, char *why, size_t whysz) {
  if (!rq->method || !*rq->method || strpbrk(rq->method, " \t\r\n")) {
    snprintf(why, whysz, "bad request: no method");
    return false;
  }
  if (!rq->url ||
      (strncasecmp(rq->url, "http://", 7) != 0 && strncasecmp(rq->url, "https://", 8) != 0)) {
    snprintf(why, whysz, "bad request: the URL must start with http:// or https://");
    return false;
  }
  if (has_crlf(rq->url)) {
    snprintf(why, whysz, "bad request: a line break in the URL");
    return false;
  }
  for (size_t i = 0; i < rq->nheaders; i++) {
    if (!rq->headers[i] || !strchr(rq->headers[i], ':') || has_crlf(rq->headers[i])) {
      snprintf(why, whysz, "bad request: header %zu is not one \"Name: value\" line", i + 1);
      return false;
    }
  }
  if (rq->body_len && !rq->body) {
    snprintf(why, whysz, "bad request: body_len without a body");
    return false;
  }
  if (rq->aws_sigv4) {
    /* signing once here finds what cannot be signed before anything is sent;
     * the signer's texts hold no credential */
    char **lines = NULL, *sw = NULL;
    size_t nlines = 0;
    qg_status st = sign_request(rq, (long long)time(NULL), &lines, &nlines, &sw);
    qg_sigv4_headers_free(lines, nlines);
    if (st != QG_OK) {
      snprintf(why, whysz, "bad request: AWS SigV4: %s", sw ? sw : "");
      free(sw);
      return false;
    }
  }
  return true;
}

/* Fills x->safe_url ("scheme://host:port/path", no user info, query or
 * fragment) and x->host_port with libcurl's URL parser. */
static void describe_url(xfer *x) {
  snprintf(x->safe_url, sizeof(x->safe_url), "(unparsable URL)");
  snprintf(x->host_port, sizeof(x->host_port), "?");
  CURLU *u = curl_url();
  if (!u)
    return;
  if (curl_url_set(u, CURLUPART_URL, x->rq->url, 0) == CURLUE_OK) {
    char *host = NULL, *port = NULL, *safe = NULL;
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    snprintf(x->host_port, sizeof(x->host_port), "%s:%s", host ? host : "?", port ? port : "?");
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
    curl_url_set(u, CURLUPART_QUERY, NULL, 0);
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &safe, 0) == CURLUE_OK && safe) {
      size_t n = strlen(safe);
      if (n >= sizeof(x->safe_url)) /* cut long paths, marked */
        snprintf(x->safe_url, sizeof(x->safe_url), "%.*s...", (int)sizeof(x->safe_url) - 4, safe);
      else
        memcpy(x->safe_url, safe, n + 1);
    }
    curl_free(host);
    curl_free(port);
    curl_free(safe);
  }
  curl_url_cleanup(u);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud) {
  xfer *x = ud;
  size_t n = size * nmemb;
  if (qg_buf_append(&x->body, p, n) != QG_OK) {
    x->over_cap = true;
    return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
  }
  return n;
}

/* A rate-limit header's value: digits alone (blanks around them), else -1. */
static long long header_number(const char *p, size_t n) {
  long long v = 0;
  size_t i = 0, digits = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t'))
    i++;
  for (; i < n && p[i] >= '0' && p[i] <= '9' && digits < 15; i++, digits++)
    v = v * 10 + (p[i] - '0');
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
    i++;
  return digits && i == n ? v : -1;
}

/* Whether header line p (n bytes) is named name (lower case, with its ':'); *v: its value. */
static bool header_is(const char *p, size_t n, const char *name, const char **v, size_t *vn) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(p, name, k) != 0)
    return false;
  *v = p + k;
  *vn = n - k;
  return true;
}

/* Keeps only Retry-After and the rate-limit headers, and only from the last header
 * block (a 100 Continue or a proxy's CONNECT reply comes first). */
static size_t on_header(char *p, size_t size, size_t nitems, void *ud) {
  xfer *x = ud;
  size_t n = size * nitems;
  static const char name[] = "retry-after:";
  const char *v = NULL;
  size_t vn = 0;
  if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    x->retry_after[0] = '\0';
    x->rl_remaining = -1;
    x->rl_reset = -1;
  } else if (header_is(p, n, "x-ratelimit-remaining:", &v, &vn) ||
             header_is(p, n, "ratelimit-remaining:", &v, &vn)) {
    long long r = header_number(v, vn);
    x->rl_remaining = r > LONG_MAX ? LONG_MAX : (long)r;
  } else if (header_is(p, n, "x-ratelimit-reset:", &v, &vn) ||
             header_is(p, n, "ratelimit-reset:", &v, &vn)) {
    x->rl_reset = header_number(v, vn);
  } else if (n > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
    size_t rn = n - (sizeof(name) - 1);
    if (rn >= sizeof(x->retry_after))
      rn = sizeof(x->retry_after) - 1; /* longer than any valid value: stays invalid */
    memcpy(x->retry_after, p + sizeof(name) - 1, rn);
    x->retry_after[rn] = '\0';
  }
  return n;
}

/* Appends line to *h; false when libcurl is out of memory (*h is kept). */
static bool add_header(struct curl_slist **h, const char *line) {
  struct curl_slist *r = curl_slist_append(*h, line);
  if (!r)
    return false;
  *h = r;
  return true;
}

static bool has_header(const qg_http_request *rq, const char *name) {
  size_t len = strlen(name);
  for (size_t i = 0; i < rq->nheaders; i++)
    if (strncasecmp(rq->headers[i], name, len) == 0 && rq->headers[i][len] == ':')
      return true;
  return false;
}

/* Builds *out: the caller's lines, then the extra ones (a signature's).
 * false when libcurl is out of memory (*out holds what was added). */
static bool header_list(const qg_http_request *rq, char *const *extra, size_t nextra,
                        struct curl_slist **out) {
  bool ok = true;
  for (size_t i = 0; i < rq->nheaders; i++)
    ok = ok && add_header(out, rq->headers[i]);
  /* libcurl adds application/x-www-form-urlencoded to POSTFIELDS bodies, and
   * "Content-Type:" (no value) removes it; the signer signs no empty line. */
  if (!has_header(rq, "Content-Type"))
    ok = ok && add_header(out, "Content-Type:");
  for (size_t i = 0; i < nextra; i++)
    ok = ok && add_header(out, extra[i]);
  return ok;
}

/* Builds the easy handle once; every attempt reuses it. Returns NULL, or
 * why the transfer cannot be set up. */
static const char *setup_easy(xfer *x, const opts *o) {
  const qg_http_request *rq = x->rq;
  CURL *e = curl_easy_init();
  if (!e)
    return "libcurl cannot set up a transfer (out of memory)";
  x->easy = e;
  curl_easy_setopt(e, CURLOPT_URL, rq->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
    return "libcurl lacks http or https";
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "qgate/" QG_VERSION);
  /* the usual variables for a corporate or test CA, honoured the same way by
   * the dynamic build (Debian's libcurl has its bundle compiled in and reads
   * none of them) and the static one */
  const char *cafile = getenv("SSL_CERT_FILE"), *capath = getenv("SSL_CERT_DIR");
  if (!cafile || !*cafile)
    cafile = getenv("CURL_CA_BUNDLE");
  if (cafile && *cafile)
    curl_easy_setopt(e, CURLOPT_CAINFO, cafile);
  if (capath && *capath)
    curl_easy_setopt(e, CURLOPT_CAPATH, capath);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  /* refuses at once when Content-Length is over the cap; on_body catches
   * bodies of unknown length */
  if (o->max_response <= (size_t)INT64_MAX)
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response);

  /* The body goes through POSTFIELDS for every method, sent as it is: the
   * bytes a signature hashes. */
  bool get = strcmp(rq->method, "GET") == 0, head = strcmp(rq->method, "HEAD") == 0;
  if (head) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (rq->body || !get) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    if (strcmp(rq->method, "POST") != 0)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
  }

  /* qgate signs SigV4 itself (sigv4.h), not with CURLOPT_AWS_SIGV4: libcurl
   * 7.88 signs the path as written where AWS encodes it once more. A signed
   * request gets its header lines at each attempt, with a fresh date. */
  if (!rq->aws_sigv4) {
    if (!header_list(rq, NULL, 0, &x->hdrs))
      return "libcurl cannot set up a transfer (out of memory)";
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
  }
  return NULL;
}

/* Signs a SigV4 request for this attempt: a retry gets a fresh X-Amz-Date
 * (AWS refuses dates more than 5 minutes off). false with x->out->error set
 * when it cannot; the handle is not in the multi handle, so its old header
 * list may go. */
static bool sign_attempt(xfer *x) {
  char **lines = NULL, *why = NULL;
  size_t nlines = 0;
  if (sign_request(x->rq, (long long)time(NULL), &lines, &nlines, &why) != QG_OK) {
    set_error(x, "AWS SigV4: %s", why ? why : "");
    free(why);
    return false;
  }
  struct curl_slist *h = NULL;
  bool ok = header_list(x->rq, lines, nlines, &h);
  qg_sigv4_headers_free(lines, nlines);
  if (!ok) {
    curl_slist_free_all(h);
    set_error(x, "libcurl cannot set up a transfer (out of memory)");
    return false;
  }
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, h);
  curl_slist_free_all(x->hdrs);
  x->hdrs = h;
  return true;
}

/* false when the attempt cannot start: then x->out has the status and error */
static bool start_attempt(CURLM *multi, xfer *x, const opts *o, long long now) {
  /* the timeouts of this attempt: what is left before the deadline, at most */
  long t = o->timeout_ms, c = o->connect_timeout_ms;
  x->cut = false;
  if (o->deadline_ms) {
    long long left = o->deadline_ms - now;
    if (left <= 0) {
      x->out->status = QG_ENET;
      x->out->deadline = true;
      if (x->out->attempts == 0)
        set_error(x, "not sent: the deadline had passed");
      else
        set_error(x, "deadline reached after %u attempts", x->out->attempts);
      return false;
    }
    if (left < t) {
      t = (long)left;
      x->cut = true;
    }
    if (left < c)
      c = (long)left;
  }
  curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, c);
  curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, t);
  if (x->rq->aws_sigv4 && !sign_attempt(x)) {
    x->out->status = QG_ENET;
    return false;
  }
  qg_buf_cleanup(&x->body);
  qg_buf_init(&x->body, o->max_response);
  x->over_cap = false;
  x->retry_after[0] = '\0';
  x->rl_remaining = -1;
  x->rl_reset = -1;
  x->errbuf[0] = '\0';
  if (x->out->attempts > 0)
    x->out->waited_ms += (long)(now - x->ended_ms);
  x->out->attempts++;
  x->state = X_ACTIVE;
  if (curl_multi_add_handle(multi, x->easy) != CURLM_OK) {
    x->out->status = QG_ENET;
    set_error(x, "libcurl refused the transfer (out of memory)");
    return false;
  }
  return true;
}

static bool retryable_curl(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SSL_CONNECT_ERROR:
    return true;
  default:
    return false;
  }
}

static void set_error(xfer *x, const char *fmt, ...) {
  char what[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  char *s = qg_xasprintf("%s (%s)", what, x->safe_url);
  size_t n = strlen(s);
  if (n >= sizeof(x->out->error)) /* long texts are cut */
    n = sizeof(x->out->error) - 1;
  memcpy(x->out->error, s, n);
  x->out->error[n] = '\0';
  free(s);
}

/* " after N attempts" when there was more than one, else "". */
static const char *attempts_note(const xfer *x, char *buf, size_t bufsz) {
  if (x->out->attempts > 1)
    snprintf(buf, bufsz, " after %u attempts", x->out->attempts);
  else
    buf[0] = '\0';
  return buf;
}

/* The error text of a failed transfer, in what[]: ours for the common cases
 * (libcurl's buffer is used only for the rest; it never holds header values). */
static void transport_error(xfer *x, CURLcode rc, const opts *o, char *what, size_t whatsz) {
  char note[40] = ""; /* ", 3 attempts" */
  if (x->out->attempts > 1)
    snprintf(note, sizeof(note), ", %u attempts", x->out->attempts);
  if (rc == CURLE_OPERATION_TIMEDOUT && x->cut) {
    x->out->deadline = true;
    snprintf(what, whatsz, "deadline reached: the attempt was cut%s", note);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connect_us = 0;
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    if (connect_us == 0)
      snprintf(what, whatsz, "connect timeout after %ld ms to %s%s", o->connect_timeout_ms,
               x->host_port, note);
    else
      snprintf(what, whatsz, "timeout after %ld ms%s", o->timeout_ms, note);
  } else if (rc == CURLE_COULDNT_CONNECT) {
    long err = 0;
    curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &err);
    char reason[96] = "";
    if (err == 0 || strerror_r((int)err, reason, sizeof(reason)) != 0)
      snprintf(reason, sizeof(reason), "%s", curl_easy_strerror(rc));
    snprintf(what, whatsz, "cannot connect to %s: %s%s", x->host_port, reason, note);
  } else {
    snprintf(what, whatsz, "%.160s%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc), note);
  }
}

/* Settles one finished attempt: done, or waiting for its next attempt. */
static void finish_attempt(CURLM *multi, xfer *x, CURLcode rc, const opts *o, long long now) {
  curl_multi_remove_handle(multi, x->easy);
  x->ended_ms = now;
  long code = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
  x->out->code = code;

  bool retry = false;
  if (x->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
    x->out->status = QG_ETOOBIG;
  } else if (rc != CURLE_OK) {
    x->out->status = QG_ENET;
    /* an attempt cut at the deadline has no time left for another */
    retry = retryable_curl(rc) && !(x->cut && rc == CURLE_OPERATION_TIMEDOUT) &&
            (!o->write_once || rc == CURLE_COULDNT_CONNECT); /* nothing was sent */
  } else {
    x->out->status = QG_OK;
    retry = (code == 429 && !o->limits_to_caller) || (code >= 500 && !o->write_once);
  }

  /* why a retry is not made: a Retry-After over the cap is not waited (a
   * server asking for a day would hold the job for a day), nor a wait that
   * would end past the deadline */
  char *giveup = x->out->not_retried;
  size_t giveupsz = sizeof(x->out->not_retried);
  long retry_after = qg_http_retry_after_ms(x->retry_after, (long long)time(NULL));
  if (retry && x->out->attempts < o->max_attempts) {
    long wait = retry_after;
    if (wait < 0) {
      wait = x->backoff_ms < o->max_wait_ms ? x->backoff_ms : o->max_wait_ms;
      x->backoff_ms = x->backoff_ms > LONG_MAX / 2 ? LONG_MAX : x->backoff_ms * 2;
    }
    if (retry_after > o->max_wait_ms) {
      /* the value as sent (a date's distance from now changes from run to
       * run), trimmed and printable */
      char v[sizeof(x->retry_after)];
      size_t n = 0;
      for (const char *p = x->retry_after; *p && n + 1 < sizeof(v); p++)
        if (*p != '\r' && *p != '\n' && (n || (*p != ' ' && *p != '\t')))
          v[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
      while (n && v[n - 1] == ' ')
        n--;
      v[n] = '\0';
      snprintf(giveup, giveupsz, "Retry-After: %.64s is over the %ld s cap", v,
               o->max_wait_ms / 1000);
    } else if (o->deadline_ms && now + wait >= o->deadline_ms) {
      x->out->deadline = true;
      snprintf(giveup, giveupsz, "the deadline comes first");
    } else {
      x->due_ms = now + wait;
      x->state = X_WAITING;
      return;
    }
  }

  x->state = X_DONE;
  x->out->retry_after_ms = retry_after;
  x->out->ratelimit_remaining = x->rl_remaining;
  x->out->ratelimit_reset = x->rl_reset;
  char note[40], what[320];
  if (x->out->status == QG_ETOOBIG)
    snprintf(what, sizeof(what), "response body over %zu bytes", o->max_response);
  else if (x->out->status == QG_ENET)
    transport_error(x, rc, o, what, sizeof(what));
  else if (code >= 400)
    snprintf(what, sizeof(what), "HTTP %ld%s", code, attempts_note(x, note, sizeof(note)));
  else
    what[0] = '\0';
  if (what[0])
    set_error(x, "%s%s%s", what, giveup[0] ? "; not retried: " : "", giveup);
  else
    x->out->error[0] = '\0';
  x->out->len = x->body.len;
  x->out->body = qg_buf_detach(&x->body);
}

qg_status qg_http_perform(const qg_http_request *reqs, size_t n, const qg_http_options *opt,
                          qg_http_response *out) {
  for (size_t i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof(out[i]));
    out[i].retry_after_ms = -1;
    out[i].ratelimit_remaining = -1;
    out[i].ratelimit_reset = -1;
  }
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (!request_ok(&reqs[i], out[i].error, sizeof(out[i].error))) {
      out[i].status = QG_EUSAGE;
      bad = bad ? bad : i + 1;
    }
  }
  if (bad) {
    /* nothing is sent when one request of the batch is unusable */
    for (size_t i = 0; i < n; i++) {
      if (out[i].status == QG_OK) {
        out[i].status = QG_EUSAGE;
        snprintf(out[i].error, sizeof(out[i].error), "not sent: request %zu is bad", bad);
      }
    }
    for (size_t i = 0; i < n; i++)
      out[i].body = qg_xstrdup("");
    return QG_EUSAGE;
  }
  if (n == 0)
    return QG_OK;

  opts o = resolve_opts(opt);
  CURLM *multi = curl_multi_init();
  xfer *xs = qg_xcalloc(n, sizeof(*xs));
  size_t done = 0;
  for (size_t i = 0; i < n; i++) {
    xfer *x = &xs[i];
    x->rq = &reqs[i];
    x->out = &out[i];
    x->backoff_ms = o.backoff_ms;
    x->state = X_WAITING;
    qg_buf_init(&x->body, o.max_response);
    describe_url(x);
    const char *why = multi ? setup_easy(x, &o) : "libcurl cannot set up transfers (out of memory)";
    if (why) {
      x->out->status = QG_ENET;
      set_error(x, "%s", why);
      x->state = X_DONE;
      done++;
    }
  }

  unsigned active = 0;
  while (done < n) {
    long long now = mono_ms();
    /* Start what is due, in request order, while there is room; a request
     * waiting for its retry holds no slot. */
    long long next_due = -1;
    for (size_t i = 0; i < n; i++) {
      xfer *x = &xs[i];
      if (x->state != X_WAITING)
        continue;
      if (x->due_ms <= now && active < o.parallel) {
        if (start_attempt(multi, x, &o, now)) {
          active++;
        } else {
          x->state = X_DONE;
          done++;
        }
      } else if (x->due_ms > now && (next_due < 0 || x->due_ms < next_due)) {
        next_due = x->due_ms;
      }
    }

    int running = 0;
    curl_multi_perform(multi, &running);
    CURLMsg *msg;
    int left;
    bool settled = false;
    while ((msg = curl_multi_info_read(multi, &left))) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      xfer *x = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
      CURLcode rc = msg->data.result; /* msg is invalid after remove_handle */
      finish_attempt(multi, x, rc, &o, mono_ms());
      active--;
      settled = true;
      if (x->state == X_DONE)
        done++;
    }
    if (settled || done == n)
      continue; /* start what became due or got a free slot at once */

    /* Sleep until there is activity, libcurl's own timers fire (poll takes
     * the smaller timeout) or the next waiting request is due. */
    int timeout = 1000;
    if (next_due >= 0 && active < o.parallel) {
      long long d = next_due - mono_ms();
      timeout = d < 0 ? 0 : d < timeout ? (int)d : timeout;
    }
    curl_multi_poll(multi, NULL, 0, timeout, NULL);
  }

  for (size_t i = 0; i < n; i++) {
    xfer *x = &xs[i];
    if (!x->out->body) { /* failed before any attempt ended */
      x->out->len = x->body.len;
      x->out->body = qg_buf_detach(&x->body);
    }
    if (x->easy)
      curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    qg_buf_cleanup(&x->body);
  }
  free(xs);
  if (multi)
    curl_multi_cleanup(multi);
  return QG_OK;
}

void qg_http_response_cleanup(qg_http_response *r) {
  if (!r)
    return;
  free(r->body);
  r->body = NULL;
  r->len = 0;
}
