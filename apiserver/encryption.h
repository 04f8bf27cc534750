/*
 * encryption.h — encryption at rest, as kube-apiserver's
 * --encryption-provider-config.
 *
 * The configuration is an apiserver.config.k8s.io/v1
 * EncryptionConfiguration (YAML or JSON):
 *
 *   resources:
 *   - resources: [secrets]            # RESOURCE[.GROUP], *.GROUP, *.*
 *     providers:
 *     - secretbox:                    # or aesgcm, aescbc
 *         keys:
 *         - name: key1
 *           secret: <base64 of 32 random bytes>
 *     - identity: {}
 *
 * For each stored object the entry naming its resource exactly, else
 * the first naming its group (`*.apps`, `*.` for the core group), else
 * the first `*.*` holds the providers. The first provider (its first
 * key) encrypts every write; all of them decrypt, each reading the
 * values that carry its prefix, so adding a key is: put it first,
 * restart, rewrite every object of the resource. A value stored under
 * another key or provider is stale (store_stale()), so rewriting an
 * object unchanged stores it again, re-encrypted, as Kubernetes does. Stored values are
 * Kubernetes':
 *
 *   secretbox  "k8s:enc:secretbox:v1:NAME:" nonce(24) box(16 + n)
 *              (XSalsa20-Poly1305, libsodium)
 *   aesgcm     "k8s:enc:aesgcm:v1:NAME:" nonce(12) ciphertext tag(16),
 *              the store key as additional data (OpenSSL)
 *   aescbc     "k8s:enc:aescbc:v1:NAME:" iv(16) ciphertext, PKCS#7
 *   identity   the value itself; it reads values without a
 *              "k8s:enc:" prefix (so plaintext stored before encryption
 *              was configured stays readable while identity is listed)
 *
 * Keys are 32 bytes for secretbox, 16, 24 or 32 for the AES providers.
 * The store never sees plaintext of a covered resource, nor its event
 * log; everything above the store sees only plaintext
 * (encryption_transformer()).
 *
 * A value no provider can read fails the read with -EBADMSG; the
 * sentence (Kubernetes': 'Internal error occurred: unable to transform
 * key "core/secrets/default/s": no matching prefix found') is kept per
 * thread and read back with encryption_last_error().
 *
 * Thread safety: after encryption_new(), every function may be called
 * from any thread.
 */
#ifndef KUBEFS_APISERVER_ENCRYPTION_H
#define KUBEFS_APISERVER_ENCRYPTION_H

#include <stddef.h>

#include "api/error.h"
#include "store/store.h"

/* Stored values of encrypted objects start with this. */
#define ENCRYPTION_PREFIX "k8s:enc:"

struct encryption;

/*
 * Parse a configuration (the file's bytes). *ret is owned by the caller
 * (encryption_free()). -EINVAL with Kubernetes' validation sentence in
 * err (e.g. 'resources[0].providers[0].secretbox.keys[0].secret:
 * Invalid value: "REDACTED": secret is not of the expected length, got
 * 8, expected one of [32]'); -ENOMEM.
 */
int encryption_new(const char *text, size_t len, struct kf_error *err,
		   struct encryption **ret);

/* Read and parse the file at path; -errno when it cannot be read (the
 * message names the file). */
int encryption_load(const char *path, struct kf_error *err,
		    struct encryption **ret);

/* NULL ok. */
void encryption_free(struct encryption *enc);

/* The store hook (store_config.transformer), borrowed from enc: valid
 * until encryption_free(). */
const struct store_transformer *encryption_transformer(struct encryption *enc);

/* The sentence of this thread's last -EBADMSG from the transformer ("" if
 * none). Borrowed: valid until this thread's next transform. */
const char *encryption_last_error(void);

/*
 * Read every value of st, a store opened with encryption_transformer(enc)
 * as its transformer: 0 when all decrypt, else
 * -EBADMSG with the first failing key's sentence in err (a wrong or
 * missing key, found at start rather than at a read), or a store error.
 */
int encryption_check_store(struct encryption *enc, struct store *st,
			   struct kf_error *err);

#endif
