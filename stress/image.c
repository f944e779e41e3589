// SPDX-License-Identifier: GPL-2.0-only
#include "image.h"
#include "paths.h"
#include "spawn.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/*
 * $XDG_CACHE_HOME/kvm-mm-bench, else ~/.cache/kvm-mm-bench, the home taken
 * from the password database when HOME is unset: never a fixed path in /tmp,
 * where anyone could put an initramfs of theirs first.
 */
static int cache_dir(char *buf, size_t len, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (xdg && *xdg) {
		snprintf(buf, len, "%s/kvm-mm-bench", xdg);
		return 0;
	}
	if (!home || !*home) {
		pw = getpwuid(geteuid());
		home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
	}
	if (!home) {
		snprintf(err, errlen,
			 "no cache directory for the guest image: HOME is not set and "
			 "user %u has no home directory (set HOME or XDG_CACHE_HOME)",
			 (unsigned)geteuid());
		return -1;
	}
	snprintf(buf, len, "%s/.cache/kvm-mm-bench", home);
	return 0;
}

/* The initramfs directory must be ours alone: what is in it gets booted. */
static int private_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* Ours but writable by others (a umask of 002, say): ours to close. */
	if (S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 022) &&
	    !chmod(dir, st.st_mode & 07755))
		st.st_mode &= 07755;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "%s is not a private directory of this user (owner %u, mode %04o): the "
			 "guest image cache must be",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
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
	if (cache_dir(cache, sizeof(cache), err, errlen))
		return -1;
	snprintf(img->kernel, sizeof(img->kernel), "%s/guest-kernel/%s/vmlinuz", cache, u.machine);
	if (!is_file(img->kernel)) {
		snprintf(err, errlen,
			 "no guest kernel: %s is missing (run %s, or give --guest-kernel FILE)",
			 img->kernel, kmb_file_path(KMB_FILE_FETCH_KERNEL));
		return -1;
	}
	return 0;
}

static int build_initrd(struct kmb_guest_image *img, char *err, size_t errlen)
{
	const char *agent_path = kmb_file_path(KMB_FILE_AGENT);
	const char *mk_path = kmb_file_path(KMB_FILE_MKINITRAMFS);
	char cache[4096], moddir[4200];
	struct stat kst, ast;

	if (stat(agent_path, &ast)) {
		snprintf(err, errlen, "guest agent %s (%s): %s%s", agent_path,
			 kmb_file_origin(KMB_FILE_AGENT), strerror(errno),
			 strcmp(kmb_file_origin(KMB_FILE_AGENT), "build tree") ? "" : " (run make)");
		return -1;
	}
	stat(img->kernel, &kst);
	if (cache_dir(cache, sizeof(cache), err, errlen))
		return -1;
	snprintf(img->initrd, sizeof(img->initrd), "%s/initramfs", cache);
	kmb_mkdir_p(img->initrd, 0755);
	if (private_dir(img->initrd, err, errlen))
		return -1;
	/* Keyed by kernel and agent: a rebuilt agent or another kernel gets its own. */
	snprintf(img->initrd + strlen(img->initrd), sizeof(img->initrd) - strlen(img->initrd),
		 "/%llx-%llx-%llx.cpio.gz", (unsigned long long)kst.st_ino,
		 (unsigned long long)kst.st_mtime, (unsigned long long)ast.st_mtime);
	if (is_file(img->initrd))
		return 0;
	kmb_kernel_moddir(img->kernel, moddir, sizeof(moddir));
	{
		const char *argv[] = { mk_path,	   "--modules", moddir,	     "--agent",
				       agent_path, "-o",	img->initrd, NULL };
		const char *argv_builtin[] = { mk_path,	  "--no-default-modules",
					       "--agent", agent_path,
					       "-o",	  img->initrd,
					       NULL };
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

int kmb_image_prepare(struct kmb_guest_image *img, const char *kernel, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	errno = 0;
	if (arch_setup(img, err, errlen) || find_kernel(img, kernel, err, errlen))
		return -1;
	return build_initrd(img, err, errlen);
}
