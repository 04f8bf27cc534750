/*
 * imagestore_i.h — shared by imagestore.c and imagelayer.c.
 */
#ifndef KUBEFS_NODEAGENT_IMAGESTORE_I_H
#define KUBEFS_NODEAGENT_IMAGESTORE_I_H

#include "nodeagent/imagestore.h"

/*
 * images/layers/HEX (images: the store's directory): unpack blob HEX
 * there unless it is already. The caller holds the store's lock.
 * *ret_dir (owned) is the layer's directory. -EINVAL with err when
 * tar fails, -errno.
 */
int imagestore_unpack_layer(const char *images, const char *hex,
			    struct kf_error *err, char **ret_dir);

/*
 * Add an image fetched by other means (a registry): the blobs at paths
 * (moved in, each checked against hexes[i]), then the manifest text,
 * then name pointing at it in the index. -EINVAL with err for a digest
 * mismatch, -errno.
 */
int imagestore_add(struct imagestore *s, const char *name, const char *manifest,
		   size_t manifest_len, const char *const *paths,
		   const char *const *hexes, size_t n, struct kf_error *err);

/* images/tmp, where downloads land before they are added. */
const char *imagestore_tmp_dir(const struct imagestore *s, char *buf,
			       size_t size);

#endif
