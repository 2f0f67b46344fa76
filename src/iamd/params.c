/* params.c - decoding and checking Query API parameters with AWS's
 * ValidationError wording ("1 validation error detected: Value 'x' at
 * 'userName' failed to satisfy constraint: ..."), which names the field in
 * lowerCamelCase as AWS's model does. Every value must be valid UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "srv_int.h"

/* Collects the violations of one field into AWS's single message. */
typedef struct vcheck {
    srv_call *c;
    const char *field;     /* lowerCamelCase */
    iam_str value;
    bool null_value;
    const char *what[4];
    size_t n;
} vcheck;

static const char *camel(srv_call *c, const char *name)
{
    char *s = srv_strndup(c, iam_str_from_cstr(name));
    if (s == NULL)
        return name;
    if (s[0] >= 'A' && s[0] <= 'Z')
        s[0] = (char)(s[0] + 32);
    return s;
}

static void vadd(vcheck *v, const char *constraint)
{
    if (v->n < 4)
        v->what[v->n++] = constraint;
}

/* How many bytes of `s` an error message shows: at most 256, cut before a
 * UTF-8 continuation byte so that the message (which the reply carries as
 * XML text) stays valid UTF-8; cutting inside a character made the <Error>
 * reply unparsable (found by fuzz/fuzz_srv_params). */
static size_t show_len(iam_str s)
{
    size_t n = s.len > 256 ? 256 : s.len;
    while (n > 0 && n < s.len && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static bool vfail(vcheck *v)
{
    srv_call *c = v->c;
    char *msg = srv_strf(c, "%zu validation error%s detected: ", v->n, v->n == 1 ? "" : "s");
    for (size_t i = 0; i < v->n && msg != NULL; i++) {
        size_t show = show_len(v->value);
        if (v->null_value)
            msg = srv_strf(c, "%s%sValue null at '%s' failed to satisfy constraint: %s", msg, i ? "; " : "",
                           v->field, v->what[i]);
        else
            msg = srv_strf(c, "%s%sValue '%.*s' at '%s' failed to satisfy constraint: %s", msg, i ? "; " : "",
                           (int)show, v->value.ptr ? v->value.ptr : "", v->field, v->what[i]);
    }
    return srv_fail(c, "ValidationError", "%s", msg ? msg : "1 validation error detected");
}

static bool fail_null(srv_call *c, const char *name)
{
    vcheck v = { .c = c, .field = camel(c, name), .null_value = true };
    vadd(&v, "Member must not be null");
    return vfail(&v);
}

static bool check_utf8(srv_call *c, const char *name, iam_str s)
{
    if (iam_utf8_valid(s))
        return true;
    return srv_fail(c, "InvalidParameterValue", "Parameter %s is not valid UTF-8.", name);
}

bool srv_param(srv_call *c, const char *name, bool required, iam_str *out)
{
    iam_str v = iam_form_get(c->params, iam_str_from_cstr(name));
    if (v.ptr == NULL) {
        if (required)
            return fail_null(c, name);
        *out = IAM_STR_NULL;
        return true;
    }
    if (!check_utf8(c, name, v))
        return false;
    *out = v;
    return true;
}

static size_t utf8_chars(iam_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static bool length_checks(vcheck *v, size_t min, size_t max)
{
    size_t n = utf8_chars(v->value);
    if (n < min)
        vadd(v, srv_strf(v->c, "Member must have length greater than or equal to %zu", min));
    if (n > max)
        vadd(v, srv_strf(v->c, "Member must have length less than or equal to %zu", max));
    return v->n == 0;
}

static bool name_char(char ch)
{
    if (ch == 0)
        return false; /* strchr would find the terminator */
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr("_+=,.@-", ch) != NULL;
}

bool srv_param_name(srv_call *c, const char *name, bool required, size_t max, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, name, required, &s))
        return false;
    if (s.ptr == NULL) {
        *out = s;
        return true;
    }
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    bool ok = s.len > 0;
    for (size_t i = 0; i < s.len && ok; i++)
        ok = name_char(s.ptr[i]);
    if (!ok && s.len > 0)
        vadd(&v, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    length_checks(&v, 1, max);
    if (v.n > 0)
        return vfail(&v);
    *out = s;
    return true;
}

bool srv_param_path(srv_call *c, const char *name, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, name, false, &s))
        return false;
    if (s.ptr == NULL) {
        *out = IAM_STR("/");
        return true;
    }
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    bool ok = s.len >= 1 && s.ptr[0] == '/' && s.ptr[s.len - 1] == '/';
    for (size_t i = 0; i < s.len && ok; i++)
        ok = (unsigned char)s.ptr[i] >= 0x21 && (unsigned char)s.ptr[i] <= 0x7E;
    if (!ok)
        vadd(&v, "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
    length_checks(&v, 1, 512);
    if (v.n > 0)
        return vfail(&v);
    *out = s;
    return true;
}

bool srv_param_int(srv_call *c, const char *name, bool required, int64_t min, int64_t max, int64_t dflt,
                   int64_t *out)
{
    iam_str s;
    if (!srv_param(c, name, required, &s))
        return false;
    if (s.ptr == NULL) {
        *out = dflt;
        return true;
    }
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    size_t i = 0;
    bool neg = false;
    if (s.len > 0 && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    int64_t val = 0;
    bool ok = i < s.len && s.len - i <= 18;
    for (; i < s.len && ok; i++) {
        ok = s.ptr[i] >= '0' && s.ptr[i] <= '9';
        val = val * 10 + (s.ptr[i] - '0');
    }
    if (!ok) {
        vadd(&v, "Member must be a number");
        return vfail(&v);
    }
    if (neg)
        val = -val;
    if (val < min)
        vadd(&v, srv_strf(c, "Member must have value greater than or equal to %lld", (long long)min));
    if (val > max)
        vadd(&v, srv_strf(c, "Member must have value less than or equal to %lld", (long long)max));
    if (v.n > 0)
        return vfail(&v);
    *out = val;
    return true;
}

bool srv_param_bool(srv_call *c, const char *name, bool dflt, bool *out)
{
    iam_str s;
    if (!srv_param(c, name, false, &s))
        return false;
    if (s.ptr == NULL) {
        *out = dflt;
        return true;
    }
    if (s.len == 4 && strncasecmp(s.ptr, "true", 4) == 0) {
        *out = true;
        return true;
    }
    if (s.len == 5 && strncasecmp(s.ptr, "false", 5) == 0) {
        *out = false;
        return true;
    }
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    vadd(&v, "Member must be one of: true, false");
    return vfail(&v);
}

bool srv_param_arn(srv_call *c, const char *name, bool required, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, name, required, &s))
        return false;
    if (s.ptr == NULL) {
        *out = s;
        return true;
    }
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    if (!length_checks(&v, 20, 2048))
        return vfail(&v);
    /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE - six parts, partition,
     * service and resource non-empty. */
    size_t colons = 0, part_start[6] = { 0 }, part_len[6] = { 0 };
    bool ok = s.len > 4 && memcmp(s.ptr, "arn:", 4) == 0;
    for (size_t i = 0; i < s.len && ok; i++) {
        if (s.ptr[i] == ':' && colons < 5) {
            part_len[colons] = i - part_start[colons];
            colons++;
            part_start[colons] = i + 1;
        } else if ((unsigned char)s.ptr[i] < 0x20) {
            ok = false;
        }
    }
    if (ok && colons == 5) {
        part_len[5] = s.len - part_start[5];
        ok = part_len[1] > 0 && part_len[2] > 0 && part_len[5] > 0;
    } else {
        ok = false;
    }
    if (!ok)
        return srv_fail(c, "InvalidInput", "ARN %.*s is not valid.", (int)show_len(s), s.ptr);
    *out = s;
    return true;
}

/* Finds "<prefix><N><suffix>" parameters: N from 1, as the Query API
 * numbers list members. Calls fn for each with its index. */
static bool parse_index(iam_str rest, size_t *idx, iam_str *suffix)
{
    size_t i = 0, v = 0;
    while (i < rest.len && rest.ptr[i] >= '0' && rest.ptr[i] <= '9' && i < 9) {
        v = v * 10 + (size_t)(rest.ptr[i] - '0');
        i++;
    }
    if (i == 0 || v == 0)
        return false;
    *idx = v;
    *suffix = (iam_str){ rest.ptr + i, rest.len - i };
    return true;
}

typedef struct indexed {
    size_t idx;
    iam_str value;
    iam_str value2;     /* tags: the Value */
    bool has1, has2;
} indexed;

static int cmp_indexed(const void *a, const void *b)
{
    const indexed *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

bool srv_param_list(srv_call *c, const char *name, size_t max, iam_str **items, size_t *n)
{
    char *prefix = srv_strf(c, "%s.member.", name);
    if (prefix == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    size_t plen = strlen(prefix);
    size_t np = iam_form_count(c->params);
    const iam_param *ps = iam_form_params(c->params);
    size_t count = 0;
    for (size_t i = 0; i < np; i++)
        if (ps[i].name.len > plen && memcmp(ps[i].name.ptr, prefix, plen) == 0)
            count++;
    indexed *tmp = srv_alloc(c, (count ? count : 1) * sizeof *tmp);
    if (tmp == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (!(ps[i].name.len > plen && memcmp(ps[i].name.ptr, prefix, plen) == 0))
            continue;
        size_t idx;
        iam_str suffix;
        iam_str rest = { ps[i].name.ptr + plen, ps[i].name.len - plen };
        if (!parse_index(rest, &idx, &suffix) || suffix.len != 0)
            continue; /* not a member of this list (e.g. Name.member.1.Key) */
        if (!check_utf8(c, name, ps[i].value))
            return false;
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup = dup || tmp[j].idx == idx;
        if (dup)
            continue;
        tmp[k].idx = idx;
        tmp[k].value = ps[i].value;
        k++;
    }
    if (k > max) {
        vcheck v = { .c = c, .field = camel(c, name), .value = IAM_STR("[...]") };
        vadd(&v, srv_strf(c, "Member must have length less than or equal to %zu", max));
        return vfail(&v);
    }
    qsort(tmp, k, sizeof *tmp, cmp_indexed);
    iam_str *out = srv_alloc(c, (k ? k : 1) * sizeof *out);
    if (out == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[i].value;
    *items = out;
    *n = k;
    return true;
}

/* AWS's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits,
 * space and _.:/=+-@; every non-ASCII code point is taken as a letter (an
 * approximation of the Unicode classes, generous rather than wrong). */
static bool tag_chars_ok(iam_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch >= 0x80)
            continue;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr(" _.:/=+-@", ch) != NULL) || ch == 0)
            return false;
    }
    return true;
}

bool srv_param_tags(srv_call *c, const char *name, iam_tag **tags, size_t *n)
{
    char *prefix = srv_strf(c, "%s.member.", name);
    if (prefix == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    size_t plen = strlen(prefix);
    size_t np = iam_form_count(c->params);
    const iam_param *ps = iam_form_params(c->params);
    indexed *tmp = srv_alloc(c, (np ? np : 1) * sizeof *tmp);
    if (tmp == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (!(ps[i].name.len > plen && memcmp(ps[i].name.ptr, prefix, plen) == 0))
            continue;
        size_t idx;
        iam_str suffix;
        iam_str rest = { ps[i].name.ptr + plen, ps[i].name.len - plen };
        if (!parse_index(rest, &idx, &suffix))
            continue;
        bool is_key = iam_str_eq(suffix, IAM_STR(".Key"));
        bool is_value = iam_str_eq(suffix, IAM_STR(".Value"));
        if (!is_key && !is_value)
            continue;
        if (!check_utf8(c, name, ps[i].value))
            return false;
        size_t j = 0;
        while (j < k && tmp[j].idx != idx)
            j++;
        if (j == k) {
            tmp[k].idx = idx;
            k++;
        }
        if (is_key && !tmp[j].has1) {
            tmp[j].value = ps[i].value;
            tmp[j].has1 = true;
        } else if (is_value && !tmp[j].has2) {
            tmp[j].value2 = ps[i].value;
            tmp[j].has2 = true;
        }
    }
    size_t limit = srv_quota(c)->tags_per_entity ? srv_quota(c)->tags_per_entity : 50;
    if (k > limit) {
        vcheck v = { .c = c, .field = camel(c, name), .value = IAM_STR("[...]") };
        vadd(&v, srv_strf(c, "Member must have length less than or equal to %zu", limit));
        return vfail(&v);
    }
    qsort(tmp, k, sizeof *tmp, cmp_indexed);
    iam_tag *out = srv_alloc(c, (k ? k : 1) * sizeof *out);
    if (out == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    const char *lname = camel(c, name);
    for (size_t i = 0; i < k; i++) {
        if (!tmp[i].has1) {
            vcheck v = { .c = c, .field = srv_strf(c, "%s.%zu.member.key", lname, i + 1), .null_value = true };
            vadd(&v, "Member must not be null");
            return vfail(&v);
        }
        if (!tmp[i].has2) {
            vcheck v = { .c = c, .field = srv_strf(c, "%s.%zu.member.value", lname, i + 1), .null_value = true };
            vadd(&v, "Member must not be null");
            return vfail(&v);
        }
        vcheck vk = { .c = c, .field = srv_strf(c, "%s.%zu.member.key", lname, i + 1), .value = tmp[i].value };
        if (!tag_chars_ok(tmp[i].value))
            vadd(&vk, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
        length_checks(&vk, 1, 128);
        if (vk.n > 0)
            return vfail(&vk);
        vcheck vv = { .c = c, .field = srv_strf(c, "%s.%zu.member.value", lname, i + 1), .value = tmp[i].value2 };
        if (!tag_chars_ok(tmp[i].value2))
            vadd(&vv, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
        length_checks(&vv, 0, 256);
        if (vv.n > 0)
            return vfail(&vv);
        if (tmp[i].value.len >= 4 && strncasecmp(tmp[i].value.ptr, "aws:", 4) == 0)
            return srv_fail(c, "InvalidInput", "User-defined tag keys can't start with 'aws:'.");
        for (size_t j = 0; j < i; j++) {
            if (tmp[j].value.len == tmp[i].value.len &&
                strncasecmp(tmp[j].value.ptr, tmp[i].value.ptr, tmp[i].value.len) == 0)
                return srv_fail(c, "InvalidInput",
                                "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }
        out[i].key = srv_strndup(c, tmp[i].value);
        out[i].value = srv_strndup(c, tmp[i].value2);
        if (out[i].key == NULL || out[i].value == NULL)
            return srv_fail(c, "InternalFailure", "Out of memory.");
    }
    *tags = out;
    *n = k;
    return true;
}

/* Characters of a policy as AWS counts them against the size quotas:
 * every code point except whitespace. */
static size_t policy_chars(iam_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if ((ch & 0xC0) != 0x80)
            n++;
    }
    return n;
}

bool srv_param_policy(srv_call *c, const char *name, iam_policy_kind kind, size_t max_chars, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, name, true, &s))
        return false;
    vcheck v = { .c = c, .field = camel(c, name), .value = s };
    if (s.len == 0) {
        vadd(&v, "Member must have length greater than or equal to 1");
        return vfail(&v);
    }
    if (max_chars > 0 && policy_chars(s) > max_chars)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for PolicySize: %zu", max_chars);
    iam_findings f;
    iam_err err = iam_policy_validate(s.ptr, s.len, kind, &f);
    if (err != IAM_OK)
        return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
    if (f.errors > 0) {
        const iam_finding *e = &f.items[0];
        bool limit = e->code != NULL && strcmp(e->code, "LimitExceeded") == 0;
        char *msg = srv_strndup(c, iam_str_from_cstr(e->message));
        iam_findings_free(&f);
        if (limit)
            return srv_fail(c, "LimitExceeded", "%s", msg ? msg : "Cannot exceed quota for PolicySize");
        return srv_fail(c, "MalformedPolicyDocument", "%s", msg && *msg ? msg : "Syntax errors in policy.");
    }
    iam_findings_free(&f);
    *out = s;
    return true;
}

bool srv_param_page(srv_call *c, srv_page *out)
{
    iam_str marker;
    int64_t max;
    if (!srv_param(c, "Marker", false, &marker))
        return false;
    if (marker.ptr != NULL) {
        vcheck v = { .c = c, .field = "marker", .value = marker };
        if (!length_checks(&v, 1, 320))
            return vfail(&v);
    }
    if (!srv_param_int(c, "MaxItems", false, 1, 1000, 100, &max))
        return false;
    out->marker = marker.ptr ? marker : IAM_STR_NULL;
    out->max_items = (size_t)max;
    return true;
}
