/* util.h - small helpers of iamctl: reading an input (a file or "-" for
 * standard input) under a size cap, owned string copies, the one-line error
 * and warning printers, and escaped printing of untrusted text.
 * Everything here is used by every command; nothing keeps state. */
#ifndef IAMCTL_UTIL_H
#define IAMCTL_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "iam/str.h"

/* Exit statuses shared by every command. */
enum {
    CLI_EXIT_OK = 0,    /* allowed / valid / every case passed */
    CLI_EXIT_FAIL = 1,  /* denied / invalid / a case failed */
    CLI_EXIT_USAGE = 2  /* usage or input error */
};

#define CLI_POLICY_MAX ((size_t)1 << 20)    /* 1 MiB: a policy document */
#define CLI_CASEFILE_MAX ((size_t)16 << 20) /* 16 MiB: a decision-case file */

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* Bytes read from an input. data[len] is a NUL for convenience only: the
 * input may itself contain NULs, so callers always go by len. */
typedef struct cli_bytes {
    char *data;
    size_t len;
} cli_bytes;

/* Reads all of `path` ("-" = standard input) but at most `cap` bytes. On
 * failure prints one line "iamctl: NAME: reason" on stderr and returns -1
 * with *out zeroed; on success *out owns the bytes (cli_bytes_free). */
int cli_read_input(const char *path, size_t cap, cli_bytes *out);
void cli_bytes_free(cli_bytes *b);

/* The name to show for an input path: "<stdin>" for "-". */
const char *cli_display_name(const char *path);

/* Owned copies; NULL on out of memory (and cli_strdup(NULL) == NULL). */
char *cli_strdup(const char *s);
char *cli_strndup(const char *s, size_t n);

/* "iamctl: <message>" and "iamctl: warning: <message>" on stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);
void cli_warning(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Writes `s` with '"', '\\' and control bytes escaped, without quotes, so
 * that text taken from a document (a Sid, a case id) stays on one line. */
void cli_fput_escaped(FILE *f, iam_str s);

/* Copies `src` into dst (always terminated, truncated to fit), replacing
 * control bytes with '?', for ids and names used in message prefixes. */
void cli_sanitize(char *dst, size_t dstsize, const char *src);

/* Formats a byte count limit for messages: "1 MiB", "16 MiB", "512 bytes". */
void cli_format_size(char *buf, size_t bufsize, size_t n);

#endif /* IAMCTL_UTIL_H */
