/*
 * imagestore.h — the node's content-addressed image store (what
 * containerd's content store and overlay snapshotter are to a kubelet).
 *
 * Layout under ROOT (the node's --root-dir):
 *   images/index.json          an OCI image index: one manifest per image
 *                              name, the name in the annotation
 *                              "io.containerd.image.name"
 *   images/blobs/sha256/HEX    manifests, configs and layers by digest
 *   images/layers/HEX/         layer HEX unpacked: overlayfs whiteouts
 *                              (0:0 character devices, opaque
 *                              directories) in place of the tar's .wh.
 *                              entries, ready to stack as lower dirs
 *   images/tmp/                loads in progress
 *
 * Every blob is verified against its digest when it enters the store.
 * Writers (load, remove, unpack) hold an exclusive flock on images/lock,
 * so the node agent and `kubefs-node image` may work on one store at
 * once; a store handle is also safe across the threads of a process.
 *
 * Archives are read with tar(1): `docker save` archives (manifest.json
 * with RepoTags) and OCI image layouts (index.json and blobs/), plain or
 * compressed; layers may be plain or gzip tars.
 */
#ifndef KUBEFS_NODEAGENT_IMAGESTORE_H
#define KUBEFS_NODEAGENT_IMAGESTORE_H

#include <jansson.h>
#include <stddef.h>

#include "api/error.h"

#define IMAGESTORE_LAYERS_MAX 128 /* layers of one image */
#define IMAGESTORE_IMAGES_MAX 4096

struct imagestore;

/* An image ready to run: borrowed nothing, owned by the caller. */
struct image_info {
	char *name;	    /* "docker.io/library/busybox:latest" */
	char digest[72];    /* the manifest's "sha256:HEX" */
	char config_id[72]; /* the config's "sha256:HEX" (the image ID) */
	json_t *config;	    /* the image config's "config" object */
	char **layers;	    /* unpacked layer dirs, bottom first */
	size_t n_layers;
};

void image_info_free(struct image_info *im);

/*
 * Open (creating) the store under root. -errno from mkdir/open,
 * -ENOMEM. *ret owned by the caller (imagestore_free()).
 */
int imagestore_open(const char *root, struct imagestore **ret);

/* NULL is a no-op. */
void imagestore_free(struct imagestore *s);

/*
 * Load the images of archive into the store. *ret_names (may be NULL):
 * a JSON array of the names loaded. -EINVAL with err for an archive
 * that is neither kind or whose blobs do not match their digests;
 * -errno otherwise.
 */
int imagestore_load(struct imagestore *s, const char *archive,
		    struct kf_error *err, json_t **ret_names);

/*
 * The images: an array of {name, digest, id, size, loaded} (size: the
 * bytes of manifest, config and layers; loaded: when its manifest
 * entered the store, ms since the epoch). *ret owned by the caller.
 */
int imagestore_list(struct imagestore *s, json_t **ret);

/*
 * Remove the image named ref (normalised as image_normalize() does, or
 * "sha256:HEX" of its ID or manifest), then the blobs and unpacked
 * layers no other image uses and no mount holds. -ENOENT with err
 * ("no such image: REF").
 */
int imagestore_remove(struct imagestore *s, const char *ref,
		      struct kf_error *err);

/*
 * The image named ref (normalised name, or an ID), its layers unpacked.
 * -ENOENT if the store has no such image; -EINVAL with err for a broken
 * one. *ret owned by the caller (image_info_free()).
 */
int imagestore_resolve(struct imagestore *s, const char *ref,
		       struct kf_error *err, struct image_info **ret);

#endif
