/*
 * resource.c — resource arguments, manifests from -f, object names as
 * kubectl prints them, waiting for changes.
 */
#include "shell/resource.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "shell/cli.h"

/* The workload kinds `get all` shows, as kubectl's "all" category. */
static const char *const all_kinds[] = {
    "pods",
    "services",
    "daemonsets.apps",
    "deployments.apps",
    "replicasets.apps",
    "statefulsets.apps",
    "jobs.batch",
    "cronjobs.batch",
};

static int add_kind(struct refs *r, const struct kind_info *k)
{
	for (size_t i = 0; i < r->nkinds; i++)
		if (r->kinds[i] == k)
			return 0;
	if (r->nkinds >= sizeof(r->kinds) / sizeof(r->kinds[0])) {
		cli_fail("too many resource types");
		return -EINVAL;
	}
	r->kinds[r->nkinds++] = k;
	return 0;
}

static int add_ref(struct refs *r, const struct kind_info *k, const char *name)
{
	if (r->n >= REFS_MAX) {
		cli_fail("too many resources: at most %d", REFS_MAX);
		return -EINVAL;
	}
	if (!r->v) {
		r->v = calloc(REFS_MAX, sizeof(*r->v));
		if (!r->v)
			return -ENOMEM;
	}
	r->v[r->n].kind = k;
	r->v[r->n].name = name;
	r->n++;
	return add_kind(r, k);
}

static int unknown_type(const char *t)
{
	cli_fail("the server doesn't have a resource type \"%s\"", t);
	return -EINVAL;
}

/* Resolve "po,svc" (or "all") into r->kinds. */
static int parse_types(struct refs *r, char *types)
{
	char *save = NULL;

	for (char *t = strtok_r(types, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		const struct kind_info *k;
		int ret;

		if (!strcmp(t, "all")) {
			for (size_t i = 0;
			     i < sizeof(all_kinds) / sizeof(all_kinds[0]);
			     i++) {
				k = kinds_by_name(all_kinds[i]);
				if (k && (ret = add_kind(r, k)) < 0)
					return ret;
			}
			continue;
		}
		k = kinds_by_name(t);
		if (!k)
			return unknown_type(t);
		ret = add_kind(r, k);
		if (ret < 0)
			return ret;
	}
	if (!r->nkinds)
		return unknown_type(types);
	return 0;
}

static int slash_form(struct refs *r, int n, char **args)
{
	for (int i = 0; i < n; i++) {
		char *slash = strchr(args[i], '/');
		const struct kind_info *k;
		int ret;

		if (!slash) {
			cli_fail("there is no need to specify a resource type "
				 "as a separate argument when passing "
				 "arguments in resource/name form (e.g. "
				 "'kubefs get resource/<resource_name>' "
				 "instead of 'kubefs get resource "
				 "resource/<resource_name>'");
			return -EINVAL;
		}
		if (slash == args[i] || !slash[1] || strchr(slash + 1, '/')) {
			cli_fail("arguments in resource/name form must have a "
				 "single resource and name");
			return -EINVAL;
		}
		*slash = '\0';
		k = kinds_by_name(args[i]);
		if (!k)
			return unknown_type(args[i]);
		ret = add_ref(r, k, slash + 1);
		if (ret < 0)
			return ret;
	}
	r->by_name = true;
	return 0;
}

int refs_parse(const char *verb, int n, char **args, struct refs *ret)
{
	struct refs r = {0};
	bool slash = false;
	int e;

	if (n <= 0) {
		fprintf(stderr,
			"You must specify the type of resource to %s. Use "
			"\"kubefs api-resources\" for a complete list of "
			"supported resources.\n\nerror: Required resource not "
			"specified.\nUse \"kubefs explain <resource>\" for a "
			"detailed description of that resource (e.g. kubefs "
			"explain pods).\nSee 'kubefs %s -h' for help and "
			"examples\n",
			verb, verb);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		if (strchr(args[i], '/'))
			slash = true;
	if (slash) {
		e = slash_form(&r, n, args);
	} else {
		e = parse_types(&r, args[0]);
		for (size_t k = 0; !e && k < r.nkinds; k++) {
			if (n == 1)
				e = add_ref(&r, r.kinds[k], NULL);
			for (int i = 1; !e && i < n; i++)
				e = add_ref(&r, r.kinds[k], args[i]);
		}
		r.by_name = n > 1;
	}
	if (e < 0) {
		refs_release(&r);
		return e;
	}
	*ret = r;
	return 0;
}

void refs_release(struct refs *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->nkinds = 0;
}

struct kind_names {
	const struct kind_info *k;
	char type[160];
	char resource[160];
};

static const struct kind_names *names_of(const struct kind_info *k)
{
	static struct kind_names cache[256];
	static size_t n;
	struct kind_names *e;
	size_t i;

	for (i = 0; i < n; i++)
		if (cache[i].k == k)
			return &cache[i];
	e = &cache[n < 256 ? n++ : 255];
	e->k = k;
	snprintf(e->type, sizeof(e->type), "%s%s%s", k->kind,
		 *k->group ? "." : "", k->group);
	for (char *p = e->type; *p && *p != '.'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	snprintf(e->resource, sizeof(e->resource), "%s%s%s", k->resource,
		 *k->group ? "." : "", k->group);
	return e;
}

const char *ref_type(const struct kind_info *k)
{
	return names_of(k)->type;
}

const char *ref_resource(const struct kind_info *k)
{
	return names_of(k)->resource;
}

void ref_slash_name(const struct kind_info *k, const char *name, char *buf,
		    size_t size)
{
	snprintf(buf, size, "%s/%s", ref_type(k), name ? name : "");
}

const char *ref_namespace(const char *flag)
{
	const char *env = getenv("KUBEFS_NAMESPACE");

	if (flag && *flag)
		return flag;
	if (env && *env)
		return env;
	return "default";
}

/* Read all of fd, at most max bytes. */
static int read_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static const char *keep_source(struct manifests *m, const char *path)
{
	char *s;

	if (m->nsources >= MANIFEST_FILES_MAX)
		return NULL;
	s = strdup(path);
	if (s)
		m->sources[m->nsources++] = s;
	return s;
}

/* Check one decoded document and add it to m. */
static int add_doc(struct manifests *m, json_t *obj, const char *source)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const struct kind_info *k;

	if (!av || !*av || !kind || !*kind) {
		cli_fail("error validating \"%s\": error validating data: "
			 "[%s%s%s]; if you choose to ignore these errors, "
			 "turn validation off with --validate=false",
			 source, !av || !*av ? "apiVersion not set" : "",
			 (!av || !*av) && (!kind || !*kind) ? ", " : "",
			 !kind || !*kind ? "kind not set" : "");
		return -EINVAL;
	}
	k = kinds_by_gvk(av, kind);
	if (!k) {
		cli_fail("resource mapping not found for name: \"%s\" "
			 "namespace: \"%s\" from \"%s\": no matches for kind "
			 "\"%s\" in version \"%s\"\nensure CRDs are installed "
			 "first",
			 name ? name : "", ns ? ns : "", source, kind, av);
		return -EINVAL;
	}
	if (m->n >= MANIFEST_DOCS_MAX) {
		cli_fail("too many documents: at most %d", MANIFEST_DOCS_MAX);
		return -E2BIG;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct manifest_doc *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].obj = json_incref(obj);
	m->v[m->n].source = source;
	m->v[m->n].kind = k;
	m->n++;
	return 0;
}

static int read_one(struct manifests *m, const char *path, int fd)
{
	const struct codec_limits lim = {
	    .max_bytes = MANIFEST_BYTES_MAX,
	    .max_depth = CODEC_MAX_DEPTH,
	    .max_aliases = CODEC_MAX_ALIASES,
	    .max_nodes = CODEC_MAX_NODES * 4,
	};
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *docs = NULL;
	const char *source = keep_source(m, fd == 0 ? "STDIN" : path);
	struct kf_error err;
	size_t len = 0, i;
	json_t *d;
	int r, ret = 0;

	if (!source) {
		cli_fail("too many files");
		return -E2BIG;
	}
	r = read_all(fd, MANIFEST_BYTES_MAX - m->bytes, &text, &len);
	if (r < 0) {
		cli_fail("error reading %s: %s", source,
			 r == -EFBIG ? "the manifests are too large"
				     : strerror(-r));
		return r;
	}
	m->bytes += len;
	kf_error_init(&err);
	r = codec_decode(text, len, &lim, &err, &docs);
	if (r < 0) {
		cli_fail("error parsing %s: %s", source, err.msg);
		return r;
	}
	if (codec_flatten_lists(docs) < 0)
		return -ENOMEM;
	json_array_foreach (docs, i, d) {
		if (json_is_null(d))
			continue;
		if (!json_is_object(d)) {
			cli_fail("error parsing %s: a document is not an "
				 "object",
				 source);
			ret = -EINVAL;
			continue;
		}
		r = add_doc(m, d, source);
		if (r == -ENOMEM || r == -E2BIG)
			return r;
		if (r < 0)
			ret = r;
	}
	return ret;
}

static bool manifest_ext(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(name + n - 5, ".json"));
}

static int read_path(struct manifests *m, const char *path, bool recursive,
		     int depth)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, ret = 0;

	if (!strcmp(path, "-"))
		return read_one(m, path, 0);
	if (stat(path, &st) < 0) {
		cli_fail("the path \"%s\" does not exist", path);
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			cli_fail("open %s: %s", path, strerror(errno));
			return -errno;
		}
		return read_one(m, path, fd);
	}
	if (depth > 32)
		return 0;
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		cli_fail("open %s: %s", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *sub = NULL;
		const char *e = ents[i]->d_name;
		struct stat sst;
		int r = 0;

		if (e[0] == '.' || asprintf(&sub, "%s/%s", path, e) < 0)
			continue;
		if (stat(sub, &sst) < 0)
			continue;
		if (S_ISDIR(sst.st_mode)) {
			if (recursive)
				r = read_path(m, sub, true, depth + 1);
		} else if (manifest_ext(e)) {
			r = read_path(m, sub, recursive, depth + 1);
		}
		if (r < 0)
			ret = r;
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

int manifests_read(const struct flag_list *files, bool recursive,
		   struct manifests *m)
{
	int ret = 0;

	for (size_t i = 0; i < files->n; i++) {
		int r = read_path(m, files->v[i], recursive, 0);

		if (r == -ENOMEM || r == -E2BIG)
			return r;
		if (r < 0)
			ret = r;
	}
	return ret;
}

void manifests_release(struct manifests *m)
{
	for (size_t i = 0; i < m->n; i++)
		json_decref(m->v[i].obj);
	free(m->v);
	for (size_t i = 0; i < m->nsources; i++)
		free(m->sources[i]);
	m->v = NULL;
	m->n = m->cap = m->nsources = 0;
}

int manifest_namespace(const struct manifest_doc *d, const char *ns,
		       bool ns_given, const char **ret)
{
	json_t *meta = json_object_get(d->obj, "metadata");
	const char *own = json_string_value(json_object_get(meta, "namespace"));

	if (!d->kind->namespaced) {
		*ret = NULL;
		return 0;
	}
	if (own && *own) {
		if (ns_given && strcmp(own, ns)) {
			cli_fail("the namespace from the provided object "
				 "\"%s\" does not match the namespace \"%s\". "
				 "You must pass '--namespace=%s' to perform "
				 "this operation.",
				 own, ns, own);
			return -EINVAL;
		}
		*ret = own;
		return 0;
	}
	*ret = ns;
	return 0;
}

/*
 * The store's newest resourceVersion (the mount's `metrics`), 0 when
 * unknown: a wake-up stream opened there skips the replay of every
 * existing object.
 */
static uint64_t store_rv(struct client *c)
{
	static const char metric[] = "\nkubefs_store_resource_version ";
	char path[4096], buf[8192];
	uint64_t v = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/metrics", client_mount(c));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, metric);
	if (!p)
		return 0;
	for (p += sizeof(metric) - 1; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

static void waiter_open(struct change_waiter *cw)
{
	struct watch_opts o = {.resource_version = store_rv(cw->c)};

	if (watch_open(cw->c, cw->k, cw->k->namespaced ? cw->ns : NULL, &o,
		       NULL, &cw->w) < 0)
		cw->w = NULL;
}

void change_waiter_init(struct change_waiter *cw, struct client *c,
			const struct kind_info *k, const char *ns,
			long long timeout_ms)
{
	cw->c = c;
	cw->k = k;
	cw->ns = ns;
	cw->w = NULL;
	cw->deadline_ms = timeout_ms > 0 ? cli_now_ms() + timeout_ms : 0;
	waiter_open(cw);
}

int change_waiter_wait(struct change_waiter *cw, int interval_ms)
{
	uint64_t now = cli_now_ms();
	struct watch_event ev = {0};
	int r;

	if (cw->deadline_ms && now >= cw->deadline_ms)
		return -ETIMEDOUT;
	if (cw->deadline_ms && now + interval_ms > cw->deadline_ms)
		interval_ms = (int)(cw->deadline_ms - now);
	if (!cw->w) {
		cli_sleep_ms(interval_ms);
		return 0;
	}
	r = watch_next(cw->w, interval_ms, &ev);
	watch_event_release(&ev);
	if (r == -EPIPE || r == -EMSGSIZE) {
		/* the stream ended (expired, server restart): reopen */
		watch_close(cw->w);
		cw->w = NULL;
		waiter_open(cw);
		cli_sleep_ms(interval_ms > 100 ? 100 : interval_ms);
		return 0;
	}
	/* drain what is already there: one re-read covers it all */
	for (int i = 0; r == 0 && i < 100000; i++) {
		r = watch_next(cw->w, 0, &ev);
		watch_event_release(&ev);
	}
	return 0;
}

void change_waiter_release(struct change_waiter *cw)
{
	watch_close(cw->w);
	cw->w = NULL;
}
