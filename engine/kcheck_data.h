/* kcheck_data: the facts the kernel-check rules rest on, as tables.
 *
 * Sources (copied into the project; nothing is read at run time):
 *  - pv-grub and compression: AWS EC2 User Guide "User provided kernels"
 *    (2018-2021 text: "PV-GRUB can boot kernels compressed using the gzip,
 *    bzip2, lzo, and xz compression formats"); xz arrived with pv-grub 1.04
 *    (andsens/build-debian-cloud#101, offensive-security/kali-cloud-build#3);
 *    zstd fails ("unknown compression format", NixOS/nixpkgs#249357), and
 *    Xen PV loaders are reported reliable only with gzip/xz/none
 *    (flatcar/Flatcar#1397).  lz4 is in no list.
 *  - 32-bit Xen PV removed in Linux 5.9 (commit a13f2ef168cb).
 *  - Xen guest options: mainline kernel/configs/xen.config and
 *    arch/x86/xen/Kconfig (XEN depends on X86_64 || X86_PAE).
 *  - Nitro: EBS is NVMe (BLK_DEV_NVME), network is ENA (ENA_ETHERNET).
 *  - VM Import: 64-bit only, no arm64; the kernels of the distributions its
 *    "supported operating systems" table lists (VM Import/Export User Guide,
 *    prerequisites), by their default kernel series.
 */
#ifndef AMIWIZ_ENGINE_KCHECK_DATA_H
#define AMIWIZ_ENGINE_KCHECK_DATA_H

#include "engine/decompress.h"
#include "engine/kcheck.h"

/* What pv-grub makes of each compression. */
struct pvgrub_comp {
	enum decomp_kind kind;
	unsigned min_version;       /* 100 = every version; 0 = none */
	enum kcheck_severity sev;   /* severity of the finding, when there is one */
	int has_finding;
};

static const struct pvgrub_comp pvgrub_comps[] = {
	{DECOMP_NONE, 100, KSEV_NOTE, 0},
	{DECOMP_GZIP, 100, KSEV_NOTE, 0},
	{DECOMP_XZ, 104, KSEV_NOTE, 1},
	{DECOMP_LZMA, 104, KSEV_WARNING, 1},  /* same library as xz, but never documented */
	{DECOMP_BZIP2, 105, KSEV_WARNING, 1}, /* documented for 1.05, reported unreliable */
	{DECOMP_LZO, 105, KSEV_WARNING, 1},
	{DECOMP_LZ4, 0, KSEV_BLOCKER, 1},
	{DECOMP_ZSTD, 0, KSEV_BLOCKER, 1},
};

/* A driver a target needs: the option, its module, and whether it must be
 * there before the root disk is mounted (then =m needs the initramfs). */
struct kdriver {
	const char *option;
	const char *module;
	int early;
};

static const struct kdriver drv_xen_blk = {"CONFIG_XEN_BLKDEV_FRONTEND", "xen-blkfront", 1};
static const struct kdriver drv_xen_net = {"CONFIG_XEN_NETDEV_FRONTEND", "xen-netfront", 0};
static const struct kdriver drv_nvme = {"CONFIG_BLK_DEV_NVME", "nvme", 1};
static const struct kdriver drv_ena = {"CONFIG_ENA_ETHERNET", "ena", 0};

/* Kernel series VM Import knows: the default kernels of the distributions in
 * its table (Amazon Linux 2023/2, CentOS/RHEL/Oracle/Rocky 5-9, Debian 6-12,
 * Fedora 37-39, SLES 11-15, Ubuntu 12.04-24.04).  Matched as a version prefix
 * ("5.10" matches 5.10.0-28-amd64, not 5.100). */
static const char *const import_kernels[] = {
	"2.6.18", "2.6.27", "2.6.32", "3.0", "3.2", "3.10", "3.12", "3.13", "3.16", "4.4",
	"4.9", "4.12", "4.14", "4.15", "4.18", "4.19", "5.3", "5.4", "5.10", "5.14", "5.15",
	"6.0", "6.1", "6.2", "6.5", "6.8", "6.11",
};

#endif
