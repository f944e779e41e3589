# Shared helpers for the shell tests (sourced). Automake's exit codes:
# 0 pass, 1 fail, 77 skip.
set -u

: "${KMB:?KMB must point at the kmb binary}"
: "${KMB_TEST_TMP:=/tmp}"
PY=/usr/bin/python3

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
skip() {
	echo "SKIP: $*"
	exit 77
}
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	exit 0
}

# A private scratch directory, removed at exit. Without one the test cannot
# run at all: a hard error (99), not a failure of what it tests.
scratch=$(mktemp -d "$KMB_TEST_TMP/$(basename "$0").XXXXXX") || {
	echo "ERROR: cannot create a scratch directory in $KMB_TEST_TMP" >&2
	exit 99
}
# Knob restore records of this test stay out of the real state directory.
export KMB_STATE_DIR="$scratch/state"
cleanup_scratch() { rm -rf "$scratch"; }
trap cleanup_scratch EXIT

# expect_exit CODE CMD...: run CMD, check its exit status; stderr kept in $scratch/err.
expect_exit() {
	local want=$1 got
	shift
	"$@" >"$scratch/out" 2>"$scratch/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "'$*' exited $got, expected $want; stderr (last lines): $(tail -n 15 "$scratch/err")"
		grep -E 'FAILED|failed|error' "$scratch/out" | head -n 20 >&2
		return 1
	fi
	return 0
}

# one_line_error: stderr of the last expect_exit is exactly one line naming $1.
one_line_error() {
	local lines
	lines=$(wc -l <"$scratch/err")
	[ "$lines" -eq 1 ] || fail "expected a one-line error, got $lines lines: $(cat "$scratch/err")"
	grep -q -- "$1" "$scratch/err" || fail "error does not mention '$1': $(cat "$scratch/err")"
}

# uses WHAT: say in the test log what the test relies on and where it runs,
# with the host facts that decide which branch of a test is taken.
uses() {
	local policy
	policy=$("$KMB" env --json 2>/dev/null | "$PY" -c '
import json, sys
print(json.load(sys.stdin).get("zeropage", {}).get("policy", "unknown"))' 2>/dev/null)
	echo "USES: $* (host $(uname -n), kernel $(uname -r), $(uname -m)," \
		"zeropage ${policy:-unknown}, /dev/kvm $([ -e /dev/kvm ] && echo present || echo absent))"
}

# fetched VAR WHAT CMD...: run one of the project's setup scripts and set VAR
# to the last line of its output (a path). Exit 75 means the package archive
# could not be reached: a skip. Any other failure is the script's bug: a
# failure.
fetched() {
	local var=$1 what=$2 rc
	shift 2
	"$@" >"$scratch/fetched.out" 2>"$scratch/fetched.err"
	rc=$?
	case $rc in
	0) printf -v "$var" '%s' "$(tail -n 1 "$scratch/fetched.out")" ;;
	75) skip "cannot fetch $what: $(tail -n 1 "$scratch/fetched.err")" ;;
	*) fail "$* exited $rc: $(tail -n 3 "$scratch/fetched.err")"; finish ;;
	esac
}

# need_stress_parts: what kmb stress needs, checked before it runs, so that a
# failure of the run itself is never taken for a missing part: QEMU for this
# architecture, the cached guest kernel (fetched if missing), the guest agent
# from the build and a memory cgroup controller.
need_stress_parts() {
	local arch qemu
	arch=$(uname -m)
	qemu=qemu-system-$arch
	command -v "$qemu" >/dev/null || skip "$qemu missing (apt-get install qemu-system-x86 or qemu-system-misc)"
	fetched guest_kernel "the guest kernel" "$KMB_TEST_HELPERS/../scripts/fetch-guest-kernel"
	[ -x "$(dirname "$KMB")/stress/guest/kmb-agent" ] ||
		{ fail "no guest agent at $(dirname "$KMB")/stress/guest/kmb-agent (make builds it)"; finish; }
	[ -d /sys/fs/cgroup/memory ] || grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
		skip "no memory cgroup controller (v1 /sys/fs/cgroup/memory or v2 cgroup.controllers)"
}

# py CODE [ARGS]: run a Python check with the system interpreter (json module).
py() {
	local code=$1
	shift
	"$PY" -c "$code" "$@"
}

# Tests that change host knobs and check them take turns (see Makefile.am).
lock_host_knobs() {
	exec 9>"$KMB_TEST_TMP/host-knobs.lock"
	flock 9
}
