/* fuzz_srv_config.c - libFuzzer target for iamd's config-file parser
 * (src/iamd/config.c, `--config FILE` of `key = value` lines).
 *
 * Input: the bytes of a config file. They go through
 * srv_config_parse_text, the same line reader and option checks as
 * `--config FILE`, but without the environment or flags and without
 * printing, for every subcommand's options at once.
 *
 * Invariants (abort on violation):
 *   - the result is 0 or 1; on 1 the error text is non-empty, and on 0 it
 *     is empty;
 *   - on 0: data_dir is non-empty; listen/region/partition/log_level are
 *     set; max_body 1024..2^30, max_connections 1..1e6, timeout 1..86400,
 *     threads 1..1024; tls_cert and tls_key both or neither; account_id
 *     absent or 12 digits; every trusted proxy is AF_INET (prefix <= 32)
 *     or AF_INET6 (prefix <= 128); no config value holds a newline;
 *   - parsing the same text again gives the same configuration. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "srv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* In config.c; not in srv_int.h (the lead's header): keep in step. */

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_srv_config: invariant failed: %s (line %d)\n", #cond,   \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#define ALL_CMDS (SRV_CMD_INIT | SRV_CMD_SERVE | SRV_CMD_ACCOUNT_CREATE | SRV_CMD_ROOT_KEY)

static bool str_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A value from the file: a whole line's remainder, so never a newline. */
static void check_value(const char *s)
{
    if (s != NULL)
        CHECK(strchr(s, '\n') == NULL);
}

static void check_ok(const srv_config *c)
{
    CHECK(c->data_dir != NULL && c->data_dir[0] != 0);
    CHECK(c->listen != NULL && c->region != NULL && c->partition != NULL && c->log_level != NULL);
    CHECK(c->max_body >= 1024 && c->max_body <= ((size_t)1 << 30));
    CHECK(c->max_connections >= 1 && c->max_connections <= 1000000);
    CHECK(c->timeout >= 1 && c->timeout <= 86400);
    CHECK(c->threads >= 1 && c->threads <= 1024);
    CHECK((c->tls_cert == NULL) == (c->tls_key == NULL));
    if (c->account_id != NULL) {
        CHECK(strlen(c->account_id) == 12);
        for (size_t i = 0; i < 12; i++)
            CHECK(c->account_id[i] >= '0' && c->account_id[i] <= '9');
    }
    CHECK(c->n_trusted == 0 || c->trusted != NULL);
    for (size_t i = 0; i < c->n_trusted; i++) {
        const srv_cidr *n = &c->trusted[i];
        CHECK((n->family == AF_INET && n->prefix <= 32) || (n->family == AF_INET6 && n->prefix <= 128));
    }
    const char *vals[] = { c->data_dir, c->listen, c->region, c->partition, c->master_key_file, c->data_files,
                           c->tls_cert, c->tls_key, c->user, c->account_id, c->log_level };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        check_value(vals[i]);
    CHECK(c->n_store_ <= sizeof c->store_ / sizeof c->store_[0]);
}

static void check_same(const srv_config *a, const srv_config *b)
{
    CHECK(str_same(a->data_dir, b->data_dir) && str_same(a->listen, b->listen));
    CHECK(str_same(a->region, b->region) && str_same(a->partition, b->partition));
    CHECK(str_same(a->master_key_file, b->master_key_file) && str_same(a->data_files, b->data_files));
    CHECK(str_same(a->tls_cert, b->tls_cert) && str_same(a->tls_key, b->tls_key));
    CHECK(str_same(a->user, b->user) && str_same(a->account_id, b->account_id));
    CHECK(str_same(a->log_level, b->log_level) && a->insecure == b->insecure);
    CHECK(a->max_body == b->max_body && a->max_connections == b->max_connections);
    CHECK(a->timeout == b->timeout && a->threads == b->threads);
    CHECK(a->n_trusted == b->n_trusted);
    if (a->n_trusted > 0)
        CHECK(memcmp(a->trusted, b->trusted, a->n_trusted * sizeof *a->trusted) == 0);
    CHECK(memcmp(&a->quotas, &b->quotas, sizeof a->quotas) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    srv_config a, b;
    char err_a[512], err_b[512];
    memset(err_a, 'x', sizeof err_a);
    int rc = srv_config_parse_text(&a, ALL_CMDS, (const char *)data, size, err_a, sizeof err_a);
    CHECK(rc == 0 || rc == 1);
    CHECK(memchr(err_a, 0, sizeof err_a) != NULL);
    if (rc == 1) {
        CHECK(err_a[0] != 0);
    } else {
        CHECK(err_a[0] == 0);
        check_ok(&a);
    }
    int rc2 = srv_config_parse_text(&b, ALL_CMDS, (const char *)data, size, err_b, sizeof err_b);
    CHECK(rc2 == rc);
    CHECK(strcmp(err_a, err_b) == 0);
    if (rc == 0)
        check_same(&a, &b);
    srv_config_free(&b);
    srv_config_free(&a);

    /* Errors without a buffer must not write anywhere. */
    rc2 = srv_config_parse_text(&b, SRV_CMD_SERVE, (const char *)data, size, NULL, 0);
    CHECK(rc2 == 0 || rc2 == 1);
    srv_config_free(&b);
    return 0;
}
