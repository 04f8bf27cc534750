/*
 * dnsconfig.h — a pod's /etc/resolv.conf, by the kubelet's rules
 * (pkg/kubelet/network/dns):
 *
 *   dnsPolicy                      name servers      search
 *   ClusterFirst (not hostNetwork) the cluster DNS   NS.svc.D svc.D D, host's
 *   ClusterFirstWithHostNet        the cluster DNS   as above
 *   Default, ClusterFirst + hostNetwork
 *                                  the host's        the host's
 *   None                           none              none
 *
 * The two cluster policies use options ndots:5; the host's policy the
 * host's options. Without a cluster DNS address the cluster policies
 * fall back to the host's, as the kubelet does. Then spec.dnsConfig is
 * appended: its nameservers and searches after the policy's (without
 * duplicates), its options replacing those of the same name. At most 3
 * name servers and 32 search domains are kept (the kubelet's limits).
 * The host's loopback name servers are left out (a pod's loopback is
 * not the host's).
 *
 * Thread safety: pure; the result is the caller's to free().
 */
#ifndef KUBEFS_NODEAGENT_DNSCONFIG_H
#define KUBEFS_NODEAGENT_DNSCONFIG_H

#include <jansson.h>

#define DNSCONFIG_CLUSTER_DOMAIN "cluster.local"
#define DNSCONFIG_MAX_NAMESERVERS 3
#define DNSCONFIG_MAX_SEARCHES 32

/*
 * The resolv.conf text for pod (its metadata.namespace and spec), given
 * the cluster DNS address ("" or NULL: none) and the host's resolv.conf
 * text (NULL: empty). 0, or -ENOMEM.
 */
int dnsconfig_render(const json_t *pod, const char *cluster_dns,
		     const char *host_resolv, char **ret);

#endif
