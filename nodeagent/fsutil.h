/*
 * fsutil.h — directory helpers the image store and the runtime share.
 */
#ifndef KUBEFS_NODEAGENT_FSUTIL_H
#define KUBEFS_NODEAGENT_FSUTIL_H

#include <sys/types.h>

/* mkdir -p path (each missing component with mode). 0 or -errno. */
int fsutil_mkdir_p(const char *path, mode_t mode);

/* rm -rf path, never crossing into another mount. Errors ignored. */
void fsutil_rm_rf(const char *path);

#endif
