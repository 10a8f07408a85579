/* admin_users — the clinic's accounts, edited in forms (/admin/users): who
 * may sign in, with which role, a therapist's account tied to her schedule.
 * Saves follow web/admin.c's rule: every field checked, one message per
 * wrong field, 422 with what was typed, else one transaction. */
#include "web/admin.h"
#include "web/admin_int.h"

#include <ctype.h>
#include <stdint.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/auth.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/account.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

/* ---- users ---- */

static const char *role_label(const char *role)
{
    if (strcmp(role, "admin") == 0)
        return "Admin";
    if (strcmp(role, "desk") == 0)
        return "Front desk";
    if (strcmp(role, "therapist") == 0)
        return "Therapist";
    return "Client";
}

static json_t *role_choices(const char *current)
{
    static const char *const roles[] = {"admin", "desk", "therapist", "client"};
    json_t *a = json_array();
    for (size_t i = 0; i < 4; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", roles[i], "label",
                                           role_label(roles[i]), "selected",
                                           current && strcmp(current, roles[i]) == 0));
    return a;
}

static json_t *therapist_choices(struct req *r, const struct therapist *th, size_t n,
                                 const char *current)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "id", th[i].id, "name", th[i].name,
                                           "selected", current && strcmp(current, th[i].id) == 0));
    return a;
}

static void users_page(struct req *r, int status, json_t *form, json_t *errors)
{
    struct err e = {0};
    web_keep(r, form);
    web_keep(r, errors);
    struct db *db = web_db(r);
    struct user *us;
    struct therapist *th;
    size_t nu, nt;
    if (db_users(db, r->arena, &us, &nu, &e) != E_OK ||
        db_therapists(db, r->arena, 0, &th, &nt, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < nu; i++) {
        const char *tname = "";
        for (size_t k = 0; k < nt; k++)
            if (strcmp(th[k].id, us[i].therapist_id) == 0)
                tname = th[k].name;
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)us[i].id,
                            "email", us[i].email, "name", us[i].name, "role",
                            role_label(us[i].role), "therapist", tname, "active", us[i].active,
                            "url", arena_printf(r->arena, "/admin/users/%lld",
                                                (long long)us[i].id)));
    }
    const char *role = form ? json_string_value(json_object_get(form, "role")) : NULL;
    const char *tid = form ? json_string_value(json_object_get(form, "therapist")) : NULL;
    json_t *ctx = chrome_context(r, "Users", "admin");
    json_object_set_new(ctx, "users", list);
    json_object_set_new(ctx, "roles", role_choices(role ? role : "desk"));
    json_object_set_new(ctx, "therapists", therapist_choices(r, th, nt, tid));
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    form_render(r, status, "admin/users", ctx);
}

void admin_users(struct req *r)
{
    users_page(r, 200, NULL, NULL);
}

/* Checks the fields "add a user" and "save details" share, with a message
 * per field in errors.  Returns -1 when the store failed (answered). */
static int check_account(struct req *r, json_t *errors, const char *email, const char *name,
                         const char *role, const char *tid)
{
    struct err e = {0};
    struct therapist t;
    const char *why;
    if ((why = booking_check_email(email)))
        form_error(errors, "email", why);
    if ((why = booking_check_name(name)))
        form_error(errors, "name", why);
    if (auth_role_parse(role) == AUTH_NONE)
        form_error(errors, "role", "Choose a role: admin, front desk, therapist or client.");
    if (strcmp(role, "therapist") == 0) {
        enum err_code rc = *tid ? db_therapist(web_db(r), r->arena, tid, &t, &e) : E_NOTFOUND;
        if (rc == E_NOTFOUND)
            form_error(errors, "therapist", "Choose which therapist this account belongs to.");
        else if (rc != E_OK) {
            web_fail(r, &e);
            return -1;
        }
    } else if (*tid) {
        form_error(errors, "therapist", "Only a therapist account is linked to a therapist.");
    }
    return 0;
}

void admin_user_create(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    const char *why;
    char hash[crypto_pwhash_STRBYTES];
    json_t *errors = web_keep(r, json_object());
    const char *email = form_value(r, "email"), *name = form_value(r, "name"), *role = form_value(r, "role"),
               *tid = form_value(r, "therapist"), *pw = form_value(r, "password");

    if (check_account(r, errors, email, name, role, tid) < 0)
        return;
    if ((why = account_check_password(pw, email)))
        form_error(errors, "password", why);
    if (json_object_size(errors)) {
        users_page(r, 422, admin_typed(r), json_incref(errors));
        return;
    }
    if (account_hash_new(r, pw, hash, sizeof hash) < 0)
        return;
    struct user u = {0, email, name, role, tid, 1};
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_add_user(db, &u, hash, clock_now(), NULL, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        if (e.code == E_CONFLICT) {
            form_error(errors, "email", "An account with this email already exists.");
            users_page(r, 422, admin_typed(r), json_incref(errors));
        } else
            web_fail(r, &e);
        return;
    }
    form_see_other(r, "/admin/users?saved=1");
}

/* The account named by the path, or an answered 404. */
static int path_user(struct req *r, struct user *u)
{
    struct err e = {0};
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, "There is no such account.");
        return -1;
    }
    if (db_user(web_db(r), r->arena, id, u, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The account's page; form: the details as typed (after a refused save), or
 * NULL for the stored ones. */
static void user_page_form(struct req *r, int status, const struct user *u, json_t *form,
                           json_t *errors)
{
    struct err e = {0};
    struct therapist *th;
    size_t nt;
    web_keep(r, form);
    web_keep(r, errors);
    if (db_therapists(web_db(r), r->arena, 0, &th, &nt, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    const char *tname = "";
    for (size_t k = 0; k < nt; k++)
        if (strcmp(th[k].id, u->therapist_id) == 0)
            tname = th[k].name;
    if (!form)
        form = web_keep(r, json_pack("{s:s, s:s, s:s, s:s}", "email", u->email, "name", u->name,
                                     "role", u->role, "therapist", u->therapist_id));
    const char *role = json_string_value(json_object_get(form, "role"));
    const char *tid = json_string_value(json_object_get(form, "therapist"));
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Account: %s", u->name), "admin");
    json_object_set_new(ctx, "account",
                        json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)u->id,
                                  "email", u->email, "name", u->name, "role",
                                  role_label(u->role), "therapist", tname, "active",
                                  u->active));
    json_object_set_new(ctx, "is_self", json_boolean(u->id == r->user->id));
    json_object_set_new(ctx, "existing", json_true()); /* partials/account_fields */
    json_object_set_new(ctx, "base", json_string(arena_printf(r->arena, "/admin/users/%lld",
                                                              (long long)u->id)));
    json_object_set_new(ctx, "form", json_incref(form));
    json_object_set_new(ctx, "roles", role_choices(role ? role : u->role));
    json_object_set_new(ctx, "therapists", therapist_choices(r, th, nt, tid ? tid : ""));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    form_render(r, status, "admin/user", ctx);
}

static void user_page(struct req *r, int status, const struct user *u, json_t *errors)
{
    user_page_form(r, status, u, NULL, errors);
}

void admin_user(struct req *r)
{
    struct user u;
    if (path_user(r, &u) == 0)
        user_page(r, 200, &u, NULL);
}

void admin_user_save(struct req *r)
{
    struct err e = {0};
    struct user u;
    struct db *db = web_db(r);
    json_t *errors = web_keep(r, json_object());
    const char *email = form_value(r, "email"), *name = form_value(r, "name"),
               *role = form_value(r, "role"), *tid = form_value(r, "therapist");
    if (path_user(r, &u) < 0 || check_account(r, errors, email, name, role, tid) < 0)
        return;
    if (u.id == r->user->id && strcmp(role, u.role) != 0)
        form_error(errors, "role", "You cannot change your own role; ask another admin.");
    if (json_object_size(errors)) {
        user_page_form(r, 422, &u, admin_typed(r), json_incref(errors));
        return;
    }
    /* A new role or therapist takes effect at the next sign-in: the account
     * is signed out everywhere, so no session keeps what it was allowed. */
    int relinked = strcmp(role, u.role) != 0 || strcmp(tid, u.therapist_id) != 0;
    struct user nu = {u.id, email, name, role, tid, u.active};
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_update_user(db, &nu, &e) != E_OK ||
        (relinked && db_delete_user_sessions(db, u.id, NULL, &e) != E_OK) ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        if (e.code == E_CONFLICT) {
            form_error(errors, "email", "Another account already uses this email.");
            user_page_form(r, 422, &u, admin_typed(r), json_incref(errors));
        } else
            web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/users/%lld?saved=1", (long long)u.id));
}

void admin_user_active(struct req *r)
{
    struct err e = {0};
    struct user u;
    struct db *db = web_db(r);
    const char *v = form_value(r, "active");
    if (path_user(r, &u) < 0)
        return;
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
        user_page(r, 422, &u, json_pack("{s:s}", "active", "Choose to deactivate or reactivate."));
        return;
    }
    int active = v[0] == '1';
    if (!active && u.id == r->user->id) {
        user_page(r, 422, &u,
                  json_pack("{s:s}", "active", "You cannot deactivate your own account."));
        return;
    }
    /* A deactivated account is signed out everywhere at once. */
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_set_user_active(db, u.id, active, &e) != E_OK ||
        (!active && db_delete_user_sessions(db, u.id, NULL, &e) != E_OK) ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/users/%lld?saved=1", (long long)u.id));
}

void admin_user_password(struct req *r)
{
    struct err e = {0};
    struct user u;
    struct db *db = web_db(r);
    char hash[crypto_pwhash_STRBYTES];
    const char *why, *pw = form_value(r, "password");
    if (path_user(r, &u) < 0)
        return;
    if (u.id == r->user->id) {
        user_page(r, 422, &u, json_pack("{s:s}", "password",
                                        "Change your own password on the Password page."));
        return;
    }
    if ((why = account_check_password(pw, u.email))) {
        user_page(r, 422, &u, json_pack("{s:s}", "password", why));
        return;
    }
    if (account_hash_new(r, pw, hash, sizeof hash) < 0)
        return;
    /* The old password stops working and so does every session made with it. */
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_set_password(db, u.id, hash, &e) != E_OK ||
        db_delete_user_sessions(db, u.id, NULL, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        admin_fail_db(r, db, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/admin/users/%lld?saved=1", (long long)u.id));
}
