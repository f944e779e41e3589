// SPDX-License-Identifier: GPL-2.0-only
#include "arch.h"

#include <string.h>
#include <sys/utsname.h>

static const char *const s390x_modules[] = { "virtio_console", NULL };
static const char *const no_modules[] = { NULL };

static struct kmb_ab_arch arches[] = {
	{
		.name = "x86_64",
		.karch = "x86",
		.cross = "x86_64-linux-gnu-",
		.target = "bzImage",
		.image = "arch/x86/boot/bzImage",
		.qemu = "qemu-system-x86_64",
		.qemu_package = "qemu-system-x86",
		.machine = "q35",
		.console = "ttyS0",
		/* The second 8250 port: built into Debian's kernels and into tinyconfig's. */
		.xfer_dev = "/dev/ttyS1",
		.modules = no_modules,
		.fragment = "x86_64.config",
	},
	{
		.name = "s390x",
		.karch = "s390",
		.cross = "s390x-linux-gnu-",
		.target = "bzImage",
		.image = "arch/s390/boot/bzImage",
		.qemu = "qemu-system-s390x",
		.qemu_package = "qemu-system-misc",
		.machine = "s390-ccw-virtio",
		.console = "ttysclp0",
		/* SCLP has one console: the results take a virtio console port. */
		.xfer_dev = "/dev/hvc0",
		.modules = s390x_modules,
		.fragment = "s390x.config",
	},
};

const struct kmb_ab_arch *kmb_ab_arch_get(const char *name)
{
	struct utsname u;
	size_t i;

	uname(&u);
	if (!name)
		name = u.machine;
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (!strcmp(arches[i].name, name)) {
			arches[i].native = !strcmp(u.machine, arches[i].name);
			if (arches[i].native)
				arches[i].cross = "";
			return &arches[i];
		}
	}
	return NULL;
}
