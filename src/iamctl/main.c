/* main.c - iamctl: the command-line tool of iamd: the offline policy tools
 * on libiam (`iamctl policy eval|test|validate`) and client set-up
 * (`iamctl configure`). This file only dispatches; every command lives in
 * its own cmd_*.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

#ifndef IAMCTL_VERSION
#define IAMCTL_VERSION "0.0.0"
#endif

static const char USAGE[] =
    "usage: iamctl [--help] [--version] <command> [<args>]\n"
    "\n"
    "Offline policy tools (libiam, no server needed):\n"
    "  policy eval      decide one request against policy files\n"
    "  policy test      run decision-case files (JSON Lines)\n"
    "  policy validate  check a policy document, per policy kind\n"
    "\n"
    "Setting up clients:\n"
    "  configure        write an AWS CLI/SDK profile for an iamd endpoint\n"
    "\n"
    "Run 'iamctl policy <command> --help' for the options of a command.\n"
    "Exit status: 0 success/allowed/valid, 1 denied/invalid/failed, 2 usage or input error.\n";

static const char POLICY_USAGE[] =
    "usage: iamctl policy <command> [<args>]\n"
    "\n"
    "  eval      decide one request against policy files\n"
    "  test      run decision-case files (JSON Lines)\n"
    "  validate  check a policy document, per policy kind\n"
    "\n"
    "Run 'iamctl policy <command> --help' for the options of a command.\n";

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} POLICY_COMMANDS[] = {
    { "eval", cli_cmd_policy_eval },
    { "test", cli_cmd_policy_test },
    { "validate", cli_cmd_policy_validate },
};

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

static int policy_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(POLICY_USAGE, stderr);
        return CLI_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        fputs(POLICY_USAGE, stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof POLICY_COMMANDS / sizeof POLICY_COMMANDS[0]; i++)
        if (strcmp(argv[1], POLICY_COMMANDS[i].name) == 0)
            return POLICY_COMMANDS[i].run(argc - 1, argv + 1);
    cli_error("policy: unknown command '%s' (eval, test, validate; see 'iamctl policy --help')",
              argv[1]);
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        fputs(USAGE, stderr);
        rc = CLI_EXIT_USAGE;
    } else if (is_help(argv[1])) {
        fputs(USAGE, stdout);
        rc = CLI_EXIT_OK;
    } else if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("iamctl %s\n", IAMCTL_VERSION);
        rc = CLI_EXIT_OK;
    } else if (strcmp(argv[1], "configure") == 0) {
        rc = cli_cmd_configure(argc - 1, argv + 1);
    } else if (strcmp(argv[1], "policy") == 0) {
        rc = policy_main(argc - 1, argv + 1);
    } else {
        if (argv[1][0] == '-')
            cli_error("unknown option '%s' (see 'iamctl --help')", argv[1]);
        else
            cli_error("unknown command '%s' (see 'iamctl --help')", argv[1]);
        rc = CLI_EXIT_USAGE;
    }
    /* A full disk or closed pipe must not pass for success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            cli_error("error writing to standard output: %s", strerror(errno));
        rc = CLI_EXIT_USAGE;
    }
    return rc;
}
