// SPDX-License-Identifier: GPL-2.0-only
/* kmb ab: options (the work is in ab.c). */
#include "ab.h"
#include "cli.h"
#include "util.h"

#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ab_usage(void)
{
	printf("usage: kmb ab --series NAME|DIR [OPTIONS]\n\n"
	       "A kernel A/B: build the base and the patched kernel (or take one kernel for a\n"
	       "series of boot parameters and sysctls), boot each under QEMU with kmb in the\n"
	       "initramfs, run kmb bench inside, bring both runs out and compare them.\n"
	       "Writes <results>/ab/<id>/: ab.json, base/ and patched/ (run directories),\n"
	       "logs/, config-{base,patched} and report.{txt,md,html,json}.\n\n"
	       "Series and kernel:\n"
	       "  -S, --series NAME|DIR  a series shipped (in kernel-series, kmb --paths), or\n"
	       "                         a folder with a series file\n"
	       "  -t, --tree DIR         kernel source: a git tree (its HEAD) or a source\n"
	       "                         directory (default: Debian's linux-source package,\n"
	       "                         unpacked into the cache; scripts/setup --with-kernel)\n"
	       "      --base REV         git trees: the base commit (default HEAD)\n"
	       "  -k, --kernel FILE      series of cmdline/sysctl lines only: boot FILE on both\n"
	       "                         sides (default: Debian's kernel, fetched and cached)\n"
	       "  -a, --arch ARCH        x86_64 or s390x (default: the host's); s390x is\n"
	       "                         cross-built and booted in qemu-system-s390x\n"
	       "      --config BASE      tinyconfig (default) or defconfig, then\n"
	       "                         kmb's fragments (kernel-configs) merged over it\n"
	       "      --config-fragment FILE  another fragment merged last (repeatable)\n"
	       "  -j, --jobs N           make -jN (default: online CPUs)\n"
	       "      --nice N           niceness of the kernel builds (default 10)\n"
	       "      --apply-only DIR   apply the series to a copy of the tree at DIR and stop\n\n"
	       "Benchmarks (kmb bench in each guest):\n"
	       "  -f, --filter REGEX     default: the series' filter line, else\n"
	       "                         '^(zeropage|thp|reference)/'\n"
	       "  -s, --size LIST        default 64M\n"
	       "  -r, --repetitions N    default 5\n"
	       "      --label-base NAME, --label-patched NAME\n"
	       "                         run labels (default: base, and the series name)\n\n"
	       "Guests:\n"
	       "  -m, --memory SIZE      guest memory (default 1G)\n"
	       "      --smp N            guest CPUs (default 2)\n"
	       "      --accel A          auto (default: KVM if a guest comes up under it,\n"
	       "                         else TCG), kvm or tcg\n"
	       "      --timeout S        one guest run, boot to power-off (default 3600)\n"
	       "      --ready-timeout S  boot to the guest's /init (default 600)\n"
	       "      --guest-kmb FILE   kmb built for the guest's arch (default: this one,\n"
	       "                         or for s390x a cached cross build of the sources:\n"
	       "                         the build tree's, or $KMB_SRCDIR)\n\n"
	       "Output:\n"
	       "  -R, --results DIR      results tree (default $KMB_RESULTS or ./results)\n"
	       "  -o, --out DIR          write the A/B into DIR (new or empty) instead\n"
	       "      --keep-work        keep the scratch tree and build (work/)\n"
	       "  -v, --verbose          show every line kmb bench prints in the guests\n"
	       "  -h, --help             this help\n\n"
	       "A series of cmdline/sysctl lines runs kmb bench --keep-knobs on both sides:\n"
	       "a benchmark that would have to change a THP/KSM knob is skipped there.\n"
	       "Exit status: 0 nothing regressed, 1 a regression (or a benchmark that failed\n"
	       "on the patched side only), 2 an error (build, boot, transfer, compare).\n");
}

enum {
	OPT_BASE = 256,
	OPT_CONFIG,
	OPT_FRAGMENT,
	OPT_NICE,
	OPT_APPLY_ONLY,
	OPT_LABEL_BASE,
	OPT_LABEL_PATCHED,
	OPT_SMP,
	OPT_ACCEL,
	OPT_TIMEOUT,
	OPT_READY_TIMEOUT,
	OPT_GUEST_KMB,
	OPT_KEEP_WORK,
};

static int parse_int(const char *opt, const char *text, long min, long max, long *out)
{
	if (kmb_parse_uint(text, min, max, out))
		return cli_usage_error("invalid %s '%s': expected %ld..%ld", opt, text, min, max);
	return 0;
}

static bool valid_label(const char *s)
{
	json_t *utf8 = json_string(s);

	json_decref(utf8);
	return utf8 && *s && strlen(s) <= 200 && !strpbrk(s, "\n\r\t");
}

static int parse_args(int argc, char **argv, struct kmb_ab_opts *o)
{
	static const struct option longopts[] = {
		{ "series", required_argument, NULL, 'S' },
		{ "tree", required_argument, NULL, 't' },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "kernel", required_argument, NULL, 'k' },
		{ "arch", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "config-fragment", required_argument, NULL, OPT_FRAGMENT },
		{ "jobs", required_argument, NULL, 'j' },
		{ "nice", required_argument, NULL, OPT_NICE },
		{ "apply-only", required_argument, NULL, OPT_APPLY_ONLY },
		{ "filter", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "label-base", required_argument, NULL, OPT_LABEL_BASE },
		{ "label-patched", required_argument, NULL, OPT_LABEL_PATCHED },
		{ "memory", required_argument, NULL, 'm' },
		{ "smp", required_argument, NULL, OPT_SMP },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT },
		{ "guest-kmb", required_argument, NULL, OPT_GUEST_KMB },
		{ "results", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep-work", no_argument, NULL, OPT_KEEP_WORK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t sizes[16], mem;
	char err[256];
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":S:t:k:a:j:f:s:r:m:R:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o->series = optarg;
			break;
		case 't':
			o->tree = optarg;
			break;
		case OPT_BASE:
			o->base_rev = optarg;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'a':
			o->arch = optarg;
			break;
		case OPT_CONFIG:
			if (strcmp(optarg, "tinyconfig") && strcmp(optarg, "defconfig"))
				return cli_usage_error("--config: tinyconfig or defconfig, not '%s'",
						       optarg);
			o->base_config = optarg;
			break;
		case OPT_FRAGMENT:
			if (o->nfragments == KMB_AB_MAX_FRAGMENTS - 4)
				return cli_usage_error("too many --config-fragment");
			if (access(optarg, R_OK))
				return cli_usage_error("--config-fragment %s: not readable", optarg);
			o->fragments[o->nfragments++] = optarg;
			break;
		case 'j':
			if (parse_int("--jobs", optarg, 1, 1024, &v))
				return KMB_EXIT_USAGE;
			o->jobs = (int)v;
			break;
		case OPT_NICE:
			if (parse_int("--nice", optarg, 0, 19, &v))
				return KMB_EXIT_USAGE;
			o->nice = (int)v;
			break;
		case OPT_APPLY_ONLY:
			o->apply_only = optarg;
			break;
		case 'f': {
			regex_t re;

			if (regcomp(&re, optarg, REG_EXTENDED | REG_NOSUB))
				return cli_usage_error("invalid filter '%s'", optarg);
			regfree(&re);
			o->filter = optarg;
			break;
		}
		case 's':
			if (kmb_parse_size_list(optarg, sizes, 16, err, sizeof(err)) < 0)
				return cli_usage_error("%s", err);
			o->sizes = optarg;
			break;
		case 'r':
			if (parse_int("--repetitions", optarg, 1, 1000, &o->repetitions))
				return KMB_EXIT_USAGE;
			break;
		case OPT_LABEL_BASE:
		case OPT_LABEL_PATCHED:
			if (!valid_label(optarg))
				return cli_usage_error("invalid label '%s': 1 to 200 characters of "
						       "UTF-8 on one line", optarg);
			*(c == OPT_LABEL_BASE ? &o->label_base : &o->label_patched) = optarg;
			break;
		case 'm':
			if (kmb_parse_size(optarg, &mem, err, sizeof(err)))
				return cli_usage_error("%s", err);
			if (mem < 256 * KMB_MIB || mem > 1024 * KMB_GIB)
				return cli_usage_error("--memory %s: 256M to 1T", optarg);
			o->memory_mib = (unsigned long)(mem >> 20);
			break;
		case OPT_SMP:
			if (parse_int("--smp", optarg, 1, 64, &v))
				return KMB_EXIT_USAGE;
			o->smp = (int)v;
			break;
		case OPT_ACCEL:
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg"))
				return cli_usage_error("--accel: auto, kvm or tcg, not '%s'", optarg);
			o->accel = optarg;
			break;
		case OPT_TIMEOUT:
		case OPT_READY_TIMEOUT:
			if (parse_int(c == OPT_TIMEOUT ? "--timeout" : "--ready-timeout", optarg, 10,
				      7 * 24 * 3600, &v))
				return KMB_EXIT_USAGE;
			*(c == OPT_TIMEOUT ? &o->timeout_s : &o->ready_timeout_s) = (int)v;
			break;
		case OPT_GUEST_KMB:
			o->guest_kmb = optarg;
			break;
		case 'R':
			o->results = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_KEEP_WORK:
			o->keep_work = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			ab_usage();
			exit(KMB_EXIT_OK);
		default:
			return cli_getopt_error(c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->series)
		return cli_usage_error("--series NAME is required (the series shipped are in "
				       "kernel-series of kmb --paths)");
	return 0;
}

int cmd_ab(int argc, char **argv)
{
	struct kmb_ab_opts o = {
		.repetitions = 5,
		.label_base = "base",
		.memory_mib = 1024,
		.smp = 2,
		.nice = 10,
		.timeout_s = 3600,
		.ready_timeout_s = 600,
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return ret;
	if (!o.jobs)
		o.jobs = cpus > 0 ? (int)cpus : 1;
	return kmb_ab_main(&o);
}
