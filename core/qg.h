/* qg.h: statuses, severities and the attributes every qgate module shares.
 *
 * Ownership rule for the whole library: a function that returns a pointer says
 * in its header comment who frees it. "Borrowed" means valid until the named
 * owner is freed; nothing borrowed may be freed by the caller. Library code
 * (core/, rules/, scanners/, scoring/, reporters/) never prints to the
 * terminal: tool problems go to a qg_diags sink and only cli/ writes them. */
#ifndef QG_QG_H
#define QG_QG_H

#include <stddef.h>
#include <stdint.h>

#define QG_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define QG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define QG_NORETURN __attribute__((noreturn))
#else
#define QG_PRINTF(fmt, args)
#define QG_NORETURN
#endif

#define QG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Results of fallible functions. Never a bare 1/0. */
typedef enum qg_status {
  QG_OK = 0,
  QG_ENOMEM,  /* allocation failed (qg_xmalloc aborts instead; kept for caps) */
  QG_EIO,     /* reading or writing a file failed */
  QG_EPARSE,  /* input is not well-formed */
  QG_EUSAGE,  /* bad command line */
  QG_ECONFIG, /* bad configuration value */
  QG_ETOOBIG, /* an input is over its cap */
  QG_ENOENT,  /* a named path does not exist */
  QG_EGIT,    /* libgit2 reported an error */
  QG_ENET,    /* a network request failed: connect, TLS, timeout, or no usable reply */
  QG__STATUS_LAST
} qg_status;

/* A static description of s; never NULL. */
const char *qg_strerror(qg_status s);

/* Ordered: --fail-on and scoring compare these numerically. */
typedef enum qg_severity {
  QG_SEV_INFO = 0,
  QG_SEV_LOW,
  QG_SEV_MEDIUM,
  QG_SEV_HIGH,
  QG_SEV_CRITICAL,
  QG__SEV_COUNT
} qg_severity;

/* "critical", "high", ...; static string, never NULL. */
const char *qg_severity_name(qg_severity s);
/* Parses a severity name (case-insensitive). Returns QG_OK or QG_EUSAGE. */
qg_status qg_severity_parse(const char *name, qg_severity *out);

/* Process exit statuses, as documented in README and `qgate --help`. */
enum {
  QG_EXIT_PASS = 0,   /* gate passed */
  QG_EXIT_FAIL = 1,   /* gate failed: a finding at or above --fail-on */
  QG_EXIT_INPUT = 2,  /* usage, configuration or input error */
  QG_EXIT_RUNTIME = 3 /* runtime error: I/O and the like */
};

#endif
