# lib.sh — helpers for integration tests of the real binary. Source it:
#   . tests/integration/lib.sh
# then:   check "name" command...          (passes when the command exits 0)
#         check_output "name" "regex" command...  (exit 0 and output matches)
#         check_error "name" "regex" command...   (exit non-zero and output matches)
# An expected failure is always checked with check_error and a regex that names the offending
# option or file (and the bad value where the message gives it): a bare "it failed" passes on
# a crash or on the wrong refusal. test_docs.sh fails if a test calls a message-blind check.
# Each prints PASS name / FAIL name: why. Work in $WORK (a fresh temporary folder).
NANOFORGE=${NANOFORGE:-$PWD/bin/nanoforge}
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nanoforge-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME=$WORK/cache
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# Open MPI 4.1's mpirun can hang after ranks exit with an error, in its aggregation of help
# messages ("ORTE_ERROR_LOG: Data unpack would read past end of buffer ... show_help.c"; seen
# here once in a few hundred failing runs): no aggregation, and every checked command under a
# time limit, so a hang becomes a failed check instead of a stalled suite.
export OMPI_MCA_orte_base_help_aggregate=0
_limited() { # command... : programs run under timeout; shell functions and builtins as they are
  case "$(command -v "$1")" in
  /*) timeout -k 10 "${NF_TEST_TIMEOUT:-600}" "$@" ;;
  *) "$@" ;;
  esac
}

_record() { # status name message
  if [ "$1" -eq 0 ]; then echo "PASS $2"; else echo "FAIL $2: $3"; fi
}
check() {
  name=$1; shift
  out=$(_limited "$@" 2>&1); st=$?
  [ $st -eq 0 ] || echo "$out" | tail -20
  _record $st "$name" "exit status $st from: $*"
}
check_output() {
  name=$1; pattern=$2; shift 2
  out=$(_limited "$@" 2>&1); st=$?
  if [ $st -eq 0 ] && echo "$out" | grep -Eq -- "$pattern"; then _record 0 "$name"
  else echo "$out" | tail -20; _record 1 "$name" "exit $st, or output lacks /$pattern/ from: $*"; fi
}
check_error() {
  name=$1; pattern=$2; shift 2
  if [ -z "$pattern" ]; then _record 1 "$name" "check_error needs a pattern naming the option or file"; return; fi
  out=$(_limited "$@" 2>&1); st=$?
  if [ $st -ne 0 ] && echo "$out" | grep -Eq -- "$pattern"; then _record 0 "$name"
  else echo "$out" | tail -20; _record 1 "$name" "expected non-zero exit and /$pattern/, got exit $st from: $*"; fi
}
# check_true "name" "why" test-expression...   (a shell condition)
check_true() {
  name=$1; why=$2; shift 2
  if "$@"; then _record 0 "$name"; else _record 1 "$name" "$why"; fi
}
# train_model_at_0.2 NAME: a tiny campaign of quickstart's Au-on-carbon scenes at 0.2 Å/pixel
# (64x64, 96 images), a 10-epoch depth-2 model trained on it (MODEL=$WORK/m_best.h5), and
# $WORK/scene.opts, the same plan noise-free, for simulating single scenes. A failure prints
# "FAIL NAME_setup" and ends the test. Used by the segment/evaluate scale and input tests.
train_model_at_0_2() {
  sed -e 's/^-structures .*/-structures 48/' -e 's/^-conditions .*/-conditions 2/' -e 's/^-image_size .*/-image_size 64/' \
    -e 's/^-support_size .*/-support_size 16,16,8/' -e 's/^-radius .*/-radius uniform:3,4.5/' -e 's/^-sampling .*/-sampling 0.1/' \
    -e 's/^-detector_pixel .*/-detector_pixel 0.2/' -e 's/^-placement_jitter .*/-placement_jitter 1/' input/quickstart.opts > "$WORK/train.opts"
  "$NANOFORGE" campaign -options_file "$WORK/train.opts" -o "$WORK/db.h5" > "$WORK/campaign.log" 2>&1 ||
    { tail -5 "$WORK/campaign.log"; echo "FAIL $1_setup: the campaign failed"; exit 1; }
  "$NANOFORGE" train -db "$WORK/db.h5" -depth 2 -base_filters 8 -batch 8 -o "$WORK/m.h5" -epochs 10 -lr 1e-2 -lr_decay 0.85 -val_fraction 0.2 > "$WORK/train.log" 2>&1 ||
    { tail -5 "$WORK/train.log"; echo "FAIL $1_setup: training failed"; exit 1; }
  MODEL=$WORK/m_best.h5
  grep -v '^-dose' "$WORK/train.opts" > "$WORK/scene.opts"
  echo "-dose 0" >> "$WORK/scene.opts"
}
