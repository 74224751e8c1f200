#!/bin/sh
# Runs every test against the build in $1 (the sanitizer build from
# `make check`): the cmocka unit tests, then the end-to-end tests inside a
# network namespace of our own (loopback only), and prints the totals.
set -u
build=${1:-build/asan}

# Everything runs in a network namespace of its own when we can make one:
# only loopback exists there, so no test can reach another host (and the
# DNS tests' resolver is the only one there is).
if [ -z "${YUBIN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] &&
    unshare --net true 2>/dev/null; then
	exec unshare --net --mount env YUBIN_NETNS=1 sh -c \
	    'ip link set lo up && exec sh "$0" "$@"' "$0" "$@"
fi
[ -n "${YUBIN_NETNS:-}" ] ||
	echo "check.sh: no network namespace (not root?): running as is"
passed=0
failed=0
# leaks inside libraries (see the file), never yubin's own
# (full stacks, so a suppression sees the library behind libcrypto)
LSAN_OPTIONS="print_suppressions=0:suppressions=$(pwd)/tests/lsan.supp"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$build"/tests/test_*; do
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log")
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$t: crashed (exit $rc)"
		failed=$((failed + 1))
	fi
done

# A short run of every fuzzer (make fuzz runs them longer).
if [ -d build/fuzz/fuzz ]; then
	sh tests/fuzz.sh build/fuzz/fuzz "${FUZZ_SMOKE_SECONDS:-5}" >"$log" 2>&1
	cat "$log"
	line=$(grep '^fuzz: [0-9]* passed' "$log" | tail -1)
	p=$(echo "$line" | sed -n 's/^fuzz: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
fi

# One test file at a time, each bounded: a file that hangs fails loudly
# and the others still run. $1: the programs; the rest: the files.
skipped=0
run_e2e() {
	YUBIN_BIN="$1"
	export YUBIN_BIN
	shift
	for t in "$@"; do
		name=$(basename "$t")
		timeout -k 10 "${E2E_FILE_TIMEOUT:-600}" \
		    /usr/bin/python3 tests/e2e/run.py "$name" >"$log" 2>&1
		rc=$?
		cat "$log"
		line=$(grep '^e2e: ' "$log" | tail -1)
		p=$(echo "$line" | sed -n 's/^e2e: \([0-9]*\) passed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		k=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		skipped=$((skipped + ${k:-0}))
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "e2e: $name: TIMED OUT after ${E2E_FILE_TIMEOUT:-600} s"
			failed=$((failed + 1))
		elif [ "$rc" -ne 0 ] && [ -z "$line" ]; then
			echo "e2e: $name: the runner itself failed (exit $rc)"
			failed=$((failed + 1))
		fi
	done
}
# shellcheck disable=SC2086 # the pattern is a glob
run_e2e "$build/bin" tests/e2e/${E2E_PATTERN:-test_*.py}
# The programs as they are installed (make all: static, laid out by lld)
# through the tests of the servers linked that way: the sanitizer build
# above is linked otherwise.
if [ -z "${E2E_PATTERN:-}" ] && [ "$build" != build ] && [ -d build/bin ]; then
	echo "e2e: the production build (build/bin)"
	run_e2e build/bin tests/e2e/test_smtp.py tests/e2e/test_pop3.py \
	    tests/e2e/test_tls.py tests/e2e/test_finger.py \
	    tests/e2e/test_dkim.py tests/e2e/test_imap.py
fi
echo
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
