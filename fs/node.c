/* node.c — the table of nodes the kernel knows, by inode number. */
#include "fs/fs_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/hash.h"

/* Object inode numbers have the top bit set; path hashes never do. */
#define OBJECT_INO_BASE (1ull << 63)

int kfs_nodes_init(struct kfs *fs)
{
	struct node *root;

	pthread_mutex_init(&fs->lock, NULL);
	pthread_cond_init(&fs->unpinned, NULL);
	pthread_mutex_init(&fs->texts_lock, NULL);
	fs->nbuckets = 1 << 16;
	fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
	fs->inos = json_object();
	fs->writers = json_object();
	if (!fs->buckets || !fs->inos || !fs->writers)
		return -ENOMEM;
	fs->next_ino = OBJECT_INO_BASE;
	root = kfs_node_new(NODE_ROOT, 0, "");
	if (!root)
		return -ENOMEM;
	root->ino = FUSE_ROOT_ID;
	kfs_node_add(fs, root);
	return 0;
}

void kfs_nodes_release(struct kfs *fs)
{
	for (size_t i = 0; fs->buckets && i < fs->nbuckets; i++) {
		struct node *n = fs->buckets[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			kfs_node_free(n);
		}
	}
	free(fs->buckets);
	json_decref(fs->inos);
	json_decref(fs->writers);
	pthread_cond_destroy(&fs->unpinned);
	kfs_rootfile_texts_free(fs);
	pthread_mutex_destroy(&fs->texts_lock);
	pthread_mutex_destroy(&fs->lock);
}

static size_t bucket_of(struct kfs *fs, fuse_ino_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull;

	return (h >> 32) & (fs->nbuckets - 1);
}

struct node *kfs_node_get(struct kfs *fs, fuse_ino_t ino)
{
	struct node *n;

	pthread_mutex_lock(&fs->lock);
	for (n = fs->buckets[bucket_of(fs, ino)]; n; n = n->hnext)
		if (n->ino == ino)
			break;
	pthread_mutex_unlock(&fs->lock);
	return n;
}

struct node *kfs_node_add(struct kfs *fs, struct node *n)
{
	struct node *cur;
	size_t b = bucket_of(fs, n->ino);

	pthread_mutex_lock(&fs->lock);
	for (cur = fs->buckets[b]; cur; cur = cur->hnext)
		if (cur->ino == n->ino)
			break;
	if (cur) {
		/* Same inode: refresh what may have changed (a ghost that
		 * became an object keeps its inode). */
		if (cur->type != n->type && n->type == NODE_OBJECT) {
			cur->type = n->type;
			cur->kind = n->kind;
			free(cur->ns);
			free(cur->objname);
			cur->ns = n->ns;
			cur->objname = n->objname;
			n->ns = n->objname = NULL;
		}
		cur->nlookup++;
		pthread_mutex_unlock(&fs->lock);
		kfs_node_free(n);
		return cur;
	}
	n->nlookup = 1;
	n->hnext = fs->buckets[b];
	fs->buckets[b] = n;
	fs->nnodes++;
	pthread_mutex_unlock(&fs->lock);
	return n;
}

void kfs_node_forget(struct kfs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	struct node **pp, *n;

	if (ino == FUSE_ROOT_ID)
		return;
	pthread_mutex_lock(&fs->lock);
	for (pp = &fs->buckets[bucket_of(fs, ino)]; (n = *pp); pp = &n->hnext)
		if (n->ino == ino)
			break;
	if (n) {
		n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
		if (n->nlookup == 0) {
			*pp = n->hnext;
			fs->nnodes--;
			kfs_node_free(n);
		}
	}
	pthread_mutex_unlock(&fs->lock);
}

struct node *kfs_node_new(enum node_type type, fuse_ino_t parent,
			  const char *name)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	n->parent = parent;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	return n;
}

void kfs_node_free(struct node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->group);
	free(n->version);
	free(n->ns);
	free(n->objname);
	free(n->query);
	free(n);
}

char *kfs_node_path(struct kfs *fs, const struct node *n)
{
	const char *parts[16];
	size_t np = 0, len = 0;
	char *out, *p;

	pthread_mutex_lock(&fs->lock);
	while (n && n->ino != FUSE_ROOT_ID && np < 16) {
		parts[np++] = n->name;
		len += strlen(n->name) + 1;
		for (const struct node *c = n; c;) {
			fuse_ino_t pi = c->parent;
			struct node *m;

			for (m = fs->buckets[bucket_of(fs, pi)]; m;
			     m = m->hnext)
				if (m->ino == pi)
					break;
			n = m;
			break;
		}
	}
	out = malloc(len + 1);
	if (out) {
		p = out;
		while (np > 0) {
			size_t l = strlen(parts[--np]);

			memcpy(p, parts[np], l);
			p += l;
			if (np)
				*p++ = '/';
		}
		*p = '\0';
	}
	pthread_mutex_unlock(&fs->lock);
	return out;
}

fuse_ino_t kfs_object_ino(struct kfs *fs, const char *key)
{
	json_t *v;
	fuse_ino_t ino;

	pthread_mutex_lock(&fs->lock);
	v = json_object_get(fs->inos, key);
	if (v) {
		ino = (fuse_ino_t)json_integer_value(v);
	} else {
		ino = ++fs->next_ino;
		json_object_set_new(
		    fs->inos, key,
		    json_integer((json_int_t)(ino & ~OBJECT_INO_BASE)));
		ino |= OBJECT_INO_BASE;
		pthread_mutex_unlock(&fs->lock);
		return ino;
	}
	pthread_mutex_unlock(&fs->lock);
	return ino | OBJECT_INO_BASE;
}

fuse_ino_t kfs_object_ino_peek(struct kfs *fs, const char *key)
{
	json_t *v;
	fuse_ino_t ino = 0;

	pthread_mutex_lock(&fs->lock);
	v = json_object_get(fs->inos, key);
	if (v)
		ino = (fuse_ino_t)json_integer_value(v) | OBJECT_INO_BASE;
	pthread_mutex_unlock(&fs->lock);
	return ino;
}

void kfs_object_ino_drop(struct kfs *fs, const char *key)
{
	pthread_mutex_lock(&fs->lock);
	json_object_del(fs->inos, key);
	pthread_mutex_unlock(&fs->lock);
}

fuse_ino_t kfs_path_ino(const char *path)
{
	uint64_t h;

	if (!*path)
		return FUSE_ROOT_ID;
	h = fnv1a(FNV1A_OFFSET, path, strlen(path)) & ~OBJECT_INO_BASE;
	return h <= FUSE_ROOT_ID ? h + 2 : h;
}

void kfs_node_become_object(struct kfs *fs, fuse_ino_t ino, fuse_ino_t dir,
			    const struct kind_info *kind, const char *ns,
			    const char *name)
{
	char key[STORE_KEY_MAX + 1];
	char *nns = ns ? strdup(ns) : NULL, *nname = strdup(name);
	char *nobj = strdup(name);
	struct node *n;

	if (server_key(kind, ns, name, key, sizeof(key)) < 0 || !nname ||
	    !nobj || (ns && !nns)) {
		free(nns);
		free(nname);
		free(nobj);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	for (n = fs->buckets[bucket_of(fs, ino)]; n; n = n->hnext)
		if (n->ino == ino)
			break;
	if (n) {
		n->type = NODE_OBJECT;
		n->parent = dir;
		n->kind = kind;
		free(n->name);
		free(n->ns);
		free(n->objname);
		n->name = nname;
		n->ns = nns;
		n->objname = nobj;
		nname = nns = nobj = NULL;
		json_object_set_new(
		    fs->inos, key,
		    json_integer((json_int_t)(ino & ~OBJECT_INO_BASE)));
	}
	pthread_mutex_unlock(&fs->lock);
	free(nns);
	free(nname);
	free(nobj);
}
