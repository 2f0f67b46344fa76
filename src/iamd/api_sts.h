/* api_sts.h - what api_sts.c shares beyond its action table: the shape of
 * temporary access key ids. An ASIA id carries its account the way AWS's
 * key ids do (base32 of 10 bytes after the prefix; bits 46..7 of the first
 * six bytes hold the account number), so GetAccessKeyInfo answers for a
 * temporary key without its token and without any stored record; the other
 * 40 bits are random. Internal to src/iamd. */
#ifndef IAMD_API_STS_H
#define IAMD_API_STS_H
#include <stdbool.h>
#include "iam/crypto.h"
#include "iam/str.h"

/* A new ASIA id (20 chars + NUL) carrying the 12-digit `account`.
 * IAM_E_INVALID for a malformed account, IAM_E_CRYPTO when the generator fails. */
iam_err srv_sts_key_id_new(const char *account, char out[IAM_ID_LEN + 1]);
/* The account an access key id carries in AWS's layout (12 digits + NUL);
 * false when the id is not 20 chars of prefix + base32. */
bool srv_sts_key_id_account(iam_str key_id, char out[13]);

#endif /* IAMD_API_STS_H */
