/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stress scenarios: INI files (parsed with libinih) that say which guest to
 * boot, how to balloon it, what host pressure to apply, how to migrate it,
 * which faults to inject and which invariants must hold. See
 * stress/scenarios/README.md for the format.
 */
#ifndef KMB_SCENARIO_H
#define KMB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define KMB_MAX_STEPS 8
/* host.stress_ng: at most this many arguments (stress-ng's argv has 64 slots). */
#define KMB_STRESS_NG_MAX_ARGS 56

enum kmb_backend { KMB_BACKEND_ANONYMOUS, KMB_BACKEND_MEMFD, KMB_BACKEND_HUGETLB };

enum kmb_mig_mode {
	KMB_MIG_NONE,
	KMB_MIG_PRECOPY,
	KMB_MIG_POSTCOPY,		/* switch to postcopy after N precopy passes */
	KMB_MIG_POSTCOPY_RECOVER,	/* postcopy, pause it, recover over a new socket */
};

/* When a balloon step or a fault happens. */
enum kmb_phase {
	KMB_PHASE_BEFORE,	/* after boot and fill, before migration starts */
	KMB_PHASE_PRECOPY,	/* while precopy runs */
	KMB_PHASE_POSTCOPY,	/* once postcopy is active */
	KMB_PHASE_AFTER,	/* after migration completed, on the destination */
};

struct kmb_balloon_step {
	enum kmb_phase when;
	double delay_s;		/* after the phase starts */
	uint64_t target;	/* guest memory left after the step, bytes (0: use pct) */
	double target_pct;	/* of guest memory, when target == 0 */
};

enum kmb_side { KMB_SIDE_SOURCE, KMB_SIDE_DESTINATION };

enum kmb_fault_kind {
	KMB_FAULT_KILL,	/* SIGKILL the QEMU */
	KMB_FAULT_STOP,	/* SIGSTOP it: a QEMU that stops answering (SIGCONT at teardown) */
};

struct kmb_fault {
	enum kmb_fault_kind kind;
	enum kmb_side side;
	enum kmb_phase when;
	double delay_s;
};

enum kmb_terminal {
	KMB_TERM_COMPLETED,
	KMB_TERM_FAILED,
	KMB_TERM_POSTCOPY_PAUSED,
	KMB_TERM_FAILED_OR_PAUSED,
	KMB_TERM_HANG,		/* the migration must be reported as hung */
};

struct kmb_scenario {
	char path[4096];
	char name[64];
	char description[256];
	struct {
		uint64_t memory;	/* bytes */
		int vcpus;
		enum kmb_backend backend;
		uint64_t fill;		/* bytes of seeded pattern written by the agent */
		uint64_t zero;		/* bytes the agent maps zero-filled */
		uint64_t dirty_rate;	/* bytes/s rewritten while migrating, 0 = none */
		uint32_t seed;
	} guest;
	struct kmb_balloon_step balloon[KMB_MAX_STEPS];
	int nballoon;
	struct {
		uint64_t memcg_limit_source;	/* 0 = no memory cgroup */
		uint64_t memcg_limit_destination;
		char stress_ng[512];		/* stress-ng arguments, "" = none */
		enum kmb_phase stress_when;	/* stress-ng starts at this phase */
		uint64_t memcg_limit_stress;	/* limit of the stress-ng sibling group */
	} host;
	struct {
		enum kmb_mig_mode mode;
		int postcopy_after_passes;
		uint64_t bandwidth;		/* bytes/s, 0 = QEMU default */
		uint64_t downtime_limit_ms;
		double pause_after_s;		/* recover: pause this long into postcopy */
	} migration;
	struct kmb_fault faults[KMB_MAX_STEPS];
	int nfaults;
	struct {
		double boot_s;
		double migration_s;
		double hang_s;		/* no postcopy progress this long = hang */
		double total_s;
	} timeouts;
	struct {
		enum kmb_terminal terminal;
		bool verify_memory;
		uint64_t source_rss_growth_max;	/* bytes, 0 = unchecked */
		/*
		 * Inflated memory is never allocated: each QEMU's peak RSS stays
		 * within its measured overhead + what the guest populated + slack.
		 */
		bool inflated_unallocated;
		uint64_t source_rss_slack;
		uint64_t destination_rss_slack;
		bool balloon_equal;
		bool oom_kill_expected;
		bool host_clean;
	} invariants;
};

/* Defaults every scenario starts from (documented in the README). */
void kmb_scenario_defaults(struct kmb_scenario *s);

/*
 * Parse and validate a scenario file. Returns 0, or -1 with one line in err:
 * "<file>:<line>: unknown key 'x' in [guest]", "<file>:<line>: invalid size
 * '12Q' for guest.memory", "<file>: guest.fill + guest.zero exceed guest.memory".
 */
int kmb_scenario_load(const char *path, struct kmb_scenario *s, char *err, size_t errlen);

/*
 * Resolve NAME (a file path, or a name in dir: dir/NAME.ini) into path.
 * Returns 0, or -1 with err.
 */
int kmb_scenario_resolve(const char *name, const char *dir, char *path, size_t len, char *err,
			 size_t errlen);

/* What a balloon step leaves in the guest, in bytes (a size, or a share of guest.memory). */
uint64_t kmb_balloon_step_bytes(const struct kmb_scenario *s, const struct kmb_balloon_step *b);

/* The scenario with every key resolved (defaults included), as JSON (new reference). */
json_t *kmb_scenario_json(const struct kmb_scenario *s);

/*
 * The scenario names in dir (its *.ini files without ".ini"), sorted; a
 * NULL-terminated array to release with kmb_scenario_names_free. NULL with
 * errno set when dir cannot be read.
 */
char **kmb_scenario_names(const char *dir);
void kmb_scenario_names_free(char **names);

const char *kmb_phase_name(enum kmb_phase phase);
const char *kmb_side_name(enum kmb_side side);
const char *kmb_fault_kind_name(enum kmb_fault_kind kind);
const char *kmb_mig_mode_name(enum kmb_mig_mode mode);
const char *kmb_backend_name(enum kmb_backend backend);
const char *kmb_terminal_name(enum kmb_terminal terminal);

#endif
