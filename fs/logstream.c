/*
 * logstream.c — a followed log fetched by a thread of its own.
 *
 * The thread runs curl_easy_perform(); its write callback appends to the
 * buffer (waiting while it is full) and calls the ready function without
 * the lock. logstream_free sets stop: the write callback and curl's
 * progress callback (called about once a second while idle) then abort
 * the transfer, and the thread is joined.
 */
#include "fs/logstream.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct logstream {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* head seen, room made, stop */
	pthread_t thread;
	bool started; /* thread runs */
	CURL *curl;
	struct curl_slist *headers;
	char *buf; /* LOGSTREAM_BUF_MAX bytes; [head, head + len) unread */
	size_t head, len;
	long code;   /* the answer's status, once its head has come */
	bool headed; /* the head has come (or the transfer ended) */
	bool done;   /* the transfer has ended */
	bool stop;
	void (*ready)(void *ud);
	void *ud;
};

static void notify(struct logstream *ls)
{
	void (*fn)(void *ud);
	void *ud;

	pthread_mutex_lock(&ls->lock);
	fn = ls->ready;
	ud = ls->ud;
	pthread_mutex_unlock(&ls->lock);
	if (fn)
		fn(ud);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct logstream *ls = arg;

	if (size * n == 2 && p[0] == '\r' && p[1] == '\n') {
		pthread_mutex_lock(&ls->lock);
		curl_easy_getinfo(ls->curl, CURLINFO_RESPONSE_CODE, &ls->code);
		ls->headed = true;
		pthread_cond_broadcast(&ls->cond);
		pthread_mutex_unlock(&ls->lock);
	}
	return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct logstream *ls = arg;
	size_t total = size * n, left = total;

	while (left) {
		size_t room, take;

		pthread_mutex_lock(&ls->lock);
		while (!ls->stop && ls->len == LOGSTREAM_BUF_MAX)
			pthread_cond_wait(&ls->cond, &ls->lock);
		if (ls->stop) {
			pthread_mutex_unlock(&ls->lock);
			return 0; /* aborts the transfer */
		}
		if (ls->head && ls->head + ls->len + left > LOGSTREAM_BUF_MAX) {
			memmove(ls->buf, ls->buf + ls->head, ls->len);
			ls->head = 0;
		}
		room = LOGSTREAM_BUF_MAX - ls->head - ls->len;
		take = left < room ? left : room;
		memcpy(ls->buf + ls->head + ls->len, p, take);
		ls->len += take;
		p += take;
		left -= take;
		pthread_mutex_unlock(&ls->lock);
		notify(ls);
	}
	return total;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct logstream *ls = arg;
	int stop;

	(void)dt, (void)dn, (void)ut, (void)un;
	pthread_mutex_lock(&ls->lock);
	stop = ls->stop;
	pthread_mutex_unlock(&ls->lock);
	return stop;
}

static void *run(void *arg)
{
	struct logstream *ls = arg;

	curl_easy_perform(ls->curl);
	pthread_mutex_lock(&ls->lock);
	ls->done = ls->headed = true;
	pthread_cond_broadcast(&ls->cond);
	pthread_mutex_unlock(&ls->lock);
	notify(ls);
	return NULL;
}

int logstream_open(const char *url, const char *header, struct logstream **ret)
{
	struct logstream *ls = calloc(1, sizeof(*ls));
	long code;
	int r;

	if (!ls)
		return -ENOMEM;
	ls->buf = malloc(LOGSTREAM_BUF_MAX);
	ls->curl = curl_easy_init();
	ls->headers = curl_slist_append(NULL, header);
	if (!ls->buf || !ls->curl || !ls->headers) {
		free(ls->buf);
		if (ls->curl)
			curl_easy_cleanup(ls->curl);
		curl_slist_free_all(ls->headers);
		free(ls);
		return -ENOMEM;
	}
	pthread_mutex_init(&ls->lock, NULL);
	pthread_cond_init(&ls->cond, NULL);
	curl_easy_setopt(ls->curl, CURLOPT_URL, url);
	curl_easy_setopt(ls->curl, CURLOPT_HTTPHEADER, ls->headers);
	curl_easy_setopt(ls->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)LOGSTREAM_CONNECT_MS);
	curl_easy_setopt(ls->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ls->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(ls->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(ls->curl, CURLOPT_HEADERDATA, ls);
	curl_easy_setopt(ls->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(ls->curl, CURLOPT_WRITEDATA, ls);
	curl_easy_setopt(ls->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(ls->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(ls->curl, CURLOPT_XFERINFODATA, ls);
	r = pthread_create(&ls->thread, NULL, run, ls);
	if (r) {
		logstream_free(ls);
		return -r;
	}
	ls->started = true;
	pthread_mutex_lock(&ls->lock);
	while (!ls->headed)
		pthread_cond_wait(&ls->cond, &ls->lock);
	code = ls->code;
	pthread_mutex_unlock(&ls->lock);
	if (code != 200) {
		logstream_free(ls);
		return code == 400 || code == 404 ? -ENOENT : -EHOSTUNREACH;
	}
	*ret = ls;
	return 0;
}

ssize_t logstream_read(struct logstream *ls, char *buf, size_t size)
{
	size_t n;

	pthread_mutex_lock(&ls->lock);
	if (!ls->len) {
		pthread_mutex_unlock(&ls->lock);
		return ls->done ? 0 : -EAGAIN;
	}
	n = size < ls->len ? size : ls->len;
	memcpy(buf, ls->buf + ls->head, n);
	ls->head += n;
	ls->len -= n;
	if (!ls->len)
		ls->head = 0;
	pthread_cond_broadcast(&ls->cond); /* room for the writer */
	pthread_mutex_unlock(&ls->lock);
	return (ssize_t)n;
}

bool logstream_readable(struct logstream *ls)
{
	bool r;

	pthread_mutex_lock(&ls->lock);
	r = ls->len || ls->done;
	pthread_mutex_unlock(&ls->lock);
	return r;
}

void logstream_set_ready_fn(struct logstream *ls, void (*fn)(void *ud),
			    void *ud)
{
	pthread_mutex_lock(&ls->lock);
	ls->ready = fn;
	ls->ud = ud;
	pthread_mutex_unlock(&ls->lock);
}

void logstream_free(struct logstream *ls)
{
	if (!ls)
		return;
	pthread_mutex_lock(&ls->lock);
	ls->stop = true;
	ls->ready = NULL;
	pthread_cond_broadcast(&ls->cond);
	pthread_mutex_unlock(&ls->lock);
	if (ls->started)
		pthread_join(ls->thread, NULL);
	curl_easy_cleanup(ls->curl);
	curl_slist_free_all(ls->headers);
	pthread_mutex_destroy(&ls->lock);
	pthread_cond_destroy(&ls->cond);
	free(ls->buf);
	free(ls);
}
