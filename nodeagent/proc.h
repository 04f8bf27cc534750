/*
 * proc.h — running the helper programs a node needs (runc, the CNI
 * plugins, tar) from a multi-threaded agent: posix_spawn, never a bare
 * fork, so no lock of another thread is inherited.
 */
#ifndef KUBEFS_NODEAGENT_PROC_H
#define KUBEFS_NODEAGENT_PROC_H

#include <stddef.h>

#define PROC_OUTPUT_MAX (1 << 20) /* stdout kept beyond this is dropped */

struct proc_result {
	int status; /* exit code; 128 + signal when killed */
	char *out;  /* stdout, NUL-terminated; owned (free()) */
	char *err;  /* stderr, NUL-terminated, trailing newline cut; owned */
};

/*
 * Run argv[0] (a path, or a name looked up in PATH) with argv, the
 * environment env (NULL: ours), stdin fed from in (NULL: /dev/null),
 * and wait for it. 0 once it ran (whatever its exit code: see
 * ret->status), -errno when it could not be started. ret->out and
 * ret->err are owned by the caller (proc_result_release()).
 */
int proc_run(char *const argv[], char *const env[], const char *in,
	     struct proc_result *ret);

void proc_result_release(struct proc_result *r);

#endif
