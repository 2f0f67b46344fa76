/* api_simulate.h - what the policy simulator (api_simulate.c) needs from
 * the server beyond srv.h: the IAM action catalogue, loaded once per
 * process (it tells wildcard-only actions, which AWS evaluates against "*").
 * Until server start-up loads it into srv_server, api_simulate.c loads it
 * lazily (pthread_once) from the compile-time IAMD_DATA_DIR. */
#ifndef IAMD_API_SIMULATE_H
#define IAMD_API_SIMULATE_H
#include "iam/catalogue.h"
#include "srv.h"

/* The server's action catalogue, borrowed for the process's life; NULL when
 * it could not be loaded (the simulator then evaluates every action on the
 * resources as given and logs the failure once). Thread-safe. */
iam_catalogue *srv_catalogue(srv_call *c);

#endif /* IAMD_API_SIMULATE_H */
