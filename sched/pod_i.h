/*
 * pod_i.h — the pod view's memory diet, shared by pod.c and podslim.c.
 */
#ifndef KUBEFS_SCHED_POD_I_H
#define KUBEFS_SCHED_POD_I_H

#include "sched/framework.h"

/*
 * Once pod is filled from its whole object: replace pod->obj by a small
 * object keeping what the view's pointers and the queue's comparison
 * need (identity, labels, placement constraints), with labels,
 * tolerations and common strings shared between pods. 0 or -ENOMEM.
 */
int sched_pod_reduce(struct sched_pod *pod);

#endif
