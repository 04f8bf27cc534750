/*
 * registry.c — GET /v2/REPO/manifests/REF and /v2/REPO/blobs/DIGEST with
 * libcurl, into the image store.
 */
#include "nodeagent/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "nodeagent/imagestore_i.h"
#include "nodeagent/sha256.h"

#define ACCEPT                                                                 \
	"Accept: application/vnd.oci.image.index.v1+json, "                    \
	"application/vnd.oci.image.manifest.v1+json, "                         \
	"application/vnd.docker.distribution.manifest.list.v2+json, "          \
	"application/vnd.docker.distribution.manifest.v2+json"

struct ref {
	char host[256];	 /* registry host[:port] */
	char repo[1024]; /* library/busybox */
	char ref[256];	 /* tag or sha256:... */
	bool http;
};

struct mem {
	char *buf;
	size_t len;
};

struct fetch {
	const struct ref *r;
	char token[4096]; /* Bearer token once obtained */
	char auth_hdr[4096 + 32];
	const struct registry_cred *cred; /* NULL: anonymous */
	bool basic; /* send cred as Basic auth (the registry asked) */
};

void registry_creds_free(struct registry_cred *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].username);
		free(c[i].password);
	}
	free(c);
}

static int parse_ref(const char *n, struct ref *r)
{
	const char *slash = strchr(n, '/'), *at, *colon, *last;
	size_t hl;

	if (!slash)
		return -EINVAL;
	hl = (size_t)(slash - n);
	snprintf(r->host, sizeof(r->host), "%.*s", (int)hl, n);
	at = strchr(slash + 1, '@');
	last = strrchr(slash + 1, '/');
	colon = strrchr(last ? last : slash + 1, ':');
	if (at) {
		snprintf(r->repo, sizeof(r->repo), "%.*s",
			 (int)(at - slash - 1), slash + 1);
		if (colon && colon < at) /* repo:tag@digest */
			r->repo[colon - slash - 1] = '\0';
		snprintf(r->ref, sizeof(r->ref), "%s", at + 1);
	} else if (colon) {
		snprintf(r->repo, sizeof(r->repo), "%.*s",
			 (int)(colon - slash - 1), slash + 1);
		snprintf(r->ref, sizeof(r->ref), "%s", colon + 1);
	} else {
		return -EINVAL;
	}
	r->http = !strncmp(r->host, "localhost", 9) ||
		  !strncmp(r->host, "127.", 4) || !strncmp(r->host, "[::1]", 5);
	return 0;
}

static size_t to_mem(char *p, size_t size, size_t n, void *ud)
{
	struct mem *m = ud;
	size_t add = size * n;
	char *nb;

	if (m->len + add > REGISTRY_MANIFEST_MAX)
		return 0;
	nb = realloc(m->buf, m->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + m->len, p, add);
	m->buf = nb;
	m->len += add;
	m->buf[m->len] = '\0';
	return add;
}

/* The WWW-Authenticate header of a 401, kept for the token request. */
static size_t header(char *p, size_t size, size_t n, void *ud)
{
	char *www = ud;
	size_t len = size * n;

	if (len > 18 && !strncasecmp(p, "WWW-Authenticate:", 17))
		snprintf(www, 2048, "%.*s", (int)(len - 17), p + 17);
	return len;
}

/* A param="value" of a WWW-Authenticate challenge. */
static bool challenge_param(const char *www, const char *key, char *buf,
			    size_t size)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	p = strstr(www, pat);
	if (!p)
		return false;
	p += strlen(pat);
	end = strchr(p, '"');
	if (!end)
		return false;
	snprintf(buf, size, "%.*s", (int)(end - p), p);
	return true;
}

/* Forget what a refused request wrote into m or f. */
static int rewind_output(struct mem *m, FILE *f)
{
	if (m) {
		free(m->buf);
		m->buf = NULL;
		m->len = 0;
	}
	if (f &&
	    (fflush(f) || ftruncate(fileno(f), 0) || fseek(f, 0, SEEK_SET)))
		return -EIO;
	return 0;
}

/*
 * GET url into m (or into file f when f is set); *ret_code the status.
 * A 401 with a Bearer challenge is answered once with a token.
 */
static int get(struct fetch *fx, const char *url, struct mem *m, FILE *f,
	       long *ret_code, struct kf_error *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct curl_slist *h = curl_slist_append(NULL, ACCEPT);
		char www[2048] = "";
		CURLcode cr;
		CURL *c = curl_easy_init();

		if (!c)
			return -ENOMEM;
		if (fx->token[0]) {
			snprintf(fx->auth_hdr, sizeof(fx->auth_hdr),
				 "Authorization: Bearer %s", fx->token);
			h = curl_slist_append(h, fx->auth_hdr);
		} else if (fx->basic && fx->cred) {
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME,
					 fx->cred->username);
			curl_easy_setopt(c, CURLOPT_PASSWORD,
					 fx->cred->password);
		}
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)REGISTRY_TIMEOUT_S);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, www);
		if (f) {
			curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
		} else {
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_mem);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
		}
		cr = curl_easy_perform(c);
		*ret_code = 0;
		if (cr == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, ret_code);
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		if (cr != CURLE_OK)
			return kf_error_set(err, -EIO, "GET %s: %s", url,
					    curl_easy_strerror(cr));
		if (*ret_code == 401 && fx->cred && !fx->basic &&
		    !fx->token[0] &&
		    !strncasecmp(www + strspn(www, " "), "Basic", 5)) {
			fx->basic = true; /* again, with the credentials */
			if (rewind_output(m, f) < 0)
				return -EIO;
			continue;
		}
		if (*ret_code != 401 || fx->token[0] ||
		    strncasecmp(www + strspn(www, " "), "Bearer", 6))
			return 0;
		{ /* the token service */
			char realm[1024], service[256] = "", scope[1024] = "";
			char turl[2600];
			_cleanup_json_ json_t *tok = NULL;
			struct mem tm = {NULL, 0};
			/* credentials go to the token service as Basic */
			struct fetch plain = {fx->r, "", "", fx->cred, true};
			long tcode;
			const char *t;
			int r;

			if (!challenge_param(www, "realm", realm,
					     sizeof(realm)))
				return 0;
			challenge_param(www, "service", service,
					sizeof(service));
			challenge_param(www, "scope", scope, sizeof(scope));
			snprintf(turl, sizeof(turl), "%s?service=%s&scope=%s",
				 realm, service, scope);
			r = get(&plain, turl, &tm, NULL, &tcode, err);
			tok = r == 0 && tcode == 200
				  ? json_loads(tm.buf, 0, NULL)
				  : NULL;
			free(tm.buf);
			t = json_string_value(json_object_get(tok, "token"));
			if (!t)
				t = json_string_value(
				    json_object_get(tok, "access_token"));
			if (!t)
				return kf_error_set(err, -EIO,
						    "no token from %s", realm);
			snprintf(fx->token, sizeof(fx->token), "%s", t);
			if (rewind_output(m, f) < 0)
				return -EIO;
		}
	}
	return 0;
}

static void base_url(const struct ref *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s://%s/v2/%s", r->http ? "http" : "https",
		 r->host, r->repo);
}

/* The manifest for ref (a tag or digest), this platform's if a list. */
static int fetch_manifest(struct fetch *fx, const char *ref, int depth,
			  struct mem *ret, struct kf_error *err)
{
	char url[2048], base[1400];
	struct mem m = {NULL, 0};
	_cleanup_json_ json_t *obj = NULL;
	long code;
	size_t i;
	json_t *d;
	int r;

	base_url(fx->r, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/manifests/%s", base, ref);
	r = get(fx, url, &m, NULL, &code, err);
	if (r < 0)
		return r;
	if (code == 401 && (fx->cred || !fx->token[0])) {
		/* refused (a token service refusing is "not found" below:
		 * registries answer so for what does not exist) */
		_cleanup_json_ json_t *body = json_loads(m.buf ?: "", 0, NULL);
		const char *why = json_string_value(json_object_get(
		    json_array_get(json_object_get(body, "errors"), 0),
		    "message"));

		free(m.buf);
		return kf_error_set(err, -EACCES,
				    "unexpected status from GET request to "
				    "%s: 401 Unauthorized%s%.200s",
				    url, why ? ": " : "", why ?: "");
	}
	if (code == 404 || code == 401) {
		free(m.buf);
		return kf_error_set(err, -ENOENT, "%s/%s:%s: not found",
				    fx->r->host, fx->r->repo, ref);
	}
	if (code != 200 || !m.buf) {
		free(m.buf);
		return kf_error_set(err, -EIO, "GET %s: HTTP %ld", url, code);
	}
	if (!strncmp(ref, "sha256:", 7)) {
		char hex[SHA256_HEX + 1];
		struct sha256 sh;

		sha256_init(&sh);
		sha256_update(&sh, m.buf, m.len);
		sha256_final_hex(&sh, hex);
		if (strcmp(hex, ref + 7)) {
			free(m.buf);
			return kf_error_set(err, -EINVAL,
					    "digest mismatch: expected %s, got "
					    "sha256:%s",
					    ref, hex);
		}
	}
	obj = json_loads(m.buf, 0, NULL);
	if (!json_object_get(obj, "manifests")) {
		*ret = m;
		return 0;
	}
	free(m.buf);
	if (depth > 0)
		return kf_error_set(err, -EIO, "nested manifest lists");
	json_array_foreach (json_object_get(obj, "manifests"), i, d) {
		const json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch =
		    json_string_value(json_object_get(p, "architecture"));
		const char *dg =
		    json_string_value(json_object_get(d, "digest"));

		if (dg && (!os || !strcmp(os, "linux")) &&
		    (!arch || !strcmp(arch, "amd64")))
			return fetch_manifest(fx, dg, depth + 1, ret, err);
	}
	return kf_error_set(err, -ENOENT,
			    "no manifest for linux/amd64 in %s/%s:%s",
			    fx->r->host, fx->r->repo, ref);
}

/* GET blob digest into path. */
static int fetch_blob(struct fetch *fx, const char *digest, const char *path,
		      struct kf_error *err)
{
	char url[2048], base[1400];
	long code;
	FILE *f;
	int r;

	base_url(fx->r, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/blobs/%s", base, digest);
	f = fopen(path, "we");
	if (!f)
		return kf_error_set(err, -errno, "%s: %s", path,
				    strerror(errno));
	r = get(fx, url, NULL, f, &code, err);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == 0 && code != 200)
		r = kf_error_set(err, code == 404 ? -ENOENT : -EIO,
				 "GET %s: HTTP %ld", url, code);
	return r;
}

static int pull_as(struct imagestore *s, const char *normalized,
		   const struct registry_cred *cred, struct kf_error *err)
{
	struct ref r;
	struct fetch fx = {&r, "", "", cred, false};
	struct mem man = {NULL, 0};
	_cleanup_json_ json_t *m = NULL, *digests = json_array();
	char tmp[PATH_MAX], dir[PATH_MAX];
	char **paths = NULL;
	const char **hexes = NULL;
	size_t n = 0, i;
	json_t *d;
	int rc;

	if (parse_ref(normalized, &r) < 0)
		return kf_error_set(err, -EINVAL, "invalid reference \"%s\"",
				    normalized);
	rc = fetch_manifest(&fx, r.ref, 0, &man, err);
	if (rc < 0)
		return rc;
	m = json_loads(man.buf, 0, NULL);
	if (json_object_get(m, "config"))
		json_array_append(
		    digests,
		    json_object_get(json_object_get(m, "config"), "digest"));
	json_array_foreach (json_object_get(m, "layers"), i, d)
		json_array_append(digests, json_object_get(d, "digest"));
	n = json_array_size(digests);
	snprintf(dir, sizeof(dir), "%s/pull.XXXXXX",
		 imagestore_tmp_dir(s, tmp, sizeof(tmp)));
	paths = calloc(n + 1, sizeof(*paths));
	hexes = calloc(n + 1, sizeof(*hexes));
	rc = -ENOMEM;
	if (!m || !paths || !hexes || !mkdtemp(dir)) {
		if (m && paths && hexes)
			rc = kf_error_set(err, -errno, "%s", strerror(errno));
		else if (!m)
			rc = kf_error_set(err, -EIO, "bad manifest");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *dg = json_string_value(json_array_get(digests, i));

		if (!dg || strncmp(dg, "sha256:", 7) ||
		    strlen(dg) != 7 + SHA256_HEX || strchr(dg + 7, '/')) {
			rc = kf_error_set(err, -EINVAL,
					  "bad digest in the "
					  "manifest");
			goto out_rm;
		}
		hexes[i] = dg + 7;
		if (asprintf(&paths[i], "%s/%zu", dir, i) < 0) {
			paths[i] = NULL;
			rc = -ENOMEM;
			goto out_rm;
		}
		rc = fetch_blob(&fx, dg, paths[i], err);
		if (rc < 0)
			goto out_rm;
	}
	rc = imagestore_add(s, normalized, man.buf, man.len,
			    (const char *const *)paths, hexes, n, err);
out_rm:
	for (i = 0; i < n; i++)
		if (paths[i])
			unlink(paths[i]);
	rmdir(dir);
out:
	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(hexes);
	free(man.buf);
	return rc;
}

int registry_pull(struct imagestore *s, const char *normalized,
		  const struct registry_cred *creds, size_t n_creds,
		  struct kf_error *err)
{
	int r = -EACCES;

	if (!n_creds)
		return pull_as(s, normalized, NULL, err);
	/* as the kubelet: each credential in turn, the last refusal told */
	for (size_t i = 0; i < n_creds && r == -EACCES; i++) {
		kf_error_init(err);
		r = pull_as(s, normalized, &creds[i], err);
	}
	return r;
}
