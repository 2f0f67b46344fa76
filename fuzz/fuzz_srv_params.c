/* fuzz_srv_params.c - libFuzzer target for iamd's Query API parameter
 * validators (src/iamd/params.c) and the XML reply writer (src/iamd/xml.c).
 *
 * Input: a Query API body ("Action=CreateUser&UserName=bob&..."), decoded
 * with iam_form_parse into a srv_call built by hand as the unit tests do (no
 * store, no HTTP). Every validator runs on the parameters an IAM action
 * would read; each accepted value is written back through the writer as a
 * handler would (srv_xml_str / _int / _bool / _tags / _policy_doc), and each
 * rejection as the pipeline writes an <Error> (Code, Message).
 *
 * Invariants (abort on violation):
 *   - a validator that fails sets err_code and err_message; one that
 *     succeeds leaves them alone;
 *   - accepted values obey their rules (name charset and length, path
 *     "/.../", int range, "arn:" prefix, list/tag counts, no "aws:" tag
 *     keys, MaxItems 1..1000);
 *   - the text of every element reads back (entities decoded) as the value
 *     written, control characters and U+FFFE/U+FFFF aside (those as U+FFFD); a policy document reads back after
 *     percent-decoding and is pure unreserved ASCII and %XX;
 *   - the whole reply is well-formed enough: valid UTF-8 of XML 1.0
 *     characters only, every '<' starts a tag of the writer that nests
 *     properly, every '&' starts a known entity or a character reference
 *     to an XML character. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_srv_params: invariant failed: %s (line %d)\n", #cond,   \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static srv_config g_cfg;
static srv_server g_srv;

static void setup_once(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    srv_quotas_default(&g_cfg.quotas);
    g_cfg.partition = "aws";
    g_cfg.region = "us-east-1";
    g_srv.cfg = &g_cfg;
    g_srv.audit = srv_audit_null_sink();
}

/* ---- XML checks ---- */

/* Decodes one UTF-8 sequence at p[0..n); returns its length or 0. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        need = 1, v = p[0] & 0x1F, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 2, v = p[0] & 0x0F, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 3, v = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n <= need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need + 1;
}

/* XML 1.0 Char. */
static bool xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

static bool is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* Parses an entity at s[0] == '&'; returns its length and the code point. */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
    static const struct { const char *e; uint32_t c; } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t l = strlen(named[i].e);
        if (n >= l && memcmp(s, named[i].e, l) == 0) {
            *cp = named[i].c;
            return l;
        }
    }
    if (n < 5 || memcmp(s, "&#x", 3) != 0)
        return 0;
    uint32_t v = 0;
    size_t i = 3;
    for (; i < n && i < 10 && s[i] != ';'; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v * 16 + (uint32_t)d;
    }
    if (i == 3 || i >= n || s[i] != ';' || !xml_char(v))
        return 0;
    *cp = v;
    return i + 1;
}

/* The whole reply: characters, tags and nesting, entities. */
static void check_document(const char *s, size_t n)
{
    const char *stack[64];
    size_t stack_len[64];
    size_t depth = 0, i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '<') {
            size_t j = i + 1;
            bool closing = j < n && s[j] == '/';
            j += closing;
            size_t name = j;
            while (j < n && is_alpha(s[j]))
                j++;
            size_t name_len = j - name;
            CHECK(name_len > 0);
            bool empty = !closing && j < n && s[j] == '/';
            j += empty;
            CHECK(j < n && s[j] == '>');
            if (closing) {
                CHECK(depth > 0);
                depth--;
                CHECK(stack_len[depth] == name_len && memcmp(stack[depth], s + name, name_len) == 0);
            } else if (!empty) {
                CHECK(depth < 64);
                stack[depth] = s + name;
                stack_len[depth] = name_len;
                depth++;
            }
            i = j + 1;
        } else if (ch == '&') {
            uint32_t cp;
            size_t l = entity(s + i, n - i, &cp);
            CHECK(l > 0);
            i += l;
        } else {
            uint32_t cp;
            size_t l = utf8_next((const unsigned char *)s + i, n - i, &cp);
            CHECK(l > 0);
            CHECK(xml_char(cp));
            CHECK(cp != '\r'); /* the writer escapes it, so that it survives line-end normalisation */
            i += l;
        }
    }
    CHECK(depth == 0);
}

/* What the writer's text should read back as: the value with each control
 * character other than tab, newline and CR, and U+FFFE / U+FFFF, as U+FFFD. */
static bool read_back_equal(const char *text, size_t tn, iam_str want)
{
    size_t i = 0, k = 0;
    while (i < tn) {
        uint32_t cp;
        size_t l;
        if (text[i] == '&') {
            l = entity(text + i, tn - i, &cp);
            if (l == 0)
                return false;
        } else {
            l = 1;
            cp = (unsigned char)text[i];
            if (cp >= 0x80) {
                /* a raw multi-byte character must equal the input's bytes */
                size_t m = utf8_next((const unsigned char *)text + i, tn - i, &cp);
                if (m == 0 || k + m > want.len || memcmp(text + i, want.ptr + k, m) != 0)
                    return false;
                i += m;
                k += m;
                continue;
            }
        }
        if (k >= want.len)
            return false;
        unsigned char w = (unsigned char)want.ptr[k];
        if (w < 0x20 && w != '\t' && w != '\n' && w != '\r') {
            if (cp != 0xFFFD)
                return false;
        } else if (w >= 0x80) {
            /* only a character reference could stand for it */
            uint32_t wc;
            size_t m = utf8_next((const unsigned char *)want.ptr + k, want.len - k, &wc);
            /* U+FFFE / U+FFFF are not XML characters: written as U+FFFD */
            if (m == 0 || cp != (wc == 0xFFFE || wc == 0xFFFF ? 0xFFFD : wc))
                return false;
            i += l;
            k += m;
            continue;
        } else if (cp != w) {
            return false;
        }
        i += l;
        k++;
    }
    return k == want.len;
}

/* Writes <element>value</element> into x, after checking that the writer
 * alone produces text that reads back as the value. */
static void emit(srv_xml *x, const char *element, iam_str v)
{
    srv_xml one;
    srv_xml_init(&one);
    srv_xml_str(&one, element, v);
    size_t len, el = strlen(element);
    char *s = srv_xml_take(&one, &len);
    CHECK(!one.oom);
    CHECK(len >= 2 * el + 5 && s != NULL);
    CHECK(s[0] == '<' && memcmp(s + 1, element, el) == 0 && s[el + 1] == '>');
    CHECK(memcmp(s + len - el - 3, "</", 2) == 0 && memcmp(s + len - el - 1, element, el) == 0);
    CHECK(read_back_equal(s + el + 2, len - (2 * el + 5), v));
    free(s);
    srv_xml_str(x, element, v);
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* A policy document: percent-encoded, and decodes back to the JSON. */
static void emit_policy(srv_call *c, srv_xml *x, const char *element, iam_str doc)
{
    char *json = srv_strndup(c, doc);
    CHECK(json != NULL);
    srv_xml one;
    srv_xml_init(&one);
    srv_xml_policy_doc(&one, element, json);
    size_t len, el = strlen(element);
    char *s = srv_xml_take(&one, &len);
    CHECK(s != NULL && len >= 2 * el + 5);
    const char *t = s + el + 2;
    size_t tn = len - (2 * el + 5);
    size_t want = strlen(json), k = 0;
    for (size_t i = 0; i < tn; k++) {
        char ch = t[i];
        bool unreserved = is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
                          ch == '~';
        CHECK(k < want);
        if (ch == '%') {
            CHECK(i + 2 < tn && hexval(t[i + 1]) >= 0 && hexval(t[i + 2]) >= 0);
            CHECK((unsigned char)json[k] == (unsigned)(hexval(t[i + 1]) * 16 + hexval(t[i + 2])));
            i += 3;
        } else {
            CHECK(unreserved && json[k] == ch);
            i++;
        }
    }
    CHECK(k == want);
    free(s);
    srv_xml_policy_doc(x, element, json);
}

/* ---- the validators ---- */

/* After a validator: a failure is written as the pipeline's <Error>, and
 * the call's error is cleared for the next one. */
static void outcome(srv_call *c, srv_xml *x, bool ok)
{
    if (ok) {
        CHECK(c->err_code == NULL && c->err_message == NULL);
        return;
    }
    CHECK(c->err_code != NULL && c->err_message != NULL);
    CHECK(srv_error_status(c->err_code) >= 400);
    srv_xml_open(x, "Error");
    srv_xml_cstr(x, "Type", c->err_type ? c->err_type : srv_error_type(c->err_code));
    srv_xml_cstr(x, "Code", c->err_code);
    emit(x, "Message", iam_str_from_cstr(c->err_message));
    srv_xml_close(x);
    c->err_code = NULL;
    c->err_message = NULL;
    c->err_type = NULL;
    c->err_status = 0;
}

static bool name_ok(iam_str s, size_t max)
{
    if (s.len == 0 || s.len > max)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (!(is_alpha(ch) || (ch >= '0' && ch <= '9') || strchr("_+=,.@-", ch) != NULL) || ch == 0)
            return false;
    }
    return true;
}

static void names(srv_call *c, srv_xml *x)
{
    static const struct { const char *p; size_t max; bool req; } t[] = {
        { "UserName", 64, true }, { "GroupName", 128, false }, { "RoleName", 64, false },
        { "PolicyName", 128, false }, { "InstanceProfileName", 128, false }, { "NewUserName", 64, false },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        iam_str v = IAM_STR("x");
        bool ok = srv_param_name(c, t[i].p, t[i].req, t[i].max, &v);
        if (ok && v.ptr != NULL) {
            CHECK(name_ok(v, t[i].max));
            emit(x, t[i].p, v);
        }
        outcome(c, x, ok);
    }
}

static void paths(srv_call *c, srv_xml *x)
{
    static const char *const t[] = { "Path", "PathPrefix", "NewPath" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        iam_str v;
        bool ok = srv_param_path(c, t[i], &v);
        if (ok) {
            CHECK(v.len >= 1 && v.len <= 512 && v.ptr[0] == '/' && v.ptr[v.len - 1] == '/');
            for (size_t k = 0; k < v.len; k++)
                CHECK((unsigned char)v.ptr[k] >= 0x21 && (unsigned char)v.ptr[k] <= 0x7E);
            emit(x, t[i], v);
        }
        outcome(c, x, ok);
    }
}

static void scalars(srv_call *c, srv_xml *x)
{
    int64_t n;
    bool ok = srv_param_int(c, "MaxSessionDuration", false, 3600, 43200, 3600, &n);
    if (ok) {
        CHECK(n >= 3600 && n <= 43200);
        srv_xml_int(x, "MaxSessionDuration", n);
    }
    outcome(c, x, ok);
    ok = srv_param_int(c, "DurationSeconds", true, INT64_MIN + 1, INT64_MAX, 0, &n);
    if (ok)
        srv_xml_int(x, "DurationSeconds", n);
    outcome(c, x, ok);
    bool b = false;
    static const char *const bools[] = { "SetAsDefault", "RequireSymbols", "AllowUsersToChangePassword" };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        ok = srv_param_bool(c, bools[i], i == 1, &b);
        if (ok)
            srv_xml_bool(x, bools[i], b);
        outcome(c, x, ok);
    }
    srv_page pg;
    ok = srv_param_page(c, &pg);
    if (ok) {
        CHECK(pg.max_items >= 1 && pg.max_items <= 1000);
        if (pg.marker.ptr != NULL)
            emit(x, "Marker", pg.marker);
        srv_xml_int(x, "MaxItems", (int64_t)pg.max_items);
    }
    outcome(c, x, ok);
}

static void arns(srv_call *c, srv_xml *x)
{
    static const char *const t[] = { "PolicyArn", "PermissionsBoundary", "OpenIDConnectProviderArn" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        iam_str v = IAM_STR("x");
        bool ok = srv_param_arn(c, t[i], i == 0, &v);
        if (ok && v.ptr != NULL) {
            CHECK(v.len >= 20 && v.len <= 2048 * 4 && memcmp(v.ptr, "arn:", 4) == 0);
            emit(x, t[i], v);
        }
        outcome(c, x, ok);
    }
}

static void lists(srv_call *c, srv_xml *x)
{
    static const struct { const char *p; size_t max; } t[] = {
        { "ActionNames", 1000 }, { "ResourceArns", 1000 }, { "TagKeys", 50 }, { "ClientIDList", 100 },
        { "ThumbprintList", 5 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        iam_str *items = NULL;
        size_t n = 0;
        bool ok = srv_param_list(c, t[i].p, t[i].max, &items, &n);
        if (ok) {
            CHECK(n <= t[i].max && items != NULL);
            srv_xml_open(x, t[i].p);
            for (size_t k = 0; k < n; k++) {
                CHECK(items[k].ptr != NULL && iam_utf8_valid(items[k]));
                emit(x, "member", items[k]);
            }
            srv_xml_close(x);
        }
        outcome(c, x, ok);
    }
    iam_tag *tags = NULL;
    size_t n = 0;
    bool ok = srv_param_tags(c, "Tags", &tags, &n);
    if (ok) {
        CHECK(n <= srv_quota(c)->tags_per_entity && tags != NULL);
        for (size_t k = 0; k < n; k++) {
            CHECK(tags[k].key != NULL && tags[k].value != NULL);
            CHECK(tags[k].key[0] != 0 && strncasecmp(tags[k].key, "aws:", 4) != 0);
            emit(x, "Key", iam_str_from_cstr(tags[k].key));
            emit(x, "Value", iam_str_from_cstr(tags[k].value));
        }
        srv_xml_tags(x, "Tags", (iam_tags){ tags, n });
    }
    outcome(c, x, ok);
}

static void policies(srv_call *c, srv_xml *x)
{
    const srv_quotas *q = srv_quota(c);
    iam_str v;
    bool ok = srv_param_policy(c, "PolicyDocument", IAM_KIND_IDENTITY, q->policy_size_managed, &v);
    if (ok) {
        CHECK(v.len > 0 && v.ptr != NULL);
        emit_policy(c, x, "PolicyDocument", v);
    }
    outcome(c, x, ok);
    ok = srv_param_policy(c, "AssumeRolePolicyDocument", IAM_KIND_TRUST, q->trust_policy_size, &v);
    if (ok) {
        CHECK(v.len > 0 && v.ptr != NULL);
        emit_policy(c, x, "AssumeRolePolicyDocument", v);
    }
    outcome(c, x, ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    setup_once();
    srv_request *r = malloc(sizeof *r);
    CHECK(r != NULL);
    /* As the pipeline does: zero all but the arena's first buffer. */
    memset(r, 0, offsetof(srv_request, arena_buf));
    r->arena.ibuf = r->arena_buf;
    r->arena.icap = sizeof r->arena_buf;
    r->srv = &g_srv;
    srv_xml_init(&r->xml);
    srv_audit_init(&r->audit);
    srv_call *c = &r->call;
    c->srv = &g_srv;
    c->out = &r->xml;
    c->audit = &r->audit;
    if (iam_form_parse((iam_str){ (const char *)data, size }, NULL, &r->form, NULL) != IAM_OK) {
        free(r);
        return 0;
    }
    c->params = r->form;
    srv_xml *x = &r->xml;
    srv_xml_open(x, "Result");
    x->base_depth = x->depth;
    names(c, x);
    paths(c, x);
    scalars(c, x);
    arns(c, x);
    lists(c, x);
    policies(c, x);
    srv_xml_flush_tail(x);
    srv_xml_close(x);
    CHECK(x->depth == 0);
    if (!x->oom) {
        size_t len;
        char *doc = srv_xml_take(x, &len);
        check_document(doc, len);
        free(doc);
    }
    srv_request_release(r);
    srv_xml_free(&r->xml);
    srv_arena_free(&r->arena);
    free(r);
    return 0;
}
