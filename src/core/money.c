/* money — invoice arithmetic, ledger checks, amounts in and out; see money.h.
 * Pure: no I/O, no clock, no allocation.  Every sum is bounded by
 * MONEY_MAX per amount and MONEY_MAX_LINES lines, so no product overflows. */
#include "core/money.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *label;
} methods[MONEY__COUNT] = {
    [MONEY_CASH] = {"cash", "Cash"},
    [MONEY_CARD] = {"card", "Card (terminal)"},
    [MONEY_GIFT_CARD] = {"gift_card", "Gift card"},
    [MONEY_PACKAGE] = {"package", "Package credit"},
    [MONEY_INSURANCE] = {"insurance", "Insurance / third party"},
    [MONEY_PROVIDER] = {"provider", "Card (online)"},
};

const char *money_method_name(enum money_method m)
{
    return (unsigned)m < MONEY__COUNT ? methods[m].name : "cash";
}

const char *money_method_label(enum money_method m)
{
    return (unsigned)m < MONEY__COUNT ? methods[m].label : "Cash";
}

int money_method_parse(const char *s)
{
    for (int i = 0; s && i < MONEY__COUNT; i++)
        if (strcmp(s, methods[i].name) == 0)
            return i;
    return -1;
}

int64_t money_div_even(int64_t a, int64_t b)
{
    int64_t q = a / b, r = a % b;
    if (2 * r > b || (2 * r == b && (q & 1)))
        q++;
    return q;
}

int64_t money_tax(int64_t net, int bp)
{
    return money_div_even(net * bp, MONEY_BP_MAX);
}

int money_invoice(struct money_line *lines, size_t n, const struct money_discount *d, int64_t tip,
                  struct money_totals *out, const char **why)
{
    struct money_totals t = {0};
    if (n < 1 || n > MONEY_MAX_LINES) {
        *why = "An invoice has from 1 to 16 lines.";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct money_line *l = &lines[i];
        if (l->qty < 1 || l->qty > 99) {
            *why = "A quantity is a whole number from 1 to 99.";
            return -1;
        }
        if (l->unit < 0 || l->unit > MONEY_MAX) {
            *why = "A price is from 0 to 1,000,000.00.";
            return -1;
        }
        if (l->tax_bp < 0 || l->tax_bp > MONEY_BP_MAX) {
            *why = "A tax rate is from 0 to 100 %.";
            return -1;
        }
        l->gross = l->unit * l->qty;
        t.subtotal += l->gross;
    }
    if (t.subtotal > MONEY_MAX) {
        *why = "The invoice comes to more than 1,000,000.00.";
        return -1;
    }
    if (d && d->kind == MONEY_DISCOUNT_PERCENT) {
        if (d->value < 0 || d->value > MONEY_BP_MAX) {
            *why = "A discount in percent is from 0 to 100.";
            return -1;
        }
        t.discount = money_div_even(t.subtotal * d->value, MONEY_BP_MAX);
    } else if (d && d->kind == MONEY_DISCOUNT_AMOUNT) {
        if (d->value < 0 || d->value > t.subtotal) {
            *why = "The discount cannot be more than the price of the lines.";
            return -1;
        }
        t.discount = d->value;
    }
    if (tip < 0 || tip > MONEY_MAX) {
        *why = "A tip is from 0 to 1,000,000.00.";
        return -1;
    }
    /* the discount spread by gross: floor shares, then the cents left over
     * one each to the earliest lines that still have room */
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        lines[i].discount = t.subtotal ? t.discount * lines[i].gross / t.subtotal : 0;
        given += lines[i].discount;
    }
    /* fewer cents are left than lines with a fractional share, and each of
     * those has room for one more: one pass places them all */
    for (size_t i = 0; given < t.discount && i < n; i++)
        if (lines[i].discount < lines[i].gross) {
            lines[i].discount++;
            given++;
        }
    for (size_t i = 0; i < n; i++) {
        struct money_line *l = &lines[i];
        l->net = l->gross - l->discount;
        l->tax = money_tax(l->net, l->tax_bp);
        l->amount = l->net + l->tax;
        t.tax += l->tax;
    }
    t.tip = tip;
    t.total = t.subtotal - t.discount + t.tax + t.tip;
    if (t.total > MONEY_MAX) {
        *why = "The invoice comes to more than 1,000,000.00.";
        return -1;
    }
    *out = t;
    return 0;
}

int64_t money_balance(int64_t total, int64_t credited, int64_t paid, int64_t refunded)
{
    return total - credited - (paid - refunded);
}

int money_pay_check(int64_t due, int64_t amount, const char **why)
{
    if (due <= 0) {
        *why = "Nothing is owed on this invoice.";
        return -1;
    }
    if (amount <= 0) {
        *why = "Enter an amount above zero.";
        return -1;
    }
    if (amount > due) {
        *why = "That is more than is owed; take at most the balance.";
        return -1;
    }
    return 0;
}

int money_cash(int64_t due, int64_t tendered, int64_t *take, int64_t *change, const char **why)
{
    if (due <= 0) {
        *why = "Nothing is owed on this invoice.";
        return -1;
    }
    if (tendered <= 0 || tendered > MONEY_MAX) {
        *why = "Enter the cash handed over, above zero.";
        return -1;
    }
    *take = tendered < due ? tendered : due;
    *change = tendered - *take;
    return 0;
}

int money_refund_check(int64_t paid, int64_t refunded, int64_t amount, const char **why)
{
    if (amount <= 0) {
        *why = "Enter an amount above zero.";
        return -1;
    }
    if (amount > paid - refunded) {
        *why = paid - refunded > 0 ? "A refund cannot be more than what is left of the payment."
                                   : "This payment has been refunded in full.";
        return -1;
    }
    return 0;
}

int money_package_refund(int64_t price, int credits, int64_t refunded, int taken, int left,
                         int64_t amount, int *take, int64_t *most)
{
    *take = 0;
    *most = 0;
    if (price <= 0 || credits <= 0 || amount <= 0 || refunded < 0 || taken < 0 || left < 0 ||
        refunded > MONEY_MAX || amount > MONEY_MAX)
        return -1;
    /* at most 100 credits and MONEY_MAX cents: no product overflows */
    int64_t paid_back = refunded + amount;
    int64_t all = (paid_back * credits + price - 1) / price;
    if (all > credits)
        all = credits;
    int64_t n = all - taken;
    if (n < 0)
        n = 0;
    int64_t cover = (int64_t)(taken + left) * price / credits - refunded;
    *most = cover > 0 ? cover : 0;
    if (n > left)
        return -1;
    *take = (int)n;
    return 0;
}

int money_credit_check(int64_t total, int64_t credited, int64_t amount, const char **why)
{
    if (amount <= 0) {
        *why = "Enter an amount above zero.";
        return -1;
    }
    if (amount > total - credited) {
        *why = "A credit note cannot be more than what is left of the invoice.";
        return -1;
    }
    return 0;
}

int money_parse(const char *s, int64_t max, int64_t *cents)
{
    int64_t v = 0;
    int digits = 0, group = -1, frac = -1;
    if (!s)
        return -1;
    if (*s == '$')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (frac >= 0) {
                if (frac == 2)
                    return -1;
                frac++;
            } else {
                digits++;
                if (group >= 0)
                    group++;
                if (digits > 9) /* 999,999,999 dollars: far past MONEY_MAX */
                    return -1;
            }
            v = v * 10 + (*s - '0');
        } else if (*s == ',' && frac < 0 && digits > 0 && (group < 0 ? digits <= 3 : group == 3)) {
            group = 0;
        } else if (*s == '.' && frac < 0 && digits > 0 && (group < 0 || group == 3)) {
            frac = 0;
        } else {
            return -1;
        }
    }
    if (digits == 0 || frac == 0 || (group >= 0 && group != 3))
        return -1;
    for (int f = frac < 0 ? 0 : frac; f < 2; f++)
        v *= 10;
    if (v > max)
        return -1;
    *cents = v;
    return 0;
}

int money_parse_percent(const char *s, int *bp)
{
    int64_t v;
    if (!s || *s == '$' || money_parse(s, MONEY_BP_MAX, &v) < 0 || strchr(s, ','))
        return -1;
    *bp = (int)v;
    return 0;
}

static const struct currency {
    const char *code, *prefix;
} currencies[] = {
    {"USD", "$"},   {"CAD", "CA$"},  {"EUR", "€"},    {"GBP", "£"},    {"AUD", "A$"},
    {"NZD", "NZ$"}, {"CHF", "CHF "}, {"SEK", "SEK "}, {"NOK", "NOK "}, {"DKK", "DKK "},
    {"MXN", "MX$"}, {"SGD", "S$"},   {"HKD", "HK$"},  {"ZAR", "R "},
};

static const struct currency *currency(const char *code)
{
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++)
        if (code && strcmp(code, currencies[i].code) == 0)
            return &currencies[i];
    return NULL;
}

int money_currency_ok(const char *code)
{
    return currency(code) != NULL;
}

char *money_format(int64_t cents, const char *code, char *out, size_t size)
{
    char num[32], grouped[48];
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    int len = snprintf(num, sizeof num, "%llu", (unsigned long long)(a / 100));
    size_t j = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = num[i];
    }
    grouped[j] = '\0';
    const struct currency *c = currency(code);
    if (c)
        snprintf(out, size, "%s%s%s.%02u", cents < 0 ? "-" : "", c->prefix, grouped,
                 (unsigned)(a % 100));
    else
        snprintf(out, size, "%s%s.%02u %s", cents < 0 ? "-" : "", grouped, (unsigned)(a % 100),
                 code ? code : "");
    return out;
}

char *money_format_percent(int bp, char *out, size_t size)
{
    if (bp % 100 == 0)
        snprintf(out, size, "%d", bp / 100);
    else if (bp % 10 == 0)
        snprintf(out, size, "%d.%d", bp / 100, (bp % 100) / 10);
    else
        snprintf(out, size, "%d.%02d", bp / 100, bp % 100);
    return out;
}

int money_units(int duration_min, int unit_min)
{
    if (unit_min <= 0)
        return 1;
    int u = (duration_min + (unit_min - 1) / 2) / unit_min;
    return u < 1 ? 1 : u;
}

int money_npi_ok(const char *s)
{
    /* Luhn over "80840" + the nine digits: the constant prefix adds 24 */
    int sum = 24;
    if (!s || strlen(s) != 10 || strspn(s, "0123456789") != 10)
        return 0;
    for (int i = 8, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int d = s[i] - '0';
        if (dbl && (d *= 2) > 9)
            d -= 9;
        sum += d;
    }
    return (10 - sum % 10) % 10 == s[9] - '0';
}
