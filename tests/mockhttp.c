/* mockhttp.c: a scripted HTTP/1.1 server on 127.0.0.1 for tests.
 *
 * One accept thread and one thread per connection, all joined by mock_stop.
 * Every wait (accept, read, X-Mock-Delay-Ms) polls a self-pipe as well, and
 * mock_stop writes one byte to it that is never read: the pipe then stays
 * readable and wakes every thread at once. Requests and scripts live under
 * one mutex; a recorded request is never changed again, so the pointers
 * handed out stay valid until mock_stop. */
#include "tests/mockhttp.h"

#include "core/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { MAX_LINE = 64 * 1024, MAX_HEADERS = 256, MAX_BODY = 256 * 1024 * 1024 };

typedef struct scripted {
  char *wire;      /* the response as sent: head, then body */
  size_t head_len; /* bytes of wire up to the end of the empty line */
  size_t len;
  long delay_ms; /* X-Mock-Delay-Ms */
  bool drop;     /* X-Mock-Close: close without answering */
  bool close;    /* the response says Connection: close */
} scripted;

typedef struct route {
  char *method, *path;
  scripted *items;
  size_t n, cap, next;
} route;

typedef struct conn {
  pthread_t thread;
  int fd;
  mock_server *m;
} conn;

struct mock_server {
  int lfd, port;
  int wake[2]; /* self-pipe: readable once mock_stop has begun */
  pthread_t accept_thread;
  pthread_mutex_t *mu; /* a pointer, so that const accessors can lock it */
  route *routes;
  size_t nroutes, routes_cap;
  mock_request **reqs;
  size_t nreqs, reqs_cap;
  conn **conns;
  size_t nconns, conns_cap;
};

/* strcasestr is a GNU extension; this is the part of it needed here. */
static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0)
      return true;
  return false;
}

/* ---- scripting ---------------------------------------------------------- */
static route *find_route(mock_server *m, const char *method, const char *path, size_t pathlen) {
  for (size_t i = 0; i < m->nroutes; i++) {
    route *r = &m->routes[i];
    if (strcmp(r->method, method) == 0 && strlen(r->path) == pathlen &&
        memcmp(r->path, path, pathlen) == 0)
      return r;
  }
  return NULL;
}

static void parse_script(const char *raw, scripted *out) {
  memset(out, 0, sizeof(*out));
  const char *body = NULL, *head_end = NULL;
  for (const char *p = raw; *p; p++) {
    if (p[0] == '\n' && p[1] == '\n') {
      head_end = p + 1;
      body = p + 2;
      break;
    }
    if (p[0] == '\n' && p[1] == '\r' && p[2] == '\n') {
      head_end = p + 1;
      body = p + 3;
      break;
    }
  }
  if (!head_end) {
    head_end = raw + strlen(raw);
    body = head_end;
  }
  qg_buf b;
  qg_buf_init(&b, 0);
  bool first = true;
  for (const char *line = raw; line < head_end;) {
    const char *nl = memchr(line, '\n', (size_t)(head_end - line));
    const char *end = nl ? nl : head_end;
    size_t n = (size_t)(end - line);
    if (n && line[n - 1] == '\r')
      n--;
    const char *colon = first ? NULL : memchr(line, ':', n);
    if (colon) {
      size_t nn = (size_t)(colon - line);
      const char *v = colon + 1;
      while (v < line + n && (*v == ' ' || *v == '\t'))
        v++;
      char *value = qg_xstrndup(v, (size_t)(line + n - v));
      if (nn == 14 && strncasecmp(line, "Content-Length", nn) == 0) {
        /* replaced by the real length */
      } else if (nn == 15 && strncasecmp(line, "X-Mock-Delay-Ms", nn) == 0) {
        out->delay_ms = atol(value);
      } else if (nn == 12 && strncasecmp(line, "X-Mock-Close", nn) == 0) {
        out->drop = atoi(value) != 0;
      } else {
        if (nn == 10 && strncasecmp(line, "Connection", nn) == 0 && contains_ci(value, "close"))
          out->close = true;
        qg_buf_append(&b, line, n);
        qg_buf_puts(&b, "\r\n");
      }
      free(value);
    } else if (n) {
      qg_buf_append(&b, line, n); /* the status line */
      qg_buf_puts(&b, "\r\n");
    }
    first = false;
    line = nl ? nl + 1 : head_end;
  }
  size_t blen = strlen(body);
  qg_buf_printf(&b, "Content-Length: %zu\r\n\r\n", blen);
  out->head_len = b.len;
  qg_buf_append(&b, body, blen);
  out->len = b.len;
  out->wire = qg_buf_detach(&b);
}

void mock_add_response(mock_server *m, const char *method, const char *path, const char *raw) {
  scripted s;
  parse_script(raw, &s);
  pthread_mutex_lock(m->mu);
  route *r = find_route(m, method, path, strlen(path));
  if (!r) {
    qg_grow((void **)&m->routes, &m->routes_cap, m->nroutes + 1, sizeof(*m->routes));
    r = &m->routes[m->nroutes++];
    memset(r, 0, sizeof(*r));
    r->method = qg_xstrdup(method);
    r->path = qg_xstrdup(path);
  }
  qg_grow((void **)&r->items, &r->cap, r->n + 1, sizeof(*r->items));
  r->items[r->n++] = s;
  pthread_mutex_unlock(m->mu);
}

/* ---- reading requests --------------------------------------------------- */
typedef struct reader {
  int fd, wake;
  char *buf;
  size_t len, pos, cap;
} reader;

/* Waits up to ms (-1: forever) for fd to be readable; false when the server
 * is stopping or on error. With fd < 0 it only sleeps (interruptibly). */
static bool wait_readable(int fd, int wake, int ms) {
  struct pollfd p[2] = {{wake, POLLIN, 0}, {fd, POLLIN, 0}};
  for (;;) {
    int rc = poll(p, fd >= 0 ? 2 : 1, ms);
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0 || (p[0].revents & POLLIN))
      return false;
    return fd >= 0 ? rc > 0 : true;
  }
}

/* Reads more bytes into r; false on end of stream, error or stop. */
static bool fill(reader *r) {
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
  }
  if (r->len + 4096 > r->cap)
    qg_grow((void **)&r->buf, &r->cap, r->len + 65536, 1);
  if (!wait_readable(r->fd, r->wake, -1))
    return false;
  ssize_t n;
  do
    n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return false;
  r->len += (size_t)n;
  return true;
}

/* One line without its "\r\n" or "\n", owned by the caller; NULL at the end. */
static char *read_line(reader *r) {
  for (;;) {
    char *nl = r->len > r->pos ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
    if (nl) {
      size_t n = (size_t)(nl - (r->buf + r->pos));
      char *line = qg_xstrndup(r->buf + r->pos, n && nl[-1] == '\r' ? n - 1 : n);
      r->pos += n + 1;
      return line;
    }
    if (r->len - r->pos > MAX_LINE || !fill(r))
      return NULL;
  }
}

static bool read_bytes(reader *r, size_t n, qg_buf *out) {
  while (n > 0) {
    if (r->pos == r->len && !fill(r))
      return false;
    size_t k = r->len - r->pos < n ? r->len - r->pos : n;
    if (qg_buf_append(out, r->buf + r->pos, k) != QG_OK)
      return false;
    r->pos += k;
    n -= k;
  }
  return true;
}

static bool send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

static char *trim_dup(const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t')) {
    s++;
    n--;
  }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return qg_xstrndup(s, n);
}

static void free_request(mock_request *rq) {
  if (!rq)
    return;
  free(rq->method);
  free(rq->path);
  for (size_t i = 0; i < rq->nheaders; i++) {
    free(rq->headers[i].name);
    free(rq->headers[i].value);
  }
  free(rq->headers);
  free(rq->body);
  free(rq);
}

static bool read_chunked(reader *r, qg_buf *body) {
  for (;;) {
    char *line = read_line(r);
    if (!line)
      return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(line, &end, 16);
    bool ok = end != line && errno == 0 && n <= MAX_BODY;
    free(line);
    if (!ok)
      return false;
    if (n == 0)
      break;
    if (!read_bytes(r, (size_t)n, body))
      return false;
    char *crlf = read_line(r);
    ok = crlf && !*crlf;
    free(crlf);
    if (!ok)
      return false;
  }
  for (;;) { /* trailers, up to the empty line */
    char *line = read_line(r);
    if (!line)
      return false;
    bool last = !*line;
    free(line);
    if (last)
      return true;
  }
}

/* Reads one request; NULL at the end of the connection or on bad input.
 * *keep says whether the client wants the connection kept open. */
static mock_request *read_request(reader *r, bool *keep) {
  char *line = read_line(r);
  while (line && !*line) { /* tolerated between requests */
    free(line);
    line = read_line(r);
  }
  if (!line)
    return NULL;
  mock_request *rq = qg_xcalloc(1, sizeof(*rq));
  char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
  if (!sp1 || !sp2) {
    free(line);
    free_request(rq);
    return NULL;
  }
  rq->method = qg_xstrndup(line, (size_t)(sp1 - line));
  rq->path = qg_xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
  bool http10 = strcmp(sp2 + 1, "HTTP/1.0") == 0;
  free(line);

  size_t hcap = 0;
  for (;;) {
    line = read_line(r);
    if (!line || rq->nheaders >= MAX_HEADERS) {
      free(line);
      free_request(rq);
      return NULL;
    }
    if (!*line) {
      free(line);
      break;
    }
    char *colon = strchr(line, ':');
    if (colon) {
      qg_grow((void **)&rq->headers, &hcap, rq->nheaders + 1, sizeof(*rq->headers));
      mock_header *h = &rq->headers[rq->nheaders++];
      h->name = trim_dup(line, (size_t)(colon - line));
      for (char *c = h->name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
      h->value = trim_dup(colon + 1, strlen(colon + 1));
    }
    free(line);
  }

  const char *connection = mock_header_value(rq, "connection");
  *keep = connection ? !contains_ci(connection, "close")
                     : !http10; /* HTTP/1.0 closes unless asked otherwise */
  if (http10 && connection && contains_ci(connection, "keep-alive"))
    *keep = true;

  const char *expect = mock_header_value(rq, "expect");
  if (expect && strcasecmp(expect, "100-continue") == 0 && !http10) {
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!send_all(r->fd, cont, sizeof(cont) - 1)) {
      free_request(rq);
      return NULL;
    }
  }

  qg_buf body;
  qg_buf_init(&body, MAX_BODY);
  const char *te = mock_header_value(rq, "transfer-encoding");
  const char *cl = mock_header_value(rq, "content-length");
  bool ok = true;
  if (te && contains_ci(te, "chunked")) {
    ok = read_chunked(r, &body);
  } else if (cl) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    ok = end != cl && !*end && errno == 0 && n <= MAX_BODY && read_bytes(r, (size_t)n, &body);
  }
  if (!ok) {
    qg_buf_cleanup(&body);
    free_request(rq);
    return NULL;
  }
  rq->len = body.len;
  rq->body = qg_buf_detach(&body);
  return rq;
}

/* ---- serving ------------------------------------------------------------ */
static void *serve_conn(void *arg) {
  conn *c = arg;
  mock_server *m = c->m;
  reader r = {c->fd, m->wake[0], NULL, 0, 0, 0};
  for (;;) {
    bool keep = true;
    mock_request *rq = read_request(&r, &keep);
    if (!rq)
      break;

    /* record it and take its scripted response in one step, so that arrival
     * order and script order agree */
    scripted s;
    bool have = false;
    size_t qlen = strcspn(rq->path, "?");
    pthread_mutex_lock(m->mu);
    route *rt = find_route(m, rq->method, rq->path, qlen);
    if (rt && rt->next < rt->n) {
      s = rt->items[rt->next++];
      have = true;
    }
    rq->unexpected = !have;
    qg_grow((void **)&m->reqs, &m->reqs_cap, m->nreqs + 1, sizeof(*m->reqs));
    m->reqs[m->nreqs++] = rq;
    pthread_mutex_unlock(m->mu);

    char *extra = NULL;
    if (!have) {
      char *raw = qg_xasprintf("HTTP/1.1 599 Unexpected\nContent-Type: text/plain\n\n"
                               "mockhttp: no scripted response left for %s %.*s\n",
                               rq->method, (int)qlen, rq->path);
      parse_script(raw, &s);
      free(raw);
      extra = s.wire;
    }
    bool go_on = true;
    if (s.delay_ms > 0 && !wait_readable(-1, m->wake[0], (int)s.delay_ms))
      go_on = false; /* stopping */
    if (go_on && s.drop)
      go_on = false;
    if (go_on) {
      size_t n = strcmp(rq->method, "HEAD") == 0 ? s.head_len : s.len;
      go_on = send_all(c->fd, s.wire, n) && keep && !s.close;
    }
    free(extra);
    if (!go_on)
      break;
  }
  free(r.buf);
  close(c->fd);
  return NULL;
}

static void *accept_loop(void *arg) {
  mock_server *m = arg;
  for (;;) {
    if (!wait_readable(m->lfd, m->wake[0], -1))
      break;
    int fd = accept(m->lfd, NULL, NULL);
    if (fd < 0)
      continue; /* EAGAIN (the client went away) or EINTR */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
      fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    /* a client that stops reading cannot hold mock_stop up for long */
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    conn *c = qg_xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->m = m;
    pthread_mutex_lock(m->mu);
    if (pthread_create(&c->thread, NULL, serve_conn, c) != 0) {
      close(fd);
      free(c);
    } else {
      qg_grow((void **)&m->conns, &m->conns_cap, m->nconns + 1, sizeof(*m->conns));
      m->conns[m->nconns++] = c;
    }
    pthread_mutex_unlock(m->mu);
  }
  return NULL;
}

mock_server *mock_start(void) {
  mock_server *m = qg_xcalloc(1, sizeof(*m));
  m->lfd = -1;
  m->wake[0] = m->wake[1] = -1;
  m->mu = qg_xmalloc(sizeof(*m->mu));
  pthread_mutex_init(m->mu, NULL);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = 0;
  socklen_t salen = sizeof(sa);
  if (pipe(m->wake) != 0)
    goto fail;
  m->lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (m->lfd < 0 || bind(m->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(m->lfd, 64) != 0 || getsockname(m->lfd, (struct sockaddr *)&sa, &salen) != 0)
    goto fail;
  /* non-blocking, so that accept after poll never hangs on a vanished client */
  int flags = fcntl(m->lfd, F_GETFL);
  if (flags < 0 || fcntl(m->lfd, F_SETFL, flags | O_NONBLOCK) != 0)
    goto fail;
  m->port = ntohs(sa.sin_port);
  if (pthread_create(&m->accept_thread, NULL, accept_loop, m) != 0)
    goto fail;
  return m;
fail:
  if (m->lfd >= 0)
    close(m->lfd);
  if (m->wake[0] >= 0) {
    close(m->wake[0]);
    close(m->wake[1]);
  }
  pthread_mutex_destroy(m->mu);
  free(m->mu);
  free(m);
  return NULL;
}

int mock_port(const mock_server *m) { return m->port; }

void mock_stop(mock_server *m) {
  if (!m)
    return;
  ssize_t w;
  do
    w = write(m->wake[1], "x", 1);
  while (w < 0 && errno == EINTR);
  pthread_join(m->accept_thread, NULL);
  /* no connection is added once the accept thread has ended */
  for (size_t i = 0; i < m->nconns; i++) {
    pthread_join(m->conns[i]->thread, NULL);
    free(m->conns[i]);
  }
  free(m->conns);
  close(m->lfd);
  close(m->wake[0]);
  close(m->wake[1]);
  for (size_t i = 0; i < m->nreqs; i++)
    free_request(m->reqs[i]);
  free(m->reqs);
  for (size_t i = 0; i < m->nroutes; i++) {
    for (size_t j = 0; j < m->routes[i].n; j++)
      free(m->routes[i].items[j].wire);
    free(m->routes[i].items);
    free(m->routes[i].method);
    free(m->routes[i].path);
  }
  free(m->routes);
  pthread_mutex_destroy(m->mu);
  free(m->mu);
  free(m);
}

size_t mock_nrequests(const mock_server *m) {
  pthread_mutex_lock(m->mu);
  size_t n = m->nreqs;
  pthread_mutex_unlock(m->mu);
  return n;
}

const mock_request *mock_request_at(const mock_server *m, size_t i) {
  pthread_mutex_lock(m->mu);
  const mock_request *rq = i < m->nreqs ? m->reqs[i] : NULL;
  pthread_mutex_unlock(m->mu);
  return rq;
}

const char *mock_header_value(const mock_request *rq, const char *name) {
  for (size_t i = 0; i < rq->nheaders; i++)
    if (strcasecmp(rq->headers[i].name, name) == 0)
      return rq->headers[i].value;
  return NULL;
}

/* ---- AWS Signature Version 4 -------------------------------------------- */
static void hex(const unsigned char *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static void sha256_hex(const void *p, size_t n, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
  hex(md, mdlen, out);
}

static void hmac256(const void *key, size_t keylen, const char *msg, unsigned char out[32]) {
  unsigned int outlen = 32;
  HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &outlen);
}

static bool unreserved(unsigned char c) {
  return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* The spec's URI-encode: everything but unreserved characters (and '/' when
 * keep_slash) as %XX with upper-case hex. */
static void uri_encode(qg_buf *b, const char *s, size_t n, bool keep_slash) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/'))
      qg_buf_putc(b, (char)c);
    else
      qg_buf_printf(b, "%%%02X", c);
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n); malformed escapes stay as they are. Caller frees. */
static char *uri_decode(const char *s, size_t n, size_t *outlen) {
  char *d = qg_xmalloc(n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      d[k++] = s[i];
    }
  }
  d[k] = '\0';
  *outlen = k;
  return d;
}

/* The canonical URI as AWS computes it from the path as received: every
 * service but S3 URI-encodes the (already encoded) path once more, so "%3A"
 * is signed as "%253A"; S3 decodes it and encodes it once. */
static void canonical_uri(qg_buf *b, const char *path, size_t n, const char *service) {
  if (n == 0) {
    qg_buf_putc(b, '/');
    return;
  }
  if (strcmp(service, "s3") == 0) {
    size_t dn;
    char *d = uri_decode(path, n, &dn);
    uri_encode(b, d, dn, true);
    free(d);
  } else {
    uri_encode(b, path, n, true);
  }
}

typedef struct qparam {
  char *name, *value; /* canonical (encoded) forms */
} qparam;

static int qparam_cmp(const void *a, const void *b) {
  const qparam *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

static char *encode_part(const char *s, size_t n) {
  size_t dn;
  char *d = uri_decode(s, n, &dn);
  qg_buf b;
  qg_buf_init(&b, 0);
  uri_encode(&b, d, dn, false);
  free(d);
  return qg_buf_detach(&b);
}

/* The canonical query: parameters decoded, encoded by the spec's rules and
 * sorted by name, then value. */
static void canonical_query(qg_buf *b, const char *q) {
  qparam *ps = NULL;
  size_t np = 0, cap = 0;
  while (q && *q) {
    size_t n = strcspn(q, "&");
    if (n) {
      const char *eq = memchr(q, '=', n);
      size_t kn = eq ? (size_t)(eq - q) : n;
      qg_grow((void **)&ps, &cap, np + 1, sizeof(*ps));
      ps[np].name = encode_part(q, kn);
      ps[np].value = eq ? encode_part(eq + 1, n - kn - 1) : qg_xstrdup("");
      np++;
    }
    q += n;
    if (*q == '&')
      q++;
  }
  if (np)
    qsort(ps, np, sizeof(*ps), qparam_cmp);
  for (size_t i = 0; i < np; i++) {
    qg_buf_printf(b, "%s%s=%s", i ? "&" : "", ps[i].name, ps[i].value);
    free(ps[i].name);
    free(ps[i].value);
  }
  free(ps);
}

/* name:value for one signed header: every value received under that name,
 * trimmed, inner runs of spaces collapsed, joined with ','. */
static bool canonical_header(qg_buf *b, const mock_request *rq, const char *name) {
  bool found = false;
  qg_buf_printf(b, "%s:", name);
  for (size_t i = 0; i < rq->nheaders; i++) {
    if (strcmp(rq->headers[i].name, name) != 0)
      continue;
    if (found)
      qg_buf_putc(b, ',');
    found = true;
    /* a run of blanks is one space, except at the value's start (a ':' or ',' inside
     * the value keeps the space after it: found by fuzz/fuzz_sigv4.c) */
    bool space = false, start = true;
    for (const char *v = rq->headers[i].value; *v; v++) {
      if (*v == ' ' || *v == '\t') {
        space = true;
        continue;
      }
      if (space && !start)
        qg_buf_putc(b, ' ');
      space = false;
      start = false;
      qg_buf_putc(b, *v);
    }
  }
  qg_buf_putc(b, '\n');
  return found;
}

/* The value of "key=" in the comma-separated Authorization parameters, or
 * NULL; caller frees. */
static char *auth_param(const char *params, const char *key) {
  size_t kl = strlen(key);
  const char *p = params;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, ",");
    if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
      return trim_dup(p + kl + 1, n - kl - 1);
    p += n;
  }
  return NULL;
}

bool mock_sigv4_verify(const mock_request *rq, const char *key_id, const char *secret,
                       const char *region, const char *service, char *why, size_t whysz) {
  static const char algo[] = "AWS4-HMAC-SHA256 ";
  bool ok = false;
  char *cred = NULL, *signed_hdrs = NULL, *sig = NULL, *names = NULL;
  qg_buf creq;
  qg_buf_init(&creq, 0);
  snprintf(why, whysz, "ok");

  const char *auth = mock_header_value(rq, "authorization");
  const char *amzdate = mock_header_value(rq, "x-amz-date");
  if (!auth || strncmp(auth, algo, sizeof(algo) - 1) != 0) {
    snprintf(why, whysz, "no AWS4-HMAC-SHA256 Authorization header");
    goto out;
  }
  if (!amzdate || strlen(amzdate) != 16 || amzdate[8] != 'T' || amzdate[15] != 'Z') {
    snprintf(why, whysz, "no valid X-Amz-Date header");
    goto out;
  }
  cred = auth_param(auth + sizeof(algo) - 1, "Credential");
  signed_hdrs = auth_param(auth + sizeof(algo) - 1, "SignedHeaders");
  sig = auth_param(auth + sizeof(algo) - 1, "Signature");
  if (!cred || !signed_hdrs || !sig) {
    snprintf(why, whysz, "Authorization lacks Credential, SignedHeaders or Signature");
    goto out;
  }

  /* Credential=KEY/DATE/REGION/SERVICE/aws4_request */
  char *parts[5] = {0};
  size_t np = 0;
  for (char *p = cred; np < 5; np++) {
    parts[np] = p;
    char *slash = strchr(p, '/');
    if (!slash) {
      np++;
      break;
    }
    *slash = '\0';
    p = slash + 1;
  }
  if (np != 5 || strcmp(parts[4], "aws4_request") != 0) {
    snprintf(why, whysz, "malformed Credential scope");
    goto out;
  }
  if (strcmp(parts[0], key_id) != 0) {
    snprintf(why, whysz, "key id %s, expected %s", parts[0], key_id);
    goto out;
  }
  if (strncmp(parts[1], amzdate, 8) != 0 || strlen(parts[1]) != 8) {
    snprintf(why, whysz, "scope date %s does not match X-Amz-Date %s", parts[1], amzdate);
    goto out;
  }
  if (strcmp(parts[2], region) != 0) {
    snprintf(why, whysz, "region %s, expected %s", parts[2], region);
    goto out;
  }
  if (strcmp(parts[3], service) != 0) {
    snprintf(why, whysz, "service %s, expected %s", parts[3], service);
    goto out;
  }

  /* the canonical request */
  const char *query = strchr(rq->path, '?');
  size_t pathlen = query ? (size_t)(query - rq->path) : strlen(rq->path);
  qg_buf_printf(&creq, "%s\n", rq->method);
  canonical_uri(&creq, rq->path, pathlen, service);
  qg_buf_putc(&creq, '\n');
  canonical_query(&creq, query ? query + 1 : NULL);
  qg_buf_putc(&creq, '\n');
  names = qg_xstrdup(signed_hdrs);
  bool has_host = false, has_date = false;
  const char *prev = "";
  char *save = NULL;
  for (char *name = strtok_r(names, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
    for (const char *c = name; *c; c++) {
      if (isupper((unsigned char)*c)) {
        snprintf(why, whysz, "SignedHeaders has an upper-case name: %s", name);
        goto out;
      }
    }
    if (strcmp(prev, name) >= 0) {
      snprintf(why, whysz, "SignedHeaders is not sorted or repeats %s", name);
      goto out;
    }
    prev = name;
    has_host |= strcmp(name, "host") == 0;
    has_date |= strcmp(name, "x-amz-date") == 0;
    if (!canonical_header(&creq, rq, name)) {
      snprintf(why, whysz, "signed header %s was not received", name);
      goto out;
    }
  }
  if (!has_host || !has_date) {
    snprintf(why, whysz, "SignedHeaders lacks host or x-amz-date");
    goto out;
  }
  char payload[65];
  const char *given = mock_header_value(rq, "x-amz-content-sha256");
  if (given)
    snprintf(payload, sizeof(payload), "%s", given);
  else
    sha256_hex(rq->body ? rq->body : "", rq->len, payload);
  qg_buf_printf(&creq, "\n%s\n%s", signed_hdrs, payload);

  /* the string to sign and the signing key */
  char creq_hash[65];
  sha256_hex(creq.data, creq.len, creq_hash);
  char *sts = qg_xasprintf("AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, parts[1],
                           region, service, creq_hash);
  char *k0 = qg_xasprintf("AWS4%s", secret);
  unsigned char k1[32], k2[32];
  hmac256(k0, strlen(k0), parts[1], k1);
  hmac256(k1, 32, region, k2);
  hmac256(k2, 32, service, k1);
  hmac256(k1, 32, "aws4_request", k2);
  hmac256(k2, 32, sts, k1);
  char expect[65];
  hex(k1, 32, expect);
  OPENSSL_cleanse(k0, strlen(k0));
  free(k0);
  free(sts);
  if (strcmp(expect, sig) != 0) {
    snprintf(why, whysz, "signature differs; the canonical request was:\n%s", creq.data);
    goto out;
  }
  ok = true;
out:
  free(cred);
  free(signed_hdrs);
  free(sig);
  free(names);
  qg_buf_cleanup(&creq);
  return ok;
}
