/*
 * netaddr.c — IP addresses and CIDR blocks (see netaddr.h).
 */
#include "api/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* glibc's inet_pton(AF_INET) is Go's strict form: four octets of at most
 * three digits, no leading zeros, nothing else. */
int ipv4_parse(const char *s, uint32_t *ret)
{
	struct in_addr in;

	if (!s || inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*ret = ntohl(in.s_addr);
	return 0;
}

char *ipv4_format(uint32_t a, char buf[IPV4_STRLEN])
{
	snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	return buf;
}

uint32_t cidr4_mask(unsigned prefix)
{
	return prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
}

/* "ADDR/N" split: ADDR copied into addr (size bytes), N (decimal, no
 * sign, no leading zero: Go's rule) at most max into *ret. */
static int split_cidr(const char *s, char *addr, size_t size, unsigned max,
		      unsigned *ret)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	const char *p;
	unsigned prefix = 0;

	if (!slash || slash == s || (size_t)(slash - s) >= size)
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	p = slash + 1;
	if (!*p || strlen(p) > 3 || (p[0] == '0' && p[1]))
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	if (prefix > max)
		return -EINVAL;
	*ret = prefix;
	return 0;
}

int cidr4_parse(const char *s, struct cidr4 *ret)
{
	char ip[IPV4_STRLEN];
	unsigned prefix;
	uint32_t a;

	if (split_cidr(s, ip, sizeof(ip), 32, &prefix) < 0 ||
	    ipv4_parse(ip, &a) < 0)
		return -EINVAL;
	ret->addr = a & cidr4_mask(prefix);
	ret->prefix = prefix;
	return 0;
}

char *cidr4_format(const struct cidr4 *c, char buf[CIDR4_STRLEN])
{
	char a[IPV4_STRLEN];

	snprintf(buf, CIDR4_STRLEN, "%s/%u", ipv4_format(c->addr, a),
		 c->prefix);
	return buf;
}

bool is_ipv4(const char *s)
{
	uint32_t a;

	return ipv4_parse(s, &a) == 0;
}

bool is_ipv6(const char *s)
{
	unsigned char b[16];

	return s && inet_pton(AF_INET6, s, b) == 1;
}

bool is_ip(const char *s)
{
	return is_ipv4(s) || is_ipv6(s);
}

int cidr_family(const char *s)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned prefix;

	if (split_cidr(s, ip, sizeof(ip), 128, &prefix) < 0)
		return -EINVAL;
	if (is_ipv4(ip))
		return prefix <= 32 ? 4 : -EINVAL;
	return is_ipv6(ip) ? 6 : -EINVAL;
}

int ipv4_default_route_addr(char buf[IPV4_STRLEN])
{
	char line[512], ifname[64] = "", dev[64];
	unsigned long dst;
	struct ifaddrs *ifs, *i;
	FILE *f = fopen("/proc/net/route", "re");
	int r = -ENOENT;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lx", dev, &dst) == 2 && dst == 0) {
			snprintf(ifname, sizeof(ifname), "%s", dev);
			break;
		}
	if (f)
		fclose(f);
	if (!ifname[0] || getifaddrs(&ifs) < 0)
		return -ENOENT;
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname)) {
			inet_ntop(
			    AF_INET,
			    &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			    IPV4_STRLEN);
			r = 0;
			break;
		}
	freeifaddrs(ifs);
	return r;
}
