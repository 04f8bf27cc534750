/* rules_i.h — what rules.c, rules_frag.c, rules_service.c and
 * rules_write.c share. */
#ifndef KUBEFS_PROXY_RULES_I_H
#define KUBEFS_PROXY_RULES_I_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "api/error.h"
#include "api/netaddr.h"
#include "proxy/rules.h"

/* Longest chain or set name written (nft allows 255). */
#define RULES_NAME_MAX 220

struct rules_frag {
	json_t *chains; /* chain name -> its rules, one per line */
	json_t *sets;	/* set name -> "set BODY" or "map BODY" */
	json_t *elems;	/* map or set name -> {key: value ("" in sets)} */
	size_t nrules, nelems;
};

/* One port of the Service being programmed. */
struct svc_port {
	const char *name; /* "" when unnamed */
	char proto[8];	  /* "tcp", "udp", "sctp" */
	char proto_up[8]; /* "TCP", ... as in the objects */
	int port, node_port;
	char base[256]; /* "NS/NAME/PROTO/PORTNAME" */
};

/* One Service in one family while its fragment is built. */
struct gen {
	const struct rules_config *cfg;
	enum rules_family fam;
	struct rules_frag *frag;
	struct kf_error *err;
	const char *ns, *name;
	char cluster_ip[INET6_ADDRSTRLEN];
	bool ext_local, int_local, affinity;
	long affinity_timeout;
	const json_t *external_ips; /* strings: externalIPs + LB ingress */
};

/* "PREFIX-HASH-REST", REST made safe for nft, into out[size]. */
void rules_name(const char *prefix, const char *rest, char *out, size_t size);

/* Element key -> value in map or set `set` of g's fragment; -EINVAL with
 * g->err set when the key is there already (two Services claim it). */
int rules_add_elem(struct gen *g, const char *set, const char *key,
		   const char *value);

/* Declare set or map `name` of g's fragment: decl is "set BODY" or
 * "map BODY" (BODY as inside nft's braces). -ENOMEM. */
int rules_add_set(struct gen *g, const char *name, const char *decl);

/* Chain `chain` in g's fragment, without rules if it is new. -ENOMEM. */
int rules_add_chain(struct gen *g, const char *chain);

/* Append a printf-formatted rule line to chain `chain`. */
int rules_add_rule(struct gen *g, const char *chain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The chains and elements of port p over the endpoints of slices
 * (rules.c). */
int rules_program_port(struct gen *g, const json_t *slices,
		       const struct svc_port *p);

/* An address literal of family fam. */
static inline bool rules_ip_is(enum rules_family fam, const char *s)
{
	return fam == RULES_IP6 ? is_ipv6(s) : is_ipv4(s);
}

#endif
