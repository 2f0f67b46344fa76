/* common_int.h - library-internal helpers shared by every libiam module:
 * the allocator, a bump arena for compiled objects, ASCII case helpers. */
#ifndef IAM_COMMON_INT_H
#define IAM_COMMON_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

#ifdef IAM_UNIT_TESTS
#define IAM_TESTABLE
#else
#define IAM_TESTABLE static
#endif

void *iam__malloc(size_t n);
void *iam__calloc(size_t n, size_t size);
void *iam__realloc(void *p, size_t n);
void iam__free(void *p);

/* Makes room for `need` elements of `elem` bytes in the growable array
 * *ptr of capacity *cap (doubling from 8; *ptr may be NULL). On failure
 * the array is unchanged and false is returned. */
bool iam__grow(void **ptr, size_t *cap, size_t need, size_t elem);

/* A bump arena: many small allocations freed together. Blocks grow
 * geometrically; nothing is freed individually. */
typedef struct iam__arena_block iam__arena_block;
typedef struct iam__arena {
    iam__arena_block *head;
    size_t used, cap;   /* within head */
    size_t total;       /* bytes handed out, for limits and stats */
    unsigned char *ibuf;/* optional caller-owned first buffer (16-aligned) */
    size_t icap, iused;
} iam__arena;

void iam__arena_init(iam__arena *a);
/* As iam__arena_init, but serves allocations from `buf` (16-aligned, owned
 * by the caller, typically embedded next to the arena) until it is full:
 * small objects then need no allocation of their own and stay together. */
void iam__arena_init_buf(iam__arena *a, void *buf, size_t cap);
/* Frees the blocks; the caller's buffer is kept and reused. */
void iam__arena_free(iam__arena *a);
/* Returns zeroed, 16-aligned memory or NULL. */
void *iam__arena_alloc(iam__arena *a, size_t n);
/* Copies `s` into the arena (NUL-terminated for convenience). */
bool iam__arena_strdup(iam__arena *a, iam_str s, iam_str *out);
bool iam__arena_strdup_lower(iam__arena *a, iam_str s, iam_str *out);

static inline char iam__lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
bool iam__str_eq_nocase(iam_str a, iam_str b);
/* Formats into a fixed buffer; never overflows, always terminates. */
/* Reads all of the regular file `path` (at most `max` bytes) into a new
 * NUL-terminated buffer the caller frees with iam__free. IAM_E_NOTFOUND when
 * it cannot be opened, IAM_E_IO when it is not a regular file, too large or
 * unreadable (diag says which), IAM_E_NOMEM. */
iam_err iam__read_file(const char *path, size_t max, char **out, size_t *out_len, iam_diag *diag);
void iam__diag_set(iam_diag *d, const char *path, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* IAM_COMMON_INT_H */
