/* money — the clinic's money arithmetic, pure: amounts are integer cents of
 * the clinic's currency (never floating point), rates are basis points
 * (1 % = 100 bp).  It builds an invoice's lines and totals (discount by
 * amount or percent, tax per line rounded half to even, tip), checks a
 * payment, a cash tender, a refund and a credit note against what the
 * ledger holds, parses and formats amounts, knows the currencies Knead
 * takes and the billing units of a visit.  No I/O, no clock, no globals.
 *
 * The ledger these numbers feed (svc/money.c): an issued invoice never
 * changes; a correction is a credit note, money back is a refund of one
 * payment, each its own row.  An invoice's balance is
 *   total - credited - (paid - refunded)
 * which is negative when the client is owed money back. */
#ifndef KNEAD_CORE_MONEY_H
#define KNEAD_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The largest amount anything takes: $1,000,000.00.  Sums of a few hundred
 * of them stay far inside int64_t, and rate products (x 10,000) too. */
#define MONEY_MAX 100000000LL
#define MONEY_MAX_LINES 16
#define MONEY_BP_MAX 10000 /* 100 % */

/* How money arrives.  gift_card, package and provider (an online payment
 * through the payment provider) are the ledger's too: the desk offers the
 * methods a clinic has set up (see svc/money.h). */
enum money_method {
    MONEY_CASH,
    MONEY_CARD, /* an external card terminal; its reference recorded */
    MONEY_GIFT_CARD,
    MONEY_PACKAGE,   /* a credit of a prepaid package */
    MONEY_INSURANCE, /* a third party (an insurer) paid */
    MONEY_PROVIDER,  /* the online payment provider */
    MONEY__COUNT
};
/* "cash", "card", "gift_card", "package", "insurance", "provider". Can't fail. */
const char *money_method_name(enum money_method m);
/* "Cash", "Card (terminal)", ...: the words the desk and the receipt use. */
const char *money_method_label(enum money_method m);
/* The method named s, or -1. */
int money_method_parse(const char *s);

/* a / b rounded to the nearest integer, ties to the even one (banker's
 * rounding), for a >= 0 and b > 0. */
int64_t money_div_even(int64_t a, int64_t b);
/* The tax on net cents at rate bp: net x bp / 10000, half to even. */
int64_t money_tax(int64_t net, int bp);

enum money_discount_kind { MONEY_DISCOUNT_NONE, MONEY_DISCOUNT_AMOUNT, MONEY_DISCOUNT_PERCENT };
struct money_discount {
    enum money_discount_kind kind;
    int64_t value; /* cents (AMOUNT) or basis points (PERCENT) */
};

/* One line: unit price x quantity at a tax rate.  money_invoice fills the
 * rest: gross = unit x qty, its share of the discount, net = gross -
 * discount, tax on net, amount = net + tax. */
struct money_line {
    int64_t unit;
    int qty;
    int tax_bp;
    int64_t gross, discount, net, tax, amount;
};
struct money_totals {
    int64_t subtotal; /* sum of gross */
    int64_t discount;
    int64_t tax;
    int64_t tip;
    int64_t total; /* subtotal - discount + tax + tip */
};

/* Prices lines[0..n) (1 <= n <= MONEY_MAX_LINES) and sums them with the
 * discount d (NULL = none) and the tip.  A percent discount is the
 * subtotal x bp rounded half to even; a discount is spread over the lines
 * in proportion to their gross (the remainder cents to the earliest
 * lines), so each line's tax is on what the client pays for it.  Returns 0,
 * or -1 with *why a sentence for the desk (a quantity out of 1..99, an
 * amount out of 0..MONEY_MAX, a rate out of 0..100 %, a discount above the
 * subtotal, a tip below 0 or a total above MONEY_MAX); lines and out are
 * then unspecified. */
int money_invoice(struct money_line *lines, size_t n, const struct money_discount *d, int64_t tip,
                  struct money_totals *out, const char **why);

/* What is owed on an invoice: total - credited - (paid - refunded). */
int64_t money_balance(int64_t total, int64_t credited, int64_t paid, int64_t refunded);

/* A payment of amount towards a balance due: 0 when 0 < amount <= due,
 * else -1 with *why (nothing is owed; more than is owed). */
int money_pay_check(int64_t due, int64_t amount, const char **why);
/* Cash handed over towards due: *take is what the ledger records (at most
 * due), *change what goes back to the client.  Returns 0, or -1 with *why
 * (nothing owed, nothing or too much tendered). */
int money_cash(int64_t due, int64_t tendered, int64_t *take, int64_t *change, const char **why);
/* A refund of amount of a payment of paid of which refunded is already
 * back: 0 when 0 < amount <= paid - refunded, else -1 with *why. */
int money_refund_check(int64_t paid, int64_t refunded, int64_t amount, const char **why);
/* A refund of amount of the sale of a package of `credits` sold for price,
 * of which refunded was already paid back and `taken` credits taken back,
 * with `left` credits unused: the refund takes back the whole credits it
 * pays for at the per-credit price, counted over all the sale's refunds
 * (ceil((refunded + amount) x credits / price) in all).  0 with *take, or -1
 * when that is more than the unused credits, with *most the largest refund
 * those cover (0: none). */
int money_package_refund(int64_t price, int credits, int64_t refunded, int taken, int left,
                         int64_t amount, int *take, int64_t *most);
/* A credit note of amount on an invoice of total of which credited is
 * already credited: 0 when 0 < amount <= total - credited, else -1. */
int money_credit_check(int64_t total, int64_t credited, int64_t amount, const char **why);

/* Parses an amount a person typed: digits, optionally a point and one or
 * two more ("45", "45.5", "45.50", "1,245.00"; a leading currency symbol $
 * and commas between groups of three allowed), into cents in 0..max.
 * Returns 0, or -1 and *cents untouched. */
int money_parse(const char *s, int64_t max, int64_t *cents);
/* Parses a percentage ("10", "12.5", "12.25") into basis points in
 * 0..10000.  Returns 0, or -1 and *bp untouched. */
int money_parse_percent(const char *s, int *bp);
/* Writes cents as the currency shows them: "$1,245.50", "-$5.00",
 * "CA$12.00", "€12.00" (two decimals always: an invoice's amounts line
 * up).  An unknown code is written after the number ("12.00 XYZ").
 * Returns out (truncated to size, always terminated). */
char *money_format(int64_t cents, const char *currency, char *out, size_t size);
/* Writes bp as a percentage without trailing zeros: "10 %" is "10",
 * 1250 is "12.5", 5 is "0.05".  Returns out. */
char *money_format_percent(int bp, char *out, size_t size);

/* 1 when code is an ISO 4217 code of a currency Knead takes (one whose
 * minor unit is the cent: USD, CAD, EUR, GBP, AUD, NZD, CHF, ...). */
int money_currency_ok(const char *code);

/* 1 when s is a National Provider Identifier: 10 digits whose last is the
 * Luhn check digit of the first nine behind the prefix 80840. */
int money_npi_ok(const char *s);

/* The billing units of a visit of duration minutes at unit_min minutes per
 * unit (15 for the CPT timed codes such as 97124), by the eight-minute rule
 * (a unit once more than half of it is given): (duration + (unit-1)/2) /
 * unit, at least 1.  unit_min 0 means one unit per visit. */
int money_units(int duration_min, int unit_min);

#endif
