/*
 * quantity.h — Kubernetes resource quantities ("100m", "0.5", "128Mi",
 * "1G", "1e3", 2).
 *
 * The grammar is Kubernetes' resource.Quantity:
 *   [+-] digits [. digits] [suffix]
 * with suffix one of n u m "" k M G T P E (decimal SI), Ki Mi Gi Ti Pi Ei
 * (binary SI) or e<int> / E<int> (decimal exponent). A bare "E" is exa.
 *
 * Invariants:
 *  - A parsed value is exact to the nano-unit (10^-9); finer fractions are
 *    rounded away from zero, as Kubernetes rounds them up ("1e-12" is
 *    "1n").
 *  - Magnitudes are capped at 2^63-1 whole units, as Kubernetes caps them.
 *  - The format (decimal SI, binary SI, decimal exponent) is the one of the
 *    suffix written; quantity_format() prints Kubernetes' canonical form in
 *    it ("0.5" → "500m", "1024Mi" → "1Gi", "1500" → "1500").
 *
 * Nothing here allocates; every function is pure.
 */
#ifndef KUBEFS_API_QUANTITY_H
#define KUBEFS_API_QUANTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum quantity_format {
	QUANTITY_DECIMAL_SI,
	QUANTITY_BINARY_SI,
	QUANTITY_DECIMAL_EXPONENT,
};

struct quantity {
	__int128 nano; /* value × 10^9 */
	enum quantity_format format;
};

/* Room for any canonical quantity string, NUL included. */
#define QUANTITY_STRLEN 48

/* Longest quantity text accepted (Kubernetes has no limit; we bound it). */
#define QUANTITY_TEXT_MAX 256

/* The message Kubernetes gives for text that is not a quantity. */
#define QUANTITY_FORMAT_ERROR                                                  \
	"quantities must match the regular expression "                        \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/*
 * Parse text s (NUL-terminated). Returns 0 and fills *ret, or -EINVAL
 * (*ret untouched) when s is not a quantity (the message to show is
 * QUANTITY_FORMAT_ERROR).
 */
int quantity_parse(const char *s, struct quantity *ret);

/*
 * Parse a quantity as it appears in an object: a JSON string, an integer
 * or a real (written back in its shortest decimal form first). -EINVAL for
 * any other JSON type or bad text; *ret untouched on failure.
 */
int quantity_from_json(const json_t *v, struct quantity *ret);

/* <0, 0, >0 as a is less than, equal to, greater than b. */
int quantity_cmp(const struct quantity *a, const struct quantity *b);

/* Sign: -1, 0 or 1. */
int quantity_sign(const struct quantity *q);

/*
 * The value in milli-units (CPU: millicores), rounded away from zero and
 * saturated to the int64 range. "100m" → 100, "0.5" → 500, "1" → 1000.
 */
int64_t quantity_milli(const struct quantity *q);

/*
 * The value in whole units (memory: bytes), rounded away from zero and
 * saturated. "128Mi" → 134217728, "1G" → 1000000000, "100m" → 1.
 */
int64_t quantity_value(const struct quantity *q);

/* The value is a whole number of units (no fraction). */
bool quantity_is_integer(const struct quantity *q);

/*
 * Kubernetes' canonical string (Quantity.String()) into buf, which holds
 * QUANTITY_STRLEN bytes. Returns buf.
 */
char *quantity_format(const struct quantity *q, char buf[QUANTITY_STRLEN]);

#endif
