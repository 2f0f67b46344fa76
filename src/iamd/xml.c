/* xml.c - the reply writer (elements with escaped text into one growable
 * buffer), the shapes several API families return (User, Role, Group,
 * Policy, Tags, the pagination tail) and the Marker/MaxItems paging over a
 * snapshot list. A failed allocation only sets `oom`; the pipeline then
 * answers InternalFailure, so handlers never check writer calls. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "srv_int.h"

void srv_xml_init(srv_xml *x) { memset(x, 0, sizeof *x); }

void srv_xml_reset(srv_xml *x)
{
    x->len = 0;
    x->depth = 0;
    x->oom = false;
    x->base_depth = 0;
    x->tail_pending = false;
    x->tail_marker = NULL;
}

void srv_xml_free(srv_xml *x)
{
    free(x->buf);
    memset(x, 0, sizeof *x);
}

char *srv_xml_take(srv_xml *x, size_t *len)
{
    char *p = x->buf;
    *len = x->len;
    memset(x, 0, sizeof *x);
    return p;
}

static bool reserve(srv_xml *x, size_t n)
{
    if (x->oom)
        return false;
    if (x->cap - x->len >= n)
        return true;
    size_t cap = x->cap ? x->cap : 1024;
    while (cap - x->len < n)
        cap *= 2;
    char *p = realloc(x->buf, cap);
    if (p == NULL) {
        x->oom = true;
        return false;
    }
    x->buf = p;
    x->cap = cap;
    return true;
}

void srv_xml_raw(srv_xml *x, const char *s, size_t n)
{
    if (n == 0 || !reserve(x, n))
        return;
    memcpy(x->buf + x->len, s, n);
    x->len += n;
}

static void raw_c(srv_xml *x, const char *s) { srv_xml_raw(x, s, strlen(s)); }

void srv_xml_text(srv_xml *x, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\r': rep = "&#xD;"; break;
        default:
            /* Control characters other than tab and newline are not allowed
             * in XML 1.0 at all; parameters reject most of them, and the
             * rest must not break the reply. */
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n')
                rep = "&#xFFFD;";
            break;
        }
        /* U+FFFE and U+FFFF (EF BF BE / EF BF BF) are valid UTF-8 that
         * parameters accept (tags take any non-ASCII), but not XML 1.0
         * characters: a reply holding one does not parse (found by
         * fuzz/fuzz_srv_params). Written as U+FFFD like the controls. */
        size_t skip = 1;
        if ((unsigned char)s[i] == 0xEF && n - i >= 3 && (unsigned char)s[i + 1] == 0xBF &&
            ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
            rep = "&#xFFFD;";
            skip = 3;
        }
        if (rep != NULL) {
            srv_xml_raw(x, s + start, i - start);
            raw_c(x, rep);
            start = i + skip;
            i += skip - 1;
        }
    }
    srv_xml_raw(x, s + start, n - start);
}

void srv_xml_open(srv_xml *x, const char *element)
{
    if (x->depth >= SRV_XML_DEPTH) {
        x->oom = true; /* a handler bug; fail the reply rather than write bad XML */
        return;
    }
    x->open[x->depth++] = element;
    raw_c(x, "<");
    raw_c(x, element);
    raw_c(x, ">");
}

void srv_xml_close(srv_xml *x)
{
    if (x->depth == 0) {
        x->oom = true;
        return;
    }
    const char *e = x->open[--x->depth];
    raw_c(x, "</");
    raw_c(x, e);
    raw_c(x, ">");
    if (x->tail_pending && x->depth == x->tail_depth)
        srv_xml_flush_tail(x);
}

void srv_xml_flush_tail(srv_xml *x)
{
    if (!x->tail_pending)
        return;
    x->tail_pending = false;
    srv_xml_page_end(x, x->tail_truncated, x->tail_marker);
}

void srv_xml_str(srv_xml *x, const char *element, iam_str text)
{
    raw_c(x, "<");
    raw_c(x, element);
    raw_c(x, ">");
    srv_xml_text(x, text.ptr, text.len);
    raw_c(x, "</");
    raw_c(x, element);
    raw_c(x, ">");
}

void srv_xml_cstr(srv_xml *x, const char *element, const char *text)
{
    if (text != NULL)
        srv_xml_str(x, element, iam_str_from_cstr(text));
}

void srv_xml_int(srv_xml *x, const char *element, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRId64, v);
    srv_xml_str(x, element, (iam_str){ b, (size_t)n });
}

void srv_xml_bool(srv_xml *x, const char *element, bool v)
{
    srv_xml_str(x, element, v ? IAM_STR("true") : IAM_STR("false"));
}

void srv_xml_time(srv_xml *x, const char *element, int64_t epoch)
{
    char b[21];
    srv_iso8601(epoch, b);
    srv_xml_str(x, element, (iam_str){ b, 20 });
}

void srv_xml_policy_doc(srv_xml *x, const char *element, const char *json)
{
    if (json == NULL)
        return;
    iam_str in = iam_str_from_cstr(json);
    size_t need = iam_uri_encode(in, false, NULL, 0);
    char small[1024];
    char *enc = need <= sizeof small ? small : malloc(need);
    if (enc == NULL) {
        x->oom = true;
        return;
    }
    iam_uri_encode(in, false, enc, need);
    /* The encoding is pure ASCII without markup characters: no escaping. */
    raw_c(x, "<");
    raw_c(x, element);
    raw_c(x, ">");
    srv_xml_raw(x, enc, need);
    raw_c(x, "</");
    raw_c(x, element);
    raw_c(x, ">");
    if (enc != small)
        free(enc);
}

/* ---- shapes ---- */

void srv_xml_tags(srv_xml *x, const char *element, iam_tags tags)
{
    if (tags.n == 0) {
        raw_c(x, "<");
        raw_c(x, element);
        raw_c(x, "/>");
        return;
    }
    srv_xml_open(x, element);
    for (size_t i = 0; i < tags.n; i++) {
        srv_xml_open(x, "member");
        srv_xml_cstr(x, "Key", tags.items[i].key);
        srv_xml_cstr(x, "Value", tags.items[i].value ? tags.items[i].value : "");
        srv_xml_close(x);
    }
    srv_xml_close(x);
}

static void boundary(srv_xml *x, const char *arn)
{
    if (arn == NULL)
        return;
    srv_xml_open(x, "PermissionsBoundary");
    srv_xml_cstr(x, "PermissionsBoundaryType", "Policy");
    srv_xml_cstr(x, "PermissionsBoundaryArn", arn);
    srv_xml_close(x);
}

void srv_xml_user(srv_xml *x, const char *element, const iam_user *u)
{
    srv_xml_open(x, element);
    srv_xml_cstr(x, "Path", u->path);
    srv_xml_cstr(x, "UserName", u->name);
    srv_xml_cstr(x, "UserId", u->id);
    srv_xml_cstr(x, "Arn", u->arn);
    srv_xml_time(x, "CreateDate", u->created);
    if (u->password_last_used > 0)
        srv_xml_time(x, "PasswordLastUsed", u->password_last_used);
    boundary(x, u->boundary_arn);
    if (u->tags.n > 0)
        srv_xml_tags(x, "Tags", u->tags);
    srv_xml_close(x);
}

void srv_xml_role(srv_xml *x, const char *element, const iam_role *r)
{
    srv_xml_open(x, element);
    srv_xml_cstr(x, "Path", r->path);
    srv_xml_cstr(x, "RoleName", r->name);
    srv_xml_cstr(x, "RoleId", r->id);
    srv_xml_cstr(x, "Arn", r->arn);
    srv_xml_time(x, "CreateDate", r->created);
    srv_xml_policy_doc(x, "AssumeRolePolicyDocument", r->trust_document);
    srv_xml_cstr(x, "Description", r->description);
    srv_xml_int(x, "MaxSessionDuration", r->max_session_duration);
    boundary(x, r->boundary_arn);
    if (r->tags.n > 0)
        srv_xml_tags(x, "Tags", r->tags);
    if (r->last_used > 0) {
        srv_xml_open(x, "RoleLastUsed");
        srv_xml_time(x, "LastUsedDate", r->last_used);
        srv_xml_cstr(x, "Region", r->last_used_region);
        srv_xml_close(x);
    }
    srv_xml_close(x);
}

void srv_xml_group(srv_xml *x, const char *element, const iam_group *g)
{
    srv_xml_open(x, element);
    srv_xml_cstr(x, "Path", g->path);
    srv_xml_cstr(x, "GroupName", g->name);
    srv_xml_cstr(x, "GroupId", g->id);
    srv_xml_cstr(x, "Arn", g->arn);
    srv_xml_time(x, "CreateDate", g->created);
    srv_xml_close(x);
}

void srv_xml_policy(srv_xml *x, const char *element, const iam_managed_policy *p)
{
    srv_xml_open(x, element);
    srv_xml_cstr(x, "PolicyName", p->name);
    srv_xml_cstr(x, "PolicyId", p->id);
    srv_xml_cstr(x, "Arn", p->arn);
    srv_xml_cstr(x, "Path", p->path);
    if (p->default_version != NULL)
        srv_xml_cstr(x, "DefaultVersionId", p->default_version->version_id);
    srv_xml_int(x, "AttachmentCount", p->attachment_count);
    srv_xml_int(x, "PermissionsBoundaryUsageCount", p->boundary_count);
    srv_xml_bool(x, "IsAttachable", true);
    srv_xml_cstr(x, "Description", p->description);
    srv_xml_time(x, "CreateDate", p->created);
    srv_xml_time(x, "UpdateDate", p->updated);
    if (p->tags.n > 0)
        srv_xml_tags(x, "Tags", p->tags);
    srv_xml_close(x);
}

void srv_xml_page_end(srv_xml *x, bool truncated, const char *marker)
{
    srv_xml_bool(x, "IsTruncated", truncated);
    if (truncated && marker != NULL)
        srv_xml_cstr(x, "Marker", marker);
}

/* ---- paging ---- */

static const char *item_name(const void *item, iam_entity_kind kind)
{
    switch (kind) {
    case IAM_EK_USER: return ((const iam_user *)item)->name;
    case IAM_EK_GROUP: return ((const iam_group *)item)->name;
    case IAM_EK_ROLE: return ((const iam_role *)item)->name;
    case IAM_EK_POLICY: return ((const iam_managed_policy *)item)->name;
    case IAM_EK_INSTANCE_PROFILE: return ((const iam_instance_profile *)item)->name;
    case IAM_EK_OIDC_PROVIDER: return ((const iam_oidc_provider *)item)->arn;
    case IAM_EK_MFA_DEVICE: return ((const iam_mfa_device *)item)->serial;
    case IAM_EK_ACCOUNT: return ((const iam_account *)item)->id;
    case IAM_EK_ACCESS_KEY: return ((const iam_access_key *)item)->id;
    }
    return NULL;
}

bool srv_page_list(srv_call *c, const srv_page *pg, iam_snap_list l, iam_entity_kind kind, srv_keep_fn keep,
                   srv_emit_fn emit, void *ud)
{
    size_t i = pg->marker.len > 0 ? iam_snap_list_after(l, kind, pg->marker) : 0;
    size_t emitted = 0;
    const char *last = NULL;
    bool truncated = false;
    for (; i < l.n; i++) {
        const void *item = l.items[i];
        if (keep != NULL && !keep(c, item, ud))
            continue;
        if (emitted == pg->max_items) {
            truncated = true;
            break;
        }
        emit(c, item, ud);
        emitted++;
        last = item_name(item, kind);
    }
    srv_xml *x = c->out;
    if (x->depth > x->base_depth) {
        /* The handler wrapped the items (<Users>...): the tail follows
         * when it closes that element. */
        x->tail_pending = true;
        x->tail_truncated = truncated;
        x->tail_marker = last;
        x->tail_depth = x->depth - 1;
    } else {
        srv_xml_page_end(x, truncated, last);
    }
    return !x->oom;
}
