/*
 * imagecmd.c — kubefs-node image: load archives, list, remove.
 *
 *   kubefs-node image [--root-dir DIR] load FILE...
 *   kubefs-node image [--root-dir DIR] ls
 *   kubefs-node image [--root-dir DIR] rm REF...
 *
 * The store is the one the agent with the same --root-dir uses
 * ($KUBEFS_NODE_ROOT_DIR, else /var/lib/kubefs/node).
 */
#include "nodeagent/imagecmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/flags.h"
#include "nodeagent/imagestore.h"

static const char usage[] =
    "Usage:\n"
    "  kubefs image load FILE...   load `docker save` or OCI archives\n"
    "  kubefs image ls             list the node's images\n"
    "  kubefs image rm IMAGE...    remove images (name, or sha256:ID)\n"
    "\n"
    "Flags:\n"
    "  --root-dir DIR   the node's state directory (default "
    "$KUBEFS_NODE_ROOT_DIR, else " NODEAGENT_DEFAULT_ROOT_DIR ")\n";

/* "docker.io/library/busybox:latest" → repository and tag columns. */
static void split_name(const char *name, char *repo, size_t size,
		       const char **tag)
{
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');

	*tag = colon ? colon + 1 : "<none>";
	snprintf(repo, size, "%.*s",
		 (int)(colon ? (size_t)(colon - name) : strlen(name)), name);
}

/* 2.1MB as crictl prints sizes (decimal units). */
static void human_size(long long n, char *buf, size_t size)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%.3g%s" : "%.0f%s", v, unit[u]);
}

static int do_ls(struct imagestore *s)
{
	_cleanup_json_ json_t *list = NULL;
	size_t i;
	json_t *e;
	int r = imagestore_list(s, &list);

	if (r < 0) {
		fprintf(stderr, "error: listing images: %s\n", strerror(-r));
		return 1;
	}
	printf("%-50s %-10s %-15s %s\n", "IMAGE", "TAG", "IMAGE ID", "SIZE");
	json_array_foreach (list, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		char repo[4096], sz[32];
		const char *tag;

		split_name(json_string_value(json_object_get(e, "name")), repo,
			   sizeof(repo), &tag);
		human_size(json_integer_value(json_object_get(e, "size")), sz,
			   sizeof(sz));
		printf("%-50s %-10s %-15.13s %s\n", repo, tag,
		       id && strlen(id) > 7 ? id + 7 : "", sz);
	}
	return 0;
}

int imagecmd_main(int argc, char **argv)
{
	const char *root = getenv("KUBEFS_NODE_ROOT_DIR");
	const struct flag flags[] = {
	    {"root-dir", 0, FLAG_STRING, &root, "",
	     "the node's state directory"},
	    {NULL},
	};
	struct imagestore *s = NULL;
	struct kf_error ferr;
	const char *verb;
	int i = 1, rc = 0, r;

	if (!root || !*root)
		root = NODEAGENT_DEFAULT_ROOT_DIR;
	kf_error_init(&ferr);
	r = flags_parse_argv(flags, argc, argv, &ferr, &argc);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", ferr.msg);
		return 2;
	}
	if (r == FLAGS_HELP || i >= argc) {
		fputs(usage, r == FLAGS_HELP ? stdout : stderr);
		return r == FLAGS_HELP ? 0 : 2;
	}
	verb = argv[i++];
	if (strcmp(verb, "load") && strcmp(verb, "ls") &&
	    strcmp(verb, "list") && strcmp(verb, "rm") && strcmp(verb, "rmi")) {
		fprintf(stderr,
			"error: unknown command \"%s\" for \"image\"\n%s", verb,
			usage);
		return 2;
	}
	if (strcmp(verb, "ls") && strcmp(verb, "list") && i >= argc) {
		fprintf(stderr, "error: %s needs at least one argument\n%s",
			verb, usage);
		return 2;
	}
	r = imagestore_open(root, &s);
	if (r < 0) {
		fprintf(stderr,
			"error: cannot open the image store in %s: %s\n", root,
			strerror(-r));
		return 1;
	}
	if (!strcmp(verb, "ls") || !strcmp(verb, "list")) {
		rc = do_ls(s);
		goto out;
	}
	for (; i < argc; i++) {
		_cleanup_json_ json_t *names = NULL;
		struct kf_error err;
		size_t j;
		json_t *n;

		kf_error_init(&err);
		if (!strcmp(verb, "load")) {
			r = imagestore_load(s, argv[i], &err, &names);
			json_array_foreach (names, j, n)
				printf("Loaded image: %s\n",
				       json_string_value(n));
		} else {
			r = imagestore_remove(s, argv[i], &err);
			if (r == 0)
				printf("Deleted: %s\n", argv[i]);
		}
		if (r < 0) {
			fprintf(stderr, "error: %s\n",
				err.msg[0] ? err.msg : strerror(-r));
			rc = 1;
		}
	}
out:
	imagestore_free(s);
	return rc;
}
