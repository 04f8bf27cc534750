/*
 * rollout.c — kubefs rollout status|history|undo|restart|pause|resume for
 * deployments.
 *
 * status watches the Deployment (through its kind's @watch stream) until
 * the deployment controller reports it rolled out: observedGeneration >=
 * generation and updated == available == spec.replicas, with no old
 * replicas left, printing kubectl's progress lines. history and undo use
 * the revisions the deployment controller writes on its ReplicaSets
 * (annotation deployment.kubernetes.io/revision).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "shell/cli.h"
#include "shell/describe_i.h"
#include "shell/flags.h"
#include "shell/printers.h"
#include "shell/resource.h"

#define REVISION_ANNOTATION "deployment.kubernetes.io/revision"
#define CHANGE_CAUSE_ANNOTATION "kubernetes.io/change-cause"
#define RESTARTED_AT_ANNOTATION "kubectl.kubernetes.io/restartedAt"

struct rollout_opts {
	const char *ns;
	bool watch;
	long long timeout_ms, revision, to_revision;
};

static const struct command_help help = {
    .name = "rollout",
    .desc = "Manage the rollout of one or many resources.\n\n Valid "
	    "resource types include:\n\n  *  deployments\n\n Subcommands:\n"
	    "  history     View rollout history\n"
	    "  pause       Mark the provided resource as paused\n"
	    "  restart     Restart a resource\n"
	    "  resume      Resume a paused resource\n"
	    "  status      Show the status of the rollout\n"
	    "  undo        Undo a previous rollout",
    .examples = "  # Rollback to the previous deployment\n"
		"  kubefs rollout undo deployment/abc\n\n"
		"  # Check the rollout status of a deployment\n"
		"  kubefs rollout status deployment/abc\n\n"
		"  # View the rollout history of a deployment\n"
		"  kubefs rollout history deployment/abc\n\n"
		"  # Restart a deployment\n"
		"  kubefs rollout restart deployment/abc",
    .usage = "rollout SUBCOMMAND (TYPE NAME | TYPE/NAME) [flags] [options]",
};

static long long revision_of(const json_t *o)
{
	const char *s = json_string_value(json_object_get(
	    jget(o, "metadata.annotations"), REVISION_ANNOTATION));

	return s ? atoll(s) : 0;
}

/*
 * kubectl's DeploymentStatusViewer: the progress message, and whether the
 * rollout is done. -ETIME when the progress deadline was exceeded.
 */
static int deployment_status(const json_t *d, char *msg, size_t size,
			     bool *ret_done)
{
	const char *name = jstr(d, "metadata.name") ?: "";
	long long gen = jint(d, "metadata.generation", 0);
	long long observed = jint(d, "status.observedGeneration", 0);
	long long want = jint(d, "spec.replicas", 1);
	long long updated = jint(d, "status.updatedReplicas", 0);
	long long total = jint(d, "status.replicas", 0);
	long long avail = jint(d, "status.availableReplicas", 0);
	size_t i;
	json_t *c;

	*ret_done = false;
	if (gen > observed) {
		snprintf(
		    msg, size,
		    "Waiting for deployment spec update to be observed...");
		return 0;
	}
	json_array_foreach (jget(d, "status.conditions"), i, c)
		if (!strcmp(jstr(c, "type") ?: "", "Progressing") &&
		    !strcmp(jstr(c, "reason") ?: "",
			    "ProgressDeadlineExceeded")) {
			snprintf(msg, size,
				 "deployment \"%s\" exceeded its progress "
				 "deadline",
				 name);
			return -ETIME;
		}
	if (updated < want)
		snprintf(
		    msg, size,
		    "Waiting for deployment \"%s\" rollout to finish: %lld "
		    "out of %lld new replicas have been updated...",
		    name, updated, want);
	else if (total > updated)
		snprintf(
		    msg, size,
		    "Waiting for deployment \"%s\" rollout to finish: %lld "
		    "old replicas are pending termination...",
		    name, total - updated);
	else if (avail < updated)
		snprintf(
		    msg, size,
		    "Waiting for deployment \"%s\" rollout to finish: %lld "
		    "of %lld updated replicas are available...",
		    name, avail, updated);
	else {
		snprintf(msg, size, "deployment \"%s\" successfully rolled out",
			 name);
		*ret_done = true;
	}
	return 0;
}

static int status(struct cli *cli, const struct rollout_opts *o,
		  const struct ref *f, const char *ns)
{
	struct change_waiter cw;
	int rc = 0;

	change_waiter_init(&cw, cli->client, f->kind, ns, o->timeout_ms);
	for (;;) {
		_cleanup_json_ json_t *d = NULL;
		struct kf_error err;
		char msg[512];
		bool done;
		int r;

		kf_error_init(&err);
		r = client_get(cli->client, f->kind, ns, f->name, &err, &d);
		if (r < 0) {
			cli_progress_done(cli);
			rc = cli_error(r, &err, NULL);
			break;
		}
		if (o->revision > 0 && revision_of(d) != o->revision) {
			cli_progress_done(cli);
			rc = cli_fail("desired revision (%lld) is different "
				      "from the running revision (%lld)",
				      o->revision, revision_of(d));
			break;
		}
		r = deployment_status(d, msg, sizeof(msg), &done);
		if (r < 0) {
			cli_progress_done(cli);
			rc = cli_fail("%s", msg);
			break;
		}
		if (done || !o->watch) {
			cli_progress_done(cli);
			printf("%s\n", msg);
			break;
		}
		cli_progress(cli, "%s", msg);
		if (change_waiter_wait(&cw, 1000) == -ETIMEDOUT) {
			cli_progress_done(cli);
			rc = cli_fail("timed out waiting for the condition");
			break;
		}
	}
	change_waiter_release(&cw);
	return rc;
}

static int cmp_rev(const void *a, const void *b)
{
	long long x = revision_of(*(json_t *const *)a);
	long long y = revision_of(*(json_t *const *)b);

	return (x > y) - (x < y);
}

/* The deployment's ReplicaSets that carry a revision, oldest first. */
static int history_of(struct cli *cli, const json_t *d, json_t **ret)
{
	const struct kind_info *k = kinds_by_path("apps", "v1", "replicasets");
	const char *uid = jstr(d, "metadata.uid") ?: "";
	_cleanup_json_ json_t *items = NULL, *out = json_array();
	_cleanup_free_ json_t **v = NULL;
	struct kf_error err;
	size_t i, j, n = 0;
	json_t *rs, *ref;
	int r;

	if (!k || !out) {
		cli_fail("the server doesn't have a resource type "
			 "\"replicasets\"");
		return -ENOENT;
	}
	kf_error_init(&err);
	r = client_list(cli->client, k, jstr(d, "metadata.namespace"), NULL,
			NULL, &err, &items, NULL);
	if (r < 0) {
		cli_error(r, &err, NULL);
		return r;
	}
	v = calloc(json_array_size(items) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	json_array_foreach (items, i, rs)
		json_array_foreach (jget(rs, "metadata.ownerReferences"), j,
				    ref)
			if (!strcmp(jstr(ref, "uid") ?: "-", uid) &&
			    revision_of(rs) > 0) {
				v[n++] = rs;
				break;
			}
	qsort(v, n, sizeof(*v), cmp_rev);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	*ret = TAKE_PTR(out);
	return 0;
}

/* The pod template of a revision, without the pod-template-hash label. */
static json_t *template_of(const json_t *rs)
{
	json_t *t = json_deep_copy(jget(rs, "spec.template"));

	json_object_del(jget(t, "metadata.labels"), "pod-template-hash");
	if (!json_object_size(jget(t, "metadata.labels")))
		json_object_del(json_object_get(t, "metadata"), "labels");
	return t;
}

static json_t *find_revision(json_t *hist, long long rev)
{
	size_t i;
	json_t *rs;

	json_array_foreach (hist, i, rs)
		if (revision_of(rs) == rev)
			return rs;
	return NULL;
}

static int history(struct cli *cli, const struct rollout_opts *o,
		   const json_t *d)
{
	_cleanup_json_ json_t *hist = NULL;
	const char *name = jstr(d, "metadata.name") ?: "";
	size_t i;
	json_t *rs;

	if (history_of(cli, d, &hist) < 0)
		return 1;
	if (o->revision > 0) {
		_cleanup_json_ json_t *t = NULL;
		struct dw w = {.now = time(NULL)};
		char *buf = NULL;
		size_t len = 0;

		rs = find_revision(hist, o->revision);
		if (!rs)
			return cli_fail("unable to find the specified "
					"revision");
		t = template_of(rs);
		w.f = open_memstream(&buf, &len);
		if (!w.f || !t)
			return cli_fail("out of memory");
		dw_pod_template(&w, 0, t);
		fclose(w.f);
		printf("deployment.apps/%s with revision #%lld\n", name,
		       o->revision);
		tabwriter_print(stdout, buf, 2);
		free(buf);
		return 0;
	}
	printf("deployment.apps/%s \n", name);
	if (!json_array_size(hist)) {
		printf("No rollout history found.\n");
		return 0;
	}
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			return cli_fail("out of memory");
		fprintf(f, "REVISION\tCHANGE-CAUSE\n");
		json_array_foreach (hist, i, rs) {
			const char *cause = json_string_value(
			    json_object_get(jget(rs, "metadata.annotations"),
					    CHANGE_CAUSE_ANNOTATION));

			fprintf(f, "%lld\t%s\n", revision_of(rs),
				cause && *cause ? cause : "<none>");
		}
		fclose(f);
		tabwriter_print(stdout, buf, 2);
		free(buf);
	}
	printf("\n");
	return 0;
}

/* Replace spec.template (or spec.paused) of d; conflicts are retried by
 * the caller re-reading. */
static int replace_deployment(struct cli *cli, const struct ref *f, json_t *d)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = client_replace(cli->client, f->kind, d, &err, NULL);
	if (r < 0)
		return cli_error(r, &err, NULL);
	return 0;
}

static int undo(struct cli *cli, const struct rollout_opts *o,
		const struct ref *f, json_t *d)
{
	_cleanup_json_ json_t *hist = NULL, *t = NULL;
	long long cur = revision_of(d), target = o->to_revision;
	const char *name = jstr(d, "metadata.name") ?: "";
	json_t *rs = NULL;
	size_t i;
	json_t *e;

	if (history_of(cli, d, &hist) < 0)
		return 1;
	if (!cur)
		json_array_foreach (hist, i, e)
			if (revision_of(e) > cur)
				cur = revision_of(e);
	if (target > 0) {
		rs = find_revision(hist, target);
		if (!rs)
			return cli_fail("unable to find specified revision "
					"%lld in history",
					target);
	} else {
		json_array_foreach (hist, i, e)
			if (revision_of(e) < cur &&
			    (!rs || revision_of(e) > revision_of(rs)))
				rs = e;
		if (!rs)
			return cli_fail("no rollout history found for "
					"deployment \"%s\"",
					name);
		target = revision_of(rs);
	}
	t = template_of(rs);
	if (!t)
		return cli_fail("out of memory");
	if (json_equal(t, jget(d, "spec.template"))) {
		printf("deployment.apps/%s skipped rollback (current template "
		       "already matches revision %lld)\n",
		       name, target);
		return 0;
	}
	json_object_set(json_object_get(d, "spec"), "template", t);
	if (replace_deployment(cli, f, d))
		return 1;
	printf("deployment.apps/%s rolled back\n", name);
	return 0;
}

static int restart(struct cli *cli, const struct ref *f, const char *ns)
{
	_cleanup_json_ json_t *patch = NULL;
	struct kf_error err;
	struct timespec ts;
	char now[RFC3339_MAX];
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(&ts, false, now);
	patch =
	    json_pack("{s:{s:{s:{s:{s:s}}}}}", "spec", "template", "metadata",
		      "annotations", RESTARTED_AT_ANNOTATION, now);
	if (!patch)
		return cli_fail("out of memory");
	kf_error_init(&err);
	r = client_patch(cli->client, f->kind, ns, f->name, patch, &err, NULL);
	if (r < 0)
		return cli_error(r, &err, NULL);
	printf("%s/%s restarted\n", ref_type(f->kind), f->name);
	return 0;
}

static int pause_resume(struct cli *cli, const struct ref *f, json_t *d,
			bool pause)
{
	bool paused = json_is_true(jget(d, "spec.paused"));

	if (paused == pause)
		return cli_fail("%s \"%s\" is %s", ref_resource(f->kind),
				f->name,
				pause ? "already paused" : "not paused");
	json_object_set_new(json_object_get(d, "spec"), "paused",
			    json_boolean(pause));
	if (replace_deployment(cli, f, d))
		return 1;
	printf("%s/%s %s\n", ref_type(f->kind), f->name,
	       pause ? "paused" : "resumed");
	return 0;
}

static int run_one(struct cli *cli, const char *sub,
		   const struct rollout_opts *o, const struct ref *f)
{
	const char *ns = ref_namespace(o->ns);
	_cleanup_json_ json_t *d = NULL;
	struct kf_error err;
	int r;

	if (strcmp(f->kind->group, "apps") ||
	    strcmp(f->kind->resource, "deployments")) {
		if (!strcmp(sub, "status"))
			return cli_fail("no status viewer has been implemented "
					"for %s",
					f->kind->kind);
		if (!strcmp(sub, "history") || !strcmp(sub, "undo"))
			return cli_fail("no %s has been implemented for %s",
					!strcmp(sub, "undo") ? "rollbacker"
							     : "history viewer",
					kind_qualified(f->kind));
		return cli_fail("%s \"%s\" %s is not supported",
				ref_resource(f->kind), f->name,
				!strcmp(sub, "restart") ? "restarting"
				: !strcmp(sub, "pause") ? "pausing"
							: "resuming");
	}
	if (!strcmp(sub, "status"))
		return status(cli, o, f, ns);
	if (!strcmp(sub, "restart"))
		return restart(cli, f, ns);
	kf_error_init(&err);
	r = client_get(cli->client, f->kind, ns, f->name, &err, &d);
	if (r < 0)
		return cli_error(r, &err, NULL);
	if (!strcmp(sub, "history"))
		return history(cli, o, d);
	if (!strcmp(sub, "undo"))
		return undo(cli, o, f, d);
	return pause_resume(cli, f, d, !strcmp(sub, "pause"));
}

int cmd_rollout(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = {"status",  "history", "undo",
					   "restart", "pause",	 "resume"};
	struct rollout_opts o = {.watch = true};
	const struct flag flags[] = {
	    {"namespace", 'n', FLAG_STRING, &o.ns, "''",
	     "If present, the namespace scope for this CLI request."},
	    {"revision", 0, FLAG_INT, &o.revision, "0",
	     "status: pin to a specific revision for showing its status; "
	     "history: see the details of this revision."},
	    {"timeout", 0, FLAG_DURATION, &o.timeout_ms, "0s",
	     "status: the length of time to wait before ending watch, zero "
	     "means never."},
	    {"to-revision", 0, FLAG_INT, &o.to_revision, "0",
	     "undo: the revision to rollback to. Default to 0 (last "
	     "revision)."},
	    {"watch", 'w', FLAG_BOOL, &o.watch, "true",
	     "status: watch the status of the rollout until it's done."},
	    {NULL},
	};
	const char *sub = NULL;
	struct refs refs = {0};
	int n, r, rc = 0;

	r = flags_parse(&help, flags, argc, argv, &n);
	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	for (size_t i = 0; n > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i]))
			sub = subs[i];
	if (!sub) {
		if (n > 1)
			fprintf(stderr,
				"error: unknown command \"%s\" for \"kubefs "
				"rollout\"\n",
				argv[1]);
		else
			flags_usage(stderr, &help, flags);
		return 1;
	}
	if (refs_parse("rollout", n - 2, argv + 2, &refs) < 0)
		return 1;
	if (!refs.by_name) {
		refs_release(&refs);
		return cli_fail("resource(s) were provided, but no name was "
				"specified");
	}
	if (cli_connect(cli) < 0) {
		refs_release(&refs);
		return 1;
	}
	for (size_t i = 0; i < refs.n; i++)
		rc |= run_one(cli, sub, &o, &refs.v[i]);
	refs_release(&refs);
	return rc;
}
