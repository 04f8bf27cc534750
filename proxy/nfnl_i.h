/* nfnl_i.h — what nfnl.c and nfnl_expr.c share. */
#ifndef KUBEFS_PROXY_NFNL_I_H
#define KUBEFS_PROXY_NFNL_I_H

#include <libnftnl/rule.h>

/* "tcp", "udp", "sctp" -> IPPROTO_*; anything else -1. */
int nfnl_proto_num(const char *s);

/*
 * The expressions of one rule (nft text, IPv4) appended to r: the forms
 * rules.c writes into balancing and external chains —
 *   ip daddr ADDR PROTO dport PORT ip saddr != CIDR jump|goto CHAIN
 *   ip saddr @SET jump|goto CHAIN
 *   meta l4proto PROTO dnat ip addr . port to numgen random mod N map @SET
 *   jump|goto CHAIN
 * -EOPNOTSUPP for any other text, -ENOMEM.
 */
int nfnl_rule_exprs(struct nftnl_rule *r, const char *text);

#endif
