// SPDX-License-Identifier: GPL-2.0-only
/* Reading and checking a kernel A/B series (format: series.h). */
#include "series.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SERIES_BYTES (1024 * 1024)
#define MAX_PATCH_BYTES (64 * 1024 * 1024)
#define MAX_LINE 4096

struct parser {
	struct kmb_ab_series *s;
	const char *file;
	int line;
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->file, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
	return -1;
}

/* Read a small regular file (no FIFO, no device, no huge file) into a buffer. */
static char *read_bounded(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(why, whylen, "too large (%lld bytes, at most %zu)", (long long)st.st_size,
			 max);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || kmb_read_all(fd, buf, (size_t)st.st_size)) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno ? errno : EIO));
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

static bool looks_like_patch(const char *text)
{
	bool minus = !strncmp(text, "--- ", 4) || strstr(text, "\n--- ");
	bool plus = !strncmp(text, "+++ ", 4) || strstr(text, "\n+++ ");

	return (minus && plus) || strstr(text, "GIT binary patch");
}

static int add_patch(struct parser *p, const char *name)
{
	struct kmb_ab_series *s = p->s;
	struct kmb_ab_step *st;
	char path[PATH_MAX + 8], real[PATH_MAX], why[160];
	size_t dirlen = strlen(s->dir), len;
	char *text;

	if (name[0] == '/' || name[0] == '-' || !strcmp(name, "..") || !strncmp(name, "../", 3) ||
	    strstr(name, "/../") || (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
		return perr(p, "patch '%s': must be a file inside the series folder", name);
	if (s->nsteps == KMB_AB_MAX_STEPS)
		return perr(p, "more than %d patches, reverts and picks", KMB_AB_MAX_STEPS);
	if (strlen(name) >= sizeof(st->name) ||
	    snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return perr(p, "patch '%.64s...': name too long", name);
	if (!realpath(path, real))
		return perr(p, "patch %s: %s", name, strerror(errno));
	/* A symlink may not lead out of the folder. */
	if (strncmp(real, s->dir, dirlen) || real[dirlen] != '/')
		return perr(p, "patch %s: resolves to %s, outside the series folder", name, real);
	text = read_bounded(real, MAX_PATCH_BYTES, &len, why, sizeof(why));
	if (!text)
		return perr(p, "patch %s: %s", name, why);
	if (len == 0 || strlen(text) != len || !looks_like_patch(text)) {
		free(text);
		return perr(p, "patch %s: does not look like a patch (no '--- '/'+++ ' lines)",
			    name);
	}
	free(text);
	st = &s->steps[s->nsteps++];
	st->kind = KMB_AB_PATCH;
	st->line = p->line;
	snprintf(st->arg, sizeof(st->arg), "%s", real);
	snprintf(st->name, sizeof(st->name), "%s", name);
	return 0;
}

/* A commit-ish for git: no option look-alike, no spaces, nothing a shell would expand. */
static bool valid_commit(const char *c)
{
	size_t i, n = strlen(c);

	if (n == 0 || n > 200 || !isalnum((unsigned char)c[0]))
		return false;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)c[i]) && !strchr("._/^~-", c[i]))
			return false;
	}
	return !strstr(c, "..");
}

static int add_commit(struct parser *p, enum kmb_ab_step_kind kind, const char *word,
		      const char *args)
{
	struct kmb_ab_step *st;

	if (!*args)
		return perr(p, "'%s' needs a commit", word);
	if (strpbrk(args, " \t"))
		return perr(p, "'%s' takes one commit, got '%s'", word, args);
	if (!valid_commit(args))
		return perr(p, "'%s': '%s' is not a commit id or ref name", word, args);
	if (p->s->nsteps == KMB_AB_MAX_STEPS)
		return perr(p, "more than %d patches, reverts and picks", KMB_AB_MAX_STEPS);
	st = &p->s->steps[p->s->nsteps++];
	st->kind = kind;
	st->line = p->line;
	snprintf(st->arg, sizeof(st->arg), "%s", args);
	snprintf(st->name, sizeof(st->name), "%s", args);
	return 0;
}

/* Boot parameters kmb ab sets itself: a series may not take them over. */
static const char *const reserved_params[] = { "console=", "init=", "rdinit=", "panic=",
					       "initrd=", "kmb." };

static int add_params(struct parser *p, const char *args)
{
	char buf[MAX_LINE], *tok, *save;
	size_t i;

	if (!*args)
		return perr(p, "'cmdline' needs at least one parameter");
	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		for (i = 0; tok[i]; i++) {
			if (tok[i] < 0x21 || tok[i] > 0x7e || tok[i] == '"' || tok[i] == '\'')
				return perr(p, "cmdline parameter '%s': only printable ASCII without "
					       "quotes", tok);
		}
		for (i = 0; i < KMB_ARRAY_SIZE(reserved_params); i++) {
			if (!strncmp(tok, reserved_params[i], strlen(reserved_params[i])))
				return perr(p, "cmdline parameter '%s': kmb ab sets %s* itself", tok,
					    reserved_params[i]);
		}
		if (strlen(tok) >= sizeof(p->s->params[0]))
			return perr(p, "cmdline parameter '%.40s...' too long", tok);
		if (p->s->nparams == KMB_AB_MAX_PARAMS)
			return perr(p, "more than %d cmdline parameters", KMB_AB_MAX_PARAMS);
		snprintf(p->s->params[p->s->nparams++], sizeof(p->s->params[0]), "%s", tok);
	}
	return 0;
}

static int add_sysctl(struct parser *p, const char *args)
{
	const char *eq = strchr(args, '=');
	struct kmb_ab_sysctl *sc;
	size_t klen, i;
	char key[256];

	if (!eq)
		return perr(p, "'sysctl' needs key=value, got '%s'", args);
	klen = (size_t)(eq - args);
	while (klen && isspace((unsigned char)args[klen - 1]))
		klen--;
	if (klen == 0 || klen >= sizeof(key))
		return perr(p, "sysctl: missing or too long key in '%s'", args);
	memcpy(key, args, klen);
	key[klen] = '\0';
	for (i = 0; i < klen; i++) {
		if (!isalnum((unsigned char)key[i]) && !strchr("_.-/", key[i]))
			return perr(p, "sysctl key '%s': only letters, digits and _ . - /", key);
	}
	if (key[0] == '.' || key[0] == '/' || key[0] == '-' || strstr(key, ".."))
		return perr(p, "sysctl key '%s' is not a /proc/sys name", key);
	eq++;
	while (isspace((unsigned char)*eq))
		eq++;
	if (!*eq || strlen(eq) >= sizeof(sc->value))
		return perr(p, "sysctl %s: missing or too long value", key);
	for (i = 0; eq[i]; i++) {
		if ((unsigned char)eq[i] < 0x20 || eq[i] == 0x7f)
			return perr(p, "sysctl %s: control character in the value", key);
	}
	if (p->s->nsysctls == KMB_AB_MAX_SYSCTLS)
		return perr(p, "more than %d sysctl lines", KMB_AB_MAX_SYSCTLS);
	sc = &p->s->sysctls[p->s->nsysctls++];
	sc->line = p->line;
	snprintf(sc->key, sizeof(sc->key), "%s", key);
	snprintf(sc->value, sizeof(sc->value), "%s", eq);
	return 0;
}

static int set_filter(struct parser *p, const char *args)
{
	char msg[128];
	regex_t re;
	int rc;

	if (!*args)
		return perr(p, "'filter' needs a regular expression");
	if (p->s->filter[0])
		return perr(p, "a second 'filter' line (one regular expression per series)");
	if (strlen(args) >= sizeof(p->s->filter))
		return perr(p, "filter too long");
	rc = regcomp(&re, args, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &re, msg, sizeof(msg));
		return perr(p, "filter '%s': %s", args, msg);
	}
	regfree(&re);
	snprintf(p->s->filter, sizeof(p->s->filter), "%s", args);
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *end = line + strlen(line), *args;

	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	while (isspace((unsigned char)*line))
		line++;
	if (!*line || *line == '#')
		return 0;
	args = line + strcspn(line, " \t");
	if (*args) {
		*args++ = '\0';
		while (isspace((unsigned char)*args))
			args++;
	}
	if (!strcmp(line, "patch"))
		return *args ? add_patch(p, args) : perr(p, "'patch' needs a file name");
	if (!strcmp(line, "revert"))
		return add_commit(p, KMB_AB_REVERT, line, args);
	if (!strcmp(line, "pick"))
		return add_commit(p, KMB_AB_PICK, line, args);
	if (!strcmp(line, "cmdline"))
		return add_params(p, args);
	if (!strcmp(line, "sysctl"))
		return add_sysctl(p, args);
	if (!strcmp(line, "filter"))
		return set_filter(p, args);
	if (*args)
		return perr(p, "unknown directive '%s' (expected a patch file name, or patch, "
			       "revert, pick, cmdline, sysctl or filter)",
			    line);
	return add_patch(p, line);
}

int kmb_ab_series_parse(const char *text, size_t len, const char *file, const char *dir,
			struct kmb_ab_series *s, char *err, size_t errlen)
{
	struct parser p = { .s = s, .file = file, .err = err, .errlen = errlen };
	char line[MAX_LINE + 1];
	size_t pos = 0;
	const char *slash;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->file, sizeof(s->file), "%s", file);
	slash = strrchr(dir, '/');
	snprintf(s->name, sizeof(s->name), "%s", slash && slash[1] ? slash + 1 : dir);
	if (memchr(text, '\0', len))
		return perr(&p, "binary data (a NUL byte): not a series file");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p.line++;
		if (n > MAX_LINE)
			return perr(&p, "line longer than %d bytes", MAX_LINE);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(&p, line))
			return -1;
		pos += n + 1;
	}
	p.line = 0;
	if (s->nsteps == 0 && s->nparams == 0 && s->nsysctls == 0)
		return perr(&p, "nothing to compare: no patch, revert, pick, cmdline or sysctl line");
	return 0;
}

static bool valid_name(const char *name)
{
	size_t i;

	if (!name[0] || name[0] == '.' || strlen(name) > 200)
		return false;
	for (i = 0; name[i]; i++) {
		if (!isalnum((unsigned char)name[i]) && !strchr("._-+", name[i]))
			return false;
	}
	return true;
}

int kmb_ab_series_load(const char *spec, const char *root, struct kmb_ab_series *s, char *err,
		       size_t errlen)
{
	char dir[PATH_MAX + 300], real[PATH_MAX], file[PATH_MAX + 16], why[160];
	size_t len;
	char *text;
	int ret;

	if (!spec || !*spec) {
		snprintf(err, errlen, "no series given");
		return -1;
	}
	if (strchr(spec, '/') || !strcmp(spec, ".") || !strcmp(spec, "..")) {
		snprintf(dir, sizeof(dir), "%s", spec);
	} else {
		if (!valid_name(spec)) {
			snprintf(err, errlen, "series name '%s': letters, digits and . _ - + only "
					      "(or give the folder's path)", spec);
			return -1;
		}
		snprintf(dir, sizeof(dir), "%s/%s", root, spec);
	}
	if (!realpath(dir, real)) {
		if (strchr(spec, '/'))
			snprintf(err, errlen, "series %s: %s", dir, strerror(errno));
		else
			snprintf(err, errlen, "series %s: %s (a name is one of the folders in %s)",
				 dir, strerror(errno), root);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/series", real);
	text = read_bounded(file, MAX_SERIES_BYTES, &len, why, sizeof(why));
	if (!text) {
		snprintf(err, errlen, "%s: %s", file, why);
		return -1;
	}
	ret = kmb_ab_series_parse(text, len, file, real, s, err, errlen);
	free(text);
	return ret;
}

bool kmb_ab_series_builds(const struct kmb_ab_series *s)
{
	return s->nsteps > 0;
}

bool kmb_ab_series_needs_git(const struct kmb_ab_series *s, int *line)
{
	int i;

	for (i = 0; i < s->nsteps; i++) {
		if (s->steps[i].kind != KMB_AB_PATCH) {
			if (line)
				*line = s->steps[i].line;
			return true;
		}
	}
	return false;
}

void kmb_ab_series_cmdline(const struct kmb_ab_series *s, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->nparams && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", s->params[i]);
}
