/*
 * pullsecret.c — imagePullSecrets to registry credentials.
 */
#include "nodeagent/pullsecret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"

/* The host of a docker config key: scheme and path cut, Docker Hub's
 * names as docker.io. */
static void key_host(const char *key, char *buf, size_t size)
{
	const char *p = strstr(key, "://");

	p = p ? p + 3 : key;
	snprintf(buf, size, "%.*s", (int)strcspn(p, "/"), p);
	if (!strcmp(buf, "index.docker.io") ||
	    !strcmp(buf, "registry-1.docker.io"))
		snprintf(buf, size, "docker.io");
}

/* Append entry's credentials to *creds. -ENOMEM. */
static int add_cred(const json_t *entry, struct registry_cred **creds,
		    size_t *n)
{
	const char *auth = json_string_value(json_object_get(entry, "auth"));
	const char *user =
	    json_string_value(json_object_get(entry, "username"));
	const char *pass =
	    json_string_value(json_object_get(entry, "password"));
	_cleanup_free_ char *dec = NULL;
	struct registry_cred *nc, *c;
	size_t len;
	char *colon;

	if (auth && *auth && volume_b64_decode(auth, &dec, &len) == 0 &&
	    (colon = strchr(dec, ':'))) {
		*colon = '\0';
		user = dec;
		pass = colon + 1;
	}
	if (!user || !*user)
		return 0; /* nothing to log in with */
	nc = realloc(*creds, (*n + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	*creds = nc;
	c = &nc[*n];
	c->username = strdup(user);
	c->password = strdup(pass ? pass : "");
	if (!c->username || !c->password) {
		free(c->username);
		free(c->password);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* The entries of one Secret for registry into *creds. -ENOMEM. */
static int secret_creds(const json_t *secret, const char *registry,
			struct registry_cred **creds, size_t *n)
{
	const json_t *data = json_object_get(secret, "data");
	const char *cfg =
	    json_string_value(json_object_get(data, ".dockerconfigjson"));
	bool legacy = !cfg;
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *doc = NULL;
	const json_t *auths;
	const char *key;
	json_t *entry;
	size_t len;
	char host[256];
	int r = 0;

	if (legacy)
		cfg = json_string_value(json_object_get(data, ".dockercfg"));
	if (!cfg || volume_b64_decode(cfg, &text, &len) < 0)
		return 0; /* not a registry Secret: nothing from it */
	doc = json_loadb(text, len, 0, NULL);
	auths = legacy ? doc : json_object_get(doc, "auths");
	json_object_foreach ((json_t *)auths, key, entry) {
		key_host(key, host, sizeof(host));
		if (!strcmp(host, registry))
			r = add_cred(entry, creds, n);
		if (r < 0)
			break;
	}
	return r;
}

int pullsecret_creds(const struct volume_ctx *v, const json_t *pod,
		     const char *registry, struct registry_cred **ret,
		     size_t *ret_n, char *missing, size_t missing_size)
{
	const json_t *meta = json_object_get(pod, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	struct registry_cred *creds = NULL;
	size_t n = 0, i, o = 0;
	json_t *ref;
	int r = 0;

	missing[0] = '\0';
	json_array_foreach (
	    json_object_get(json_object_get(pod, "spec"), "imagePullSecrets"),
	    i, ref) {
		const char *name =
		    json_string_value(json_object_get(ref, "name"));
		_cleanup_json_ json_t *secret = NULL;

		if (!name || !*name)
			continue;
		if (!v->get || v->get(v->get_ud, "secrets", ns ? ns : "default",
				      name, &secret) < 0) {
			secret = NULL;
			if (o < missing_size)
				o += (size_t)snprintf(missing + o,
						      missing_size - o, "%s%s",
						      o ? ", " : "", name);
			continue;
		}
		r = secret_creds(secret, registry, &creds, &n);
		if (r < 0)
			break;
	}
	if (r < 0) {
		registry_creds_free(creds, n);
		return r;
	}
	*ret = creds;
	*ret_n = n;
	return 0;
}
