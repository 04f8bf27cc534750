/*
 * podlog.h — NAME@log and NAME@log.CONTAINER of pods: the container's
 * log, fetched from the node agent that runs the pod, as the API server
 * proxies `GET pods/NAME/log` to the kubelet. NAME@log?PARAMS takes the
 * API's parameters (see kfs_pod_log_follow).
 */
#ifndef KUBEFS_FS_PODLOG_H
#define KUBEFS_FS_PODLOG_H

#include <stddef.h>

#include "fs/fs_i.h"

#define PODLOG_MAX (16u << 20) /* bytes of log one read gets */
#define PODLOG_TIMEOUT_MS 10000

/*
 * The log of the container the entry n names (NAME@log: the pod's
 * only, or default, container). The agent is found from the pod's
 * spec.nodeName: its Node's InternalIP and daemonEndpoints port, over
 * HTTP with libcurl. *ret malloc'd. No log yet is "": a pod not bound
 * to a node, a container that has not run, a node that is gone or
 * simulated (type=kwok: its address is made up, nothing is asked), an
 * agent that does not answer. -ENOENT: no such pod, or the agent has no
 * such container; -ENOMEM.
 */
int kfs_pod_log(struct kfs *fs, const struct node *n, char **ret,
		size_t *ret_len);

struct logstream;

/*
 * POD@log?follow=true (n->query: also previous, timestamps, tailLines,
 * sinceSeconds, container=, as the pods/log API takes them): the log
 * so far, then what the container writes until its run ends, streamed
 * from the agent (fs/logstream.h). 1: not a follow, or nothing to
 * follow (the entry reads as kfs_pod_log says); -ENOENT as kfs_pod_log;
 * -EINVAL: an unknown parameter or a bad value.
 */
int kfs_pod_log_follow(struct kfs *fs, const struct node *n,
		       struct logstream **ret);

#endif
