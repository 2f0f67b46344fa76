/* main.c - the iamd binary: dispatches to the subcommands (init, serve,
 * account create / root-key, oidc set-jwks), each of which documents its options with
 * --help. */
#include <stdio.h>
#include <string.h>
#include "srv_int.h"

static void usage(FILE *f)
{
    fprintf(f, "iamd %s - a self-hosted, wire-compatible AWS IAM server\n\n"
               "usage: iamd init --data-dir DIR [--account-id ID]     create a data directory and admin credentials\n"
               "       iamd serve --data-dir DIR [--listen HOST:PORT]  serve the IAM Query API\n"
               "       iamd account create --data-dir DIR [--account-id ID]\n"
               "       iamd account root-key --data-dir DIR --account-id ID\n"
               "       iamd oidc set-jwks --data-dir DIR --provider-arn ARN --jwks-file FILE\n"
               "       iamd --version\n\n"
               "Each subcommand takes --help. Settings come from flags, then IAMD_* variables, then a\n"
               "config file (--config FILE).\n",
            IAMD_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "init") == 0)
        return srv_cmd_init(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0)
        return srv_cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "account") == 0)
        return srv_cmd_account(argc - 2, argv + 2);
    if (strcmp(cmd, "oidc") == 0)
        return srv_cmd_oidc(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("iamd %s\n", IAMD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "iamd: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
