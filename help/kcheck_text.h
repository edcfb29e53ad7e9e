/* kcheck_text: the words for every kernel-check finding and verdict.
 *
 * engine/kcheck decides which findings apply and names them by id; this table
 * says, for a first-time user, what each one means and how to fix it.  One
 * list generates the id enum, the stable slugs used in --json, and the texts.
 */
#ifndef AMIWIZ_HELP_KCHECK_TEXT_H
#define AMIWIZ_HELP_KCHECK_TEXT_H

/* X(id, slug, title, explanation, fix) */
#define KCHECK_FINDINGS(X)                                                                         \
	X(KF_NO_CONFIG, "no-config", "The kernel's configuration was not found",                   \
	  "Most checks read the kernel's build configuration (the list of CONFIG_ options). "     \
	  "None was found: there was no config-<version> file beside the kernel, and the kernel "  \
	  "was not built with CONFIG_IKCONFIG, which stores a copy inside it. Only what the "     \
	  "kernel image itself shows could be checked.",                                           \
	  "Give the configuration as well: the config-<version> file from /boot, the .config "    \
	  "of your kernel build, or /proc/config.gz from a running system.")                     \
	X(KF_ARCH_WRONG, "arch-wrong", "Wrong processor architecture for this target",             \
	  "Each kind of EC2 machine runs kernels built for one processor family and width. A "    \
	  "64-bit pv-grub cannot start a 32-bit kernel or the other way round, Xen-based "        \
	  "machines are all x86, and VM Import takes 64-bit x86 systems only.",                   \
	  "Choose the target that matches this kernel (see the other verdicts), or build the "    \
	  "kernel for the architecture this target needs.")                                        \
	X(KF_ARCH_UNKNOWN, "arch-unknown", "The kernel's architecture could not be told",          \
	  "Neither the kernel image nor its configuration said whether it is a 32-bit or 64-bit " \
	  "x86 kernel, or an arm64 one.",                                                          \
	  "Check the kernel file itself, or give its configuration beside it.")                   \
	X(KF_VERSION_UNKNOWN, "version-unknown", "The kernel version could not be found",         \
	  "The kernel image and configuration did not say which Linux version this is. Some "     \
	  "rules depend on it, and VM Import refuses a system whose kernel version it cannot "    \
	  "determine (\"Unable to determine kernel version\").",                                   \
	  "Use a kernel image named vmlinuz-<version> with its config-<version> beside it.")      \
	X(KF_PV32_REMOVED, "pv32-removed", "32-bit Xen PV support was removed in Linux 5.9",      \
	  "A 32-bit paravirtual (PV) guest needs a kernel that can run as one. Linux dropped "    \
	  "32-bit Xen PV guests in version 5.9, so no later 32-bit kernel can boot under the "    \
	  "32-bit pv-grub, whatever its configuration.",                                           \
	  "Use a 64-bit kernel with the pv-x86_64 target, choose HVM, or use a 32-bit kernel "    \
	  "older than 5.9.")                                                                       \
	X(KF_PAE_MISSING, "pae-missing", "32-bit Xen guests need PAE",                             \
	  "On 32-bit x86, Linux can run under Xen only when built with PAE (Physical Address "    \
	  "Extension, a wider page-table format). Without it there is no Xen guest support.",     \
	  "Set CONFIG_HIGHMEM64G=y (which selects CONFIG_X86_PAE=y) and rebuild, or use a "       \
	  "\"686-pae\" flavour kernel.")                                                           \
	X(KF_XEN_MISSING, "xen-missing", "No Xen guest support",                                   \
	  "EC2's older machines run on the Xen hypervisor. A kernel without CONFIG_XEN cannot "   \
	  "talk to Xen: as a PV guest it cannot start at all, and as an HVM guest it gets none "   \
	  "of the fast Xen disk and network drivers.",                                             \
	  "Set CONFIG_HYPERVISOR_GUEST=y, CONFIG_PARAVIRT=y and CONFIG_XEN=y (make xenconfig "    \
	  "does this) and rebuild.")                                                               \
	X(KF_XEN_PV_MISSING, "xen-pv-missing", "No Xen PV guest support",                          \
	  "A paravirtual (PV) machine has no BIOS and no emulated hardware: pv-grub loads the "    \
	  "kernel straight into a Xen PV guest. The kernel must be built with CONFIG_XEN_PV to "   \
	  "run that way.",                                                                         \
	  "Set CONFIG_XEN_PV=y and rebuild, or choose HVM.")                                       \
	X(KF_COMP_PVGRUB_104, "compression-pvgrub-1.04", "xz compression needs pv-grub 1.04 or later", \
	  "pv-grub unpacks the kernel itself. Versions before 1.04 understand gzip but not xz; "  \
	  "from 1.04 on xz works. The current AKIs are version 1.05.",                             \
	  "Register the image with a pv-grub 1.04 or 1.05 AKI (the current ones are 1.05), or "   \
	  "set CONFIG_KERNEL_GZIP=y and rebuild to work with every version.")                     \
	X(KF_COMP_UNRELIABLE, "compression-unreliable", "This compression may not work under pv-grub", \
	  "pv-grub unpacks the kernel itself. gzip works on every version and xz from 1.04; AWS " \
	  "also names bzip2 and lzo for the current (1.05) AKIs, but Xen users report that only " \
	  "gzip and xz are reliable, and lzma is not documented at all.",                          \
	  "Set CONFIG_KERNEL_GZIP=y and rebuild (safest), or try it on a pv-grub 1.05 AKI.")     \
	X(KF_COMP_UNSUPPORTED, "compression-unsupported", "pv-grub cannot unpack this kernel",     \
	  "pv-grub unpacks the kernel itself, and no version of it understands lz4 or zstd: it "  \
	  "stops with \"unknown compression format\" before the kernel runs.",                     \
	  "Set CONFIG_KERNEL_GZIP=y (or CONFIG_KERNEL_XZ=y for pv-grub 1.04+) and rebuild, or "   \
	  "choose HVM, where GRUB 2 loads the kernel.")                                            \
	X(KF_COMP_UNKNOWN, "compression-unknown", "The kernel's compression was not recognised",   \
	  "pv-grub must unpack the kernel, but its compressed payload did not start with any "    \
	  "known signature, so amiwiz cannot say whether pv-grub can read it.",                    \
	  "Rebuild with CONFIG_KERNEL_GZIP=y to be sure.")                                         \
	X(KF_DRIVER_MISSING, "driver-missing", "A needed driver is not in the kernel",             \
	  "This kind of machine reaches its disk or network through one particular driver. "     \
	  "Without it the kernel cannot find its root disk (it stops with \"VFS: Unable to mount " \
	  "root fs\") or the machine starts but can never be reached over the network.",          \
	  "Set the option shown to =y (or =m and put the module in the initramfs) and rebuild.")  \
	X(KF_MODULE_IN_INITRAMFS, "module-in-initramfs", "Driver module found in the initramfs",   \
	  "The driver is built as a module, and the initramfs carries it, so the kernel can "     \
	  "load it before it looks for the root disk.",                                             \
	  "Nothing to do. Keep it in the initramfs when you rebuild it.")                          \
	X(KF_MODULE_NOT_IN_INITRAMFS, "module-not-in-initramfs", "Driver module missing from the initramfs", \
	  "The disk driver is built as a module (=m), so it must be loaded from the initramfs "  \
	  "before the root disk can be found. The initramfs does not carry it: the boot stops "   \
	  "with \"VFS: Unable to mount root fs\" or waits forever for the root device.",          \
	  "Add the module to the initramfs (Debian: list it in /etc/initramfs-tools/modules and "  \
	  "run update-initramfs -u; dracut: add_drivers+=\" name \"), or build the driver in (=y).") \
	X(KF_MODULE_UNCONFIRMED, "module-unconfirmed", "Driver module: could not confirm it is in the initramfs", \
	  "The disk driver is built as a module (=m), so the initramfs must carry it. No "        \
	  "initramfs was found beside the kernel (initrd.img-<version> or initramfs-<version>), " \
	  "or it could not be read, so this could not be confirmed.",                              \
	  "Make sure your initramfs includes the module (Debian: list it in "                     \
	  "/etc/initramfs-tools/modules, run update-initramfs -u), then check the folder that "   \
	  "holds both, or build the driver in (=y).")                                              \
	X(KF_INITRD_SUPPORT_MISSING, "initrd-support-missing", "The kernel cannot use an initramfs", \
	  "A needed driver is a module, which only an initramfs can provide this early, but the " \
	  "kernel was built without initramfs support (CONFIG_BLK_DEV_INITRD).",                   \
	  "Set CONFIG_BLK_DEV_INITRD=y, or build the driver in (=y), and rebuild.")                \
	X(KF_CONSOLE_MISSING, "console-missing", "No Xen console",                                 \
	  "A PV machine's console is the Xen console (hvc0). Without CONFIG_HVC_XEN the "         \
	  "machine may boot, but its console log stays empty, so you cannot see why it fails.",   \
	  "Set CONFIG_HVC_XEN=y, rebuild, and put console=hvc0 on the kernel line in menu.lst.")  \
	X(KF_PVHVM_MISSING, "pvhvm-missing", "No PV-on-HVM support",                               \
	  "On Xen-based HVM machines the fast disk and network drivers need PV-on-HVM support "    \
	  "(CONFIG_XEN_PVHVM). Without it the kernel falls back to slow emulated devices, if it " \
	  "has drivers for them at all.",                                                           \
	  "Set CONFIG_XEN_PVHVM=y (with CONFIG_XEN=y and CONFIG_PCI=y) and rebuild.")              \
	X(KF_EFI_STUB_MISSING, "efi-stub-missing", "Graviton machines start kernels through UEFI", \
	  "arm64 (Graviton) machines boot with UEFI only. The kernel image has no EFI stub, so "  \
	  "UEFI firmware cannot start it directly; a UEFI boot loader such as GRUB is needed.",   \
	  "Set CONFIG_EFI_STUB=y and rebuild, or make sure your image boots through GRUB's EFI "   \
	  "build.")                                                                                \
	X(KF_IMPORT_ARM64, "import-arm64", "VM Import does not take arm64 systems",               \
	  "AWS VM Import (ImportImage) only accepts 64-bit x86 virtual machines; arm64 ones are " \
	  "refused.",                                                                               \
	  "Upload the disk as a snapshot (ImportSnapshot or the EBS direct APIs) and register "   \
	  "the image yourself.")                                                                   \
	X(KF_IMPORT_KERNEL_UNLISTED, "import-kernel-unlisted", "VM Import may not know this kernel", \
	  "VM Import looks at the kernel and only accepts those of the distributions it lists. "   \
	  "This kernel's version is not one of them, so the import may stop with \"Unsupported "   \
	  "kernel version\" or \"Unknown OS\".",                                                    \
	  "Use your distribution's default kernel, or skip VM Import's inspection: upload the "   \
	  "disk as a snapshot (ImportSnapshot or the EBS direct APIs) and register it yourself.")  \
	X(KF_IMPORT_KERNEL_LISTED, "import-kernel-listed", "VM Import knows this kernel version",  \
	  "This kernel's version is one VM Import lists for a supported distribution.",            \
	  "Nothing to do.")

enum kcheck_finding_id {
#define X(id, slug, title, expl, fix) id,
	KCHECK_FINDINGS(X)
#undef X
	KF_MAX
};

struct kcheck_text {
	const char *slug;        /* stable, for --json and scripts */
	const char *title;       /* one line */
	const char *explanation; /* a few sentences for a first-time user */
	const char *fix;         /* what to do */
};

/* The texts of finding `id`; never NULL (an unknown id gets a placeholder). */
const struct kcheck_text *kcheck_text(enum kcheck_finding_id id);

#endif
