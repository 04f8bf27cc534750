/*
 * logstream.h — an HTTP answer that keeps coming (the node agent's
 * follow=true log), read as a stream: a thread of its own fetches it
 * with libcurl into a bounded buffer; reads take what has come, and end
 * (0) when the answer has ended.
 */
#ifndef KUBEFS_FS_LOGSTREAM_H
#define KUBEFS_FS_LOGSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LOGSTREAM_BUF_MAX (1u << 20) /* bytes held for a slow reader */
#define LOGSTREAM_CONNECT_MS 2000

struct logstream;

/*
 * GET url (with the header line header, e.g. the Authorization) and
 * wait for the answer's head: 0 and *ret (the body follows
 * through logstream_read), -ENOENT when the answer is 400 or 404,
 * -EHOSTUNREACH when nobody answers, -ENOMEM.
 */
int logstream_open(const char *url, const char *header, struct logstream **ret);

/* Up to size bytes of what has come; 0 at the end; -EAGAIN: none yet. */
ssize_t logstream_read(struct logstream *ls, char *buf, size_t size);

/* Would a read return at once (bytes, or the end)? */
bool logstream_readable(struct logstream *ls);

/*
 * Call fn(ud) from the stream's thread when bytes or the end come (no
 * lock of the stream held); NULL: none. A call may still be under way
 * when this returns: logstream_free waits for it.
 */
void logstream_set_ready_fn(struct logstream *ls, void (*fn)(void *ud),
			    void *ud);

/* Stop the transfer, wait for the thread and release. NULL: no-op. */
void logstream_free(struct logstream *ls);

#endif
