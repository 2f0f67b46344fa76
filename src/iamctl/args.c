/* args.c - the long-option parser (see args.h). Hand-written rather than
 * getopt_long so that every error is our own one-line message and there is
 * no hidden global (optind) between commands. */
#include "args.h"

#include <string.h>

#include "util.h"

void cli_args_init(cli_args *a, int argc, char **argv, int first, const char *cmd)
{
    a->argc = argc;
    a->argv = argv;
    a->i = first;
    a->rest = false;
    a->cmd = cmd;
}

static const cli_opt *find_opt(const cli_opt *opts, size_t nopts, const char *name, size_t len)
{
    for (size_t k = 0; k < nopts; k++)
        if (strlen(opts[k].name) == len && memcmp(opts[k].name, name, len) == 0)
            return &opts[k];
    return NULL;
}

int cli_args_next(cli_args *a, const cli_opt *opts, size_t nopts, const char **val)
{
    const char *arg, *name, *eq;
    const cli_opt *o;
    size_t len;

    *val = NULL;
    for (;;) {
        if (a->i >= a->argc)
            return CLI_ARG_END;
        arg = a->argv[a->i++];
        if (a->rest || arg[0] != '-' || arg[1] == '\0') {
            *val = arg;
            return CLI_ARG_POSITIONAL;
        }
        if (strcmp(arg, "--") == 0) {
            a->rest = true;
            continue;
        }
        break;
    }
    if (strcmp(arg, "-h") == 0) {
        name = "help";
        len = 4;
        eq = NULL;
    } else if (arg[1] == '-') {
        name = arg + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
    } else {
        cli_error("%s: unknown option '%s' (see 'iamctl %s --help')", a->cmd, arg, a->cmd);
        return CLI_ARG_ERROR;
    }
    o = find_opt(opts, nopts, name, len);
    if (o == NULL) {
        cli_error("%s: unknown option '--%.*s' (see 'iamctl %s --help')", a->cmd, (int)len, name,
                  a->cmd);
        return CLI_ARG_ERROR;
    }
    if (!o->has_arg) {
        if (eq != NULL) {
            cli_error("%s: option '--%s' takes no value", a->cmd, o->name);
            return CLI_ARG_ERROR;
        }
        return o->id;
    }
    if (eq != NULL) {
        *val = eq + 1;
        return o->id;
    }
    /* "--action --json" is a forgotten value, not the action "--json". */
    if (a->i >= a->argc || (a->argv[a->i][0] == '-' && a->argv[a->i][1] == '-' &&
                            a->argv[a->i][2] != '\0')) {
        cli_error("%s: option '--%s' needs a value", a->cmd, o->name);
        return CLI_ARG_ERROR;
    }
    *val = a->argv[a->i++];
    return o->id;
}
