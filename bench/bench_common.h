/* bench/bench_common.h - small helpers shared by the benchmark programs:
 * a monotonic nanosecond clock, a radix sort for latency samples, a
 * percentile with bench.js's convention, and a measure of the timer's own
 * cost. Header-only (static functions) because bench/CMakeLists.txt builds
 * one executable per bench_*.c file. */
#ifndef IAM_BENCH_COMMON_H
#define IAM_BENCH_COMMON_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sorts n 32-bit samples ascending (LSD radix, 4 passes of 8 bits).
 * Returns 0, or -1 when the scratch buffer cannot be allocated (then the
 * samples are sorted with qsort instead, slower but correct). */
static inline int bench_u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static inline int bench_sort_u32(uint32_t *v, size_t n)
{
    uint32_t *tmp, *src, *dst;

    if (n < 2)
        return 0;
    tmp = malloc(n * sizeof(*tmp));
    src = v;
    dst = tmp;
    if (tmp == NULL) {
        qsort(v, n, sizeof(*v), bench_u32_cmp);
        return -1;
    }
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 0xffu) + 1]++;
        for (size_t b = 1; b < 257; b++)
            count[b] += count[b - 1];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xffu]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    /* four passes: the result is back in v */
    free(tmp);
    return 0;
}

/* sorted[min(n-1, floor(p*n))], as bench.js computes p50/p99. */
static inline uint32_t bench_pct(const uint32_t *sorted, size_t n, double p)
{
    size_t i;

    if (n == 0)
        return 0;
    i = (size_t)(p * (double)n);
    return sorted[i < n ? i : n - 1];
}

/* Median cost in ns of one back-to-back pair of bench_now_ns() calls: the
 * overhead every per-decision sample carries. */
static inline double bench_timer_overhead_ns(void)
{
    enum { PAIRS = 200000 };
    uint32_t *d = malloc(PAIRS * sizeof(*d));
    double med;

    if (d == NULL)
        return -1.0;
    for (size_t i = 0; i < PAIRS; i++) {
        uint64_t a = bench_now_ns();
        uint64_t b = bench_now_ns();
        d[i] = (uint32_t)(b - a);
    }
    (void)bench_sort_u32(d, PAIRS);
    med = (double)bench_pct(d, PAIRS, 0.5);
    free(d);
    return med;
}

#endif /* IAM_BENCH_COMMON_H */
