#!/bin/sh
# test_simulate_unit.sh — `simulate -options_file PLAN -unit k` runs the campaign's per-unit
# pipeline: its images and mask equal rows k·M .. k·M+M-1 of the database that `campaign` wrote
# from the same plan, bit for bit, for two units. The campaign runs first and leaves its FFT plans
# in the per-host wisdom cache (XDG_CACHE_HOME, this test's folder, set by lib.sh); simulate reuses
# them, as a user's later `simulate -unit k` on the same host would.
. tests/integration/lib.sh
cd "$WORK" || exit 1
# A small plan in the style of input/quickstart.opts: 3 units x 2 conditions of 48x48 pixels. No
# -seed: simulate's default seed must be the campaign's.
cat > plan.opts <<'OPTS'
-structures 3
-conditions 2
-material Au
-shape choice:sphere,cuboctahedron
-radius uniform:5,7
-rotation random
-support amorphous_carbon
-support_size 24,24,10
-embedding_depth uniform:1,2
-placement_jitter 2
-voltage 300
-sampling 0.2
-slice_thickness 2
-fp_configs 0
-defocus uniform:-60,60
-cs uniform:-2e5,2e5
-focal_spread 30
-dose loguniform:200,2000
-detector_pixel 0.375
-image_size 48
OPTS
M=2
PIXELS=$((48 * 48))
check "campaign of the plan on 2 ranks" $MPIRUN -n 2 $NANOFORGE campaign -options_file plan.opts -o db.h5

# rows FIRST..FIRST+COUNT-1 of a database dataset, as raw little-endian bytes
rows() { # file dataset first count output
  h5dump -d "$2" -s "$3,0,0" -c "$4,48,48" -b LE -o "$5" "$1" > /dev/null
}
same_bytes() { # a b bytes: both files hold exactly `bytes` bytes and they are equal
  [ "$(wc -c < "$1")" -eq "$3" ] && [ "$(wc -c < "$2")" -eq "$3" ] && cmp -s "$1" "$2"
}
for k in 0 2; do
  check "simulate -options_file plan.opts -unit $k" $NANOFORGE simulate -options_file plan.opts -unit $k -o sim$k.h5
  rows db.h5 /data/images/data $((k * M)) $M db_images$k.bin
  rows db.h5 /data/masks/data $((k * M)) 1 db_mask$k.bin
  rows db.h5 /data/masks/data $((k * M + 1)) 1 db_mask${k}b.bin
  h5dump -d /data/image/data -b LE -o sim_images$k.bin sim$k.h5 > /dev/null
  h5dump -d /data/mask/data -b LE -o sim_mask$k.bin sim$k.h5 > /dev/null
  check_true "unit $k: simulate's $M images equal database rows $((k * M))..$((k * M + M - 1)) bit for bit" "images differ (or wrong size)" \
    same_bytes sim_images$k.bin db_images$k.bin $((M * PIXELS * 4))
  check_true "unit $k: simulate's mask equals the masks of database rows $((k * M)) and $((k * M + 1))" "masks differ (or wrong size)" \
    sh -c "cmp -s sim_mask$k.bin db_mask$k.bin && cmp -s sim_mask$k.bin db_mask${k}b.bin && [ \$(wc -c < sim_mask$k.bin) -eq $PIXELS ]"
  check_true "unit $k: the mask marks some particle pixels" "the mask is empty" sh -c "[ \$(od -An -v -tu1 sim_mask$k.bin | tr -s ' ' '\n' | grep -c '^1\$') -gt 20 ]"
done
# The comparison can fail: units 0 and 2 differ from each other.
check_true "unit 0 and unit 2 images differ" "simulate gave the same images for units 0 and 2" sh -c "! cmp -s sim_images0.bin sim_images2.bin"
# The plan's counts are checked: -unit must be one of its units, -conditions and -n_conditions agree.
check_error "-unit outside the plan" "-unit 3 is not a unit of the plan: -structures 3" $NANOFORGE simulate -options_file plan.opts -unit 3 -o bad.h5
check_error "-n_conditions against the plan's -conditions" "-n_conditions 3 and -conditions 2 differ" $NANOFORGE simulate -options_file plan.opts -n_conditions 3 -o bad.h5
# The one centring rule: a structure without a cell of its own needs -cell, and the error says so.
printf '2\nno cell\nAu 0 0 0\nAu 2.04 2.04 0\n' > pair.xyz
check_error "a structure without a cell and no -cell" "Option -cell: the structure has no cell of its own" $NANOFORGE simulate -structure pair.xyz -o nocell.h5
