/*
 * registry.c — the controllers kubefs-ctrl knows, by their
 * --controllers names (kube-controller-manager's).
 */
#include "ctrl/ctrl.h"

const struct controller_desc ctrl_controllers[] = {
    {"replicaset", true, replicaset_setup},
    {"deployment", true, deployment_setup},
    {"garbagecollector", true, gc_setup},
    {"endpoint", true, endpoints_setup},
    {"endpointslice", true, endpointslice_setup},
    {"namespace", true, namespace_setup},
    {"serviceaccount", true, serviceaccount_setup},
    {"nodelifecycle", true, nodelifecycle_setup},
    {"podgc", true, podgc_setup},
    {"resourcequota", true, quota_setup},
    {NULL, false, NULL},
};
