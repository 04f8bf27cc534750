/*
 * codec.h — YAML and JSON in, canonical YAML and JSON out.
 *
 * The in-memory form of every object is a jansson json_t tree (objects,
 * arrays, strings, integers, reals, booleans, null). YAML (libyaml) and
 * JSON (jansson) both decode into it; the encoders write it back.
 *
 * Invariants:
 *  - Decoding enforces the hostile-input limits *while* parsing, never
 *    after: input size, nesting depth, alias count, total alias expansion
 *    (billion laughs), node count, invalid UTF-8, duplicate mapping keys,
 *    integers outside int64, non-string mapping keys are coerced the way
 *    Kubernetes' YAML→JSON conversion does (ints/bools become their text).
 *  - YAML scalars resolve with the YAML 1.2 core schema, as Kubernetes
 *    does for plain scalars: null/~/empty → null, true/false (and
 *    True/TRUE/False/FALSE) → bool, decimal/0o/0x ints → integer,
 *    floats → real, everything else → string. Quoted or block scalars are
 *    always strings. Tagged scalars (!!str, !!int, !!float, !!bool,
 *    !!null) honour the tag; other tags keep the text as a string.
 *    .inf/.nan are refused (-EINVAL), as Kubernetes refuses them: JSON,
 *    and so jansson, cannot hold them. Strings may not contain NUL.
 *  - Anchors and aliases work within a document; an alias is a deep copy,
 *    so any part of a decoded tree may be modified. YAML 1.1 merge keys
 *    ("<<: *base", "<<: [*a, *b]") are supported; explicit keys win.
 *  - Canonical YAML: block style, 2-space indentation, sequences inside
 *    mappings are not indented ("- " at the key's column, as kubectl
 *    prints), top-level keys ordered apiVersion, kind, metadata, spec,
 *    status, then the rest sorted bytewise; nested keys sorted bytewise.
 *    Strings that would re-parse as anything other than the same string
 *    are double-quoted; multi-line strings use literal block style "|"
 *    when that round-trips, else double quotes. Encoding the result of
 *    decoding a canonical document gives the same bytes (fixed point).
 *  - Canonical JSON: compact, keys in the same order as YAML, one trailing
 *    newline. Besides what JSON requires, DEL, C1 controls, U+2028,
 *    U+2029, U+FEFF, U+FFFE and U+FFFF are written as \uXXXX escapes.
 *    (A real that is NaN or infinite, which jansson never holds, would be
 *    written as null.)
 *
 * All errors are -EINVAL except: input over the size limit, nesting over
 * the depth limit, too many aliases or alias expansion over the limit,
 * too many nodes → -EFBIG. Messages are for users, e.g.
 *   "error converting YAML to JSON: yaml: line 3: mapping values are not
 *    allowed in this context"
 *   "error converting YAML to JSON: yaml: line 7: key \"name\" already
 *    set in map"
 *   "error parsing JSON: line 1 column 9: duplicate object key near ..."
 *   "the object is too large: 1600000 bytes, the limit is 1572864 bytes"
 */
#ifndef KUBEFS_API_CODEC_H
#define KUBEFS_API_CODEC_H

#include <jansson.h>
#include <stddef.h>

#include "api/error.h"

#define CODEC_MAX_BYTES (1536u * 1024u) /* 1.5 MiB, as etcd/kube-apiserver */
#define CODEC_MAX_DEPTH 64		/* nested collections */
#define CODEC_MAX_ALIASES 100		/* alias events in one stream */
#define CODEC_MAX_NODES 500000		/* nodes after alias expansion */

struct codec_limits {
	size_t max_bytes;
	unsigned max_depth;
	unsigned max_aliases;
	size_t max_nodes;
};

/* The limits above; what kubefs-fs uses for every write. */
extern const struct codec_limits codec_default_limits;

/*
 * Decode a stream of one or more documents. The format is detected: input
 * whose first non-blank byte is '{' or '[' is JSON (jansson; several JSON
 * objects or arrays may follow one another), anything else is YAML,
 * possibly multi-document ("---" separators). Input that starts like JSON
 * but is not valid JSON is retried as YAML flow style ("{a: 1}"); when that
 * fails too, the JSON error is reported (or YAML's, if it is -EFBIG).
 * Empty documents (only comments or blanks) are skipped; an explicit
 * "null" document is kept.
 *
 * buf need not be NUL-terminated. limits may be NULL for the defaults.
 * On success *ret_docs is a new JSON array (owned by the caller), one
 * element per document, possibly empty. On failure *ret_docs is untouched
 * and err holds the reason.
 */
int codec_decode(const char *buf, size_t len, const struct codec_limits *limits,
		 struct kf_error *err, json_t **ret_docs);

/*
 * Decode exactly one document (zero or more than one is -EINVAL with
 * "expected one object, found N"). *ret_obj is owned by the caller.
 */
int codec_decode_one(const char *buf, size_t len,
		     const struct codec_limits *limits, struct kf_error *err,
		     json_t **ret_obj);

/*
 * Canonical YAML of obj (any json_t, normally an object). Returns a
 * malloc'd NUL-terminated string owned by the caller and its length in
 * *ret_len (may be NULL), or NULL on out-of-memory.
 */
char *codec_encode_yaml(const json_t *obj, size_t *ret_len);

/* Canonical compact JSON plus "\n"; same ownership as codec_encode_yaml. */
char *codec_encode_json(const json_t *obj, size_t *ret_len);

/*
 * Canonical JSON without the trailing newline, for storage and watch
 * events (one line). Same ownership.
 */
char *codec_encode_json_line(const json_t *obj, size_t *ret_len);

/*
 * Expand Kubernetes "List" objects (kind: List or *List with an items
 * array) found in docs into their items, in place, in order; Lists inside
 * items are expanded too. Returns 0, or -ENOMEM.
 */
int codec_flatten_lists(json_t *docs);

#endif
