/*
 * quota.h — what an object takes of a ResourceQuota's resource
 * (Kubernetes' quota evaluators): the one definition that ResourceQuota
 * admission (apiserver/admission_quota.c) and the quota controller
 * (ctrl/quota.c, status.used) share.
 *
 * Resources: count/<resource>[.<group>] for every kind; the core counts
 * pods, services, configmaps, secrets, resourcequotas; for pods
 * cpu/requests.cpu, memory/requests.memory (the effective requests,
 * api/podres.h) and limits.cpu/limits.memory (the containers' limits).
 * Finished pods (Succeeded, Failed) take nothing. Amounts are in
 * nano-units (struct quantity's unit: 1 = 10^-9).
 *
 * Pure functions over borrowed JSON.
 */
#ifndef KUBEFS_API_QUOTA_H
#define KUBEFS_API_QUOTA_H

#include <jansson.h>
#include <stdbool.h>

#include "api/kinds.h"

/*
 * What obj (of kind k) takes of quota resource res, into *ret. 0 with
 * *ret_applies false when res is not about k; -EINVAL for a quantity in
 * obj that does not parse.
 */
int quota_usage(const struct kind_info *k, const json_t *obj, const char *res,
		bool *ret_applies, __int128 *ret);

/* The kind whose objects quota resource res counts; NULL for a resource
 * kubefs does not count. */
const struct kind_info *quota_kind(const char *res);

#endif
