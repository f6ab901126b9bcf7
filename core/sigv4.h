/* sigv4.h: AWS Signature Version 4 for one HTTP request, computed with
 * OpenSSL libcrypto's SHA-256 and HMAC.
 *
 * qgate signs requests itself rather than with libcurl's CURLOPT_AWS_SIGV4:
 * libcurl 7.88 signs the path and the query exactly as written, while AWS
 * URI-encodes the path once more for every service but S3 ("%3A" is signed
 * as "%253A") and sorts the query, so a Bedrock model id with ':' failed.
 *
 * What is signed, as AWS computes it from the request it receives:
 *   - the canonical URI: the URL's path as written, each byte but A-Z a-z
 *     0-9 - _ . ~ / encoded once more as %XX (for "s3": decoded, then encoded
 *     once); "/" for an empty path;
 *   - the canonical query: each parameter's name and value decoded and
 *     encoded again, sorted by name, then value;
 *   - the headers host (the caller's Host line, else the URL's host with
 *     :port for a port other than the scheme's default, sent as a Host line
 *     by the signer), x-amz-date, x-amz-security-token (with a token),
 *     x-amz-content-sha256 (unless left out), and from the caller's lines
 *     Content-Type and every X-Amz-* header; names lower-cased, values
 *     trimmed with inner runs of blanks collapsed, repeated names joined
 *     with ','; lines with an empty value are not signed (libcurl sends none);
 *   - the body's SHA-256.
 * Nothing here prints; *why never holds the secret, the token or a header
 * value. */
#ifndef QG_SIGV4_H
#define QG_SIGV4_H

#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct qg_sigv4_input {
  const char *method;         /* "POST", "GET", ... */
  const char *url;            /* http(s)://[user@]host[:port][/path][?query][#fragment],
                                 as it is sent; path and query in printable ASCII
                                 without blanks (libcurl would encode others), no
                                 "." or ".." segment (libcurl would remove it) */
  const char *const *headers; /* the request's "Name: value" lines, borrowed;
                                 none may be X-Amz-Date, X-Amz-Security-Token,
                                 X-Amz-Content-Sha256 or Authorization */
  size_t nheaders;
  const void *body; /* the body as sent; NULL with body_len 0: none */
  size_t body_len;
  const char *provider;      /* "aws:amz:REGION:SERVICE", as CURLOPT_AWS_SIGV4 */
  const char *key_id;        /* access key id */
  const char *secret;        /* secret access key */
  const char *session_token; /* NULL or "": none */
  long long now;             /* Unix time in seconds: X-Amz-Date and the scope */
  bool no_content_sha256;    /* leave X-Amz-Content-Sha256 out (AWS's published
                                 examples sign without it) */
} qg_sigv4_input;

/* Signs the request in and returns the header lines to add to it, in this
 * order: "Host: ..." (only when the caller's lines have none),
 * "X-Amz-Date: YYYYMMDDTHHMMSSZ", "X-Amz-Security-Token: ..." (with a token),
 * "X-Amz-Content-Sha256: <hex>" (unless no_content_sha256), and
 * "Authorization: AWS4-HMAC-SHA256 Credential=KEYID/DATE/REGION/SERVICE/
 * aws4_request, SignedHeaders=..., Signature=...".
 * *headers_out (n_out lines) is owned by the caller: free it with
 * qg_sigv4_headers_free. Returns QG_OK; QG_EUSAGE for input that cannot be
 * signed; QG_EIO when libcrypto fails: then *why (when why is not NULL) says
 * which part, owned by the caller (free; NULL on success), and *headers_out is
 * NULL and *n_out 0. */
qg_status qg_sigv4_sign(const qg_sigv4_input *in, char ***headers_out, size_t *n_out, char **why);

/* Frees the lines of qg_sigv4_sign; NULL is fine. */
void qg_sigv4_headers_free(char **headers, size_t n);

#endif
