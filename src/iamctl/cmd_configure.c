/* cmd_configure.c - `iamctl configure`: point the aws CLI and the SDKs at
 * an iamd endpoint. Writes a named profile (region, endpoint_url, keys) to
 * the AWS shared config and credentials files, then prints the shell lines
 * that make tools use it. Older clients (Debian's aws CLI 2.9, boto3 1.26)
 * ignore endpoint_url in the config, hence the --endpoint-url alias line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/crypto.h"

#include "args.h"
#include "commands.h"
#include "ini.h"
#include "util.h"

static const char USAGE[] =
    "usage: iamctl configure --endpoint-url URL [--profile NAME] [--region REGION]\n"
    "                        [--data-dir DIR | --credentials-file FILE | --access-key-id ID]\n"
    "\n"
    "Writes profile NAME (default: iamd) for an iamd endpoint to the AWS shared\n"
    "config file ($AWS_CONFIG_FILE or ~/.aws/config: region, endpoint_url) and\n"
    "credentials file ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, mode\n"
    "0600), then prints shell lines to use it:  eval \"$(iamctl configure ...)\"\n"
    "\n"
    "Keys come from FILE's [default] section (e.g. the admin-credentials file\n"
    "`iamd init` writes), else from --access-key-id with the secret in the\n"
    "AWS_SECRET_ACCESS_KEY variable (never on the command line), else from\n"
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n"
    "  --endpoint-url URL      iamd's address, e.g. http://127.0.0.1:8080\n"
    "  --profile NAME          profile to write (default iamd)\n"
    "  --region REGION         region of the profile (default us-east-1)\n"
    "  --data-dir DIR          iamd's data directory: the keys of DIR/admin-credentials\n"
    "  --credentials-file FILE read the keys from FILE's [default] section\n"
    "  --access-key-id ID      the access key id (secret from AWS_SECRET_ACCESS_KEY)\n";

enum { OPT_HELP = 1, OPT_ENDPOINT, OPT_PROFILE, OPT_REGION, OPT_CREDS, OPT_KEY_ID, OPT_DATA_DIR };

static const cli_opt OPTS[] = {
    { "help", false, OPT_HELP },       { "endpoint-url", true, OPT_ENDPOINT },
    { "profile", true, OPT_PROFILE },  { "region", true, OPT_REGION },
    { "credentials-file", true, OPT_CREDS }, { "access-key-id", true, OPT_KEY_ID },
    { "data-dir", true, OPT_DATA_DIR },
};

/* Value of `key` in the [default] section of an INI text, trimmed; an owned
 * copy, or NULL. */
static char *ini_default_value(const cli_bytes *b, const char *key)
{
    bool in_default = false;
    size_t klen = strlen(key);
    for (size_t pos = 0; pos < b->len;) {
        const char *line = b->data + pos;
        const char *nl = memchr(line, '\n', b->len - pos);
        size_t len = nl ? (size_t)(nl - line) : b->len - pos;
        size_t a = 0;
        pos += len + (nl != NULL);
        while (a < len && (line[a] == ' ' || line[a] == '\t'))
            a++;
        while (len > a && (line[len - 1] == ' ' || line[len - 1] == '\r' || line[len - 1] == '\t'))
            len--;
        if (a < len && line[a] == '[') {
            in_default = len - a == 9 && memcmp(line + a, "[default]", 9) == 0;
            continue;
        }
        if (!in_default || len - a <= klen || memcmp(line + a, key, klen) != 0)
            continue;
        a += klen;
        while (a < len && line[a] == ' ')
            a++;
        if (a >= len || line[a] != '=')
            continue;
        a++;
        while (a < len && line[a] == ' ')
            a++;
        return cli_strndup(line + a, len - a);
    }
    return NULL;
}

static char *default_path(const char *env, const char *leaf)
{
    const char *v = getenv(env), *home = getenv("HOME");
    size_t n;
    char *p;
    if (v != NULL && *v != '\0')
        return cli_strdup(v);
    if (home == NULL || *home == '\0')
        home = ".";
    n = strlen(home) + strlen(leaf) + 7;
    p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/.aws/%s", home, leaf);
    return p;
}

static bool valid_token(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '[' || s[i] == ']' || s[i] == '=' || s[i] == '#')
            return false;
    return true;
}

int cli_cmd_configure(int argc, char **argv)
{
    const char *endpoint = NULL, *profile = "iamd", *region = "us-east-1";
    const char *creds_file = NULL, *key_id_arg = NULL, *val;
    char *key_id = NULL, *secret = NULL, *config_path = NULL, *creds_path = NULL, *section = NULL;
    char *data_creds = NULL;
    cli_args a;
    int id, rc = CLI_EXIT_USAGE;

    cli_args_init(&a, argc, argv, 1, "configure");
    while ((id = cli_args_next(&a, OPTS, sizeof OPTS / sizeof OPTS[0], &val)) != CLI_ARG_END) {
        switch (id) {
        case OPT_HELP: fputs(USAGE, stdout); free(data_creds); return CLI_EXIT_OK;
        case OPT_ENDPOINT: endpoint = val; break;
        case OPT_PROFILE: profile = val; break;
        case OPT_REGION: region = val; break;
        case OPT_CREDS: creds_file = val; break;
        case OPT_KEY_ID: key_id_arg = val; break;
        case OPT_DATA_DIR:
            free(data_creds);
            data_creds = malloc(strlen(val) + sizeof "/admin-credentials");
            if (data_creds == NULL) {
                cli_error("configure: out of memory");
                return CLI_EXIT_USAGE;
            }
            snprintf(data_creds, strlen(val) + sizeof "/admin-credentials", "%s/admin-credentials", val);
            creds_file = data_creds;
            break;
        case CLI_ARG_POSITIONAL:
            cli_error("configure: unexpected argument '%s' (see 'iamctl configure --help')", val);
            free(data_creds);
            return CLI_EXIT_USAGE;
        default: free(data_creds); return CLI_EXIT_USAGE;
        }
    }
    if (endpoint == NULL || (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) ||
        !valid_token(endpoint, 1024)) {
        cli_error("configure: --endpoint-url must be an http:// or https:// URL");
        goto out;
    }
    if (!valid_token(profile, 64) || !valid_token(region, 32)) {
        cli_error("configure: --profile and --region take one word each");
        goto out;
    }
    if (creds_file != NULL) {
        cli_bytes b;
        if (cli_read_input(creds_file, 65536, &b) != 0)
            goto out;
        key_id = ini_default_value(&b, "aws_access_key_id");
        secret = ini_default_value(&b, "aws_secret_access_key");
        iam_wipe(b.data, b.len);
        cli_bytes_free(&b);
        if (key_id == NULL || secret == NULL) {
            cli_error("configure: %s has no [default] section with aws_access_key_id and "
                      "aws_secret_access_key", creds_file);
            goto out;
        }
    } else {
        const char *k = key_id_arg ? key_id_arg : getenv("AWS_ACCESS_KEY_ID");
        const char *s = getenv("AWS_SECRET_ACCESS_KEY");
        if (k == NULL || s == NULL) {
            cli_error("configure: no keys: give --credentials-file, or --access-key-id with "
                      "AWS_SECRET_ACCESS_KEY set in the environment");
            goto out;
        }
        key_id = cli_strdup(k);
        secret = cli_strdup(s);
    }
    if (key_id == NULL || secret == NULL || !valid_token(key_id, 128) || !valid_token(secret, 128)) {
        cli_error("configure: the access key id or secret is empty or malformed");
        goto out;
    }
    config_path = default_path("AWS_CONFIG_FILE", "config");
    creds_path = default_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    section = malloc(strlen(profile) + 9);
    if (config_path == NULL || creds_path == NULL || section == NULL) {
        cli_error("configure: out of memory");
        goto out;
    }
    /* The config file names profiles "profile X", except the default one. */
    if (strcmp(profile, "default") == 0)
        snprintf(section, strlen(profile) + 9, "%s", profile);
    else
        snprintf(section, strlen(profile) + 9, "profile %s", profile);
    {
        const cli_ini_kv cfg[] = { { "region", region }, { "endpoint_url", endpoint },
                                   { "output", "json" } };
        const cli_ini_kv cred[] = { { "aws_access_key_id", key_id },
                                    { "aws_secret_access_key", secret } };
        if (cli_ini_put_section(creds_path, profile, cred, 2, 0600) != 0 ||
            cli_ini_put_section(config_path, section, cfg, 3, 0600) != 0) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    printf("# iamctl: profile '%s' written to %s and %s\n", profile, config_path, creds_path);
    printf("export AWS_PROFILE=%s\n", profile);
    printf("export AWS_ENDPOINT_URL=%s\n", endpoint);
    printf("export IAMD_ENDPOINT=%s\n", endpoint);
    printf("# clients older than aws CLI 2.13 / boto3 1.28 (Debian bookworm's) ignore\n"
           "# endpoint_url and AWS_ENDPOINT_URL; for them:\n");
    printf("alias aws='aws --endpoint-url %s'\n", endpoint);
    rc = CLI_EXIT_OK;
out:
    if (secret != NULL) {
        iam_wipe(secret, strlen(secret));
        free(secret);
    }
    free(key_id);
    free(config_path);
    free(creds_path);
    free(section);
    free(data_creds);
    return rc;
}
