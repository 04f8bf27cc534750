/* diagnosis.c — why a pod fits no node; kube-scheduler's FitError text. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "sched/framework.h"

void sched_diagnosis_init(struct sched_diagnosis *d)
{
	memset(d, 0, sizeof(*d));
	strmap_init(&d->index);
}

void sched_diagnosis_release(struct sched_diagnosis *d)
{
	for (size_t i = 0; i < d->n_reasons; i++)
		free(d->reasons[i].reason);
	free(d->reasons);
	strmap_release(&d->index);
	sched_diagnosis_init(d);
}

static int add_reason(struct sched_diagnosis *d, const char *reason)
{
	uintptr_t pos = (uintptr_t)strmap_get(&d->index, reason);
	struct sched_reason_count *rc;
	int r;

	if (pos) {
		d->reasons[pos - 1].count++;
		return 0;
	}
	if (d->n_reasons == d->cap_reasons) {
		size_t cap = d->cap_reasons ? d->cap_reasons * 2 : 8;

		rc = realloc(d->reasons, cap * sizeof(*rc));
		if (!rc)
			return -ENOMEM;
		d->reasons = rc;
		d->cap_reasons = cap;
	}
	rc = &d->reasons[d->n_reasons];
	rc->reason = strdup(reason);
	if (!rc->reason)
		return -ENOMEM;
	rc->count = 1;
	r = strmap_put(&d->index, reason,
		       (void *)(uintptr_t)(d->n_reasons + 1));
	if (r < 0) {
		free(rc->reason);
		return r;
	}
	d->n_reasons++;
	return 0;
}

int sched_diagnosis_add(struct sched_diagnosis *d, enum sched_plugin_id id,
			const struct sched_status *st)
{
	d->plugins |= 1u << id;
	for (size_t i = 0; i < st->n_reasons; i++) {
		int r = add_reason(d, st->reasons[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sched_diagnosis_message(const struct sched_diagnosis *d, char **ret_msg)
{
	_cleanup_free_ char **items = NULL;
	char *msg = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	if (d->n_nodes == 0) {
		msg = strdup("no nodes available to schedule pods");
		if (!msg)
			return -ENOMEM;
		*ret_msg = msg;
		return 0;
	}
	items = calloc(d->n_reasons + 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_reasons; i++) {
		if (asprintf(&items[i], "%zu %s", d->reasons[i].count,
			     d->reasons[i].reason) < 0) {
			items[i] = NULL;
			r = -ENOMEM;
			goto out_items;
		}
	}
	/* sorted as strings, count included, as kube-scheduler does */
	qsort(items, d->n_reasons, sizeof(*items), cmp_str);
	f = open_memstream(&msg, &len);
	if (!f) {
		r = -ENOMEM;
		goto out_items;
	}
	fprintf(f, "0/%zu nodes are available: ", d->n_nodes);
	for (size_t i = 0; i < d->n_reasons; i++)
		fprintf(f, "%s%s", i ? ", " : "", items[i]);
	fputc('.', f);
	if (fclose(f) != 0 || !msg) {
		free(msg);
		r = -ENOMEM;
		goto out_items;
	}
	*ret_msg = msg;
out_items:
	for (size_t i = 0; i < d->n_reasons; i++)
		free(items[i]);
	return r;
}
