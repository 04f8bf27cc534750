/*
 * proxier.h — kubefs-proxy's engine: informers on Services and
 * EndpointSlices, the per-Service rules fragments (proxy/rules.h), and a
 * sync loop that applies them to the kernel with nft, one transaction per
 * sync.
 *
 * Syncs:
 *  - full at start, after any failed transaction, and whenever the table
 *    drifted (someone flushed or deleted it: checked every
 *    sync_period_ms by listing the `services` chain), writing the whole
 *    table again (rules_write_full());
 *  - otherwise incremental: only Services whose Service or slices
 *    changed since the last sync are rebuilt, and only their chains and
 *    elements are written: as one netlink batch (proxy/nfnl.h) when it
 *    holds only what that writer encodes, else as an nft script
 *    (rules_write_diff());
 *  - at most one per min_sync_ms (kube-proxy's --min-sync-period):
 *    changes arriving meanwhile are batched into the next one.
 * Only the tables `ip TABLE` and `ip6 TABLE` are ever touched.
 *
 * A Service that cannot be programmed (rules_service() refuses it, or it
 * claims an address, protocol and port another Service holds) gets a
 * Warning Event and no rules; every other Service is synced as usual.
 *
 * Metrics (Prometheus text, rewritten atomically after every sync) go to
 * metrics_file when set. Messages for the operator go to log; the engine
 * never prints.
 */
#ifndef KUBEFS_PROXY_PROXIER_H
#define KUBEFS_PROXY_PROXIER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"
#include "client/client.h"
#include "proxy/rules.h"

#define PROXIER_COMPONENT "kubefs-proxy"

struct proxier_config {
	struct rules_config rules; /* strings borrowed, must outlive it */
	unsigned min_sync_ms;	   /* 0: sync at every change */
	unsigned sync_period_ms;   /* drift check; 0: 30 s */
	const char *metrics_file;  /* NULL: none */
	/* Called after each successful sync with the Service and slice
	 * informers' caches current (e.g. cluster DNS). May be NULL. */
	void (*synced)(void *ud);
	void *synced_ud;
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct proxier_stats {
	uint64_t full_syncs, partial_syncs, failed_syncs, drifts;
	uint64_t netlink_syncs; /* partial syncs written without nft */
	uint64_t last_sync_us, max_partial_us, last_full_us;
	size_t rules, elements, services, skipped;
};

struct proxier;

/*
 * An engine on client c (borrowed, must outlive it); informers created,
 * not started. *ret owned by the caller (proxier_free()). -ENOMEM,
 * -errno of the client.
 */
int proxier_new(struct client *c, const struct proxier_config *cfg,
		struct proxier **ret);

/* Start the informers. */
int proxier_start(struct proxier *p);

/* 0 once both informers synced, -ETIMEDOUT, -ECANCELED. */
int proxier_wait_synced(struct proxier *p, int timeout_ms);

/*
 * Sync until proxier_stop(): a full sync first. 0 after stop; a sync
 * that fails is logged and retried (full) with back-off, never fatal.
 */
int proxier_run(struct proxier *p);

/* Make proxier_run() return. Any thread; idempotent. */
void proxier_stop(struct proxier *p);

/* Stop the informers and release. NULL is a no-op. */
void proxier_free(struct proxier *p);

void proxier_get_stats(struct proxier *p, struct proxier_stats *ret);

/* The informers (borrowed; valid until proxier_free()). */
struct informer *proxier_services(struct proxier *p);
struct informer *proxier_slices(struct proxier *p);

/*
 * Remove the tables of cfg (both families), if present: kubefs-proxy
 * --cleanup. 0, or -errno of nft with err set.
 */
int proxier_cleanup(const struct rules_config *cfg, struct kf_error *err);

#endif
