/*
 * encryption.c — the EncryptionConfiguration: parsing and validation
 * with kube-apiserver's sentences, which providers cover which store
 * key, and the store hook that encrypts with the first provider and
 * decrypts with whichever provider's prefix a stored value carries.
 */
#include "apiserver/encryption_i.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/codec.h"

#define CONFIG_MAX (1u << 20) /* bytes of a configuration file */
#define RESOURCES_MAX 256     /* entries, resources per entry, ... */

static const char *const provider_names[] = {"identity", "secretbox", "aesgcm",
					     "aescbc"};

static _Thread_local char last_error[KF_ERROR_MSG_MAX];

const char *encryption_last_error(void)
{
	return last_error;
}

static void rule_release(struct enc_rule *ru)
{
	for (size_t i = 0; i < ru->nres; i++) {
		free(ru->groups[i]);
		free(ru->names[i]);
	}
	free(ru->groups);
	free(ru->names);
	for (size_t i = 0; i < ru->nprov; i++) {
		for (size_t j = 0; j < ru->providers[i].nkeys; j++) {
			free(ru->providers[i].keys[j].prefix);
			sodium_memzero(ru->providers[i].keys[j].secret,
				       ENC_KEY_MAX);
		}
		free(ru->providers[i].keys);
	}
	free(ru->providers);
}

void encryption_free(struct encryption *enc)
{
	if (!enc)
		return;
	for (size_t i = 0; i < enc->nrules; i++)
		rule_release(&enc->rules[i]);
	free(enc->rules);
	free(enc);
}

/* ---- parsing ---- */

static int required(struct kf_error *err, const char *path)
{
	return kf_error_set(err, -EINVAL,
			    "%s: Required value: at least one %s is required",
			    path, path);
}

static int parse_key(struct enc_provider *p, const json_t *jk, const char *path,
		     struct kf_error *err)
{
	const char *name = json_string_value(json_object_get(jk, "name"));
	const char *secret = json_string_value(json_object_get(jk, "secret"));
	struct enc_key *k = &p->keys[p->nkeys];
	unsigned char buf[ENC_KEY_MAX + 3];
	size_t len = 0;

	if (!name || !*name)
		return kf_error_set(err, -EINVAL,
				    "%s.name: Required value: name is a "
				    "mandatory field for a key",
				    path);
	if (!secret || !*secret)
		return kf_error_set(err, -EINVAL,
				    "%s.secret: Required value: secret is a "
				    "mandatory field for a key",
				    path);
	if (strlen(secret) > 2 * sizeof(buf))
		len = sizeof(buf); /* too long: judged by its length below */
	else if (sodium_base642bin(buf, sizeof(buf), secret, strlen(secret),
				   NULL, &len, NULL,
				   sodium_base64_VARIANT_ORIGINAL) != 0)
		return kf_error_set(err, -EINVAL,
				    "%s.secret: Invalid value: \"REDACTED\": "
				    "secrets must be base64 encoded",
				    path);
	if (!enc_key_size_ok(p->type, len)) {
		sodium_memzero(buf, sizeof(buf));
		return kf_error_set(err, -EINVAL,
				    "%s.secret: Invalid value: \"REDACTED\": "
				    "secret is not of the expected length, got "
				    "%zu, expected one of %s",
				    path, len, enc_key_sizes(p->type));
	}
	memcpy(k->secret, buf, len);
	sodium_memzero(buf, sizeof(buf));
	k->len = len;
	if (asprintf(&k->prefix, ENCRYPTION_PREFIX "%s:v1:%s:",
		     enc_type_name(p->type), name) < 0) {
		k->prefix = NULL;
		return -ENOMEM;
	}
	k->prefix_len = strlen(k->prefix);
	p->nkeys++;
	return 0;
}

static int parse_provider(struct enc_provider *p, const json_t *jp,
			  const char *path, struct kf_error *err)
{
	char kpath[256];
	const json_t *body = NULL, *keys, *jk;
	const char *field;
	json_t *v;
	size_t i, found = 0;

	if (!json_is_object(jp))
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: provider does not "
				    "contain any of the expected providers: "
				    "KMS, AESGCM, AESCBC, Secretbox, Identity",
				    path);
	json_object_foreach ((json_t *)jp, field, v) {
		for (i = 0; i < 4 && strcmp(field, provider_names[i]); i++)
			;
		if (i == 4)
			return kf_error_set(err, -EINVAL,
					    "%s: unknown field \"%s\"", path,
					    field);
		p->type = (enum enc_type)i;
		body = v;
		found++;
	}
	if (found != 1)
		return kf_error_set(
		    err, -EINVAL,
		    found ? "%s: Invalid value: more than one provider "
			    "specified in a single element, should split into "
			    "different list elements"
			  : "%s: Invalid value: provider does not contain any "
			    "of the expected providers: KMS, AESGCM, AESCBC, "
			    "Secretbox, Identity",
		    path);
	if (p->type == ENC_IDENTITY)
		return 0;
	snprintf(kpath, sizeof(kpath), "%s.%s.keys", path,
		 enc_type_name(p->type));
	keys = json_object_get(body, "keys");
	if (!json_is_array(keys) || json_array_size(keys) == 0)
		return required(err, kpath);
	if (json_array_size(keys) > RESOURCES_MAX)
		return kf_error_set(err, -EINVAL, "%s: Too many: %zu", kpath,
				    json_array_size(keys));
	p->keys = calloc(json_array_size(keys), sizeof(*p->keys));
	if (!p->keys)
		return -ENOMEM;
	json_array_foreach (keys, i, jk) {
		char path_i[300];
		int r;

		snprintf(path_i, sizeof(path_i), "%s[%zu]", kpath, i);
		r = parse_key(p, jk, path_i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Split "deployments.apps", "secrets", "*.apps", "*.", "*.*". */
static int parse_resource(struct enc_rule *ru, const char *s, const char *path,
			  struct kf_error *err)
{
	const char *dot = strchr(s, '.');

	for (const char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			return kf_error_set(err, -EINVAL,
					    "%s: Invalid value: \"%s\": "
					    "resource name should not contain "
					    "capital letters",
					    path, s);
	if (!*s || !strcmp(s, "*"))
		return kf_error_set(err, -EINVAL,
				    "%s: Invalid value: \"%s\": use '*.' to "
				    "encrypt all the resources from core API "
				    "group or *.* to encrypt all resources",
				    path, s);
	ru->names[ru->nres] = dot ? strndup(s, (size_t)(dot - s)) : strdup(s);
	ru->groups[ru->nres] = strdup(dot ? dot + 1 : "");
	ru->nres++;
	if (!ru->names[ru->nres - 1] || !ru->groups[ru->nres - 1])
		return -ENOMEM;
	return 0;
}

static int parse_rule(struct enc_rule *ru, const json_t *jr, size_t idx,
		      struct kf_error *err)
{
	const json_t *res = json_object_get(jr, "resources");
	const json_t *prov = json_object_get(jr, "providers");
	char path[64], p2[96];
	const json_t *v;
	size_t i;
	int r;

	snprintf(path, sizeof(path), "resources[%zu].resources", idx);
	if (!json_is_array(res) || json_array_size(res) == 0)
		return required(err, path);
	snprintf(p2, sizeof(p2), "resources[%zu].providers", idx);
	if (!json_is_array(prov) || json_array_size(prov) == 0)
		return required(err, p2);
	if (json_array_size(res) > RESOURCES_MAX ||
	    json_array_size(prov) > RESOURCES_MAX)
		return kf_error_set(err, -EINVAL, "resources[%zu]: Too many",
				    idx);
	ru->groups = calloc(json_array_size(res), sizeof(char *));
	ru->names = calloc(json_array_size(res), sizeof(char *));
	ru->providers = calloc(json_array_size(prov), sizeof(*ru->providers));
	if (!ru->groups || !ru->names || !ru->providers)
		return -ENOMEM;
	json_array_foreach (res, i, v) {
		snprintf(p2, sizeof(p2), "%s[%zu]", path, i);
		if (!json_is_string(v))
			return kf_error_set(err, -EINVAL,
					    "%s: Invalid value: must be a "
					    "string",
					    p2);
		r = parse_resource(ru, json_string_value(v), p2, err);
		if (r < 0)
			return r;
	}
	json_array_foreach (prov, i, v) {
		snprintf(p2, sizeof(p2), "resources[%zu].providers[%zu]", idx,
			 i);
		r = parse_provider(&ru->providers[ru->nprov++], v, p2, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_config(struct encryption *enc, const json_t *cfg,
			struct kf_error *err)
{
	const char *kind = json_string_value(json_object_get(cfg, "kind"));
	const char *av = json_string_value(json_object_get(cfg, "apiVersion"));
	const json_t *rules = json_object_get(cfg, "resources");
	const json_t *jr;
	size_t i;
	int r;

	if (!kind || !av)
		return kf_error_set(err, -EINVAL,
				    "Object 'Kind' is missing in '%s'",
				    kind ? "apiVersion" : "kind");
	if (strcmp(kind, "EncryptionConfiguration") ||
	    (strcmp(av, "apiserver.config.k8s.io/v1") && strcmp(av, "v1")))
		return kf_error_set(err, -EINVAL,
				    "no kind \"%s\" is registered for version "
				    "\"%s\"",
				    kind, av);
	if (!json_is_array(rules) || json_array_size(rules) == 0)
		return required(err, "resources");
	if (json_array_size(rules) > RESOURCES_MAX)
		return kf_error_set(err, -EINVAL, "resources: Too many: %zu",
				    json_array_size(rules));
	enc->rules = calloc(json_array_size(rules), sizeof(*enc->rules));
	if (!enc->rules)
		return -ENOMEM;
	json_array_foreach (rules, i, jr) {
		r = parse_rule(&enc->rules[enc->nrules++], jr, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- which providers a key has ---- */

/*
 * The providers of store key "GROUP/RESOURCE/NS/NAME" ("core" is the
 * core group): the entry naming the resource, else its group, else
 * "*.*". NULL: not covered (stored as it is).
 */
static const struct enc_rule *rule_of(const struct encryption *enc,
				      const char *key)
{
	const char *slash = strchr(key, '/'), *res, *end;
	const struct enc_rule *best = NULL;
	size_t glen, rlen;
	int rank = 0;

	if (!slash || key[0] == '!')
		return NULL;
	res = slash + 1;
	end = strchr(res, '/');
	if (!end)
		return NULL;
	glen = (size_t)(slash - key);
	rlen = (size_t)(end - res);
	if (glen == 4 && !memcmp(key, "core", 4))
		glen = 0;
	for (size_t i = 0; i < enc->nrules; i++) {
		const struct enc_rule *ru = &enc->rules[i];

		for (size_t j = 0; j < ru->nres; j++) {
			const char *g = ru->groups[j], *n = ru->names[j];
			bool gm = strlen(g) == glen && !memcmp(g, key, glen);
			int rk = 0;

			if (gm && strlen(n) == rlen && !memcmp(n, res, rlen))
				rk = 3;
			else if (gm && !strcmp(n, "*"))
				rk = 2;
			else if (!strcmp(g, "*") && !strcmp(n, "*"))
				rk = 1;
			if (rk > rank) {
				rank = rk;
				best = ru;
			}
		}
		if (rank == 3)
			break;
	}
	return best;
}

/* ---- the store hook ---- */

static int to_storage(void *ud, const char *key, const char *data, size_t len,
		      char **ret_data, size_t *ret_len)
{
	const struct enc_rule *ru = rule_of(ud, key);
	const struct enc_provider *p;

	*ret_data = NULL;
	if (!ru)
		return 0;
	p = &ru->providers[0];
	if (p->type == ENC_IDENTITY)
		return 0;
	return enc_seal(p->type, &p->keys[0], key, data, len, ret_data,
			ret_len);
}

static int transform_failed(const char *key, const char *reason)
{
	snprintf(last_error, sizeof(last_error),
		 "Internal error occurred: unable to transform key \"%s\": %s",
		 key, reason);
	return -EBADMSG;
}

static bool has_prefix(const char *data, size_t len, const char *p, size_t plen)
{
	return len >= plen && !memcmp(data, p, plen);
}

static int from_storage(void *ud, const char *key, const char *data, size_t len,
			char **ret_data, size_t *ret_len)
{
	static const size_t enc_len = sizeof(ENCRYPTION_PREFIX) - 1;
	const struct enc_rule *ru = rule_of(ud, key);
	bool encrypted = has_prefix(data, len, ENCRYPTION_PREFIX, enc_len);
	const char *reason = NULL;

	*ret_data = NULL;
	if (!ru)
		return encrypted
			   ? transform_failed(key, "identity transformer "
						   "tried to read encrypted "
						   "data")
			   : 0;
	for (size_t i = 0; i < ru->nprov; i++) {
		const struct enc_provider *p = &ru->providers[i];

		if (p->type == ENC_IDENTITY) {
			if (!encrypted)
				return 0;
			reason = "identity transformer tried to read "
				 "encrypted data";
			continue;
		}
		for (size_t j = 0; j < p->nkeys; j++) {
			const struct enc_key *k = &p->keys[j];
			int r;

			if (!has_prefix(data, len, k->prefix, k->prefix_len))
				continue;
			r = enc_open(
			    p->type, k, key,
			    (const unsigned char *)data + k->prefix_len,
			    len - k->prefix_len, ret_data, ret_len, &reason);
			if (r == -EBADMSG)
				return transform_failed(key, reason);
			return r;
		}
	}
	return transform_failed(key,
				reason ? reason : "no matching prefix found");
}

/* Not what to_storage writes now: another key or provider. */
static bool stale(void *ud, const char *key, const char *data, size_t len)
{
	const struct enc_rule *ru = rule_of(ud, key);
	bool encrypted = has_prefix(data, len, ENCRYPTION_PREFIX,
				    sizeof(ENCRYPTION_PREFIX) - 1);
	const struct enc_provider *p;

	if (!ru)
		return encrypted;
	p = &ru->providers[0];
	if (p->type == ENC_IDENTITY)
		return encrypted;
	return !has_prefix(data, len, p->keys[0].prefix, p->keys[0].prefix_len);
}

const struct store_transformer *encryption_transformer(struct encryption *enc)
{
	return &enc->xf;
}

int encryption_new(const char *text, size_t len, struct kf_error *err,
		   struct encryption **ret)
{
	_cleanup_json_ json_t *cfg = NULL;
	struct encryption *enc;
	int r;

	if (sodium_init() < 0)
		return kf_error_set(err, -EIO, "libsodium cannot start");
	r = codec_decode_one(text, len, NULL, err, &cfg);
	if (r < 0)
		return r;
	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return -ENOMEM;
	enc->xf.to_storage = to_storage;
	enc->xf.from_storage = from_storage;
	enc->xf.stale = stale;
	enc->xf.ud = enc;
	r = parse_config(enc, cfg, err);
	if (r < 0) {
		encryption_free(enc);
		return r == -ENOMEM ? kf_error_set(err, r, "out of memory") : r;
	}
	*ret = enc;
	return 0;
}

int encryption_load(const char *path, struct kf_error *err,
		    struct encryption **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	if (fd < 0 || !(buf = malloc(CONFIG_MAX + 1)))
		return kf_error_set(err, fd < 0 ? -errno : -ENOMEM,
				    "error reading encryption provider "
				    "configuration file \"%s\": %s",
				    path, strerror(fd < 0 ? errno : ENOMEM));
	while ((n = read(fd, buf + len, CONFIG_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len > CONFIG_MAX)
		return kf_error_set(err, n < 0 ? -errno : -EFBIG,
				    "error reading encryption provider "
				    "configuration file \"%s\": %s",
				    path,
				    n < 0 ? strerror(errno) : "too large");
	r = encryption_new(buf, len, err, ret);
	if (r < 0)
		kf_error_prefix(err, "error while parsing file: ");
	return r;
}

static int check_one(void *ud, const char *key, size_t key_len,
		     const char *data, size_t len, uint64_t rv)
{
	(void)ud;
	(void)key;
	(void)key_len;
	(void)data;
	(void)len;
	(void)rv;
	return 0;
}

int encryption_check_store(struct encryption *enc, struct store *st,
			   struct kf_error *err)
{
	int r;

	(void)enc;
	last_error[0] = '\0';
	r = store_list(st, "", check_one, NULL, NULL);
	if (r == -EBADMSG && last_error[0])
		return kf_error_set(err, r, "%s", last_error);
	if (r < 0)
		return kf_error_set(err, r, "reading the store: %s",
				    strerror(-r));
	return 0;
}
