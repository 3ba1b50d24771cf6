#!/bin/sh
# bench_train.sh — training and inference speed of the reference configuration (256x256
# images, global batch 8, base 16 filters, depth 4, plain blocks, batch norm) on 1 and 2
# ranks, and the share of the step spent in gradient MPI calls at 2 ranks.
#   sh tests/bench/bench_train.sh [steps]        (default 3 steps per epoch, 2 epochs)
# Prints one line per measurement, then PyTorch's figures for the same configuration when
# python3-torch is installed (tests/bench/compare_torch.py).
# Uses a synthetic database of 32 images of 256x256.
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
  # Two epochs; the 'done' line covers all steps, the 'after' line all but the first (first touch of memory).
  out=$($MPIRUN -np $np "$NANOFORGE" train $REF -epochs 2 -o "$WORK/m$np.h5" 2>&1)
  echo "$out" | grep -E '^train: (done|after|step)' | sed "s/^/ranks=$np /"
done
for np in 1 2; do
  out=$($MPIRUN -np $np "$NANOFORGE" evaluate -model "$WORK/m1.h5" -data "$WORK/ref.h5" -split all -batch 8 -o "$WORK/e.csv" 2>&1)
  echo "$out" | grep -E 'inference' | sed "s/^/ranks=$np /"
done
# The issue's point of comparison measured here, in the same run: PyTorch's CPU path on the same
# configuration with 2 threads (Debian's python3-torch; skipped when it is not installed).
PY=${TORCH_PYTHON:-/usr/bin/python3}
if "$PY" -c 'import torch' 2>/dev/null; then
  "$PY" tests/bench/compare_torch.py "$STEPS" 2 | sed 's/^/threads=2 /'
else
  echo "torch comparison skipped: $PY cannot import torch (apt-get install python3-torch)"
fi
