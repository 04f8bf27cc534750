/*
 * selector_i.h — what the label (selector.c), LabelSelector
 * (selector_api.c) and field (selector_field.c) selector code shares: a
 * bounded message buffer in which errors are built the way Go's fmt
 * would print them, and the parsed form of label requirements.
 */
#ifndef KUBEFS_API_SELECTOR_I_H
#define KUBEFS_API_SELECTOR_I_H

#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"

/* A message under construction; output past its end is dropped. */
struct selmsg {
	char buf[KF_ERROR_MSG_MAX];
	size_t len;
};

void selmsg_add(struct selmsg *m, const char *s, size_t n);
void selmsg_addf(struct selmsg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s[0..n) Go-quoted (%q). */
void selmsg_quote(struct selmsg *m, const char *s, size_t n);
void selmsg_reset(struct selmsg *m);
/* -EINVAL with the message in err. */
int selmsg_fail(struct kf_error *err, const struct selmsg *m);

/* Append a string literal. */
#define selmsg_lit(m, s) selmsg_add((m), (s), sizeof(s) - 1)

/* ---- label requirements (selector.c), shared with selector_api.c ---- */

enum label_op {
	LOP_IN,
	LOP_NOTIN,
	LOP_EQ,
	LOP_DEQ,
	LOP_NEQ,
	LOP_GT,
	LOP_LT,
	LOP_EXISTS,
	LOP_NOT_EXISTS,
	LOP_NONE, /* not inferred yet */
};

struct label_req {
	char *key;
	enum label_op op;
	char **values; /* sorted, distinct */
	size_t nvalues;
	long long num; /* LOP_GT/LOP_LT */
};

struct label_selector {
	struct label_req *reqs;
	size_t n;
	bool nothing; /* labels.Nothing(): matches no label set */
};

/* A sorted set of distinct strings pointing into the text. */
struct selset {
	const char **s;
	size_t *len;
	size_t n;
};

/* Add s[0..len) (borrowed) to set unless present. -ENOMEM. */
int selset_add(struct selset *set, const char *s, size_t len);
void selset_release(struct selset *set);

/* validateLabelKey: 0, or -EINVAL with "<path>: Invalid value: ..." in
 * m; -ENOMEM. */
int sel_key_check(const char *key, size_t len, const char *path,
		  struct selmsg *m);

/* labels.NewRequirement after the key check: value count and values;
 * fills r (owning copies) or -EINVAL with the aggregate message in m. */
int sel_new_requirement(const char *key, size_t keylen, enum label_op op,
			const struct selset *set, struct selmsg *m,
			struct label_req *r);

/* Go's strconv.ParseInt(s[0..n), 10, 64). */
bool sel_parse_int64(const char *s, size_t n, long long *ret);

/* NewRequirement's check of the number of values op takes: NULL when n
 * is right, else the message. */
const char *sel_count_error(enum label_op op, size_t n);

/* Does a requirement hold for the label value have (NULL: absent)?
 * in_values: have is one of its values; want: its Gt/Lt integer. */
bool sel_op_holds(enum label_op op, const char *have, bool in_values,
		  long long want);

/* End of a parse with result r: sort sel and hand it to *ret, or free it
 * and report m (-EINVAL) or out of memory. Returns r or 0. */
int sel_finish(struct label_selector *sel, int r, const struct selmsg *m,
	       struct kf_error *err, struct label_selector **ret);

#endif
