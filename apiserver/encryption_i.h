/*
 * encryption_i.h — private to apiserver/encryption*.c: the parsed
 * configuration and the ciphers (encryption_cipher.c).
 */
#ifndef KUBEFS_APISERVER_ENCRYPTION_I_H
#define KUBEFS_APISERVER_ENCRYPTION_I_H

#include <stdbool.h>
#include <stddef.h>

#include "apiserver/encryption.h"

#define ENC_KEY_MAX 32 /* bytes of a secret */

enum enc_type {
	ENC_IDENTITY,
	ENC_SECRETBOX,
	ENC_AESGCM,
	ENC_AESCBC,
};

struct enc_key {
	char *prefix; /* "k8s:enc:secretbox:v1:NAME:" (owned) */
	size_t prefix_len;
	unsigned char secret[ENC_KEY_MAX];
	size_t len;
};

struct enc_provider {
	enum enc_type type;
	struct enc_key *keys; /* none for identity */
	size_t nkeys;
};

/* One resources[] entry. */
struct enc_rule {
	char **groups; /* per listed resource: its group ("" core, "*") */
	char **names;  /* per listed resource: its name or "*" */
	size_t nres;
	struct enc_provider *providers;
	size_t nprov;
};

struct encryption {
	struct enc_rule *rules;
	size_t nrules;
	struct store_transformer xf;
};

/* The provider's name in the configuration and in stored prefixes. */
const char *enc_type_name(enum enc_type t);

/* Valid secret lengths of a provider, as Kubernetes prints them
 * ("[32]", "[16 24 32]"), and whether len is one. */
const char *enc_key_sizes(enum enc_type t);
bool enc_key_size_ok(enum enc_type t, size_t len);

/*
 * Encrypt data with key k of a provider (not identity): *ret is the
 * whole stored value, k->prefix included (malloc'd, owned by the
 * caller). aad: the store key (aesgcm authenticates it). -ENOMEM, -EIO.
 */
int enc_seal(enum enc_type t, const struct enc_key *k, const char *aad,
	     const char *data, size_t len, char **ret, size_t *ret_len);

/*
 * Decrypt in (the stored value after k->prefix): *ret malloc'd, owned by
 * the caller, NUL-terminated after *ret_len bytes. On failure -EBADMSG and
 * *ret_reason is the cause as Kubernetes words it (static text).
 */
int enc_open(enum enc_type t, const struct enc_key *k, const char *aad,
	     const unsigned char *in, size_t inlen, char **ret, size_t *ret_len,
	     const char **ret_reason);

#endif
