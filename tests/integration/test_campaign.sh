#!/bin/sh
# nanoforge campaign, the real pipeline on tiny cases (64x64 images, 2-4 slices): the same
# database bit for bit on 1, 2, 3 and 4 ranks and after kill -9 (whole job, one rank) +
# re-run, STOP file and SIGUSR1 (exit 3, then resume), a finished campaign unchanged, a
# changed plan refused naming the option, -plan_only, an unwritable folder, bad -image_size.
. tests/integration/lib.sh
# A private copy: other builds may replace the binary while this test runs.
cp "$NANOFORGE" "$WORK/binary" && NANOFORGE="$WORK/binary"
cat > "$WORK/tiny.opts" <<'OPTS'
-structures 8
-conditions 2
-seed 3
-material Au
-shape sphere
-radius uniform:4,6
-rotation random
-twins int:0,1
-support amorphous_carbon
-support_size 16,16,6
-sampling 0.25
-slice_thickness 4
-fp_configs 2
-defocus uniform:-50,50
-cs uniform:-1e4,1e4
-dose uniform:100,1000
-detector_pixel 0.25
-image_size 64
-progress_interval 1
OPTS
# FFTW_MEASURE picks plans by timing, so two separate campaigns agree bit for bit only when
# they share their FFT plans: the first run writes this wisdom file, every later run reads it.
# (Within one campaign, and across its resumes, the plans are shared automatically.)
CAMPAIGN="$NANOFORGE campaign -options_file $WORK/tiny.opts -fftw_wisdom $WORK/shared.wisdom"
OBJECTS="/data/images/data /data/masks/data /metadata/structure_id /metadata/condition_index /metadata/radius /metadata/defocus /metadata/dose /metadata/atoms /metadata/structures/radius"
same_db() { # name a.h5 b.h5
  st=0
  for object in $OBJECTS; do
    h5diff -q "$2" "$3" "$object" "$object" > /dev/null 2>&1 || { echo "differs: $object"; st=1; }
  done
  _record $st "$1" "$2 and $3 differ"
}
random_delay() { awk -v lo="$1" -v hi="$2" -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.1f", lo + (hi - lo) * (r % 1000) / 999 }'; }
kill_job() { # mpirun-pid [one]: kill -9 the ranks we started (children of our mpirun), or one of them
  children=$(ps -o pid= --ppid "$1")
  if [ -n "$2" ]; then kill -9 $(echo $children | awk '{print $NF}') 2>/dev/null
  else for c in $children; do kill -9 "$c" 2>/dev/null; done; kill -9 "$1" 2>/dev/null; fi
}

check_output "-plan_only prints counts and cost" "8 structures x 2 imaging conditions = 16 images of 64x64.*" $CAMPAIGN -o "$WORK/plan.h5" -plan_only
check_true "-plan_only writes nothing" "plan.h5 exists" [ ! -e "$WORK/plan.h5" ]
check_output "reference campaign on 1 rank" "8 of 8 units complete" $MPIRUN -n 1 $CAMPAIGN -o "$WORK/r1.h5"
check_true "EMD version attributes" "h5dump lacks version_major 0 / version_minor 2" sh -c "h5dump -a /version_major '$WORK/r1.h5' | grep -q '(0): 0' && h5dump -a /version_minor '$WORK/r1.h5' | grep -q '(0): 2'"
check_true "emd_group_type 1 on images" "no emd_group_type" sh -c "h5dump -a /data/images/emd_group_type '$WORK/r1.h5' | grep -q '(0): 1'"
check_true "masks hold particle pixels" "no particle pixel in any mask" sh -c "h5dump -d /data/masks/data -y -w 0 '$WORK/r1.h5' | tr ',' '\n' | grep -q '^ *1 *$'"
for n in 2 3 4; do
  check "campaign on $n ranks" $MPIRUN -n $n $CAMPAIGN -o "$WORK/r$n.h5"
  same_db "$n ranks equal 1 rank bit for bit" "$WORK/r1.h5" "$WORK/r$n.h5"
done
check "campaign in one group of 2 ranks (FFTW-MPI)" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/g2.h5" -sim_ranks 2
check_true "groups: masks equal (they depend on atoms only)" "masks differ" h5diff -q "$WORK/r1.h5" "$WORK/g2.h5" /data/masks/data /data/masks/data

before=$(md5sum < "$WORK/r2.h5")
check_output "finished campaign: nothing to do" "already complete; nothing to do" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/r2.h5"
check_true "finished campaign leaves the file unchanged" "r2.h5 changed" [ "$before" = "$(md5sum < "$WORK/r2.h5")" ]
check_error "changed plan refused, naming the option" "-radius: was 'uniform:4,6', now 'uniform:4,7'" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/r2.h5" -radius uniform:4,7
check_error "changed seed refused" "-seed: was 3, now 4" $CAMPAIGN -o "$WORK/r2.h5" -seed 4
check_output "-fresh starts over with the new plan" "0 of 8 units already complete, 8 to do" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/r2.h5" -radius uniform:4,7 -fresh -structures 8
check_error "unwritable folder reported" "Option -o: cannot write ./proc/nanoforge-no-such/db.h5.: folder ./proc/nanoforge-no-such.: No such file or directory" $CAMPAIGN -o /proc/nanoforge-no-such/db.h5
check_error "unwritable folder reported on 2 ranks" "^nanoforge: error: Option -o: cannot write ./proc/nanoforge-no-such/db.h5.: folder ./proc/nanoforge-no-such.: No such file or directory" $MPIRUN -n 2 $CAMPAIGN -o /proc/nanoforge-no-such/db.h5
check_error "image size must be fixed" "-image_size: 'uniform:32,64' is not allowed" $CAMPAIGN -o "$WORK/x.h5" -image_size uniform:32,64
check_error "typo in an option is refused" "no_such_option" $CAMPAIGN -o "$WORK/x.h5" -no_such_option 1

for victim in job one; do
  db="$WORK/kill_$victim.h5"
  $MPIRUN -n 3 $CAMPAIGN -o "$db" > "$WORK/kill_$victim.log" 2>&1 &
  pid=$!
  # Wait for the first finished unit (start-up time varies with load), then a random moment.
  for i in $(seq 1 100); do [ "$(grep -c '^U ' "$db.journal" 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
  delay=$(random_delay 0.0 1.5)
  sleep "$delay"
  kill_job $pid $([ $victim = one ] && echo one)
  wait $pid 2>/dev/null
  sleep 0.3
  echo "kill -9 ($victim) ${delay}s after the first unit: $(grep -c '^U ' "$db.journal" 2>/dev/null) of 8 units journaled"
  check_output "re-run after kill -9 ($victim)" "already complete" $MPIRUN -n 2 $CAMPAIGN -o "$db"
  same_db "killed ($victim) and resumed equals uninterrupted" "$WORK/r1.h5" "$db"
done

# The stop tests need units still to do when the request arrives: a longer plan (more and
# slower units) than the tiny one, with its own uninterrupted reference.
SLOW="-structures 40 -fp_configs 4 -sampling 0.05"
check "uninterrupted reference of the longer plan" $MPIRUN -n 2 $CAMPAIGN $SLOW -o "$WORK/slow.h5"
mkdir -p "$WORK/stopdir"
$MPIRUN -n 2 $CAMPAIGN $SLOW -o "$WORK/stopdir/stop.h5" > "$WORK/stop.log" 2>&1 &
pid=$!
for i in $(seq 1 1000); do [ "$(grep -c '^U ' "$WORK/stopdir/stop.h5.journal" 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
touch "$WORK/stopdir/STOP"
wait $pid; st=$?
check_true "STOP file beside the database gives exit 3" "exit status $st: $(tail -2 "$WORK/stop.log")" [ $st -eq 3 ]
check_true "STOP message says how to continue" "no message" grep -q "rerun the same command to continue" "$WORK/stop.log"
rm -f "$WORK/stopdir/STOP"
check "resume after STOP" $MPIRUN -n 2 $CAMPAIGN $SLOW -o "$WORK/stopdir/stop.h5"
same_db "stopped and resumed equals uninterrupted" "$WORK/slow.h5" "$WORK/stopdir/stop.h5"

$MPIRUN -n 2 $CAMPAIGN $SLOW -o "$WORK/usr1.h5" > "$WORK/usr1.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do [ "$(grep -c '^U ' "$WORK/usr1.h5.journal" 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
kill -USR1 $pid
wait $pid; st=$?
check_true "SIGUSR1 gives exit 3" "exit status $st: $(tail -3 "$WORK/usr1.log")" [ $st -eq 3 ]
check "resume after SIGUSR1" $MPIRUN -n 2 $CAMPAIGN $SLOW -o "$WORK/usr1.h5"
same_db "signalled and resumed equals uninterrupted" "$WORK/slow.h5" "$WORK/usr1.h5"

# -save_atoms: ragged atoms (/data/atoms), same on 1 and 3 ranks and after a stop + resume
# (the resume reopens the atom datasets); offsets agree with the per-structure atom counts.
ATOMS="/data/atoms/positions /data/atoms/atomic_number /data/atoms/atom_class /data/atoms/offsets /data/images/data"
check "campaign -save_atoms on 1 rank" $MPIRUN -n 1 $CAMPAIGN -o "$WORK/a1.h5" -save_atoms
check "campaign -save_atoms on 3 ranks" $MPIRUN -n 3 $CAMPAIGN -o "$WORK/a3.h5" -save_atoms
st=0; for o in $ATOMS; do h5diff -q "$WORK/a1.h5" "$WORK/a3.h5" $o $o > /dev/null 2>&1 || { echo "differs: $o"; st=1; }; done
_record $st "-save_atoms: 3 ranks equal 1 rank" "atoms differ"
last=$(h5dump -d /data/atoms/offsets -y -w 0 "$WORK/a1.h5" | sed -n '/DATA {/,/}/p' | tr -d ' {}DATA' | tr ',' '\n' | grep -v '^$' | tail -1)
sum=$(h5dump -d /metadata/structures/atoms -y -w 0 "$WORK/a1.h5" | sed -n '/DATA {/,/}/p' | tr -d ' {}DATA' | tr ',' '\n' | grep -v '^$' | awk '{s += $1} END {print s}')
check_true "-save_atoms: offsets end at the total atom count" "last offset '$last', sum of atoms column '$sum'" [ -n "$last" ] && [ "$last" = "$sum" ]
mkdir -p "$WORK/atomstop"
$MPIRUN -n 2 $CAMPAIGN -o "$WORK/atomstop/a.h5" -save_atoms > "$WORK/atomstop.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do [ "$(grep -c '^U ' "$WORK/atomstop/a.h5.journal" 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
touch "$WORK/atomstop/STOP"
wait $pid
rm -f "$WORK/atomstop/STOP"
check_output "-save_atoms: resume reopens the atom datasets" "units already complete|already complete" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/atomstop/a.h5" -save_atoms
st=0; for o in $ATOMS; do h5diff -q "$WORK/a1.h5" "$WORK/atomstop/a.h5" $o $o > /dev/null 2>&1 || { echo "differs: $o"; st=1; }; done
_record $st "-save_atoms: stopped and resumed equals uninterrupted" "atoms differ"

# -save_exit_waves: /data/exit_waves [8 structures][2 phonon configurations][grid][grid][2], the
# same on 1 and 2 ranks; the waves are finite with mean intensity near 1 (unit incident wave).
check "campaign -save_exit_waves on 1 rank" $MPIRUN -n 1 $CAMPAIGN -o "$WORK/w1.h5" -save_exit_waves
check "campaign -save_exit_waves on 2 ranks" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/w2.h5" -save_exit_waves
check "-save_exit_waves: 2 ranks equal 1 rank" h5diff -q "$WORK/w1.h5" "$WORK/w2.h5" /data/exit_waves/data /data/exit_waves/data
check_output "-save_exit_waves: dataset shape" "DATASPACE +SIMPLE \\{ \\( 8, 2, 64, 64, 2 \\)" h5dump -H -d /data/exit_waves/data "$WORK/w1.h5"
h5dump -d /data/exit_waves/data -y -w 0 -o "$WORK/waves.txt" "$WORK/w1.h5" > /dev/null 2>&1
intensity=$(tr ',' '\n' < "$WORK/waves.txt" | tr -d ' ' | grep -v '^$' |
  awk 'NR % 2 == 1 {re = $1; next} {s += re * re + $1 * $1; n++} END {if (n != 8 * 2 * 64 * 64) print "nan"; else printf "%.4f\n", s / n}')
check_true "-save_exit_waves: mean |psi|^2 = $intensity, within [0.9, 1.01]" "exit waves look wrong" \
  test "$(awk -v m="$intensity" 'BEGIN {print (m != "nan" && m > 0.9 && m < 1.01)}')" = 1
