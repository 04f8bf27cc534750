/*
 * alloc.h — the allocators behind Service ClusterIPs and NodePorts.
 *
 * struct alloc_range hands out the integers 0..size-1 (offsets into an
 * IP range or a port range) from a bitmap, as kube-apiserver's bitmap
 * allocators do, including their split into two bands: values below
 * `static_size` are taken dynamically only when every value above is in
 * use, which leaves the low band to users who ask for a specific value
 * (Kubernetes' ServiceIPStaticSubrange / ServiceNodePortStaticSubrange).
 *
 * An alloc_range is not thread-safe: its owner serializes calls.
 *
 * The addresses and CIDRs a range maps to are parsed and printed by
 * api/netaddr.h; kubefs serves single-stack IPv4 Services.
 */
#ifndef KUBEFS_APISERVER_ALLOC_H
#define KUBEFS_APISERVER_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest range: a /12 service CIDR, the largest Kubernetes accepts. */
#define ALLOC_RANGE_MAX (1u << 20)

struct alloc_range;

/*
 * A range of size values (1..ALLOC_RANGE_MAX), none in use, whose first
 * static_size values (<= size) form the low band. *ret is owned, freed
 * with alloc_range_free(). -EINVAL on a bad size, -ENOMEM.
 */
int alloc_range_new(uint32_t size, uint32_t static_size,
		    struct alloc_range **ret);
void alloc_range_free(struct alloc_range *r);

/*
 * Kubernetes' size of the low band for a range of `size` values:
 * 0 below min, else size / step clamped to [min, max]. IPs use
 * (16, 256, 16), ports (16, 128, 32).
 */
uint32_t alloc_static_band(uint64_t size, uint32_t min, uint32_t max,
			   uint32_t step);

/* Take value i: 0, -EEXIST if in use, -ERANGE if i >= size. */
int alloc_range_claim(struct alloc_range *r, uint32_t i);

/* Take a free value chosen at random, from the high band first.
 * -ENOSPC when every value is in use. */
int alloc_range_next(struct alloc_range *r, uint32_t *ret_i);

/* Give value i back (no-op if free or out of range). */
void alloc_range_release(struct alloc_range *r, uint32_t i);

/* Is i in use? false when out of range. */
bool alloc_range_test(const struct alloc_range *r, uint32_t i);

uint32_t alloc_range_size(const struct alloc_range *r);
uint32_t alloc_range_used(const struct alloc_range *r);

/* Mark every value free. */
void alloc_range_reset(struct alloc_range *r);

#endif
