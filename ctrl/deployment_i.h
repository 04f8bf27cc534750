/*
 * deployment_i.h — the Deployment controller's parts
 * (pkg/controller/deployment):
 *
 *   deployment.c          handlers, claiming ReplicaSets, the sync entry,
 *                         status and conditions (sync.go, progress.go)
 *   deployment_rollout.c  new ReplicaSet and revisions, RollingUpdate,
 *                         Recreate, proportional scaling, history
 *                         clean-up (rolling.go, recreate.go, sync.go)
 *
 * One sync works on a struct dsync: a private copy of the Deployment and
 * of each ReplicaSet it owns, updated in place as the sync writes them,
 * so later steps of the same sync see the sizes just written.
 */
#ifndef KUBEFS_CTRL_DEPLOYMENT_I_H
#define KUBEFS_CTRL_DEPLOYMENT_I_H

#include <jansson.h>
#include <stdbool.h>

#include "ctrl/ctrl.h"

#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"
#define LABEL_HASH "pod-template-hash"

struct dc {
	struct ctrl_ctx *ctx;
	struct informer *pods, *sets, *deps;
	struct ctrl_loop loop;
	const struct kind_info *k_rs, *k_dep;
};

struct dsync {
	struct dc *dc;
	json_t *d;    /* the Deployment (a copy) */
	json_t *rss;  /* its ReplicaSets (copies), oldest first */
	json_t *nrs;  /* the new ReplicaSet, borrowed from rss, or NULL */
	json_t *olds; /* the others (borrowed from rss) */
};

/* ---- deployment.c ---- */
long dep_replicas(const json_t *d);
long dep_max_surge(const json_t *d);
long dep_max_unavailable(const json_t *d);
bool dep_rolling(const json_t *d);
long rs_replicas(const json_t *rs);
long rs_revision(const json_t *rs);
/* Sum of spec.replicas (field NULL) or status.FIELD over rss. */
long rs_sum(const json_t *rss, const char *status_field);
void dep_event(struct dsync *s, const char *type, const char *reason,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Write d's status if it changed from the cached one; set conditions. */
int dep_sync_status(struct dsync *s);
int dep_sync_rollout_status(struct dsync *s);
bool dep_complete(const json_t *d, const json_t *status);

/* ---- deployment_rollout.c ---- */
/* The pod-template-hash of a template with collision count. */
void dep_template_hash(const json_t *tmpl, long collisions, char *buf,
		       size_t size);
/* Find (and with create, make) the new ReplicaSet; split rss into
 * nrs/olds; sync revisions. */
int dep_find_new_rs(struct dsync *s, bool create);
int dep_scale(struct dsync *s);
int dep_rollout_rolling(struct dsync *s);
int dep_rollout_recreate(struct dsync *s);
int dep_cleanup(struct dsync *s);

#endif
