/*
 * kinds.h — the registry of kinds kubefs serves.
 *
 * One static table row per kind: its group/version/kind, the plural
 * resource name that names its directory, whether it is namespaced, the
 * subresources it has, and its defaulting and validation functions.
 * Adding a kind is one row plus (optionally) its defaulting/validation
 * functions in api/defaults.c and api/validate.c.
 *
 * Paths in the tree use "core" for the legacy group: core/v1/pods. The
 * apiVersion of such objects is plain "v1".
 *
 * The table is immutable; every pointer returned is borrowed and valid
 * for the life of the process.
 */
#ifndef KUBEFS_API_KINDS_H
#define KUBEFS_API_KINDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"

struct validation;

enum kind_subresource {
	KIND_SUB_STATUS = 1u << 0,   /* NAME@status */
	KIND_SUB_SCALE = 1u << 1,    /* NAME@scale (spec.replicas) */
	KIND_SUB_BINDING = 1u << 2,  /* pods: NAME@binding */
	KIND_SUB_LOG = 1u << 3,	     /* pods: NAME@log[.CONTAINER] */
	KIND_SUB_EVICTION = 1u << 4, /* pods: NAME@eviction */
	KIND_SUB_FINALIZE = 1u << 5, /* namespaces: NAME@finalize */
};

/* The spec finalizer every new namespace gets; the namespace controller
 * removes it through NAME@finalize once the namespace is empty. */
#define FINALIZER_KUBERNETES "kubernetes"

struct kind_info {
	const char *group;	 /* "" for the core group */
	const char *path_group;	 /* directory name: "core" or the group */
	const char *version;	 /* "v1" */
	const char *api_version; /* "v1" or "apps/v1" */
	const char *kind;	 /* "Deployment" */
	const char *resource;	 /* plural, "deployments" */
	const char *singular;	 /* "deployment" */
	const char *short_names; /* comma-separated, e.g. "deploy" or "" */
	bool namespaced;
	unsigned subresources; /* enum kind_subresource bits */
	/*
	 * Create keeps a written .status (Node, Namespace) instead of
	 * resetting it as Kubernetes' PrepareForCreate does for most kinds.
	 */
	bool keep_status_on_create;
	/* touch NAME may create it with an empty spec (Namespace, ConfigMap,
	 * Secret, ServiceAccount, ...). */
	bool touch_creates;
	/*
	 * Fill defaults in place (Kubernetes SetDefaults_*). Never fails on
	 * well-typed input; ignores fields of the wrong type (validation
	 * reports them). May be NULL.
	 */
	void (*set_defaults)(json_t *obj);
	/*
	 * Validate obj (already defaulted). old is the stored object for an
	 * update, NULL for a create (immutable-field checks use it). Returns
	 * 0 or -EINVAL with err filled — see validate.h for the wording.
	 * May be NULL (only the generic metadata checks apply).
	 */
	int (*validate)(const json_t *obj, const json_t *old,
			struct kf_error *err);
	/* "Deployment.apps" / "Pod", as kind_qualified() returns it. */
	const char *qualified;
	/* The kind's metadata.name rule: an enum name_rule (validate.h). */
	unsigned name_rule;
	/*
	 * The kind's own rules after the generic ObjectMeta ones, adding to
	 * the error list v (validate.h). May be NULL.
	 */
	void (*check)(struct validation *v, const json_t *obj,
		      const json_t *old);
};

/* Number of kinds and the i-th one, in a stable order (for `resources`). */
size_t kinds_count(void);
const struct kind_info *kinds_at(size_t i);

/*
 * Look up by tree path pieces: ("core", "v1", "pods"), ("apps", "v1",
 * "deployments"). NULL when not served.
 */
const struct kind_info *kinds_by_path(const char *path_group,
				      const char *version,
				      const char *resource);

/* Look up by apiVersion and kind as written in a manifest. NULL if none. */
const struct kind_info *kinds_by_gvk(const char *api_version, const char *kind);

/*
 * Look up by a name a user types: plural, singular, kind (any case) or
 * short name, optionally qualified with ".group" ("deployments.apps").
 * For the command line. NULL if none.
 */
const struct kind_info *kinds_by_name(const char *name);

/*
 * "Deployment.apps" / "Pod": the qualified kind Kubernetes puts in front
 * of messages ("Deployment.apps \"web\" is invalid: ..."). Borrowed string.
 */
const char *kind_qualified(const struct kind_info *k);

/*
 * Default then validate obj as Kubernetes' create/update would, including
 * the generic ObjectMeta rules (validate.h). Returns 0 or -EINVAL with err
 * holding the complete Kubernetes sentence, e.g.
 *   Pod "x" is invalid: spec.containers: Required value
 */
int kind_admit(const struct kind_info *k, json_t *obj, const json_t *old,
	       struct kf_error *err);

#endif
