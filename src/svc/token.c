/* token — generation, hashing, shape check and sealing of Knead's secret
 * links. It must be the only place that turns random bytes into a token:
 * every caller gets the same length, alphabet and hash. */
#include "svc/token.h"

#include <ctype.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

_Static_assert(TOKEN_SEAL_KEY == crypto_secretbox_KEYBYTES, "seal key size");
_Static_assert(TOKEN_SEALED_LEN ==
                   crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOKEN_LEN - 1,
               "sealed size");

void token_new(char out[TOKEN_LEN], unsigned char hash[STORE_TOKEN_HASH])
{
    unsigned char bin[16];
    randombytes_buf(bin, sizeof bin);
    sodium_bin2base64(out, TOKEN_LEN, bin, sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (hash)
        token_hash(out, hash);
}

void token_chars(char *out, size_t n, const char *alphabet)
{
    uint32_t size = (uint32_t)strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[randombytes_uniform(size)]; /* uniform: no modulo bias */
    out[n] = '\0';
}

/* 32 characters: A-Z without I and O, 2-9 (no 0 or 1): 5 bits each, 80 bits
 * in a code, nothing a person reads as something else. */
static const char CODE_ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void token_code_new(char out[TOKEN_CODE_LEN])
{
    char raw[TOKEN_CODE_CHARS + 1];
    size_t o = 0;
    token_chars(raw, TOKEN_CODE_CHARS, CODE_ALPHABET);
    for (size_t i = 0; i < TOKEN_CODE_CHARS; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        out[o++] = raw[i];
    }
    out[o] = '\0';
}

void token_code_mask(const char *code, char out[TOKEN_CODE_LEN])
{
    size_t n = strnlen(code, TOKEN_CODE_LEN - 1);
    for (size_t i = 0; i < TOKEN_CODE_LEN - 1; i++)
        out[i] = i >= TOKEN_CODE_LEN - 5 && i < n ? code[i] : (i % 5 == 4 ? '-' : '*');
    out[TOKEN_CODE_LEN - 1] = '\0';
}

int token_code_hash(const char *typed, unsigned char hash[STORE_TOKEN_HASH])
{
    char raw[TOKEN_CODE_CHARS + 1];
    size_t n = 0;
    if (!typed)
        return -1;
    for (const char *p = typed; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        char c = (char)toupper((unsigned char)*p);
        if (n == TOKEN_CODE_CHARS || !strchr(CODE_ALPHABET, c) || c == '\0')
            return -1;
        raw[n++] = c;
    }
    if (n != TOKEN_CODE_CHARS)
        return -1;
    raw[n] = '\0';
    token_hash(raw, hash);
    return 0;
}

int token_valid(const char *t)
{
    static const char url_safe[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = t ? strlen(t) : 0;
    return n == TOKEN_LEN - 1 && strspn(t, url_safe) == n;
}

void token_hash(const char *t, unsigned char hash[STORE_TOKEN_HASH])
{
    crypto_generichash(hash, STORE_TOKEN_HASH, (const unsigned char *)t, strlen(t), NULL, 0);
}

void token_seal_key(unsigned char key[TOKEN_SEAL_KEY], const char *domain, size_t n,
                    const void *const *parts, const size_t *lens)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, TOKEN_SEAL_KEY);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char len[8];
        for (int k = 0; k < 8; k++)
            len[k] = (unsigned char)((uint64_t)lens[i] >> (8 * k));
        crypto_generichash_update(&st, len, sizeof len);
        crypto_generichash_update(&st, parts[i], lens[i]);
    }
    crypto_generichash_final(&st, key, TOKEN_SEAL_KEY);
}

_Static_assert(TOKEN_SEAL_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES,
               "seal overhead");

void token_seal_bytes(const void *in, size_t n, const unsigned char key[TOKEN_SEAL_KEY],
                      unsigned char *out)
{
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, in, n, out, key);
}

int token_unseal_bytes(const unsigned char *sealed, size_t n,
                       const unsigned char key[TOKEN_SEAL_KEY], unsigned char *out, size_t outlen)
{
    if (!sealed || n != outlen + TOKEN_SEAL_OVERHEAD ||
        crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, key) != 0) {
        sodium_memzero(out, outlen);
        return -1;
    }
    return 0;
}

void token_seal(const char *token, const unsigned char key[TOKEN_SEAL_KEY],
                unsigned char out[TOKEN_SEALED_LEN])
{
    token_seal_bytes(token, TOKEN_LEN - 1, key, out);
}

int token_unseal(const unsigned char *sealed, size_t n, const unsigned char key[TOKEN_SEAL_KEY],
                 char token[TOKEN_LEN])
{
    token[0] = '\0';
    if (!sealed || n != TOKEN_SEALED_LEN ||
        crypto_secretbox_open_easy((unsigned char *)token, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, key) != 0) {
        token[0] = '\0';
        return -1;
    }
    token[TOKEN_LEN - 1] = '\0';
    if (!token_valid(token)) {
        token[0] = '\0';
        return -1;
    }
    return 0;
}
