#!/bin/sh
# test_fuzz.sh — the fuzz harnesses in `make check`: when clang and its libFuzzer runtime
# are installed, build them (make fuzz-build, into build-fuzz/), replay every saved crash
# (tests/data/fuzz_crashes/<target>/, one process per file so each is named) and every
# seed (tests/fuzz/corpus/<target>/), then fuzz each target for NF_FUZZ_SECONDS (5).
# A replay fails on any sanitizer report, leak, timeout or allocation over the limit; the
# short run fails when it finds a new crash (saved under build-fuzz/new_crashes/<target>/).
# Without clang: one "SKIP fuzz_<target>: clang not installed" line per target.
cd "$(dirname "$0")/../.." || exit 1
TARGETS=${FUZZ_TARGETS:-"cif xyz dm ser tiff_png hdf5 journal model_file distribution options_file"}
why=""
if ! command -v clang >/dev/null 2>&1; then why="clang not installed (make deps installs it)"
elif ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
     clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then
  why="clang's libFuzzer runtime (libclang_rt.fuzzer) not installed (Debian: libclang-rt-14-dev)"
fi
if [ -n "$why" ]; then
  for t in $TARGETS; do echo "SKIP fuzz_$t: $why"; done
  exit 0
fi
. tests/fuzz/fuzz_env.sh
mkdir -p "$FUZZ_BUILD"
if ! nice make -s --no-print-directory fuzz-build > "$FUZZ_BUILD/make-fuzz-build.log" 2>&1; then
  tail -20 "$FUZZ_BUILD/make-fuzz-build.log"
  echo "FAIL fuzz_build: make fuzz-build failed (see $FUZZ_BUILD/make-fuzz-build.log)"
  exit 1
fi
for t in $TARGETS; do
  bin=$FUZZ_BUILD/fuzz/fuzz_$t
  # Saved crashes: each must now be handled (an error is fine, a crash is not).
  for f in tests/data/fuzz_crashes/$t/*; do
    [ -f "$f" ] || continue
    out=$(timeout -k 5 60 "$bin" $FUZZ_LIMITS "$f" 2>&1); st=$?
    if [ $st -eq 0 ]; then echo "PASS fuzz_${t}_replay $(basename "$f")"
    else echo "$out" | grep -a -m 12 -E 'ERROR|SUMMARY|runtime error|#[0-9] '; echo "FAIL fuzz_${t}_replay $(basename "$f"): exit $st"; fi
  done
  # Seeds: one process for the whole folder (-runs=0 runs each input once, then stops).
  n=$(ls tests/fuzz/corpus/$t | wc -l)
  out=$(timeout -k 5 300 "$bin" $FUZZ_LIMITS -runs=0 -artifact_prefix="$FUZZ_BUILD/seed_crash_${t}_" tests/fuzz/corpus/$t 2>&1); st=$?
  if [ $st -eq 0 ] && [ "$n" -gt 0 ]; then echo "PASS fuzz_${t}_seeds: $n seed files"
  else echo "$out" | grep -a -m 12 -E 'ERROR|SUMMARY|runtime error|#[0-9] '; echo "FAIL fuzz_${t}_seeds: exit $st over $n seed files"; fi
  # A short run from the committed seeds with a fixed seed and a fixed number of inputs, so the
  # same tree gives the same run here and in CI (a time limit or a random seed would let CI
  # find a new crash by chance). Long, random runs are `make fuzz`. New inputs and crashes
  # stay in build-fuzz/, not in the tree.
  case $t in hdf5 | model_file | options_file) runs=${FUZZ_RUNS_SLOW:-150} ;; *) runs=${FUZZ_RUNS:-4000} ;; esac
  rm -rf "$FUZZ_BUILD/corpus/$t"
  mkdir -p "$FUZZ_BUILD/corpus/$t" "$FUZZ_BUILD/new_crashes/$t"
  out=$(timeout -k 5 300 nice "$bin" $FUZZ_LIMITS -seed=1 -runs="$runs" -artifact_prefix="$FUZZ_BUILD/new_crashes/$t/" \
    "$FUZZ_BUILD/corpus/$t" tests/fuzz/corpus/$t 2>&1); st=$?
  if [ $st -eq 0 ]; then echo "PASS fuzz_${t}_${runs}_runs: $(echo "$out" | grep -a -o 'Done [0-9]* runs' | tail -1)"
  else echo "$out" | grep -a -m 12 -E 'ERROR|SUMMARY|runtime error|#[0-9] |Test unit written'; echo "FAIL fuzz_${t}_${runs}_runs: exit $st, input saved in $FUZZ_BUILD/new_crashes/$t/"; fi
done
