/* metrics.h - Prometheus counters of the server: requests by API action and
 * HTTP status, authorization decisions, and a request-latency histogram.
 * Rendered in the Prometheus text exposition format (version 0.0.4).
 * Threads: every update is a relaxed atomic add; rendering reads the
 * counters without stopping writers (each value is individually exact). */
#ifndef IAMD_METRICS_H
#define IAMD_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include "iam/eval.h"

typedef struct srv_metrics srv_metrics;

/* Decisions as counted: the engine's three plus an internal error. */
typedef enum srv_decision_kind {
    SRV_DECISION_ALLOW = 0,
    SRV_DECISION_EXPLICIT_DENY,
    SRV_DECISION_IMPLICIT_DENY,
    SRV_DECISION_ERROR,
    SRV_DECISION_KINDS
} srv_decision_kind;

/* `actions` (borrowed, must outlive the metrics) names the label values
 * 0..n-1; index n is counted as "unknown" (no or unknown Action) and n+1 as
 * "other" (non-API paths). NULL on OOM. */
srv_metrics *srv_metrics_new(const char *const *actions, size_t n);
void srv_metrics_free(srv_metrics *m);
/* action: 0..n-1, SRV_METRIC_UNKNOWN(m) or SRV_METRIC_OTHER(m). */
void srv_metrics_request(srv_metrics *m, size_t action, int status, int64_t duration_ns);
size_t srv_metrics_unknown(const srv_metrics *m);
size_t srv_metrics_other(const srv_metrics *m);
void srv_metrics_decision(srv_metrics *m, srv_decision_kind d);
/* The text exposition (malloc'd, *len set); NULL on OOM. `extra` (may be
 * NULL) is appended verbatim (e.g. gauges the caller owns). */
char *srv_metrics_render(const srv_metrics *m, const char *extra, size_t *len);

#endif /* IAMD_METRICS_H */
