#!/bin/sh
# Runs every libFuzzer harness in $1 for $2 seconds on its seeds
# (tests/fuzz/corpus/NAME) and the corpus it grew before (build/fuzz-corpus),
# prints each one's executions and coverage, and exits 1 when any of them
# found a crash, a leak or a sanitizer report (the input is kept as
# build/fuzz-corpus/NAME-crash-*).
set -u
dir=$1
secs=$2
out=${FUZZ_CORPUS:-build/fuzz-corpus}
failed=0
passed=0
for f in "$dir"/fuzz_*; do
	name=$(basename "$f")
	mkdir -p "$out/$name"
	log="$out/$name.log"
	"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$out/$name-" "$out/$name" \
	    "tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $name: ok, ${execs:-?} executions in ${secs}s, ${cov:-cov: ?}"
		passed=$((passed + 1))
	else
		echo "fuzz: $name: FAILED (exit $rc), log in $log"
		grep -A30 'ERROR\|==ERROR\|runtime error\|Assertion' "$log" | head -60
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
