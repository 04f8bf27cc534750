/*
 * counter.c — the smallest controller-shaped program over client/: list,
 * watch, write. Read it before writing your own component.
 *
 *   counter [--cluster MOUNT] [--namespace NS] [--follow]
 *
 * 1. List the ConfigMaps labelled app=kubefs-example (client_list) and
 *    print each one's data.count.
 * 2. Watch them from the list's resourceVersion (watch_open), so that no
 *    change between the list and the watch is missed.
 * 3. Write: create the ConfigMap "example-counter" with count "1", or
 *    add one to its count with a merge patch (client_create,
 *    client_patch).
 * 4. Print the watch events until our own write comes back (or, with
 *    --follow, until interrupted).
 *
 * Everything is a file operation underneath: step 3 is a write to
 * core/v1/namespaces/NS/configmaps/example-counter@json, step 2 a read
 * of .../configmaps/@watch?resourceVersion=RV&labelSelector=... .
 *
 * Build: `make` builds it into build/obj/examples/counter. Link it
 * against libclient.a and libapi.a, with jansson (pkg-config).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/flags.h"
#include "api/kinds.h"
#include "client/client.h"
#include "client/watch.h"

#define NAME "example-counter"
#define SELECTOR "app=kubefs-example"

static const char *count_of(const json_t *obj)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(obj, "data"), "count"));

	return s ? s : "-";
}

static const char *name_of(const json_t *obj)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), "name"));

	return s ? s : "?";
}

/* Step 3: create the counter, or add one to it. */
static int bump(struct client *c, const struct kind_info *k, const char *ns,
		const json_t *items, struct kf_error *err)
{
	_cleanup_json_ json_t *obj = NULL, *patch = NULL;
	const json_t *mine = NULL, *it;
	char next[24];
	size_t i;

	json_array_foreach ((json_t *)items, i, it)
		if (!strcmp(name_of(it), NAME))
			mine = it;
	if (!mine) {
		obj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}",
				"apiVersion", "v1", "kind", "ConfigMap",
				"metadata", "name", NAME, "labels", "app",
				"kubefs-example", "data", "count", "1");
		if (!obj)
			return -ENOMEM;
		return client_create(c, k, ns, obj, err, NULL);
	}
	snprintf(next, sizeof(next), "%lld", atoll(count_of(mine)) + 1);
	patch = json_pack("{s:{s:s}}", "data", "count", next);
	if (!patch)
		return -ENOMEM;
	return client_patch(c, k, ns, NAME, patch, err, NULL);
}

int main(int argc, char **argv)
{
	const char *mount = NULL, *ns = "default";
	bool follow = false;
	const struct flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &mount, "$KUBEFS_MOUNT", ""},
	    {"namespace", 'n', FLAG_STRING, &ns, "default", ""},
	    {"follow", 0, FLAG_BOOL, &follow, "false", ""},
	    {NULL},
	};
	const struct kind_info *k = kinds_by_name("configmaps");
	_cleanup_json_ json_t *items = NULL;
	struct watch_opts wo = {.label_selector = SELECTOR};
	struct client *c = NULL;
	struct watch *w = NULL;
	struct kf_error err;
	json_t *it;
	size_t i;
	int r, nargs, status = 1;

	kf_error_init(&err);
	r = flags_parse_argv(flags, argc, argv, &err, &nargs);
	if (r == FLAGS_HELP || r < 0 || nargs > 1) {
		if (r < 0)
			fprintf(stderr, "counter: %s\n", err.msg);
		fprintf(r == FLAGS_HELP ? stdout : stderr,
			"usage: counter [--cluster MOUNT] [--namespace NS] "
			"[--follow]\n");
		return r == FLAGS_HELP ? 0 : 2;
	}
	r = client_new(mount, &c); /* NULL: $KUBEFS_MOUNT or /mnt/cluster */
	if (r < 0) {
		fprintf(stderr, "counter: %s\n", strerror(-r));
		return 1;
	}

	/* 1. list */
	r = client_list(c, k, ns, SELECTOR, NULL, &err, &items,
			&wo.resource_version);
	if (r < 0)
		goto fail;
	json_array_foreach (items, i, it)
		printf("listed %s count=%s\n", name_of(it), count_of(it));

	/* 2. watch from the list's resourceVersion */
	r = watch_open(c, k, ns, &wo, &err, &w);
	if (r < 0)
		goto fail;

	/* 3. write */
	r = bump(c, k, ns, items, &err);
	if (r < 0)
		goto fail;

	/* 4. events, until our write shows up */
	for (;;) {
		struct watch_event ev = {0};
		bool ours;

		r = watch_next(w, follow ? -1 : 10000, &ev);
		if (r < 0) {
			kf_error_set(&err, r, "watch: %s", strerror(-r));
			goto fail;
		}
		printf("%s %s count=%s\n", watch_event_type_name(ev.type),
		       name_of(ev.object), count_of(ev.object));
		fflush(stdout);
		ours = ev.type != WATCH_DELETED &&
		       !strcmp(name_of(ev.object), NAME);
		watch_event_release(&ev);
		if (ours && !follow)
			break;
	}
	status = 0;
	goto out;
fail:
	fprintf(stderr, "counter: %s\n", err.code ? err.msg : strerror(-r));
out:
	watch_close(w);
	client_free(c);
	return status;
}
