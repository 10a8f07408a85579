/* token — the one kind of secret link Knead hands out: 16 random bytes as 22
 * URL-safe base64 characters (128 bits), stored only as a hash. Manage links,
 * calendar feeds, portal sign-in links and sessions, waitlist links, staff
 * sessions and the CSRF cookie all use it. A token can also be sealed under a
 * key only its original requester can derive, so a stored copy opens nothing
 * by itself. */
#ifndef KNEAD_SVC_TOKEN_H
#define KNEAD_SVC_TOKEN_H

#include <stddef.h>

#include "store/store.h"

#define TOKEN_LEN 23 /* 22 characters and the NUL */

/* A new token in out, and its hash in hash unless hash is NULL. Can't fail. */
void token_new(char out[TOKEN_LEN], unsigned char hash[STORE_TOKEN_HASH]);
/* n characters drawn uniformly from alphabet (at most 256 of them) by the
 * same CSPRNG, and the NUL (out holds n + 1): a code a person types, such
 * as a gift card's.  Can't fail. */
void token_chars(char *out, size_t n, const char *alphabet);
/* A gift card's code: 16 characters drawn by token_chars from an alphabet
 * without look-alikes (A-Z without I and O, 2-9: 32 of them, 80 bits),
 * shown as 4-4-4-4 with dashes. */
#define TOKEN_CODE_CHARS 16
#define TOKEN_CODE_LEN 20 /* "ABCD-EFGH-JKLM-NPQR" and the NUL */
/* A new code, grouped.  Can't fail. */
void token_code_new(char out[TOKEN_CODE_LEN]);
/* code (as token_code_new writes it) masked but for its last four, as
 * "****-****-****-NPQR": what a stored message shows of it.  Can't fail. */
void token_code_mask(const char *code, char out[TOKEN_CODE_LEN]);
/* The hash a typed code is stored and looked up under (token_hash of its
 * 16 characters): case, spaces and dashes do not count.  Returns 0, or -1
 * when what was typed cannot be a code (then no query is worth making). */
int token_code_hash(const char *typed, unsigned char hash[STORE_TOKEN_HASH]);
/* 1 when t has the shape of a token (TOKEN_LEN - 1 URL-safe base64
 * characters), else 0 (also for NULL). Checked before any lookup, so a
 * malformed one costs no query. */
int token_valid(const char *t);
/* The hash of token t under which it is stored and looked up. Can't fail. */
void token_hash(const char *t, unsigned char hash[STORE_TOKEN_HASH]);

/* Sealing (XSalsa20-Poly1305, random nonce). */
#define TOKEN_SEAL_KEY 32
#define TOKEN_SEALED_LEN (24 + 16 + TOKEN_LEN - 1)
/* The key for sealing: BLAKE2b of domain, then each of the n parts (with
 * their lengths, so parts cannot run into each other). Can't fail. */
void token_seal_key(unsigned char key[TOKEN_SEAL_KEY], const char *domain, size_t n,
                    const void *const *parts, const size_t *lens);
/* Seals token (TOKEN_LEN - 1 characters). Can't fail. */
void token_seal(const char *token, const unsigned char key[TOKEN_SEAL_KEY],
                unsigned char out[TOKEN_SEALED_LEN]);
/* Opens a sealed token into token; 0, or -1 (token = "") when the key or the
 * length is wrong or what opens is not a token. */
int token_unseal(const unsigned char *sealed, size_t n, const unsigned char key[TOKEN_SEAL_KEY],
                 char token[TOKEN_LEN]);
/* The same for n bytes of any secret (a webhook's): out holds n +
 * TOKEN_SEAL_OVERHEAD bytes.  Can't fail. */
#define TOKEN_SEAL_OVERHEAD (24 + 16)
void token_seal_bytes(const void *in, size_t n, const unsigned char key[TOKEN_SEAL_KEY],
                      unsigned char *out);
/* Opens sealed (n bytes) into out, which must be exactly n -
 * TOKEN_SEAL_OVERHEAD = outlen bytes long; 0, or -1 (out zeroed) when the
 * key or the length is wrong. */
int token_unseal_bytes(const unsigned char *sealed, size_t n,
                       const unsigned char key[TOKEN_SEAL_KEY], unsigned char *out,
                       size_t outlen);

#endif
