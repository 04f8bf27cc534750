/*
 * nfnl.c — a difference of rules fragments as one nf_tables netlink
 * batch (libnftnl + libmnl). See nfnl.h for what it encodes; rule forms
 * are recognized from the generator's text (rules.c) and encoded, in
 * nfnl_expr.c, with the expressions nft(8) itself emits for them
 * (`nft --debug=netlink`), so a listing of the table reads the same
 * whichever wrote it.
 */
#include "proxy/nfnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "api/cleanup.h"
#include "proxy/nfnl_i.h"
#include "proxy/rules_i.h"

/* Bigger differences go through nft: the acknowledgements of one batch
 * must fit the socket's receive buffer. */
#define NFNL_BATCH_BYTES (256 * 1024)
#define NFNL_BATCH_MSGS 2000
#define NFNL_RCVBUF (4 * 1024 * 1024)
#define NFNL_DESC_MAX 160

struct nfnl_batch {
	char *buf; /* 2 x NFNL_BATCH_BYTES: libmnl detects overflow there */
	struct mnl_nlmsg_batch *mb;
	uint32_t seq0, seq;
	size_t msgs;
	char (*desc)[NFNL_DESC_MAX]; /* what message i is, for errors */
	/* the difference being appended */
	uint16_t family;
	enum rules_family fam;
	const char *table;
	size_t cmds;
};

int nfnl_batch_new(struct nfnl_batch **ret)
{
	struct nfnl_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->buf = malloc(2 * NFNL_BATCH_BYTES);
	b->desc = calloc(NFNL_BATCH_MSGS + 2, sizeof(*b->desc));
	if (b->buf)
		b->mb = mnl_nlmsg_batch_start(b->buf, NFNL_BATCH_BYTES);
	if (!b->buf || !b->desc || !b->mb) {
		nfnl_batch_free(b);
		return -ENOMEM;
	}
	b->seq0 = b->seq = 1;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->mb), b->seq++);
	mnl_nlmsg_batch_next(b->mb);
	*ret = b;
	return 0;
}

void nfnl_batch_free(struct nfnl_batch *b)
{
	if (!b)
		return;
	if (b->mb)
		mnl_nlmsg_batch_stop(b->mb);
	free(b->buf);
	free(b->desc);
	free(b);
}

/* The header of the next message, acknowledged. */
static struct nlmsghdr *msg(struct nfnl_batch *b, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->mb), type,
				     b->family, flags | NLM_F_ACK, b->seq++);
}

/* The message just built joins the batch, described for errors. */
static int done(struct nfnl_batch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int done(struct nfnl_batch *b, const char *fmt, ...)
{
	va_list ap;

	if (b->msgs >= NFNL_BATCH_MSGS || !mnl_nlmsg_batch_next(b->mb))
		return -EOPNOTSUPP;
	va_start(ap, fmt);
	vsnprintf(b->desc[b->msgs], NFNL_DESC_MAX, fmt, ap);
	va_end(ap);
	b->msgs++;
	b->cmds++;
	return 0;
}

/* ---- set elements ---- */

/*
 * "10.96.0.1 . tcp . 80" as the kernel holds it: each field of a
 * concatenation in 32-bit words (address, protocol byte, port in network
 * order); index: a lone number is a host-order 32-bit integer (the key
 * of an `endpoints-` map, numgen's output).
 */
static int encode(const struct nfnl_batch *b, const char *text, bool index,
		  uint8_t *out, size_t size, size_t *ret_len)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL, *tok;
	size_t len = 0, fields = 0;
	bool addr = false;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *end;
		unsigned long v;

		if (!strcmp(tok, "."))
			continue;
		if (len + 16 > size)
			return -EOPNOTSUPP;
		fields++;
		addr = inet_pton(b->fam == RULES_IP6 ? AF_INET6 : AF_INET, tok,
				 out + len) == 1;
		if (addr) {
			len += b->fam == RULES_IP6 ? 16 : 4;
			continue;
		}
		memset(out + len, 0, 4);
		if (nfnl_proto_num(tok) >= 0) {
			out[len] = (uint8_t)nfnl_proto_num(tok);
		} else {
			v = strtoul(tok, &end, 10);
			if (*end || end == tok || v > UINT32_MAX)
				return -EOPNOTSUPP;
			if (index) {
				uint32_t u = (uint32_t)v;

				memcpy(out + len, &u, 4);
			} else {
				uint16_t port = htons((uint16_t)v);

				if (v > 65535)
					return -EOPNOTSUPP;
				memcpy(out + len, &port, 2);
			}
		}
		len += 4;
	}
	/* a lone protocol or port is not padded: no set here has one */
	if (!fields || (fields == 1 && !index && !addr))
		return -EOPNOTSUPP;
	*ret_len = len;
	return 0;
}

/* The value of a map element: a verdict, or data. */
static int element_value(const struct nfnl_batch *b, struct nftnl_set_elem *e,
			 const char *value)
{
	uint8_t data[64];
	size_t len;
	int r;

	if (!strncmp(value, "goto ", 5) || !strncmp(value, "jump ", 5)) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
				       value[0] == 'g' ? NFT_GOTO : NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, value + 5);
		return 0;
	}
	if (!strcmp(value, "drop") || !strcmp(value, "accept")) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
				       value[0] == 'd' ? NF_DROP : NF_ACCEPT);
		return 0;
	}
	r = encode(b, value, false, data, sizeof(data), &len);
	if (r == 0)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, (uint32_t)len);
	return r;
}

static int op_element(void *ud, bool add, const char *set, const char *key,
		      const char *value)
{
	struct nfnl_batch *b = ud;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nlmsghdr *nlh;
	uint8_t k[64];
	size_t len;
	int r = -ENOMEM;

	if (!s || !e)
		goto fail;
	r = encode(b, key, !strncmp(set, "endpoints-", 10), k, sizeof(k), &len);
	if (r == 0)
		r = nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k, (uint32_t)len);
	if (r == 0 && add && *value)
		r = element_value(b, e, value);
	if (r < 0)
		goto fail;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_add(s, e);
	e = NULL;
	nlh = msg(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
		  add ? NLM_F_CREATE : 0);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return done(b, "%s element %s %s { %s }", add ? "add" : "delete",
		    b->table, set, key);
fail:
	nftnl_set_elem_free(e);
	nftnl_set_free(s);
	return r;
}

/* ---- chains and sets ---- */

static int chain_msg(struct nfnl_batch *b, uint16_t type, uint16_t flags,
		     const char *what, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, b->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(msg(b, type, flags), c);
	nftnl_chain_free(c);
	return done(b, "%s chain %s %s", what, b->table, name);
}

static int op_add_chain(void *ud, const char *name)
{
	return chain_msg(ud, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add", name);
}

static int op_del_chain(void *ud, const char *name)
{
	return chain_msg(ud, NFT_MSG_DELCHAIN, 0, "delete", name);
}

static int op_flush_chain(void *ud, const char *name)
{
	struct nfnl_batch *b = ud;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	nftnl_rule_nlmsg_build_payload(msg(b, NFT_MSG_DELRULE, 0), r);
	nftnl_rule_free(r);
	return done(b, "flush chain %s %s", b->table, name);
}

/*
 * The user data nft(8) keeps with a set, for its listings only (the
 * kernel ignores it): byte orders, typeof expressions, comment. Written
 * as nft 1.0.6 writes it for the two kinds of set declared here.
 */
enum {
	UD_KEYBYTEORDER = 0,
	UD_DATABYTEORDER = 1,
	UD_KEY_TYPEOF = 3,
	UD_DATA_TYPEOF = 4,
	UD_DATA_INTERVAL = 6,
	UD_COMMENT = 7,
	UD_BYTEORDER_HOST = 1,
	UD_BYTEORDER_BIG = 2,
	UD_EXPR_PAYLOAD = 7,
	UD_EXPR_CONCAT = 13,
	UD_EXPR_NUMGEN = 23,
	UD_DESC_IP = 12,
	UD_TMPL_IP_DADDR = 12,
	UD_TMPL_TH_DPORT = 2,
	TYPE_INTEGER = 4,
	TYPE_IPADDR = 7,
	TYPE_INET_SERVICE = 13,
};

/* typeof EXPR: {0: expression id, 1: {its fields}} */
static struct nftnl_udata *ud_expr(struct nftnl_udata_buf *u, uint8_t type,
				   uint32_t expr)
{
	struct nftnl_udata *n = nftnl_udata_nest_start(u, type);

	nftnl_udata_put_u32(u, 0, expr);
	return n;
}

/* A payload field (ip daddr, tcp dport, ...) in a typeof. */
static void ud_payload(struct nftnl_udata_buf *u, uint8_t type, uint32_t desc,
		       uint32_t tmpl)
{
	struct nftnl_udata *n = ud_expr(u, type, UD_EXPR_PAYLOAD), *d;

	d = nftnl_udata_nest_start(u, 1);
	nftnl_udata_put_u32(u, 0, desc);
	nftnl_udata_put_u32(u, 1, tmpl);
	nftnl_udata_nest_end(u, d);
	nftnl_udata_nest_end(u, n);
}

/* The endpoints map's user data: typeof numgen random mod 1 : ip daddr
 * . PROTO dport (desc: nft's protocol description of PROTO). */
static void ud_endpoints(struct nftnl_udata_buf *u, uint32_t desc)
{
	struct nftnl_udata *n, *d;

	nftnl_udata_put_u32(u, UD_KEYBYTEORDER, UD_BYTEORDER_HOST);
	nftnl_udata_put_u32(u, UD_DATABYTEORDER, 0);
	n = ud_expr(u, UD_KEY_TYPEOF, UD_EXPR_NUMGEN);
	d = nftnl_udata_nest_start(u, 1);
	nftnl_udata_put_u32(u, 0, NFT_NG_RANDOM);
	nftnl_udata_put_u32(u, 1, 1); /* mod */
	nftnl_udata_put_u32(u, 2, 0); /* offset */
	nftnl_udata_nest_end(u, d);
	nftnl_udata_nest_end(u, n);
	n = ud_expr(u, UD_DATA_TYPEOF, UD_EXPR_CONCAT);
	d = nftnl_udata_nest_start(u, 1);
	ud_payload(u, 0, UD_DESC_IP, UD_TMPL_IP_DADDR);
	ud_payload(u, 1, desc, UD_TMPL_TH_DPORT);
	nftnl_udata_nest_end(u, d);
	nftnl_udata_nest_end(u, n);
	nftnl_udata_put_u32(u, UD_DATA_INTERVAL, 0);
}

/*
 * The two set declarations of the balancing chain (rules.c):
 *   set type ipv4_addr; comment "C";
 *   map typeof numgen random mod 1 : ip daddr . PROTO dport; comment "C";
 * Anything else (affinity's timeout sets, IPv6): nft's.
 */
static int op_add_set(void *ud, const char *name, const char *decl)
{
	static const uint32_t descs[] = {8, 6, 10}; /* tcp, udp, sctp */
	struct nfnl_batch *b = ud;
	char comment[128] = "", proto[8] = "", again[300];
	struct nftnl_udata_buf *u;
	struct nftnl_set *s;
	bool map;
	int pi = -1;

	if (b->fam != RULES_IP4)
		return -EOPNOTSUPP;
	map = sscanf(decl,
		     "map typeof numgen random mod 1 : ip daddr . %7s dport; "
		     "comment \"%127[^\"]\";",
		     proto, comment) == 2;
	if (map)
		snprintf(
		    again, sizeof(again),
		    "map typeof numgen random mod 1 : ip daddr . %s dport; "
		    "comment \"%s\";",
		    proto, comment);
	else if (sscanf(decl, "set type ipv4_addr; comment \"%127[^\"]\";",
			comment) == 1)
		snprintf(again, sizeof(again),
			 "set type ipv4_addr; comment \"%s\";", comment);
	else
		return -EOPNOTSUPP;
	pi = !strcmp(proto, "tcp") ? 0 : !strcmp(proto, "udp") ? 1 : 2;
	if (strcmp(again, decl) || (map && nfnl_proto_num(proto) < 0))
		return -EOPNOTSUPP;
	s = nftnl_set_alloc();
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!s || !u) {
		nftnl_set_free(s);
		if (u)
			nftnl_udata_buf_free(u);
		return -ENOMEM;
	}
	if (map)
		ud_endpoints(u, descs[pi]);
	else
		nftnl_udata_put_u32(u, UD_KEYBYTEORDER, UD_BYTEORDER_BIG);
	nftnl_udata_put_strz(u, UD_COMMENT, comment);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, map ? NFT_SET_MAP : 0);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
			  map ? TYPE_INTEGER : TYPE_IPADDR);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	if (map) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
				  TYPE_IPADDR << 6 | TYPE_INET_SERVICE);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 8);
	}
	nftnl_set_set_u32(s, NFTNL_SET_ID, b->seq);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
			   nftnl_udata_buf_len(u));
	nftnl_set_nlmsg_build_payload(msg(b, NFT_MSG_NEWSET, NLM_F_CREATE), s);
	nftnl_set_free(s);
	nftnl_udata_buf_free(u);
	return done(b, "add %s %s %s", map ? "map" : "set", b->table, name);
}

static int op_del_set(void *ud, const char *name)
{
	struct nfnl_batch *b = ud;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, b->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_nlmsg_build_payload(msg(b, NFT_MSG_DELSET, 0), s);
	nftnl_set_free(s);
	return done(b, "delete set %s %s", b->table, name);
}

/* ---- rules (their expressions: nfnl_expr.c) ---- */

static int op_add_rule(void *ud, const char *chain, const char *text)
{
	struct nfnl_batch *b = ud;
	struct nftnl_rule *r;
	int e;

	if (b->fam != RULES_IP4)
		return -EOPNOTSUPP;
	r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	e = nfnl_rule_exprs(r, text);
	if (e == 0)
		nftnl_rule_nlmsg_build_payload(
		    msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	nftnl_rule_free(r);
	return e ?: done(b, "add rule %s %s %s", b->table, chain, text);
}

static const struct rules_diff_ops nfnl_ops = {
    .add_set = op_add_set,
    .add_chain = op_add_chain,
    .flush_chain = op_flush_chain,
    .add_rule = op_add_rule,
    .element = op_element,
    .del_chain = op_del_chain,
    .del_set = op_del_set,
};

int nfnl_batch_diff(struct nfnl_batch *b, const struct rules_config *cfg,
		    enum rules_family fam, struct rules_frag *const *olds,
		    struct rules_frag *const *news, size_t n, size_t *ret_cmds)
{
	int r;

	b->fam = fam;
	b->family = fam == RULES_IP6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	b->table = cfg->table && *cfg->table ? cfg->table : RULES_TABLE_DEFAULT;
	b->cmds = 0;
	r = rules_diff(&nfnl_ops, b, olds, news, n);
	if (r == 0 && ret_cmds)
		*ret_cmds = b->cmds;
	return r;
}

/* ---- sending ---- */

struct nfnl {
	struct mnl_socket *nl;
	char *rbuf;
};

int nfnl_open(struct nfnl **ret)
{
	struct nfnl *n = calloc(1, sizeof(*n));
	int one = 1, size = NFNL_RCVBUF, r, fd;

	if (!n)
		return -ENOMEM;
	n->rbuf = malloc(MNL_SOCKET_BUFFER_SIZE);
	n->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!n->nl || !n->rbuf) {
		r = n->nl ? -ENOMEM : -errno;
		nfnl_close(n);
		return r;
	}
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		nfnl_close(n);
		return r;
	}
	fd = mnl_socket_get_fd(n->nl);
	/* one (capped) acknowledgement per message, all queued while the
	 * kernel runs the batch in sendmsg(): room for every one */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*ret = n;
	return 0;
}

void nfnl_close(struct nfnl *n)
{
	if (!n)
		return;
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n->rbuf);
	free(n);
}

/* Read every message queued on the socket; count acknowledgements and
 * keep the first error (and the sequence number it answers). */
static int drain(struct nfnl *n, size_t *acks, int *first_err,
		 uint32_t *err_seq)
{
	int fd = mnl_socket_get_fd(n->nl);
	ssize_t got;

	while ((got = recv(fd, n->rbuf, MNL_SOCKET_BUFFER_SIZE, MSG_DONTWAIT)) >
	       0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)n->rbuf;
		int left = (int)got;

		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			(*acks)++;
			if (e->error < 0 && !*first_err) {
				*first_err = e->error;
				*err_seq = h->nlmsg_seq;
			}
		}
	}
	return got < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? -errno : 0;
}

int nfnl_batch_send(struct nfnl *n, struct nfnl_batch *b, struct kf_error *err)
{
	size_t acks = 0, stale = 0, bad;
	int first_err = 0, r;
	uint32_t seq = 0;

	if (!b->msgs)
		return 0;
	nftnl_batch_end(mnl_nlmsg_batch_current(b->mb), b->seq++);
	if (!mnl_nlmsg_batch_next(b->mb))
		return kf_error_set(err, -EOPNOTSUPP, "netlink batch too big");
	drain(n, &stale, &first_err, &seq); /* nothing of an earlier batch */
	first_err = 0;
	if (mnl_socket_sendto(n->nl, mnl_nlmsg_batch_head(b->mb),
			      mnl_nlmsg_batch_size(b->mb)) < 0)
		return kf_error_set(err, -errno, "netlink send: %s",
				    strerror(errno));
	r = drain(n, &acks, &first_err, &seq);
	if (r < 0)
		return kf_error_set(err, r, "netlink receive: %s",
				    strerror(-r));
	if (first_err) {
		bad = seq - b->seq0 - 1;
		return kf_error_set(err, first_err, "%s: %s",
				    bad < b->msgs ? b->desc[bad] : "batch",
				    strerror(-first_err));
	}
	if (acks != b->msgs)
		return kf_error_set(err, -EPROTO,
				    "netlink: %zu of %zu messages acknowledged",
				    acks, b->msgs);
	return 0;
}

/* ---- reading: does a chain still look up a set ---- */

struct lookup_seen {
	const char *set;
	bool seen;
};

static int lookup_expr(struct nftnl_expr *e, void *data)
{
	struct lookup_seen *ls = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *set;

	if (name && !strcmp(name, "lookup")) {
		set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		ls->seen |= set && !strcmp(set, ls->set);
	}
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0)
		nftnl_expr_foreach(r, lookup_expr, data);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int nfnl_chain_looks_up(struct nfnl *n, enum rules_family fam,
			const char *table, const char *chain, const char *set,
			bool *ret)
{
	struct lookup_seen ls = {set, false};
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint32_t seq = 1, portid = mnl_socket_get_portid(n->nl);
	struct nlmsghdr *nlh;
	size_t acks = 0;
	int err = 0, cb;
	uint32_t eseq;
	ssize_t got;

	if (!r)
		return -ENOMEM;
	drain(n, &acks, &err, &eseq); /* nothing of an earlier batch */
	nlh = nftnl_nlmsg_build_hdr(
	    n->rbuf, NFT_MSG_GETRULE,
	    fam == RULES_IP6 ? NFPROTO_IPV6 : NFPROTO_IPV4, NLM_F_DUMP, seq);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		got =
		    mnl_socket_recvfrom(n->nl, n->rbuf, MNL_SOCKET_BUFFER_SIZE);
		if (got < 0)
			return -errno;
		cb =
		    mnl_cb_run(n->rbuf, (size_t)got, seq, portid, rule_cb, &ls);
	} while (cb > MNL_CB_STOP);
	if (cb < 0)
		return errno ? -errno : -EPROTO;
	*ret = ls.seen;
	return 0;
}
