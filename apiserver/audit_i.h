/*
 * audit_i.h — private to apiserver/audit*.c: the parsed policy
 * (audit_policy.c) and the log (audit.c).
 */
#ifndef KUBEFS_APISERVER_AUDIT_I_H
#define KUBEFS_APISERVER_AUDIT_I_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "apiserver/audit.h"

enum audit_stage {
	AUDIT_STAGE_RECEIVED, /* RequestReceived */
	AUDIT_STAGE_STARTED,  /* ResponseStarted (long requests) */
	AUDIT_STAGE_COMPLETE, /* ResponseComplete */
	AUDIT_STAGE_PANIC,    /* Panic */
};

/* Strings borrowed from the policy document. */
struct audit_strs {
	const char **v;
	size_t n;
};

struct audit_group_res {
	const char *group;
	struct audit_strs resources;
	struct audit_strs names;
};

struct audit_rule {
	enum audit_level level;
	struct audit_strs users, groups, verbs, namespaces, urls;
	struct audit_group_res *res;
	size_t nres;
	bool has_res, has_ns;
	unsigned omit; /* bits of enum audit_stage */
};

struct audit_policy {
	json_t *doc; /* the parsed file: owns the rules' strings */
	struct audit_rule *rules;
	size_t nrules;
	unsigned omit;
};

/* Parse and validate; on failure err holds the sentence and p must still
 * be released. */
int audit_policy_parse(struct audit_policy *p, const char *text, size_t len,
		       struct kf_error *err);
void audit_policy_release(struct audit_policy *p);

/* The first rule matching req, or NULL. */
const struct audit_rule *audit_policy_match(const struct audit_policy *p,
					    const struct audit_request *req);

const char *audit_level_name(enum audit_level l);

struct audit {
	struct audit_policy policy;
	char *path; /* NULL: standard output */
	int fd;
	unsigned max_size_mb, max_backups;
	pthread_mutex_t lock; /* the fd, size and rotation */
	off_t size;
	uint64_t id_prefix; /* auditIDs: random prefix, counter */
	_Atomic uint64_t id_next;
};

#endif
