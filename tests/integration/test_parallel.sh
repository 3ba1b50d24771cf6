#!/bin/sh
# test_parallel.sh — the parallel module's reductions and broadcasts on 3 ranks (the checks are
# inside build/tests/test_parallel, whose expected values depend on the rank count; on 1 rank a
# sum and a max agree, so only this run can tell them apart). Every rank must pass every case.
. tests/integration/lib.sh
TEST=${NF_BUILD:-build}/tests/test_parallel
out=$(_limited $MPIRUN -np 3 "$TEST" 2>&1); st=$?
[ $st -eq 0 ] || echo "$out" | tail -20
_record $st "parallel_3_ranks_exit_status" "exit status $st from mpirun -np 3 $TEST"
for case in test_rank_queries test_int64_counters test_double_sums test_logical test_broadcasts test_broadcast_too_long; do
  n=$(echo "$out" | grep -c "^PASS $case\$")
  check_true "parallel_3_ranks_$case" "$case passed on $n of 3 ranks" [ "$n" -eq 3 ]
done
