/*
 * ipam.c — IPv4 addresses, CIDR blocks and the pods' address pool.
 */
#include "nodeagent/ipam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/netaddr.h"

struct ipam_pool {
	struct cidr4 cidr;
	uint32_t first, last; /* the range handed out, inclusive */
	uint32_t next;	      /* where the next search starts */
	size_t used;
	uint64_t *bits; /* one bit per address of the range */
};

uint64_t ipam_cidr_size(const struct cidr4 *c)
{
	return (uint64_t)1 << (32 - c->prefix);
}

bool ipam_cidr_contains(const struct cidr4 *c, uint32_t a)
{
	return (a & cidr4_mask(c->prefix)) == c->addr;
}

uint64_t ipam_cidr_subnets(const struct cidr4 *c, unsigned prefix)
{
	if (prefix < c->prefix || prefix > 32)
		return 0;
	return (uint64_t)1 << (prefix - c->prefix);
}

int ipam_cidr_subnet(const struct cidr4 *c, unsigned prefix, uint64_t i,
		     struct cidr4 *ret)
{
	if (prefix < c->prefix || prefix > 32)
		return -EINVAL;
	if (i >= ipam_cidr_subnets(c, prefix))
		return -ERANGE;
	ret->addr = c->addr + (uint32_t)(i << (32 - prefix));
	ret->prefix = prefix;
	return 0;
}

int ipam_cidr_subnet_index(const struct cidr4 *c, const struct cidr4 *sub,
			   uint64_t *ret)
{
	if (sub->prefix < c->prefix || !ipam_cidr_contains(c, sub->addr) ||
	    (sub->addr & ~cidr4_mask(sub->prefix)))
		return -ENOENT;
	*ret = (uint64_t)(sub->addr - c->addr) >> (32 - sub->prefix);
	return 0;
}

int ipam_cidr_host(const struct cidr4 *c, uint64_t i, uint32_t *ret)
{
	if (i >= ipam_cidr_size(c))
		return -ERANGE;
	*ret = c->addr + (uint32_t)i;
	return 0;
}

int ipam_pool_new(const struct cidr4 *c, struct ipam_pool **ret)
{
	struct ipam_pool *p;
	size_t n;

	if (c->prefix < IPAM_POOL_PREFIX_MIN ||
	    c->prefix > IPAM_POOL_PREFIX_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cidr = *c;
	p->first = c->addr + 2;
	p->last = c->addr + (uint32_t)ipam_cidr_size(c) - 2;
	p->next = p->first;
	n = (size_t)(p->last - p->first) + 1;
	p->bits = calloc((n + 63) / 64, sizeof(uint64_t));
	if (!p->bits) {
		free(p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

void ipam_pool_free(struct ipam_pool *p)
{
	if (!p)
		return;
	free(p->bits);
	free(p);
}

static bool taken(const struct ipam_pool *p, uint32_t a)
{
	uint32_t i = a - p->first;

	return p->bits[i / 64] >> (i % 64) & 1;
}

static void set_taken(struct ipam_pool *p, uint32_t a, bool on)
{
	uint32_t i = a - p->first;

	if (on)
		p->bits[i / 64] |= (uint64_t)1 << (i % 64);
	else
		p->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

int ipam_pool_alloc(struct ipam_pool *p, uint32_t *ret)
{
	size_t n = ipam_pool_capacity(p);
	uint32_t a = p->next;

	if (p->used >= n)
		return -ENOSPC;
	for (size_t k = 0; k < n; k++) {
		if (!taken(p, a)) {
			set_taken(p, a, true);
			p->used++;
			p->next = a == p->last ? p->first : a + 1;
			*ret = a;
			return 0;
		}
		a = a == p->last ? p->first : a + 1;
	}
	return -ENOSPC;
}

int ipam_pool_reserve(struct ipam_pool *p, uint32_t a)
{
	if (a < p->first || a > p->last)
		return -ERANGE;
	if (taken(p, a))
		return -EEXIST;
	set_taken(p, a, true);
	p->used++;
	return 0;
}

int ipam_pool_release(struct ipam_pool *p, uint32_t a)
{
	if (a < p->first || a > p->last || !taken(p, a))
		return -ENOENT;
	set_taken(p, a, false);
	p->used--;
	return 0;
}

size_t ipam_pool_used(const struct ipam_pool *p)
{
	return p->used;
}

size_t ipam_pool_capacity(const struct ipam_pool *p)
{
	return (size_t)(p->last - p->first) + 1;
}

const struct cidr4 *ipam_pool_cidr(const struct ipam_pool *p)
{
	return &p->cidr;
}
