#!/bin/sh
# Runs every unit test program (build/tests/test_*) and integration script
# (tests/integration/test_*.sh), counts PASS/FAIL/SKIP lines, lists the skipped checks
# with their reasons, and ends with the single line "N passed, N failed, N skipped".
# Arguments, if any, are name filters (substrings). NF_BUILD names the build folder
# (build; build-sanitize for make SANITIZE=...). Logs go to $NF_BUILD/test-logs/.
cd "$(dirname "$0")/.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_orte_base_help_aggregate=0 # see tests/integration/lib.sh
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export HWLOC_HIDE_ERRORS=1
NF_BUILD=${NF_BUILD:-build}
export NF_BUILD
export NANOFORGE=${NANOFORGE:-$PWD/bin/nanoforge}
logs=$NF_BUILD/test-logs
mkdir -p "$logs"
passed=0
failed=0
skipped=0
skip_list=$logs/skipped.txt
: > "$skip_list"
selected() {
  [ $# -eq 0 ] && return 0
  for f in $FILTERS; do case "$1" in *"$f"*) return 0 ;; esac; done
  return 1
}
FILTERS="$*"
run_one() { # name command...
  name=$1; shift
  log="$logs/$name$log_suffix.log" # integration logs end .sh.log: some share a unit test's name
  start=$(date +%s)
  "$@" > "$log" 2>&1
  status=$?
  end=$(date +%s)
  p=$(grep -a -c '^PASS ' "$log")
  f=$(grep -a -c '^FAIL ' "$log")
  s=$(grep -a -c '^SKIP ' "$log")
  grep -a '^SKIP ' "$log" >> "$skip_list"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL $name: exited with status $status and no FAIL line (see $log)" >> "$log"
    f=1
  fi
  grep -a '^FAIL ' "$log"
  printf '%-40s %4d passed %3d failed %3d skipped %4ds\n' "$name" "$p" "$f" "$s" "$((end - start))"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
}
for t in "$NF_BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if [ -n "$FILTERS" ]; then selected "$name" $FILTERS || continue; fi
  run_one "$name" "$t"
done
log_suffix=.sh
for t in tests/integration/test_*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  if [ -n "$FILTERS" ]; then selected "$name" $FILTERS || continue; fi
  run_one "$name" sh "$t"
done
if [ "$skipped" -gt 0 ]; then
  echo "skipped:"
  sed 's/^SKIP /  /' "$skip_list"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
