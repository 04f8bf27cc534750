/*
 * node.c — kubefs cordon / uncordon / drain NODE, and kubefs top.
 *
 * drain cordons the node, then evicts (NAME@eviction) every pod bound to
 * it, with kubectl's filters: DaemonSet pods need --ignore-daemonsets
 * (and are then left alone), pods without a controller need --force,
 * pods with emptyDir volumes need --delete-emptydir-data; mirror pods and
 * finished pods are not checked. It then waits until the evicted pods are
 * gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/owner.h"
#include "api/quantity.h"
#include "shell/cli.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

#define MIRROR_ANNOTATION "kubernetes.io/config.mirror"

struct drain_opts {
	bool ignore_ds, force, emptydir, disable_eviction;
	long long timeout_ms;
	const char *pod_selector;
};

static const struct command_help cordon_help = {
    .name = "cordon",
    .desc = "Mark node as unschedulable.",
    .examples = "  # Mark node \"foo\" as unschedulable\n"
		"  kubefs cordon foo",
    .usage = "cordon NODE [options]",
};

static const struct command_help uncordon_help = {
    .name = "uncordon",
    .desc = "Mark node as schedulable.",
    .examples = "  # Mark node \"foo\" as schedulable\n"
		"  kubefs uncordon foo",
    .usage = "uncordon NODE [options]",
};

static const struct command_help drain_help = {
    .name = "drain",
    .desc = "Drain node in preparation for maintenance.\n\n The given node "
	    "will be marked unschedulable to prevent new pods from arriving. "
	    "'drain' evicts the pods. Otherwise, it will use normal DELETE "
	    "to delete the pods (--disable-eviction). The 'drain' evicts or "
	    "deletes all pods except mirror pods (which cannot be deleted "
	    "through the API server). If there are daemon set-managed pods, "
	    "drain will not proceed without --ignore-daemonsets, and "
	    "regardless it will not delete any daemon set-managed pods, "
	    "because those pods would be immediately replaced by the daemon "
	    "set controller, which ignores unschedulable markings. If there "
	    "are any pods that are neither mirror pods nor managed by a "
	    "replication controller, replica set, daemon set, stateful set, "
	    "or job, then drain will not delete any pods unless you use "
	    "--force.\n\n When you are ready to put the node back into "
	    "service, use kubefs uncordon, which will make the node "
	    "schedulable again.",
    .examples = "  # Drain node \"foo\", even if there are pods not managed "
		"by a replication controller, replica set, job, daemon set, "
		"or stateful set on it\n"
		"  kubefs drain foo --force\n\n"
		"  # As above, but abort if there are pods not managed by a "
		"controller, and use a 15s timeout\n"
		"  kubefs drain foo --timeout=15s",
    .usage = "drain NODE [flags] [options]",
};

static const struct command_help top_help = {
    .name = "top",
    .desc = "Display resource (CPU/memory) usage.\n\n The top command "
	    "allows you to see the resource consumption for nodes or pods. "
	    "This command requires the metrics.k8s.io resources to be "
	    "served by the cluster.",
    .examples = "  # Show metrics for all nodes\n"
		"  kubefs top node\n\n"
		"  # Show metrics for all pods in the default namespace\n"
		"  kubefs top pod",
    .usage = "top (node | pod) [NAME] [flags] [options]",
};

static const struct kind_info *nodes_kind(void)
{
	return kinds_by_path("core", "v1", "nodes");
}

/* Set spec.unschedulable; prints kubectl's line. */
static int set_cordon(struct cli *cli, const char *node, bool on)
{
	_cleanup_json_ json_t *obj = NULL, *patch = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_get(cli->client, nodes_kind(), NULL, node, &err, &obj);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (json_is_true(jget(obj, "spec.unschedulable")) == on) {
		printf("node/%s already %s\n", node,
		       on ? "cordoned" : "uncordoned");
		return 0;
	}
	patch = json_pack("{s:{s:o}}", "spec", "unschedulable",
			  on ? json_true() : json_null());
	if (!patch)
		return cli_fail("out of memory");
	kf_error_init(&err);
	r = client_patch(cli->client, nodes_kind(), NULL, node, patch, &err,
			 NULL);
	if (r < 0)
		return cli_error(r, &err, NULL);
	printf("node/%s %s\n", node, on ? "cordoned" : "uncordoned");
	return 0;
}

static int cordon_cmd(struct cli *cli, const struct command_help *h, bool on,
		      int argc, char **argv)
{
	const struct flag flags[] = {{NULL}};
	int n, r, rc = 0;

	r = flags_parse(h, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n < 2) {
		fprintf(stderr, "error: USAGE: %s NODE [flags]\n", h->name);
		flags_see_help(h);
		return 1;
	}
	if (!nodes_kind())
		return cli_fail("the server doesn't have a resource type "
				"\"nodes\"");
	if (cli_connect(cli) < 0)
		return 1;
	for (int i = 1; i < n; i++) {
		const char *node = argv[i];

		if (!strncmp(node, "node/", 5) || !strncmp(node, "nodes/", 6))
			node = strchr(node, '/') + 1;
		rc |= set_cordon(cli, node, on);
	}
	return rc;
}

int cmd_cordon(struct cli *cli, int argc, char **argv)
{
	return cordon_cmd(cli, &cordon_help, true, argc, argv);
}

int cmd_uncordon(struct cli *cli, int argc, char **argv)
{
	return cordon_cmd(cli, &uncordon_help, false, argc, argv);
}

static bool has_emptydir(const json_t *pod)
{
	size_t i;
	json_t *v;

	json_array_foreach (jget(pod, "spec.volumes"), i, v)
		if (json_object_get(v, "emptyDir"))
			return true;
	return false;
}

/* Append "ns/name" to one of the message lists. */
static void note(FILE *f, bool *first, const json_t *pod)
{
	fprintf(f, "%s%s/%s", *first ? "" : ", ",
		jstr(pod, "metadata.namespace") ?: "",
		jstr(pod, "metadata.name") ?: "");
	*first = false;
}

enum { F_DS, F_UNMANAGED, F_LOCAL, F_COUNT };

static const char *const fatal_text[F_COUNT] = {
    "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
    "ignore)",
    "cannot delete Pods that declare no controller (use --force to "
    "override)",
    "cannot delete Pods with local storage (use --delete-emptydir-data to "
    "override)",
};
static const char *const warn_text[F_COUNT] = {
    "ignoring DaemonSet-managed Pods",
    "deleting Pods that declare no controller",
    "deleting Pods with local storage",
};

/*
 * Sort the node's pods into those to evict (appended to evict) and
 * report the others as kubectl does. Returns 0, or 1 when a fatal filter
 * matched (nothing is evicted then).
 */
static int filter_pods(const struct drain_opts *o, const char *node,
		       json_t *pods, json_t *evict)
{
	char *fatal[F_COUNT] = {0}, *warn[F_COUNT] = {0};
	size_t flen[F_COUNT], wlen[F_COUNT];
	FILE *ff[F_COUNT], *wf[F_COUNT];
	bool ffirst[F_COUNT], wfirst[F_COUNT], any_fatal = false;
	bool any_warn = false;
	size_t i;
	json_t *p;

	for (int f = 0; f < F_COUNT; f++) {
		ff[f] = open_memstream(&fatal[f], &flen[f]);
		wf[f] = open_memstream(&warn[f], &wlen[f]);
		ffirst[f] = wfirst[f] = true;
		if (!ff[f] || !wf[f])
			return cli_fail("out of memory");
	}
	json_array_foreach (pods, i, p) {
		const char *phase = jstr(p, "status.phase") ?: "";
		const json_t *ctl = owner_controller_ref(p);
		bool done =
		    !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");

		if (json_object_get(jget(p, "metadata.annotations"),
				    MIRROR_ANNOTATION))
			continue;
		if (!done && ctl &&
		    !strcmp(jstr(ctl, "kind") ?: "", "DaemonSet")) {
			if (o->ignore_ds)
				note(wf[F_DS], &wfirst[F_DS], p);
			else
				note(ff[F_DS], &ffirst[F_DS], p);
			continue;
		}
		if (!done && !ctl) {
			if (!o->force) {
				note(ff[F_UNMANAGED], &ffirst[F_UNMANAGED], p);
				continue;
			}
			note(wf[F_UNMANAGED], &wfirst[F_UNMANAGED], p);
		}
		if (!done && has_emptydir(p)) {
			if (!o->emptydir) {
				note(ff[F_LOCAL], &ffirst[F_LOCAL], p);
				continue;
			}
			note(wf[F_LOCAL], &wfirst[F_LOCAL], p);
		}
		json_array_append(evict, p);
	}
	for (int f = 0; f < F_COUNT; f++) {
		fclose(ff[f]);
		fclose(wf[f]);
		any_fatal |= !ffirst[f];
		any_warn |= !wfirst[f];
	}
	if (any_fatal) {
		bool first = true;

		fprintf(stderr,
			"error: unable to drain node \"%s\" due to "
			"error: ",
			node);
		for (int f = 0; f < F_COUNT; f++)
			if (!ffirst[f]) {
				fprintf(stderr, "%s%s: %s", first ? "" : ", ",
					fatal_text[f], fatal[f]);
				first = false;
			}
		fprintf(stderr,
			", continuing command...\nThere are pending "
			"nodes to be drained:\n %s\n",
			node);
		for (int f = 0; f < F_COUNT; f++)
			if (!ffirst[f])
				fprintf(stderr, "%s: %s\n", fatal_text[f],
					fatal[f]);
	} else if (any_warn) {
		bool first = true;

		fprintf(stderr, "Warning: ");
		for (int f = 0; f < F_COUNT; f++)
			if (!wfirst[f]) {
				fprintf(stderr, "%s%s: %s", first ? "" : "; ",
					warn_text[f], warn[f]);
				first = false;
			}
		fprintf(stderr, "\n");
	}
	for (int f = 0; f < F_COUNT; f++) {
		free(fatal[f]);
		free(warn[f]);
	}
	return any_fatal ? 1 : 0;
}

static bool pod_gone(struct cli *cli, const json_t *pod)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *now = NULL;

	if (client_get(cli->client, pk, jstr(pod, "metadata.namespace"),
		       jstr(pod, "metadata.name") ?: "", NULL, &now) == -ENOENT)
		return true;
	return now && strcmp(jstr(now, "metadata.uid") ?: "",
			     jstr(pod, "metadata.uid") ?: "");
}

static int evict_all(struct cli *cli, const struct drain_opts *o, json_t *evict)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	struct change_waiter cw;
	size_t i, left;
	json_t *p;
	int rc = 0;

	json_array_foreach (evict, i, p) {
		const char *ns = jstr(p, "metadata.namespace");
		const char *name = jstr(p, "metadata.name") ?: "";
		struct kf_error err;
		int r;

		kf_error_init(&err);
		printf("evicting pod %s/%s\n", ns ? ns : "", name);
		fflush(stdout);
		if (o->disable_eviction)
			r = client_delete(cli->client, pk, ns, name, &err);
		else
			r = client_evict(cli->client, ns, name, &err);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			char ctx[600];

			snprintf(ctx, sizeof(ctx),
				 "error when evicting pods/\"%s\" -n \"%s\": ",
				 name, ns ? ns : "");
			rc |= cli_error(r, &err, ctx);
			json_object_set_new(p, "kubefs-skip", json_true());
		}
	}
	change_waiter_init(&cw, cli->client, pk, NULL, o->timeout_ms);
	do {
		left = 0;
		json_array_foreach (evict, i, p) {
			if (json_object_get(p, "kubefs-skip"))
				continue;
			if (pod_gone(cli, p)) {
				cli_progress_done(cli);
				printf("pod/%s %s\n",
				       jstr(p, "metadata.name") ?: "",
				       o->disable_eviction ? "deleted"
							   : "evicted");
				fflush(stdout);
				json_object_set_new(p, "kubefs-skip",
						    json_true());
				continue;
			}
			left++;
		}
		if (!left)
			break;
		if (cli->tty)
			cli_progress(cli, "waiting for %zu pod(s) to terminate",
				     left);
	} while (change_waiter_wait(&cw, 1000) == 0);
	change_waiter_release(&cw);
	cli_progress_done(cli);
	if (left) {
		json_array_foreach (evict, i, p)
			if (!json_object_get(p, "kubefs-skip"))
				fprintf(stderr,
					"error when waiting for pod \"%s\" "
					"terminating: global timeout reached: "
					"%llds\n",
					jstr(p, "metadata.name") ?: "",
					o->timeout_ms / 1000);
		return 1;
	}
	return rc;
}

static int drain_one(struct cli *cli, const struct drain_opts *o,
		     const char *node)
{
	const struct kind_info *pk = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pods = NULL, *evict = json_array();
	_cleanup_free_ char *fsel = NULL;
	struct kf_error err;
	int r;

	if (!evict || asprintf(&fsel, "spec.nodeName=%s", node) < 0)
		return cli_fail("out of memory");
	if (set_cordon(cli, node, true))
		return 1;
	kf_error_init(&err);
	r = client_list(cli->client, pk, NULL, o->pod_selector, fsel, &err,
			&pods, NULL);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (filter_pods(o, node, pods, evict))
		return 1;
	if (evict_all(cli, o, evict))
		return 1;
	printf("node/%s drained\n", node);
	return 0;
}

int cmd_drain(struct cli *cli, int argc, char **argv)
{
	struct drain_opts o = {0};
	const struct flag flags[] = {
	    {"delete-emptydir-data", 0, FLAG_BOOL, &o.emptydir, "false",
	     "Continue even if there are pods using emptyDir (local data "
	     "that will be deleted when the node is drained)."},
	    {"disable-eviction", 0, FLAG_BOOL, &o.disable_eviction, "false",
	     "Force drain to use delete, even if eviction is supported."},
	    {"force", 0, FLAG_BOOL, &o.force, "false",
	     "Continue even if there are pods that do not declare a "
	     "controller."},
	    {"ignore-daemonsets", 0, FLAG_BOOL, &o.ignore_ds, "false",
	     "Ignore DaemonSet-managed pods."},
	    {"pod-selector", 0, FLAG_STRING, &o.pod_selector, "''",
	     "Label selector to filter pods on the node"},
	    {"timeout", 0, FLAG_DURATION, &o.timeout_ms, "0s",
	     "The length of time to wait before giving up, zero means "
	     "infinite"},
	    {NULL},
	};
	int n, r, rc = 0;

	r = flags_parse(&drain_help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	if (n < 2) {
		fprintf(stderr, "error: USAGE: drain NODE [flags]\n");
		flags_see_help(&drain_help);
		return 1;
	}
	if (!nodes_kind() || !kinds_by_path("core", "v1", "pods"))
		return cli_fail("the server doesn't have a resource type "
				"\"nodes\"");
	if (cli_connect(cli) < 0)
		return 1;
	for (int i = 1; i < n; i++) {
		const char *node = argv[i];

		if (!strncmp(node, "node/", 5) || !strncmp(node, "nodes/", 6))
			node = strchr(node, '/') + 1;
		rc |= drain_one(cli, &o, node);
	}
	return rc;
}

/* Sum of containers[].usage.<res> in milli-units (cpu) or bytes. */
static int64_t usage_sum(const json_t *m, const char *res, bool milli)
{
	json_t *cs = json_object_get(m, "containers");
	int64_t sum = 0;
	size_t i;
	json_t *c;
	struct quantity q;

	if (!cs) { /* NodeMetrics */
		if (quantity_from_json(json_object_get(jget(m, "usage"), res),
				       &q) < 0)
			return 0;
		return milli ? quantity_milli(&q) : quantity_value(&q);
	}
	json_array_foreach (cs, i, c)
		if (quantity_from_json(json_object_get(jget(c, "usage"), res),
				       &q) == 0)
			sum += milli ? quantity_milli(&q) : quantity_value(&q);
	return sum;
}

int cmd_top(struct cli *cli, int argc, char **argv)
{
	const char *ns_flag = NULL;
	bool all_ns = false;
	const struct flag flags[] = {
	    {"all-namespaces", 'A', FLAG_BOOL, &all_ns, "false",
	     "If present, list the requested object(s) across all "
	     "namespaces."},
	    {"namespace", 'n', FLAG_STRING, &ns_flag, "''",
	     "If present, the namespace scope for this CLI request."},
	    {NULL},
	};
	const struct kind_info *mk;
	_cleanup_json_ json_t *items = NULL;
	struct table t = {0};
	struct row r = {0};
	struct kf_error err;
	bool pods;
	size_t i;
	json_t *m;
	int n, ret;

	ret = flags_parse(&top_help, flags, argc, argv, &n);
	if (ret)
		return ret == FLAGS_HELP ? 0 : 1;
	if (n < 2) {
		flags_usage(stderr, &top_help, flags);
		return 1;
	}
	pods = !strncmp(argv[1], "po", 2);
	if (!pods && strncmp(argv[1], "no", 2))
		return cli_fail("unknown command \"%s\" for \"kubefs top\"",
				argv[1]);
	mk = kinds_by_name(pods ? "pods.metrics.k8s.io"
				: "nodes.metrics.k8s.io");
	if (!mk || strcmp(mk->group, "metrics.k8s.io"))
		return cli_fail("Metrics API not available");
	if (cli_connect(cli) < 0)
		return 1;
	kf_error_init(&err);
	ret =
	    client_list(cli->client, mk, all_ns ? NULL : ref_namespace(ns_flag),
			NULL, NULL, &err, &items, NULL);
	if (ret < 0)
		return cli_error(ret, &err, NULL);
	if (!json_array_size(items))
		return cli_fail("metrics not available yet");
	ret = (all_ns && pods ? row_addf(&r, "NAMESPACE") : 0)
	    ?: row_addf(&r, "NAME") ?: row_addf(&r, "CPU(cores)")
	    ?: row_addf(&r, "MEMORY(bytes)") ?: table_add(&t, &r);
	json_array_foreach (items, i, m) {
		const char *name = jstr(m, "metadata.name") ?: "";

		if (ret)
			break;
		if (n > 2 && strcmp(name, argv[2]))
			continue;
		ret = (all_ns && pods ? row_addf(&r, "%s",
						 jstr(m, "metadata.namespace")
						     ?: "")
				      : 0)
		    ?: row_addf(&r, "%s", name)
		    ?: row_addf(&r, "%lldm",
				(long long)usage_sum(m, "cpu", true))
		    ?: row_addf(&r, "%lldMi",
				(long long)(usage_sum(m, "memory", false) >>
					    20))
		    ?: table_add(&t, &r);
	}
	row_release(&r);
	table_print(stdout, &t, NULL);
	table_release(&t);
	return ret ? 1 : 0;
}
