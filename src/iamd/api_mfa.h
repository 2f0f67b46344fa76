/* api_mfa.h - virtual MFA devices (api_mfa.c): the IAM actions, listed in
 * srv_actions_mfa (srv.h), and the one code check the STS actions use for
 * SerialNumber/TokenCode (GetSessionToken, AssumeRole).
 * Brute-force rule: wrong codes are counted per device; the 5th consecutive
 * one locks the device for 5 minutes of server time, during which every
 * code check (right or wrong) fails with Throttling; a right code resets
 * the count. A code (a TOTP step) once accepted is never accepted again. */
#ifndef IAMD_API_MFA_H
#define IAMD_API_MFA_H
#include <stdbool.h>
#include "srv.h"

#define SRV_MFA_MAX_FAILURES 5
#define SRV_MFA_LOCK_SECONDS 300
#define SRV_MFA_DEVICES_PER_USER 8   /* AWS's quota: up to 8 MFA devices per user */

/* Checks the 6-digit `code` of the device `serial` for the calling IAM
 * user: the device must be in the caller's account and enabled for the
 * caller; the code must belong to a step within ±1 of the server's and
 * later than the last step accepted. Runs its own small store transaction
 * (the replay/failure state is read and written there), so the caller must
 * not have one open; it may open one afterwards. On success records the
 * step and returns true. On failure returns false with the call's error
 * set (srv_fail) and *err_code (may be NULL) naming it: "Throttling" while
 * the device is locked, "AccessDenied" for a wrong, replayed or malformed
 * code or an unknown / unassigned / someone else's device (AWS's STS
 * answers "MultiFactorAuthentication failed ..." there), or
 * "ServiceFailure". A wrong code is counted even though the call fails. */
bool srv_mfa_check(srv_call *c, iam_str serial, iam_str code, const char **err_code);

#endif /* IAMD_API_MFA_H */
