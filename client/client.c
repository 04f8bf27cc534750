/*
 * client.c — the client handle, paths, file I/O helpers, the `errors`
 * file, time stamps and retries.
 */
#include "client/client_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/clock.h"

const struct client_backoff client_default_retry = {
    .steps = 5,
    .duration_ms = 10,
    .factor = 1.0,
    .jitter = 0.1,
    .cap_ms = 0,
};

int client_new(const char *mount, struct client **ret)
{
	_cleanup_free_ struct client *c = NULL;
	struct stat st;
	size_t len;

	if (!mount || !*mount)
		mount = getenv("KUBEFS_MOUNT");
	if (!mount || !*mount)
		mount = CLIENT_DEFAULT_MOUNT;
	if (stat(mount, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->mount = strdup(mount);
	if (!c->mount)
		return -ENOMEM;
	len = strlen(c->mount);
	while (len > 1 && c->mount[len - 1] == '/')
		c->mount[--len] = '\0';
	*ret = TAKE_PTR(c);
	return 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	free(c->mount);
	free(c);
}

const char *client_mount(const struct client *c)
{
	return c->mount;
}

int kfc_check_name(const char *s)
{
	size_t len;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	if (len == 0 || len > CLIENT_NAME_MAX)
		return -EINVAL;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	if (strpbrk(s, "/@"))
		return -EINVAL;
	return 0;
}

/* A subresource suffix: '@' then printable bytes without '/'. */
static int check_sub(const char *sub)
{
	if (sub[0] != '@' || strlen(sub) > 4096)
		return -EINVAL;
	for (const char *p = sub + 1; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20)
			return -EINVAL;
	return 0;
}

int client_relpath(const struct kind_info *k, const char *ns, const char *name,
		   const char *sub, char **ret)
{
	char *out = NULL;
	bool watch;
	int n;

	if (!k)
		return -EINVAL;
	if (!k->namespaced || (ns && !*ns))
		ns = NULL;
	if (ns && kfc_check_name(ns) < 0)
		return -EINVAL;
	if (name && kfc_check_name(name) < 0)
		return -EINVAL;
	if (sub && check_sub(sub) < 0)
		return -EINVAL;
	watch = sub && !strncmp(sub, "@watch", 6);
	if (watch && name)
		return -EINVAL;
	if (!watch && sub && !name)
		return -EINVAL;
	n = asprintf(&out, "%s/%s/%s%s%s%s%s%s%s", k->path_group, k->version,
		     k->resource, ns ? "/" : "", ns ? ns : "", name ? "/" : "",
		     name ? name : "", watch ? "/" : "", sub ? sub : "");
	if (n < 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

int client_path(const struct client *c, const struct kind_info *k,
		const char *ns, const char *name, const char *sub, char **ret)
{
	_cleanup_free_ char *rel = NULL;
	char *out = NULL;
	int r;

	r = client_relpath(k, ns, name, sub, &rel);
	if (r < 0)
		return r;
	if (asprintf(&out, "%s/%s", c->mount, rel) < 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

int kfc_read_file(const char *path, size_t max, bool cut, char **ret,
		  size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len) {
				if (cut)
					break;
				return -EFBIG;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
		if (len > max) {
			if (!cut)
				return -EFBIG;
			len = max;
			break;
		}
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int kfc_write_file(const char *path, int flags, const char *data, size_t len)
{
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		data += n;
		len -= n;
	}
	if (close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	return r;
}

time_t kfc_now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

void kfc_sleep_ms(uint64_t ms)
{
	struct timespec ts = {
	    .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void kfc_qualified_resource(const struct kind_info *k, char *buf, size_t size)
{
	if (!k) {
		snprintf(buf, size, "objects");
		return;
	}
	if (k->group && *k->group)
		snprintf(buf, size, "%s.%s", k->resource, k->group);
	else
		snprintf(buf, size, "%s", k->resource);
}

const char *kfc_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const char *kfc_meta_str(const json_t *obj, const char *key)
{
	return kfc_str(json_object_get(obj, "metadata"), key);
}

uint64_t kfc_random(uint64_t n)
{
	static __thread uint64_t state;
	uint64_t x;

	if (n == 0)
		return 0;
	if (!state) {
		if (getrandom(&state, sizeof(state), 0) != sizeof(state))
			state = (uint64_t)mono_ms() ^ (uint64_t)getpid() << 32;
		state |= 1;
	}
	/* xorshift64* */
	x = state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return (x * 0x2545F4914F6CDD1DULL) % n;
}

/*
 * One `errors` line split into its parts (pointers into the line).
 * Returns false when the line is not "<time> <path>: <reason>".
 */
struct errline {
	const char *ts;
	size_t ts_len;
	time_t sec;
	const char *reason;
	size_t reason_len;
};

static bool errline_parse(const char *line, size_t len, const char *relpath,
			  struct errline *ret)
{
	size_t plen = strlen(relpath);
	const char *sp = memchr(line, ' ', len);
	char tsbuf[RFC3339_MAX + 8];
	struct timespec ts;
	size_t ts_len;

	if (!sp)
		return false;
	ts_len = sp - line;
	if (ts_len >= sizeof(tsbuf))
		return false;
	if ((size_t)(line + len - (sp + 1)) < plen + 2)
		return false;
	if (memcmp(sp + 1, relpath, plen) || memcmp(sp + 1 + plen, ": ", 2))
		return false;
	memcpy(tsbuf, line, ts_len);
	tsbuf[ts_len] = '\0';
	if (rfc3339_parse(tsbuf, &ts) < 0)
		return false;
	ret->ts = line;
	ret->ts_len = ts_len;
	ret->sec = ts.tv_sec;
	ret->reason = sp + 1 + plen + 2;
	ret->reason_len = line + len - ret->reason;
	return true;
}

/*
 * Put the server's reason for relpath into err. since 0: the newest line
 * for relpath, joined with the lines of the same message just before it
 * (same time, consecutive). since set: every line for relpath logged at or
 * after since (a drop box logs one line per failed document). Returns true
 * when a line was found.
 */
static bool errors_lookup(struct client *c, const char *relpath, time_t since,
			  int code, struct kf_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct errline prev = {0}, cur;
	const char *line, *first = NULL, *last_end = NULL;
	size_t len, total;
	bool found = false;

	if (asprintf(&path, "%s/errors", c->mount) < 0)
		return false;
	if (kfc_read_file(path, CLIENT_ERRORS_MAX, false, &text, &total) < 0)
		return false;
	/* walk the lines oldest to newest, remembering where to start */
	for (line = text; line < text + total; line += len + 1) {
		const char *nl = memchr(line, '\n', text + total - line);

		len = nl ? (size_t)(nl - line) : (size_t)(text + total - line);
		if (!errline_parse(line, len, relpath, &cur)) {
			prev.ts = NULL; /* ends a run */
			continue;
		}
		if (since && cur.sec < since)
			continue;
		if (since ? !first
			  : !prev.ts || prev.ts_len != cur.ts_len ||
				memcmp(prev.ts, cur.ts, cur.ts_len))
			first = line;
		prev = cur;
		last_end = line + len;
		found = true;
	}
	if (!found)
		return false;
	if (err) {
		size_t used = 0;

		kf_error_init(err);
		err->code = code;
		for (line = first; line < last_end; line += len + 1) {
			const char *nl = memchr(line, '\n', last_end - line);

			len = nl ? (size_t)(nl - line)
				 : (size_t)(last_end - line);
			if (!errline_parse(line, len, relpath, &cur))
				continue;
			used += snprintf(
			    err->msg + used, sizeof(err->msg) - used, "%s%.*s",
			    used ? "\n" : "", (int)cur.reason_len, cur.reason);
			if (used >= sizeof(err->msg))
				break;
		}
	}
	return true;
}

int client_read_error(struct client *c, const char *relpath, int code,
		      struct kf_error *err)
{
	if (errors_lookup(c, relpath, 0, code, err))
		return code;
	return kf_error_set(err, code, "%s: %s", relpath, strerror(-code));
}

int kfc_fail(struct client *c, const char *relpath, time_t since, int code,
	     const struct kind_info *k, const char *name, struct kf_error *err)
{
	char res[128];

	if (!err)
		return code;
	if (relpath && errors_lookup(c, relpath, since, code, err))
		return code;
	kfc_qualified_resource(k, res, sizeof(res));
	if (!name)
		return kf_error_set(err, code, "%s", strerror(-code));
	switch (code) {
	case -ENOENT:
		return kf_error_set(err, code, "%s \"%s\" not found", res,
				    name);
	case -EEXIST:
		return kf_error_set(err, code, "%s \"%s\" already exists", res,
				    name);
	case -ESTALE:
		return kf_error_set(err, code,
				    "Operation cannot be fulfilled on %s "
				    "\"%s\": the object has been modified; "
				    "please apply your changes to the latest "
				    "version and try again",
				    res, name);
	case -EACCES:
	case -EPERM:
		return kf_error_set(err, code, "%s \"%s\" is forbidden", res,
				    name);
	case -EFBIG:
		return kf_error_set(err, code,
				    "the object is too large: the limit is "
				    "1572864 bytes");
	default:
		return kf_error_set(err, code, "%s \"%s\": %s", res, name,
				    strerror(-code));
	}
}

uint64_t client_object_rv(const json_t *obj)
{
	const char *s = kfc_meta_str(obj, "resourceVersion");
	uint64_t v = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int client_retry_on_conflict(int (*fn)(void *ud), void *ud,
			     const struct client_backoff *backoff)
{
	const struct client_backoff *b =
	    backoff ? backoff : &client_default_retry;
	double pause = b->duration_ms;
	unsigned steps = b->steps ? b->steps : 1;
	int r = -ESTALE;

	for (unsigned i = 0; i < steps; i++) {
		double d = pause;

		r = fn(ud);
		if (r != -ESTALE || i + 1 == steps)
			break;
		if (b->jitter > 0)
			d += pause * b->jitter *
			     ((double)kfc_random(1000000) / 1000000.0);
		if (b->cap_ms && d > b->cap_ms)
			d = b->cap_ms;
		kfc_sleep_ms((uint64_t)d);
		pause *= b->factor >= 1.0 ? b->factor : 1.0;
		if (b->cap_ms && pause > b->cap_ms)
			pause = b->cap_ms;
	}
	return r;
}
