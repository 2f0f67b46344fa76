/* clock.c - the system clock and a fixed clock for tests (see iam/clock.h). */
#include "iam/clock.h"

#include <stdatomic.h>
#include <time.h>

static int64_t system_now_ms(const iam_clock *c)
{
    struct timespec ts;
    (void)c;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t fixed_now_ms(const iam_clock *c)
{
    return atomic_load(&((iam_clock *)(uintptr_t)c)->fixed_ms);
}

static iam_clock system_clock = {.now_ms = system_now_ms};

const iam_clock *iam_clock_system(void) { return &system_clock; }

void iam_clock_fixed_init(iam_clock *c, int64_t ms)
{
    c->now_ms = fixed_now_ms;
    atomic_init(&c->fixed_ms, ms);
}

void iam_clock_set(iam_clock *c, int64_t ms) { atomic_store(&c->fixed_ms, ms); }
