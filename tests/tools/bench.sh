#!/bin/sh
# make bench: runs every benchmark program (build/bench/bench_*) and script
# (tests/bench/bench_*.sh) and keeps their output in build/bench-logs/. Figures in
# docs/performance.md quote these outputs with the command that produced them.
# Benchmarks measure ratios within one run: these machines are shared and noisy.
cd "$(dirname "$0")/../.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
mkdir -p build/bench-logs
status=0
for b in build/bench/bench_* tests/bench/bench_*.sh; do
  [ -f "$b" ] || continue
  name=$(basename "$b" .sh)
  echo "=== $name ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)"
  case "$b" in
    *.sh) sh "$b" ;;
    *) "$b" ;;
  esac 2>&1 | tee "build/bench-logs/$name.log"
  [ "$?" -eq 0 ] || status=1
done
exit $status
