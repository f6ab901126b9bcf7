/* mockhttp.h: a scripted HTTP/1.1 server on 127.0.0.1 for tests, in-process,
 * on its own thread. It serves, for each "METHOD PATH" route, the responses
 * scripted for it in order, and records every request it receives. A request
 * with no scripted response left gets 599 and is recorded as unexpected.
 * Used by the fixture runner and the unit tests; never by qgate itself. */
#ifndef QG_MOCKHTTP_H
#define QG_MOCKHTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mock_server mock_server;

typedef struct mock_header {
  char *name;  /* owned by the server; lower-cased */
  char *value; /* owned by the server */
} mock_header;

typedef struct mock_request {
  char *method, *path;  /* path with its query string, as sent */
  mock_header *headers; /* in the order received */
  size_t nheaders;
  char *body; /* NUL-terminated beyond len (chunked bodies de-chunked) */
  size_t len;
  bool unexpected; /* no scripted response was left for its route */
} mock_request;

/* Listens on 127.0.0.1, on a free port. NULL when it cannot. Free with mock_stop. */
mock_server *mock_start(void);
int mock_port(const mock_server *m);

/* Scripts the next response for METHOD PATH (PATH without the query string).
 * raw is an HTTP response as written in a test: a status line, header lines,
 * an empty line and the body; "\n" line ends are accepted (sent as "\r\n"),
 * Content-Length is computed (one given is replaced), and the pseudo-headers
 *   X-Mock-Delay-Ms: N   wait N ms before answering (to test timeouts)
 *   X-Mock-Close: 1      close the connection without answering
 * are acted on and not sent. Thread-safe; may be called while serving. */
void mock_add_response(mock_server *m, const char *method, const char *path, const char *raw);

/* The requests received so far, in arrival order; borrowed until mock_stop. */
size_t mock_nrequests(const mock_server *m);
const mock_request *mock_request_at(const mock_server *m, size_t i);
/* The first header of that name (case-insensitive) or NULL; borrowed. */
const char *mock_header_value(const mock_request *rq, const char *name);

/* Checks rq's AWS Signature Version 4 Authorization header against the given
 * credentials, recomputing the canonical request and the signature (OpenSSL
 * libcrypto's SHA-256 and HMAC). True when valid; otherwise why[] says what
 * differs (for a wrong signature: the canonical request expected, which holds
 * the signed header values, so tests print why[] only on failure).
 * As AWS does: the canonical URI is the received path URI-encoded once more
 * for every service but "s3" (decoded and encoded once there), the query is
 * decoded, re-encoded and sorted, SignedHeaders must be lower-case, sorted
 * and include host and x-amz-date, header values are trimmed with inner runs
 * of spaces collapsed, and the payload hash is x-amz-content-sha256 when
 * sent, else the body's SHA-256. The key id, the scope's date (against
 * X-Amz-Date), region and service must match; the age of X-Amz-Date is not
 * checked, so recorded examples stay valid. */
bool mock_sigv4_verify(const mock_request *rq, const char *key_id, const char *secret,
                       const char *region, const char *service, char *why, size_t whysz);

/* Stops the server and frees everything. */
void mock_stop(mock_server *m);

#endif
