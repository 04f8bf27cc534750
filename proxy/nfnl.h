/*
 * nfnl.h — an incremental sync written as one nf_tables netlink
 * transaction (libnftnl builds the messages, libmnl sends them), without
 * nft(8).
 *
 * Why: nft(8) fills a cache of the whole ruleset before every run (each
 * set and its elements, every chain, of every table), so at 10,000
 * Services even a one-element change costs hundreds of milliseconds. The
 * kernel needs none of that to apply a change by name.
 *
 * What it writes: the difference between old and new fragments
 * (rules_diff()): set and map elements added and deleted, chains added,
 * flushed and deleted, sets deleted, and the sets and rules of the forms
 * the generator writes for the IPv4 balancing chains of Services without
 * session affinity (their `endpoints-` map and `hairpin-` set, with the
 * user data nft(8) gives them, so its listings read the same) and for
 * external chains of traffic policy Cluster. Anything else (affinity's
 * timeout sets, IPv6 rules, the Local policies' rule forms, a batch too
 * big) is -EOPNOTSUPP before anything is sent: write that difference
 * with nft instead. Set elements are encoded from the type
 * the table gives each set (proxy/rules.h's skeleton and the
 * per-service `endpoints-` and `hairpin-` sets).
 *
 * One batch is one transaction: all of it is applied or none.
 */
#ifndef KUBEFS_PROXY_NFNL_H
#define KUBEFS_PROXY_NFNL_H

#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"
#include "proxy/rules.h"

struct nfnl_batch;
struct nfnl;

/*
 * A netfilter netlink socket in the calling thread's network namespace,
 * kept for every sync (closing one costs the kernel milliseconds).
 * -errno of socket/bind. Close with nfnl_close() (NULL: no-op).
 */
int nfnl_open(struct nfnl **ret);
void nfnl_close(struct nfnl *n);

/* An empty batch. -ENOMEM. Free with nfnl_batch_free(). */
int nfnl_batch_new(struct nfnl_batch **ret);

/* NULL is a no-op. */
void nfnl_batch_free(struct nfnl_batch *b);

/*
 * Append the difference olds[i] -> news[i] (i in [0, n)) in the table
 * of family fam. *ret_cmds (may be NULL) gets the number of commands.
 * Errors: -EOPNOTSUPP the difference holds something this writer does
 * not encode (the batch is then unusable: free it), -ENOMEM.
 */
int nfnl_batch_diff(struct nfnl_batch *b, const struct rules_config *cfg,
		    enum rules_family fam, struct rules_frag *const *olds,
		    struct rules_frag *const *news, size_t n, size_t *ret_cmds);

/*
 * Send the batch through n as one transaction and collect the kernel's
 * verdict on every message (the kernel has them all queued when
 * sendmsg() returns). An empty batch sends nothing. Errors: the kernel's -errno for the first message
 * it refused (err says which command), -EPROTO when not every message was
 * acknowledged, -errno of the socket.
 */
int nfnl_batch_send(struct nfnl *n, struct nfnl_batch *b, struct kf_error *err);

/*
 * Does chain `chain` of table (fam, table) have a rule that looks up
 * set `set`? (The proxy's drift check: someone flushed or deleted the
 * table.) Read through n, one dump of that chain's rules, no cache; a
 * table or chain that is not there has no rule (false). Errors: -errno
 * of the socket or of the kernel's answer.
 */
int nfnl_chain_looks_up(struct nfnl *n, enum rules_family fam,
			const char *table, const char *chain, const char *set,
			bool *ret);

#endif
