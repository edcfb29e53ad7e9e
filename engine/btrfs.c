#include "engine/btrfs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* On-disk facts (little endian), from the btrfs format documentation. */
#define SB_OFFSET 0x10000u
#define SB_SIZE 4096u
#define SB_MAGIC "_BHRfS_M"
#define SB_MAGIC_AT 0x40
#define SB_ROOT 0x50
#define SB_CHUNK_ROOT 0x58
#define SB_NODESIZE 0x94
#define SB_SYS_ARRAY_SIZE 0xa0
#define SB_ROOT_LEVEL 0xc6
#define SB_CHUNK_ROOT_LEVEL 0xc7
#define SB_SYS_ARRAY 0x32b
#define SB_SYS_ARRAY_MAX 2048u

#define HDR_BYTENR 0x30
#define HDR_NRITEMS 0x60
#define HDR_LEVEL 0x64
#define HDR_SIZE 0x65
#define KEY_SIZE 17
#define LEAF_ITEM_SIZE 25 /* key, data offset u32, data size u32 */
#define NODE_PTR_SIZE 33  /* key, block pointer u64, generation u64 */

#define KEY_ROOT_ITEM 132
#define KEY_ROOT_REF 156
#define KEY_CHUNK_ITEM 228

#define CHUNK_STRIPES_AT 48
#define CHUNK_STRIPE_SIZE 32
#define CHUNK_TYPE_AT 24
#define CHUNK_NUM_STRIPES_AT 44
/* striped or parity profiles: RAID0, RAID1 variants are copies, but RAID0,
 * RAID10, RAID5 and RAID6 spread a block over devices */
#define CHUNK_STRIPED ((1ull << 3) | (1ull << 6) | (1ull << 7) | (1ull << 8))

#define FIRST_FREE_ID 256ull
#define LAST_FREE_ID ((uint64_t)-256)
#define MAX_CHUNKS 1024
#define MAX_LEVEL 7
#define MAX_BLOCKS 200000u

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static unsigned le16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

struct chunk {
	uint64_t logical, length, physical;
};

struct bt {
	int fd;
	uint64_t off, size;
	uint32_t nodesize;
	struct chunk chunks[MAX_CHUNKS];
	unsigned nchunks;
	unsigned blocks; /* tree blocks read so far: a bound on damaged trees */
	unsigned char *buf[MAX_LEVEL + 1];
	struct btrfs_subvols *res;
	uint64_t ref_id;   /* the lowest subvolume a ROOT_REF names */
	char ref_name[64]; /* and its name */
	struct err *reterr;
};

/* Remember one chunk item (`c`, `len` bytes) starting at `logical`. */
static int add_chunk(struct bt *b, uint64_t logical, const unsigned char *c, size_t len)
{
	if (len < CHUNK_STRIPES_AT + CHUNK_STRIPE_SIZE)
		return err_set(b->reterr, ERR_INPUT, EINVAL, "a btrfs chunk item is truncated");
	unsigned nstripes = le16(c + CHUNK_NUM_STRIPES_AT);
	if (nstripes == 0 || CHUNK_STRIPES_AT + (size_t)nstripes * CHUNK_STRIPE_SIZE > len)
		return err_set(b->reterr, ERR_INPUT, EINVAL, "a btrfs chunk item is damaged");
	if (le64(c + CHUNK_TYPE_AT) & CHUNK_STRIPED)
		return err_set(b->reterr, ERR_INPUT, ENOTSUP,
			       "the btrfs filesystem is striped over several devices (RAID0, "
			       "RAID10, RAID5 or RAID6); amiwiz reads single-device btrfs only");
	for (unsigned i = 0; i < b->nchunks; i++)
		if (b->chunks[i].logical == logical)
			return 0; /* the bootstrap copy of a chunk the tree repeats */
	if (b->nchunks >= MAX_CHUNKS)
		return err_set(b->reterr, ERR_INPUT, E2BIG, "the btrfs filesystem has too many chunks");
	struct chunk *k = &b->chunks[b->nchunks++];
	k->logical = logical;
	k->length = le64(c);
	k->physical = le64(c + CHUNK_STRIPES_AT + 8); /* stripe 0's offset */
	return 0;
}

/* Read the tree block at logical address `logical` into `out` (nodesize). */
static int read_block(struct bt *b, uint64_t logical, unsigned char *out)
{
	if (++b->blocks > MAX_BLOCKS)
		return err_set(b->reterr, ERR_INPUT, ELOOP, "the btrfs trees are too large or loop");
	for (unsigned i = 0; i < b->nchunks; i++) {
		const struct chunk *k = &b->chunks[i];
		if (logical < k->logical || logical - k->logical >= k->length ||
		    k->length - (logical - k->logical) < b->nodesize)
			continue;
		uint64_t phys = k->physical + (logical - k->logical);
		if (phys > b->size || b->size - phys < b->nodesize)
			return err_set(b->reterr, ERR_INPUT, EINVAL,
				       "a btrfs tree block lies outside the filesystem (truncated?)");
		ssize_t n = pread(b->fd, out, b->nodesize, (off_t)(b->off + phys));
		if (n < 0)
			return err_sys(b->reterr, errno, "Reading the btrfs filesystem");
		if ((size_t)n != b->nodesize)
			return err_set(b->reterr, ERR_INPUT, EINVAL,
				       "a btrfs tree block is cut short (truncated image?)");
		if (le64(out + HDR_BYTENR) != logical)
			return err_set(b->reterr, ERR_INPUT, EINVAL,
				       "the btrfs tree block at %llu is damaged (it names %llu)",
				       (unsigned long long)logical,
				       (unsigned long long)le64(out + HDR_BYTENR));
		return 0;
	}
	return err_set(b->reterr, ERR_INPUT, EINVAL,
		       "a btrfs tree block (%llu) is in no chunk the filesystem maps",
		       (unsigned long long)logical);
}

typedef int (*item_fn)(struct bt *b, uint64_t objectid, unsigned type, uint64_t offset,
		       const unsigned char *data, size_t len);

/* Visit every leaf item of the tree rooted at `logical`, level `level`. */
static int walk(struct bt *b, uint64_t logical, unsigned level, item_fn fn)
{
	if (level > MAX_LEVEL)
		return err_set(b->reterr, ERR_INPUT, EINVAL, "a btrfs tree is too deep (damaged?)");
	unsigned char *blk = b->buf[level];
	if (read_block(b, logical, blk) < 0)
		return -1;
	if (blk[HDR_LEVEL] != level)
		return err_set(b->reterr, ERR_INPUT, EINVAL,
			       "a btrfs tree block has level %u where %u was expected",
			       blk[HDR_LEVEL], level);
	uint32_t n = le32(blk + HDR_NRITEMS);
	size_t each = level ? NODE_PTR_SIZE : LEAF_ITEM_SIZE;
	if (n > (b->nodesize - HDR_SIZE) / each)
		return err_set(b->reterr, ERR_INPUT, EINVAL, "a btrfs tree block claims too many items");
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *it = blk + HDR_SIZE + (size_t)i * each;
		if (level) {
			/* each level has its own buffer: this block stays intact */
			if (walk(b, le64(it + KEY_SIZE), level - 1, fn) < 0)
				return -1;
			continue;
		}
		uint32_t doff = le32(it + KEY_SIZE), dlen = le32(it + KEY_SIZE + 4);
		if (doff > b->nodesize - HDR_SIZE || dlen > b->nodesize - HDR_SIZE - doff)
			return err_set(b->reterr, ERR_INPUT, EINVAL,
				       "a btrfs leaf item points outside its block");
		if (fn(b, le64(it), it[8], le64(it + 9), blk + HDR_SIZE + doff, dlen) < 0)
			return -1;
	}
	return 0;
}

static int on_chunk(struct bt *b, uint64_t objectid, unsigned type, uint64_t offset,
		    const unsigned char *data, size_t len)
{
	return type == KEY_CHUNK_ITEM ? add_chunk(b, offset, data, len) : 0;
}

static int on_root(struct bt *b, uint64_t objectid, unsigned type, uint64_t offset,
		   const unsigned char *data, size_t len)
{
	struct btrfs_subvols *r = b->res;
	if (type == KEY_ROOT_ITEM && objectid >= FIRST_FREE_ID && objectid <= LAST_FREE_ID) {
		r->count++;
		if (!r->first_id || objectid < r->first_id)
			r->first_id = objectid;
	}
	/* ROOT_REF (parent, child): the child's name, after dirid u64, sequence
	 * u64 and name_len u16.  Refs from the top level (5) sort before the
	 * subvolumes' own items, so keep the lowest child's and match it later. */
	if (type == KEY_ROOT_REF && offset >= FIRST_FREE_ID && len >= 18 &&
	    (!b->ref_id || offset < b->ref_id)) {
		size_t nl = le16(data + 16);
		if (nl > len - 18)
			nl = len - 18;
		if (nl >= sizeof(b->ref_name))
			nl = sizeof(b->ref_name) - 1;
		for (size_t i = 0; i < nl; i++) {
			unsigned char ch = data[18 + i];
			b->ref_name[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
		b->ref_name[nl] = '\0';
		b->ref_id = offset;
	}
	return 0;
}

int btrfs_subvolumes(int fd, uint64_t off, uint64_t size, struct btrfs_subvols *ret,
		     struct err *reterr)
{
	unsigned char sb[SB_SIZE];
	struct bt *b = calloc(1, sizeof(*b));
	int rc = -1;
	memset(ret, 0, sizeof(*ret));
	if (!b)
		return err_sys(reterr, ENOMEM, "Reading the btrfs filesystem");
	b->fd = fd;
	b->off = off;
	b->size = size;
	b->res = ret;
	b->reterr = reterr;
	ssize_t n = size >= SB_OFFSET + SB_SIZE ? pread(fd, sb, SB_SIZE, (off_t)(off + SB_OFFSET)) : 0;
	if (n < 0) {
		rc = err_sys(reterr, errno, "Reading the btrfs superblock");
		goto out;
	}
	if (n != SB_SIZE || memcmp(sb + SB_MAGIC_AT, SB_MAGIC, 8) != 0) {
		rc = err_set(reterr, ERR_INPUT, EINVAL, "no btrfs superblock at 64 KiB");
		goto out;
	}
	b->nodesize = le32(sb + SB_NODESIZE);
	if (b->nodesize < 4096 || b->nodesize > 65536 || (b->nodesize & (b->nodesize - 1))) {
		rc = err_set(reterr, ERR_INPUT, EINVAL, "the btrfs superblock's node size (%u) is not "
			     "valid", b->nodesize);
		goto out;
	}
	for (int i = 0; i <= MAX_LEVEL; i++)
		if (!(b->buf[i] = malloc(b->nodesize))) {
			rc = err_sys(reterr, ENOMEM, "Reading the btrfs filesystem");
			goto out;
		}
	/* the bootstrap chunk map: (key, chunk item) pairs */
	uint32_t arr = le32(sb + SB_SYS_ARRAY_SIZE);
	if (arr > SB_SYS_ARRAY_MAX) {
		rc = err_set(reterr, ERR_INPUT, EINVAL, "the btrfs superblock's chunk array is damaged");
		goto out;
	}
	const unsigned char *a = sb + SB_SYS_ARRAY;
	for (uint32_t at = 0; at < arr;) {
		if (arr - at < KEY_SIZE + CHUNK_STRIPES_AT) {
			rc = err_set(reterr, ERR_INPUT, EINVAL,
				     "the btrfs superblock's chunk array is truncated");
			goto out;
		}
		const unsigned char *key = a + at, *c = key + KEY_SIZE;
		size_t clen = CHUNK_STRIPES_AT + (size_t)le16(c + CHUNK_NUM_STRIPES_AT) * CHUNK_STRIPE_SIZE;
		if (key[8] != KEY_CHUNK_ITEM || clen > arr - at - KEY_SIZE) {
			rc = err_set(reterr, ERR_INPUT, EINVAL,
				     "the btrfs superblock's chunk array is damaged");
			goto out;
		}
		if (add_chunk(b, le64(key + 9), c, clen) < 0)
			goto out;
		at += (uint32_t)(KEY_SIZE + clen);
	}
	if (walk(b, le64(sb + SB_CHUNK_ROOT), sb[SB_CHUNK_ROOT_LEVEL], on_chunk) < 0 ||
	    walk(b, le64(sb + SB_ROOT), sb[SB_ROOT_LEVEL], on_root) < 0)
		goto out;
	if (ret->first_id && b->ref_id == ret->first_id)
		memcpy(ret->first_name, b->ref_name, sizeof(ret->first_name));
	rc = 0;
out:
	for (int i = 0; i <= MAX_LEVEL; i++)
		free(b->buf[i]);
	free(b);
	return rc;
}
