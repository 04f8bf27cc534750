/* proxier_i.h — what proxier.c and proxier_sync.c share. */
#ifndef KUBEFS_PROXY_PROXIER_I_H
#define KUBEFS_PROXY_PROXIER_I_H

#include <jansson.h>
#include <pthread.h>

#include "client/events.h"
#include "client/informer.h"
#include "proxy/proxier.h"

#define SYNC_PERIOD_DEFAULT_MS 30000
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000

struct svc_state {
	char *key;
	struct rules_frag *frag[RULES_FAMILIES];
};

struct proxier {
	struct client *c;
	struct proxier_config cfg;
	struct informer *svcs, *slices;
	struct event_recorder *events;

	pthread_mutex_t lock; /* guards everything below up to `state` */
	pthread_cond_t cond;
	json_t *dirty;	     /* Service key -> true */
	json_t *by_service;  /* Service key -> {slice key: true} */
	json_t *slice_owner; /* slice key -> Service key */
	bool need_full, stop;
	struct proxier_stats stats;

	/* state: only the sync thread touches it */
	struct svc_state **st; /* slots; NULL when free */
	size_t nst, capst;
	json_t *slot_of;	       /* Service key -> slot index */
	json_t *owner[RULES_FAMILIES]; /* "set key" -> Service key */
	size_t skeleton_rules;
	struct nfnl *nl; /* partial syncs' netlink socket, opened at first */
};

void proxier_log(struct proxier *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
