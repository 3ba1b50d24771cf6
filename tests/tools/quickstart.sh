#!/bin/sh
# make run: the quickstart job on 2 ranks — `nanoforge run` = the campaign of
# input/quickstart.opts (128 images of 128x128, seconds), then a short training on it
# (about half a minute), then an evaluation on the held-out structures with a montage of
# images, true masks and predicted masks.
# Re-running continues or, when complete, reuses the database (the campaign is resumable).
cd "$(dirname "$0")/../.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
MPIRUN="mpirun --oversubscribe -np 2"
out=${QUICKSTART_DIR:-run/quickstart}
mkdir -p "$out"
set -e
# Training options stay on the command line so that `nanoforge campaign -options_file
# input/quickstart.opts` alone also works (a campaign refuses options it does not use).
$MPIRUN bin/nanoforge run -options_file input/quickstart.opts -db "$out/quickstart.h5" \
  -o "$out/model.h5" -epochs 12 -batch 8 -depth 3 -base_filters 8
$MPIRUN bin/nanoforge evaluate -model "$out/model_best.h5" -data "$out/quickstart.h5" \
  -o "$out/scores.csv" -montage "$out/montage.png" -montage_count 6
echo "quickstart: outputs in $out/:"
echo "  $out/quickstart.h5          the database (EMD v0.2: /data/images, /data/masks, /metadata; see docs/database.md)"
echo "  $out/quickstart.h5.journal  the campaign journal (finished units; used to resume)"
echo "  $out/model.h5               the trained model; model_best.h5 (best validation F1), checkpoints"
echo "  $out/model_metrics.csv/.png loss, precision, recall, F1, IoU per epoch"
echo "  $out/scores.csv             per-image scores on the held-out structures"
echo "  $out/montage.png            image | true mask | predicted mask"
