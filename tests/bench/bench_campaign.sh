#!/bin/sh
# bench_campaign.sh — campaign throughput and database write bandwidth (make bench).
#  1. images/s of the real pipeline on 1 and 2 ranks (the quickstart case: 128x128 images,
#     40 Å field at 0.125 Å, 18 slices, static lattice) and the parallel efficiency
#     rate(2) / (2 rate(1));
#  2. database write bandwidth: the campaign's own write path (collectively created EMD
#     file, independent hyperslab writes of 512x512 float images + uint8 masks, fsync per
#     unit, synthetic zero-cost units from the scheduler test tool) against a plain
#     sequential write of the same number of bytes to the same folder (dd, fsync at the end).
cd "$(dirname "$0")/../.." || exit 1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
BENCH_DIR=${BENCH_DIR:-build/bench-campaign}
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
[ -x build/tests/test_campaign_scheduler ] || make -s build/tests/test_campaign_scheduler >/dev/null || exit 1
STRUCTURES=${STRUCTURES:-12}

rate() { sed -n 's/.*: \([0-9.e+]*\) images\/s, .*/\1/p' "$1" | tail -1; }
for n in 1 2; do
  $MPIRUN -n $n bin/nanoforge campaign -options_file input/quickstart.opts -structures $STRUCTURES -o "$BENCH_DIR/q$n.h5" -progress_interval 1000 > "$BENCH_DIR/q$n.log" 2>&1 || { cat "$BENCH_DIR/q$n.log"; exit 1; }
  grep "this run finished\|time over all ranks" "$BENCH_DIR/q$n.log" | sed "s/^/  [$n rank(s)] /"
done
r1=$(rate "$BENCH_DIR/q1.log"); r2=$(rate "$BENCH_DIR/q2.log")
awk -v a="$r1" -v b="$r2" 'BEGIN { printf "campaign throughput: %.3g images/s on 1 rank, %.3g images/s on 2 ranks (%.3g per rank): parallel efficiency 1->2 ranks %.0f%%\n", a, b, b / 2, 100 * b / (2 * a) }'

# Write bandwidth: 96 images of 512x512 (float + mask = 1.25 MiB each, 120 MiB in all).
$MPIRUN -n 1 build/tests/test_campaign_scheduler -tool -o "$BENCH_DIR/w.h5" -structures 24 -conditions 4 -size 512 > "$BENCH_DIR/w.log" 2>&1 || { cat "$BENCH_DIR/w.log"; exit 1; }
bytes=$(sed -n 's/tool: wrote \([0-9]*\) bytes.*/\1/p' "$BENCH_DIR/w.log")
seconds=$(sed -n 's/.*slowest writer \([0-9.]*\) s.*/\1/p' "$BENCH_DIR/w.log")
start=$(date +%s.%N)
dd if=/dev/zero of="$BENCH_DIR/plain.bin" bs=1M count=$((bytes / 1048576)) conv=fsync status=none
end=$(date +%s.%N)
awk -v b="$bytes" -v s="$seconds" -v t0="$start" -v t1="$end" 'BEGIN {
  plain = t1 - t0
  printf "database writes: %.1f MB in %.3f s = %.1f MB/s (hyperslabs, fsync per unit); plain sequential write of the same bytes (dd, fsync): %.3f s = %.1f MB/s; ratio %.2f\n",
         b / 1e6, s, b / 1e6 / s, plain, b / 1e6 / plain, (b / s) / (b / plain) }'
$MPIRUN -n 1 build/tests/test_campaign_scheduler -tool -o "$BENCH_DIR/w2.h5" -structures 24 -conditions 4 -size 512 -sync_writes 0 > "$BENCH_DIR/w2.log" 2>&1
seconds2=$(sed -n 's/.*slowest writer \([0-9.]*\) s.*/\1/p' "$BENCH_DIR/w2.log")
awk -v b="$bytes" -v s="$seconds2" 'BEGIN { printf "database writes without per-unit fsync (-sync_writes 0): %.3f s = %.1f MB/s\n", s, b / 1e6 / s }'
rm -rf "$BENCH_DIR"
