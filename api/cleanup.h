/*
 * cleanup.h — scope-bound cleanup for locals (GCC/Clang cleanup attribute).
 *
 *   _cleanup_free_ char *s = strdup(x);      freed at end of scope
 *   _cleanup_json_ json_t *o = json_object(); json_decref'd at end of scope
 *   _cleanup_close_ int fd = open(...);      closed if >= 0
 *
 * Hand ownership out with TAKE_PTR(p): returns p and sets it to NULL.
 */
#ifndef KUBEFS_API_CLEANUP_H
#define KUBEFS_API_CLEANUP_H

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_jsonp(json_t **p)
{
	json_decref(*p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))

#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) take_ptr_tmp_ = (p);                             \
		(p) = NULL;                                                    \
		take_ptr_tmp_;                                                 \
	})

#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int take_fd_tmp_ = (fd);                                       \
		(fd) = -1;                                                     \
		take_fd_tmp_;                                                  \
	})

#endif
