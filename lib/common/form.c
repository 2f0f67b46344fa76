/* form.c - application/x-www-form-urlencoded decoding, UTF-8 validation and
 * SigV4 URI encoding (iam/form.h).
 * A form is one allocation: the header, the parameter array, then the
 * decoded bytes. Decoding never grows text ('%XX' -> 1 byte, '+' -> 1 byte),
 * so the input length plus two NULs per parameter bounds the byte area and
 * no reallocation happens. */
#include <stdint.h>
#include <string.h>

#include "common/common_int.h"
#include "iam/form.h"

struct iam_form {
    size_t count;
    iam_param *params;
    char *bytes;
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes in[start..end) into *dst; returns the offset of a bad escape, or
 * SIZE_MAX when the piece decodes. */
static size_t decode_piece(const char *in, size_t start, size_t end, char **dst)
{
    char *o = *dst;
    for (size_t i = start; i < end; i++) {
        char c = in[i];
        if (c == '+') {
            *o++ = ' ';
        } else if (c == '%') {
            /* exactly two hex digits must follow, inside this piece */
            int hi = end - i > 2 ? hex_digit(in[i + 1]) : -1;
            int lo = end - i > 2 ? hex_digit(in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return i;
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *o++ = c;
        }
    }
    *dst = o;
    return SIZE_MAX;
}

iam_err iam_form_parse(iam_str in, const iam_form_limits *lim, iam_form **out, iam_diag *diag)
{
    size_t max_params = lim && lim->max_params ? lim->max_params : IAM_FORM_DEFAULT_MAX_PARAMS;
    size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : IAM_FORM_DEFAULT_MAX_BYTES;
    size_t n = 0, hdr, total;
    iam_form *f;
    char *o;

    *out = NULL;
    if (in.ptr == NULL && in.len > 0)
        return IAM_E_INVALID;
    if (in.len > max_bytes) {
        iam__diag_set(diag, NULL, 0, 0, "request body of %zu bytes exceeds the limit of %zu bytes", in.len,
                      max_bytes);
        return IAM_E_LIMIT;
    }
    /* First pass: count the non-empty pieces to size the one allocation. */
    for (size_t i = 0; i < in.len;) {
        const char *amp = memchr(in.ptr + i, '&', in.len - i);
        size_t end = amp ? (size_t)(amp - in.ptr) : in.len;
        if (end > i && ++n > max_params) {
            iam__diag_set(diag, NULL, 0, 0, "more than %zu parameters in the request", max_params);
            return IAM_E_LIMIT;
        }
        i = end + 1;
    }
    /* bytes: each piece decodes to at most its own length, plus a NUL after
     * its name and one after its value (a piece without '=' still gets both). */
    hdr = (sizeof *f + sizeof(iam_param) - 1) / sizeof(iam_param) * sizeof(iam_param);
    total = hdr + n * sizeof(iam_param) + in.len + 2 * n + 1;
    f = iam__malloc(total);
    if (f == NULL)
        return IAM_E_NOMEM;
    f->count = 0;
    f->params = (iam_param *)(void *)((char *)f + hdr);
    f->bytes = (char *)(f->params + n);
    o = f->bytes;

    for (size_t i = 0; i < in.len;) {
        const char *amp = memchr(in.ptr + i, '&', in.len - i);
        size_t end = amp ? (size_t)(amp - in.ptr) : in.len;
        if (end > i) {
            const char *eq = memchr(in.ptr + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - in.ptr) : end;
            iam_param *p = &f->params[f->count];
            char *start = o;
            size_t bad = decode_piece(in.ptr, i, name_end, &o);
            if (bad == SIZE_MAX) {
                p->name = (iam_str){ start, (size_t)(o - start) };
                *o++ = '\0';
                start = o;
                if (eq != NULL)
                    bad = decode_piece(in.ptr, name_end + 1, end, &o);
                p->value = (iam_str){ start, (size_t)(o - start) };
                *o++ = '\0';
            }
            if (bad != SIZE_MAX) {
                size_t nlen = name_end - i;
                iam__diag_set(diag, NULL, 0, (int)(bad < INT32_MAX ? bad + 1 : 0),
                              "invalid percent-escape in parameter '%.*s' at offset %zu", (int)(nlen > 64 ? 64 : nlen),
                              in.ptr + i, bad);
                iam__free(f);
                return IAM_E_SYNTAX;
            }
            f->count++;
        }
        i = end + 1;
    }
    *out = f;
    return IAM_OK;
}

void iam_form_free(iam_form *f)
{
    iam__free(f);
}

size_t iam_form_count(const iam_form *f)
{
    return f ? f->count : 0;
}

const iam_param *iam_form_params(const iam_form *f)
{
    return f ? f->params : NULL;
}

iam_str iam_form_get(const iam_form *f, iam_str name)
{
    if (f == NULL)
        return IAM_STR_NULL;
    for (size_t i = 0; i < f->count; i++)
        if (iam_str_eq(f->params[i].name, name))
            return f->params[i].value;
    return IAM_STR_NULL;
}

bool iam_utf8_valid(iam_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i = 0, n = s.len;

    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false; /* continuation byte, C0/C1 overlong, F5..FF */
        }
        if (n - i <= need)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

size_t iam_uri_encode(iam_str in, bool keep_slash, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (size_t i = 0; i < in.len; i++) {
        unsigned char c = (unsigned char)in.ptr[i];
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash);
        if (keep) {
            if (o < cap)
                out[o] = (char)c;
            o++;
        } else {
            if (o + 3 <= cap) {
                out[o] = '%';
                out[o + 1] = hex[c >> 4];
                out[o + 2] = hex[c & 15];
            }
            o += 3;
        }
    }
    return o;
}
