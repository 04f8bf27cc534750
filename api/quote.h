/*
 * quote.h — Go's strconv.Quote (fmt's %q), the quoting Kubernetes uses
 * for every value it shows in a message: `Invalid value: "a\nb"`.
 *
 * The rules are Go's: `"` and `\` are backslashed; \a \b \f \n \r \t \v
 * get their letter; other bytes below 0x20 and 0x7f become \xNN; a byte
 * that does not start valid UTF-8 becomes \xNN; a valid code point that
 * Go's unicode.IsPrint rejects becomes \uNNNN (or \UNNNNNNNN above the
 * BMP); everything else is copied as is. IsPrint is followed for
 * controls, format characters, separators other than ' ', private use
 * and noncharacters; unassigned code points count as printable.
 *
 * Thread safety: pure functions. Nothing allocates.
 */
#ifndef KUBEFS_API_QUOTE_H
#define KUBEFS_API_QUOTE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point in *ret_cp (may be NULL); 0 when s does not start valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF are invalid).
 * n must be at least 1.
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp);

/*
 * Quote s[0..n) into buf (size bytes), always NUL-terminated and, when
 * size >= 3, always with both quotes. An escape never is cut in half:
 * when the rest does not fit, quoting stops before it. Returns the
 * number of input bytes quoted (n when everything fit).
 */
size_t go_quote(const char *s, size_t n, char *buf, size_t size);

#endif
