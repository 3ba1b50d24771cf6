#!/bin/sh
# make run: the quickstart job. Grows as capabilities land.
cd "$(dirname "$0")/../.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
MPIRUN="mpirun --oversubscribe -np 2"
out=${QUICKSTART_DIR:-run/quickstart}
mkdir -p "$out"
set -e
$MPIRUN bin/nanoforge version -options_file input/quickstart.opts -allow_unused_options
echo "quickstart: outputs in $out/"
