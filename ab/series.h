/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kernel A/B series: kernel-patches/<name>/series, one directive a line.
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   0001-mm-change.patch        a patch file of the series folder (quilt style)
 *   patch 0002-more.patch       the same, spelled out
 *   revert <commit>             git revert of a commit (git trees only)
 *   pick <commit>               git cherry-pick of a commit (git trees only)
 *   cmdline <param> [<param>..] boot parameters of the patched side
 *   sysctl <key>=<value>        set in the patched guest before the run
 *   filter <regex>              the benchmarks the series is about (the
 *                               default for kmb ab --filter)
 *
 * Patches, reverts and picks apply in the order given. A series of only
 * cmdline/sysctl lines compares settings on one kernel: nothing is built for
 * it. Every error names the file and the line.
 */
#ifndef KMB_AB_SERIES_H
#define KMB_AB_SERIES_H

#include <stdbool.h>
#include <stddef.h>

#define KMB_AB_MAX_STEPS 256
#define KMB_AB_MAX_PARAMS 64
#define KMB_AB_MAX_SYSCTLS 64

enum kmb_ab_step_kind { KMB_AB_PATCH, KMB_AB_REVERT, KMB_AB_PICK };

struct kmb_ab_step {
	enum kmb_ab_step_kind kind;
	int line;		/* line in the series file, for messages */
	char arg[4096];		/* PATCH: absolute path; REVERT/PICK: the commit */
	char name[256];		/* PATCH: the file name as written; else the commit */
};

struct kmb_ab_sysctl {
	int line;
	char key[256];		/* as written: vm.swappiness or vm/swappiness */
	char value[256];
};

struct kmb_ab_series {
	char name[256];		/* the folder's name */
	char dir[4096];		/* absolute path of the folder */
	char file[4200];	/* its series file */
	struct kmb_ab_step steps[KMB_AB_MAX_STEPS];
	int nsteps;
	char params[KMB_AB_MAX_PARAMS][256];	/* cmdline parameters, in order */
	int nparams;
	struct kmb_ab_sysctl sysctls[KMB_AB_MAX_SYSCTLS];
	int nsysctls;
	char filter[1024];	/* "" when the series names none */
};

/*
 * Load a series: spec is a folder path (it contains a '/', or is "." / "..")
 * or a name looked up under root (kernel-patches/). Returns 0, or -1 with a
 * one-line reason in err naming the file and line ("…/series:3: …").
 */
int kmb_ab_series_load(const char *spec, const char *root, struct kmb_ab_series *s, char *err,
		       size_t errlen);

/* Parse series text as if read from file (in folder dir); for tests and load. */
int kmb_ab_series_parse(const char *text, size_t len, const char *file, const char *dir,
			struct kmb_ab_series *s, char *err, size_t errlen);

/* true if the series changes the kernel (patches, reverts, picks). */
bool kmb_ab_series_builds(const struct kmb_ab_series *s);

/* true if it has a revert or pick (needs a git tree); *line gets the first. */
bool kmb_ab_series_needs_git(const struct kmb_ab_series *s, int *line);

/* The cmdline parameters joined by single spaces into buf. */
void kmb_ab_series_cmdline(const struct kmb_ab_series *s, char *buf, size_t len);

#endif
