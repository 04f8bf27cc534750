/* Unit tests of apiserver/encryption.c: the EncryptionConfiguration's
 * validation sentences, each provider's stored layout and round trip,
 * rotation, wrong keys, and the store hook (objects, lists, the event
 * log and what is on disk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apiserver/encryption.h"
#include "shell/up_config.h"
#include "store/store.h"

#define KEY32A "c2VjcmV0IGlzIHNlY3VyZSwgaSB0aGluayBzbyEhISE="
#define KEY32B "dGhpcyBpcyBhIHNlY29uZCBrZXkgb2YgMzIgYnl0ZXM="
#define KEY16 "MTIzNDU2Nzg5MDEyMzQ1Ng=="
#define SKEY "core/secrets/default/s1"
#define PLAIN "{\"data\":{\"password\":\"aHVudGVyMg==\"},\"kind\":\"Secret\"}"

static char *config(const char *providers)
{
	char *s;

	assert_true(asprintf(&s,
			     "apiVersion: apiserver.config.k8s.io/v1\n"
			     "kind: EncryptionConfiguration\n"
			     "resources:\n"
			     "- resources: [secrets, configmaps]\n"
			     "  providers:\n%s",
			     providers) > 0);
	return s;
}

static struct encryption *make(const char *providers)
{
	struct encryption *enc = NULL;
	struct kf_error err;
	char *text = config(providers);

	kf_error_init(&err);
	if (encryption_new(text, strlen(text), &err, &enc) < 0)
		fail_msg("%s", err.msg);
	free(text);
	return enc;
}

static void expect_invalid(const char *providers, const char *msg)
{
	struct encryption *enc = NULL;
	struct kf_error err;
	char *text = config(providers);

	kf_error_init(&err);
	assert_int_equal(encryption_new(text, strlen(text), &err, &enc),
			 -EINVAL);
	assert_null(enc);
	assert_string_equal(err.msg, msg);
	free(text);
}

static const char secretbox_a[] = "  - secretbox:\n"
				  "      keys:\n"
				  "      - name: key1\n"
				  "        secret: " KEY32A "\n";

static void seal(struct encryption *enc, const char *key, const char *plain,
		 char **ret, size_t *ret_len)
{
	const struct store_transformer *xf = encryption_transformer(enc);

	*ret = NULL;
	assert_int_equal(
	    xf->to_storage(xf->ud, key, plain, strlen(plain), ret, ret_len), 0);
}

static int unseal(struct encryption *enc, const char *key, const char *data,
		  size_t len, char **ret, size_t *ret_len)
{
	const struct store_transformer *xf = encryption_transformer(enc);

	*ret = NULL;
	return xf->from_storage(xf->ud, key, data, len, ret, ret_len);
}

static void round_trip(const char *providers, const char *prefix)
{
	struct encryption *enc = make(providers);
	char *sealed, *plain;
	size_t len, plen;

	seal(enc, SKEY, PLAIN, &sealed, &len);
	assert_non_null(sealed);
	assert_true(len > strlen(prefix) + strlen(PLAIN));
	assert_memory_equal(sealed, prefix, strlen(prefix));
	assert_null(memmem(sealed, len, "aHVudGVy", 8));
	assert_int_equal(unseal(enc, SKEY, sealed, len, &plain, &plen), 0);
	assert_int_equal(plen, strlen(PLAIN));
	assert_memory_equal(plain, PLAIN, plen);
	free(plain);
	/* tampering is caught (not for aescbc, which has no MAC: a
	 * flipped last byte breaks its padding instead) */
	sealed[len - 1] ^= 1;
	assert_int_equal(unseal(enc, SKEY, sealed, len, &plain, &plen),
			 -EBADMSG);
	free(sealed);
	encryption_free(enc);
}

static void test_providers(void **state)
{
	(void)state;
	round_trip(secretbox_a, "k8s:enc:secretbox:v1:key1:");
	round_trip("  - aesgcm:\n"
		   "      keys:\n"
		   "      - {name: g, secret: " KEY16 "}\n",
		   "k8s:enc:aesgcm:v1:g:");
	round_trip("  - aescbc:\n"
		   "      keys:\n"
		   "      - {name: c, secret: " KEY32A "}\n",
		   "k8s:enc:aescbc:v1:c:");
}

static void test_uncovered_and_identity(void **state)
{
	struct encryption *enc = make(secretbox_a);
	char *out, *sealed;
	size_t len, slen;

	(void)state;
	/* pods are not listed: stored as they are */
	seal(enc, "core/pods/default/p", PLAIN, &out, &len);
	assert_null(out);
	seal(enc, "!alloc/serviceips/10.96.0.1", "x", &out, &len);
	assert_null(out);
	/* a plaintext secret (stored before encryption) without identity
	 * in the list cannot be read */
	assert_int_equal(unseal(enc, SKEY, PLAIN, strlen(PLAIN), &out, &len),
			 -EBADMSG);
	assert_string_equal(encryption_last_error(),
			    "Internal error occurred: unable to transform key "
			    "\"" SKEY "\": no matching prefix found");
	seal(enc, SKEY, PLAIN, &sealed, &slen);
	encryption_free(enc);

	/* identity first: writes plaintext, still reads the encrypted */
	enc = make("  - identity: {}\n  - secretbox:\n      keys:\n"
		   "      - {name: key1, secret: " KEY32A "}\n");
	seal(enc, SKEY, PLAIN, &out, &len);
	assert_null(out);
	assert_int_equal(unseal(enc, SKEY, PLAIN, strlen(PLAIN), &out, &len),
			 0);
	assert_null(out);
	assert_int_equal(unseal(enc, SKEY, sealed, slen, &out, &len), 0);
	assert_non_null(out);
	free(out);
	encryption_free(enc);

	/* identity alone meets encrypted data: Kubernetes' sentence */
	enc = make("  - identity: {}\n");
	assert_int_equal(unseal(enc, SKEY, sealed, slen, &out, &len), -EBADMSG);
	assert_string_equal(encryption_last_error(),
			    "Internal error occurred: unable to transform key "
			    "\"" SKEY "\": identity transformer tried to read "
			    "encrypted data");
	free(sealed);
	encryption_free(enc);
}

static void test_rotation_and_wrong_key(void **state)
{
	struct encryption *old = make(secretbox_a), *rot, *wrong;
	char *sealed, *resealed, *out;
	size_t len, rlen, olen;

	(void)state;
	seal(old, SKEY, PLAIN, &sealed, &len);
	/* the new key first, the old one still listed */
	rot = make("  - secretbox:\n      keys:\n"
		   "      - {name: key2, secret: " KEY32B "}\n"
		   "      - {name: key1, secret: " KEY32A "}\n");
	assert_int_equal(unseal(rot, SKEY, sealed, len, &out, &olen), 0);
	assert_true(encryption_transformer(rot)->stale(rot, SKEY, sealed, len));
	assert_false(
	    encryption_transformer(old)->stale(old, SKEY, sealed, len));
	seal(rot, SKEY, out, &resealed, &rlen);
	assert_false(
	    encryption_transformer(rot)->stale(rot, SKEY, resealed, rlen));
	free(out);
	assert_memory_equal(resealed, "k8s:enc:secretbox:v1:key2:", 26);
	/* the old configuration cannot read the rewritten value */
	assert_int_equal(unseal(old, SKEY, resealed, rlen, &out, &olen),
			 -EBADMSG);
	assert_string_equal(encryption_last_error(),
			    "Internal error occurred: unable to transform key "
			    "\"" SKEY "\": no matching prefix found");
	/* same key name, other secret */
	wrong = make("  - secretbox:\n      keys:\n"
		     "      - {name: key1, secret: " KEY32B "}\n");
	assert_int_equal(unseal(wrong, SKEY, sealed, len, &out, &olen),
			 -EBADMSG);
	assert_string_equal(encryption_last_error(),
			    "Internal error occurred: unable to transform key "
			    "\"" SKEY "\": output array was not large enough "
			    "for encryption");
	/* aesgcm authenticates the key: a value moved to another name is
	 * refused */
	free(sealed);
	free(resealed);
	encryption_free(old);
	encryption_free(rot);
	encryption_free(wrong);
	old = make("  - aesgcm:\n      keys:\n"
		   "      - {name: g, secret: " KEY32A "}\n");
	seal(old, SKEY, PLAIN, &sealed, &len);
	assert_int_equal(
	    unseal(old, "core/secrets/default/s2", sealed, len, &out, &olen),
	    -EBADMSG);
	assert_non_null(strstr(encryption_last_error(),
			       "cipher: message authentication failed"));
	free(sealed);
	encryption_free(old);
}

static void test_validation(void **state)
{
	struct encryption *enc = NULL;
	struct kf_error err;

	(void)state;
	expect_invalid("  - secretbox:\n      keys:\n"
		       "      - {name: k, secret: " KEY16 "}\n",
		       "resources[0].providers[0].secretbox.keys[0].secret: "
		       "Invalid value: \"REDACTED\": secret is not of the "
		       "expected length, got 16, expected one of [32]");
	expect_invalid("  - aescbc:\n      keys:\n"
		       "      - {name: k, secret: c2hvcnQ=}\n",
		       "resources[0].providers[0].aescbc.keys[0].secret: "
		       "Invalid value: \"REDACTED\": secret is not of the "
		       "expected length, got 5, expected one of [16 24 32]");
	expect_invalid("  - aesgcm:\n      keys:\n"
		       "      - {name: k, secret: \"not base64!\"}\n",
		       "resources[0].providers[0].aesgcm.keys[0].secret: "
		       "Invalid value: \"REDACTED\": secrets must be base64 "
		       "encoded");
	expect_invalid("  - aesgcm:\n      keys:\n"
		       "      - {secret: " KEY16 "}\n",
		       "resources[0].providers[0].aesgcm.keys[0].name: "
		       "Required value: name is a mandatory field for a key");
	expect_invalid("  - aesgcm:\n      keys: []\n",
		       "resources[0].providers[0].aesgcm.keys: Required "
		       "value: at least one resources[0].providers[0].aesgcm."
		       "keys is required");
	expect_invalid("  - identity: {}\n    aesgcm: {}\n",
		       "resources[0].providers[0]: Invalid value: more than "
		       "one provider specified in a single element, should "
		       "split into different list elements");
	expect_invalid("  - rot13: {}\n",
		       "resources[0].providers[0]: unknown field \"rot13\"");
	kf_error_init(&err);
	assert_int_equal(
	    encryption_new("kind: Pod\napiVersion: v1\n", 25, &err, &enc),
	    -EINVAL);
	assert_string_equal(err.msg, "no kind \"Pod\" is registered for "
				     "version \"v1\"");
	assert_int_equal(encryption_load("/nonexistent/enc.yaml", &err, &enc),
			 -ENOENT);
	assert_null(enc);
}

/* The store directory holds LMDB's two files. */
static void remove_store(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

struct seen {
	int n;
	bool plain;
};

static int list_fn(void *ud, const char *key, size_t key_len, const char *data,
		   size_t len, uint64_t rv)
{
	struct seen *s = ud;

	(void)key;
	(void)key_len;
	(void)rv;
	s->n++;
	s->plain = len == strlen(PLAIN) && !memcmp(data, PLAIN, len);
	return 0;
}

static int event_fn(void *ud, const struct store_event *ev)
{
	struct seen *s = ud;

	s->n++;
	s->plain = ev->len == strlen(PLAIN) &&
		   !memcmp(ev->data, PLAIN, ev->len) &&
		   (!ev->old || (ev->old_len == strlen(PLAIN) &&
				 !memcmp(ev->old, PLAIN, ev->old_len)));
	return 0;
}

/* Does the store's data file hold needle? */
static bool file_has(const char *dir, const char *needle)
{
	char path[128], *buf;
	bool found;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void test_store_hook(void **state)
{
	struct encryption *enc = make(secretbox_a), *wrong;
	char dir[] = "/tmp/kubefs-enc-test.XXXXXX";
	struct store_config cfg = {.path = dir, .no_sync = true};
	struct store_op op = {.type = STORE_PUT,
			      .key = SKEY,
			      .data = PLAIN,
			      .len = strlen(PLAIN),
			      .expect_rv = STORE_RV_ANY};
	struct kf_error err;
	struct seen seen = {0};
	struct store *st;
	char *data;
	size_t len;
	uint64_t rv;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cfg.transformer = encryption_transformer(enc);
	assert_int_equal(store_open(&cfg, &st), 0);
	assert_int_equal(store_write(st, &op, 1, NULL), 0);
	assert_int_equal(store_write(st, &op, 1, NULL), 0); /* MODIFIED */
	assert_int_equal(store_get(st, SKEY, &data, &len, &rv), 0);
	assert_string_equal(data, PLAIN);
	free(data);
	assert_int_equal(store_list(st, "core/", list_fn, &seen, NULL), 0);
	assert_true(seen.n == 1 && seen.plain);
	seen.n = 0;
	assert_int_equal(store_events(st, 1, 0, event_fn, &seen), 0);
	assert_true(seen.n == 1 && seen.plain);
	kf_error_init(&err);
	assert_int_equal(encryption_check_store(enc, st, &err), 0);
	store_free(st);
	/* on disk: objects and event log hold only ciphertext */
	assert_false(file_has(dir, "aHVudGVy"));
	assert_true(file_has(dir, "k8s:enc:secretbox:v1:key1:"));

	/* without the key the raw value shows; with a wrong key the check
	 * names the key */
	cfg.transformer = NULL;
	assert_int_equal(store_open(&cfg, &st), 0);
	assert_int_equal(store_get(st, SKEY, &data, &len, &rv), 0);
	assert_memory_equal(data, "k8s:enc:secretbox:v1:key1:", 26);
	free(data);
	store_free(st);
	wrong = make("  - secretbox:\n      keys:\n"
		     "      - {name: key1, secret: " KEY32B "}\n");
	cfg.transformer = encryption_transformer(wrong);
	assert_int_equal(store_open(&cfg, &st), 0);
	assert_int_equal(store_get(st, SKEY, &data, &len, &rv), -EBADMSG);
	assert_int_equal(encryption_check_store(wrong, st, &err), -EBADMSG);
	assert_string_equal(err.msg,
			    "Internal error occurred: unable to transform key "
			    "\"" SKEY "\": output array was not large enough "
			    "for encryption");
	store_free(st);
	encryption_free(wrong);
	encryption_free(enc);
	remove_store(dir);
}

static void test_generate(void **state)
{
	struct encryption *enc = NULL;
	struct kf_error err;
	char *a, *b, *sealed;
	size_t len;

	(void)state;
	a = up_encryption_config_text();
	b = up_encryption_config_text();
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(a, b); /* fresh keys */
	kf_error_init(&err);
	assert_int_equal(encryption_new(a, strlen(a), &err, &enc), 0);
	seal(enc, SKEY, PLAIN, &sealed, &len);
	assert_memory_equal(sealed, "k8s:enc:secretbox:v1:key1:", 26);
	free(sealed);
	encryption_free(enc);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_providers),
	    cmocka_unit_test(test_uncovered_and_identity),
	    cmocka_unit_test(test_rotation_and_wrong_key),
	    cmocka_unit_test(test_validation),
	    cmocka_unit_test(test_store_hook),
	    cmocka_unit_test(test_generate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
