/* log.h - the server's log: one JSON object per line on stderr,
 * {"time":"...","level":"info","msg":"...",<key>:<value>...}.
 * Secrets never reach it: values of keys that name a secret (secret,
 * password, signature, authorization, token, credential, body) are written
 * as "[REDACTED]" whatever the caller passes.
 * Threads: safe; each line is one write(2). */
#ifndef IAMD_LOG_H
#define IAMD_LOG_H
#include <stdbool.h>

typedef enum srv_log_level { SRV_LOG_DEBUG = 0, SRV_LOG_INFO, SRV_LOG_WARN, SRV_LOG_ERROR } srv_log_level;

/* "debug", "info", "warn" (or "warning"), "error". */
bool srv_log_level_parse(const char *name, srv_log_level *out);
void srv_log_set_level(srv_log_level lvl);
bool srv_log_enabled(srv_log_level lvl);
/* Logs `msg` with key/value pairs of strings, terminated by NULL:
 *   srv_log(SRV_LOG_INFO, "listening", "address", addr, NULL);
 * A NULL value writes JSON null. A key starting with '#' writes its value
 * as a bare JSON number (the '#' is dropped). */
void srv_log(srv_log_level lvl, const char *msg, ...) __attribute__((sentinel));

#endif /* IAMD_LOG_H */
