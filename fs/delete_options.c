/*
 * delete_options.c — NAME@delete: the bytes written are a DeleteOptions
 * document (YAML or JSON; empty means the defaults, as `rm`), judged at
 * close like any write. See server_delete_opts.c for what the options do.
 */
#include "fs/fs_i.h"

#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"

int kfs_write_delete(struct kfs *fs, struct kfs_write *w, const char *name,
		     struct kf_error *err)
{
	_cleanup_json_ json_t *doc = NULL;
	struct server_delete_options o;
	size_t b = 0;
	int r;

	while (b < w->len && strchr(" \t\r\n", w->buf[b]))
		b++;
	if (b < w->len) {
		r = codec_decode_one(w->buf + b, w->len - b, NULL, err, &doc);
		if (r < 0)
			return r;
	}
	r = server_parse_delete_options(doc, err, &o);
	if (r < 0)
		return r;
	return server_delete_with(fs->srv, w->kind, w->ns, name, &o, err);
}
