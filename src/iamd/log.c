/* log.c - JSON log lines on stderr with redaction of secret-bearing keys.
 * The line is built in a stack buffer and written with one write(2) so that
 * lines of concurrent threads never interleave. */
#include "log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static _Atomic int g_level = SRV_LOG_INFO;

bool srv_log_level_parse(const char *name, srv_log_level *out)
{
    static const struct { const char *n; srv_log_level l; } t[] = {
        { "debug", SRV_LOG_DEBUG }, { "info", SRV_LOG_INFO }, { "warn", SRV_LOG_WARN },
        { "warning", SRV_LOG_WARN }, { "error", SRV_LOG_ERROR },
    };
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(name, t[i].n) == 0) {
            *out = t[i].l;
            return true;
        }
    }
    return false;
}

void srv_log_set_level(srv_log_level lvl) { atomic_store(&g_level, (int)lvl); }

bool srv_log_enabled(srv_log_level lvl) { return (int)lvl >= atomic_load_explicit(&g_level, memory_order_relaxed); }

typedef struct line {
    char buf[4096];
    size_t len;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (l->len + n > sizeof l->buf - 2)
        n = sizeof l->buf - 2 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_json_string(line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[6];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(l, esc, 2);
        } else if (*p == '\n') {
            put(l, "\\n", 2);
        } else if (*p == '\t') {
            put(l, "\\t", 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15];
            put(l, esc, 6);
        } else {
            put(l, (const char *)p, 1);
        }
    }
    put(l, "\"", 1);
}

/* Keys whose values must never be logged, matched as substrings. */
static bool secret_key(const char *k)
{
    static const char *const bad[] = { "secret", "password", "signature", "authorization",
                                       "token", "credential", "body", "master" };
    char low[64];
    size_t n = 0;
    for (; k[n] && n < sizeof low - 1; n++)
        low[n] = (k[n] >= 'A' && k[n] <= 'Z') ? (char)(k[n] + 32) : k[n];
    low[n] = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(low, bad[i]) != NULL)
            return true;
    return false;
}

static bool is_number(const char *v)
{
    if (*v == '-')
        v++;
    if (!*v)
        return false;
    for (; *v; v++)
        if ((*v < '0' || *v > '9') && *v != '.')
            return false;
    return true;
}

void srv_log(srv_log_level lvl, const char *msg, ...)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };
    if (!srv_log_enabled(lvl))
        return;
    line l;
    l.len = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char tbuf[40];
    int tn = snprintf(tbuf, sizeof tbuf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    put(&l, "{\"time\":\"", 9);
    put(&l, tbuf, (size_t)tn);
    put(&l, "\",\"level\":\"", 11);
    put(&l, names[lvl], strlen(names[lvl]));
    put(&l, "\",\"msg\":", 8);
    put_json_string(&l, msg);
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (k == NULL)
            break;
        const char *v = va_arg(ap, const char *);
        bool num = false;
        if (k[0] == '#') {
            num = true;
            k++;
        }
        put(&l, ",", 1);
        put_json_string(&l, k);
        put(&l, ":", 1);
        if (secret_key(k))
            put_json_string(&l, "[REDACTED]");
        else if (v == NULL)
            put(&l, "null", 4);
        else if (num && is_number(v))
            put(&l, v, strlen(v));
        else
            put_json_string(&l, v);
    }
    va_end(ap);
    put(&l, "}", 1);
    l.buf[l.len++] = '\n';
    const char *p = l.buf;
    size_t left = l.len;
    while (left > 0) {
        ssize_t w = write(2, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        left -= (size_t)w;
    }
}
