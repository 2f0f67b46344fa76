/* iam/alloc.h - replace the allocator libiam uses (as libuv's
 * uv_replace_allocator does), for embedding and for tests that fail each
 * allocation in turn. Process-wide: call it before any other libiam call,
 * never while other threads use libiam. JSON parsing inside libiam uses
 * jansson, whose allocator is jansson's own (json_set_alloc_funcs). */
#ifndef IAM_ALLOC_H
#define IAM_ALLOC_H
#include <stddef.h>
#include "iam/err.h"

typedef struct iam_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
} iam_allocator;

/* Installs `a` (all three functions required); NULL restores the C
 * library's. Returns IAM_E_INVALID when a function is missing. */
IAM_API IAM_NODISCARD iam_err iam_allocator_set(const iam_allocator *a);

#endif /* IAM_ALLOC_H */
