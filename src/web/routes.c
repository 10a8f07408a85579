/* routes — every address Knead answers: methods, pattern, handler, and its
 * policy — who may use it (ROUTE_PUBLIC or the roles), how its body is read
 * and how large it may be.  The dispatcher (http/server.c) enforces all of
 * it; route_check_table refuses a route without an access rule. */
#include "web/routes.h"

#include "web/account.h"
#include "web/admin.h"
#include "web/admin_articles.h"
#include "web/admin_locations.h"
#include "web/admin_outbox.h"
#include "web/admin_reports.h"
#include "web/admin_rules.h"
#include "web/admin_webhooks.h"
#include "web/api.h"
#include "web/audit.h"
#include "web/book.h"
#include "web/desk.h"
#include "web/export.h"
#include "web/referrals.h"
#include "web/feeds.h"
#include "web/hours.h"
#include "web/intake.h"
#include "web/metrics.h"
#include "web/money.h"
#include "web/shop.h"
#include "web/insurance.h"
#include "web/notes.h"
#include "web/pay.h"
#include "web/portal.h"
#include "web/record.h"
#include "web/site.h"
#include "web/staff.h"
#include "web/texts.h"
#include "web/waitlist.h"

#define JSON_BODY (16 * 1024)
#define BOOK_FORM (16 * 1024) /* the details form: a note of 2,000 characters, encoded */
#define SMALL_FORM (4 * 1024)
#define WEBHOOK_FORM (12 * 1024) /* an address of 2,000 characters, encoded, and the events */
#define ADMIN_FORM (32 * 1024) /* a service or therapist: description and bio, encoded */
#define DESK_FORM (40 * 1024) /* staff notes of 4,000 characters, or a booking, encoded */
#define ARTICLE_FORM (64 * 1024) /* an article's Markdown, encoded */
#define INTAKE_FORM (48 * 1024) /* the health form: 3,400 characters, 12 bytes each encoded */
#define NOTE_FORM (128 * 1024) /* a SOAP note: four parts of 4,000 characters and more, encoded */
#define PUB ROUTE_PUBLIC
#define API (ROUTE_PUBLIC | ROUTE_API)
#define FORM (ROUTE_FORM | ROUTE_CSRF)
#define SIGNED_IN (ROUTE_CLIENT | ROUTE_STAFF)

const struct route web_routes[] = {
    /* methods    pattern                    handler             flags         body */
    {ROUTE_GET, "/", site_home, PUB, 0},
    {ROUTE_GET, "/services", site_services, PUB, 0},
    {ROUTE_GET, "/therapists", site_therapists, PUB, 0},
    {ROUTE_GET, "/therapists/{id}", site_therapist, PUB, 0},
    {ROUTE_GET, "/articles", site_articles, PUB, 0},
    {ROUTE_GET, "/articles/{slug}", site_article, PUB, 0},
    {ROUTE_GET, "/static/{*}", site_static, PUB, 0},
    {ROUTE_GET, "/favicon.ico", site_favicon, PUB, 0},
    {ROUTE_GET, "/healthz", site_healthz, API, 0},
    /* for a Prometheus scraper: this machine, or [metrics] token as a bearer token */
    {ROUTE_GET, "/metrics", metrics_page, ROUTE_LOCAL | ROUTE_API, 0},

    {ROUTE_GET, "/book", book_start, PUB, 0},
    {ROUTE_POST, "/book", book_submit, PUB | FORM, BOOK_FORM},
    {ROUTE_GET, "/a/{token}", book_manage, PUB, 0},
    {ROUTE_GET, "/a/{token}/calendar.ics", book_calendar, PUB, 0},
    {ROUTE_GET, "/a/{token}/cancel", book_cancel_page, PUB, 0},
    {ROUTE_POST, "/a/{token}/cancel", book_cancel, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/a/{token}/move", book_move_page, PUB, 0},
    {ROUTE_POST, "/a/{token}/move", book_move, PUB | FORM, SMALL_FORM},
    {ROUTE_POST, "/a/{token}/deposit", pay_deposit_again, PUB | FORM, SMALL_FORM},
    /* the payment provider's signed events (svc/pay.c): the raw body is signed */
    {ROUTE_POST, "/payments/webhook", pay_webhook_post, API, 64 * 1024},
    /* the next visit the therapist suggested (web/manage.c): the token is the key */
    {ROUTE_GET, "/a/{token}/rebook", book_rebook_page, PUB, 0},
    {ROUTE_POST, "/a/{token}/rebook", book_rebook, PUB | FORM, SMALL_FORM},
    /* the client's health form and insurance check, by the manage token (web/intake.c,
     * web/insurance.c): the token is the key, checked by the handler (404 on any mismatch) */
    {ROUTE_GET, "/a/{token}/intake", intake_client_form, PUB, 0},
    {ROUTE_POST, "/a/{token}/intake", intake_client_save, PUB | FORM, INTAKE_FORM},
    {ROUTE_POST, "/a/{token}/intake/confirm", intake_client_confirm, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/a/{token}/insurance", insurance_client_form, PUB, 0},
    {ROUTE_POST, "/a/{token}/insurance", insurance_client_save, PUB | FORM, SMALL_FORM},
    /* the waitlist (web/waitlist.c): entries and offers by their private tokens,
     * checked by the handler (404 on any mismatch) */
    /* gift cards and packages bought online (web/shop.c; sold by the webhook) */
    {ROUTE_GET, "/gift-cards", shop_gift_public, PUB, 0},
    {ROUTE_POST, "/gift-cards", shop_gift_buy, PUB | FORM, BOOK_FORM},
    {ROUTE_GET, "/packages", shop_packages_public, PUB, 0},
    {ROUTE_POST, "/packages/{id}/buy", shop_package_buy, ROUTE_CLIENT | FORM, SMALL_FORM},
    {ROUTE_GET, "/waitlist", waitlist_form, PUB, 0},
    {ROUTE_POST, "/waitlist", waitlist_join, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/waitlist/offers/{token}", waitlist_offer_page, PUB, 0},
    {ROUTE_POST, "/waitlist/offers/{token}", waitlist_claim, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/waitlist/{token}", waitlist_entry_page, PUB, 0},
    {ROUTE_POST, "/waitlist/{token}/leave", waitlist_leave, PUB | FORM, SMALL_FORM},

    {ROUTE_GET, "/login", account_login_form, PUB, 0},
    {ROUTE_POST, "/login", account_login, PUB | FORM, SMALL_FORM},
    {ROUTE_POST, "/logout", account_logout, SIGNED_IN | FORM, SMALL_FORM},
    {ROUTE_GET, "/account/password", account_password_form, SIGNED_IN, 0},
    {ROUTE_POST, "/account/password", account_password, SIGNED_IN | FORM, SMALL_FORM},
    /* the client portal (web/portal.c): sign-in links by e-mail, the client's own records;
     * /account/link/{token}: the token is the key, checked by the handler */
    {ROUTE_GET, "/account", portal_signin_form, PUB, 0},
    {ROUTE_POST, "/account", portal_signin_request, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/account/link/{token}", portal_link_page, PUB, 0},
    {ROUTE_POST, "/account/link/{token}", portal_link_use, PUB | FORM, SMALL_FORM},
    {ROUTE_GET, "/portal", portal_home, ROUTE_CLIENT, 0},
    {ROUTE_GET, "/portal/appointments/{id}", portal_appointment, ROUTE_CLIENT, 0},
    /* the client's whole record, a page or ?format=json (web/record.c), audited */
    {ROUTE_GET, "/portal/record", portal_record, ROUTE_CLIENT, 0},
    /* the client's own superbill for their insurer (web/money.c) */
    {ROUTE_GET, "/portal/superbill", money_superbill_portal, ROUTE_CLIENT, 0},
    {ROUTE_POST, "/portal/appointments/{id}/manage", portal_manage, ROUTE_CLIENT | FORM,
     SMALL_FORM},
    {ROUTE_GET, "/portal/appointments/{id}/rebook", portal_rebook_page, ROUTE_CLIENT, 0},
    {ROUTE_POST, "/portal/appointments/{id}/rebook", portal_rebook, ROUTE_CLIENT | FORM,
     SMALL_FORM},
    {ROUTE_GET, "/staff", staff_day, ROUTE_STAFF, 0},
    /* a therapist's own week, hours and time off (web/hours.c) */
    {ROUTE_GET, "/staff/week", hours_week, ROUTE_STAFF, 0},
    {ROUTE_GET, "/staff/hours", hours_form, ROUTE_STAFF, 0},
    {ROUTE_POST, "/staff/hours", hours_save, ROUTE_THERAPIST | ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_GET, "/staff/time-off", hours_time_off, ROUTE_STAFF, 0},
    {ROUTE_POST, "/staff/time-off", hours_add_time_off, ROUTE_THERAPIST | ROUTE_DESK | FORM,
     SMALL_FORM},
    {ROUTE_POST, "/staff/time-off/{id}/delete", hours_delete_time_off,
     ROUTE_THERAPIST | ROUTE_DESK | FORM, SMALL_FORM},
    /* calendar subscriptions (web/feeds.c): the feed's token is its key */
    {ROUTE_GET, "/feeds/{file}", feeds_ics, PUB, 0},
    {ROUTE_GET, "/staff/calendar", feeds_page, ROUTE_STAFF, 0},
    {ROUTE_POST, "/staff/calendar/mine", feeds_new_mine, ROUTE_THERAPIST | FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/calendar/clinic", feeds_new_clinic, ROUTE_DESK | FORM, SMALL_FORM},
    /* the front desk: appointments, booking for a client, clients (web/desk.c) */
    {ROUTE_GET, "/staff/appointments/{id}", desk_appointment, ROUTE_DESK | ROUTE_THERAPIST, 0},
    {ROUTE_POST, "/staff/appointments/{id}/status", desk_status, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/appointments/{id}/undo", desk_undo, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/appointments/{id}/notes", desk_notes, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_POST, "/staff/appointments/{id}/move", desk_move, ROUTE_DESK | FORM, SMALL_FORM},
    /* treatment notes (web/notes.c): never the front desk; own rows checked there */
    {ROUTE_GET, "/staff/appointments/{id}/note", notes_page, ROUTE_THERAPIST | ROUTE_ADMIN, 0},
    {ROUTE_POST, "/staff/appointments/{id}/note", notes_save, ROUTE_THERAPIST | FORM, NOTE_FORM},
    {ROUTE_POST, "/staff/appointments/{id}/note/addenda", notes_addendum, ROUTE_THERAPIST | FORM,
     DESK_FORM},
    /* the day's figures for the front desk (web/admin_reports.c) */
    {ROUTE_GET, "/staff/figures", admin_reports_day, ROUTE_DESK, 0},
    {ROUTE_GET, "/staff/book", desk_book_form, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/book", desk_book, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_GET, "/staff/clients", desk_clients, ROUTE_DESK, 0},
    {ROUTE_GET, "/staff/clients/{id}", desk_client, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/clients/{id}", desk_client_save, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/clients/{id}/merge", desk_client_merge, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_POST, "/sms/inbound/{secret}", texts_inbound, PUB | ROUTE_FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/clients/{id}/texts", desk_client_texts, ROUTE_DESK | FORM, SMALL_FORM},
    /* health forms filled in at the desk, and the insurance-check queue (web/intake.c,
     * web/insurance.c); a therapist reads a form on their own appointment's page only */
    {ROUTE_GET, "/staff/appointments/{id}/intake", intake_desk_form, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/appointments/{id}/intake", intake_desk_save, ROUTE_DESK | FORM,
     INTAKE_FORM},
    {ROUTE_GET, "/staff/insurance", insurance_queue, ROUTE_DESK, 0},
    {ROUTE_GET, "/staff/insurance/{id}", insurance_check_page, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/insurance/{id}", insurance_check_save, ROUTE_DESK | FORM, SMALL_FORM},
    /* the waitlist at the desk (web/waitlist.c): every client's active entries */
    {ROUTE_GET, "/staff/waitlist", waitlist_desk_list, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/waitlist/{id}/remove", waitlist_desk_remove, ROUTE_DESK | FORM,
     SMALL_FORM},
    /* the clinic's money (web/money.c): the desk's checkout, receipts, the
     * day's close-out and superbills; never a therapist */
    {ROUTE_GET, "/staff/appointments/{id}/checkout", money_checkout, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/appointments/{id}/checkout", money_checkout_issue, ROUTE_DESK | FORM,
     DESK_FORM},
    {ROUTE_GET, "/staff/invoices/{id}", money_receipt, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/invoices/{id}/payments", money_pay_form, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_POST, "/staff/invoices/{id}/refunds", money_refund_form, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_POST, "/staff/invoices/{id}/credit-notes", money_credit_form, ROUTE_DESK | FORM,
     DESK_FORM},
    {ROUTE_POST, "/staff/invoices/{id}/send", money_send_receipt, ROUTE_DESK | FORM, SMALL_FORM},
    {ROUTE_GET, "/staff/closeout", money_closeout, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/closeout", money_closeout_count, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_GET, "/staff/clients/{id}/superbill", money_superbill_desk, ROUTE_DESK, 0},
    /* packages and gift cards (web/shop.c): the admin defines packages, the
     * desk sells them and gift cards; a therapist sees neither */
    {ROUTE_GET, "/admin/packages", shop_packages, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/packages", shop_package_add, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/packages/{id}/active", shop_package_active, ROUTE_ADMIN | FORM,
     SMALL_FORM},
    {ROUTE_GET, "/admin/gift-cards", shop_gift_cards, ROUTE_DESK, 0},
    {ROUTE_POST, "/admin/gift-cards", shop_gift_sell, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_POST, "/staff/clients/{id}/packages", shop_client_sell, ROUTE_DESK | FORM,
     SMALL_FORM},
    /* doctors' referrals (web/referrals.c) */
    {ROUTE_GET, "/staff/clients/{id}/referrals/new", referral_new, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/clients/{id}/referrals", referral_create, ROUTE_DESK | FORM, DESK_FORM},
    {ROUTE_GET, "/staff/referrals/{id}", referral_edit, ROUTE_DESK, 0},
    {ROUTE_POST, "/staff/referrals/{id}", referral_save, ROUTE_DESK | FORM, DESK_FORM},

    /* admin: the clinic's set-up (web/admin.c); "new" before "{id}" */
    {ROUTE_GET, "/admin", admin_index, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/services", admin_services, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/services", admin_service_create, ROUTE_ADMIN | FORM, ADMIN_FORM},
    {ROUTE_GET, "/admin/services/new", admin_service_new, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/services/{id}", admin_service, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/services/{id}", admin_service_save, ROUTE_ADMIN | FORM, ADMIN_FORM},
    {ROUTE_GET, "/admin/therapists", admin_therapists, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/therapists", admin_therapist_create, ROUTE_ADMIN | FORM, ADMIN_FORM},
    {ROUTE_GET, "/admin/therapists/new", admin_therapist_new, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/therapists/{id}", admin_therapist, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/therapists/{id}", admin_therapist_save, ROUTE_ADMIN | FORM, ADMIN_FORM},
    {ROUTE_GET, "/admin/locations", admin_locations, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/locations", admin_location_create, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_GET, "/admin/locations/{id}", admin_location, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/locations/{id}", admin_location_save, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/locations/{id}/archive", admin_location_archive, ROUTE_ADMIN | FORM,
     SMALL_FORM},
    {ROUTE_POST, "/admin/locations/{id}/rules", admin_location_rules, ROUTE_ADMIN | FORM,
     SMALL_FORM},
    {ROUTE_GET, "/admin/rooms", admin_rooms, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/rooms", admin_room_create, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_GET, "/admin/rooms/{id}", admin_room, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/rooms/{id}", admin_room_save, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_GET, "/admin/hours", admin_hours, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/hours", admin_hours_save, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/hours/closed", admin_closed_add, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/hours/closed/remove", admin_closed_remove, ROUTE_ADMIN | FORM, SMALL_FORM},
    /* booking rules (web/admin_rules.c) */
    {ROUTE_GET, "/admin/rules", admin_rules, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/rules", admin_rules_save, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_GET, "/admin/audit", admin_audit, ROUTE_ADMIN, 0},
    /* CSV exports, each audited (web/export.c) */
    {ROUTE_GET, "/admin/export", admin_export, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/export/clients.csv", admin_export_clients, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/export/appointments.csv", admin_export_appointments, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/export/invoices.csv", admin_export_invoices, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/export/payments.csv", admin_export_payments, ROUTE_ADMIN, 0},
    /* the queued e-mail and text messages (web/admin_outbox.c) */
    {ROUTE_GET, "/admin/outbox", admin_outbox, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/outbox/{id}/retry", admin_outbox_retry, ROUTE_ADMIN | FORM, SMALL_FORM},
    /* reports over a range of days, as pages and ?format=csv (web/admin_reports.c) */
    {ROUTE_GET, "/admin/reports", admin_reports, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/utilisation", admin_reports_utilisation, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/attendance", admin_reports_attendance, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/clients", admin_reports_clients, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/referrals", admin_reports_referrals, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/insurance", admin_reports_insurance, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/reports/revenue", admin_reports_revenue, ROUTE_ADMIN, 0},
    /* webhooks: endpoints, secrets, the delivery log (web/admin_webhooks.c) */
    {ROUTE_GET, "/admin/webhooks", admin_webhooks, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/webhooks", admin_webhooks_add, ROUTE_ADMIN | FORM, WEBHOOK_FORM},
    {ROUTE_GET, "/admin/webhooks/{id}", admin_webhook, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/webhooks/{id}", admin_webhook_save, ROUTE_ADMIN | FORM, WEBHOOK_FORM},
    {ROUTE_POST, "/admin/webhooks/{id}/secret", admin_webhook_rotate, ROUTE_ADMIN | FORM,
     SMALL_FORM},
    {ROUTE_POST, "/admin/webhooks/{id}/ping", admin_webhook_ping, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/webhooks/deliveries/{id}/retry", admin_webhook_retry, ROUTE_ADMIN | FORM,
     SMALL_FORM},
    {ROUTE_GET, "/admin/users", admin_users, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/users", admin_user_create, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_GET, "/admin/users/{id}", admin_user, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/users/{id}", admin_user_save, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/users/{id}/active", admin_user_active, ROUTE_ADMIN | FORM, SMALL_FORM},
    {ROUTE_POST, "/admin/users/{id}/password", admin_user_password, ROUTE_ADMIN | FORM, SMALL_FORM},
    /* admin: articles (web/admin_articles.c); "new" before "{slug}" */
    {ROUTE_GET, "/admin/articles", admin_articles, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/articles", admin_article_create, ROUTE_ADMIN | FORM, ARTICLE_FORM},
    {ROUTE_GET, "/admin/articles/new", admin_article_new, ROUTE_ADMIN, 0},
    {ROUTE_GET, "/admin/articles/{slug}", admin_article, ROUTE_ADMIN, 0},
    {ROUTE_POST, "/admin/articles/{slug}", admin_article_save, ROUTE_ADMIN | FORM, ARTICLE_FORM},
    {ROUTE_POST, "/admin/articles/{slug}/publish", admin_article_publish, ROUTE_ADMIN | FORM,
     SMALL_FORM},

    {ROUTE_GET, "/api/v1/openapi.json", site_openapi, API, 0},
    {ROUTE_GET, "/api/v1/services", api_services, API, 0},
    {ROUTE_GET, "/api/v1/therapists", api_therapists, API, 0},
    {ROUTE_GET, "/api/v1/locations", api_locations, API, 0},
    {ROUTE_GET, "/api/v1/availability", api_availability, API, 0},
    {ROUTE_GET, "/api/v1/next-available", api_next_available, API, 0},
    {ROUTE_POST, "/api/v1/appointments", api_book, API | ROUTE_JSON, JSON_BODY},
    /* bearer manage token, checked by the handler (404 on any mismatch) */
    {ROUTE_GET, "/api/v1/appointments/{id}", api_appointment, API, 0},
    {ROUTE_DELETE, "/api/v1/appointments/{id}", api_cancel, API, 0},
    {ROUTE_POST, "/api/v1/appointments/{id}/reschedule", api_reschedule, API | ROUTE_JSON,
     JSON_BODY},
};

const size_t web_nroutes = sizeof web_routes / sizeof web_routes[0];
