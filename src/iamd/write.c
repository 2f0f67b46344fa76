/* write.c - the write path: one server-wide writer from srv_begin until the
 * next snapshot is published (so snapshots follow commits in order), the
 * re-pin of the call's snapshot after a commit, the release of everything
 * a request holds, and the access-key last-use queue: at most one record
 * per key per minute reaches the store, written by a background thread in
 * batches; the request that queued it waits (bounded) for the flush so that
 * GetAccessKeyLastUsed right after the call already sees it. Every other
 * request with that key in the minute pays nothing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "srv_int.h"

void srv_publish_changes(srv_server *s, const iam_changes *ch)
{
    const iam_snapshot *prev = iam_snapshot_pin(s->holder);
    iam_snapshot *next = NULL;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_snapshot_apply(prev, s->store, ch, &next, &diag);
    iam_snapshot_release(prev);
    if (err == IAM_OK) {
        iam_snapshot_publish(s->holder, next);
        return;
    }
    srv_log(SRV_LOG_ERROR, "incremental snapshot failed; reloading", "error", iam_err_str(err), "detail",
            diag.message, NULL);
    memset(&diag, 0, sizeof diag);
    err = iam_snapshot_load(s->store, &next, &diag);
    if (err == IAM_OK) {
        iam_snapshot_publish(s->holder, next);
        return;
    }
    /* The write is durable; readers keep the previous snapshot until a
     * later write manages to publish. */
    srv_log(SRV_LOG_ERROR, "snapshot reload failed; serving the previous snapshot", "error", iam_err_str(err),
            "detail", diag.message, NULL);
}

static void unlock_writer(srv_request *r)
{
    if (r->write_locked) {
        r->write_locked = false;
        pthread_mutex_unlock(&r->srv->write_mu);
    }
}

bool srv_begin(srv_call *c, iam_txn **t)
{
    srv_request *r = srv_req_of(c);
    if (r->txn != NULL)
        return srv_fail(c, "InternalFailure", "One transaction per request.");
    pthread_mutex_lock(&r->srv->write_mu);
    r->write_locked = true;
    iam_txn *txn = NULL;
    iam_err err = iam_store_begin(r->srv->store, c->now, &txn);
    if (err != IAM_OK) {
        unlock_writer(r);
        srv_log(SRV_LOG_ERROR, "store begin failed", "error", iam_err_str(err), "request_id", r->request_id, NULL);
        return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
    }
    r->txn = txn;
    *t = txn;
    return true;
}

static void pin_current(srv_request *r)
{
    srv_pin *p = srv_arena_alloc(&r->arena, sizeof *p);
    const iam_snapshot *snap = iam_snapshot_pin(r->srv->holder);
    if (p == NULL) {
        /* Keep the old pin rather than lose track of a reference. */
        iam_snapshot_release(snap);
        return;
    }
    p->snap = snap;
    p->next = r->pins;
    r->pins = p;
    r->call.snap = snap;
    /* The caller's user as the new snapshot has it (objects of different
     * snapshots must not be mixed in one decision). */
    if (r->principal.kind == IAM_PK_IAM_USER && r->principal.id != NULL)
        r->principal.user = iam_snap_user_by_id(snap, iam_str_from_cstr(r->principal.id));
    if (r->principal.kind == IAM_PK_ASSUMED_ROLE_SESSION && r->principal.role != NULL)
        r->principal.role = iam_snap_role_by_id(snap, iam_str_from_cstr(r->principal.role->id));
}

bool srv_commit(srv_call *c, iam_txn *t)
{
    srv_request *r = srv_req_of(c);
    if (t == NULL || t != r->txn)
        return srv_fail(c, "InternalFailure", "No open transaction.");
    iam_changes ch;
    memset(&ch, 0, sizeof ch);
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_txn_commit(t, &ch, &diag);
    r->txn = NULL; /* freed by commit in every case */
    if (err != IAM_OK) {
        unlock_writer(r);
        srv_log(SRV_LOG_ERROR, "commit failed", "error", iam_err_str(err), "detail", diag.message, "request_id",
                r->request_id, NULL);
        return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
    }
    srv_publish_changes(r->srv, &ch);
    iam_changes_free(&ch);
    pin_current(r);
    unlock_writer(r);
    return true;
}

bool srv_store(srv_call *c, iam_txn *t, iam_err err, const char *what)
{
    if (err == IAM_OK)
        return true;
    srv_request *r = srv_req_of(c);
    if (t != NULL && t == r->txn) {
        iam_txn_rollback(t);
        r->txn = NULL;
        unlock_writer(r);
    }
    return srv_fail_err(c, err, what);
}

void srv_request_release(srv_request *r)
{
    if (r->txn != NULL) {
        iam_txn_rollback(r->txn);
        r->txn = NULL;
    }
    unlock_writer(r);
    for (srv_pin *p = r->pins; p != NULL; p = p->next)
        iam_snapshot_release(p->snap);
    r->pins = NULL;
    for (srv_ctx_item *it = r->contexts; it != NULL; it = it->next)
        iam_context_free(it->ctx);
    r->contexts = NULL;
    iam_form_free(r->form);
    r->form = NULL;
    srv_session_release(r);
}

/* ---- access-key last use ---- */

#define TOUCH_SLOTS 1024   /* direct-mapped "recently touched" filter */
#define TOUCH_QUEUE 256
#define TOUCH_INTERVAL 60  /* seconds: at most one store write per key per minute */

typedef struct touch_rec {
    iam_entity_kind kind;      /* IAM_EK_ACCESS_KEY (last use) or IAM_EK_ROLE (RoleLastUsed) */
    char id[32];
    int64_t when;
    char service[16];
    char region[32];
} touch_rec;

struct srv_touch {
    srv_server *srv;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t done_cv;
    uint64_t queued, flushed;   /* tickets: records queued / written so far */
    bool stop, started;
    struct {
        char id[32];
        int64_t last;
    } seen[TOUCH_SLOTS];
    touch_rec q[TOUCH_QUEUE];
    size_t nq;
};

static void copy_str(char *dst, size_t cap, iam_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n > 0)
        memcpy(dst, s.ptr, n);
    dst[n] = 0;
}

static uint32_t hash_id(iam_str s)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (unsigned char)s.ptr[i]) * 16777619u;
    return h;
}

static void touch(srv_server *s, iam_entity_kind kind, iam_str key_id, int64_t now, iam_str service,
                  iam_str region)
{
    srv_touch *t = s->touch;
    if (t == NULL || key_id.len == 0 || key_id.len >= sizeof t->q[0].id)
        return;
    size_t slot = hash_id(key_id) & (TOUCH_SLOTS - 1);
    pthread_mutex_lock(&t->mu);
    if (strlen(t->seen[slot].id) == key_id.len && memcmp(t->seen[slot].id, key_id.ptr, key_id.len) == 0 &&
        now - t->seen[slot].last < TOUCH_INTERVAL) {
        pthread_mutex_unlock(&t->mu);
        return;
    }
    copy_str(t->seen[slot].id, sizeof t->seen[slot].id, key_id);
    t->seen[slot].last = now;
    if (t->nq < TOUCH_QUEUE && !t->stop) {
        touch_rec *rec = &t->q[t->nq++];
        rec->kind = kind;
        copy_str(rec->id, sizeof rec->id, key_id);
        rec->when = now;
        copy_str(rec->service, sizeof rec->service, service);
        copy_str(rec->region, sizeof rec->region, region);
        uint64_t ticket = ++t->queued;
        pthread_cond_signal(&t->cv);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L; /* never hold a request longer than this */
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (t->flushed < ticket && !t->stop)
            if (pthread_cond_timedwait(&t->done_cv, &t->mu, &until) != 0)
                break;
    }
    pthread_mutex_unlock(&t->mu);
}

void srv_touch_key(srv_server *s, iam_str key_id, int64_t now, iam_str service, iam_str region)
{
    touch(s, IAM_EK_ACCESS_KEY, key_id, now, service, region);
}

void srv_touch_role(srv_server *s, iam_str role_id, int64_t now, iam_str region)
{
    touch(s, IAM_EK_ROLE, role_id, now, IAM_STR("sts"), region);
}

/* RoleLastUsed is a column of the role: one small API-style transaction
 * (the caller holds write_mu, so it is the only writer). */
static iam_err touch_role(srv_server *s, const touch_rec *rec, iam_changes *out)
{
    iam_txn *t = NULL;
    iam_err err = iam_store_begin(s->store, rec->when, &t);
    if (err != IAM_OK)
        return err;
    err = iam_txn_role_touch(t, iam_str_from_cstr(rec->id), iam_str_from_cstr(rec->region));
    if (err != IAM_OK) {
        iam_txn_rollback(t);
        return err;
    }
    return iam_txn_commit(t, out, NULL);
}

static void flush(srv_server *s, const touch_rec *recs, size_t n)
{
    iam_changes ch;
    memset(&ch, 0, sizeof ch);
    ch.items = calloc(n, sizeof *ch.items);
    pthread_mutex_lock(&s->write_mu);
    for (size_t i = 0; i < n; i++) {
        if (recs[i].kind == IAM_EK_ROLE) {
            iam_changes rc;
            memset(&rc, 0, sizeof rc);
            iam_err err = touch_role(s, &recs[i], &rc);
            if (err != IAM_OK && err != IAM_E_NOTFOUND)
                srv_log(SRV_LOG_WARN, "recording role last use failed", "role_id", recs[i].id, "error",
                        iam_err_str(err), NULL);
            if (err == IAM_OK && ch.items != NULL) {
                ch.items[ch.n].kind = IAM_EK_ROLE;
                copy_str(ch.items[ch.n].id, sizeof ch.items[ch.n].id, iam_str_from_cstr(recs[i].id));
                ch.n++;
            }
            iam_changes_free(&rc);
            continue;
        }
        iam_err err = iam_store_touch_key(s->store, iam_str_from_cstr(recs[i].id), recs[i].when,
                                          iam_str_from_cstr(recs[i].service), iam_str_from_cstr(recs[i].region));
        if (err != IAM_OK) {
            if (err != IAM_E_NOTFOUND) /* a key deleted meanwhile is fine */
                srv_log(SRV_LOG_WARN, "recording access key last use failed", "access_key_id", recs[i].id,
                        "error", iam_err_str(err), NULL);
            continue;
        }
        if (ch.items != NULL) {
            ch.items[ch.n].kind = IAM_EK_ACCESS_KEY;
            copy_str(ch.items[ch.n].id, sizeof ch.items[ch.n].id, iam_str_from_cstr(recs[i].id));
            ch.n++;
        }
    }
    /* GetAccessKeyLastUsed reads the snapshot: publish the keys' new state. */
    if (ch.n > 0)
        srv_publish_changes(s, &ch);
    pthread_mutex_unlock(&s->write_mu);
    free(ch.items);
}

static void *touch_main(void *arg)
{
    srv_touch *t = arg;
    touch_rec *local = malloc(sizeof t->q);
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->nq == 0 && !t->stop)
            pthread_cond_wait(&t->cv, &t->mu);
        if (t->nq == 0 && t->stop)
            break;
        size_t n = t->nq;
        uint64_t upto = t->queued;
        if (local != NULL)
            memcpy(local, t->q, n * sizeof *local);
        t->nq = 0;
        pthread_mutex_unlock(&t->mu);
        if (local != NULL)
            flush(t->srv, local, n);
        pthread_mutex_lock(&t->mu);
        t->flushed = upto;
        pthread_cond_broadcast(&t->done_cv);
    }
    pthread_mutex_unlock(&t->mu);
    free(local);
    return NULL;
}

iam_err srv_touch_start(srv_server *s)
{
    srv_touch *t = calloc(1, sizeof *t);
    if (t == NULL)
        return IAM_E_NOMEM;
    t->srv = s;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    pthread_cond_init(&t->done_cv, NULL);
    if (pthread_create(&t->thread, NULL, touch_main, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        pthread_cond_destroy(&t->done_cv);
        free(t);
        return IAM_E_NOMEM;
    }
    t->started = true;
    s->touch = t;
    return IAM_OK;
}

void srv_touch_stop(srv_server *s)
{
    srv_touch *t = s->touch;
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true; /* the thread flushes what is queued, then ends */
    pthread_cond_signal(&t->cv);
    pthread_cond_broadcast(&t->done_cv);
    pthread_mutex_unlock(&t->mu);
    if (t->started)
        pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    pthread_cond_destroy(&t->done_cv);
    s->touch = NULL;
    free(t);
}
