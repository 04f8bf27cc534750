/*
 * audit.c — audit.k8s.io/v1 Events as JSON lines: building them, and the
 * log file with its rotation by size (audit.h).
 */
#include "apiserver/audit_i.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"

#define POLICY_FILE_MAX (1u << 20)
#define BACKUPS_SCAN_MAX 4096

int audit_code(const char *verb, int r)
{
	switch (r) {
	case 0:
		return verb && !strcmp(verb, "create") ? 201 : 200;
	case -EACCES:
	case -EPERM:
		return 403;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -ESTALE:
		return 409;
	case -EFBIG:
		return 413;
	case -EINVAL:
		return 422;
	case -ENOSPC:
	case -ENOMEM:
	case -EAGAIN:
		return 503;
	default:
		return 500;
	}
}

static int open_log(struct audit *a)
{
	struct stat st;

	if (!a->path) {
		a->fd = STDOUT_FILENO;
		return 0;
	}
	a->fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0)
		return -errno;
	a->size = fstat(a->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	if (a->path && a->fd >= 0)
		close(a->fd);
	free(a->path);
	audit_policy_release(&a->policy);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

int audit_new(const struct audit_config *cfg, struct kf_error *err,
	      struct audit **ret)
{
	struct audit *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return kf_error_set(err, -ENOMEM, "out of memory");
	a->fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	r = audit_policy_parse(&a->policy, cfg->policy_text, cfg->policy_len,
			       err);
	if (r < 0)
		goto fail;
	if (cfg->log_path && strcmp(cfg->log_path, "-")) {
		a->path = strdup(cfg->log_path);
		if (!a->path) {
			r = kf_error_set(err, -ENOMEM, "out of memory");
			goto fail;
		}
	}
	a->max_size_mb = cfg->max_size_mb;
	a->max_backups = cfg->max_backups;
	if (getrandom(&a->id_prefix, sizeof(a->id_prefix), 0) !=
	    sizeof(a->id_prefix))
		a->id_prefix =
		    (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	r = open_log(a);
	if (r < 0) {
		kf_error_set(err, r, "cannot open audit log %s: %s", a->path,
			     strerror(-r));
		goto fail;
	}
	*ret = a;
	return 0;
fail:
	audit_free(a);
	return r;
}

int audit_load(const char *policy_file, const struct audit_config *cfg,
	       struct kf_error *err, struct audit **ret)
{
	struct audit_config c = *cfg;
	_cleanup_close_ int fd = open(policy_file, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n = 0;
	int r;

	if (fd >= 0 && (buf = malloc(POLICY_FILE_MAX + 1)))
		while ((n = read(fd, buf + len, POLICY_FILE_MAX + 1 - len)) > 0)
			len += (size_t)n;
	if (fd < 0 || !buf || n < 0 || len > POLICY_FILE_MAX)
		return kf_error_set(
		    err, fd < 0 || n < 0 ? -errno : -EFBIG,
		    "failed to read file path \"%s\": %s", policy_file,
		    fd < 0 || n < 0 ? strerror(errno) : "too large");
	c.policy_text = buf;
	c.policy_len = len;
	r = audit_new(&c, err, ret);
	if (r == -EINVAL)
		kf_error_prefix(err,
				"loading audit policy file %s: ", policy_file);
	return r;
}

enum audit_level audit_decide(const struct audit *a,
			      const struct audit_request *req)
{
	const struct audit_rule *ru;

	if (!a)
		return AUDIT_NONE;
	ru = audit_policy_match(&a->policy, req);
	return ru ? ru->level : AUDIT_NONE;
}

/* ---- the event ---- */

/* RFC 3339 with microseconds, UTC (Kubernetes' MicroTime). */
static void micro_time(const struct timespec *ts, char buf[64])
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec,
		 (unsigned)(ts->tv_nsec / 1000) % 1000000);
}

/* The URI kube-apiserver would have served the request at. */
static void request_uri(const struct audit_request *req, char *buf, size_t size)
{
	const char *g = req->api_group ? req->api_group : "";
	const char *v = req->api_version ? req->api_version : "v1";
	int n;

	if (!req->resource) {
		snprintf(buf, size, "%s", req->path ? req->path : "/");
		return;
	}
	n = *g ? snprintf(buf, size, "/apis/%s/%s", g, v)
	       : snprintf(buf, size, "/api/%s", v);
	if (req->ns && *req->ns && strcmp(req->resource, "namespaces"))
		n += snprintf(buf + n, size - (size_t)n, "/namespaces/%s",
			      req->ns);
	n += snprintf(buf + n, size - (size_t)n, "/%s", req->resource);
	if (req->name && *req->name)
		n += snprintf(buf + n, size - (size_t)n, "/%s", req->name);
	if (req->subresource && *req->subresource)
		n += snprintf(buf + n, size - (size_t)n, "/%s",
			      req->subresource);
	if (!strcmp(req->verb, "watch"))
		snprintf(buf + n, size - (size_t)n, "?watch=true");
}

/*
 * An event line, built by hand: jansson's tree and its allocations cost
 * more than the rest of a request's audit. Starts in a caller's buffer,
 * moves to the heap when it outgrows it.
 */
struct line {
	char *p;
	size_t len, cap;
	bool heap, oom;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->oom)
		return;
	if (l->len + n + 2 > l->cap) { /* room for "\n" and a NUL */
		size_t cap = (l->len + n + 2) * 2;
		char *q = l->heap ? realloc(l->p, cap) : malloc(cap);

		if (!q) {
			l->oom = true;
			return;
		}
		if (!l->heap)
			memcpy(q, l->p, l->len);
		l->p = q;
		l->cap = cap;
		l->heap = true;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void put_s(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* s as a JSON string. */
static void put_q(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	put(l, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(l, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(l, esc, 2);
		} else {
			put(l, esc, 6);
		}
		run = s + 1;
	}
	put(l, run, (size_t)(s - run));
	put(l, "\"", 1);
}

/* ,"key":"value" when value is set and not empty. */
static void put_kv(struct line *l, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	put(l, ",\"", 2);
	put_s(l, key);
	put(l, "\":", 2);
	put_q(l, v);
}

/* ,"key":<the object as compact JSON> */
static void put_obj(struct line *l, const char *key, const json_t *obj)
{
	_cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT);

	if (!text) {
		l->oom = true;
		return;
	}
	put(l, ",\"", 2);
	put_s(l, key);
	put(l, "\":", 2);
	put_s(l, text);
}

static void put_object_ref(struct line *l, const struct audit_request *req)
{
	bool ns_obj = !strcmp(req->resource, "namespaces");

	put_s(l, ",\"objectRef\":{\"resource\":");
	put_q(l, req->resource);
	/* a Namespace's own requests are in that namespace */
	put_kv(l, "namespace", ns_obj ? req->name : req->ns);
	put_kv(l, "name", req->name);
	put_kv(l, "apiGroup", req->api_group);
	put_kv(l, "apiVersion", req->api_version);
	put_kv(l, "subresource", req->subresource);
	put(l, "}", 1);
}

/* The event of req at stage into l. */
static void event_line(struct line *l, const struct audit_request *req,
		       enum audit_level level, enum audit_stage stage,
		       const char *id, const struct timespec *stage_ts)
{
	static const char *const stage_name[] = {
	    "RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};
	char uri[1024], t[64];

	request_uri(req, uri, sizeof(uri));
	put_s(l, "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\"");
	put_kv(l, "level", audit_level_name(level));
	put_kv(l, "auditID", id);
	put_kv(l, "stage", stage_name[stage]);
	put_kv(l, "requestURI", uri);
	put_kv(l, "verb", req->verb);
	put_s(l, ",\"user\":{\"username\":");
	put_q(l, req->user ? req->user : "");
	put_s(l, ",\"groups\":[");
	for (size_t i = 0; i < req->ngroups; i++) {
		if (i)
			put(l, ",", 1);
		put_q(l, req->groups[i]);
	}
	put_s(l, "]},\"sourceIPs\":[\"127.0.0.1\"]");
	if (req->resource)
		put_object_ref(l, req);
	if (stage != AUDIT_STAGE_RECEIVED) {
		snprintf(t, sizeof(t), "%d", req->code);
		put_s(l, ",\"responseStatus\":{\"metadata\":{},\"code\":");
		put_s(l, t);
		put(l, "}", 1);
	}
	if (level >= AUDIT_REQUEST && req->request_object)
		put_obj(l, "requestObject", req->request_object);
	if (level >= AUDIT_REQUEST_RESPONSE && req->response_object &&
	    stage != AUDIT_STAGE_RECEIVED)
		put_obj(l, "responseObject", req->response_object);
	micro_time(&req->received, t);
	put_kv(l, "requestReceivedTimestamp", t);
	micro_time(stage_ts, t);
	put_kv(l, "stageTimestamp", t);
	put_s(l, ",\"annotations\":{\"authorization.k8s.io/decision\":");
	put_s(l, req->allowed ? "\"allow\"}}\n" : "\"forbid\"}}\n");
}

/* ---- the file ---- */

/* NAME-2006-01-02T15-04-05.000.EXT next to the log (lumberjack's); a
 * name taken already (two rotations in one millisecond) moves on by a
 * millisecond, so no backup is overwritten and names keep their order. */
static void backup_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < 1000; i++) {
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(buf, size, "%.*s-%04d-%02d-%02dT%02d-%02d-%02d.%03u%s",
			 (int)stem, path, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned)(ts.tv_nsec / 1000000) % 1000,
			 stem < strlen(path) ? path + stem : "");
		if (access(buf, F_OK) < 0)
			return;
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Remove the oldest backups past max_backups (their names sort by time). */
static void prune_backups(struct audit *a)
{
	_cleanup_free_ char *dcopy = strdup(a->path), *bcopy = strdup(a->path);
	char *names[BACKUPS_SCAN_MAX], stem[256], path[4096];
	const char *dir, *base, *dot;
	size_t n = 0, slen;
	struct dirent *de;
	DIR *d;

	if (!a->max_backups || !dcopy || !bcopy)
		return;
	dir = dirname(dcopy);
	base = basename(bcopy);
	dot = strrchr(base, '.');
	slen = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	snprintf(stem, sizeof(stem), "%.*s-", (int)slen, base);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && n < BACKUPS_SCAN_MAX)
		if (!strncmp(de->d_name, stem, strlen(stem)) &&
		    (names[n] = strdup(de->d_name)))
			n++;
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i + a->max_backups < n) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			unlink(path);
		}
		free(names[i]);
	}
}

/* Rename the full log to its backup name and start a new one. */
static int rotate(struct audit *a)
{
	char backup[4200];
	int r;

	backup_name(a->path, backup, sizeof(backup));
	if (rename(a->path, backup) < 0)
		return -errno;
	close(a->fd);
	r = open_log(a);
	prune_backups(a);
	return r;
}

static int write_line(struct audit *a, const char *line, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int r = 0;

	pthread_mutex_lock(&a->lock);
	if (a->path && a->max_size_mb && a->size > 0 &&
	    (uint64_t)a->size + len > (uint64_t)a->max_size_mb << 20)
		r = rotate(a);
	while (r == 0 && off < len) {
		n = write(a->fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			off += (size_t)n;
	}
	a->size += (off_t)off;
	pthread_mutex_unlock(&a->lock);
	return r;
}

static int log_stage(struct audit *a, const struct audit_request *req,
		     enum audit_level level, enum audit_stage stage,
		     const char *id, const struct timespec *ts)
{
	char buf[2048];
	struct line l = {.p = buf, .cap = sizeof(buf)};
	int r;

	event_line(&l, req, level, stage, id, ts);
	r = l.oom ? -ENOMEM : write_line(a, l.p, l.len);
	if (l.heap)
		free(l.p);
	return r;
}

int audit_log(struct audit *a, const struct audit_request *req,
	      enum audit_level level)
{
	const struct audit_rule *ru;
	unsigned omit;
	uint64_t n;
	struct timespec now;
	char id[40];
	int r = 0;

	if (!a || level == AUDIT_NONE || !req->verb)
		return 0;
	ru = audit_policy_match(&a->policy, req);
	omit = a->policy.omit | (ru ? ru->omit : 0);
	n = atomic_fetch_add(&a->id_next, 1);
	snprintf(id, sizeof(id), "%08x-%04x-4%03x-%04x-%012llx",
		 (unsigned)(a->id_prefix >> 32),
		 (unsigned)(a->id_prefix >> 16) & 0xffff,
		 (unsigned)a->id_prefix & 0xfff,
		 0x8000 | (unsigned)((n >> 48) & 0x3fff),
		 (unsigned long long)(n & 0xffffffffffffULL));
	clock_gettime(CLOCK_REALTIME, &now);
	if (!(omit & (1u << AUDIT_STAGE_RECEIVED)))
		r = log_stage(a, req, level, AUDIT_STAGE_RECEIVED, id,
			      &req->received);
	if (r == 0 && !(omit & (1u << AUDIT_STAGE_COMPLETE)))
		r = log_stage(a, req, level, AUDIT_STAGE_COMPLETE, id, &now);
	return r;
}
