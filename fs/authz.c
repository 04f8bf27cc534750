/*
 * authz.c — authentication of FUSE callers, the RBAC policy kept in step
 * with the store, and the decision cache (see authz.h).
 *
 * One mutex guards the policy, its store position and both caches: a
 * decision is a cache lookup in the common case, and an RBAC change
 * (rare) replays the store's events since the last one seen.
 */
#include "fs/authz.h"

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/strmap.h"

#define RBAC_PREFIX RBAC_GROUP "/"
#define ENV_AS "KUBEFS_AS="
#define ENV_AS_GROUPS "KUBEFS_AS_GROUPS="
#define ENV_FILE_SERVER "KUBEFS_FILE_SERVER="
/* the name of authz_anyone(): no binding should name it */
#define ANYONE_NAME "system:kubefs:any-user"
#define ENVIRON_MAX (256u << 10)

struct cached_identity {
	struct kfs_identity *id;
	time_t expires;
};

struct authz {
	pthread_mutex_t lock;
	struct store *st;
	struct rbac_policy *policy;
	uint64_t rv;		     /* store position the policy reflects */
	struct strmap decisions;     /* key -> (void *)1 allow, 2 deny */
	struct strmap identities;    /* "tid/uid/gid" -> cached_identity */
	struct kfs_identity *anyone; /* authz_anyone() */
	gid_t admin_gid;
	bool has_admin;
};

/* ---- the policy, from the store ---- */

static int load_one(void *ud, const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	struct rbac_policy *p = ud;
	_cleanup_json_ json_t *obj = json_loadb(data, len, 0, NULL);

	(void)key;
	(void)key_len;
	(void)rv;
	if (obj)
		rbac_policy_put(p, obj); /* a bad value grants nothing */
	return 0;
}

/* A fresh policy from the store's RBAC keys; a->lock held. */
static int reload(struct authz *a)
{
	struct rbac_policy *p;
	uint64_t rv;
	int r = rbac_policy_new(&p);

	if (r < 0)
		return r;
	r = store_list(a->st, RBAC_PREFIX, load_one, p, &rv);
	if (r < 0) {
		rbac_policy_free(p);
		return r;
	}
	rbac_policy_free(a->policy);
	a->policy = p;
	a->rv = rv;
	return 0;
}

static void drop_decisions(struct authz *a)
{
	strmap_release(&a->decisions);
}

/* The RBAC kind stored under resource ("roles" -> "Role"). */
static const char *kind_of(const char *resource, size_t n)
{
	static const char *const map[][2] = {
	    {"roles", "Role"},
	    {"clusterroles", "ClusterRole"},
	    {"rolebindings", "RoleBinding"},
	    {"clusterrolebindings", "ClusterRoleBinding"},
	};

	for (size_t i = 0; i < 4; i++)
		if (strlen(map[i][0]) == n && !strncmp(map[i][0], resource, n))
			return map[i][1];
	return NULL;
}

static int apply_event(void *ud, const struct store_event *ev)
{
	struct authz *a = ud;
	size_t pn = strlen(RBAC_PREFIX);
	char key[STORE_KEY_MAX + 1], *res, *ns, *name;
	const char *kind;

	a->rv = ev->rv;
	if (ev->key_len <= pn || ev->key_len > STORE_KEY_MAX ||
	    strncmp(ev->key, RBAC_PREFIX, pn))
		return 0;
	drop_decisions(a);
	if (ev->type != STORE_EV_DELETED) {
		_cleanup_json_ json_t *obj =
		    json_loadb(ev->data, ev->len, 0, NULL);

		if (obj)
			rbac_policy_put(a->policy, obj);
		return 0;
	}
	memcpy(key, ev->key, ev->key_len);
	key[ev->key_len] = '\0';
	res = key + pn;
	ns = strchr(res, '/');
	name = ns ? strchr(ns + 1, '/') : NULL;
	if (!name)
		return 0;
	*ns++ = '\0';
	*name++ = '\0';
	kind = kind_of(res, strlen(res));
	if (kind)
		rbac_policy_remove(a->policy, kind, ns, name);
	return 0;
}

/* Bring the policy up to the store's present; a->lock held. */
static void sync_policy(struct authz *a)
{
	uint64_t cur = store_current_rv(a->st);
	int r;

	if (cur <= a->rv)
		return;
	r = store_events(a->st, a->rv, 0, apply_event, a);
	if (r == -ERANGE || r == -EIO) {
		drop_decisions(a);
		reload(a); /* on failure the old policy stays */
	}
}

int authz_new(const struct authz_config *cfg, struct authz **ret)
{
	struct authz *a = calloc(1, sizeof(*a));
	const char *admin =
	    cfg->admin_group ? cfg->admin_group : AUTHZ_ADMIN_GROUP;
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	a->st = cfg->store;
	strmap_init(&a->decisions);
	strmap_init(&a->identities);
	if (getgrnam_r(admin, &gr, buf, sizeof(buf), &res) == 0 && res) {
		a->admin_gid = res->gr_gid;
		a->has_admin = true;
	} else if (cfg->admin_group) {
		authz_free(a);
		return -EINVAL;
	}
	r = authz_identity_named(ANYONE_NAME,
				 (const char *const[]){RBAC_AUTHENTICATED}, 1,
				 &a->anyone);
	if (r == 0)
		r = reload(a);
	if (r < 0) {
		authz_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

const struct kfs_identity *authz_anyone(struct authz *a)
{
	return a->anyone;
}

static void drop_identities(struct authz *a)
{
	const char *k;
	void *v;
	size_t i = 0;

	while (strmap_next(&a->identities, &i, &k, &v)) {
		kfs_identity_put(((struct cached_identity *)v)->id);
		free(v);
	}
	strmap_release(&a->identities);
}

void authz_free(struct authz *a)
{
	if (!a)
		return;
	drop_identities(a);
	kfs_identity_put(a->anyone);
	drop_decisions(a);
	rbac_policy_free(a->policy);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- identities ---- */

void kfs_identity_put(struct kfs_identity *id)
{
	if (!id || __atomic_sub_fetch(&id->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free((char *)id->user.name);
	for (size_t i = 0; i < id->user.ngroups; i++)
		free((char *)id->user.groups[i]);
	free((void *)id->user.groups);
	free(id->key);
	free(id->refusal);
	free(id);
}

static char *user_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096], *s = NULL;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return strdup(res->pw_name);
	if (asprintf(&s, "uid:%u", (unsigned)uid) < 0)
		return NULL;
	return s;
}

static char *group_name(gid_t gid)
{
	struct group gr, *res = NULL;
	char buf[8192], *s = NULL;

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		return strdup(res->gr_name);
	if (asprintf(&s, "gid:%u", (unsigned)gid) < 0)
		return NULL;
	return s;
}

/* Append a copy of g to id's groups unless present. */
static int add_group(struct kfs_identity *id, const char *g)
{
	const char **n;
	char *copy;

	if (!g)
		return -ENOMEM;
	if (rbac_user_in_group(&id->user, g))
		return 0;
	copy = strdup(g);
	n = realloc((void *)id->user.groups,
		    (id->user.ngroups + 1) * sizeof(*n));
	if (!copy || !n) {
		free(copy);
		if (n)
			id->user.groups = n;
		return -ENOMEM;
	}
	n[id->user.ngroups++] = copy;
	id->user.groups = n;
	return 0;
}

static int add_group_owned(struct kfs_identity *id, char *g)
{
	int r = add_group(id, g);

	free(g);
	return r;
}

/* id->key: the name and groups, separated by ASCII unit separators. */
static int finish(struct kfs_identity *id)
{
	size_t len = strlen(id->user.name) + 1;
	char *k;

	for (size_t i = 0; i < id->user.ngroups; i++)
		len += strlen(id->user.groups[i]) + 1;
	k = malloc(len);
	if (!k)
		return -ENOMEM;
	strcpy(k, id->user.name);
	for (size_t i = 0; i < id->user.ngroups; i++) {
		strcat(k, "\x1f");
		strcat(k, id->user.groups[i]);
	}
	id->key = k;
	id->masters = rbac_user_in_group(&id->user, RBAC_MASTERS);
	return 0;
}

/* The cache key, then id is handed to *ret; or freed on failure. r: the
 * building's result so far. */
static int hand_over(struct kfs_identity *id, int r, struct kfs_identity **ret)
{
	if (r == 0)
		r = finish(id);
	if (r < 0) {
		kfs_identity_put(id);
		return r;
	}
	*ret = id;
	return 0;
}

/* Every authenticated identity ends in system:authenticated. */
static int seal(struct kfs_identity *id, int r, struct kfs_identity **ret)
{
	if (r == 0)
		r = add_group(id, RBAC_AUTHENTICATED);
	return hand_over(id, r, ret);
}

int authz_identity_named(const char *name, const char *const *groups,
			 size_t ngroups, struct kfs_identity **ret)
{
	struct kfs_identity *id = calloc(1, sizeof(*id));
	int r = 0;

	if (!id)
		return -ENOMEM;
	id->refs = 1;
	id->uid = (uid_t)-1;
	id->user.name = strdup(name ? name : "");
	if (!id->user.name)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < ngroups; i++)
		r = add_group(id, groups[i]);
	return hand_over(id, r, ret);
}

/* A process's environment as exec'd (/proc/PID/environ): NUL-separated
 * VAR=value strings, read once per identity made. */
struct proc_env {
	char *data; /* NULL when unreadable */
	size_t len;
};

static void env_read(pid_t pid, struct proc_env *e)
{
	char path[64];
	FILE *f;

	e->data = NULL;
	e->len = 0;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	e->data = malloc(ENVIRON_MAX);
	if (e->data) {
		e->len = fread(e->data, 1, ENVIRON_MAX - 1, f);
		e->data[e->len] = '\0';
	}
	fclose(f);
}

/* The value of var (with its '=') in e, or NULL. Borrowed from e. */
static const char *env_get(const struct proc_env *e, const char *var)
{
	size_t n = strlen(var);

	for (size_t i = 0; e->data && i < e->len; i += strlen(e->data + i) + 1)
		if (!strncmp(e->data + i, var, n))
			return e->data + i + n;
	return NULL;
}

/* The real identity (no impersonation). */
static int real_identity(struct authz *a, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t ngroups,
			 struct kfs_identity **ret)
{
	struct kfs_identity *id = calloc(1, sizeof(*id));
	bool admin = uid == 0 || (a->has_admin && gid == a->admin_gid);
	int r;

	if (!id)
		return -ENOMEM;
	id->refs = 1;
	id->uid = uid;
	id->user.name = user_name(uid);
	r = id->user.name ? add_group_owned(id, group_name(gid)) : -ENOMEM;
	for (size_t i = 0; r == 0 && i < ngroups; i++) {
		if (a->has_admin && groups[i] == a->admin_gid)
			admin = true;
		r = add_group_owned(id, group_name(groups[i]));
	}
	if (r == 0 && admin)
		r = add_group(id, RBAC_MASTERS);
	return seal(id, r, ret);
}

/* May real impersonate name as resource ("users", "groups")? If not,
 * the sentence goes to *refusal. a->lock held. */
static bool may_impersonate(struct authz *a, const struct kfs_identity *real,
			    const char *resource, const char *name,
			    char **refusal)
{
	struct rbac_attrs at = {
	    .verb = "impersonate",
	    .resource_request = true,
	    .api_group = "",
	    .resource = resource,
	    .subresource = "",
	    .name = name,
	    .namespace = "",
	};
	struct kf_error err;

	if (real->masters ||
	    rbac_authorize(a->policy, &real->user, &at, NULL, 0))
		return true;
	rbac_forbidden(&real->user, &at, NULL, &err);
	*refusal = strdup(err.msg);
	return false;
}

/* The identity a process impersonates, or NULL (*ret untouched) when its
 * environment asks for none. a->lock held. */
static int impersonated(struct authz *a, const struct kfs_identity *real,
			const struct proc_env *env, struct kfs_identity **ret)
{
	const char *as = env_get(env, ENV_AS), *groups;
	_cleanup_free_ char *as_groups = NULL;
	struct kfs_identity *id;
	char *save = NULL, *g;
	int r = 0;

	if (!as || !*as)
		return 0;
	groups = env_get(env, ENV_AS_GROUPS);
	if (groups && !(as_groups = strdup(groups)))
		return -ENOMEM;
	id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	id->refs = 1;
	id->uid = real->uid;
	id->user.name = strdup(as);
	if (!id->user.name)
		r = -ENOMEM;
	may_impersonate(a, real, "users", as, &id->refusal);
	for (g = as_groups ? strtok_r(as_groups, ",", &save) : NULL;
	     r == 0 && g; g = strtok_r(NULL, ",", &save)) {
		if (!id->refusal)
			may_impersonate(a, real, "groups", g, &id->refusal);
		r = add_group(id, g);
	}
	r = seal(id, r, ret);
	return r < 0 ? r : 1;
}

static int make_identity(struct authz *a, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t ngroups, pid_t pid,
			 struct kfs_identity **ret)
{
	struct kfs_identity *real = NULL, *as = NULL;
	int r = real_identity(a, uid, gid, groups, ngroups, &real);

	if (r < 0)
		return r;
	if (pid > 0) {
		struct proc_env env;
		const char *fsrv;

		sync_policy(a);
		env_read(pid, &env);
		r = impersonated(a, real, &env, &as);
		fsrv = env_get(&env, ENV_FILE_SERVER);
		if (r == 0 && !as && real->masters)
			real->file_server = fsrv && !strcmp(fsrv, "1");
		free(env.data);
		if (r < 0) {
			kfs_identity_put(real);
			return r;
		}
	}
	if (as) {
		kfs_identity_put(real);
		real = as;
	}
	*ret = real;
	return 0;
}

int authz_identity(struct authz *a, uid_t uid, gid_t gid, const gid_t *groups,
		   size_t ngroups, pid_t pid, struct kfs_identity **ret)
{
	int r;

	pthread_mutex_lock(&a->lock);
	r = make_identity(a, uid, gid, groups, ngroups, pid, ret);
	pthread_mutex_unlock(&a->lock);
	return r;
}

int authz_caller(struct authz *a, fuse_req_t req, struct kfs_identity **ret)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct cached_identity *c;
	gid_t groups[AUTHZ_GROUPS_MAX];
	char key[64];
	time_t now = time(NULL);
	int n, r;

	snprintf(key, sizeof(key), "%d/%u/%u", (int)ctx->pid,
		 (unsigned)ctx->uid, (unsigned)ctx->gid);
	pthread_mutex_lock(&a->lock);
	c = strmap_get(&a->identities, key);
	if (c && c->expires > now) {
		__atomic_add_fetch(&c->id->refs, 1, __ATOMIC_ACQ_REL);
		*ret = c->id;
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	pthread_mutex_unlock(&a->lock);

	n = fuse_req_getgroups(req, AUTHZ_GROUPS_MAX, groups);
	if (n < 0)
		n = 0; /* no /proc entry: the primary group only */
	if (n > AUTHZ_GROUPS_MAX)
		n = AUTHZ_GROUPS_MAX;
	pthread_mutex_lock(&a->lock);
	r = make_identity(a, ctx->uid, ctx->gid, groups, (size_t)n, ctx->pid,
			  ret);
	if (r == 0) {
		if (strmap_len(&a->identities) >= AUTHZ_IDENTITIES_MAX)
			drop_identities(a);
		c = strmap_get(&a->identities, key);
		if (!c && (c = calloc(1, sizeof(*c))) &&
		    strmap_put(&a->identities, key, c) < 0) {
			free(c);
			c = NULL;
		}
		if (c) {
			kfs_identity_put(c->id);
			c->id = *ret;
			c->expires = now + AUTHZ_IDENTITY_TTL;
			__atomic_add_fetch(&c->id->refs, 1, __ATOMIC_ACQ_REL);
		}
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

/* ---- decisions ---- */

static bool decision_key(const struct kfs_identity *id,
			 const struct rbac_attrs *at, char *buf, size_t size)
{
	int n;

	if (at->resource_request)
		n = snprintf(buf, size,
			     "%s\x1e%s\x1e%s\x1e%s\x1e%s\x1e%s\x1e%s", id->key,
			     at->verb, at->api_group, at->resource,
			     at->subresource, at->name ? at->name : "\x1d",
			     at->namespace);
	else
		n = snprintf(buf, size, "%s\x1e%s\x1e\x1d%s", id->key, at->verb,
			     at->path);
	return n > 0 && (size_t)n < size;
}

/* One decision, cached. */
static bool decide(struct authz *a, const struct kfs_identity *id,
		   const struct rbac_attrs *at, char *reason, size_t size)
{
	char key[2048];
	bool cacheable, ok;
	void *v;

	cacheable = decision_key(id, at, key, sizeof(key));
	pthread_mutex_lock(&a->lock);
	sync_policy(a);
	v = cacheable ? strmap_get(&a->decisions, key) : NULL;
	if (v && (v == (void *)1 || !reason)) {
		pthread_mutex_unlock(&a->lock);
		return v == (void *)1;
	}
	ok = rbac_authorize(a->policy, &id->user, at, reason, size);
	if (cacheable) {
		if (strmap_len(&a->decisions) >= AUTHZ_DECISIONS_MAX)
			drop_decisions(a);
		strmap_put(&a->decisions, key, ok ? (void *)1 : (void *)2);
	}
	pthread_mutex_unlock(&a->lock);
	return ok;
}

bool authz_allowed(struct authz *a, const struct kfs_identity *id,
		   const struct rbac_attrs *at, char *reason, size_t size)
{
	int r;

	if (reason && size)
		reason[0] = '\0';
	if (id->refusal)
		return false;
	if (id->masters)
		return true;
	r = authz_node_decide(a->st, id, at, reason, size);
	if (r >= 0)
		return r;
	/* What rules without resourceNames allow holds for every object:
	 * one cached decision for all the names (reads of many objects) */
	if (at->resource_request && at->name && *at->name) {
		struct rbac_attrs any = *at;

		any.name = NULL;
		if (decide(a, id, &any, NULL, 0))
			return true;
	}
	return decide(a, id, at, reason, size);
}

int authz_check(struct authz *a, const struct kfs_identity *id,
		const struct rbac_attrs *at, struct kf_error *err)
{
	char reason[RBAC_REASON_MAX];

	if (id->refusal)
		return kf_error_set(err, -EACCES, "%s", id->refusal);
	if (authz_allowed(a, id, at, reason, sizeof(reason)))
		return 0;
	return rbac_forbidden(&id->user, at, reason, err);
}

int authz_check_rbac_write(struct authz *a, const struct kfs_identity *id,
			   const json_t *obj, const json_t *old,
			   struct kf_error *err)
{
	int r;

	if (id->refusal)
		return kf_error_set(err, -EACCES, "%s", id->refusal);
	if (id->masters)
		return 0;
	pthread_mutex_lock(&a->lock);
	sync_policy(a);
	r = rbac_check_write(a->policy, &id->user, obj, old, err);
	pthread_mutex_unlock(&a->lock);
	return r;
}
