/*
 * nfnl_expr.c — the rule forms of the IPv4 balancing and external chains
 * (rules.c's text) as nf_tables expressions, the ones `nft
 * --debug=netlink` shows nft(8) emitting for the same text. A form is
 * recognized only when the text printed back from what was read is the
 * text given.
 */
#include "proxy/nfnl_i.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>

int nfnl_proto_num(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "sctp"))
		return IPPROTO_SCTP;
	return -1;
}

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
		     uint32_t len)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	return 0;
}

static int e_cmp(struct nftnl_rule *r, uint32_t op, const void *data,
		 uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

/* meta l4proto PROTO */
static int e_l4proto(struct nftnl_rule *r, int proto)
{
	struct nftnl_expr *e = expr(r, "meta");
	uint8_t p = (uint8_t)proto;

	if (!e || proto < 0)
		return e ? -EOPNOTSUPP : -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return e_cmp(r, NFT_CMP_EQ, &p, 1);
}

/* jump|goto CHAIN */
static int e_verdict(struct nftnl_rule *r, const char *verb, const char *chain)
{
	struct nftnl_expr *e;

	if (strcmp(verb, "jump") && strcmp(verb, "goto"))
		return -EOPNOTSUPP;
	e = expr(r, "immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
			   verb[0] == 'j' ? NFT_JUMP : NFT_GOTO);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return 0;
}

static int e_lookup(struct nftnl_rule *r, const char *set, bool map)
{
	struct nftnl_expr *e = expr(r, "lookup");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (map)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	return 0;
}

/* ip daddr ADDR PROTO dport PORT ip saddr != CIDR jump CHAIN */
static int rule_masq_outside(struct nftnl_rule *r, const char *text)
{
	char addr[INET_ADDRSTRLEN], proto[8], cidr[24], verb[8], chain[256];
	char again[512];
	int port = 0, bits;
	struct in_addr a, net;
	uint16_t p16;
	uint32_t mask;
	char *slash;

	if (sscanf(text,
		   "ip daddr %15s %7s dport %d ip saddr != %23s %7s %255s",
		   addr, proto, &port, cidr, verb, chain) != 6)
		return -EOPNOTSUPP;
	snprintf(again, sizeof(again),
		 "ip daddr %s %s dport %d ip saddr != %s %s %s", addr, proto,
		 port, cidr, verb, chain);
	slash = strchr(cidr, '/');
	if (strcmp(again, text) || !slash || port < 1 || port > 65535)
		return -EOPNOTSUPP;
	*slash = '\0';
	bits = atoi(slash + 1);
	if (inet_pton(AF_INET, addr, &a) != 1 ||
	    inet_pton(AF_INET, cidr, &net) != 1 || bits < 1 || bits > 32)
		return -EOPNOTSUPP;
	mask = htonl(bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
	net.s_addr &= mask;
	p16 = htons((uint16_t)port);
	{
		uint32_t zero = 0;
		struct nftnl_expr *bw;
		int e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);

		e = e ?: e_cmp(r, NFT_CMP_EQ, &a, 4);
		e = e ?: e_l4proto(r, nfnl_proto_num(proto));
		e = e ?: e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		e = e ?: e_cmp(r, NFT_CMP_EQ, &p16, 2);
		e = e ?: e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
		if (e)
			return e;
		bw = expr(r, "bitwise");
		if (!bw)
			return -ENOMEM;
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		e = e_cmp(r, NFT_CMP_NEQ, &net, 4);
		return e ?: e_verdict(r, verb, chain);
	}
}

/* ip saddr @SET jump CHAIN */
static int rule_saddr_set(struct nftnl_rule *r, const char *text)
{
	char set[256], verb[8], chain[256], again[600];
	int e;

	if (sscanf(text, "ip saddr @%255s %7s %255s", set, verb, chain) != 3)
		return -EOPNOTSUPP;
	snprintf(again, sizeof(again), "ip saddr @%s %s %s", set, verb, chain);
	if (strcmp(again, text))
		return -EOPNOTSUPP;
	e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	e = e ?: e_lookup(r, set, false);
	return e ?: e_verdict(r, verb, chain);
}

/* meta l4proto PROTO dnat ip addr . port to numgen random mod N map @SET */
static int rule_dnat_numgen(struct nftnl_rule *r, const char *text)
{
	char proto[8], set[256], again[600];
	unsigned int mod;
	struct nftnl_expr *ng, *nat;
	int e;

	if (sscanf(text,
		   "meta l4proto %7s dnat ip addr . port to numgen random "
		   "mod %u map @%255s",
		   proto, &mod, set) != 3)
		return -EOPNOTSUPP;
	snprintf(again, sizeof(again),
		 "meta l4proto %s dnat ip addr . port to numgen random mod "
		 "%u map @%s",
		 proto, mod, set);
	if (strcmp(again, text) || mod < 1)
		return -EOPNOTSUPP;
	e = e_l4proto(r, nfnl_proto_num(proto));
	if (e)
		return e;
	ng = expr(r, "numgen");
	if (!ng)
		return -ENOMEM;
	nftnl_expr_set_u32(ng, NFTNL_EXPR_NG_DREG, NFT_REG_1);
	nftnl_expr_set_u32(ng, NFTNL_EXPR_NG_MODULUS, mod);
	nftnl_expr_set_u32(ng, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
	nftnl_expr_set_u32(ng, NFTNL_EXPR_NG_OFFSET, 0);
	e = e_lookup(r, set, true);
	if (e)
		return e;
	nat = expr(r, "nat");
	if (!nat)
		return -ENOMEM;
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_01);
	return 0;
}

/* jump|goto CHAIN */
static int rule_verdict(struct nftnl_rule *r, const char *text)
{
	char verb[8], chain[256], again[300];

	if (sscanf(text, "%7s %255s", verb, chain) != 2)
		return -EOPNOTSUPP;
	snprintf(again, sizeof(again), "%s %s", verb, chain);
	return strcmp(again, text) ? -EOPNOTSUPP : e_verdict(r, verb, chain);
}

int nfnl_rule_exprs(struct nftnl_rule *r, const char *text)
{
	if (!strncmp(text, "ip daddr ", 9))
		return rule_masq_outside(r, text);
	if (!strncmp(text, "ip saddr @", 10))
		return rule_saddr_set(r, text);
	if (!strncmp(text, "meta l4proto ", 13))
		return rule_dnat_numgen(r, text);
	return rule_verdict(r, text);
}
