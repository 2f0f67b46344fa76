/* cmd_policy_eval.c - `iamctl policy eval`: one authorization decision from
 * flags. Policies come from files (--policy ROLE=FILE), are compiled
 * leniently like decision cases, and are validated as their kind only to
 * print warnings. Prints the decision and the statements that decided it;
 * exits 0 when allowed, 1 when denied, 2 on a usage or input error. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "casefile.h"
#include "commands.h"
#include "output.h"
#include "util.h"

static const char HELP[] =
    "usage: iamctl policy eval --policy ROLE=FILE... --action ACTION --resource ARN [options]\n"
    "\n"
    "Decides one request as iamd would and prints the decision (Allowed,\n"
    "ExplicitlyDenied or ImplicitlyDenied) with the statements that decided it.\n"
    "\n"
    "  --policy ROLE=FILE        a policy document (FILE '-' = standard input), repeatable.\n"
    "                            ROLE: identity, session, permissions-boundary, resource,\n"
    "                            scp:LEVEL, rcp:LEVEL, vpc-endpoint ('_' also accepted).\n"
    "                            identity, permissions-boundary and vpc-endpoint repeat;\n"
    "                            session and resource at most once; each scp/rcp LEVEL\n"
    "                            (e.g. scp:root=a.json scp:ou-eng=b.json) needs an Allow;\n"
    "                            levels are ordered by first appearance, root first.\n"
    "  --action ACTION           e.g. s3:GetObject (required)\n"
    "  --resource ARN            the resource ARN (required unless --wildcard-only)\n"
    "  --resource-account ID     the account that owns the resource\n"
    "  --principal ARN           the caller; none = anonymous\n"
    "  --principal-kind KIND     iam_user, iam_role, assumed_role_session, federated_user,\n"
    "                            account_root, service, anonymous, other; by default\n"
    "                            derived from --principal (user/, role/, assumed-role/,\n"
    "                            federated-user/, :root)\n"
    "  --context KEY=VALUE       a request context value; repeat a key for a multivalued\n"
    "                            key. Only the keys given exist in the request.\n"
    "  --wildcard-only           the action has no resource-level permissions (resource *)\n"
    "  --json                    print one JSON object: {decision, blockedBy, statements:\n"
    "                            [{type, level, policy, file, statement, sid, effect}]}\n"
    "  -h, --help                this help\n"
    "\n"
    "Output lines name the deciding statements, e.g.\n"
    "  identity policy #1 (s3-reader.json) statement 0 Sid \"ReadReports\" Allow\n"
    "(policies numbered from 1 in the order given, statements from 0 as in\n"
    "Statement[0]; in --json both count from 0). Validation findings are\n"
    "printed on stderr as warnings; the policy is evaluated anyway.\n"
    "\n"
    "Exit status: 0 Allowed, 1 ExplicitlyDenied or ImplicitlyDenied, 2 usage or input error.\n";

enum {
    OPT_POLICY = 1,
    OPT_ACTION,
    OPT_RESOURCE,
    OPT_RESOURCE_ACCOUNT,
    OPT_PRINCIPAL,
    OPT_PRINCIPAL_KIND,
    OPT_CONTEXT,
    OPT_WILDCARD_ONLY,
    OPT_JSON,
    OPT_HELP
};

static const cli_opt OPTS[] = {
    { "policy", true, OPT_POLICY },
    { "action", true, OPT_ACTION },
    { "resource", true, OPT_RESOURCE },
    { "resource-account", true, OPT_RESOURCE_ACCOUNT },
    { "principal", true, OPT_PRINCIPAL },
    { "principal-kind", true, OPT_PRINCIPAL_KIND },
    { "context", true, OPT_CONTEXT },
    { "wildcard-only", false, OPT_WILDCARD_ONLY },
    { "json", false, OPT_JSON },
    { "help", false, OPT_HELP },
};

static const struct {
    const char *name;
    iam_policy_type type;
} ROLES[] = {
    { "identity", IAM_PT_IDENTITY },
    { "session", IAM_PT_SESSION },
    { "permissions-boundary", IAM_PT_BOUNDARY },
    { "permissions_boundary", IAM_PT_BOUNDARY },
    { "resource", IAM_PT_RESOURCE },
    { "scp", IAM_PT_SCP },
    { "rcp", IAM_PT_RCP },
    { "vpc-endpoint", IAM_PT_VPC_ENDPOINT },
    { "vpc_endpoint", IAM_PT_VPC_ENDPOINT },
};

#define CMD "policy eval"

/* One --policy ROLE[:LEVEL]=FILE, parsed at once so that errors name it. */
typedef struct policy_spec {
    iam_policy_type type;
    char *level; /* owned; SCP/RCP only */
    const char *file;
} policy_spec;

typedef struct eval_opts {
    policy_spec *specs;
    size_t nspecs;
    const char *action, *resource, *resource_account, *principal, *principal_kind;
    bool wildcard_only, json, help;
} eval_opts;

static int parse_spec(const char *arg, policy_spec *out)
{
    const char *eq = strchr(arg, '=');
    const char *colon;
    size_t rlen;
    bool found = false;

    memset(out, 0, sizeof *out);
    if (eq == NULL || eq == arg) {
        cli_error(CMD ": --policy '%s': expected ROLE=FILE (e.g. identity=policy.json)", arg);
        return -1;
    }
    colon = memchr(arg, ':', (size_t)(eq - arg));
    rlen = (size_t)((colon ? colon : eq) - arg);
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (strlen(ROLES[i].name) == rlen && memcmp(ROLES[i].name, arg, rlen) == 0) {
            out->type = ROLES[i].type;
            found = true;
            break;
        }
    if (!found) {
        cli_error(CMD ": --policy '%s': unknown role '%.*s' (identity, session, "
                      "permissions-boundary, resource, scp:LEVEL, rcp:LEVEL, vpc-endpoint)",
                  arg, (int)rlen, arg);
        return -1;
    }
    if (out->type == IAM_PT_SCP || out->type == IAM_PT_RCP) {
        if (colon == NULL || colon + 1 == eq) {
            cli_error(CMD ": --policy '%s': %.*s needs an organization level, as in "
                          "%.*s:root=FILE",
                      arg, (int)rlen, arg, (int)rlen, arg);
            return -1;
        }
        out->level = cli_strndup(colon + 1, (size_t)(eq - colon - 1));
        if (out->level == NULL) {
            cli_error(CMD ": out of memory");
            return -1;
        }
    } else if (colon != NULL) {
        cli_error(CMD ": --policy '%s': only scp and rcp take a :LEVEL", arg);
        return -1;
    }
    if (eq[1] == '\0') {
        cli_error(CMD ": --policy '%s': missing FILE after '='", arg);
        free(out->level);
        out->level = NULL;
        return -1;
    }
    out->file = eq + 1;
    return 0;
}

static int add_context(cli_case *c, const char *arg)
{
    const char *eq = strchr(arg, '=');
    iam_err err;

    if (eq == NULL || eq == arg) {
        cli_error(CMD ": --context '%s': expected KEY=VALUE (e.g. aws:MultiFactorAuthPresent=true)",
                  arg);
        return -1;
    }
    err = iam_context_add(c->ctx, (iam_str){ arg, (size_t)(eq - arg) }, iam_str_from_cstr(eq + 1));
    if (err != IAM_OK) {
        cli_error(CMD ": --context '%s': %s", arg, iam_err_str(err));
        return -1;
    }
    return 0;
}

/* Parses argv into *o and the context of *c. 0, or -1 after a message. */
static int parse_args(int argc, char **argv, eval_opts *o, cli_case *c)
{
    cli_args a;
    const char *val;
    int id;
    size_t sessions = 0, resources = 0;
    bool stdin_used = false;

    cli_args_init(&a, argc, argv, 1, CMD);
    while ((id = cli_args_next(&a, OPTS, sizeof OPTS / sizeof OPTS[0], &val)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_ERROR:
            return -1;
        case CLI_ARG_POSITIONAL:
            cli_error(CMD ": unexpected argument '%s' (policies go in --policy ROLE=FILE)", val);
            return -1;
        case OPT_POLICY: {
            policy_spec *s = &o->specs[o->nspecs];
            if (parse_spec(val, s) != 0)
                return -1;
            o->nspecs++;
            if (s->type == IAM_PT_SESSION && ++sessions > 1) {
                cli_error(CMD ": --policy session=... given more than once (a request has at "
                              "most one session policy)");
                return -1;
            }
            if (s->type == IAM_PT_RESOURCE && ++resources > 1) {
                cli_error(CMD ": --policy resource=... given more than once (a request has at "
                              "most one resource policy)");
                return -1;
            }
            if (strcmp(s->file, "-") == 0) {
                if (stdin_used) {
                    cli_error(CMD ": --policy: standard input ('-') can be read only once");
                    return -1;
                }
                stdin_used = true;
            }
            break;
        }
        case OPT_ACTION:
            o->action = val;
            break;
        case OPT_RESOURCE:
            o->resource = val;
            break;
        case OPT_RESOURCE_ACCOUNT:
            o->resource_account = val;
            break;
        case OPT_PRINCIPAL:
            o->principal = val;
            break;
        case OPT_PRINCIPAL_KIND:
            o->principal_kind = val;
            break;
        case OPT_CONTEXT:
            if (add_context(c, val) != 0)
                return -1;
            break;
        case OPT_WILDCARD_ONLY:
            o->wildcard_only = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_HELP:
            o->help = true;
            return 0;
        default:
            break;
        }
    }
    return 0;
}

/* Fills the request fields of *c from the options. 0, or -1 after a message. */
static int set_request(const eval_opts *o, cli_case *c)
{
    if (o->action == NULL || o->action[0] == '\0') {
        cli_error(CMD ": --action is required (e.g. --action s3:GetObject)");
        return -1;
    }
    if ((o->resource == NULL && !o->wildcard_only) ||
        (o->resource != NULL && o->resource[0] == '\0')) {
        cli_error(CMD ": --resource is required (or --wildcard-only for actions without "
                      "resource-level permissions)");
        return -1;
    }
    if (o->principal_kind != NULL) {
        if (!cli_principal_kind_parse(o->principal_kind, &c->kind)) {
            cli_error(CMD ": --principal-kind '%s': unknown kind (iam_user, iam_role, "
                          "assumed_role_session, federated_user, account_root, service, "
                          "anonymous, other)",
                      o->principal_kind);
            return -1;
        }
    } else {
        c->kind = cli_principal_kind_guess(o->principal);
    }
    c->action = cli_strdup(o->action);
    c->resource = cli_strdup(o->resource != NULL ? o->resource : "*");
    if (c->action == NULL || c->resource == NULL)
        goto nomem;
    c->wildcard_only = o->wildcard_only;
    if (o->principal != NULL && o->principal[0] != '\0' &&
        (c->principal = cli_strdup(o->principal)) == NULL)
        goto nomem;
    if (o->resource_account != NULL && o->resource_account[0] != '\0' &&
        (c->resource_account = cli_strdup(o->resource_account)) == NULL)
        goto nomem;
    return 0;
nomem:
    cli_error(CMD ": out of memory");
    return -1;
}

static int load_policies(const eval_opts *o, cli_case *c)
{
    const cli_warn warn = { CLI_WARN_ALL, stderr, "iamctl" };

    for (size_t i = 0; i < o->nspecs; i++) {
        const policy_spec *s = &o->specs[i];
        const char *name = cli_display_name(s->file);
        cli_bytes b;
        cli_group *g;
        cli_why why;
        cli_status st;

        if (cli_read_input(s->file, CLI_POLICY_MAX, &b) != 0)
            return -1;
        if (s->level != NULL)
            g = cli_case_level(c, s->type, s->level, true);
        else
            g = cli_case_group(c, s->type);
        if (g == NULL) {
            cli_bytes_free(&b);
            cli_error(CMD ": out of memory");
            return -1;
        }
        why.msg[0] = '\0';
        st = cli_case_add_policy(c, g, s->type, b.data, b.len, name, &warn, &why);
        cli_bytes_free(&b);
        if (st == CLI_NOMEM) {
            cli_error(CMD ": out of memory");
            return -1;
        }
        if (st != CLI_OK) {
            cli_error("%s", why.msg);
            return -1;
        }
    }
    return 0;
}

static int print_result(const eval_opts *o, const cli_case *c, const iam_eval_result *r)
{
    if (o->json) {
        json_t *obj = json_object();
        int rc = obj != NULL ? cli_result_to_json(obj, c, r, "file") : -1;
        if (rc == 0)
            rc = cli_json_println(stdout, obj);
        json_decref(obj);
        if (rc != 0) {
            cli_error(CMD ": cannot print the JSON result (out of memory?)");
            return -1;
        }
        return 0;
    }
    printf("%s\n", cli_decision_name(r->decision));
    cli_print_reasons(stdout, c, r, "  ");
    return 0;
}

int cli_cmd_policy_eval(int argc, char **argv)
{
    eval_opts o;
    cli_case c;
    iam_eval_result r;
    iam_err err;
    int rc = CLI_EXIT_USAGE;

    memset(&o, 0, sizeof o);
    if (cli_case_init(&c) != 0) {
        cli_error(CMD ": out of memory");
        return CLI_EXIT_USAGE;
    }
    o.specs = calloc((size_t)argc, sizeof *o.specs); /* at most one per argument */
    if (o.specs == NULL) {
        cli_error(CMD ": out of memory");
        goto done;
    }
    if (parse_args(argc, argv, &o, &c) != 0)
        goto done;
    if (o.help) {
        fputs(HELP, stdout);
        rc = CLI_EXIT_OK;
        goto done;
    }
    if (set_request(&o, &c) != 0 || load_policies(&o, &c) != 0)
        goto done;
    err = cli_case_build(&c);
    if (err != IAM_OK) {
        cli_error(CMD ": cannot index the policies: %s", iam_err_str(err));
        goto done;
    }
    err = cli_case_authorize(&c, &r);
    if (err != IAM_OK) {
        cli_error(CMD ": evaluation failed: %s", iam_err_str(err));
        goto done;
    }
    if (print_result(&o, &c, &r) != 0)
        goto done;
    rc = r.decision == IAM_ALLOW ? CLI_EXIT_OK : CLI_EXIT_FAIL;
done:
    if (o.specs != NULL)
        for (size_t i = 0; i < o.nspecs; i++)
            free(o.specs[i].level);
    free(o.specs);
    cli_case_free(&c);
    return rc;
}
