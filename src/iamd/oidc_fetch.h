/* oidc_fetch.h - an OIDC provider's signing keys from its discovery
 * document (https://ISSUER/.well-known/openid-configuration → jwks_uri),
 * fetched with libcurl under SSRF rules (HTTPS only, certificate verified,
 * no proxy, no redirects, loopback/link-local/metadata addresses refused
 * unless the operator allows the host, the checked address pinned) and
 * kept in a process-wide cache per provider ARN for an hour.
 * Keys set by `iamd oidc set-jwks` take precedence: callers only come
 * here when a provider has none. */
#ifndef IAMD_OIDC_FETCH_H
#define IAMD_OIDC_FETCH_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "iam/jwt.h"

struct srv_config;

#define SRV_OIDC_BODY_MAX (64 * 1024)   /* bytes of each fetched document */
#define SRV_OIDC_TIMEOUT_MS 5000        /* both GETs together */
#define SRV_OIDC_TTL 3600               /* seconds fetched keys are kept */
#define SRV_OIDC_REFETCH_MIN 60         /* seconds between unknown-kid refetches */
#define SRV_OIDC_FAIL_TTL 10            /* seconds a failed fetch is remembered */

typedef enum srv_oidc_status {
    SRV_OIDC_OK = 0,
    SRV_OIDC_REFUSED,     /* not https, a forbidden address, userinfo in the URL */
    SRV_OIDC_UNREACHABLE, /* DNS, connect, TLS or timeout failure */
    SRV_OIDC_BAD_DOCUMENT,/* status not 200, too large, not JSON, issuer mismatch, bad JWKS */
    SRV_OIDC_NOMEM
} srv_oidc_status;

/* A reference to a fetched key set, shared with the cache. */
typedef struct srv_oidc_keys srv_oidc_keys;

/* libcurl's global state and the --oidc-ca-file bundle (read into memory
 * here, before privileges are dropped): call once before any thread
 * exists; false (logged) when the bundle cannot be read. Then
 * srv_oidc_global_cleanup (which also empties the cache) at shutdown. */
bool srv_oidc_global_init(const struct srv_config *cfg);
void srv_oidc_global_cleanup(void);

/* The keys of the provider `provider_arn` whose issuer URL is `issuer`
 * ("https://host[:port][/path]"), from the cache or fetched. With
 * `unknown_kid` (the cached set lacked the token's key) a fetch is made
 * anyway, at most once per SRV_OIDC_REFETCH_MIN seconds per provider;
 * within that window the cached set is returned again. `now` is the
 * server's clock (epoch seconds). On SRV_OIDC_OK *out holds a reference
 * to release with srv_oidc_keys_release, and *fetched (may be NULL) says
 * whether this call fetched. On failure `why` (may be NULL) gets a short
 * reason for the log, never for the client. Threads: safe. */
srv_oidc_status srv_oidc_keys_get(const struct srv_config *cfg, const char *provider_arn, const char *issuer,
                                  int64_t now, bool unknown_kid, srv_oidc_keys **out, bool *fetched, char *why,
                                  size_t why_cap);
/* The key set of a reference (valid until it is released). */
const iam_jwks *srv_oidc_keys_jwks(const srv_oidc_keys *k);
/* Drops a reference; NULL is a no-op. */
void srv_oidc_keys_release(srv_oidc_keys *k);

/* True when the address may not be fetched from without the operator's
 * allow-list: loopback, link-local (the 169.254.169.254 metadata address
 * included), unspecified, multicast, broadcast, and their IPv4-mapped or
 * IPv4-compatible IPv6 forms. */
bool srv_oidc_addr_forbidden(const struct sockaddr *sa);

/* Fetches without the cache (for tests): the discovery document of
 * `issuer`, its issuer checked, then its jwks_uri, parsed. *out is set on
 * SRV_OIDC_OK only, freed with iam_jwks_free. */
srv_oidc_status srv_oidc_fetch_jwks(const struct srv_config *cfg, const char *issuer, iam_jwks **out, char *why,
                                    size_t why_cap);

#endif /* IAMD_OIDC_FETCH_H */
