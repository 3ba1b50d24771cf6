#!/bin/sh
# bench_segment.sh — segmentation speed of one 2048x2048 micrograph with the reference network
# (depth 4, base 16 filters, plain blocks, batch norm; trained on 256x256 images) at the model's
# own pixel size, on one rank; then two micrographs on 1 and 2 ranks (segment deals files to
# ranks). Resampling to the model's pixel size is not timed here (the synthetic database records
# no pixel size); tests/unit/test_resample.c checks it. Seconds are wall-clock for the whole command, model loading,
# reading and writing the mask and particle table included.
#   sh tests/bench/bench_segment.sh
# Needs python3 (standard library only) to write the test micrograph as a PNG.
cd "$(dirname "$0")/../.." || exit 1
NANOFORGE=${NANOFORGE:-$PWD/bin/nanoforge}
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nanoforge-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
build/tests/test_dataset --write-synthetic "$WORK/ref.h5" 16 2 256 3 >/dev/null 2>&1 || { echo "bench_segment: build/tests/test_dataset missing (make tests-build)"; exit 1; }
"$NANOFORGE" train -db "$WORK/ref.h5" -split_by image -batch 8 -base_filters 16 -depth 4 -val_fraction 0 -validate false \
  -steps_per_epoch 1 -epochs 1 -o "$WORK/m.h5" > "$WORK/train.log" 2>&1 || { tail -3 "$WORK/train.log"; exit 1; }
command -v python3 > /dev/null || { echo "bench_segment: python3 not found (writes the test PNG)"; exit 1; }
python3 - "$WORK" <<'PY'
import math, struct, sys, zlib
n = 2048
rows = bytearray()
for y in range(n):
    rows.append(0)  # PNG filter type 0
    rows.extend(int(127 + 60 * math.sin(x * 0.31) * math.cos(y * 0.17) + (x * 7 + y * 13) % 31) & 255 for x in range(n))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
for name in ("a", "b"):
    open(f"{sys.argv[1]}/{name}.png", "wb").write(png)
PY
model_pixel=$(h5dump -a /training/pixel_size_A "$WORK/m.h5" 2>/dev/null | sed -n 's/.*(0): *//p')
echo "model pixel size: ${model_pixel:-none} A (0 = the synthetic database records none)"
seconds() { # command... : wall seconds of a command that must succeed
  start=$(date +%s.%N)
  "$@" > "$WORK/run.log" 2>&1 || { tail -3 "$WORK/run.log"; echo "bench_segment: failed: $*"; exit 1; }
  awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}
t=$(seconds "$NANOFORGE" segment -model "$WORK/m.h5" -input "$WORK/a.png" -resample false -o "$WORK/a_mask.png")
echo "segment 2048x2048, 1 rank, at the model's scale: $t s"
for np in 1 2; do
  mkdir -p "$WORK/out$np"
  t=$(seconds $MPIRUN -np $np "$NANOFORGE" segment -model "$WORK/m.h5" -input "$WORK/a.png,$WORK/b.png" -resample false -output_dir "$WORK/out$np")
  echo "segment 2 micrographs of 2048x2048, $np rank(s): $t s"
done
