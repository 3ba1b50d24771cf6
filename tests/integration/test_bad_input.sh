# test_bad_input.sh — bad command lines across the commands: each must exit non-zero with
# exactly one "nanoforge: error:" line naming the option or file (no PETSc traceback, no
# HDF5-DIAG dump), and write nothing.
. tests/integration/lib.sh

QUICKSTART=$PWD/input/quickstart.opts
FIXTURES=$WORK/fixtures
mkdir -p "$FIXTURES/adir"
: > "$FIXTURES/empty.xyz"
: > "$FIXTURES/empty.h5"
echo "not an HDF5 file" > "$FIXTURES/garbage.h5"
printf -- '-seed 3\n' > "$FIXTURES/good.opts"
SMALL="-material Au -radius 5 -cell 20,20,20 -sampling 0.1 -fftw_wisdom none"

# bad "pattern the error line must match" arguments...
bad() {
  name=$1; pattern=$2; shift 2
  before=$(cd "$FIXTURES" && ls -A | sort | tr '\n' ' ')
  out=$(cd "$FIXTURES" && _limited "$NANOFORGE" "$@" 2>&1); st=$?
  after=$(cd "$FIXTURES" && ls -A | sort | tr '\n' ' ')
  errors=$(printf '%s\n' "$out" | grep -c 'nanoforge: error')
  line=$(printf '%s\n' "$out" | grep 'nanoforge: error')
  if [ $st -eq 0 ]; then _record 1 "$name" "exit 0 from: $*"
  elif [ "$errors" -ne 1 ]; then printf '%s\n' "$out" | head -20; _record 1 "$name" "$errors 'nanoforge: error' lines from: $*"
  elif printf '%s\n' "$out" | grep -Eq 'PETSC ERROR|HDF5-DIAG|#[0-9]{3}:'; then printf '%s\n' "$out" | head -20; _record 1 "$name" "traceback or HDF5 dump from: $*"
  elif ! printf '%s\n' "$line" | grep -Eq -- "$pattern"; then _record 1 "$name" "the error line lacks /$pattern/: $line"
  elif [ "$before" != "$after" ]; then _record 1 "$name" "files written: before '$before', after '$after'"
  else _record 0 "$name"; fi
}

# Files: directories, missing, empty, not HDF5
bad "segment -tile negative (was exit 0)" "Option -tile: -5 is out of range; allowed: integers in \\[0, 65536\\]" segment -model missing.h5 -input missing.tif -tile -5
bad "train -epochs above 2^31 (wrapped before)" "Option -epochs: 3000000000 is out of range" train -db missing.h5 -epochs 3000000000
bad "campaign -prefetch 0" "Option -prefetch: 0 is out of range" campaign -options_file "$QUICKSTART" -prefetch 0 -o x.h5
bad "simulate -structure a directory" "-structure: 'adir' is a directory" simulate -structure adir -cell 20,20,10
bad "simulate -structure missing" "missing.xyz" simulate -structure missing.xyz -cell 20,20,10
bad "simulate -structure empty" "empty.xyz" simulate -structure empty.xyz -cell 20,20,10
bad "simulate -o a directory" "-o: 'adir' is a directory" simulate $SMALL -o adir
bad "build -o a directory" "-o: 'adir' is a directory" build -material Au -radius 5 -o adir
bad "campaign -o a directory" "-o: 'adir' is a directory" campaign -options_file "$QUICKSTART" -o adir
bad "campaign -options_file a directory" "-options_file: 'adir' is a directory" campaign -options_file adir
bad "campaign -options_file missing" "-options_file: cannot open 'missing.opts'" campaign -options_file missing.opts
bad "train -db a directory" "-db: 'adir' is a directory" train -db adir -o m.h5
bad "train -db missing" "missing.h5" train -db missing.h5 -o m.h5
bad "train -db empty" "empty.h5" train -db empty.h5 -o m.h5
bad "train -db not HDF5" "garbage.h5" train -db garbage.h5 -o m.h5
bad "evaluate -model a directory" "-model: 'adir' is a directory" evaluate -model adir -data x.h5
bad "evaluate -model not HDF5" "garbage.h5" evaluate -model garbage.h5 -data x.h5
bad "segment -model missing" "missing.h5" segment -model missing.h5 -input x.png -o mask.png
bad "segment -input an empty folder" "-input folder 'adir' holds no micrograph" segment -model garbage.h5 -input adir
bad "segment -model not HDF5" "garbage.h5" segment -model garbage.h5 -input x.png -o mask.png

bad "train -o in a missing folder (found after an epoch before)" "-o: cannot write 'nofolder/m.h5'" train -db garbage.h5 -o nofolder/m.h5
bad "evaluate -o in a missing folder" "-o: cannot write 'nofolder/s.csv'" evaluate -model garbage.h5 -data garbage.h5 -o nofolder/s.csv
bad "segment -o in a missing folder" "-o: cannot write 'nofolder/k.png'" segment -model garbage.h5 -input garbage.h5 -o nofolder/k.png
bad "campaign -sim_ranks not dividing the ranks (wrote the database before)" "-sim_ranks: 3 does not divide" campaign -options_file "$QUICKSTART" -sim_ranks 3 -o c.h5

# PETSc's own parse errors name the option
bad "train -batch not a number" "Option -batch: .*abc" train -db garbage.h5 -o m.h5 -batch abc
bad "train -resume not a boolean" "Option -resume: .*maybe" train -db garbage.h5 -o m.h5 -resume maybe
bad "simulate -sampling not a number" "Option -sampling: .*abc" simulate -material Au -radius 5 -cell 20,20,20 -sampling abc -o x.h5
bad "evaluate -threshold 2 (exit 0 before)" "-threshold 2\\.?: allowed 0 < threshold < 1" evaluate -model garbage.h5 -data garbage.h5 -threshold 2

# Counts and ids: 64-bit, refused out of range when parsed (never wrapped)
bad "campaign -structures 1.1e9 -conditions 2" "-structures 1100000000 x -conditions 2" campaign -options_file "$QUICKSTART" -structures 1.1e9 -conditions 2 -o c.h5
bad "campaign -structures 3e9 (wrapped before)" "-structures: 3000000000 is out of range" campaign -options_file "$QUICKSTART" -structures 3000000000 -o c.h5
bad "campaign -structures negative" "-structures: -5 is out of range" campaign -options_file "$QUICKSTART" -structures -5 -o c.h5
bad "campaign -structures not a number" "-structures: 'abc' is not an integer" campaign -options_file "$QUICKSTART" -structures abc -o c.h5
bad "campaign -conditions 0" "-conditions: 0 is out of range" campaign -options_file "$QUICKSTART" -conditions 0 -o c.h5
bad "campaign -conditions above 2^23" "-conditions: 99999999 is out of range" campaign -options_file "$QUICKSTART" -conditions 99999999 -o c.h5
bad "simulate -unit negative" "-unit: -1 is out of range" simulate $SMALL -unit -1 -o x.h5
bad "simulate -unit not a number" "-unit: 'abc' is not an integer" simulate $SMALL -unit abc -o x.h5
bad "build -unit 2^40" "-unit: 1099511627776 is out of range" build -material Au -radius 5 -unit 1099511627776 -o u.xyz
bad "campaign -seed negative" "-seed: -3 is out of range" campaign -options_file "$QUICKSTART" -seed -3 -o c.h5
bad "amorphous support of 1.1e10 atoms (wrapped to 1.4e9 and passed before)" "needs 1.103e\+10 atoms" build -material Au -radius 5 -support amorphous_carbon -support_size 1e4,1e4,1e3 -o sup.xyz
bad "graphene support of 3.8e17 atoms" "needs 3.816e\+17 atoms" build -material Au -radius 5 -support graphene -support_size 1e9,1e9,3 -o sup.xyz
bad "simulate -n_conditions 0" "Option -n_conditions: 0 is out of range" simulate $SMALL -n_conditions 0 -o x.h5

# Physical values with documented ranges
bad "simulate -dose 1e21 (all-zero image before)" "Option -dose: .1e21.*allowed: doses in \\[0, 1e12\\]" simulate $SMALL -dose 1e21 -o x.h5
bad "simulate -dose negative" "Option -dose: .-5." simulate $SMALL -dose -5 -o x.h5
bad "simulate -voltage 0" "-voltage 0\\.? kV: allowed \\[1, 5000\\]" simulate $SMALL -voltage 0 -o x.h5
bad "simulate -sampling 0" "-sampling 0\\.? Å/px: allowed \\(0, 10\\)" simulate -material Au -radius 5 -cell 20,20,20 -sampling 0 -o x.h5
bad "simulate -cell 1e9 (hung before)" "-cell 1e\\+09 x 1e\\+09" simulate -material Au -radius 5 -cell 1e9,1e9,10 -o x.h5
bad "train -depth 100" "Option -depth: 100 is out of range; allowed: integers in .1, 8." train -db garbage.h5 -o m.h5 -depth 100
bad "train -epochs -1" "Option -epochs: -1 is out of range" train -db garbage.h5 -o m.h5 -epochs -1

# Memory and disk checked before any work, with the figures
bad "simulate over -memory_limit" "needs an estimated .* GB .*-memory_limit" simulate $SMALL -memory_limit 1M -o x.h5
bad "-memory_limit not a size" "-memory_limit: '12X' is not a size" simulate $SMALL -memory_limit 12X -o x.h5
bad "campaign over -memory_limit" "needs an estimated .* GB .*-memory_limit" campaign -options_file "$QUICKSTART" -memory_limit 10M -o c.h5
bad "campaign larger than the free disk" "-structures 2000000000 .* needs .* GB .* free" campaign -options_file "$QUICKSTART" -structures 2000000000 -conditions 1 -o c.h5

# -memory_limit runs the campaign as before and is not part of the plan
check_output "campaign -plan_only prints the memory estimate" "estimated memory: [0-9.e+-]+ GB per rank" "$NANOFORGE" campaign -options_file "$QUICKSTART" -o "$WORK/p.h5" -plan_only -memory_limit 8G
check_output "build -unit 99999999999 is that unit (was 1215752191)" "unit 99999999999\)" "$NANOFORGE" build -material Au -radius 5 -unit 99999999999 -o "$WORK/u.xyz"

# On 2 ranks the up-front refusals are collective: one error line, not one per rank (and no abort)
out=$(cd "$FIXTURES" && _limited $MPIRUN -n 2 "$NANOFORGE" campaign -options_file "$QUICKSTART" -memory_limit 10M -o c2.h5 2>&1); st=$?
n=$(printf '%s\n' "$out" | grep -c 'nanoforge: error'); named=$(printf '%s\n' "$out" | grep -c 'nanoforge: error.*-memory_limit'); aborts=$(printf '%s\n' "$out" | grep -c MPI_ABORT)
check_true "2 ranks: campaign over -memory_limit fails once, cleanly, naming -memory_limit" "exit $st, $n error lines ($named naming -memory_limit), $aborts MPI_ABORT: $out" \
  [ $st -ne 0 -a "$n" -eq 1 -a "$named" -eq 1 -a "$aborts" -eq 0 -a ! -e "$FIXTURES/c2.h5" ]
out=$(cd "$FIXTURES" && _limited $MPIRUN -n 2 "$NANOFORGE" simulate $SMALL -memory_limit 1M -o x2.h5 2>&1); st=$?
n=$(printf '%s\n' "$out" | grep -c 'nanoforge: error'); named=$(printf '%s\n' "$out" | grep -c 'nanoforge: error.*-memory_limit'); aborts=$(printf '%s\n' "$out" | grep -c MPI_ABORT)
check_true "2 ranks: simulate over -memory_limit fails once, cleanly, naming -memory_limit" "exit $st, $n error lines ($named naming -memory_limit), $aborts MPI_ABORT: $out" \
  [ $st -ne 0 -a "$n" -eq 1 -a "$named" -eq 1 -a "$aborts" -eq 0 -a ! -e "$FIXTURES/x2.h5" ]
check_output "build -seed 99999999999 is that seed (was 1215752191)" "seed 99999999999," "$NANOFORGE" build -material Au -radius 5 -seed 99999999999 -o "$WORK/s.xyz"

# -memory_limit and -check_free_space change how a campaign runs, not what it computes: a resumed
# run that adds them is the same plan (they are not in the plan's options).
check "tiny campaign" "$NANOFORGE" campaign -options_file "$QUICKSTART" -structures 2 -conditions 1 -o "$WORK/t.h5"
check_output "resumed with -memory_limit and -check_free_space: same plan, nothing to do" "already complete" \
  "$NANOFORGE" campaign -options_file "$QUICKSTART" -structures 2 -conditions 1 -o "$WORK/t.h5" -memory_limit 16G -check_free_space false
