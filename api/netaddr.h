/*
 * netaddr.h — IP addresses and CIDR blocks as Kubernetes spells them:
 * the one parser behind Service ClusterIPs (apiserver/alloc.c), pod CIDRs and
 * pod IPs (nodeagent/ipam.c) and the validation of IP fields.
 *
 * IPv4 addresses are uint32_t in host byte order. Text is strict, as
 * Go's netip.ParseAddr: four decimal octets, no leading zeros, nothing
 * around them. A CIDR is "A.B.C.D/N" with N a decimal 0..32 without a
 * sign or leading zero; parsing masks the host bits away, as Go's
 * net.ParseCIDR does. cidr_family() checks either family's CIDR text
 * without converting it (kube-proxy's --cluster-cidr).
 *
 * ipv4_default_route_addr() reads the machine's routes: a real node's
 * InternalIP, and where kubefs up has cluster DNS listen.
 *
 * Thread safety: pure functions (but ipv4_default_route_addr()); nothing
 * allocates.
 */
#ifndef KUBEFS_API_NETADDR_H
#define KUBEFS_API_NETADDR_H

#include <stdbool.h>
#include <stdint.h>

#define IPV4_STRLEN 16	/* "255.255.255.255" and NUL */
#define CIDR4_STRLEN 19 /* and "/32" */

struct cidr4 {
	uint32_t addr;	 /* network address, host bits clear */
	unsigned prefix; /* 0..32 */
};

/* Parse a dotted quad ("10.0.0.1") into *ret. -EINVAL otherwise; *ret
 * untouched. */
int ipv4_parse(const char *s, uint32_t *ret);

/* Format a into buf. Returns buf. */
char *ipv4_format(uint32_t a, char buf[IPV4_STRLEN]);

/* Parse "A.B.C.D/N" into *ret (host bits masked away). -EINVAL
 * otherwise; *ret untouched. */
int cidr4_parse(const char *s, struct cidr4 *ret);

/* Format c into buf ("10.0.0.0/24"). Returns buf. */
char *cidr4_format(const struct cidr4 *c, char buf[CIDR4_STRLEN]);

/* The netmask of a prefix length 0..32. */
uint32_t cidr4_mask(unsigned prefix);

/* An IPv4 literal (as ipv4_parse accepts); NULL is not. */
bool is_ipv4(const char *s);

/* An IPv4 or IPv6 literal (RFC 4291 text, no zone, no brackets). */
bool is_ip(const char *s);

/* An IPv6 literal (RFC 4291 text, no zone, no brackets); NULL is not. */
bool is_ipv6(const char *s);

/*
 * The family of a CIDR "ADDR/N": 4 when ADDR is an IPv4 literal and N is
 * 0..32, 6 when ADDR is an IPv6 literal and N is 0..128 (N decimal,
 * without a sign or leading zero, as Go's net.ParseCIDR); -EINVAL
 * otherwise. Host bits may be set, as net.ParseCIDR allows.
 */
int cidr_family(const char *s);

/* The IPv4 address of the interface of this network namespace's default
 * route, into buf; -ENOENT without one. */
int ipv4_default_route_addr(char buf[IPV4_STRLEN]);

#endif
