/* alloc.c - the allocator every libiam module uses, and the bump arena that
 * compiled policies and contexts live in (one free per object). */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "common/common_int.h"
#include "iam/alloc.h"

/* The one piece of process-wide state in libiam: which allocator to use.
 * Set before use (iam/alloc.h), read-only afterwards. */
static iam_allocator current = { malloc, realloc, free };

iam_err iam_allocator_set(const iam_allocator *a)
{
    if (a == NULL) {
        current = (iam_allocator){ malloc, realloc, free };
        return IAM_OK;
    }
    if (a->malloc_fn == NULL || a->realloc_fn == NULL || a->free_fn == NULL)
        return IAM_E_INVALID;
    current = *a;
    return IAM_OK;
}

void *iam__malloc(size_t n) { return current.malloc_fn(n ? n : 1); }

void *iam__calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1;
    if (n > SIZE_MAX / size)
        return NULL;
    void *p = current.malloc_fn(n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *iam__realloc(void *p, size_t n) { return current.realloc_fn(p, n ? n : 1); }

void iam__free(void *p)
{
    if (p != NULL)
        current.free_fn(p);
}

bool iam__grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return false;
        ncap *= 2;
    }
    if (elem == 0 || ncap > SIZE_MAX / elem)
        return false;
    void *np = iam__realloc(*ptr, ncap * elem);
    if (np == NULL)
        return false;
    *ptr = np;
    *cap = ncap;
    return true;
}

struct iam__arena_block {
    iam__arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void iam__arena_init(iam__arena *a) { memset(a, 0, sizeof(*a)); }

void iam__arena_init_buf(iam__arena *a, void *buf, size_t cap)
{
    memset(a, 0, sizeof(*a));
    a->ibuf = buf;
    a->icap = cap & ~(size_t)15u;
}

void iam__arena_free(iam__arena *a)
{
    iam__arena_block *b = a->head;
    while (b != NULL) {
        iam__arena_block *next = b->next;
        iam__free(b);
        b = next;
    }
    unsigned char *ibuf = a->ibuf;
    size_t icap = a->icap;
    memset(a, 0, sizeof(*a));
    a->ibuf = ibuf;
    a->icap = icap;
}

void *iam__arena_alloc(iam__arena *a, size_t n)
{
    size_t need = (n + 15u) & ~(size_t)15u;
    if (need < n)
        return NULL; /* overflow */
    if (a->ibuf != NULL && a->icap - a->iused >= need) {
        void *p = a->ibuf + a->iused;
        a->iused += need;
        a->total += need;
        memset(p, 0, need);
        return p;
    }
    if (a->head == NULL || a->cap - a->used < need) {
        size_t cap = a->head ? a->head->cap * 2 : 1024;
        while (cap < need)
            cap *= 2;
        if (cap > ((size_t)1 << 40))
            return NULL;
        iam__arena_block *b = iam__malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        b->cap = cap;
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += need;
    a->total += need;
    memset(p, 0, need);
    return p;
}

bool iam__arena_strdup(iam__arena *a, iam_str s, iam_str *out)
{
    char *p = iam__arena_alloc(a, s.len + 1);
    if (p == NULL)
        return false;
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    *out = (iam_str){ p, s.len };
    return true;
}

bool iam__arena_strdup_lower(iam__arena *a, iam_str s, iam_str *out)
{
    if (!iam__arena_strdup(a, s, out))
        return false;
    char *p = (char *)(uintptr_t)out->ptr;
    for (size_t i = 0; i < s.len; i++)
        p[i] = iam__lower(p[i]);
    return true;
}
