/* Unit tests for core/money.c: rounding half to even, tax per line, discounts
 * by amount and percent spread over lines, tips, totals, split payments and
 * cash change, refunds never above what was paid, credit notes, parsing and
 * formatting amounts, currencies and billing units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/money.h"

static void test_div_even(void **state)
{
    (void)state;
    static const struct {
        int64_t a, b, q;
    } rows[] = {
        {0, 100, 0},   {49, 100, 0},
        {50, 100, 0},  {51, 100, 1},
        {150, 100, 2}, {250, 100, 2},
        {251, 100, 3}, {350, 100, 4},
        {149, 100, 1}, {5, 10, 0},
        {15, 10, 2},   {25, 10, 2},
        {7, 1, 7},     {1, 3, 0},
        {2, 3, 1},     {MONEY_MAX * MONEY_BP_MAX, MONEY_BP_MAX, MONEY_MAX},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(money_div_even(rows[i].a, rows[i].b), rows[i].q);
}

static void test_tax_half_even(void **state)
{
    (void)state;
    static const struct {
        int64_t net;
        int bp;
        int64_t tax;
    } rows[] = {
        {12500, 0, 0},       /* massage is untaxed in Alaska */
        {10000, 500, 500},   /* 5 % of $100 */
        {1050, 500, 52},     /* 52.5 -> 52 (even) */
        {1150, 500, 58},     /* 57.5 -> 58 (even) */
        {1010, 500, 50},     /* 50.5 -> 50 */
        {1030, 500, 52},     /* 51.5 -> 52 */
        {999, 825, 82},      /* 82.4175 -> 82 */
        {12345, 1000, 1234}, /* 1234.5 -> 1234 */
        {12355, 1000, 1236}, /* 1235.5 -> 1236 */
        {100, 10000, 100},   /* 100 % */
        {0, 700, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(money_tax(rows[i].net, rows[i].bp), rows[i].tax);
}

/* Lines, a discount and a tip: each line's discount, tax and the totals. */
static void test_invoice(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        size_t n;
        struct {
            int64_t unit;
            int qty, bp;
            int64_t discount, tax;
        } l[3];
        struct money_discount d;
        int64_t tip;
        int64_t subtotal, discount, tax, total;
    } rows[] = {
        {"one untaxed visit",
         1,
         {{12500, 1, 0, 0, 0}},
         {MONEY_DISCOUNT_NONE, 0},
         0,
         12500,
         0,
         0,
         12500},
        {"visit and tip",
         1,
         {{12500, 1, 0, 0, 0}},
         {MONEY_DISCOUNT_NONE, 0},
         2000,
         12500,
         0,
         0,
         14500},
        {"10 % off",
         1,
         {{12500, 1, 0, 1250, 0}},
         {MONEY_DISCOUNT_PERCENT, 1000},
         0,
         12500,
         1250,
         0,
         11250},
        {"percent half to even: 12.5 % of $1.00 = 12.5c -> 12c",
         1,
         {{100, 1, 0, 12, 0}},
         {MONEY_DISCOUNT_PERCENT, 1250},
         0,
         100,
         12,
         0,
         88},
        {"percent half to even: 12.5 % of $3.00 = 37.5c -> 38c",
         1,
         {{300, 1, 0, 38, 0}},
         {MONEY_DISCOUNT_PERCENT, 1250},
         0,
         300,
         38,
         0,
         262},
        {"tax per line, each rounded",
         2,
         {{1050, 1, 500, 0, 52}, {1150, 1, 500, 0, 58}},
         {MONEY_DISCOUNT_NONE, 0},
         0,
         2200,
         0,
         110,
         2310},
        {"tax only on the taxed line",
         2,
         {{12500, 1, 0, 0, 0}, {2000, 1, 500, 0, 100}},
         {MONEY_DISCOUNT_NONE, 0},
         0,
         14500,
         0,
         100,
         14600},
        {"amount discount spread by gross, tax after it",
         2,
         {{7500, 1, 0, 750, 0}, {2500, 1, 1000, 250, 225}},
         {MONEY_DISCOUNT_AMOUNT, 1000},
         500,
         10000,
         1000,
         225,
         9725},
        {"odd cents of a discount go to the earliest lines",
         3,
         {{100, 1, 0, 1, 0}, {100, 1, 0, 1, 0}, {100, 1, 0, 0, 0}},
         {MONEY_DISCOUNT_AMOUNT, 2},
         0,
         300,
         2,
         0,
         298},
        {"quantity", 1, {{1500, 3, 0, 0, 0}}, {MONEY_DISCOUNT_NONE, 0}, 0, 4500, 0, 0, 4500},
        {"free visit", 1, {{0, 1, 500, 0, 0}}, {MONEY_DISCOUNT_NONE, 0}, 0, 0, 0, 0, 0},
        {"100 % off",
         2,
         {{12500, 1, 0, 12500, 0}, {1000, 1, 500, 1000, 0}},
         {MONEY_DISCOUNT_PERCENT, 10000},
         0,
         13500,
         13500,
         0,
         0},
        {"whole amount off",
         1,
         {{12500, 1, 0, 12500, 0}},
         {MONEY_DISCOUNT_AMOUNT, 12500},
         0,
         12500,
         12500,
         0,
         0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct money_line lines[3] = {0};
        struct money_totals t;
        const char *why = NULL;
        for (size_t j = 0; j < rows[i].n; j++)
            lines[j] = (struct money_line){
                .unit = rows[i].l[j].unit, .qty = rows[i].l[j].qty, .tax_bp = rows[i].l[j].bp};
        int rc = money_invoice(lines, rows[i].n, &rows[i].d, rows[i].tip, &t, &why);
        if (rc != 0)
            fail_msg("%s: refused: %s", rows[i].what, why);
        int64_t sum = 0;
        for (size_t j = 0; j < rows[i].n; j++) {
            if (lines[j].discount != rows[i].l[j].discount || lines[j].tax != rows[i].l[j].tax)
                fail_msg("%s: line %zu discount %lld tax %lld", rows[i].what, j,
                         (long long)lines[j].discount, (long long)lines[j].tax);
            assert_int_equal(lines[j].amount, lines[j].gross - lines[j].discount + lines[j].tax);
            sum += lines[j].amount;
        }
        if (t.subtotal != rows[i].subtotal || t.discount != rows[i].discount ||
            t.tax != rows[i].tax || t.total != rows[i].total)
            fail_msg("%s: %lld %lld %lld %lld", rows[i].what, (long long)t.subtotal,
                     (long long)t.discount, (long long)t.tax, (long long)t.total);
        assert_int_equal(t.total, sum + t.tip); /* the lines add up to the total */
    }
}

static void test_invoice_refused(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        int64_t unit;
        int qty, bp;
        struct money_discount d;
        int64_t tip;
    } rows[] = {
        {"quantity 0", 1000, 0, 0, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"quantity 100", 1000, 100, 0, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"negative price", -1, 1, 0, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"price too large", MONEY_MAX + 1, 1, 0, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"tax above 100 %", 1000, 1, 10001, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"negative tax", 1000, 1, -1, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"discount above the subtotal", 1000, 1, 0, {MONEY_DISCOUNT_AMOUNT, 1001}, 0},
        {"negative discount", 1000, 1, 0, {MONEY_DISCOUNT_AMOUNT, -1}, 0},
        {"percent above 100", 1000, 1, 0, {MONEY_DISCOUNT_PERCENT, 10001}, 0},
        {"negative tip", 1000, 1, 0, {MONEY_DISCOUNT_NONE, 0}, -1},
        {"subtotal too large", MONEY_MAX, 2, 0, {MONEY_DISCOUNT_NONE, 0}, 0},
        {"total too large with tip", MONEY_MAX, 1, 0, {MONEY_DISCOUNT_NONE, 0}, 1},
        {"total too large with tax", MONEY_MAX, 1, 100, {MONEY_DISCOUNT_NONE, 0}, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct money_line l = {.unit = rows[i].unit, .qty = rows[i].qty, .tax_bp = rows[i].bp};
        struct money_totals t;
        const char *why = NULL;
        if (money_invoice(&l, 1, &rows[i].d, rows[i].tip, &t, &why) != -1 || !why)
            fail_msg("%s: accepted", rows[i].what);
    }
    struct money_line many[MONEY_MAX_LINES + 1] = {0};
    struct money_totals t;
    const char *why = NULL;
    for (size_t i = 0; i < MONEY_MAX_LINES + 1; i++)
        many[i] = (struct money_line){.unit = 100, .qty = 1};
    assert_int_equal(money_invoice(many, 0, NULL, 0, &t, &why), -1);
    assert_int_equal(money_invoice(many, MONEY_MAX_LINES + 1, NULL, 0, &t, &why), -1);
    assert_int_equal(money_invoice(many, MONEY_MAX_LINES, NULL, 0, &t, &why), 0);
    assert_int_equal(t.total, 100 * MONEY_MAX_LINES);
}

/* Every spread of every discount over lines of awkward prices adds up. */
static void test_discount_spread_exhaustive(void **state)
{
    (void)state;
    static const int64_t units[] = {1, 7, 99, 333, 12500};
    for (int64_t a = 0; a < 5; a++)
        for (int64_t b = 0; b < 5; b++)
            for (int64_t c = 0; c < 5; c++) {
                struct money_line l[3] = {{.unit = units[a], .qty = 1, .tax_bp = 825},
                                          {.unit = units[b], .qty = 2, .tax_bp = 0},
                                          {.unit = units[c], .qty = 1, .tax_bp = 10000}};
                int64_t sub = units[a] + 2 * units[b] + units[c];
                for (int64_t d = 0; d <= sub; d += 1 + sub / 37) {
                    struct money_discount disc = {MONEY_DISCOUNT_AMOUNT, d};
                    struct money_totals t;
                    const char *why;
                    assert_int_equal(money_invoice(l, 3, &disc, 0, &t, &why), 0);
                    int64_t given = 0;
                    for (int i = 0; i < 3; i++) {
                        assert_true(l[i].discount >= 0 && l[i].discount <= l[i].gross);
                        assert_true(l[i].net >= 0);
                        given += l[i].discount;
                    }
                    assert_int_equal(given, d);
                    assert_int_equal(t.total, sub - d + t.tax);
                }
            }
}

/* Split payments: card then cash then card again run the balance to 0; a
 * payment above the balance is refused. */
static void test_split_payments(void **state)
{
    (void)state;
    const char *why = NULL;
    int64_t total = 14500, paid = 0, take, change;
    assert_int_equal(money_pay_check(money_balance(total, 0, paid, 0), 5000, &why), 0);
    paid += 5000; /* card */
    assert_int_equal(money_cash(money_balance(total, 0, paid, 0), 10000, &take, &change, &why), 0);
    assert_int_equal(take, 9500); /* cash: $100 handed over for $95 owed */
    assert_int_equal(change, 500);
    paid += take;
    assert_int_equal(money_balance(total, 0, paid, 0), 0);
    assert_int_equal(money_pay_check(0, 1, &why), -1); /* nothing owed */
    assert_int_equal(money_cash(0, 100, &take, &change, &why), -1);

    static const struct {
        int64_t due, amount;
        int ok;
    } rows[] = {
        {1000, 1000, 0}, {1000, 1, 0}, {1000, 1001, -1}, {1000, 0, -1},
        {1000, -5, -1},  {0, 10, -1},  {-500, 10, -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(money_pay_check(rows[i].due, rows[i].amount, &why), rows[i].ok);
    /* partial cash: less than owed is taken whole, no change */
    assert_int_equal(money_cash(9500, 2000, &take, &change, &why), 0);
    assert_int_equal(take, 2000);
    assert_int_equal(change, 0);
    assert_int_equal(money_cash(9500, 0, &take, &change, &why), -1);
    assert_int_equal(money_cash(9500, MONEY_MAX + 1, &take, &change, &why), -1);
}

/* Refunds never above what was paid, counting earlier refunds; credit
 * notes never above what is left of the invoice; the balance goes below
 * zero when the client is owed money back. */
static void test_refunds_and_credits(void **state)
{
    (void)state;
    const char *why = NULL;
    static const struct {
        int64_t paid, refunded, amount;
        int ok;
    } rows[] = {
        {5000, 0, 5000, 0},     {5000, 0, 1, 0},     {5000, 0, 5001, -1}, {5000, 4000, 1000, 0},
        {5000, 4000, 1001, -1}, {5000, 5000, 1, -1}, {5000, 0, 0, -1},    {5000, 0, -100, -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(money_refund_check(rows[i].paid, rows[i].refunded, rows[i].amount, &why),
                         rows[i].ok);
    assert_int_equal(money_credit_check(12500, 0, 12500, &why), 0);
    assert_int_equal(money_credit_check(12500, 2500, 10001, &why), -1);
    assert_int_equal(money_credit_check(12500, 2500, 10000, &why), 0);
    assert_int_equal(money_credit_check(12500, 0, 0, &why), -1);
    /* paid in full, then a $25 credit note: the client is owed $25 */
    assert_int_equal(money_balance(12500, 2500, 12500, 0), -2500);
    /* ... refunded: square */
    assert_int_equal(money_balance(12500, 2500, 12500, 2500), 0);
}

/* A package's refund takes back the whole credits it pays for, counted over
 * all the sale's refunds, and never more than are unused. */
static void test_package_refund(void **state)
{
    (void)state;
    int take = -1;
    int64_t most = -1;
    /* 5 credits for $450: $90 each */
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 5, 45000, &take, &most), 0);
    assert_int_equal(take, 5);
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 5, 9000, &take, &most), 0);
    assert_int_equal(take, 1);
    /* $1 back already takes a whole credit; a second $1 takes none more */
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 5, 100, &take, &most), 0);
    assert_int_equal(take, 1);
    assert_int_equal(money_package_refund(45000, 5, 100, 1, 4, 100, &take, &most), 0);
    assert_int_equal(take, 0);
    /* two used: $270 unused can go back, not a cent more */
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 3, 27000, &take, &most), 0);
    assert_int_equal(take, 3);
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 3, 27001, &take, &most), -1);
    assert_int_equal(most, 27000);
    /* all used: nothing */
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 0, 1, &take, &most), -1);
    assert_int_equal(most, 0);
    /* a price that does not divide: 3 credits for $100 */
    assert_int_equal(money_package_refund(10000, 3, 0, 0, 3, 10000, &take, &most), 0);
    assert_int_equal(take, 3);
    assert_int_equal(money_package_refund(10000, 3, 0, 0, 1, 3333, &take, &most), 0);
    assert_int_equal(take, 1);
    assert_int_equal(money_package_refund(10000, 3, 0, 0, 1, 3334, &take, &most), -1);
    assert_int_equal(most, 3333);
    assert_int_equal(money_package_refund(45000, 5, 0, 0, 5, 0, &take, &most), -1);
}

static void test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int64_t cents;
    } rows[] = {
        {"45", 0, 4500},
        {"45.5", 0, 4550},
        {"45.50", 0, 4550},
        {"0.05", 0, 5},
        {"$12.00", 0, 1200},
        {"1,245.00", 0, 124500},
        {"1,000,000", 0, MONEY_MAX},
        {"0", 0, 0},
        {"1000000.01", -1, 0},
        {"", -1, 0},
        {"-5", -1, 0},
        {"4.555", -1, 0},
        {"4.", -1, 0},
        {".5", -1, 0},
        {"1,24", -1, 0},
        {"12,45.00", -1, 0},
        {"1 000", -1, 0},
        {"abc", -1, 0},
        {"12e3", -1, 0},
        {"$", -1, 0},
        {"9999999999", -1, 0},
        {"+5", -1, 0},
        {"1,2345", -1, 0},
        {",100", -1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = -7;
        int rc = money_parse(rows[i].s, MONEY_MAX, &v);
        if (rc != rows[i].ok || (rc == 0 && v != rows[i].cents))
            fail_msg("money_parse(\"%s\") = %d, %lld", rows[i].s, rc, (long long)v);
        if (rc < 0)
            assert_int_equal(v, -7);
    }
    int64_t v;
    assert_int_equal(money_parse(NULL, MONEY_MAX, &v), -1);
    static const struct {
        const char *s;
        int ok, bp;
    } pct[] = {{"10", 0, 1000},   {"12.5", 0, 1250}, {"0.05", 0, 5}, {"100", 0, 10000},
               {"100.01", -1, 0}, {"$10", -1, 0},    {"-1", -1, 0},  {"1,000", -1, 0}};
    for (size_t i = 0; i < sizeof pct / sizeof pct[0]; i++) {
        int bp = -7;
        assert_int_equal(money_parse_percent(pct[i].s, &bp), pct[i].ok);
        if (pct[i].ok == 0)
            assert_int_equal(bp, pct[i].bp);
    }
}

static void test_format(void **state)
{
    (void)state;
    static const struct {
        int64_t cents;
        const char *code, *want;
    } rows[] = {
        {12500, "USD", "$125.00"},    {4550, "USD", "$45.50"},
        {5, "USD", "$0.05"},          {0, "USD", "$0.00"},
        {124550, "USD", "$1,245.50"}, {MONEY_MAX, "USD", "$1,000,000.00"},
        {-2500, "USD", "-$25.00"},    {1200, "CAD", "CA$12.00"},
        {1200, "EUR", "€12.00"},      {1200, "XYZ", "12.00 XYZ"},
    };
    char buf[48];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_string_equal(money_format(rows[i].cents, rows[i].code, buf, sizeof buf),
                            rows[i].want);
    assert_string_equal(money_format_percent(1000, buf, sizeof buf), "10");
    assert_string_equal(money_format_percent(1250, buf, sizeof buf), "12.5");
    assert_string_equal(money_format_percent(5, buf, sizeof buf), "0.05");
    assert_string_equal(money_format_percent(0, buf, sizeof buf), "0");
}

static void test_currency_methods_units(void **state)
{
    (void)state;
    assert_true(money_currency_ok("USD"));
    assert_true(money_currency_ok("EUR"));
    assert_false(money_currency_ok("usd"));
    assert_false(money_currency_ok("JPY")); /* no cents */
    assert_false(money_currency_ok("XXX"));
    assert_false(money_currency_ok(""));
    assert_false(money_currency_ok(NULL));
    assert_true(money_npi_ok("1234567893"));  /* CMS's example */
    assert_false(money_npi_ok("1234567890")); /* check digit wrong */
    assert_false(money_npi_ok("123456789"));
    assert_false(money_npi_ok("12345678930"));
    assert_false(money_npi_ok("123456789x"));
    assert_false(money_npi_ok(""));
    assert_false(money_npi_ok(NULL));
    for (int m = 0; m < MONEY__COUNT; m++)
        assert_int_equal(money_method_parse(money_method_name((enum money_method)m)), m);
    assert_int_equal(money_method_parse("bitcoin"), -1);
    assert_int_equal(money_method_parse(NULL), -1);
    static const struct {
        int minutes, unit, units;
    } rows[] = {
        {60, 15, 4}, {90, 15, 6}, {30, 15, 2}, {7, 15, 1},  {8, 15, 1},  {22, 15, 1}, {23, 15, 2},
        {37, 15, 2}, {38, 15, 3}, {60, 0, 1},  {60, 60, 1}, {45, 30, 1}, {46, 30, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (money_units(rows[i].minutes, rows[i].unit) != rows[i].units)
            fail_msg("units(%d, %d) = %d", rows[i].minutes, rows[i].unit,
                     money_units(rows[i].minutes, rows[i].unit));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_div_even),
        cmocka_unit_test(test_tax_half_even),
        cmocka_unit_test(test_invoice),
        cmocka_unit_test(test_invoice_refused),
        cmocka_unit_test(test_discount_spread_exhaustive),
        cmocka_unit_test(test_split_payments),
        cmocka_unit_test(test_refunds_and_credits),
        cmocka_unit_test(test_package_refund),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_currency_methods_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
