/*
 * fuzz_config.c — the two configuration files of kubefs-fs read from
 * outside: the EncryptionConfiguration and the audit Policy.
 *
 * Each input is parsed as both. A refusal must carry -EINVAL (or
 * -ENOMEM/-EFBIG) and a message; an accepted EncryptionConfiguration
 * must give back every value it stores (a Secret's and a Pod's) and
 * refuse a tampered one; an accepted Policy must decide every request
 * the same way twice and log it without failing. Any violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/audit.h"
#include "apiserver/encryption.h"

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_config: %s: %s\n", what, msg ? msg : "");
	abort();
}

static void check_refusal(const char *what, int r, const struct kf_error *err)
{
	if (r != -EINVAL && r != -ENOMEM && r != -EFBIG)
		fail(what, "unexpected errno");
	if (!err->msg[0])
		fail(what, "a refusal without a message");
}

static void round_trip(struct encryption *enc, const char *key)
{
	static const char value[] = "{\"kind\":\"Secret\",\"data\":{}}";
	const struct store_transformer *xf = encryption_transformer(enc);
	char *sealed = NULL, *plain = NULL;
	size_t slen = 0, plen = 0;

	if (xf->to_storage(xf->ud, key, value, sizeof(value) - 1, &sealed,
			   &slen) < 0)
		fail("encryption", "to_storage failed");
	if (!sealed)
		return; /* not covered, or identity first */
	if (xf->from_storage(xf->ud, key, sealed, slen, &plain, &plen) < 0 ||
	    !plain || plen != sizeof(value) - 1 || memcmp(plain, value, plen))
		fail("encryption", "a stored value does not read back");
	free(plain);
	plain = NULL;
	sealed[slen - 1] ^= 0x55;
	/* aescbc has no MAC: a flipped byte may still decrypt */
	if (strncmp(sealed, "k8s:enc:aescbc:", 15) &&
	    xf->from_storage(xf->ud, key, sealed, slen, &plain, &plen) == 0)
		fail("encryption", "a tampered value was read");
	free(plain);
	free(sealed);
}

static void policy(const char *text, size_t len)
{
	static const char *const groups[] = {"system:authenticated"};
	struct audit_config cfg = {
	    .policy_text = text, .policy_len = len, .log_path = "/dev/null"};
	struct audit_request reqs[] = {
	    {.user = "alice",
	     .groups = groups,
	     .ngroups = 1,
	     .verb = "get",
	     .api_group = "",
	     .api_version = "v1",
	     .resource = "secrets",
	     .ns = "default",
	     .name = "db",
	     .code = 200,
	     .allowed = true},
	    {.user = "bob",
	     .verb = "update",
	     .api_group = "apps",
	     .api_version = "v1",
	     .resource = "deployments",
	     .subresource = "scale",
	     .ns = "x",
	     .name = "d",
	     .code = 409},
	    {.user = "", .verb = "get", .path = "/healthz", .code = 200},
	};
	struct audit *a = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = audit_new(&cfg, &err, &a);
	if (r < 0) {
		check_refusal("policy", r, &err);
		return;
	}
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		enum audit_level l = audit_decide(a, &reqs[i]);

		if (l != audit_decide(a, &reqs[i]))
			fail("policy", "decisions differ");
		if (audit_log(a, &reqs[i], l) < 0)
			fail("policy", "logging failed");
	}
	audit_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct encryption *enc = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = encryption_new((const char *)data, size, &err, &enc);
	if (r < 0) {
		check_refusal("encryption", r, &err);
	} else {
		round_trip(enc, "core/secrets/default/db");
		round_trip(enc, "core/pods/default/p");
		round_trip(enc, "apps/deployments/x/d");
		encryption_free(enc);
	}
	policy((const char *)data, size);
	return 0;
}
