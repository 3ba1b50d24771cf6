#!/bin/sh
# bench_train.sh — training and inference speed of the reference configuration (256x256
# images, global batch 8, base 16 filters, depth 4, plain blocks, batch norm) on 1 and 2
# ranks, and the share of the step spent in gradient MPI calls at 2 ranks.
#   sh tests/bench/bench_train.sh [steps]        (default 3 steps after 1 warm-up epoch... see below)
# Prints one line per measurement. Uses a synthetic database of 32 images of 256x256.
cd "$(dirname "$0")/../.." || exit 1
STEPS=${1:-3}
NANOFORGE=${NANOFORGE:-$PWD/bin/nanoforge}
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nanoforge-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
build/tests/test_dataset --write-synthetic "$WORK/ref.h5" 16 2 256 3 >/dev/null 2>&1 || { echo "bench_train: build/tests/test_dataset missing (make tests-build)"; exit 1; }
REF="-db $WORK/ref.h5 -batch 8 -base_filters 16 -depth 4 -val_fraction 0 -validate false -steps_per_epoch $STEPS -lr 1e-3"
for np in 1 2; do
  # Two epochs; the images/s line covers both (the first step includes allocation warm-up).
  out=$($MPIRUN -np $np "$NANOFORGE" train $REF -epochs 2 -o "$WORK/m$np.h5" 2>&1)
  echo "$out" | grep -E '^train: (done|step)' | sed "s/^/ranks=$np /"
done
out=$("$NANOFORGE" evaluate -model "$WORK/m1.h5" -data "$WORK/ref.h5" -split all -batch 8 -o "$WORK/e.csv" 2>&1)
echo "$out" | grep -E 'inference' | sed 's/^/ranks=1 /'
