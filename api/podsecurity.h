/*
 * podsecurity.h — the Pod Security Standards (k8s.io/pod-security-admission
 * policy checks): which of a pod's fields a level forbids, worded as
 * Kubernetes words each violation, e.g.
 *   allowPrivilegeEscalation != false (container "c" must set
 *   securityContext.allowPrivilegeEscalation=false)
 * Checks run in Kubernetes' order: the baseline ones by ID, then the
 * restricted ones by ID; containers in the order init containers, then
 * containers.
 *
 * Checked: baseline — non-default capabilities, host namespaces, hostPath
 * volumes, hostPort, privileged; restricted — allowPrivilegeEscalation,
 * unrestricted capabilities, restricted volume types, runAsNonRoot,
 * runAsUser=0, seccompProfile. Not yet: AppArmor, procMount, SELinux
 * options, the baseline seccomp rule, sysctls, Windows host process.
 *
 * Pure functions over borrowed JSON; nothing allocates.
 */
#ifndef KUBEFS_API_PODSECURITY_H
#define KUBEFS_API_PODSECURITY_H

#include <jansson.h>
#include <stddef.h>

enum psa_level {
	PSA_PRIVILEGED,
	PSA_BASELINE,
	PSA_RESTRICTED,
};

/* "privileged", "baseline", "restricted" → 0 and *ret; -EINVAL else. */
int psa_level_parse(const char *s, enum psa_level *ret);

/*
 * Evaluate the pod spec (borrowed; NULL is an empty pod) at level: the
 * violations, ", "-separated, into buf (size bytes, NUL-terminated,
 * cut when it does not fit). Returns how many checks failed (0: allowed).
 */
size_t psa_check(const json_t *spec, enum psa_level level, char *buf,
		 size_t size);

#endif
