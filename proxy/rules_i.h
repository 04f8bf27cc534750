/* rules_i.h — what rules.c and rules_write.c share. */
#ifndef KUBEFS_PROXY_RULES_I_H
#define KUBEFS_PROXY_RULES_I_H

#include "proxy/rules.h"

/* Longest chain or set name written (nft allows 255). */
#define RULES_NAME_MAX 220

struct rules_frag {
	json_t *chains; /* chain name -> its rules, one per line */
	json_t *sets;	/* set name -> its declaration body */
	json_t *elems;	/* map or set name -> {key: value ("" in sets)} */
	size_t nrules, nelems;
};

/* "PREFIX-HASH-REST", REST made safe for nft, into out[size]. */
void rules_name(const char *prefix, const char *rest, char *out, size_t size);

#endif
