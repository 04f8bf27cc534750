/*
 * admission.c — the chain: plugins in Kubernetes' recommended order.
 */
#include "apiserver/admission.h"

static const struct admission_plugin *const chain[] = {
    &admission_namespace_lifecycle,
    &admission_limit_ranger,
    &admission_resource_quota,
};

#define CHAIN_LEN (sizeof(chain) / sizeof(chain[0]))

int admission_mutate(struct server *srv, struct admission_attrs *a,
		     struct kf_error *err)
{
	for (size_t i = 0; i < CHAIN_LEN; i++) {
		int r = chain[i]->mutate ? chain[i]->mutate(srv, a, err) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

int admission_validate(struct server *srv, const struct admission_attrs *a,
		       struct kf_error *err)
{
	for (size_t i = 0; i < CHAIN_LEN; i++) {
		int r =
		    chain[i]->validate ? chain[i]->validate(srv, a, err) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}
