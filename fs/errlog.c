/*
 * errlog.c — the `errors` file: each caller's recent rejected writes.
 *
 * Callers are told apart by uid (a shell's `cp` and the `cat errors` that
 * follows it are different processes of the same user). Each uid keeps
 * its newest ERRLOG_LINES lines and at most ERRLOG_BYTES bytes of them:
 * a user's lines only ever push out that user's older lines, never
 * another user's. At most ERRLOG_UIDS uids are remembered (every uid
 * but root needs an account, so this is never reached in practice);
 * past it a new uid's lines are not kept, and root's always are.
 */
#include "fs/fs_i.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clock.h"

#define ERRLOG_UIDS 4096
#define ERRLOG_BYTES (64u << 10) /* per uid */
#define ERRLOG_LINE_MAX 4096	 /* bytes of one line, longer is cut */

struct errlog_user {
	uid_t uid;
	char *lines[ERRLOG_LINES];
	unsigned next; /* ring position of the next line */
	unsigned count;
	size_t bytes;
};

struct errlog {
	pthread_mutex_t lock;
	struct errlog_user **users;
	unsigned nusers, cap;
};

struct errlog *errlog_new(void)
{
	struct errlog *el = calloc(1, sizeof(*el));

	if (el)
		pthread_mutex_init(&el->lock, NULL);
	return el;
}

void errlog_free(struct errlog *el)
{
	if (!el)
		return;
	for (unsigned i = 0; i < el->nusers; i++) {
		for (unsigned j = 0; j < ERRLOG_LINES; j++)
			free(el->users[i]->lines[j]);
		free(el->users[i]);
	}
	free(el->users);
	pthread_mutex_destroy(&el->lock);
	free(el);
}

static struct errlog_user *user_get(struct errlog *el, uid_t uid, bool add)
{
	struct errlog_user *u;

	for (unsigned i = 0; i < el->nusers; i++)
		if (el->users[i]->uid == uid)
			return el->users[i];
	if (!add || (el->nusers >= ERRLOG_UIDS && uid != 0))
		return NULL;
	if (el->nusers == el->cap) {
		unsigned cap = el->cap ? el->cap * 2 : 16;
		struct errlog_user **a = realloc(el->users, cap * sizeof(*a));

		if (!a)
			return NULL;
		el->users = a;
		el->cap = cap;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->uid = uid;
	el->users[el->nusers++] = u;
	return u;
}

/* The user's oldest line goes. */
static void drop_oldest(struct errlog_user *u)
{
	unsigned i = (u->next + ERRLOG_LINES - u->count) % ERRLOG_LINES;

	u->bytes -= strlen(u->lines[i]);
	free(u->lines[i]);
	u->lines[i] = NULL;
	u->count--;
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
	size_t n;

	rfc3339_format_sec(time(NULL), ts);
	if (asprintf(&line, "%s %s: %.*s", ts, path, (int)len, msg) < 0)
		return;
	n = strlen(line);
	if (n > ERRLOG_LINE_MAX) {
		memcpy(line + ERRLOG_LINE_MAX - 3, "...", 4);
		n = ERRLOG_LINE_MAX;
	}
	pthread_mutex_lock(&el->lock);
	u = user_get(el, uid, true);
	if (!u) {
		pthread_mutex_unlock(&el->lock);
		free(line);
		return;
	}
	while (u->count &&
	       (u->count == ERRLOG_LINES || u->bytes + n > ERRLOG_BYTES))
		drop_oldest(u);
	u->lines[u->next] = line;
	u->next = (u->next + 1) % ERRLOG_LINES;
	u->count++;
	u->bytes += n;
	pthread_mutex_unlock(&el->lock);
}

char *errlog_text(struct errlog *el, uid_t uid, size_t *ret_len)
{
	struct errlog_user *u;
	size_t len = 0;
	char *out;

	pthread_mutex_lock(&el->lock);
	u = user_get(el, uid, false);
	out = malloc((u ? u->bytes + u->count : 0) + 1);
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
