/* sigv4.c: AWS Signature Version 4 (see sigv4.h): the canonical request,
 * the string to sign and the derived key, hashed with libcrypto. */
#include "core/sigv4.h"

#include "core/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { SHA256_LEN = 32, NAME_MAX_LEN = 63 };

static const char k_algo[] = "AWS4-HMAC-SHA256";

/* ---- encoding ----------------------------------------------------------- */
static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

/* A byte libcurl 7.88 sends in a path or query as it is: printable ASCII
 * without the blank. It encodes blanks and 8-bit bytes itself, so a
 * signature over them would not match what arrives. */
static bool sent_as_is(unsigned char c) { return c > 0x20 && c < 0x7f; }

/* AWS's URI-encode: every byte but the unreserved ones (and '/' when
 * keep_slash) as %XX with upper-case hex. */
static void uri_encode(qg_buf *b, const char *s, size_t n, bool keep_slash) {
  static const char digits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/')) {
      qg_buf_putc(b, (char)c);
    } else {
      const char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
      qg_buf_append(b, esc, sizeof(esc));
    }
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

/* s[0..n) with its %XX escapes decoded (malformed ones kept as they are),
 * then URI-encoded: how AWS normalises what it received. */
static void reencode(qg_buf *b, const char *s, size_t n, bool keep_slash) {
  qg_buf d;
  qg_buf_init(&d, 0);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      qg_buf_putc(&d, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      qg_buf_putc(&d, s[i]);
    }
  }
  uri_encode(b, d.data ? d.data : "", d.len, keep_slash);
  qg_buf_cleanup(&d);
}

/* ---- the parts of the URL ----------------------------------------------- */
typedef struct target {
  char *host;       /* the Host value libcurl would send; owned */
  const char *path; /* into the URL; pathlen 0 when it has none */
  size_t pathlen;
  const char *query; /* into the URL, after '?'; NULL when none */
  size_t querylen;
} target;

static bool parse_url(const char *url, target *t, char **why) {
  memset(t, 0, sizeof(*t));
  size_t skip;
  long defport;
  if (url && strncasecmp(url, "http://", 7) == 0) {
    skip = 7;
    defport = 80;
  } else if (url && strncasecmp(url, "https://", 8) == 0) {
    skip = 8;
    defport = 443;
  } else {
    qg_why(why, "the URL must start with http:// or https://");
    return false;
  }
  const char *auth = url + skip;
  size_t alen = strcspn(auth, "/?#");
  size_t at = 0; /* where host[:port] starts, after any user info */
  for (size_t i = 0; i < alen; i++)
    if (auth[i] == '@')
      at = i + 1;
  const char *hp = auth + at, *end = auth + alen, *hend;
  size_t hplen = alen - at;
  if (hplen && *hp == '[') { /* an IPv6 literal */
    const char *close = memchr(hp, ']', hplen);
    if (!close) {
      qg_why(why, "the URL's host is not valid");
      return false;
    }
    hend = close + 1;
  } else {
    const char *colon = memchr(hp, ':', hplen);
    hend = colon ? colon : end;
  }
  if (hend == hp) {
    qg_why(why, "the URL has no host");
    return false;
  }
  for (const char *c = hp; c < hend; c++) {
    if (!sent_as_is((unsigned char)*c)) {
      qg_why(why, "the URL's host is not valid");
      return false;
    }
  }
  long port = defport;
  if (hend < end) {
    if (*hend != ':' || end - hend > 6) {
      qg_why(why, "the URL's port is not valid");
      return false;
    }
    if (end - hend > 1) { /* "host:" is the default port, as for libcurl */
      port = 0;
      for (const char *c = hend + 1; c < end; c++) {
        if (*c < '0' || *c > '9') {
          qg_why(why, "the URL's port is not valid");
          return false;
        }
        port = port * 10 + (*c - '0');
      }
      if (port < 1 || port > 65535) {
        qg_why(why, "the URL's port is not valid");
        return false;
      }
    }
  }
  /* libcurl's Host line: the port only when it is not the scheme's */
  if (port == defport)
    t->host = qg_xstrndup(hp, (size_t)(hend - hp));
  else
    t->host = qg_xasprintf("%.*s:%ld", (int)(hend - hp), hp, port);

  const char *rest = end;
  t->path = rest;
  t->pathlen = strcspn(rest, "?#");
  if (rest[t->pathlen] == '?') {
    t->query = rest + t->pathlen + 1;
    t->querylen = strcspn(t->query, "#");
  }
  for (size_t i = 0; i < t->pathlen; i++) {
    if (!sent_as_is((unsigned char)t->path[i])) {
      qg_why(why, "the URL's path holds a blank or a byte outside printable ASCII");
      goto bad;
    }
  }
  for (size_t i = 0; i < t->querylen; i++) {
    if (!sent_as_is((unsigned char)t->query[i])) {
      qg_why(why, "the URL's query holds a blank or a byte outside printable ASCII");
      goto bad;
    }
  }
  /* libcurl removes "." and ".." segments before sending */
  for (size_t i = 0; i < t->pathlen;) {
    size_t n = strcspn(t->path + i, "/?#");
    if ((n == 1 && t->path[i] == '.') || (n == 2 && t->path[i] == '.' && t->path[i + 1] == '.')) {
      qg_why(why, "the URL's path has a \".\" or \"..\" segment");
      goto bad;
    }
    i += n + 1;
  }
  return true;
bad:
  free(t->host);
  t->host = NULL;
  return false;
}

/* ---- canonical parts ---------------------------------------------------- */
static void canonical_uri(qg_buf *b, const target *t, bool s3) {
  if (t->pathlen == 0)
    qg_buf_putc(b, '/');
  else if (s3)
    reencode(b, t->path, t->pathlen, true);
  else
    uri_encode(b, t->path, t->pathlen, true); /* the written escapes, encoded again */
}

typedef struct qparam {
  char *name, *value; /* canonical forms; owned */
} qparam;

static int qparam_cmp(const void *a, const void *b) {
  const qparam *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

static char *reencoded(const char *s, size_t n) {
  qg_buf b;
  qg_buf_init(&b, 0);
  reencode(&b, s, n, false);
  return b.data ? qg_buf_detach(&b) : qg_xstrdup("");
}

static void canonical_query(qg_buf *b, const char *q, size_t n) {
  qparam *ps = NULL;
  size_t np = 0, cap = 0;
  for (size_t i = 0; i < n;) {
    const char *p = q + i;
    const char *amp = memchr(p, '&', n - i);
    size_t len = amp ? (size_t)(amp - p) : n - i;
    if (len) {
      const char *eq = memchr(p, '=', len);
      size_t kn = eq ? (size_t)(eq - p) : len;
      qg_grow((void **)&ps, &cap, np + 1, sizeof(*ps));
      ps[np].name = reencoded(p, kn);
      ps[np].value = eq ? reencoded(eq + 1, len - kn - 1) : qg_xstrdup("");
      np++;
    }
    i += len + 1;
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

typedef struct sheader {
  char *name;        /* lower-cased; owned */
  const char *value; /* trimmed; borrowed */
  size_t vlen;
  size_t order; /* the position among the lines: repeated names keep it */
} sheader;

static int sheader_cmp(const void *a, const void *b) {
  const sheader *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void add_signed(sheader *hs, size_t *n, const char *name, size_t namelen, const char *value,
                       size_t vlen) {
  sheader *h = &hs[*n];
  h->name = qg_xstrndup(name, namelen);
  for (char *c = h->name; *c; c++)
    if (*c >= 'A' && *c <= 'Z')
      *c = (char)(*c - 'A' + 'a');
  h->value = value;
  h->vlen = vlen;
  h->order = *n;
  (*n)++;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* An HTTP field name (RFC 9110 token): letters, digits and !#$%&'*+-.^_`|~. */
static bool is_token(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || strchr("!#$%&'*+-.^_`|~", s[i])))
      return false;
  return true;
}

/* A value with inner runs of blanks collapsed to one space (the value is
 * trimmed already). */
static void put_value(qg_buf *b, const char *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (is_blank(v[i])) {
      while (i + 1 < n && is_blank(v[i + 1]))
        i++;
      qg_buf_putc(b, ' ');
    } else {
      qg_buf_putc(b, v[i]);
    }
  }
}

/* ---- hashing ------------------------------------------------------------ */
static void to_hex(const unsigned char *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static bool sha256_hex(const void *p, size_t n, char out[2 * SHA256_LEN + 1]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (!EVP_Digest(p ? p : "", n, md, &mdlen, EVP_sha256(), NULL) || mdlen != SHA256_LEN)
    return false;
  to_hex(md, mdlen, out);
  return true;
}

static bool hmac256(const void *key, size_t keylen, const char *msg,
                    unsigned char out[SHA256_LEN]) {
  unsigned int outlen = 0;
  return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out,
              &outlen) != NULL &&
         outlen == SHA256_LEN;
}

/* The signature: HMAC chains from "AWS4" + secret through the scope to the
 * string to sign. The key material is wiped after use. */
static bool signature_hex(const char *secret, const char *date, const char *region,
                          const char *service, const char *sts, char out[2 * SHA256_LEN + 1]) {
  char *k0 = qg_xasprintf("AWS4%s", secret);
  unsigned char a[SHA256_LEN], b[SHA256_LEN];
  bool ok = hmac256(k0, strlen(k0), date, a) && hmac256(a, sizeof(a), region, b) &&
            hmac256(b, sizeof(b), service, a) && hmac256(a, sizeof(a), "aws4_request", b) &&
            hmac256(b, sizeof(b), sts, a);
  if (ok)
    to_hex(a, sizeof(a), out);
  OPENSSL_cleanse(k0, strlen(k0));
  OPENSSL_cleanse(a, sizeof(a));
  OPENSSL_cleanse(b, sizeof(b));
  free(k0);
  return ok;
}

/* ---- checks of the input ------------------------------------------------ */
/* "aws:amz:REGION:SERVICE" into region and service (each 1..63 bytes of
 * A-Z a-z 0-9 - _ .). */
static bool parse_provider(const char *p, char *region, char *service) {
  static const char prefix[] = "aws:amz:";
  if (!p || strncasecmp(p, prefix, sizeof(prefix) - 1) != 0)
    return false;
  p += sizeof(prefix) - 1;
  char *outs[2] = {region, service};
  for (int k = 0; k < 2; k++) {
    size_t n = 0;
    for (; p[n] && p[n] != ':'; n++) {
      unsigned char c = (unsigned char)p[n];
      if (n >= NAME_MAX_LEN || !(unreserved(c) && c != '~'))
        return false;
    }
    if (n == 0 || (k == 0 && p[n] != ':') || (k == 1 && p[n]))
      return false;
    memcpy(outs[k], p, n);
    outs[k][n] = '\0';
    p += n + 1;
  }
  return true;
}

static bool all_sent_as_is(const char *s) {
  for (; *s; s++)
    if (!sent_as_is((unsigned char)*s))
      return false;
  return true;
}

static bool has_control(const char *s) {
  for (; *s; s++)
    if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
      return true;
  return false;
}

/* ---- signing ------------------------------------------------------------ */
qg_status qg_sigv4_sign(const qg_sigv4_input *in, char ***headers_out, size_t *n_out, char **why) {
  *headers_out = NULL;
  *n_out = 0;
  if (why)
    *why = NULL;
  char region[NAME_MAX_LEN + 1], service[NAME_MAX_LEN + 1];
  if (!parse_provider(in->provider, region, service)) {
    qg_why(why, "the provider must be aws:amz:REGION:SERVICE");
    return QG_EUSAGE;
  }
  if (!in->method || !*in->method || !all_sent_as_is(in->method)) {
    qg_why(why, "no method");
    return QG_EUSAGE;
  }
  /* the key id goes into the Credential: no '/' or ',' */
  if (!in->key_id || !*in->key_id || !all_sent_as_is(in->key_id) || strpbrk(in->key_id, "/,")) {
    qg_why(why, "no usable access key id");
    return QG_EUSAGE;
  }
  if (!in->secret || !*in->secret) {
    qg_why(why, "no secret access key");
    return QG_EUSAGE;
  }
  const char *token = in->session_token && *in->session_token ? in->session_token : NULL;
  if (token && !all_sent_as_is(token)) {
    qg_why(why, "the session token holds a blank or a byte outside printable ASCII");
    return QG_EUSAGE;
  }
  if (in->body_len && !in->body) {
    qg_why(why, "body_len without a body");
    return QG_EUSAGE;
  }
  char amzdate[32];
  time_t t = (time_t)in->now;
  struct tm tm;
  if (in->now < 0 || (long long)t != in->now || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
      strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm) != 16) {
    qg_why(why, "the time is out of range");
    return QG_EUSAGE;
  }
  char date[9];
  memcpy(date, amzdate, 8);
  date[8] = '\0';

  target tg;
  if (!parse_url(in->url, &tg, why))
    return QG_EUSAGE;

  qg_status st = QG_OK;
  sheader *hs = qg_xcalloc(in->nheaders + 4, sizeof(*hs));
  size_t nh = 0;
  qg_buf creq;
  qg_buf_init(&creq, 0);
  char **out = qg_xcalloc(5, sizeof(*out));
  size_t nout = 0;
  bool caller_host = false;

  /* the caller's lines that are signed */
  static const char *const reserved[] = {"X-Amz-Date", "X-Amz-Security-Token",
                                         "X-Amz-Content-Sha256", "Authorization"};
  for (size_t i = 0; i < in->nheaders; i++) {
    const char *line = in->headers[i];
    const char *colon = line ? strchr(line, ':') : NULL;
    if (!colon || has_control(line)) {
      qg_why(why, "header %zu is not one \"Name: value\" line", i + 1);
      st = QG_EUSAGE;
      goto out;
    }
    size_t nn = (size_t)(colon - line);
    while (nn && is_blank(line[nn - 1]))
      nn--;
    /* a signed name goes into SignedHeaders as it is: an HTTP token only (no ';', ',',
     * blank or byte outside ASCII, which would change that list or the line) */
    if (nn == 0 || !is_token(line, nn)) {
      qg_why(why, "header %zu is not one \"Name: value\" line", i + 1);
      st = QG_EUSAGE;
      goto out;
    }
    const char *v = colon + 1;
    while (is_blank(*v))
      v++;
    size_t vn = strlen(v);
    while (vn && is_blank(v[vn - 1]))
      vn--;
    for (size_t r = 0; r < QG_ARRAY_LEN(reserved); r++) {
      if (nn == strlen(reserved[r]) && strncasecmp(line, reserved[r], nn) == 0) {
        qg_why(why, "header %zu sets %s, which the signature adds", i + 1, reserved[r]);
        st = QG_EUSAGE;
        goto out;
      }
    }
    bool host = nn == 4 && strncasecmp(line, "host", 4) == 0;
    if (host && (vn == 0 || caller_host)) {
      qg_why(why, "header %zu: an empty or repeated Host line", i + 1);
      st = QG_EUSAGE;
      goto out;
    }
    if (vn == 0) /* libcurl sends no header for "Name:" */
      continue;
    if (host || (nn == 12 && strncasecmp(line, "content-type", 12) == 0) ||
        (nn > 6 && strncasecmp(line, "x-amz-", 6) == 0)) {
      add_signed(hs, &nh, line, nn, v, vn);
      caller_host |= host;
    }
  }

  /* ours */
  char payload[2 * SHA256_LEN + 1];
  if (!sha256_hex(in->body, in->body_len, payload)) {
    qg_why(why, "libcrypto cannot compute SHA-256");
    st = QG_EIO;
    goto out;
  }
  if (!caller_host) {
    add_signed(hs, &nh, "host", 4, tg.host, strlen(tg.host));
    out[nout++] = qg_xasprintf("Host: %s", tg.host);
  }
  add_signed(hs, &nh, "x-amz-date", 10, amzdate, strlen(amzdate));
  out[nout++] = qg_xasprintf("X-Amz-Date: %s", amzdate);
  if (token) {
    add_signed(hs, &nh, "x-amz-security-token", 20, token, strlen(token));
    out[nout++] = qg_xasprintf("X-Amz-Security-Token: %s", token);
  }
  if (!in->no_content_sha256) {
    add_signed(hs, &nh, "x-amz-content-sha256", 20, payload, strlen(payload));
    out[nout++] = qg_xasprintf("X-Amz-Content-Sha256: %s", payload);
  }
  qsort(hs, nh, sizeof(*hs), sheader_cmp);

  /* the canonical request */
  qg_buf_printf(&creq, "%s\n", in->method);
  canonical_uri(&creq, &tg, strcmp(service, "s3") == 0);
  qg_buf_putc(&creq, '\n');
  canonical_query(&creq, tg.query, tg.querylen);
  qg_buf_putc(&creq, '\n');
  for (size_t i = 0; i < nh; i++) {
    bool again = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;
    if (again) {
      qg_buf_putc(&creq, ',');
    } else {
      if (i > 0)
        qg_buf_putc(&creq, '\n');
      qg_buf_printf(&creq, "%s:", hs[i].name);
    }
    put_value(&creq, hs[i].value, hs[i].vlen);
  }
  qg_buf_puts(&creq, "\n\n");
  qg_buf signed_names;
  qg_buf_init(&signed_names, 0);
  for (size_t i = 0; i < nh; i++)
    if (i == 0 || strcmp(hs[i].name, hs[i - 1].name) != 0)
      qg_buf_printf(&signed_names, "%s%s", i ? ";" : "", hs[i].name);
  qg_buf_printf(&creq, "%s\n%s", signed_names.data, payload);

  /* the string to sign, the signature, the Authorization line */
  char creq_hash[2 * SHA256_LEN + 1], sig[2 * SHA256_LEN + 1];
  bool ok = sha256_hex(creq.data, creq.len, creq_hash);
  char *sts = qg_xasprintf("%s\n%s\n%s/%s/%s/aws4_request\n%s", k_algo, amzdate, date, region,
                           service, creq_hash);
  ok = ok && signature_hex(in->secret, date, region, service, sts, sig);
  free(sts);
  if (ok) {
    out[nout++] = qg_xasprintf("Authorization: %s Credential=%s/%s/%s/%s/aws4_request, "
                               "SignedHeaders=%s, Signature=%s",
                               k_algo, in->key_id, date, region, service, signed_names.data, sig);
  } else {
    qg_why(why, "libcrypto cannot compute the signature");
    st = QG_EIO;
  }
  qg_buf_cleanup(&signed_names);

out:
  for (size_t i = 0; i < nh; i++)
    free(hs[i].name);
  free(hs);
  qg_buf_cleanup(&creq);
  free(tg.host);
  if (st != QG_OK) {
    qg_sigv4_headers_free(out, nout);
    return st;
  }
  *headers_out = out;
  *n_out = nout;
  return QG_OK;
}

void qg_sigv4_headers_free(char **headers, size_t n) {
  if (!headers)
    return;
  for (size_t i = 0; i < n; i++) {
    if (headers[i])
      OPENSSL_cleanse(headers[i], strlen(headers[i])); /* the token may be in one */
    free(headers[i]);
  }
  free(headers);
}
