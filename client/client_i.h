/*
 * client_i.h — helpers shared by the files of client/ (not a public
 * contract).
 */
#ifndef KUBEFS_CLIENT_CLIENT_I_H
#define KUBEFS_CLIENT_CLIENT_I_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/error.h"
#include "api/kinds.h"
#include "client/client.h"

struct client {
	char *mount; /* no trailing '/' */
};

/* 0 if s can be one path element naming an object or namespace. */
int kfc_check_name(const char *s);

/*
 * Read the whole file at path (absolute). *ret malloc'd, NUL-terminated,
 * owned by the caller; *ret_len its length (may be NULL). -EFBIG beyond
 * max bytes when cut is false; with cut true the read stops at max.
 */
int kfc_read_file(const char *path, size_t max, bool cut, char **ret,
		  size_t *ret_len);

/*
 * open(path, O_WRONLY | O_CLOEXEC | flags, 0644), write data[0..len),
 * close; the first failing call's -errno. The server judges the write at
 * close, so close's result counts.
 */
int kfc_write_file(const char *path, int flags, const char *data, size_t len);

/* Seconds of CLOCK_REALTIME, to tell fresh `errors` lines from old. */
time_t kfc_now_sec(void);

/* Sleep ms milliseconds (restarted after signals). */
void kfc_sleep_ms(uint64_t ms);

/*
 * "pods" or "deployments.apps": the resource as Kubernetes names it in
 * NotFound / AlreadyExists / Conflict messages. Copied into buf.
 */
void kfc_qualified_resource(const struct kind_info *k, char *buf, size_t size);

/*
 * After a failed operation on relpath (relative to the mount) that
 * started at wall-clock second since: take the server's reason from
 * `errors` if it logged one at or after since, else word one for code
 * about (k, name). Returns code.
 */
int kfc_fail(struct client *c, const char *relpath, time_t since, int code,
	     const struct kind_info *k, const char *name, struct kf_error *err);

/* The string member key of obj, or NULL. Borrowed. */
const char *kfc_str(const json_t *obj, const char *key);

/* metadata.<key> of obj as a string, or NULL. Borrowed. */
const char *kfc_meta_str(const json_t *obj, const char *key);

/* Absolute and relative (may be NULL) path of (k, ns, name, sub) under
 * the mount, owned by the caller; -EINVAL worded in err for a bad name
 * or subresource. */
int kfc_paths(struct client *c, const struct kind_info *k, const char *ns,
	      const char *name, const char *sub, struct kf_error *err,
	      char **ret_abs, char **ret_rel);

/* An object's JSON text parsed (duplicate keys refused); -EBADMSG when
 * it is not an object. */
int kfc_parse_object(const char *text, size_t len, json_t **ret);

/* Uniform random number in [0, n) from a per-thread generator. */
uint64_t kfc_random(uint64_t n);

/*
 * The store's resourceVersion as a watch of kind k (namespace ns, NULL:
 * all) tells it: the bookmark ending the initial objects of a streaming
 * list whose selector no object matches. For callers who may watch but
 * not read `metrics`. 0 when it cannot be had.
 */
uint64_t kfc_streamed_rv(struct client *c, const struct kind_info *k,
			 const char *ns);

#endif
