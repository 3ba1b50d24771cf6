#!/bin/sh
# Scheduler, journal and database under mpirun with a synthetic work function (the test
# program build/tests/test_campaign_scheduler -tool; no physics): identical databases on
# 1-4 ranks and with worker groups; kill -9 of one rank and of the whole job at random
# moments, then a re-run, equal to an uninterrupted run; STOP file and SIGUSR1 give
# exit 3 and resume; a changed plan is refused naming the option.
. tests/integration/lib.sh
TOOL=${TOOL:-$PWD/build/tests/test_campaign_scheduler}
[ -x "$TOOL" ] || { echo "FAIL scheduler_tool: $TOOL not built (make tests-build)"; exit 1; }
# A private copy: other builds may replace the binary while this test runs.
cp "$TOOL" "$WORK/binary" && TOOL="$WORK/binary"
PLAN="-structures 16 -conditions 2 -size 16 -seed 4"

same_db() { # name a.h5 b.h5
  st=0
  for object in /data/images/data /data/masks/data /metadata/structure_id /metadata/condition_index /metadata/half_unit /metadata/hundred_unit_plus_condition /metadata/structures/half_unit; do
    h5diff -q "$2" "$3" "$object" "$object" > /dev/null 2>&1 || { echo "differs: $object"; st=1; }
  done
  _record $st "$1" "$2 and $3 differ"
}

# Random delay in [lo, hi] seconds (tenths), from /dev/urandom: a different moment each run.
random_delay() { awk -v lo="$1" -v hi="$2" -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.1f", lo + (hi - lo) * (r % 1000) / 999 }'; }

# Kill -9 the ranks (children of our mpirun) and mpirun itself.
kill_job() { # mpirun-pid [only-one-rank]
  children=$(ps -o pid= --ppid "$1")
  if [ -n "$2" ]; then set -- "$1" "$(echo $children | awk '{print $NF}')"; kill -9 $2 2>/dev/null
  else for c in $children; do kill -9 "$c" 2>/dev/null; done; kill -9 "$1" 2>/dev/null; fi
}

check "reference run on 1 rank" $MPIRUN -n 1 "$TOOL" -tool -o "$WORK/r1.h5" $PLAN
for n in 2 3 4; do
  check "run on $n ranks" $MPIRUN -n $n "$TOOL" -tool -o "$WORK/r$n.h5" $PLAN
  same_db "$n ranks equal 1 rank bit for bit" "$WORK/r1.h5" "$WORK/r$n.h5"
done
check "run on 4 ranks in groups of 2" $MPIRUN -n 4 "$TOOL" -tool -o "$WORK/g2.h5" $PLAN -sim_ranks 2
same_db "groups of 2 equal 1 rank" "$WORK/r1.h5" "$WORK/g2.h5"
check_error "sim_ranks must divide the ranks" "sim_ranks: 2 does not divide the 3 ranks" $MPIRUN -n 3 "$TOOL" -tool -o "$WORK/bad.h5" $PLAN -sim_ranks 2

# A finished campaign changes nothing.
before=$(md5sum < "$WORK/r2.h5")
check_output "finished campaign: nothing to do" "already complete; nothing to do" $MPIRUN -n 2 "$TOOL" -tool -o "$WORK/r2.h5" $PLAN
check_true "finished campaign file unchanged" "r2.h5 changed" [ "$before" = "$(md5sum < "$WORK/r2.h5")" ]

# Changed plan refused, naming the option; -fresh accepted.
check_error "changed seed refused" "-seed: was 4, now 5" $MPIRUN -n 2 "$TOOL" -tool -o "$WORK/r2.h5" -structures 16 -conditions 2 -size 16 -seed 5
check_error "changed count refused" "-structures: was 16, now 17" $MPIRUN -n 2 "$TOOL" -tool -o "$WORK/r2.h5" -structures 17 -conditions 2 -size 16 -seed 4

# kill -9 of the whole job, then of one rank, at random moments; re-run; compare.
for victim in job one; do
  db="$WORK/kill_$victim.h5"
  $MPIRUN -n 3 "$TOOL" -tool -o "$db" $PLAN -unit_seconds 0.25 > "$WORK/kill_$victim.log" 2>&1 &
  pid=$!
  delay=$(random_delay 0.8 2.0)
  sleep "$delay"
  if [ "$victim" = job ]; then kill_job $pid; else kill_job $pid one; fi
  wait $pid 2>/dev/null
  sleep 0.3
  done_lines=$(grep -c '^U ' "$db.journal" 2>/dev/null || echo 0)
  echo "kill -9 ($victim) after ${delay}s: $done_lines of 16 units journaled"
  check_output "re-run after kill -9 ($victim) continues" "already complete" $MPIRUN -n 2 "$TOOL" -tool -o "$db" $PLAN
  same_db "killed ($victim) and resumed equals uninterrupted" "$WORK/r1.h5" "$db"
done

# STOP file: exit 3 with units left, then resume to the same database.
db="$WORK/stop.h5"
$MPIRUN -n 2 "$TOOL" -tool -o "$db" $PLAN -unit_seconds 0.2 -stop_file "$WORK/STOP" > "$WORK/stop.log" 2>&1 &
pid=$!
sleep 1.2
touch "$WORK/STOP"
wait $pid; st=$?
check_true "STOP file gives exit 3" "exit status $st" [ $st -eq 3 ]
n=$(grep -c '^U ' "$db.journal")
check_true "STOP leaves units to do" "journal has $n of 16" [ "$n" -lt 16 ] && [ "$n" -gt 0 ]
rm -f "$WORK/STOP"
check "resume after STOP" $MPIRUN -n 2 "$TOOL" -tool -o "$db" $PLAN -stop_file "$WORK/STOP"
same_db "stopped and resumed equals uninterrupted" "$WORK/r1.h5" "$db"

# SIGUSR1 to mpirun (forwarded to the ranks, as a batch system signals job steps).
db="$WORK/usr1.h5"
$MPIRUN -n 2 "$TOOL" -tool -o "$db" $PLAN -unit_seconds 0.2 > "$WORK/usr1.log" 2>&1 &
pid=$!
# Signal once the first unit is journaled (the ranks have their handler by then): a fixed
# sleep raced the start of MPI on a loaded machine (exit 138, killed by the signal itself).
for i in $(seq 100); do grep -q '^U ' "$db.journal" 2>/dev/null && break; sleep 0.1; done
kill -USR1 $pid
wait $pid; st=$?
check_true "SIGUSR1 gives exit 3" "exit status $st: $(tail -3 "$WORK/usr1.log")" [ $st -eq 3 ]
check "resume after SIGUSR1" $MPIRUN -n 2 "$TOOL" -tool -o "$db" $PLAN
same_db "signalled and resumed equals uninterrupted" "$WORK/r1.h5" "$db"
