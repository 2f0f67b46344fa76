/* fuzz_query.c - libFuzzer target for form/query decoding (lib/common/form.c).
 *
 * Input: the raw body or query string.
 *
 * Invariants (abort on violation):
 *   - parse returns OK, SYNTAX (only when the input holds a '%') or LIMIT
 *     (only past the default limits), and *out is NULL on error;
 *   - the count equals the number of non-empty '&'-separated pieces;
 *   - every name/value is followed by a NUL and decodes to no more bytes
 *     than its raw piece; the total is at most the input length;
 *   - iam_form_get(name) returns the first parameter of that name, with a
 *     non-NULL pointer even when the value is empty;
 *   - re-encoding every parameter with iam_uri_encode and parsing again
 *     gives the same parameters (encode/decode round trip);
 *   - iam_utf8_valid never crashes and says yes to pure ASCII. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_query: invariant failed: %s (line %d)\n", #cond,   \
                    __LINE__);                                                       \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static size_t count_pieces(const char *p, size_t n)
{
    size_t c = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '&') {
            c += i > start;
            start = i + 1;
        }
    }
    return c;
}

static bool is_ascii(iam_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iam_str in = { (const char *)data, size };
    iam_form *f = (iam_form *)&in; /* must be reset to NULL on error */
    iam_diag diag;
    iam_err err;

    if (size > 256 * 1024)
        return 0;
    err = iam_form_parse(in, NULL, &f, &diag);
    if (err != IAM_OK) {
        CHECK(f == NULL);
        CHECK(err == IAM_E_SYNTAX || err == IAM_E_LIMIT);
        if (err == IAM_E_SYNTAX)
            CHECK(memchr(data, '%', size) != NULL);
        else
            CHECK(count_pieces(in.ptr, size) > IAM_FORM_DEFAULT_MAX_PARAMS || size > IAM_FORM_DEFAULT_MAX_BYTES);
        CHECK(memchr(diag.message, '\0', sizeof diag.message) != NULL);
        return 0;
    }
    size_t n = iam_form_count(f), total = 0;
    const iam_param *p = iam_form_params(f);
    CHECK(n == count_pieces(in.ptr, size));
    for (size_t i = 0; i < n; i++) {
        CHECK(p[i].name.ptr != NULL && p[i].value.ptr != NULL);
        CHECK(p[i].name.ptr[p[i].name.len] == '\0' && p[i].value.ptr[p[i].value.len] == '\0');
        total += p[i].name.len + p[i].value.len;
        iam_str got = iam_form_get(f, p[i].name);
        size_t first = 0;
        while (!iam_str_eq(p[first].name, p[i].name))
            first++;
        CHECK(got.ptr == p[first].value.ptr && got.len == p[first].value.len);
        if (is_ascii(p[i].value))
            CHECK(iam_utf8_valid(p[i].value));
        (void)iam_utf8_valid(p[i].name);
    }
    CHECK(total <= size);
    (void)iam_form_get(f, IAM_STR("Action"));
    (void)iam_form_get(f, IAM_STR("Version"));
    (void)iam_form_get(f, IAM_STR(""));

    /* round trip: encode everything, parse again, compare */
    size_t cap = 3 * total + 2 * n + 1;
    char *buf = malloc(cap), *o = buf;
    CHECK(buf != NULL);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *o++ = '&';
        o += iam_uri_encode(p[i].name, false, o, cap - (size_t)(o - buf));
        *o++ = '=';
        o += iam_uri_encode(p[i].value, false, o, cap - (size_t)(o - buf));
    }
    iam_form *g = NULL;
    /* every parameter now has a non-empty piece ("=" at least) */
    iam_form_limits lim = { n ? n : 1, (size_t)(o - buf) + 1 };
    CHECK(iam_form_parse((iam_str){ buf, (size_t)(o - buf) }, &lim, &g, NULL) == IAM_OK);
    CHECK(iam_form_count(g) == n);
    for (size_t i = 0; i < n; i++) {
        const iam_param *q = &iam_form_params(g)[i];
        CHECK(iam_str_eq(q->name, p[i].name) && iam_str_eq(q->value, p[i].value));
    }
    iam_form_free(g);
    free(buf);
    iam_form_free(f);
    return 0;
}
