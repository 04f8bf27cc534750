/*
 * errlog.c — the `errors` file: each caller's recent rejected writes.
 *
 * Callers are told apart by uid (a shell's `cp` and the `cat errors` that
 * follows it are different processes of the same user). Each uid keeps its
 * newest ERRLOG_LINES lines; at most ERRLOG_UIDS uids are remembered.
 */
#include "fs/fs_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clock.h"

#define ERRLOG_UIDS 64

struct errlog_user {
	uid_t uid;
	char *lines[ERRLOG_LINES];
	unsigned next; /* ring position of the next line */
	unsigned count;
};

struct errlog {
	pthread_mutex_t lock;
	struct errlog_user users[ERRLOG_UIDS];
	unsigned nusers;
	unsigned evict; /* next user slot to reuse when full */
};

struct errlog *errlog_new(void)
{
	struct errlog *el = calloc(1, sizeof(*el));

	if (el)
		pthread_mutex_init(&el->lock, NULL);
	return el;
}

static void user_clear(struct errlog_user *u)
{
	for (unsigned i = 0; i < ERRLOG_LINES; i++) {
		free(u->lines[i]);
		u->lines[i] = NULL;
	}
	u->next = u->count = 0;
}

void errlog_free(struct errlog *el)
{
	if (!el)
		return;
	for (unsigned i = 0; i < el->nusers; i++)
		user_clear(&el->users[i]);
	pthread_mutex_destroy(&el->lock);
	free(el);
}

static struct errlog_user *user_get(struct errlog *el, uid_t uid, bool add)
{
	struct errlog_user *u;

	for (unsigned i = 0; i < el->nusers; i++)
		if (el->users[i].uid == uid)
			return &el->users[i];
	if (!add)
		return NULL;
	if (el->nusers < ERRLOG_UIDS) {
		u = &el->users[el->nusers++];
	} else {
		u = &el->users[el->evict++ % ERRLOG_UIDS];
		user_clear(u);
	}
	u->uid = uid;
	return u;
}

static void add_line(struct errlog *el, uid_t uid, const char *path,
		     const char *msg, size_t len);

/* A message of several lines (several rejected documents) is several
 * lines in the file. */
void errlog_add(struct errlog *el, uid_t uid, const char *path, const char *msg)
{
	const char *nl;

	while ((nl = strchr(msg, '\n'))) {
		add_line(el, uid, path, msg, nl - msg);
		msg = nl + 1;
	}
	add_line(el, uid, path, msg, strlen(msg));
}

static void add_line(struct errlog *el, uid_t uid, const char *path,
		     const char *msg, size_t len)
{
	struct errlog_user *u;
	char ts[RFC3339_MAX], *line = NULL;

	rfc3339_format_sec(time(NULL), ts);
	if (asprintf(&line, "%s %s: %.*s", ts, path, (int)len, msg) < 0)
		return;
	pthread_mutex_lock(&el->lock);
	u = user_get(el, uid, true);
	free(u->lines[u->next]);
	u->lines[u->next] = line;
	u->next = (u->next + 1) % ERRLOG_LINES;
	if (u->count < ERRLOG_LINES)
		u->count++;
	pthread_mutex_unlock(&el->lock);
}

char *errlog_text(struct errlog *el, uid_t uid, size_t *ret_len)
{
	struct errlog_user *u;
	size_t len = 0, cap = 1;
	char *out;

	pthread_mutex_lock(&el->lock);
	u = user_get(el, uid, false);
	for (unsigned i = 0; u && i < u->count; i++)
		cap += strlen(u->lines[(u->next + ERRLOG_LINES - u->count + i) %
				       ERRLOG_LINES]) +
		       1;
	out = malloc(cap);
	if (out) {
		for (unsigned i = 0; u && i < u->count; i++) {
			const char *l =
			    u->lines[(u->next + ERRLOG_LINES - u->count + i) %
				     ERRLOG_LINES];
			size_t n = strlen(l);

			memcpy(out + len, l, n);
			len += n;
			out[len++] = '\n';
		}
		out[len] = '\0';
		*ret_len = len;
	}
	pthread_mutex_unlock(&el->lock);
	return out;
}
