// SPDX-License-Identifier: GPL-2.0-only
#include "image.h"
#include "spawn.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef KMB_GUEST_DIR
#define KMB_GUEST_DIR "stress/guest"
#endif
#ifndef KMB_GUEST_SRCDIR
#define KMB_GUEST_SRCDIR "stress/guest"
#endif

static void cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(buf, len, "%s/kvm-mm-bench", xdg);
	else
		snprintf(buf, len, "%s/.cache/kvm-mm-bench", home && *home ? home : "/tmp");
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Which QEMU and machine fit this host's architecture. */
static int arch_setup(struct kmb_guest_image *img, char *err, size_t errlen)
{
	struct utsname u;

	uname(&u);
	if (!strcmp(u.machine, "s390x")) {
		snprintf(img->qemu, sizeof(img->qemu), "qemu-system-s390x");
		img->machine = "s390-ccw-virtio";
		img->agent_dev = "/dev/hvc0";
	} else if (!strcmp(u.machine, "x86_64")) {
		snprintf(img->qemu, sizeof(img->qemu), "qemu-system-x86_64");
		img->machine = "q35";
		img->agent_dev = "/dev/ttyS1";
	} else {
		snprintf(err, errlen, "kmb stress has no guest setup for %s yet", u.machine);
		return -1;
	}
	return 0;
}

static int find_kernel(struct kmb_guest_image *img, const char *kernel, char *err, size_t errlen)
{
	char cache[4096];
	struct utsname u;

	if (!kernel || !*kernel)
		kernel = getenv("KMB_GUEST_KERNEL");
	if (kernel && *kernel) {
		if (!is_file(kernel)) {
			snprintf(err, errlen, "guest kernel %s: %s", kernel,
				 errno ? strerror(errno) : "not a file");
			return -1;
		}
		snprintf(img->kernel, sizeof(img->kernel), "%s", kernel);
		return 0;
	}
	uname(&u);
	cache_dir(cache, sizeof(cache));
	snprintf(img->kernel, sizeof(img->kernel), "%s/guest-kernel/%s/vmlinuz", cache, u.machine);
	if (!is_file(img->kernel)) {
		snprintf(err, errlen,
			 "no guest kernel: %s is missing (run scripts/fetch-guest-kernel, or give "
			 "--guest-kernel FILE / KMB_GUEST_KERNEL)",
			 img->kernel);
		return -1;
	}
	return 0;
}

/* lib/modules/<version> next to the kernel (the fetched layout), or "". */
static void modules_dir(const char *kernel, char *buf, size_t len)
{
	char base[4096], *slash;
	struct dirent *de;
	DIR *d;

	buf[0] = '\0';
	snprintf(base, sizeof(base), "%s", kernel);
	slash = strrchr(base, '/');
	if (!slash)
		return;
	snprintf(slash, sizeof(base) - (size_t)(slash - base), "/lib/modules");
	d = opendir(base);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.') {
			snprintf(buf, len, "%s/%s", base, de->d_name);
			break;
		}
	}
	closedir(d);
}

static int build_initrd(struct kmb_guest_image *img, char *err, size_t errlen)
{
	const char *agent = getenv("KMB_GUEST_AGENT"), *mk = getenv("KMB_MKINITRAMFS");
	char cache[4096], agent_path[4096], mk_path[4096], moddir[4200];
	struct stat kst, ast;

	snprintf(agent_path, sizeof(agent_path), "%s", agent ? agent : KMB_GUEST_DIR "/kmb-agent");
	snprintf(mk_path, sizeof(mk_path), "%s", mk ? mk : KMB_GUEST_SRCDIR "/mkinitramfs");
	if (stat(agent_path, &ast)) {
		snprintf(err, errlen, "guest agent %s: %s (run make)", agent_path, strerror(errno));
		return -1;
	}
	stat(img->kernel, &kst);
	cache_dir(cache, sizeof(cache));
	snprintf(img->initrd, sizeof(img->initrd), "%s/initramfs", cache);
	kmb_mkdir_p(img->initrd, 0755);
	/* Keyed by kernel and agent: a rebuilt agent or another kernel gets its own. */
	snprintf(img->initrd + strlen(img->initrd), sizeof(img->initrd) - strlen(img->initrd),
		 "/%llx-%llx-%llx.cpio.gz", (unsigned long long)kst.st_ino,
		 (unsigned long long)kst.st_mtime, (unsigned long long)ast.st_mtime);
	if (is_file(img->initrd))
		return 0;
	modules_dir(img->kernel, moddir, sizeof(moddir));
	{
		const char *argv[] = { mk_path, "--modules", moddir, "--agent", agent_path,
				       "-o", img->initrd, NULL };
		const char *argv_builtin[] = { mk_path, "--no-default-modules", "--agent",
					       agent_path, "-o", img->initrd, NULL };
		struct kmb_spawn_opts o;

		kmb_spawn_opts_init(&o, moddir[0] ? argv : argv_builtin);
		o.stdout_path = "/dev/null";
		if (kmb_run(&o, 120000, err, errlen) != 0) {
			unlink(img->initrd);
			return -1;
		}
	}
	return 0;
}

int kmb_image_prepare(struct kmb_guest_image *img, const char *kernel, char *err,
		      size_t errlen)
{
	memset(img, 0, sizeof(*img));
	errno = 0;
	if (arch_setup(img, err, errlen) || find_kernel(img, kernel, err, errlen))
		return -1;
	return build_initrd(img, err, errlen);
}
