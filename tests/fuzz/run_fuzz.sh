#!/bin/sh
# run_fuzz.sh SECONDS TARGET... — `make fuzz`: each harness (built by `make fuzz-build` into
# $FUZZ_BUILD/fuzz/) fuzzes for SECONDS from its seeds (tests/fuzz/corpus/<target>/ plus
# what earlier runs found, kept in $FUZZ_BUILD/corpus/<target>/). It keeps going after a
# crash (libFuzzer's fork mode) and saves every crashing, leaking, hanging or over-allocating
# input in tests/data/fuzz_crashes/<target>/, where the regression replay
# (tests/integration/test_fuzz.sh) runs it from then on. Prints PASS/FAIL per target.
cd "$(dirname "$0")/../.." || exit 1
. tests/fuzz/fuzz_env.sh
seconds=${1:-60}
shift
status=0
for t in "$@"; do
  bin=$FUZZ_BUILD/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "FAIL fuzz_$t: $bin not built (make fuzz-build)"; status=1; continue; }
  mkdir -p "$FUZZ_BUILD/corpus/$t" "tests/data/fuzz_crashes/$t" "$FUZZ_BUILD/logs"
  log=$FUZZ_BUILD/logs/fuzz_$t.log
  before=$(ls "tests/data/fuzz_crashes/$t" | wc -l)
  nice "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 $FUZZ_LIMITS -max_total_time="$seconds" \
    -artifact_prefix="tests/data/fuzz_crashes/$t/" "$FUZZ_BUILD/corpus/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1
  after=$(ls "tests/data/fuzz_crashes/$t" | wc -l)
  # fork mode's status line: "#424: cov: 1030 ft: 1030 corp: 94 exec/s 212 oom/timeout/crash: 0/0/0 ..."
  stats=$(grep -a '^#[0-9]*: cov:' "$log" | tail -1 | awk '{print $1, "inputs,", $3, "edges covered,", $9, "per second"}' | tr -d '#:')
  if [ "$after" -gt "$before" ]; then
    echo "FAIL fuzz_$t: $((after - before)) new input(s) in tests/data/fuzz_crashes/$t/ (log: $log)"
    status=1
  elif grep -q 'ERROR: libFuzzer\|ERROR: AddressSanitizer' "$log" && [ "$after" -eq "$before" ]; then
    echo "FAIL fuzz_$t: the fuzzer stopped with an error and saved nothing (log: $log)"
    status=1
  else
    echo "PASS fuzz_$t: ${seconds}s, $stats, corpus $(ls "$FUZZ_BUILD/corpus/$t" | wc -l) files"
  fi
done
exit $status
