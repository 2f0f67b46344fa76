/* cmd_policy_validate.c - `iamctl policy validate`: checks policy documents
 * against the grammar and, with --kind, the rules and size limit of a policy
 * kind. Prints every finding as "FILE[:LINE:COL]: error|warning: PATH:
 * message (code)" and then "FILE: valid" or "FILE: invalid". Exit 0 when
 * every file is valid (warnings allowed), 1 when one is not, 2 on a usage
 * or input error. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "iam/policy.h"
#include "util.h"

static const char HELP[] =
    "usage: iamctl policy validate [--kind KIND] FILE... ('-' = standard input)\n"
    "\n"
    "Checks policy documents. Every finding is printed as\n"
    "  FILE[:LINE:COLUMN]: error|warning: PATH: message (code)\n"
    "with PATH the JSON path of the offending element (e.g. Statement[1].Condition),\n"
    "then 'FILE: valid' or 'FILE: invalid'.\n"
    "\n"
    "  --kind KIND  identity, resource, trust, scp, rcp, session or vpc-endpoint:\n"
    "               also apply that kind's rules and size limit. Without it,\n"
    "               only the generic policy grammar is checked.\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 valid (warnings are printed), 1 invalid, 2 usage or input error.\n";

enum { OPT_KIND = 1, OPT_HELP };

static const cli_opt OPTS[] = {
    { "kind", true, OPT_KIND },
    { "help", false, OPT_HELP },
};

static const struct {
    const char *name;
    iam_policy_kind kind;
} KINDS[] = {
    { "generic", IAM_KIND_GENERIC },
    { "identity", IAM_KIND_IDENTITY },
    { "resource", IAM_KIND_RESOURCE },
    { "trust", IAM_KIND_TRUST },
    { "scp", IAM_KIND_SCP },
    { "rcp", IAM_KIND_RCP },
    { "session", IAM_KIND_SESSION },
    { "vpc-endpoint", IAM_KIND_VPC_ENDPOINT },
    { "vpc_endpoint", IAM_KIND_VPC_ENDPOINT },
};

#define CMD "policy validate"

static bool parse_kind(const char *s, iam_policy_kind *out)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].name, s) == 0) {
            *out = KINDS[i].kind;
            return true;
        }
    return false;
}

static void print_finding(const char *name, const iam_finding *f)
{
    fputs(name, stdout);
    if (f->line > 0)
        printf(":%d:%d", f->line, f->column);
    printf(": %s: ", f->severity == IAM_SEV_ERROR ? "error" : "warning");
    if (f->path[0] != '\0')
        printf("%s: ", f->path);
    fputs(f->message, stdout);
    if (f->code != NULL && f->code[0] != '\0')
        printf(" (%s)", f->code);
    fputc('\n', stdout);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Validates one file; returns its exit status. */
static int validate_file(const char *path, iam_policy_kind kind)
{
    const char *name = cli_display_name(path);
    iam_findings f;
    cli_bytes b;
    iam_err err;
    size_t warnings;
    int rc;

    if (cli_read_input(path, CLI_POLICY_MAX, &b) != 0)
        return CLI_EXIT_USAGE;
    memset(&f, 0, sizeof f);
    err = iam_policy_validate(b.data, b.len, kind, &f);
    cli_bytes_free(&b);
    if (err != IAM_OK) {
        cli_error("%s: cannot validate: %s", name, iam_err_str(err));
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < f.count; i++)
        print_finding(name, &f.items[i]);
    warnings = f.count - f.errors;
    if (f.errors > 0) {
        printf("%s: invalid (%zu error%s", name, f.errors, plural(f.errors));
        if (warnings > 0)
            printf(", %zu warning%s", warnings, plural(warnings));
        fputs(")\n", stdout);
        rc = CLI_EXIT_FAIL;
    } else {
        if (warnings > 0)
            printf("%s: valid (%zu warning%s)\n", name, warnings, plural(warnings));
        else
            printf("%s: valid\n", name);
        rc = CLI_EXIT_OK;
    }
    iam_findings_free(&f);
    return rc;
}

int cli_cmd_policy_validate(int argc, char **argv)
{
    iam_policy_kind kind = IAM_KIND_GENERIC;
    cli_args a;
    const char *val;
    const char **files;
    size_t nfiles = 0;
    bool stdin_used = false;
    int id, rc = CLI_EXIT_USAGE;

    files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) {
        cli_error(CMD ": out of memory");
        return CLI_EXIT_USAGE;
    }
    cli_args_init(&a, argc, argv, 1, CMD);
    while ((id = cli_args_next(&a, OPTS, sizeof OPTS / sizeof OPTS[0], &val)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_ERROR:
            goto done;
        case CLI_ARG_POSITIONAL:
            if (strcmp(val, "-") == 0) {
                if (stdin_used) {
                    cli_error(CMD ": standard input ('-') can be read only once");
                    goto done;
                }
                stdin_used = true;
            }
            files[nfiles++] = val;
            break;
        case OPT_KIND:
            if (!parse_kind(val, &kind)) {
                cli_error(CMD ": --kind '%s': unknown kind (identity, resource, trust, scp, rcp, "
                              "session, vpc-endpoint)",
                          val);
                goto done;
            }
            break;
        case OPT_HELP:
            fputs(HELP, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        default:
            break;
        }
    }
    if (nfiles == 0) {
        cli_error(CMD ": missing FILE ('-' for standard input; see 'iamctl " CMD " --help')");
        goto done;
    }
    rc = CLI_EXIT_OK;
    for (size_t i = 0; i < nfiles; i++) {
        int frc = validate_file(files[i], kind);
        if (frc > rc)
            rc = frc;
    }
done:
    free(files);
    return rc;
}
