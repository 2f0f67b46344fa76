/* iam/clock.h - the one source of time for libiam and iamd.
 * Expiry, clock skew and rotation read time only through an iam_clock, so
 * tests drive time with a clock they control (iam_clock_fixed) instead of
 * sleeping; the production binary only ever uses iam_clock_system().
 * Threads: the system clock is safe from any thread; a fixed clock may be
 * read from any thread while one thread moves it (atomic). */
#ifndef IAM_CLOCK_H
#define IAM_CLOCK_H
#include <stdint.h>
#include "iam/err.h"

typedef struct iam_clock {
    /* Milliseconds since the Unix epoch (UTC). */
    int64_t (*now_ms)(const struct iam_clock *c);
    _Atomic int64_t fixed_ms; /* used by the fixed clock only */
} iam_clock;

/* The wall clock (CLOCK_REALTIME). A static object: never freed. */
IAM_API const iam_clock *iam_clock_system(void);
/* Initialises a caller-owned clock that reads `ms` until iam_clock_set(). */
IAM_API void iam_clock_fixed_init(iam_clock *c, int64_t ms);
IAM_API void iam_clock_set(iam_clock *c, int64_t ms);
static inline int64_t iam_clock_now_ms(const iam_clock *c) { return c->now_ms(c); }
static inline int64_t iam_clock_now(const iam_clock *c) { return c->now_ms(c) / 1000; }

#endif /* IAM_CLOCK_H */
