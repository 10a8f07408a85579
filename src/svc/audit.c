/* audit — builds and writes one audit row from an actor; see audit.h. It
 * must not know a request: the caller says who acted and how they proved it. */
#include "svc/audit.h"

const char *audit_via_name(enum proof p)
{
    switch (p) {
    case PROOF_EMAIL:
        return "proven_email";
    case PROOF_STAFF:
        return "staff";
    case PROOF_MANAGE_LINK:
        break;
    }
    return "manage_link";
}

enum err_code audit_add(struct db *db, const struct actor *who, const char *action,
                        const char *record, int64_t record_id, int64_t client_id, int64_t at,
                        struct err *e)
{
    return audit_add_why(db, who, action, record, record_id, client_id, "", at, e);
}

/* The row's fields but the record's and client's. */
static struct audit_entry entry(const struct actor *who, const char *action, const char *record,
                                const char *why, int64_t at)
{
    /* by manage link: the holder of the link, whatever account they may have */
    int account = who->user_id != 0 && who->via != PROOF_MANAGE_LINK;
    struct audit_entry en = {
        .at = at,
        .user_id = account ? who->user_id : 0,
        .actor = account ? who->email : "client (manage link)",
        .role = account ? who->role : "client",
        .action = action,
        .record = record,
        .address = who->address,
        .via = audit_via_name(who->via),
        .reason = why ? why : "",
    };
    return en;
}

enum err_code audit_add_why(struct db *db, const struct actor *who, const char *action,
                            const char *record, int64_t record_id, int64_t client_id,
                            const char *why, int64_t at, struct err *e)
{
    struct audit_entry en = entry(who, action, record, why, at);
    en.record_id = record_id;
    en.client_id = client_id;
    return db_audit_add(db, &en, e);
}

enum err_code audit_add_many(struct db *db, const struct actor *who, const char *action,
                             const char *record, const int64_t *record_ids,
                             const int64_t *client_ids, size_t n, int64_t at, struct err *e)
{
    struct audit_entry en = entry(who, action, record, "", at);
    return db_audit_add_many(db, &en, record_ids, client_ids, n, e);
}
