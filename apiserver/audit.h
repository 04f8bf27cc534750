/*
 * audit.h — the audit log, as kube-apiserver's --audit-log-path with
 * --audit-policy-file writes it: one JSON line per request and stage, an
 * audit.k8s.io/v1 Event.
 *
 * The policy (audit.k8s.io/v1 Policy, YAML or JSON) is a list of rules;
 * the first rule that matches a request gives its level:
 *
 *   rules:
 *   - level: None | Metadata | Request | RequestResponse
 *     users: [alice]              # any of (absent: everyone)
 *     userGroups: [system:nodes]  # any of
 *     verbs: [get, list, watch]   # any of
 *     resources:                  # resource requests only
 *     - group: ""                 # "" is the core group
 *       resources: [secrets, pods/log]   # also "*", "*\/status", "pods/\*"
 *       resourceNames: [db]
 *     namespaces: [default, ""]   # "" matches cluster-scoped objects
 *     nonResourceURLs: [/healthz, /api*]   # non-resource requests only
 *     omitStages: [RequestReceived]
 *   omitStages: [RequestReceived] # for every rule
 *
 * No matching rule: None (nothing logged). Metadata logs who did what to
 * which object and the response code; Request adds the request body
 * (requestObject), RequestResponse the response body too
 * (responseObject). So a Secret's data reaches the log only when a rule
 * at Request or above matches Secrets.
 *
 * Each request gives a RequestReceived event (unless omitted) and a
 * ResponseComplete event, both written when the request completes (the
 * tree knows a request's outcome only then), each as one write(2) of a
 * whole line with O_APPEND, under a lock that also covers rotation:
 * with max_size_mb > 0, a line that would take the file past it first
 * renames the file to NAME-YYYY-MM-DDTHH-MM-SS.mmm.EXT (lumberjack's
 * backup name, UTC) and starts a new one; max_backups > 0 keeps that
 * many backups, removing the oldest.
 *
 * Thread safety: audit_decide() and audit_log() may be called from any
 * thread.
 */
#ifndef KUBEFS_APISERVER_AUDIT_H
#define KUBEFS_APISERVER_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "api/error.h"

enum audit_level {
	AUDIT_NONE,
	AUDIT_METADATA,
	AUDIT_REQUEST,
	AUDIT_REQUEST_RESPONSE,
};

/* One request, as the tree served it. Everything borrowed. */
struct audit_request {
	const char *user;	   /* user name; NULL: unknown */
	const char *const *groups; /* its groups */
	size_t ngroups;
	const char *verb; /* get, list, watch, create, ... */
	/* a resource request (resource != NULL) ... */
	const char *api_group;	 /* "" for the core group */
	const char *api_version; /* "v1" */
	const char *resource;	 /* plural */
	const char *subresource; /* "" or NULL for none */
	const char *ns;		 /* "" or NULL at the cluster scope */
	const char *name;	 /* "" or NULL for none (list, a POST) */
	/* ... or a non-resource one */
	const char *path;	  /* "/healthz" */
	int code;		  /* the HTTP status Kubernetes would answer */
	bool allowed;		  /* authorization's decision */
	struct timespec received; /* CLOCK_REALTIME when it came */
	/* bodies, at the levels that log them (NULL: none) */
	const json_t *request_object;
	const json_t *response_object;
};

struct audit_config {
	const char *policy_text; /* the policy file's bytes */
	size_t policy_len;
	const char *log_path; /* "-": standard output */
	unsigned max_size_mb; /* 0: never rotate */
	unsigned max_backups; /* 0: keep every backup */
};

struct audit;

/*
 * Parse the policy and open the log (O_APPEND, created 0600). *ret owned
 * by the caller (audit_free()). -EINVAL with Kubernetes' sentence in err
 * for a bad policy (e.g. 'rules[0].level: Unsupported value: "Loud":
 * supported values: "None", "Metadata", "Request", "RequestResponse"');
 * -errno when the log cannot be opened.
 */
int audit_new(const struct audit_config *cfg, struct kf_error *err,
	      struct audit **ret);

/* Read cfg->policy_text from policy_file, then audit_new(). */
int audit_load(const char *policy_file, const struct audit_config *cfg,
	       struct kf_error *err, struct audit **ret);

/* NULL ok. */
void audit_free(struct audit *a);

/* The level of req under the policy: its first matching rule's, or
 * AUDIT_NONE. a NULL: AUDIT_NONE. */
enum audit_level audit_decide(const struct audit *a,
			      const struct audit_request *req);

/*
 * Write req's events at level (from audit_decide(); AUDIT_NONE writes
 * nothing). Bodies above the level are left out. Returns 0 or -errno
 * (the line is lost; the request is not affected).
 */
int audit_log(struct audit *a, const struct audit_request *req,
	      enum audit_level level);

/* The HTTP status Kubernetes answers for a request of verb that ended
 * with r (0 or a negative errno): 200, 201 (a create), 403, 404, 409,
 * 413, 422, 500. */
int audit_code(const char *verb, int r);

#endif
