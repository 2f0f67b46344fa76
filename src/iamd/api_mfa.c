/* api_mfa.c - the IAM Query API for virtual MFA devices (TOTP):
 * Create/Enable/Resync/Deactivate/DeleteVirtual, ListMFADevices,
 * ListVirtualMFADevices, tags; and srv_mfa_check for the STS actions.
 * A device is keyed by its serial number, its ARN arn:PARTITION:iam::
 * ACCOUNT:mfa/PATH/NAME. The seed leaves the server once, in the reply of
 * CreateVirtualMFADevice (base32, and inside the QR code); at rest it is
 * sealed. Every code check runs in one store transaction that reads the
 * device's replay/failure state, so concurrent checks cannot both accept a
 * step or lose a failure (see api_mfa.h for the lock rule). */
#include <string.h>
#include <strings.h>

#include "api_mfa.h"
#include "api_roles.h"
#include "api_users.h"
#include "iam/totp.h"

#define MFA_NAME_MAX 226   /* keeps the serial within serialNumberType's 256 */
#define SERIAL_MIN 9
#define SERIAL_MAX 256

static bool oom(srv_call *c) { return srv_fail(c, "ServiceFailure", "out of memory"); }

static iam_str account_of(const srv_call *c) { return iam_str_from_cstr(c->caller->account); }

/* ---- parameters ---- */

static bool serial_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr("_+=/:,.@-", ch) != NULL;
}

static bool param_serial(srv_call *c, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, "SerialNumber", true, &s))
        return false;
    bool ok = s.len >= SERIAL_MIN && s.len <= SERIAL_MAX;
    for (size_t i = 0; ok && i < s.len; i++)
        ok = serial_char(s.ptr[i]);
    if (!ok)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'serialNumber' failed to satisfy constraint: "
                        "Member must have length between %d and %d and satisfy regular expression pattern: "
                        "[\\w+=/:,.@-]+",
                        (int)(s.len > SERIAL_MAX ? SERIAL_MAX : s.len), s.ptr, SERIAL_MIN, SERIAL_MAX);
    srv_audit_request_param(c, "serialNumber", s);
    *out = s;
    return true;
}

/* authenticationCodeType: exactly 6 digits. The value is not echoed. */
static bool param_code(srv_call *c, const char *name, const char *field, iam_str *out)
{
    iam_str s;
    if (!srv_param(c, name, true, &s))
        return false;
    bool ok = s.len == IAM_TOTP_DIGITS;
    for (size_t i = 0; ok && i < s.len; i++)
        ok = s.ptr[i] >= '0' && s.ptr[i] <= '9';
    if (!ok)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have "
                        "length 6 and satisfy regular expression pattern: [\\d]+",
                        field);
    *out = s;
    return true;
}

/* ---- lookups ---- */

/* A device of the caller's account, or NULL. */
static const iam_mfa_device *find_device(srv_call *c, iam_str serial)
{
    const iam_mfa_device *d = iam_snap_mfa_device(c->snap, serial);
    if (d == NULL || strcmp(d->account, c->caller->account) != 0)
        return NULL;
    return d;
}

static bool no_device(srv_call *c, iam_str serial)
{
    return srv_fail(c, "NoSuchEntity", "VirtualMFADevice with serial number %.*s doesn't exist.", (int)serial.len,
                    serial.ptr);
}

/* Authorizes `action` on the device ARN (with its tags as
 * aws:ResourceTag/<key> and, when tags are being set, the request's tag
 * keys), then finds it. */
static bool device_target(srv_call *c, const char *action, iam_str serial, const iam_tag *tags, size_t n,
                          const iam_mfa_device **out)
{
    const iam_mfa_device *d = find_device(c, serial);
    iam_context *ctx = NULL;
    if ((n > 0 || (d != NULL && d->tags.n > 0)) &&
        (ctx = srv_roles_tag_context(c, tags, n, d ? d->tags : (iam_tags){ NULL, 0 })) == NULL)
        return false;
    const char *res = srv_strndup(c, serial);
    if (res == NULL)
        return oom(c);
    if (!srv_authorize(c, action, res, ctx))
        return false;
    if (d == NULL)
        return no_device(c, serial);
    *out = d;
    return true;
}

/* ---- the code check (one transaction) ---- */

typedef enum check_result { CHECK_OK, CHECK_BAD, CHECK_LOCKED, CHECK_FAILED } check_result;

/* Checks one code (code2 empty) or two consecutive codes of device `d`
 * against its state in the store; records the accepted step (and, with
 * enable_user, assigns the device to that user) or counts the failure.
 * CHECK_FAILED: the call's error is set already. */
static check_result run_check(srv_call *c, const iam_mfa_device *d, iam_str code1, iam_str code2,
                              const char *enable_user)
{
    iam_str serial = iam_str_from_cstr(d->serial);
    iam_mfa_state st;
    iam_txn *t;
    int64_t matched = -1;
    check_result res;

    if (!srv_begin(c, &t))
        return CHECK_FAILED;
    if (!srv_store(c, t, iam_txn_mfa_state(t, serial, &st), "MFA device"))
        return CHECK_FAILED;
    if (enable_user != NULL && st.assigned) {
        iam_wipe(&st, sizeof st);
        srv_store(c, t, IAM_E_EXISTS, "MFA device");
        srv_fail(c, "EntityAlreadyExists", "MFA Device is already in use.");
        return CHECK_FAILED;
    }
    if (st.locked_until > c->now) {
        iam_wipe(&st, sizeof st);
        return srv_commit(c, t) ? CHECK_LOCKED : CHECK_FAILED;
    }
    iam_err err = code2.len ? iam_totp_verify_pair(st.seed, st.seed_len, c->now, code1, code2, st.last_step, &matched)
                            : iam_totp_verify(st.seed, st.seed_len, c->now, code1, st.last_step, &matched);
    iam_wipe(st.seed, sizeof st.seed);
    if (err == IAM_OK) {
        err = enable_user != NULL
                  ? iam_txn_mfa_enable(t, serial, iam_str_from_cstr(enable_user), matched)
                  : iam_txn_mfa_record(t, serial, matched, 0, 0);
        res = CHECK_OK;
    } else if (err == IAM_E_NOTFOUND || err == IAM_E_SYNTAX) {
        int32_t failures = st.failures + 1;
        int64_t locked_until = 0;
        if (failures >= SRV_MFA_MAX_FAILURES) {
            /* Locked: the count starts again when the lock ends. */
            locked_until = c->now + SRV_MFA_LOCK_SECONDS;
            failures = 0;
        }
        err = iam_txn_mfa_record(t, serial, st.last_step, failures, locked_until);
        res = CHECK_BAD;
    } else {
        res = CHECK_FAILED;
    }
    /* A failed verification other than a wrong code (liboath) leaves err
     * set: rolled back, ServiceFailure. */
    if (!srv_store(c, t, err, "MFA device"))
        return CHECK_FAILED;
    return srv_commit(c, t) ? res : CHECK_FAILED;
}

static bool fail_locked(srv_call *c, const iam_mfa_device *d)
{
    return srv_fail(c, "Throttling",
                    "Too many invalid authentication codes for MFA device %s; it is locked for %d seconds.",
                    d->serial, SRV_MFA_LOCK_SECONDS);
}

bool srv_mfa_check(srv_call *c, iam_str serial, iam_str code, const char **err_code)
{
    const char *code_out = "AccessDenied";
    bool ok = false;
    const iam_user *u = c->caller->kind == IAM_PK_IAM_USER ? c->caller->user : NULL;
    const iam_mfa_device *d = find_device(c, serial);
    bool shape = code.len == IAM_TOTP_DIGITS;
    for (size_t i = 0; shape && i < code.len; i++)
        shape = code.ptr[i] >= '0' && code.ptr[i] <= '9';

    if (!shape) {
        code_out = "ValidationError";
        srv_fail(c, code_out,
                 "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have "
                 "length 6 and satisfy regular expression pattern: [\\d]*");
    } else if (u == NULL || d == NULL || d->user_id == NULL || strcmp(d->user_id, u->id) != 0) {
        srv_fail(c, code_out,
                 "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial "
                 "number is valid and associated with this user.");
    } else {
        switch (run_check(c, d, code, IAM_STR_NULL, NULL)) {
        case CHECK_OK: ok = true; break;
        case CHECK_BAD:
            srv_fail(c, code_out, "MultiFactorAuthentication failed with invalid MFA one time pass code.");
            break;
        case CHECK_LOCKED:
            code_out = "Throttling";
            fail_locked(c, d);
            break;
        case CHECK_FAILED: code_out = c->err_code ? c->err_code : "ServiceFailure"; break;
        }
    }
    if (!ok && err_code != NULL)
        *err_code = code_out;
    return ok;
}

/* ---- CreateVirtualMFADevice ---- */

/* A name already used in the account (names are unique case-insensitively). */
static bool name_taken(srv_call *c, iam_str name)
{
    iam_snap_list l = iam_snap_virtual_mfa_devices(c->snap, account_of(c));
    for (size_t i = 0; i < l.n; i++) {
        const iam_mfa_device *d = l.items[i];
        if (strlen(d->name) == name.len && strncasecmp(d->name, name.ptr, name.len) == 0)
            return true;
    }
    return false;
}

/* URI-encodes into request memory. */
static char *uri_enc(srv_call *c, iam_str s)
{
    size_t n = iam_uri_encode(s, false, NULL, 0);
    char *out = srv_alloc(c, n + 1);
    if (out != NULL)
        iam_uri_encode(s, false, out, n);
    return out;
}

static char *b64(srv_call *c, const uint8_t *p, size_t n)
{
    char *out = srv_alloc(c, iam_b64_encoded_len(n));
    if (out != NULL)
        iam_b64_encode(p, n, out);
    return out;
}

static bool h_create_virtual_mfa_device(srv_call *c)
{
    iam_str name, path;
    iam_tag *tags = NULL;
    size_t n_tags = 0;

    if (!srv_param_name(c, "VirtualMFADeviceName", true, MFA_NAME_MAX, &name) || !srv_param_path(c, "Path", &path) ||
        !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "virtualMFADeviceName", name);
    srv_audit_request_param(c, "path", path);
    char *serial = srv_arn(c, c->caller->account, "mfa", path, name);
    if (serial == NULL)
        return oom(c);
    if (strlen(serial) > SERIAL_MAX)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy constraint: "
                        "the serial number %s would be longer than %d characters",
                        serial, SERIAL_MAX);
    iam_context *ctx = n_tags ? srv_roles_tag_context(c, tags, n_tags, (iam_tags){ NULL, 0 }) : NULL;
    if (n_tags && ctx == NULL)
        return false;
    if (!srv_authorize(c, "iam:CreateVirtualMFADevice", serial, ctx))
        return false;
    iam_str serial_s = iam_str_from_cstr(serial);
    if (name_taken(c, name) || find_device(c, serial_s) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.");

    /* The seed, its base32 text, the otpauth:// URI and the QR code. */
    uint8_t seed[IAM_TOTP_SEED_LEN];
    char b32[IAM_TOTP_BASE32_MAX];
    uint8_t *png = NULL;
    size_t png_len = 0;
    char *uri = NULL;
    size_t uri_len = 0;
    bool ok = false;
    if (iam_random_bytes(seed, sizeof seed) != IAM_OK || iam_totp_base32(seed, sizeof seed, b32, sizeof b32) != IAM_OK) {
        srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
        goto out;
    }
    const iam_account *acct = iam_snap_account(c->snap, account_of(c));
    iam_str label = iam_str_from_cstr(acct && acct->alias ? acct->alias : c->caller->account);
    char *elabel = uri_enc(c, label), *ename = uri_enc(c, name);
    if (elabel == NULL || ename == NULL) {
        oom(c);
        goto out;
    }
    uri = srv_strf(c, "otpauth://totp/%s:%s?secret=%s&issuer=%s", elabel, ename, b32, elabel);
    if (uri == NULL) {
        oom(c);
        goto out;
    }
    uri_len = strlen(uri);
    if (iam_qr_png(iam_str_from_cstr(uri), &png, &png_len) != IAM_OK) {
        srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
        goto out;
    }

    iam_txn *t;
    if (!srv_begin(c, &t))
        goto out;
    iam_new_mfa_device nd = { account_of(c), serial_s, name, path, seed, sizeof seed };
    if (!srv_store(c, t, iam_txn_mfa_create(t, &nd), "MFA device"))
        goto out;
    if (n_tags > 0 && !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_MFA_DEVICE, serial_s, tags, n_tags), "tags"))
        goto out;
    if (!srv_commit(c, t))
        goto out;

    /* AWS returns both as blobs: base64 of the base32 text and of the PNG. */
    char *b32_b64 = b64(c, (const uint8_t *)b32, strlen(b32));
    char *png_b64 = b64(c, png, png_len);
    if (b32_b64 == NULL || png_b64 == NULL) {
        oom(c);
        goto out;
    }
    srv_audit_response_element(c, "serialNumber", serial_s);
    srv_xml *x = c->out;
    srv_xml_open(x, "VirtualMFADevice");
    srv_xml_cstr(x, "SerialNumber", serial);
    srv_xml_cstr(x, "Base32StringSeed", b32_b64);
    srv_xml_cstr(x, "QRCodePNG", png_b64);
    const iam_mfa_device *d = find_device(c, serial_s);
    if (d != NULL && d->tags.n > 0)
        srv_xml_tags(x, "Tags", d->tags);
    srv_xml_close(x);
    iam_wipe(b32_b64, strlen(b32_b64));
    iam_wipe(png_b64, strlen(png_b64));
    ok = true;
out:
    iam_wipe(seed, sizeof seed);
    iam_wipe(b32, sizeof b32);
    if (uri != NULL)
        iam_wipe(uri, uri_len);
    if (png != NULL)
        iam_wipe(png, png_len);
    iam_qr_free(png);
    return ok;
}

/* ---- Enable / Resync / Deactivate ---- */

/* UserName (required) and the user, authorized for `action` on the user. */
static bool user_target(srv_call *c, const char *action, const iam_user **out, iam_str *name)
{
    const iam_user *u = NULL;
    const char *arn = NULL;
    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, name, &u, &arn))
        return false;
    srv_audit_request_param(c, "userName", *name);
    if (!srv_users_authorize_user(c, action, u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, *name);
    *out = u;
    return true;
}

static bool h_enable_mfa_device(srv_call *c)
{
    iam_str name, serial, code1, code2;
    const iam_user *u;

    if (!srv_param_name(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name) || !param_serial(c, &serial) ||
        !param_code(c, "AuthenticationCode1", "authenticationCode1", &code1) ||
        !param_code(c, "AuthenticationCode2", "authenticationCode2", &code2) ||
        !user_target(c, "iam:EnableMFADevice", &u, &name))
        return false;
    const iam_mfa_device *d = find_device(c, serial);
    if (d == NULL)
        return no_device(c, serial);
    if (d->user_id != NULL)
        return srv_fail(c, "EntityAlreadyExists", "MFA Device is already in use.");
    if (u->n_mfa_devices >= SRV_MFA_DEVICES_PER_USER)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for MFADevicesPerUser: %d",
                        SRV_MFA_DEVICES_PER_USER);
    switch (run_check(c, d, code1, code2, u->id)) {
    case CHECK_OK: return true;
    case CHECK_BAD: return srv_fail(c, "InvalidAuthenticationCode", "Authentication code for device is not valid.");
    case CHECK_LOCKED: return fail_locked(c, d);
    case CHECK_FAILED: break;
    }
    return false;
}

/* The device `serial` enabled for user u, or NoSuchEntity. */
static bool user_device(srv_call *c, const iam_user *u, iam_str serial, const iam_mfa_device **out)
{
    const iam_mfa_device *d = find_device(c, serial);
    if (d == NULL || d->user_id == NULL || strcmp(d->user_id, u->id) != 0)
        return srv_fail(c, "NoSuchEntity", "MFA Device with serial number %.*s is not associated with user %s.",
                        (int)serial.len, serial.ptr, u->name);
    *out = d;
    return true;
}

static bool h_resync_mfa_device(srv_call *c)
{
    iam_str name, serial, code1, code2;
    const iam_user *u;
    const iam_mfa_device *d;

    if (!srv_param_name(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name) || !param_serial(c, &serial) ||
        !param_code(c, "AuthenticationCode1", "authenticationCode1", &code1) ||
        !param_code(c, "AuthenticationCode2", "authenticationCode2", &code2) ||
        !user_target(c, "iam:ResyncMFADevice", &u, &name) || !user_device(c, u, serial, &d))
        return false;
    switch (run_check(c, d, code1, code2, NULL)) {
    case CHECK_OK: return true;
    case CHECK_BAD: return srv_fail(c, "InvalidAuthenticationCode", "Authentication code for device is not valid.");
    case CHECK_LOCKED: return fail_locked(c, d);
    case CHECK_FAILED: break;
    }
    return false;
}

static bool h_deactivate_mfa_device(srv_call *c)
{
    iam_str name, serial;
    const iam_user *u;
    const iam_mfa_device *d;

    if (!srv_param_name(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name) || !param_serial(c, &serial) ||
        !user_target(c, "iam:DeactivateMFADevice", &u, &name) || !user_device(c, u, serial, &d))
        return false;
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_mfa_deactivate(t, iam_str_from_cstr(d->serial)), "MFA device"))
        return false;
    return srv_commit(c, t);
}

/* ---- DeleteVirtualMFADevice ---- */

static bool h_delete_virtual_mfa_device(srv_call *c)
{
    iam_str serial;
    const iam_mfa_device *d;

    if (!param_serial(c, &serial) || !device_target(c, "iam:DeleteVirtualMFADevice", serial, NULL, 0, &d))
        return false;
    if (d->user_id != NULL)
        return srv_fail(c, "DeleteConflict", "MFA Device is still in use.");
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    iam_err err = iam_txn_mfa_delete(t, iam_str_from_cstr(d->serial));
    if (err == IAM_E_CONFLICT) {
        srv_store(c, t, err, "MFA device");
        return srv_fail(c, "DeleteConflict", "MFA Device is still in use.");
    }
    if (!srv_store(c, t, err, "MFA device"))
        return false;
    return srv_commit(c, t);
}

/* ---- ListMFADevices ---- */

static bool h_list_mfa_devices(srv_call *c)
{
    const iam_user *u = NULL;
    iam_str name;
    const char *arn = NULL;
    srv_page pg;
    size_t start = 0;

    if (!srv_users_target(c, &u, &name, &arn) || !srv_param_page(c, &pg) ||
        !srv_users_index_marker(c, pg.marker, &start))
        return false;
    if (name.ptr != NULL)
        srv_audit_request_param(c, "userName", name);
    if (!srv_users_authorize_user(c, "iam:ListMFADevices", u, arn))
        return false;
    if (u == NULL && name.ptr != NULL)
        return srv_users_no_user(c, name);
    srv_xml *x = c->out;
    size_t n = u ? u->n_mfa_devices : 0, i = start;
    srv_xml_open(x, "MFADevices");
    for (; i < n && i - start < pg.max_items; i++) {
        const iam_mfa_device *d = u->mfa_devices[i];
        srv_xml_open(x, "member");
        srv_xml_cstr(x, "UserName", u->name);
        srv_xml_cstr(x, "SerialNumber", d->serial);
        srv_xml_time(x, "EnableDate", d->enabled);
        srv_xml_close(x);
    }
    srv_xml_close(x);
    bool truncated = i < n;
    srv_xml_page_end(x, truncated, truncated ? srv_strf(c, "%zu", i) : NULL);
    return true;
}

/* ---- ListVirtualMFADevices ---- */

typedef enum assignment { ASSIGN_ANY, ASSIGN_ASSIGNED, ASSIGN_UNASSIGNED } assignment;

static bool keep_device(srv_call *c, const void *item, void *ud)
{
    (void)c;
    const iam_mfa_device *d = item;
    assignment a = *(const assignment *)ud;
    return a == ASSIGN_ANY || (a == ASSIGN_ASSIGNED) == (d->user_id != NULL);
}

static void emit_device(srv_call *c, const void *item, void *ud)
{
    (void)ud;
    const iam_mfa_device *d = item;
    srv_xml *x = c->out;
    srv_xml_open(x, "member");
    srv_xml_cstr(x, "SerialNumber", d->serial);
    if (d->user_id != NULL) {
        const iam_user *u = iam_snap_user_by_id(c->snap, iam_str_from_cstr(d->user_id));
        if (u != NULL)
            srv_xml_user(x, "User", u);
        srv_xml_time(x, "EnableDate", d->enabled);
    }
    srv_xml_close(x);
}

static bool h_list_virtual_mfa_devices(srv_call *c)
{
    iam_str status;
    srv_page pg;
    assignment a = ASSIGN_ANY;

    if (!srv_param(c, "AssignmentStatus", false, &status) || !srv_param_page(c, &pg))
        return false;
    if (status.ptr != NULL) {
        if (iam_str_eq(status, IAM_STR("Assigned")))
            a = ASSIGN_ASSIGNED;
        else if (iam_str_eq(status, IAM_STR("Unassigned")))
            a = ASSIGN_UNASSIGNED;
        else if (!iam_str_eq(status, IAM_STR("Any")))
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value '%.*s' at 'assignmentStatus' failed to satisfy "
                            "constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]",
                            (int)(status.len > 64 ? 64 : status.len), status.ptr);
        srv_audit_request_param(c, "assignmentStatus", status);
    }
    if (!srv_authorize(c, "iam:ListVirtualMFADevices", "*", NULL))
        return false;
    iam_snap_list l = iam_snap_virtual_mfa_devices(c->snap, account_of(c));
    srv_xml_open(c->out, "VirtualMFADevices");
    if (!srv_page_list(c, &pg, l, IAM_EK_MFA_DEVICE, keep_device, emit_device, &a))
        return oom(c);
    srv_xml_close(c->out);
    return true;
}

/* ---- tags ---- */

static bool h_tag_mfa_device(srv_call *c)
{
    iam_str serial;
    iam_tag *tags;
    size_t n;
    const iam_mfa_device *d;

    if (!param_serial(c, &serial) || !srv_roles_param_tags_required(c, &tags, &n) ||
        !device_target(c, "iam:TagMFADevice", serial, tags, n, &d))
        return false;
    size_t total = n;
    for (size_t i = 0; i < d->tags.n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n && !replaced; j++)
            replaced = strcasecmp(d->tags.items[i].key, tags[j].key) == 0;
        if (!replaced)
            total++;
    }
    uint32_t quota = srv_quota(c)->tags_per_entity;
    if (total > quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for TagsPerMFADevice: %u", quota);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_set(t, IAM_EK_MFA_DEVICE, iam_str_from_cstr(d->serial), tags, n), "tags"))
        return false;
    return srv_commit(c, t);
}

static bool h_untag_mfa_device(srv_call *c)
{
    iam_str serial, *keys;
    size_t n;
    const iam_mfa_device *d = NULL;

    if (!param_serial(c, &serial) || !srv_roles_param_tag_keys(c, &keys, &n))
        return false;
    d = find_device(c, serial);
    iam_context *ctx = srv_roles_tag_context(c, NULL, 0, d ? d->tags : (iam_tags){ NULL, 0 });
    if (ctx == NULL)
        return false;
    if (iam_context_set(ctx, IAM_STR("aws:TagKeys"), keys, n) != IAM_OK)
        return oom(c);
    const char *res = srv_strndup(c, serial);
    if (res == NULL)
        return oom(c);
    if (!srv_authorize(c, "iam:UntagMFADevice", res, ctx))
        return false;
    if (d == NULL)
        return no_device(c, serial);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_remove(t, IAM_EK_MFA_DEVICE, iam_str_from_cstr(d->serial), keys, n), "tags"))
        return false;
    return srv_commit(c, t);
}

static bool h_list_mfa_device_tags(srv_call *c)
{
    iam_str serial;
    srv_page pg;
    const iam_mfa_device *d;

    if (!param_serial(c, &serial) || !srv_param_page(c, &pg) ||
        !device_target(c, "iam:ListMFADeviceTags", serial, NULL, 0, &d))
        return false;
    return srv_roles_list_tags(c, &pg, d->tags);
}

const srv_action srv_actions_mfa[] = {
    { "CreateVirtualMFADevice", h_create_virtual_mfa_device, false },
    { "EnableMFADevice", h_enable_mfa_device, false },
    { "ResyncMFADevice", h_resync_mfa_device, false },
    { "DeactivateMFADevice", h_deactivate_mfa_device, false },
    { "DeleteVirtualMFADevice", h_delete_virtual_mfa_device, false },
    { "ListMFADevices", h_list_mfa_devices, true },
    { "ListVirtualMFADevices", h_list_virtual_mfa_devices, true },
    { "TagMFADevice", h_tag_mfa_device, false },
    { "UntagMFADevice", h_untag_mfa_device, false },
    { "ListMFADeviceTags", h_list_mfa_device_tags, true },
    { NULL, NULL, false },
};
