/* config.c - iamd's settings from three sources, in increasing precedence:
 * an optional config file (`--config FILE` or IAMD_CONFIG; `key = value`
 * lines, '#' comments, keys as the long flags without "--"), the IAMD_*
 * environment, and the command-line flags. `--help` prints every option
 * of the subcommand with its variable and default.
 * srv_config_parse_text parses config-file text from memory alone (no
 * environment, no flags, errors into a buffer): the fuzz target's entry. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "srv_int.h"

typedef enum opt_id {
    O_DATA_DIR, O_LISTEN, O_REGION, O_PARTITION, O_MASTER_KEY_FILE, O_DATA_FILES, O_TLS_CERT, O_TLS_KEY,
    O_INSECURE, O_TRUSTED_PROXY, O_MAX_BODY, O_MAX_CONNECTIONS, O_TIMEOUT, O_THREADS, O_USER, O_ACCOUNT_ID,
    O_LOG_LEVEL, O_QUOTA, O_OIDC_CA_FILE, O_OIDC_ALLOW_HOST, O_CONFIG, O_COUNT
} opt_id;

enum { T_STR, T_BOOL, T_LIST };
#define ALL (SRV_CMD_INIT | SRV_CMD_SERVE | SRV_CMD_ACCOUNT_CREATE | SRV_CMD_ROOT_KEY)
#define ADMIN (SRV_CMD_INIT | SRV_CMD_ACCOUNT_CREATE | SRV_CMD_ROOT_KEY)

typedef struct opt_def {
    const char *flag;       /* without "--" (also the config-file key) */
    const char *env;
    int type;
    unsigned cmds;
    const char *arg;
    const char *help;
} opt_def;

static const opt_def k_opts[O_COUNT] = {
    [O_DATA_DIR] = { "data-dir", "IAMD_DATA_DIR", T_STR, ALL, "DIR",
                     "data directory (database, master key, credential files); required" },
    [O_LISTEN] = { "listen", "IAMD_LISTEN", T_STR, SRV_CMD_SERVE, "HOST:PORT",
                   "address to listen on (default " SRV_DEFAULT_LISTEN "; [::1]:PORT for IPv6; port 0 picks one)" },
    [O_REGION] = { "region", "IAMD_REGION", T_STR, SRV_CMD_SERVE | SRV_CMD_INIT, "REGION",
                   "region used in audit records and accepted in SigV4 scopes besides us-east-1 (default "
                   SRV_DEFAULT_REGION ")" },
    [O_PARTITION] = { "partition", "IAMD_PARTITION", T_STR, ALL, "NAME", "ARN partition (default aws)" },
    [O_MASTER_KEY_FILE] = { "master-key-file", "IAMD_MASTER_KEY_FILE", T_STR, ALL, "FILE",
                            "master key (default DATA_DIR/master.key; init creates it there unless given)" },
    [O_DATA_FILES] = { "data-files", "IAMD_DATA_FILES", T_STR, ALL, "DIR",
                       "shipped data files (managed-policies.json; default " IAMD_DATA_DIR ")" },
    [O_TLS_CERT] = { "tls-cert", "IAMD_TLS_CERT", T_STR, SRV_CMD_SERVE, "FILE",
                     "TLS certificate chain, PEM (with --tls-key: serve HTTPS; libmicrohttpd does TLS with GnuTLS)" },
    [O_TLS_KEY] = { "tls-key", "IAMD_TLS_KEY", T_STR, SRV_CMD_SERVE, "FILE", "TLS private key, PEM" },
    [O_INSECURE] = { "insecure", "IAMD_INSECURE", T_BOOL, SRV_CMD_SERVE, NULL,
                     "allow plain HTTP on a non-loopback address" },
    [O_TRUSTED_PROXY] = { "trusted-proxy", "IAMD_TRUSTED_PROXIES", T_LIST, SRV_CMD_SERVE, "CIDR",
                          "proxy whose X-Forwarded-For is believed (repeatable; the variable takes a comma list)" },
    [O_MAX_BODY] = { "max-body", "IAMD_MAX_BODY", T_STR, SRV_CMD_SERVE, "BYTES",
                     "largest request body (default 1048576); larger ones get 413" },
    [O_MAX_CONNECTIONS] = { "max-connections", "IAMD_MAX_CONNECTIONS", T_STR, SRV_CMD_SERVE, "N",
                            "concurrent connections (default 1000)" },
    [O_TIMEOUT] = { "timeout", "IAMD_TIMEOUT", T_STR, SRV_CMD_SERVE, "SECONDS",
                    "idle connection timeout (default 30)" },
    [O_THREADS] = { "threads", "IAMD_THREADS", T_STR, SRV_CMD_SERVE, "N",
                    "HTTP worker threads (default: the number of CPUs)" },
    [O_USER] = { "user", "IAMD_USER", T_STR, SRV_CMD_SERVE, "NAME",
                 "when started as root, the user to run as after binding (default iamd if it exists, else "
                 "nobody); the database files in DATA_DIR are chown'ed to it" },
    [O_ACCOUNT_ID] = { "account-id", "IAMD_ACCOUNT_ID", T_STR, ADMIN, "ID",
                       "12-digit account id (init / account create: random when absent)" },
    [O_LOG_LEVEL] = { "log-level", "IAMD_LOG_LEVEL", T_STR, ALL, "LEVEL", "debug, info (default), warn, error" },
    [O_QUOTA] = { "quota", "IAMD_QUOTAS", T_LIST, SRV_CMD_SERVE, "NAME=N",
                  "override an AWS default quota, e.g. users_per_account=100000 (repeatable)" },
    [O_OIDC_CA_FILE] = { "oidc-ca-file", "IAMD_OIDC_CA_FILE", T_STR, SRV_CMD_SERVE, "FILE",
                         "CA bundle (PEM) that OIDC providers' HTTPS certificates are verified against when their "
                         "keys are fetched by discovery (default: the system's)" },
    [O_OIDC_ALLOW_HOST] = { "oidc-allow-host", "IAMD_OIDC_ALLOW_HOSTS", T_LIST, SRV_CMD_SERVE, "HOST",
                            "OIDC issuer host that may resolve to a loopback, link-local or metadata address "
                            "(refused otherwise; repeatable; the variable takes a comma list)" },
    [O_CONFIG] = { "config", "IAMD_CONFIG", T_STR, ALL, "FILE",
                   "config file of `key = value` lines (keys as the flags); flags > environment > file" },
};

typedef struct raw {
    char *v[O_COUNT];
    int level[O_COUNT]; /* 0 unset, 1 file, 2 env, 3 flag */
    char *err;          /* NULL: errors go to stderr (the CLI); else the first one is kept here */
    size_t err_cap;
} raw;

/* Reports a configuration error: on stderr for the CLI, or into r->err
 * (first error only) when parsing from memory, which must not print. */
static void cfg_error(raw *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cfg_error(raw *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (r->err == NULL)
        vfprintf(stderr, fmt, ap);
    else if (r->err[0] == 0)
        vsnprintf(r->err, r->err_cap, fmt, ap);
    va_end(ap);
}

static bool set_val(raw *r, opt_id id, int level, const char *val)
{
    if (k_opts[id].type == T_LIST && r->level[id] == level && r->v[id] != NULL) {
        size_t a = strlen(r->v[id]), b = strlen(val);
        char *joined = malloc(a + b + 2);
        if (joined == NULL)
            return false;
        memcpy(joined, r->v[id], a);
        joined[a] = ',';
        memcpy(joined + a + 1, val, b + 1);
        free(r->v[id]);
        r->v[id] = joined;
        return true;
    }
    if (level < r->level[id])
        return true;
    char *copy = strdup(val);
    if (copy == NULL)
        return false;
    free(r->v[id]);
    r->v[id] = copy;
    r->level[id] = level;
    return true;
}

static int find_opt(const char *name, size_t len)
{
    for (int i = 0; i < O_COUNT; i++)
        if (strlen(k_opts[i].flag) == len && strncmp(k_opts[i].flag, name, len) == 0)
            return i;
    return -1;
}

static void usage(const char *cmd_name, unsigned cmd)
{
    printf("usage: iamd %s [options]\n\noptions (flag / environment variable):\n", cmd_name);
    for (int i = 0; i < O_COUNT; i++) {
        if (!(k_opts[i].cmds & cmd))
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", k_opts[i].flag, k_opts[i].arg ? " " : "",
                 k_opts[i].arg ? k_opts[i].arg : "");
        printf("  %-30s %s\n  %-30s   [%s]\n", left, k_opts[i].help, "", k_opts[i].env);
    }
    printf("  %-30s %s\n", "--help", "this text");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Reads `key = value` lines from f; `path` names the source in errors. */
static bool load_stream(raw *r, FILE *f, const char *path, unsigned cmd)
{
    char line[4096];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        /* A line that fills the buffer without its newline is too long:
         * reading on would parse its tail as a line of its own (a crafted
         * value could end in "region=x" and set an option). */
        size_t got = strlen(line);
        if (got == sizeof line - 1 && line[got - 1] != '\n' && !feof(f)) {
            cfg_error(r, "iamd: %s:%d: line longer than %zu bytes\n", path, lineno, sizeof line - 2);
            ok = false;
            break;
        }
        char *s = trim(line);
        if (*s == 0 || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            cfg_error(r, "iamd: %s:%d: expected key = value\n", path, lineno);
            ok = false;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
            val[vl - 1] = 0;
            val++;
        }
        int id = find_opt(key, strlen(key));
        if (id < 0 || id == O_CONFIG) {
            cfg_error(r, "iamd: %s:%d: unknown key '%s'\n", path, lineno, key);
            ok = false;
        } else if (k_opts[id].cmds & cmd) {
            ok = set_val(r, (opt_id)id, 1, val);
        }
    }
    return ok;
}

static bool load_file(raw *r, const char *path, unsigned cmd)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        cfg_error(r, "iamd: cannot read config file %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = load_stream(r, f, path, cmd);
    fclose(f);
    return ok;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (s == NULL || *s == 0)
        return false;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long long)(*p - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

void srv_quotas_default(srv_quotas *q)
{
    q->users_per_account = 5000;
    q->groups_per_account = 300;
    q->roles_per_account = 1000;
    q->policies_per_account = 1500;
    q->instance_profiles_per_account = 1000;
    q->groups_per_user = 10;
    q->managed_per_principal = 10;
    q->access_keys_per_user = 2;
    q->versions_per_policy = 5;
    q->roles_per_instance_profile = 1;
    q->tags_per_entity = 50;
    q->policy_size_managed = 6144;
    q->policy_size_user_inline = 2048;
    q->policy_size_group_inline = 5120;
    q->policy_size_role_inline = 10240;
    q->trust_policy_size = 2048;
    q->oidc_providers_per_account = 100;
    q->client_ids_per_oidc = 100;
    q->thumbprints_per_oidc = 5;
}

static uint32_t *quota_field(srv_quotas *q, const char *name, size_t len)
{
#define Q(f) { #f, &q->f }
    struct { const char *n; uint32_t *p; } t[] = {
        Q(users_per_account), Q(groups_per_account), Q(roles_per_account), Q(policies_per_account),
        Q(instance_profiles_per_account), Q(groups_per_user), Q(managed_per_principal), Q(access_keys_per_user),
        Q(versions_per_policy), Q(roles_per_instance_profile), Q(tags_per_entity), Q(policy_size_managed),
        Q(policy_size_user_inline), Q(policy_size_group_inline), Q(policy_size_role_inline), Q(trust_policy_size),
        Q(oidc_providers_per_account), Q(client_ids_per_oidc), Q(thumbprints_per_oidc),
    };
#undef Q
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strlen(t[i].n) == len && strncmp(t[i].n, name, len) == 0)
            return t[i].p;
    return NULL;
}

bool srv_cidr_parse(const char *s, srv_cidr *out)
{
    char buf[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n + 1);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        *slash = 0;
        unsigned long long v;
        if (!parse_uint(slash + 1, 128, &v))
            return false;
        prefix = (long)v;
    }
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        if (prefix > 32)
            return false;
        out->prefix = prefix < 0 ? 32 : (unsigned)prefix;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = prefix < 0 ? 128 : (unsigned)prefix;
        return true;
    }
    return false;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    size_t bytes = bits / 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    unsigned rest = bits % 8;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool srv_cidr_match(const srv_cidr *nets, size_t n, const char *ip)
{
    srv_cidr a;
    if (ip == NULL || !srv_cidr_parse(ip, &a))
        return false;
    /* An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) matches IPv4 networks. */
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    srv_cidr v4 = a;
    bool has_v4 = a.family == AF_INET;
    if (a.family == AF_INET6 && memcmp(a.addr, mapped, 12) == 0) {
        memset(&v4, 0, sizeof v4);
        v4.family = AF_INET;
        memcpy(v4.addr, a.addr + 12, 4);
        has_v4 = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (nets[i].family == AF_INET && has_v4 && prefix_eq(nets[i].addr, v4.addr, nets[i].prefix))
            return true;
        if (nets[i].family == AF_INET6 && a.family == AF_INET6 && prefix_eq(nets[i].addr, a.addr, nets[i].prefix))
            return true;
    }
    return false;
}

static const char *keep(srv_config *cfg, char *s)
{
    if (s == NULL)
        return NULL;
    if (cfg->n_store_ >= sizeof cfg->store_ / sizeof cfg->store_[0]) {
        free(s);
        return NULL;
    }
    cfg->store_[cfg->n_store_++] = s;
    return s;
}

static bool truthy(const char *v)
{
    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                         strcasecmp(v, "on") == 0);
}

static int finish(srv_config *cfg, raw *r, unsigned cmd)
{
    int rc = 0;
    cfg->data_dir = keep(cfg, r->v[O_DATA_DIR]);
    cfg->listen = r->v[O_LISTEN] ? keep(cfg, r->v[O_LISTEN]) : SRV_DEFAULT_LISTEN;
    cfg->region = r->v[O_REGION] ? keep(cfg, r->v[O_REGION]) : SRV_DEFAULT_REGION;
    cfg->partition = r->v[O_PARTITION] ? keep(cfg, r->v[O_PARTITION]) : "aws";
    cfg->master_key_file = keep(cfg, r->v[O_MASTER_KEY_FILE]);
    cfg->data_files = keep(cfg, r->v[O_DATA_FILES]);
    cfg->tls_cert = keep(cfg, r->v[O_TLS_CERT]);
    cfg->tls_key = keep(cfg, r->v[O_TLS_KEY]);
    cfg->user = keep(cfg, r->v[O_USER]);
    cfg->account_id = keep(cfg, r->v[O_ACCOUNT_ID]);
    cfg->log_level = r->v[O_LOG_LEVEL] ? keep(cfg, r->v[O_LOG_LEVEL]) : "info";
    cfg->insecure = r->v[O_INSECURE] != NULL && truthy(r->v[O_INSECURE]);
    cfg->oidc_ca_file = keep(cfg, r->v[O_OIDC_CA_FILE]);
    cfg->oidc_allow_hosts = keep(cfg, r->v[O_OIDC_ALLOW_HOST]);
    r->v[O_OIDC_CA_FILE] = r->v[O_OIDC_ALLOW_HOST] = NULL; /* now owned by cfg */
    free(r->v[O_INSECURE]);
    free(r->v[O_CONFIG]);
    r->v[O_INSECURE] = r->v[O_CONFIG] = NULL;
    for (int i = 0; i <= O_ACCOUNT_ID; i++)
        if (i != O_INSECURE && i != O_TRUSTED_PROXY && i != O_MAX_BODY && i != O_MAX_CONNECTIONS &&
            i != O_TIMEOUT && i != O_THREADS)
            r->v[i] = NULL; /* now owned by cfg */
    r->v[O_LOG_LEVEL] = NULL;

    unsigned long long v;
    cfg->max_body = SRV_DEFAULT_MAX_BODY;
    cfg->max_connections = SRV_DEFAULT_MAX_CONNECTIONS;
    cfg->timeout = SRV_DEFAULT_TIMEOUT;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = ncpu > 0 ? (unsigned)ncpu : 1;
    if (r->v[O_MAX_BODY] != NULL) {
        if (!parse_uint(r->v[O_MAX_BODY], (unsigned long long)1 << 30, &v) || v < 1024) {
            cfg_error(r, "iamd: --max-body must be a number of bytes from 1024 to 1073741824\n");
            rc = 1;
        } else {
            cfg->max_body = (size_t)v;
        }
    }
    if (r->v[O_MAX_CONNECTIONS] != NULL) {
        if (!parse_uint(r->v[O_MAX_CONNECTIONS], 1000000, &v) || v < 1) {
            cfg_error(r, "iamd: --max-connections must be 1..1000000\n");
            rc = 1;
        } else {
            cfg->max_connections = (unsigned)v;
        }
    }
    if (r->v[O_TIMEOUT] != NULL) {
        if (!parse_uint(r->v[O_TIMEOUT], 86400, &v) || v < 1) {
            cfg_error(r, "iamd: --timeout must be 1..86400 seconds\n");
            rc = 1;
        } else {
            cfg->timeout = (unsigned)v;
        }
    }
    if (r->v[O_THREADS] != NULL) {
        if (!parse_uint(r->v[O_THREADS], 1024, &v) || v < 1) {
            cfg_error(r, "iamd: --threads must be 1..1024\n");
            rc = 1;
        } else {
            cfg->threads = (unsigned)v;
        }
    }
    if (r->v[O_TRUSTED_PROXY] != NULL) {
        size_t n = 1;
        for (const char *p = r->v[O_TRUSTED_PROXY]; *p; p++)
            n += *p == ',';
        cfg->trusted = calloc(n, sizeof *cfg->trusted);
        char *save = r->v[O_TRUSTED_PROXY];
        for (char *p = save; cfg->trusted != NULL && p != NULL;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = 0;
            char *t = trim(p);
            if (*t) {
                if (!srv_cidr_parse(t, &cfg->trusted[cfg->n_trusted])) {
                    cfg_error(r, "iamd: --trusted-proxy: not an address or CIDR: %s\n", t);
                    rc = 1;
                } else {
                    cfg->n_trusted++;
                }
            }
            p = comma ? comma + 1 : NULL;
        }
    }
    srv_quotas_default(&cfg->quotas);
    if (r->v[O_QUOTA] != NULL) {
        for (char *p = r->v[O_QUOTA]; p != NULL;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = 0;
            char *t = trim(p);
            char *eq = strchr(t, '=');
            uint32_t *f = eq ? quota_field(&cfg->quotas, t, (size_t)(eq - t)) : NULL;
            if (*t && (f == NULL || !parse_uint(trim(eq + 1), UINT32_MAX, &v))) {
                cfg_error(r, "iamd: --quota: expected NAME=N with a known quota name: %s\n", t);
                rc = 1;
            } else if (f != NULL) {
                *f = (uint32_t)v;
            }
            p = comma ? comma + 1 : NULL;
        }
    }
    srv_log_level lvl;
    if (!srv_log_level_parse(cfg->log_level, &lvl)) {
        cfg_error(r, "iamd: --log-level must be debug, info, warn or error\n");
        rc = 1;
    } else {
        srv_log_set_level(lvl);
    }
    if (cfg->data_dir == NULL || *cfg->data_dir == 0) {
        cfg_error(r, "iamd: --data-dir is required (or IAMD_DATA_DIR)\n");
        rc = 1;
    }
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        cfg_error(r, "iamd: --tls-cert and --tls-key go together\n");
        rc = 1;
    }
    if (cfg->account_id != NULL) {
        size_t n = strlen(cfg->account_id);
        bool ok = n == 12;
        for (size_t i = 0; ok && i < n; i++)
            ok = cfg->account_id[i] >= '0' && cfg->account_id[i] <= '9';
        if (!ok) {
            cfg_error(r, "iamd: --account-id must be 12 digits\n");
            rc = 1;
        }
    }
    (void)cmd;
    return rc;
}

int srv_config_parse(srv_config *cfg, unsigned cmd, const char *cmd_name, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    raw r;
    memset(&r, 0, sizeof r);
    int rc = 0;
    /* Pass 1: --help and --config, which decide what else is read. */
    const char *config_file = getenv("IAMD_CONFIG");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(cmd_name, cmd);
            return 2;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config_file = argv[i] + 9;
    }
    if (config_file != NULL && *config_file && !load_file(&r, config_file, cmd))
        rc = 1;
    for (int i = 0; rc == 0 && i < O_COUNT; i++) {
        if (i == O_CONFIG || !(k_opts[i].cmds & cmd))
            continue;
        const char *e = getenv(k_opts[i].env);
        if (e != NULL && !set_val(&r, (opt_id)i, 2, e))
            rc = 1;
    }
    for (int i = 0; rc == 0 && i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "iamd %s: unexpected argument '%s' (see --help)\n", cmd_name, a);
            rc = 1;
            break;
        }
        a += 2;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        int id = find_opt(a, nl);
        if (id < 0 || !(k_opts[id].cmds & cmd)) {
            fprintf(stderr, "iamd %s: unknown option '--%.*s' (see --help)\n", cmd_name, (int)nl, a);
            rc = 1;
            break;
        }
        const char *val;
        if (k_opts[id].type == T_BOOL) {
            val = eq ? eq + 1 : "true";
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "iamd %s: --%s needs a value\n", cmd_name, k_opts[id].flag);
            rc = 1;
            break;
        }
        if (id == O_CONFIG)
            continue;
        if (!set_val(&r, (opt_id)id, 3, val))
            rc = 1;
    }
    if (rc == 0)
        rc = finish(cfg, &r, cmd);
    for (int i = 0; i < O_COUNT; i++)
        free(r.v[i]);
    return rc;
}

/* Parses config-file text (`len` bytes at `text`, NUL bytes allowed) for
 * the subcommand mask `cmd` exactly as `--config FILE` would, but without
 * the environment or flags, and without printing: the first error goes to
 * err[err_cap] (may be NULL). Returns 0 or 1 as srv_config_parse does; cfg
 * is to be freed with srv_config_free either way. For the fuzz target
 * (fuzz/fuzz_srv_config.c); declared there, as srv_int.h is the lead's. */
int srv_config_parse_text(srv_config *cfg, unsigned cmd, const char *text, size_t len, char *err, size_t err_cap)
{
    memset(cfg, 0, sizeof *cfg);
    raw r;
    memset(&r, 0, sizeof r);
    char none[1];
    r.err = err != NULL && err_cap > 0 ? err : none;
    r.err_cap = err != NULL && err_cap > 0 ? err_cap : sizeof none;
    r.err[0] = 0;
    int rc = 0;
    if (len > 0) {
        /* fmemopen + the same fgets loop as a file: identical line
         * splitting (4095-byte chunks) and NUL handling. */
        char *copy = malloc(len);
        FILE *f = copy != NULL ? (memcpy(copy, text, len), fmemopen(copy, len, "r")) : NULL;
        if (f == NULL) {
            cfg_error(&r, "iamd: out of memory\n");
            rc = 1;
        } else {
            if (!load_stream(&r, f, "<config>", cmd))
                rc = 1;
            fclose(f);
        }
        free(copy);
    }
    if (rc == 0)
        rc = finish(cfg, &r, cmd);
    for (int i = 0; i < O_COUNT; i++)
        free(r.v[i]);
    return rc;
}

void srv_config_free(srv_config *cfg)
{
    for (size_t i = 0; i < cfg->n_store_; i++)
        free(cfg->store_[i]);
    free(cfg->trusted);
    memset(cfg, 0, sizeof *cfg);
}
