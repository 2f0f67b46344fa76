/* output.c - human and JSON renderings of an iam_eval_result. Text that comes
 * from documents or case files (Sids, level names) is escaped so that every
 * statement stays on its own line. */
#include "output.h"

#include <string.h>

#include "util.h"

static const char *const DECISION_NAMES[] = {
    [IAM_IMPLICIT_DENY] = "ImplicitlyDenied",
    [IAM_ALLOW] = "Allowed",
    [IAM_EXPLICIT_DENY] = "ExplicitlyDenied",
};

const char *cli_decision_name(iam_decision d)
{
    if ((size_t)d < sizeof DECISION_NAMES / sizeof DECISION_NAMES[0])
        return DECISION_NAMES[d];
    return "?";
}

bool cli_decision_parse(const char *name, iam_decision *out)
{
    for (size_t i = 0; i < sizeof DECISION_NAMES / sizeof DECISION_NAMES[0]; i++)
        if (strcmp(DECISION_NAMES[i], name) == 0) {
            *out = (iam_decision)i;
            return true;
        }
    return false;
}

const char *cli_type_name(iam_policy_type t)
{
    const char *n = iam_policy_type_name(t);
    return n != NULL ? n : "?";
}

static const char *effect_name(iam_effect e)
{
    return e == IAM_EFFECT_DENY ? "Deny" : "Allow";
}

static iam_str match_sid(const cli_case *c, const iam_match *m)
{
    const iam_policy *p = m->pol;
    if (p == NULL) {
        const cli_group *g = cli_case_match_group(c, m);
        if (g == NULL || m->policy >= g->n)
            return IAM_STR_NULL;
        p = g->pols[m->policy];
    }
    if (m->statement >= iam_policy_statement_count(p))
        return IAM_STR_NULL;
    return iam_policy_statement_sid(p, m->statement);
}

void cli_print_reasons(FILE *f, const cli_case *c, const iam_eval_result *r, const char *indent)
{
    size_t kept = r->match_count < IAM_EVAL_MAX_MATCHES ? r->match_count : IAM_EVAL_MAX_MATCHES;

    if (r->decision == IAM_IMPLICIT_DENY) {
        if (r->blocked_by != IAM_PT_NONE)
            fprintf(f, "%sno applicable Allow in the %s policies\n", indent, cli_type_name(r->blocked_by));
        else
            fprintf(f, "%sno applicable Allow\n", indent);
    }
    for (size_t i = 0; i < kept; i++) {
        const iam_match *m = &r->matches[i];
        const cli_group *g = cli_case_match_group(c, m);
        iam_str sid = match_sid(c, m);

        fprintf(f, "%s%s", indent, cli_type_name(m->type));
        if ((m->type == IAM_PT_SCP || m->type == IAM_PT_RCP) && g != NULL && g->level != NULL) {
            fputs(" level \"", f);
            cli_fput_escaped(f, iam_str_from_cstr(g->level));
            fputc('"', f);
        }
        fprintf(f, " policy #%lu (%s) statement %lu", (unsigned long)m->policy + 1,
                cli_case_match_label(c, m), (unsigned long)m->statement);
        if (sid.len > 0) {
            fputs(" Sid \"", f);
            cli_fput_escaped(f, sid);
            fputc('"', f);
        }
        fprintf(f, " %s\n", effect_name(m->effect));
    }
    if (r->match_count > kept)
        fprintf(f, "%s... and %zu more statements\n", indent, r->match_count - kept);
}

json_t *cli_json_str(const char *s)
{
    json_t *v = json_string(s);
    return v != NULL ? v : json_null();
}

json_t *cli_json_strn(iam_str s)
{
    json_t *v = json_stringn(s.ptr != NULL ? s.ptr : "", s.len);
    return v != NULL ? v : json_null();
}

static json_t *match_json(const cli_case *c, const iam_match *m, const char *label_key)
{
    const cli_group *g = cli_case_match_group(c, m);
    iam_str sid = match_sid(c, m);
    json_t *o = json_object();
    int rc = 0;

    if (o == NULL)
        return NULL;
    rc |= json_object_set_new(o, "type", json_string(cli_type_name(m->type)));
    if ((m->type == IAM_PT_SCP || m->type == IAM_PT_RCP) && g != NULL && g->level != NULL)
        rc |= json_object_set_new(o, "level", cli_json_str(g->level));
    else
        rc |= json_object_set_new(o, "level", json_null());
    rc |= json_object_set_new(o, "policy", json_integer((json_int_t)m->policy));
    rc |= json_object_set_new(o, label_key, cli_json_str(cli_case_match_label(c, m)));
    rc |= json_object_set_new(o, "statement", json_integer((json_int_t)m->statement));
    rc |= json_object_set_new(o, "sid", sid.len > 0 ? cli_json_strn(sid) : json_null());
    rc |= json_object_set_new(o, "effect", json_string(effect_name(m->effect)));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cli_result_to_json(json_t *obj, const cli_case *c, const iam_eval_result *r,
                       const char *label_key)
{
    size_t kept = r->match_count < IAM_EVAL_MAX_MATCHES ? r->match_count : IAM_EVAL_MAX_MATCHES;
    json_t *stmts = json_array();
    int rc = 0;

    if (stmts == NULL)
        return -1;
    for (size_t i = 0; i < kept; i++) {
        if (json_array_append_new(stmts, match_json(c, &r->matches[i], label_key)) != 0) {
            json_decref(stmts);
            return -1;
        }
    }
    rc |= json_object_set_new(obj, "decision", json_string(cli_decision_name(r->decision)));
    if (r->decision == IAM_IMPLICIT_DENY && r->blocked_by != IAM_PT_NONE)
        rc |= json_object_set_new(obj, "blockedBy", json_string(cli_type_name(r->blocked_by)));
    else
        rc |= json_object_set_new(obj, "blockedBy", json_null());
    rc |= json_object_set_new(obj, "statements", stmts);
    rc |= json_object_set_new(obj, "matchCount", json_integer((json_int_t)r->match_count));
    return rc == 0 ? 0 : -1;
}

int cli_json_println(FILE *f, const json_t *obj)
{
    if (json_dumpf(obj, f, JSON_COMPACT) != 0)
        return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}
