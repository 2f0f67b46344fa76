/* metrics.c - fixed tables of atomic counters, one row per API action and
 * one column per HTTP status seen in practice (others fall into a catch-all
 * column with their own label), so that counting costs one atomic add and
 * never a lookup or lock. */
#include "metrics.h"
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int k_statuses[] = { 200, 400, 403, 404, 409, 413, 415, 500, 503 };
#define N_STATUS (sizeof k_statuses / sizeof k_statuses[0] + 1) /* + "other" */

/* Upper bounds in seconds (le), and the same in nanoseconds. */
static const char *const k_le[] = { "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
                                    "0.025",  "0.05",    "0.1",    "0.25",  "0.5",    "1",    "2.5",  "5" };
static const int64_t k_le_ns[] = { 100000,    250000,    500000,    1000000,    2500000,
                                   5000000,   10000000,  25000000,  50000000,   100000000,
                                   250000000, 500000000, 1000000000, 2500000000, 5000000000 };
#define N_BUCKETS (sizeof k_le_ns / sizeof k_le_ns[0])

struct srv_metrics {
    const char *const *actions;
    size_t n;                      /* named actions; rows n (unknown) and n+1 (other) follow */
    _Atomic uint64_t *requests;    /* (n + 2) * N_STATUS */
    _Atomic uint64_t other_status_code[1];
    _Atomic uint64_t decisions[SRV_DECISION_KINDS];
    _Atomic uint64_t buckets[N_BUCKETS + 1]; /* non-cumulative; last is +Inf */
    _Atomic uint64_t sum_ns;
    _Atomic uint64_t count;
};

srv_metrics *srv_metrics_new(const char *const *actions, size_t n)
{
    srv_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->requests = calloc((n + 2) * N_STATUS, sizeof *m->requests);
    if (m->requests == NULL) {
        free(m);
        return NULL;
    }
    m->actions = actions;
    m->n = n;
    return m;
}

void srv_metrics_free(srv_metrics *m)
{
    if (m == NULL)
        return;
    free(m->requests);
    free(m);
}

size_t srv_metrics_unknown(const srv_metrics *m) { return m->n; }
size_t srv_metrics_other(const srv_metrics *m) { return m->n + 1; }

static size_t status_col(int status)
{
    for (size_t i = 0; i < N_STATUS - 1; i++)
        if (k_statuses[i] == status)
            return i;
    return N_STATUS - 1;
}

void srv_metrics_request(srv_metrics *m, size_t action, int status, int64_t duration_ns)
{
    if (m == NULL)
        return;
    if (action > m->n + 1)
        action = m->n;
    atomic_fetch_add_explicit(&m->requests[action * N_STATUS + status_col(status)], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && duration_ns > k_le_ns[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_ns, (uint64_t)(duration_ns > 0 ? duration_ns : 0), memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

void srv_metrics_decision(srv_metrics *m, srv_decision_kind d)
{
    if (m != NULL && d < SRV_DECISION_KINDS)
        atomic_fetch_add_explicit(&m->decisions[d], 1, memory_order_relaxed);
}

typedef struct obuf {
    char *p;
    size_t len, cap;
    int oom;
} obuf;

static void out(obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(obuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->oom)
            return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap * 2 + (size_t)n;
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

char *srv_metrics_render(const srv_metrics *m, const char *extra, size_t *len)
{
    static const char *const dnames[] = { "allow", "explicit_deny", "implicit_deny", "error" };
    obuf b = { malloc(8192), 0, 8192, 0 };
    if (b.p == NULL)
        return NULL;
    out(&b, "# HELP iamd_requests_total Requests by API action and HTTP status.\n"
            "# TYPE iamd_requests_total counter\n");
    for (size_t a = 0; a < m->n + 2; a++) {
        const char *name = a < m->n ? m->actions[a] : a == m->n ? "unknown" : "other";
        for (size_t s = 0; s < N_STATUS; s++) {
            uint64_t v = atomic_load_explicit(&m->requests[a * N_STATUS + s], memory_order_relaxed);
            if (v == 0)
                continue;
            if (s < N_STATUS - 1)
                out(&b, "iamd_requests_total{action=\"%s\",status=\"%d\"} %llu\n", name, k_statuses[s],
                    (unsigned long long)v);
            else
                out(&b, "iamd_requests_total{action=\"%s\",status=\"other\"} %llu\n", name,
                    (unsigned long long)v);
        }
    }
    out(&b, "# HELP iamd_decisions_total Authorization decisions.\n# TYPE iamd_decisions_total counter\n");
    for (size_t d = 0; d < SRV_DECISION_KINDS; d++)
        out(&b, "iamd_decisions_total{decision=\"%s\"} %llu\n", dnames[d],
            (unsigned long long)atomic_load_explicit(&m->decisions[d], memory_order_relaxed));
    out(&b, "# HELP iamd_request_duration_seconds Time from request line to reply.\n"
            "# TYPE iamd_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        out(&b, "iamd_request_duration_seconds_bucket{le=\"%s\"} %llu\n", k_le[i], (unsigned long long)cum);
    }
    cum += atomic_load_explicit(&m->buckets[N_BUCKETS], memory_order_relaxed);
    out(&b, "iamd_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    uint64_t sum = atomic_load_explicit(&m->sum_ns, memory_order_relaxed);
    out(&b, "iamd_request_duration_seconds_sum %llu.%09llu\n", (unsigned long long)(sum / 1000000000u),
        (unsigned long long)(sum % 1000000000u));
    out(&b, "iamd_request_duration_seconds_count %llu\n", (unsigned long long)cum);
    if (extra != NULL)
        out(&b, "%s", extra);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
