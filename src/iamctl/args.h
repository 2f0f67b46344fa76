/* args.h - a small long-option parser for iamctl's commands.
 * Accepts "--name value", "--name=value", flags without a value, "-h" for
 * "--help", "--" to end options, and "-" as a positional (standard input).
 * Errors are printed as one line naming the option; the parser keeps its
 * position in the caller's cli_args, so there is no global state. */
#ifndef IAMCTL_ARGS_H
#define IAMCTL_ARGS_H
#include <stdbool.h>
#include <stddef.h>

typedef struct cli_opt {
    const char *name; /* long name without the leading "--" */
    bool has_arg;
    int id;           /* > 0, returned by cli_args_next() */
} cli_opt;

typedef struct cli_args {
    int argc;
    char **argv;
    int i;            /* next argv index */
    bool rest;        /* after "--": everything is positional */
    const char *cmd;  /* "policy eval", for messages */
} cli_args;

enum {
    CLI_ARG_POSITIONAL = 0, /* *val is the argument */
    CLI_ARG_END = -1,       /* no more arguments */
    CLI_ARG_ERROR = -2      /* a message was printed */
};

/* Starts parsing argv[first..argc). */
void cli_args_init(cli_args *a, int argc, char **argv, int first, const char *cmd);

/* Returns the next option's id (with *val its value, or NULL for a flag),
 * CLI_ARG_POSITIONAL with *val set, CLI_ARG_END or CLI_ARG_ERROR. "-h" is
 * reported as the option named "help" when the table has one. */
int cli_args_next(cli_args *a, const cli_opt *opts, size_t nopts, const char **val);

#endif /* IAMCTL_ARGS_H */
