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

#endif
