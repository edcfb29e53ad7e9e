#include "engine/boottest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/inspect.h"

#define X(id, name, text) [id] = name,
static const char *const verdict_names[] = {BOOTTEST_VERDICTS(X)};
#undef X
#define X(id, name, text) [id] = text,
static const char *const verdict_texts[] = {BOOTTEST_VERDICTS(X)};
#undef X

const char *boottest_verdict_name(enum boottest_verdict v)
{
	return (unsigned)v < BOOT_VERDICT_MAX ? verdict_names[v] : "?";
}

const char *boottest_verdict_text(enum boottest_verdict v)
{
	return (unsigned)v < BOOT_VERDICT_MAX ? verdict_texts[v] : "?";
}

void boottest_result_release(struct boottest_result *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < BOOTTEST_TAIL; i++) {
		free(r->tail[i]);
		r->tail[i] = NULL;
	}
	r->ntail = 0;
}

int boottest_classify(const char *line, unsigned *state)
{
	if (strstr(line, "Kernel panic - not syncing"))
		return BOOT_PANIC;
	if (strstr(line, "KVM internal error"))
		return BOOT_QEMU_FAILED;
	if (strstr(line, "No bootable device") || strstr(line, "No bootable option or device") ||
	    strstr(line, "Boot failed: not a bootable disk"))
		return BOOT_NO_DEVICE;
	if ((strstr(line, "error: file `") && strstr(line, "' not found")) ||
	    strstr(line, "you need to load the kernel first") ||
	    strstr(line, "error: no such partition") || strstr(line, "error: unknown filesystem"))
		return BOOT_NO_KERNEL;
	/* "Run /sbin/init as init process", or init's own banner */
	if ((strstr(line, "Run ") && strstr(line, " as init process")) ||
	    strstr(line, "systemd[1]: ") || strstr(line, "INIT: version")) {
		*state |= BOOTTEST_SAW_INIT;
		return -1;
	}
	if (strstr(line, "reboot: Power down") || strstr(line, "reboot: System halted")) {
		*state |= BOOTTEST_SAW_POWEROFF;
		return (*state & BOOTTEST_SAW_INIT) ? BOOT_USERSPACE : -1;
	}
	return -1;
}

struct run {
	struct boottest_result *res;
	const struct boottest_opts *o;
	struct proc *p;
	unsigned state;
	int decided; /* a verdict, or -1 */
	bool done;
	int status;
	struct err e;
	unsigned next; /* ring position */
};

static void on_console(void *data, enum proc_stream s, const char *line)
{
	struct run *run = data;
	struct boottest_result *res = run->res;
	free(res->tail[run->next]);
	res->tail[run->next] = strdup(line);
	run->next = (run->next + 1) % BOOTTEST_TAIL;
	if (res->ntail < BOOTTEST_TAIL)
		res->ntail++;
	if (run->o->on_line)
		run->o->on_line(run->o->line_data, s, line);
	if (run->decided >= 0 && run->decided != BOOT_USERSPACE)
		return;
	int v = boottest_classify(line, &run->state);
	if (v < 0)
		return;
	/* a panic after init still counts as a panic; the first other verdict wins */
	if (run->decided < 0 || v == BOOT_PANIC) {
		run->decided = v;
		snprintf(res->reason, sizeof(res->reason), "%s", line);
	}
	if (v != BOOT_USERSPACE)
		proc_kill(run->p, SIGKILL); /* nothing more to learn */
}

static void on_exit_qemu(struct proc *p, int status, const struct err *e, void *data)
{
	struct run *run = data;
	run->done = true;
	run->status = status;
	if (e)
		run->e = *e;
}

bool boottest_kvm_works(struct proc_runner *r, const char *workdir)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0 || r->dry_run)
		return false;
	char path[600];
	const char *tmp = workdir ? workdir : getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/amiwiz-kvm-probe.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	/* mov al,0x1; out 0xf4,al; hlt; jmp $-1 : QEMU exits with (1 << 1) | 1 = 3 */
	unsigned char sector[512] = {0xb0, 0x01, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd};
	sector[510] = 0x55;
	sector[511] = 0xaa;
	bool ok = write(fd, sector, sizeof(sector)) == (ssize_t)sizeof(sector);
	close(fd);
	char drive[700];
	snprintf(drive, sizeof(drive), "file=%s,format=raw,if=ide,readonly=on", path);
	const char *argv[] = {"qemu-system-x86_64", "-machine", "pc,accel=kvm", "-m", "16",
			      "-display", "none", "-serial", "none", "-monitor", "none",
			      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", drive,
			      NULL};
	struct proc_opts po = {.stdout_fd = -1, .timeout_ms = 8000};
	struct err e;
	err_clear(&e);
	if (ok) {
		proc_run(r, argv, &po, &e);
		ok = e.kind == ERR_CHILD && e.code == 3;
	}
	unlink(path);
	return ok;
}

static enum boottest_firmware choose_firmware(const char *image)
{
	struct inspect_report *rep = calloc(1, sizeof(*rep));
	struct inspect_opts io = {.target = INSPECT_TARGET_HVM};
	enum boottest_firmware fw = BOOTTEST_FW_BIOS;
	if (rep && inspect_image(image, &io, rep, NULL) == 0) {
		bool uefi = false, bb = false;
		for (unsigned i = 0; i < rep->nparts; i++) {
			uefi |= rep->parts[i].efi_fallback;
			bb |= rep->parts[i].bios_boot;
		}
		bool bios = rep->boot_code && (strcmp(rep->table, "dos") == 0 || bb);
		if (uefi && !bios)
			fw = BOOTTEST_FW_UEFI;
	}
	free(rep);
	return fw;
}

static int copy_file(const char *src, const char *dst, struct err *reterr)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return err_set(reterr, ERR_USAGE, errno,
			       "%s is missing (install the ovmf package for UEFI boot tests)", src);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (out < 0 || rc < 0 || close(out) < 0)
		rc = err_sys(reterr, errno ? errno : EIO, "Copying %s", src);
	close(in);
	return rc;
}

static int run_once(struct proc_runner *r, const struct boottest_opts *o, bool kvm, bool uefi,
		    const char *vars, struct boottest_result *res, struct err *reterr)
{
	char drive[1200], code[700], varsd[700];
	const char *argv[48];
	int n = 0;
	argv[n++] = "qemu-system-x86_64";
	argv[n++] = "-machine";
	argv[n++] = kvm ? "q35,accel=kvm" : "q35,accel=tcg";
	argv[n++] = "-m";
	argv[n++] = "512";
	argv[n++] = "-smp";
	argv[n++] = "1";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-monitor";
	argv[n++] = "none";
	argv[n++] = "-nic";
	argv[n++] = "none";
	argv[n++] = "-no-reboot";
	if (uefi) {
		snprintf(code, sizeof(code), "if=pflash,format=raw,readonly=on,file=%s",
			 o->ovmf_code ? o->ovmf_code : "/usr/share/OVMF/OVMF_CODE.fd");
		snprintf(varsd, sizeof(varsd), "if=pflash,format=raw,file=%s", vars);
		argv[n++] = "-drive";
		argv[n++] = code;
		argv[n++] = "-drive";
		argv[n++] = varsd;
	}
	/* snapshot=on: a boot test never changes the image */
	snprintf(drive, sizeof(drive), "file=%s,if=none,id=ebs0,format=raw,snapshot=on", o->image);
	argv[n++] = "-drive";
	argv[n++] = drive;
	argv[n++] = "-device";
	argv[n++] = "nvme,drive=ebs0,serial=vol0amiwiz";
	if (o->kernel) {
		argv[n++] = "-kernel";
		argv[n++] = o->kernel;
		if (o->initrd) {
			argv[n++] = "-initrd";
			argv[n++] = o->initrd;
		}
		argv[n++] = "-append";
		argv[n++] = o->append ? o->append : "console=ttyS0";
	}
	argv[n] = NULL;

	struct run run = {.res = res, .o = o, .decided = -1};
	err_clear(&run.e);
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	struct proc_opts po = {.stdout_fd = -1, .timeout_ms = timeout, .on_line = on_console,
			       .line_data = &run};
	uint64_t t0 = loop_now_ms();
	if (proc_start(r, argv, &po, on_exit_qemu, &run, &run.p, reterr) < 0)
		return -1;
	while (!run.done) {
		int rc = loop_run_once(r->loop, -1);
		if (rc < 0 && rc != -EINTR)
			return err_sys(reterr, -rc, "Waiting for QEMU");
	}
	res->elapsed_ms = (long)(loop_now_ms() - t0);
	res->used_kvm = kvm;
	res->uefi = uefi;
	if (run.decided >= 0) {
		res->verdict = (enum boottest_verdict)run.decided;
	} else if (run.state & BOOTTEST_SAW_INIT) {
		/* init ran and nothing went wrong before the time ran out or QEMU
		 * stopped: a system that keeps running counts as booted */
		res->verdict = BOOT_USERSPACE;
		snprintf(res->reason, sizeof(res->reason), "init was started and did not fail");
	} else if (run.status != 0 && res->elapsed_ms < timeout && !r->dry_run) {
		res->verdict = BOOT_QEMU_FAILED;
		snprintf(res->reason, sizeof(res->reason), "%.500s", run.e.message);
	} else {
		res->verdict = BOOT_HUNG;
		snprintf(res->reason, sizeof(res->reason),
			 "no init and no error on the console within %ld s", timeout / 1000);
	}
	/* order the ring oldest first */
	char *tmp[BOOTTEST_TAIL];
	unsigned start = res->ntail < BOOTTEST_TAIL ? 0 : run.next;
	for (unsigned i = 0; i < res->ntail; i++)
		tmp[i] = res->tail[(start + i) % BOOTTEST_TAIL];
	for (unsigned i = 0; i < BOOTTEST_TAIL; i++)
		res->tail[i] = i < res->ntail ? tmp[i] : NULL;
	return 0;
}

int boottest_run(struct proc_runner *r, const struct boottest_opts *o, struct boottest_result *ret,
		 struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	struct stat st;
	if (!o->image || stat(o->image, &st) < 0)
		return err_set(reterr, ERR_USAGE, ENOENT, "%s: no such image",
			       o->image ? o->image : "(none)");
	if (o->kernel && stat(o->kernel, &st) < 0)
		return err_set(reterr, ERR_USAGE, ENOENT, "%s: no such kernel", o->kernel);
	enum boottest_firmware fw = o->firmware;
	if (fw == BOOTTEST_FW_AUTO)
		fw = o->kernel ? BOOTTEST_FW_BIOS : choose_firmware(o->image);
	bool uefi = fw == BOOTTEST_FW_UEFI;
	char vars[600] = "";
	if (uefi) {
		const char *tmp = o->workdir ? o->workdir : getenv("TMPDIR");
		snprintf(vars, sizeof(vars), "%s/amiwiz-ovmf-vars.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
		int fd = mkstemp(vars);
		if (fd < 0)
			return err_sys(reterr, errno, "Making a copy of the UEFI variables");
		close(fd);
		if (copy_file(o->ovmf_vars ? o->ovmf_vars : "/usr/share/OVMF/OVMF_VARS.fd", vars,
			      reterr) < 0) {
			unlink(vars);
			return -1;
		}
	}
	bool kvm = o->kvm && boottest_kvm_works(r, o->workdir);
	int rc = run_once(r, o, kvm, uefi, vars, ret, reterr);
	if (rc == 0 && kvm && ret->verdict == BOOT_QEMU_FAILED) {
		/* KVM passed the probe but failed the real guest: TCG is slower but works */
		boottest_result_release(ret);
		memset(ret, 0, sizeof(*ret));
		rc = run_once(r, o, false, uefi, vars, ret, reterr);
	}
	if (vars[0])
		unlink(vars);
	return rc;
}
