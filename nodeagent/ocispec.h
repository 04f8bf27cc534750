/*
 * ocispec.h — the OCI runtime spec (runc's config.json) of one
 * container of a pod, as a CRI runtime generates it from the pod, the
 * container and its image.
 *
 * What goes in:
 *   process    args from command/args and the image's Entrypoint/Cmd
 *              (Kubernetes' rules: command replaces Entrypoint and drops
 *              Cmd; args replace Cmd); env: the image's, then the
 *              container's env (value, or the downward API's
 *              metadata.name/namespace/uid, spec.nodeName,
 *              spec.serviceAccountName, status.podIP/hostIP), later
 *              names winning; cwd: workingDir, else the image's, else /;
 *              user: runAsUser/runAsGroup (container over pod), else the
 *              image's numeric User, else 0:0, with supplementalGroups
 *              and fsGroup; capabilities: containerd's default set with
 *              add/drop ("ALL" allowed); noNewPrivileges unless
 *              allowPrivilegeEscalation is true; rlimit NOFILE (nofile)
 *   root       the overlay rootfs, readonly for readOnlyRootFilesystem
 *   hostname   the pod's hostname; no network namespace when netns is
 *              NULL (hostNetwork)
 *   mounts     /proc, /dev (tmpfs), /dev/pts, /dev/shm, /dev/mqueue,
 *              /sys (ro), cgroup (ro), and the pod's /etc/hosts,
 *              /etc/hostname, /etc/resolv.conf
 *   linux      namespaces pid, ipc, uts, mount and the pod's network
 *              namespace (a path); cgroupsPath; resources: memory limit,
 *              CPU shares from the request (2 for BestEffort) and a CFS
 *              quota from the limit (period 100 ms), pids limit;
 *              maskedPaths and readonlyPaths as runc's defaults; seccomp
 *              RuntimeDefault (or Unconfined, or a Localhost profile
 *              read from the node's seccomp dir)
 *
 * A privileged container (securityContext.privileged) gets every
 * capability, no seccomp, no masked paths — only when allow_privileged;
 * otherwise -EPERM with the sentence the kubelet would use. Values
 * that cannot hold (runAsNonRoot with user 0, a bad capability, a
 * missing Localhost profile) are -EINVAL with err set: the container
 * stays waiting with CreateContainerConfigError.
 */
#ifndef KUBEFS_NODEAGENT_OCISPEC_H
#define KUBEFS_NODEAGENT_OCISPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"

#define OCISPEC_DEFAULT_PIDS_LIMIT 4096
#define OCISPEC_NOFILE 1048576

struct ocispec_input {
	const json_t *pod;	    /* required */
	const json_t *container;    /* its spec, required */
	const json_t *image_config; /* the image's config object, or NULL */
	const char *rootfs;	    /* required */
	const char *netns;	    /* network namespace path; NULL: host net */
	const char *hosts;	    /* files bind-mounted into /etc */
	const char *hostname_file;
	const char *resolv_conf;
	const char *cgroups_path; /* required */
	const char *pod_ip;	  /* for status.podIP in env */
	const char *host_ip;
	const char *seccomp_dir;    /* Localhost profiles, may be NULL */
	const json_t *extra_mounts; /* OCI mounts for volumes, or NULL */
	const json_t *extra_env;    /* ["K=V", ...] (service env), or NULL */
	int64_t pids_limit;	    /* 0: OCISPEC_DEFAULT_PIDS_LIMIT */
	uint64_t nofile;	    /* RLIMIT_NOFILE; 0: OCISPEC_NOFILE */
	bool allow_privileged;
};

/*
 * The config.json. *ret owned by the caller. -EINVAL/-EPERM with err as
 * above, -ENOMEM.
 */
int ocispec_build(const struct ocispec_input *in, struct kf_error *err,
		  json_t **ret);

/*
 * The argv a container runs (command/args over the image's
 * Entrypoint/Cmd): a new array, owned by the caller. -EINVAL with err
 * when it is empty ("no command specified").
 */
int ocispec_args(const json_t *container, const json_t *image_config,
		 struct kf_error *err, json_t **ret);

/* containerd's RuntimeDefault seccomp profile as an OCI linux.seccomp
 * object (new reference), syscalls unknown to this kernel's libseccomp
 * left out. NULL on ENOMEM. */
json_t *ocispec_seccomp_default(void);

#endif
