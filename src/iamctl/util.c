/* util.c - reading inputs under a cap, string copies and the error printers
 * of iamctl. Reading grows a buffer geometrically up to cap + 1 bytes so that
 * an input exactly at the cap is accepted and one byte more is refused
 * without ever holding more than the cap in memory. */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *cli_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

void cli_format_size(char *buf, size_t bufsize, size_t n)
{
    if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
        snprintf(buf, bufsize, "%zu MiB", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, bufsize, "%zu KiB", n >> 10);
    else
        snprintf(buf, bufsize, "%zu bytes", n);
}

void cli_bytes_free(cli_bytes *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

int cli_read_input(const char *path, size_t cap, cli_bytes *out)
{
    const char *name = cli_display_name(path);
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, size = 0;
    struct stat st;
    char limit[32];

    out->data = NULL;
    out->len = 0;
    if (is_stdin) {
        f = stdin;
    } else {
        f = fopen(path, "rb");
        if (f == NULL) {
            cli_error("%s: %s", name, strerror(errno));
            return -1;
        }
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory", name);
        goto fail;
    }
    for (;;) {
        size_t want, n;
        if (len + 1 >= size) {
            /* Room for cap + 1 content bytes (one more than allowed, to
             * detect "too large") and the NUL. Once size is cap + 2 we never
             * get here again: a full buffer means len > cap, refused below. */
            char *nbuf;
            want = size == 0 ? (size_t)64 * 1024 : size * 2;
            if (want > cap + 2)
                want = cap + 2;
            nbuf = realloc(buf, want);
            if (nbuf == NULL) {
                cli_error("%s: out of memory", name);
                goto fail;
            }
            buf = nbuf;
            size = want;
        }
        want = size - 1 - len;
        n = fread(buf + len, 1, want, f);
        len += n;
        if (len > cap) {
            cli_format_size(limit, sizeof limit, cap);
            cli_error("%s: input is larger than the limit of %s", name, limit);
            goto fail;
        }
        if (n < want) { /* fread is short only at end of file or on error */
            if (ferror(f)) {
                cli_error("%s: read error: %s", name, strerror(errno));
                goto fail;
            }
            break;
        }
    }
    buf[len] = '\0';
    if (!is_stdin)
        fclose(f);
    out->data = buf;
    out->len = len;
    return 0;
fail:
    free(buf);
    if (!is_stdin && f != NULL)
        fclose(f);
    return -1;
}

char *cli_strndup(const char *s, size_t n)
{
    char *p;
    if (s == NULL)
        return NULL;
    p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cli_strdup(const char *s)
{
    return s == NULL ? NULL : cli_strndup(s, strlen(s));
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("iamctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_warning(const char *fmt, ...)
{
    va_list ap;
    fputs("iamctl: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_fput_escaped(FILE *f, iam_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch == '"' || ch == '\\') {
            fputc('\\', f);
            fputc(ch, f);
        } else if (ch < 0x20 || ch == 0x7f) {
            fprintf(f, "\\x%02x", (unsigned)ch);
        } else {
            fputc(ch, f);
        }
    }
}

void cli_sanitize(char *dst, size_t dstsize, const char *src)
{
    size_t i = 0;
    if (dstsize == 0)
        return;
    for (; src != NULL && src[i] != '\0' && i + 1 < dstsize; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    dst[i] = '\0';
}
