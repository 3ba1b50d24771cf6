#!/bin/sh
# A full disk during a campaign: the database lives on a 200 KiB tmpfs, smaller than its
# data. The campaign must fail with a clear "disk full" message, the journal must list only
# units whose data were written, and after the file system is enlarged a re-run must finish
# the campaign bit-identical to an uninterrupted one. Needs permission to mount a tmpfs
# (root in a container usually has it); otherwise the test prints SKIP and counts nothing.
. tests/integration/lib.sh
cp "$NANOFORGE" "$WORK/binary" && NANOFORGE="$WORK/binary"
disk="$WORK/disk"
mkdir -p "$disk"
if ! mount -t tmpfs -o size=200k tmpfs "$disk" 2>/dev/null; then
  echo "SKIP campaign_disk_full: cannot mount a tmpfs here (needs root/CAP_SYS_ADMIN)"
  exit 0
fi
trap 'umount "$disk" 2>/dev/null; rm -rf "$WORK"' EXIT
cat > "$WORK/tiny.opts" <<'OPTS'
-structures 8
-conditions 2
-seed 3
-material Au
-shape sphere
-radius uniform:4,6
-rotation random
-support amorphous_carbon
-support_size 16,16,6
-sampling 0.25
-slice_thickness 4
-fp_configs 0
-dose uniform:100,1000
-detector_pixel 0.25
-image_size 64
OPTS
CAMPAIGN="$NANOFORGE campaign -options_file $WORK/tiny.opts"
check_error "a database larger than the free space is refused up front" "Options -structures 8 x -conditions [0-9]+: the database .*db.h5. needs .* GB .* free" $MPIRUN -n 2 $CAMPAIGN -o "$disk/db.h5"
check_true "refused up front: nothing written" "$(ls "$disk")" [ -z "$(ls "$disk")" ]
# The disk filling up during the run (another job, a quota) is still handled: skip the check.
CAMPAIGN="$CAMPAIGN -check_free_space false"
check_error "full disk reported clearly" "HDF5 writing a unit \(disk full\?\) failed on .*disk/db.h5." $MPIRUN -n 2 $CAMPAIGN -o "$disk/db.h5"
done_units=$(grep -c '^U ' "$disk/db.h5.journal" 2>/dev/null)
check_true "journal lists only some units after the full disk" "journal has '$done_units' of 8" [ -n "$done_units" ] && [ "$done_units" -lt 8 ]
mount -o remount,size=4m "$disk"
check_output "re-run after freeing space continues" "$done_units of 8 units already complete" $MPIRUN -n 2 $CAMPAIGN -o "$disk/db.h5"
check "uninterrupted reference with the same FFT plans" $MPIRUN -n 1 $CAMPAIGN -o "$WORK/ref.h5" -fftw_wisdom "$disk/db.h5.fftw_wisdom"
st=0
for o in /data/images/data /data/masks/data /metadata/dose /metadata/radius; do
  h5diff -q "$WORK/ref.h5" "$disk/db.h5" $o $o > /dev/null 2>&1 || { echo "differs: $o"; st=1; }
done
_record $st "after a full disk and a re-run equals uninterrupted" "databases differ"
