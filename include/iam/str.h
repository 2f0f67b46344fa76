/* iam/str.h - borrowed byte slices. An iam_str never owns its bytes and is
 * never NUL-terminated by contract; its lifetime is the owner's. */
#ifndef IAM_STR_H
#define IAM_STR_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct iam_str {
    const char *ptr;
    size_t len;
} iam_str;

#define IAM_STR(lit) ((iam_str){ (lit), sizeof(lit) - 1 })
#define IAM_STR_NULL ((iam_str){ NULL, 0 })

static inline iam_str iam_str_from_cstr(const char *s)
{
    return (iam_str){ s, s ? strlen(s) : 0 };
}

static inline bool iam_str_eq(iam_str a, iam_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

#endif /* IAM_STR_H */
