/* iam/context.h - the request context: condition keys and their values.
 * Keys match case-insensitively. A key may hold several values (a
 * multivalued key such as aws:TagKeys) or an empty list. Values are copied
 * in and pre-parsed once (number, date, IP) so that evaluation never parses.
 * Ownership: the context owns its copies; free with iam_context_free().
 * Threads: build on one thread, then read from any number of threads. */
#ifndef IAM_CONTEXT_H
#define IAM_CONTEXT_H
#include <stddef.h>
#include "iam/err.h"
#include "iam/str.h"

typedef struct iam_context iam_context;

IAM_API IAM_NODISCARD iam_err iam_context_new(iam_context **out);
IAM_API void iam_context_free(iam_context *ctx); /* NULL is a no-op */
/* Forgets every key, keeping the memory for reuse. */
IAM_API void iam_context_clear(iam_context *ctx);
/* Appends one value to `key` (creating the key). Calling it twice for one key
 * makes the key multivalued. */
IAM_API IAM_NODISCARD iam_err iam_context_add(iam_context *ctx, iam_str key, iam_str value);
/* Sets `key` to exactly these `n` values (n may be 0: present, empty list). */
IAM_API IAM_NODISCARD iam_err iam_context_set(iam_context *ctx, iam_str key, const iam_str *values,
                                              size_t n);
/* Number of values of `key`, or -1 when the key is absent. */
IAM_API long iam_context_count(const iam_context *ctx, iam_str key);
/* The i-th value of `key` (borrowed until the context changes), or
 * IAM_STR_NULL when out of range. */
IAM_API iam_str iam_context_value(const iam_context *ctx, iam_str key, size_t i);

#endif /* IAM_CONTEXT_H */
