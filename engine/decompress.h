/* decompress: bounded, streaming decompression of the formats Linux uses for
 * its kernel images and initramfs archives.
 *
 * Every call has a ceiling on the bytes it will produce, so a small malicious
 * input ("zip bomb") can never make amiwiz use more than the caller allows.
 * Output is handed to a sink in chunks; the sink may stop the run early when it
 * has seen what it was looking for (the IKCONFIG blob, a module name).
 */
#ifndef AMIWIZ_ENGINE_DECOMPRESS_H
#define AMIWIZ_ENGINE_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "help/dynbuf.h"
#include "help/err.h"

#define DECOMP_KINDS(X)                                                                            \
	X(DECOMP_NONE, "none")                                                                     \
	X(DECOMP_GZIP, "gzip")                                                                     \
	X(DECOMP_BZIP2, "bzip2")                                                                   \
	X(DECOMP_LZMA, "lzma")                                                                     \
	X(DECOMP_XZ, "xz")                                                                         \
	X(DECOMP_LZO, "lzo")                                                                       \
	X(DECOMP_LZ4, "lz4")                                                                       \
	X(DECOMP_ZSTD, "zstd")

enum decomp_kind {
#define X(id, name) id,
	DECOMP_KINDS(X)
#undef X
	DECOMP_KIND_MAX
};

/* The stable lower-case name ("gzip", "xz", ...), or "?" when out of range. */
const char *decomp_kind_name(enum decomp_kind kind);

/* Recognise a compressed stream by its first bytes (the magic numbers the
 * kernel's own decompressors check).  DECOMP_NONE when none matches. */
enum decomp_kind decomp_sniff(const uint8_t *data, size_t len);

/* True when this build can decompress `kind` (every kind but DECOMP_NONE).
 * LZO means the lzop container Linux writes (the 0x89 "LZO" header, then
 * LZO1X blocks), not raw LZO1X. */
int decomp_supported(enum decomp_kind kind);

/* A sink receives the output in order.  Return 0 to continue, 1 to stop the run
 * early (not an error), or a negative number to fail it (fill reterr). */
typedef int (*decomp_sink)(void *ctx, const uint8_t *data, size_t len, struct err *reterr);

/* Decompress one stream of `kind` from in[0..inlen).  At most `max_out` bytes
 * are passed to the sink; a stream that would produce more fails with ERR_INPUT
 * and code E2BIG after the first max_out bytes were delivered.  Data after the
 * end of the stream is not read; `*ret_used` (may be NULL) says how many input
 * bytes the stream took.  A stream cut short fails with ERR_INPUT.
 * Returns 0 when the stream ended, 1 when the sink stopped it, negative on error. */
int decomp_run(enum decomp_kind kind, const uint8_t *in, size_t inlen, size_t max_out,
	       decomp_sink sink, void *ctx, size_t *ret_used, struct err *reterr);

/* decomp_run into a buffer: appends the whole output to `out`, whose own
 * maximum also applies.  Same returns. */
int decomp_to_buf(enum decomp_kind kind, const uint8_t *in, size_t inlen, size_t max_out,
		  struct dynbuf *out, size_t *ret_used, struct err *reterr);

#endif
