/* bzimage: what a kernel image file says about itself, without running it.
 *
 * Understands the x86 bzImage (the boot protocol's setup header at 0x1f1), the
 * arm64 "Image" header ("ARM\x64" at offset 56), the EFI zboot wrapper
 * ("MZ" + "zimg", with the arm64 Image compressed inside), and an
 * uncompressed ELF vmlinux.  Every offset read from
 * the file is checked against the file's length before use.
 */
#ifndef AMIWIZ_ENGINE_BZIMAGE_H
#define AMIWIZ_ENGINE_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/decompress.h"
#include "help/dynbuf.h"
#include "help/err.h"

/* The most a kernel payload may decompress to (a vmlinux is 30-80 MB). */
#define BZIMAGE_MAX_DECOMPRESSED (256u * 1024u * 1024u)

#define KIMAGE_FORMATS(X)                                                                          \
	X(KIMAGE_UNKNOWN, "unknown")                                                               \
	X(KIMAGE_BZIMAGE, "bzImage")                                                               \
	X(KIMAGE_ARM64, "arm64 Image")                                                             \
	X(KIMAGE_ZBOOT, "EFI zboot")                                                               \
	X(KIMAGE_ELF, "ELF vmlinux")

enum kimage_format {
#define X(id, name) id,
	KIMAGE_FORMATS(X)
#undef X
	KIMAGE_FORMAT_MAX
};

#define KARCHES(X)                                                                                 \
	X(KARCH_UNKNOWN, "unknown")                                                                \
	X(KARCH_X86_32, "i386")                                                                    \
	X(KARCH_X86_64, "x86_64")                                                                  \
	X(KARCH_ARM64, "arm64")

enum karch {
#define X(id, name) id,
	KARCHES(X)
#undef X
	KARCH_MAX
};

/* xloadflags bits (Documentation/arch/x86/boot.rst) */
#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define XLF_EFI_HANDOVER_32 (1u << 2)
#define XLF_EFI_HANDOVER_64 (1u << 3)
#define XLF_EFI_KEXEC (1u << 4)

struct kimage_info {
	enum kimage_format format;
	enum karch arch;
	unsigned protocol;          /* bzImage boot protocol, e.g. 0x020f; 0 otherwise */
	unsigned xloadflags;        /* bzImage, protocol >= 2.12 */
	int efi_stub;               /* a PE/COFF header: UEFI firmware can start it */
	int efi_handover;           /* bzImage EFI handover entry point present */
	enum decomp_kind compression;
	int compression_known;      /* 0 when the payload's magic was not recognised */
	size_t payload_off;         /* the compressed payload inside the file */
	size_t payload_len;
	char release[64];           /* "6.1.0-56-amd64", or "" */
	char version_text[160];     /* the image's whole version string, or "" */
};

const char *kimage_format_name(enum kimage_format f);
const char *karch_name(enum karch a);

/* True when the data looks like one of the kernel image formats above (cheap:
 * magic numbers only). */
int bzimage_sniff(const uint8_t *data, size_t len);

/* Read the headers of a kernel image held in data[0..len).  Fills *ret.  Fails
 * with ERR_INPUT, saying what is wrong, when the data is not a kernel image or
 * its header points outside the file (a truncated download, say).  An EFI
 * zboot image's header says nothing of the kernel inside, so its payload is
 * decompressed (at most BZIMAGE_MAX_DECOMPRESSED bytes, stopping at the
 * version banner) to read the inner arm64 header and the version; a payload
 * that cannot be decompressed, or holds no arm64 Image, fails with ERR_INPUT. */
int bzimage_parse(const uint8_t *data, size_t len, struct kimage_info *ret, struct err *reterr);

/* Look for the configuration the kernel carries when built with CONFIG_IKCONFIG
 * (a gzip blob between "IKCFG_ST" and "IKCFG_ED"), decompressing the payload
 * when the image is compressed.  On success appends the configuration text to
 * `out` and returns 0; returns 1 when the kernel carries none; negative with
 * reterr filled when the image cannot be read (damaged, too large).
 * `info` comes from bzimage_parse on the same data. */
int bzimage_extract_config(const uint8_t *data, size_t len, const struct kimage_info *info,
			   struct dynbuf *out, struct err *reterr);

/* Find the IKCONFIG blob in plain (decompressed) kernel data and append its
 * configuration text to `out`.  Returns 0, 1 when absent, negative on error. */
int bzimage_ikconfig_from_plain(const uint8_t *data, size_t len, struct dynbuf *out,
				struct err *reterr);

#endif
