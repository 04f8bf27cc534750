/*
 * ipam.h — arithmetic on CIDR blocks, and the pool a node hands its
 * pods addresses from (what CNI's host-local plugin does on a real node).
 *
 * Addresses are uint32_t in host byte order; their text forms and
 * struct cidr4 (always a network address, host bits clear) are
 * api/netaddr.h's.
 *
 * A pool covers one CIDR of prefix IPAM_POOL_PREFIX_MIN..MAX. It never
 * hands out the network address, the first host (the gateway, .1 of a
 * /24) or the broadcast address. Allocation is next-fit from the last
 * address handed out, as host-local's, so an address just released is
 * not reused at once. Pools are not thread-safe.
 */
#ifndef KUBEFS_NODEAGENT_IPAM_H
#define KUBEFS_NODEAGENT_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/netaddr.h"

#define IPAM_POOL_PREFIX_MIN 16
#define IPAM_POOL_PREFIX_MAX 30

/* Number of addresses in c: 2^(32 - prefix). */
uint64_t ipam_cidr_size(const struct cidr4 *c);

bool ipam_cidr_contains(const struct cidr4 *c, uint32_t a);

/*
 * The i-th block of prefix length `prefix` inside c (i from 0).
 * -EINVAL if prefix is shorter than c's or longer than 32; -ERANGE if c
 * has no i-th block.
 */
int ipam_cidr_subnet(const struct cidr4 *c, unsigned prefix, uint64_t i,
		     struct cidr4 *ret);

/* How many blocks of length prefix c holds (0 if prefix < c->prefix). */
uint64_t ipam_cidr_subnets(const struct cidr4 *c, unsigned prefix);

/*
 * Inverse of ipam_cidr_subnet(): the index of sub among c's blocks of
 * sub's length. -ENOENT if sub is not one of them.
 */
int ipam_cidr_subnet_index(const struct cidr4 *c, const struct cidr4 *sub,
			   uint64_t *ret);

/* The i-th address of c (0 is the network address). -ERANGE beyond. */
int ipam_cidr_host(const struct cidr4 *c, uint64_t i, uint32_t *ret);

struct ipam_pool;

/*
 * A pool of c's pod addresses. -EINVAL if c's prefix is outside
 * IPAM_POOL_PREFIX_MIN..MAX, -ENOMEM. *ret owned by the caller.
 */
int ipam_pool_new(const struct cidr4 *c, struct ipam_pool **ret);

/* NULL is a no-op. */
void ipam_pool_free(struct ipam_pool *p);

/* Hand out a free address. -ENOSPC when none is left. */
int ipam_pool_alloc(struct ipam_pool *p, uint32_t *ret);

/*
 * Take a (an address a pod already had, on restart). -ERANGE if a is not
 * one the pool hands out, -EEXIST if it is taken.
 */
int ipam_pool_reserve(struct ipam_pool *p, uint32_t a);

/* Give a back. -ENOENT if it was not taken. */
int ipam_pool_release(struct ipam_pool *p, uint32_t a);

/* Addresses taken, and addresses the pool can hand out in all. */
size_t ipam_pool_used(const struct ipam_pool *p);
size_t ipam_pool_capacity(const struct ipam_pool *p);

/* The pool's CIDR. */
const struct cidr4 *ipam_pool_cidr(const struct ipam_pool *p);

#endif
