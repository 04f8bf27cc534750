/*
 * encryption_cipher.c — the providers' ciphers, laid out as
 * kube-apiserver stores them: secretbox (libsodium), AES-GCM and AES-CBC
 * (OpenSSL's EVP). Each stored value is the key's prefix, then a fresh
 * random nonce or IV, then the ciphertext.
 */
#include "apiserver/encryption_i.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

#define GCM_NONCE 12
#define GCM_TAG 16
#define CBC_BLOCK 16

/* Kubernetes' reasons for a stored value that does not decrypt. */
#define SHORT_DATA "the stored data was shorter than the required size"
#define BOX_FAILED "output array was not large enough for encryption"
#define GCM_FAILED "cipher: message authentication failed"
#define CBC_BLOCKS "the stored data is not a multiple of the block size"
#define CBC_PADDING "invalid PKCS7 data (empty or not padded)"

const char *enc_type_name(enum enc_type t)
{
	switch (t) {
	case ENC_SECRETBOX:
		return "secretbox";
	case ENC_AESGCM:
		return "aesgcm";
	case ENC_AESCBC:
		return "aescbc";
	default:
		return "identity";
	}
}

const char *enc_key_sizes(enum enc_type t)
{
	return t == ENC_SECRETBOX ? "[32]" : "[16 24 32]";
}

bool enc_key_size_ok(enum enc_type t, size_t len)
{
	if (t == ENC_SECRETBOX)
		return len == crypto_secretbox_KEYBYTES;
	return len == 16 || len == 24 || len == 32;
}

static const EVP_CIPHER *aes_cipher(enum enc_type t, size_t key_len)
{
	if (t == ENC_AESGCM)
		return key_len == 16   ? EVP_aes_128_gcm()
		       : key_len == 24 ? EVP_aes_192_gcm()
				       : EVP_aes_256_gcm();
	return key_len == 16   ? EVP_aes_128_cbc()
	       : key_len == 24 ? EVP_aes_192_cbc()
			       : EVP_aes_256_cbc();
}

/* AES-GCM or AES-CBC of data into out (room for len + a block + a tag);
 * *ret_len: ciphertext bytes (the tag appended for GCM). */
static int aes_seal(enum enc_type t, const struct enc_key *k, const char *aad,
		    const unsigned char *iv, const char *data, size_t len,
		    unsigned char *out, size_t *ret_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(c, aes_cipher(t, k->len), NULL, k->secret,
				iv) == 1;
	if (ok && t == ENC_AESGCM && aad)
		ok = EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)aad,
				       (int)strlen(aad)) == 1;
	ok = ok && EVP_EncryptUpdate(c, out, &n, (const unsigned char *)data,
				     (int)len) == 1;
	ok = ok && EVP_EncryptFinal_ex(c, out + n, &m) == 1;
	if (ok && t == ENC_AESGCM)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG,
					 out + n + m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -EIO;
	*ret_len = (size_t)(n + m) + (t == ENC_AESGCM ? GCM_TAG : 0);
	return 0;
}

int enc_seal(enum enc_type t, const struct enc_key *k, const char *aad,
	     const char *data, size_t len, char **ret, size_t *ret_len)
{
	size_t nonce = t == ENC_SECRETBOX ? crypto_secretbox_NONCEBYTES
		       : t == ENC_AESGCM  ? GCM_NONCE
					  : CBC_BLOCK;
	size_t room = k->prefix_len + nonce + len + crypto_secretbox_MACBYTES +
		      CBC_BLOCK + GCM_TAG;
	_cleanup_free_ char *buf = NULL;
	unsigned char *iv, *out;
	size_t clen = 0;
	int r;

	if (t == ENC_IDENTITY || len > (size_t)1 << 30)
		return -EINVAL;
	buf = malloc(room);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, k->prefix, k->prefix_len);
	iv = (unsigned char *)buf + k->prefix_len;
	out = iv + nonce;
	randombytes_buf(iv, nonce);
	if (t == ENC_SECRETBOX) {
		if (crypto_secretbox_easy(out, (const unsigned char *)data, len,
					  iv, k->secret) != 0)
			return -EIO;
		clen = len + crypto_secretbox_MACBYTES;
	} else {
		r = aes_seal(t, k, aad, iv, data, len, out, &clen);
		if (r < 0)
			return r;
	}
	*ret_len = k->prefix_len + nonce + clen;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int gcm_open(const struct enc_key *k, const char *aad,
		    const unsigned char *in, size_t inlen, unsigned char *out,
		    size_t *ret_len, const char **ret_reason)
{
	const unsigned char *ct = in + GCM_NONCE;
	size_t clen = inlen - GCM_NONCE - GCM_TAG;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex(c, aes_cipher(ENC_AESGCM, k->len), NULL,
				k->secret, in) == 1;
	if (ok && aad)
		ok = EVP_DecryptUpdate(c, NULL, &n, (const unsigned char *)aad,
				       (int)strlen(aad)) == 1;
	ok = ok && EVP_DecryptUpdate(c, out, &n, ct, (int)clen) == 1;
	ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG,
				       (void *)(ct + clen)) == 1;
	ok = ok && EVP_DecryptFinal_ex(c, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		*ret_reason = GCM_FAILED;
		return -EBADMSG;
	}
	*ret_len = (size_t)(n + m);
	return 0;
}

static int cbc_open(const struct enc_key *k, const unsigned char *in,
		    size_t inlen, unsigned char *out, size_t *ret_len,
		    const char **ret_reason)
{
	size_t clen = inlen - CBC_BLOCK, pad;
	EVP_CIPHER_CTX *c;
	int n = 0, m = 0, ok;

	if (clen == 0 || clen % CBC_BLOCK) {
		*ret_reason = CBC_BLOCKS;
		return -EBADMSG;
	}
	c = EVP_CIPHER_CTX_new();
	if (!c)
		return -ENOMEM;
	/* the padding is checked here, to give Kubernetes' reason */
	ok = EVP_DecryptInit_ex(c, aes_cipher(ENC_AESCBC, k->len), NULL,
				k->secret, in) == 1 &&
	     EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	     EVP_DecryptUpdate(c, out, &n, in + CBC_BLOCK, (int)clen) == 1 &&
	     EVP_DecryptFinal_ex(c, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -EIO;
	n += m;
	pad = n > 0 ? out[n - 1] : 0;
	if (pad == 0 || pad > CBC_BLOCK || pad > (size_t)n) {
		*ret_reason = CBC_PADDING;
		return -EBADMSG;
	}
	for (size_t i = 1; i <= pad; i++) {
		if (out[n - i] != pad) {
			*ret_reason = CBC_PADDING;
			return -EBADMSG;
		}
	}
	*ret_len = (size_t)n - pad;
	return 0;
}

int enc_open(enum enc_type t, const struct enc_key *k, const char *aad,
	     const unsigned char *in, size_t inlen, char **ret, size_t *ret_len,
	     const char **ret_reason)
{
	size_t min = t == ENC_SECRETBOX ? crypto_secretbox_NONCEBYTES +
					      crypto_secretbox_MACBYTES
		     : t == ENC_AESGCM ? GCM_NONCE + GCM_TAG
				       : CBC_BLOCK;
	_cleanup_free_ unsigned char *out = NULL;
	size_t len = 0;
	int r = 0;

	if (inlen < min) {
		*ret_reason = SHORT_DATA;
		return -EBADMSG;
	}
	out = malloc(inlen + 1);
	if (!out)
		return -ENOMEM;
	switch (t) {
	case ENC_SECRETBOX:
		len = inlen - min;
		if (crypto_secretbox_open_easy(
			out, in + crypto_secretbox_NONCEBYTES,
			inlen - crypto_secretbox_NONCEBYTES, in,
			k->secret) != 0) {
			*ret_reason = BOX_FAILED;
			r = -EBADMSG;
		}
		break;
	case ENC_AESGCM:
		r = gcm_open(k, aad, in, inlen, out, &len, ret_reason);
		break;
	case ENC_AESCBC:
		r = cbc_open(k, in, inlen, out, &len, ret_reason);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	out[len] = '\0'; /* for convenience, as store_get()'s values */
	*ret = (char *)TAKE_PTR(out);
	*ret_len = len;
	return 0;
}
