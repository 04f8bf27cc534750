/*
 * resource.h — what commands act on: resource arguments as kubectl takes
 * them (TYPE NAME..., TYPE/NAME..., TYPE1,TYPE2), manifests from -f
 * (files, directories, stdin), the names kubectl prints for objects, and
 * waiting for a change of a kind through its @watch stream.
 */
#ifndef KUBEFS_SHELL_RESOURCE_H
#define KUBEFS_SHELL_RESOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/kinds.h"
#include "client/client.h"
#include "client/watch.h"
#include "shell/flags.h"

/* At most this many resource arguments (TYPE/NAME pairs) per command. */
#define REFS_MAX 4096
/* Manifests: total bytes read from -f, documents and files at most. */
#define MANIFEST_BYTES_MAX (64u << 20)
#define MANIFEST_DOCS_MAX 10000
#define MANIFEST_FILES_MAX 10000

struct ref {
	const struct kind_info *kind;
	const char *name; /* NULL: every object of the kind; borrowed */
};

struct refs {
	struct ref *v; /* owned */
	size_t n;
	/* kinds in the order given, without repeats (for tables) */
	const struct kind_info *kinds[64];
	size_t nkinds;
	bool by_name; /* at least one NAME was given */
};

/*
 * Parse resource arguments args[0..n) as kubectl does:
 *   TYPE                    every object of TYPE (names NULL)
 *   TYPE1,TYPE2             several types ("all": the workload types)
 *   TYPE NAME1 NAME2        named objects of TYPE (of each TYPE)
 *   TYPE/NAME TYPE2/NAME2   named objects, the type in each argument
 * TYPE is anything kinds_by_name() knows (po, pods, deploy,
 * deployments.apps, Deployment). need_names: a command that acts on named
 * objects only (describe without a selector still lists). On error prints
 * kubectl's message and returns -EINVAL; *ret is untouched.
 */
int refs_parse(const char *verb, int n, char **args, struct refs *ret);

void refs_release(struct refs *r);

/* Lowercase kind plus group: "pod", "deployment.apps". Borrowed static. */
const char *ref_type(const struct kind_info *k);

/* Resource plus group: "pods", "deployments.apps". Borrowed static. */
const char *ref_resource(const struct kind_info *k);

/* "deployment.apps/nginx" into buf. */
void ref_slash_name(const struct kind_info *k, const char *name, char *buf,
		    size_t size);

/*
 * The namespace of a command: -n value, else $KUBEFS_NAMESPACE, else
 * "default".
 */
const char *ref_namespace(const char *flag);

/* One document of a manifest, with where it came from. */
struct manifest_doc {
	json_t *obj;	    /* owned */
	const char *source; /* "deploy.yaml", "STDIN"; borrowed from the set */
	const struct kind_info *kind;
};

struct manifests {
	struct manifest_doc *v; /* owned */
	size_t n, cap;
	char *sources[MANIFEST_FILES_MAX]; /* owned file names */
	size_t nsources;
	size_t bytes; /* read so far, bounded by MANIFEST_BYTES_MAX */
};

/*
 * Read every -f argument: a file, "-" (stdin), or a directory (its .yaml,
 * .yml and .json files in name order; subdirectories too when recursive).
 * Lists are expanded to their items. Each document must name a served
 * kind. Errors are printed (kubectl's words) and -EINVAL/-ENOENT is
 * returned; documents read before an error stay in m. m must be zeroed
 * before the first call and released with manifests_release().
 */
int manifests_read(const struct flag_list *files, bool recursive,
		   struct manifests *m);

void manifests_release(struct manifests *m);

/*
 * The namespace a manifest document goes to: its metadata.namespace,
 * else ns. -EINVAL (message printed) when both are set and differ, as
 * kubectl refuses. NULL for cluster-scoped kinds.
 */
int manifest_namespace(const struct manifest_doc *d, const char *ns,
		       bool ns_given, const char **ret);

/*
 * Waiting for changes of one kind in one namespace (NULL: all): a @watch
 * stream used as a wake-up, so that callers re-read the objects they
 * care about after every change, or at least every interval_ms. When the
 * stream cannot be opened the wait is a plain sleep (polling).
 */
struct change_waiter {
	struct watch *w;
	struct client *c;
	const struct kind_info *k;
	const char *ns;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC; 0: none */
};

void change_waiter_init(struct change_waiter *cw, struct client *c,
			const struct kind_info *k, const char *ns,
			long long timeout_ms);

/*
 * Block until an event arrives on the stream or interval_ms passes, and
 * drain what is buffered. Returns 0, or -ETIMEDOUT once the deadline has
 * passed (checked before waiting).
 */
int change_waiter_wait(struct change_waiter *cw, int interval_ms);

void change_waiter_release(struct change_waiter *cw);

#endif
