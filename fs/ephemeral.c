/* ephemeral.c — ghosts (drop-box names) and scratch (dot) files. */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"

static bool expired(const struct ephemeral *e, time_t now)
{
	return e->type == NODE_GHOST && !e->holds && e->expires <= now;
}

static void eph_free(struct ephemeral *e)
{
	free(e->name);
	free(e->data);
	free(e);
}

/* Drop expired ghosts; eph_lock held. */
static void sweep(struct kfs *fs, time_t now)
{
	struct ephemeral **pp = &fs->eph, *e;

	while ((e = *pp)) {
		if (expired(e, now)) {
			*pp = e->next;
			fs->neph--;
			eph_free(e);
		} else {
			pp = &e->next;
		}
	}
}

static struct ephemeral **find(struct kfs *fs, fuse_ino_t dir, const char *name)
{
	struct ephemeral **pp;

	for (pp = &fs->eph; *pp; pp = &(*pp)->next)
		if ((*pp)->dir == dir && !strcmp((*pp)->name, name))
			return pp;
	return NULL;
}

int eph_lookup(struct kfs *fs, fuse_ino_t dir, const char *name,
	       struct ephemeral *ret)
{
	struct ephemeral **pp;
	int r = -ENOENT;

	pthread_mutex_lock(&fs->eph_lock);
	sweep(fs, time(NULL));
	pp = find(fs, dir, name);
	if (pp) {
		*ret = **pp;
		ret->name = NULL;
		ret->data = NULL;
		ret->next = NULL;
		r = 0;
	}
	pthread_mutex_unlock(&fs->eph_lock);
	return r;
}

static struct ephemeral *get_or_add(struct kfs *fs, fuse_ino_t dir,
				    const char *name)
{
	struct ephemeral **pp = find(fs, dir, name), *e;

	if (pp)
		return *pp;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->name = strdup(name);
	if (!e->name) {
		free(e);
		return NULL;
	}
	e->dir = dir;
	e->next = fs->eph;
	fs->eph = e;
	fs->neph++;
	return e;
}

void eph_ghost(struct kfs *fs, fuse_ino_t dir, const char *name, fuse_ino_t ino)
{
	eph_ghost_reply(fs, dir, name, ino, 0, NULL, 0);
}

void eph_ghost_reply(struct kfs *fs, fuse_ino_t dir, const char *name,
		     fuse_ino_t ino, uid_t reader, char *reply, size_t len)
{
	struct ephemeral *e;
	time_t now = time(NULL);

	pthread_mutex_lock(&fs->eph_lock);
	sweep(fs, now);
	e = get_or_add(fs, dir, name);
	if (e) {
		if (e->type == NODE_SCRATCH && fs->nscratch)
			fs->nscratch--;
		e->type = NODE_GHOST;
		e->ino = ino;
		e->expires = now + GHOST_SECONDS;
		e->mtime = now;
		free(e->data);
		e->data = TAKE_PTR(reply);
		e->len = e->data ? len : 0;
		e->reader = reader;
	}
	pthread_mutex_unlock(&fs->eph_lock);
	free(reply);
}

int eph_ghost_read(struct kfs *fs, fuse_ino_t dir, const char *name, uid_t uid,
		   char **ret_data, size_t *ret_len)
{
	struct ephemeral **pp;
	char *data = NULL;
	size_t len = 0;

	pthread_mutex_lock(&fs->eph_lock);
	pp = find(fs, dir, name);
	if (pp && (*pp)->type == NODE_GHOST && (*pp)->data &&
	    (*pp)->reader == uid) {
		len = (*pp)->len;
		data = malloc(len + 1);
		if (data) {
			memcpy(data, (*pp)->data, len);
			data[len] = '\0';
		}
	} else {
		data = strdup("");
	}
	pthread_mutex_unlock(&fs->eph_lock);
	if (!data)
		return -ENOMEM;
	*ret_data = data;
	*ret_len = len;
	return 0;
}

void eph_ghost_hold(struct kfs *fs, fuse_ino_t dir, const char *name,
		    fuse_ino_t ino)
{
	struct ephemeral *e;

	pthread_mutex_lock(&fs->eph_lock);
	sweep(fs, time(NULL));
	e = get_or_add(fs, dir, name);
	if (e && e->type != NODE_SCRATCH) {
		if (e->type != NODE_GHOST) {
			e->type = NODE_GHOST;
			e->ino = ino;
			e->mtime = time(NULL);
		}
		e->holds++;
	}
	pthread_mutex_unlock(&fs->eph_lock);
}

void eph_ghost_unhold(struct kfs *fs, fuse_ino_t dir, const char *name)
{
	struct ephemeral **pp;

	pthread_mutex_lock(&fs->eph_lock);
	pp = find(fs, dir, name);
	if (pp && (*pp)->type == NODE_GHOST && (*pp)->holds) {
		(*pp)->holds--;
		(*pp)->expires = time(NULL) + GHOST_SECONDS;
	}
	pthread_mutex_unlock(&fs->eph_lock);
}

int eph_scratch_create(struct kfs *fs, fuse_ino_t dir, const char *name,
		       fuse_ino_t ino)
{
	struct ephemeral *e;
	int r = 0;

	pthread_mutex_lock(&fs->eph_lock);
	if (!find(fs, dir, name) && fs->nscratch >= SCRATCH_MAX_FILES) {
		r = -ENOSPC;
		goto out;
	}
	e = get_or_add(fs, dir, name);
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	if (e->type != NODE_SCRATCH)
		fs->nscratch++;
	e->type = NODE_SCRATCH;
	e->ino = ino;
	e->mtime = time(NULL);
out:
	pthread_mutex_unlock(&fs->eph_lock);
	return r;
}

int eph_scratch_store(struct kfs *fs, fuse_ino_t dir, const char *name,
		      char *data, size_t len)
{
	struct ephemeral **pp;
	int r = -ENOENT;

	pthread_mutex_lock(&fs->eph_lock);
	pp = find(fs, dir, name);
	if (pp && (*pp)->type == NODE_SCRATCH) {
		free((*pp)->data);
		(*pp)->data = data;
		(*pp)->len = len;
		(*pp)->mtime = time(NULL);
		data = NULL;
		r = 0;
	}
	pthread_mutex_unlock(&fs->eph_lock);
	free(data);
	return r;
}

int eph_scratch_read(struct kfs *fs, fuse_ino_t dir, const char *name,
		     char **ret_data, size_t *ret_len)
{
	struct ephemeral **pp;
	int r = -ENOENT;

	pthread_mutex_lock(&fs->eph_lock);
	pp = find(fs, dir, name);
	if (pp) {
		char *d = malloc((*pp)->len + 1);

		if (!d) {
			r = -ENOMEM;
		} else {
			if ((*pp)->len)
				memcpy(d, (*pp)->data, (*pp)->len);
			d[(*pp)->len] = '\0';
			*ret_data = d;
			*ret_len = (*pp)->len;
			r = 0;
		}
	}
	pthread_mutex_unlock(&fs->eph_lock);
	return r;
}

int eph_remove(struct kfs *fs, fuse_ino_t dir, const char *name,
	       char **ret_data, size_t *ret_len)
{
	struct ephemeral **pp, *e;
	int r = -ENOENT;

	pthread_mutex_lock(&fs->eph_lock);
	sweep(fs, time(NULL));
	pp = find(fs, dir, name);
	if (pp) {
		e = *pp;
		*pp = e->next;
		fs->neph--;
		if (e->type == NODE_SCRATCH && fs->nscratch)
			fs->nscratch--;
		if (ret_data && e->type == NODE_SCRATCH) {
			*ret_data = e->data;
			*ret_len = e->len;
			e->data = NULL;
		}
		eph_free(e);
		r = 0;
	}
	pthread_mutex_unlock(&fs->eph_lock);
	return r;
}

void eph_release(struct kfs *fs)
{
	struct ephemeral *e, *next;

	for (e = fs->eph; e; e = next) {
		next = e->next;
		eph_free(e);
	}
	fs->eph = NULL;
}
