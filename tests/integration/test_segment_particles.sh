#!/bin/sh
# test_segment_particles.sh — segment's particle analysis through the real binary, with a tiny
# model trained for a few seconds on a synthetic database (build/tests/test_dataset):
#   one input with -o: the mask, overlay, <stem>_particles.csv, <stem>_particle_summary.csv and
#     <stem>_particle_sizes.png exist; the table's header says pixels (no calibration);
#   -pixel_size 2.5 on the same input: the header says nm and every diameter is the pixel
#     one × 0.25 nm (a calibration applied twice, or in Å, or not at all fails);
#   four inputs on 2 ranks (and the same on 1 and 3 ranks: the same files): one table each, the summary has a row per input in input order and
#     an 'all' row; its counts equal the tables' row counts, its mean and median diameters and
#     area fractions equal those recomputed here from the tables (1e-6 relative);
#   a calibrated SER file with an uncalibrated PNG: rows in nm and px, 'all' pools the nm one;
#   -min_area above every particle: empty tables and the summary counts them as dropped;
#   a negative -min_area or -pixel_size is refused naming the option and the value.
. tests/integration/lib.sh
SYN=${NF_BUILD:-build}/tests/test_dataset
if [ ! -x "$SYN" ]; then echo "FAIL particles_setup: $SYN missing (make tests-build)"; exit 1; fi
"$SYN" --write-synthetic "$WORK/db.h5" 24 2 64 3 >/dev/null 2>&1 || { echo "FAIL particles_setup: cannot write the synthetic database"; exit 1; }
"$NANOFORGE" train -db "$WORK/db.h5" -depth 2 -base_filters 8 -batch 8 -o "$WORK/m.h5" -epochs 12 -lr 1e-2 -lr_decay 0.85 > "$WORK/train.log" 2>&1 ||
  { tail -5 "$WORK/train.log"; echo "FAIL particles_setup: training the tiny model failed"; exit 1; }
MODEL=$WORK/m_best.h5

# The rows of a particle table (lines after the column header), and one of its columns.
table_rows() { grep -v '^#' "$1" | tail -n +2; }
table_header() { grep -v '^#' "$1" | head -1; }
column() { table_rows "$1" | cut -d, -f"$2"; }
# 1 when |a - b| <= 1e-6 max(|b|, 1e-12), else 0 (also when either is missing).
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; if (s < 1e-12) s = 1e-12; print (a != "" && b != "" && d <= 1e-6 * s) }'; }
# mean and median of numbers on standard input
mean() { awk '{ s += $1; n++ } END { if (n) printf "%.9g\n", s / n }'; }
median() { sort -g | awk '{ v[n++] = $1 } END { if (n) printf "%.9g\n", (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }'; }

HEADER_PX="id,area_px2,diameter_px,centroid_x_px,centroid_y_px,box_x0_px,box_y0_px,box_x1_px,box_y1_px,major_axis_px,minor_axis_px,touches_border"
HEADER_NM="id,area_nm2,diameter_nm,centroid_x_nm,centroid_y_nm,box_x0_px,box_y0_px,box_x1_px,box_y1_px,major_axis_nm,minor_axis_nm,touches_border"

# ---- one input, -o ----
check_output "segment_one_writes_table" "particles .* wrote .*one_particles.csv" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -index 2 -o "$WORK/one.png" -threshold 0.3
for f in one.png one_overlay.png one_particles.csv one_particle_summary.csv one_particle_sizes.png; do
  check_true "segment_one_output_$f" "$WORK/$f missing or empty" test -s "$WORK/$f"
done
check_true "segment_one_header_in_pixels" "header '$(table_header "$WORK/one_particles.csv")'" test "$(table_header "$WORK/one_particles.csv")" = "$HEADER_PX"
check_true "segment_one_header_comment_says_pixels" "no units line" grep -q '^# units: pixels' "$WORK/one_particles.csv"
n_one=$(table_rows "$WORK/one_particles.csv" | wc -l)
check_true "segment_one_has_particles ($n_one)" "the tiny model found no particle: the checks below would be empty" test "$n_one" -ge 1
check_true "segment_one_summary_count" "summary row count differs from the table's $n_one rows" \
  test "$(grep -v '^#' "$WORK/one_particle_summary.csv" | awk -F, '$1 == "all" { print $3 }')" = "$n_one"
check_true "segment_histogram_is_png" "not a PNG" sh -c "head -c 4 '$WORK/one_particle_sizes.png' | grep -q PNG"

# ---- the same input calibrated: 2.5 Å/pixel = 0.25 nm ----
check_output "segment_pixel_size" "median diameter .* nm" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -index 2 -o "$WORK/cal.png" -threshold 0.3 -pixel_size 2.5
check_true "segment_calibrated_header_in_nm" "header '$(table_header "$WORK/cal_particles.csv")'" test "$(table_header "$WORK/cal_particles.csv")" = "$HEADER_NM"
column "$WORK/one_particles.csv" 3 > "$WORK/d_px"
column "$WORK/cal_particles.csv" 3 > "$WORK/d_nm"
scaled=$(paste -d' ' "$WORK/d_px" "$WORK/d_nm" | awk '{ d = $1 * 0.25 - $2; if (d < 0) d = -d; if (d > 1e-6 * $2) bad++; n++ } END { print n + 0, bad + 0 }')
check_true "segment_calibrated_diameters_scale (rows, mismatches: $scaled)" "diameter_nm != 0.25 diameter_px" test "$scaled" = "$n_one 0"

# ---- four inputs on 2 ranks, -output_dir ----
for i in 1 3 4; do "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -index $i -o "$WORK/in$i.png" -threshold 0.3 > /dev/null 2>&1; done
mkdir -p "$WORK/out"
INPUTS="$WORK/one_overlay.png,$WORK/in1_overlay.png,$WORK/in3_overlay.png,$WORK/in4_overlay.png"
check_output "segment_2ranks_summary" "4 micrographs, [0-9]+ particles pooled from 4" \
  $MPIRUN -np 2 "$NANOFORGE" segment -model "$MODEL" -input "$INPUTS" -output_dir "$WORK/out" -pixel_size 2.5
SUMMARY=$WORK/out/particle_summary.csv
check_true "segment_2ranks_summary_rows" "expected 4 micrograph rows and 'all'" \
  test "$(grep -v '^#' "$SUMMARY" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" = "$(echo "$INPUTS" | tr ',' ' ') all "
total=0
: > "$WORK/all_diameters"
for name in one_overlay in1_overlay in3_overlay in4_overlay; do
  table=$WORK/out/${name}_particles.csv
  row=$(grep -v '^#' "$SUMMARY" | grep "/$name.png,")
  rows=$(table_rows "$table" | wc -l)
  total=$((total + rows))
  column "$table" 3 >> "$WORK/all_diameters"
  check_true "summary_${name}_count" "summary says $(echo "$row" | cut -d, -f3), table has $rows rows" test "$(echo "$row" | cut -d, -f3)" = "$rows"
  if [ "$rows" -gt 0 ]; then
    check_true "summary_${name}_mean" "$(echo "$row" | cut -d, -f5) vs $(column "$table" 3 | mean)" test "$(close "$(echo "$row" | cut -d, -f5)" "$(column "$table" 3 | mean)")" = 1
    check_true "summary_${name}_median" "$(echo "$row" | cut -d, -f6) vs $(column "$table" 3 | median)" test "$(close "$(echo "$row" | cut -d, -f6)" "$(column "$table" 3 | median)")" = 1
  fi
  # area fraction = summed particle area / image area (64 x 64 pixels of 0.25 nm)
  fraction=$(column "$table" 2 | awk '{ s += $1 } END { printf "%.9g\n", s / (64 * 64 * 0.0625) }')
  check_true "summary_${name}_area_fraction" "$(echo "$row" | cut -d, -f8) vs $fraction" test "$(close "$(echo "$row" | cut -d, -f8)" "$fraction")" = 1
done
all=$(grep '^all,' "$SUMMARY")
check_true "summary_all_count ($total)" "all row: $all" test "$(echo "$all" | cut -d, -f3)" = "$total"
check_true "summary_all_mean" "$(echo "$all" | cut -d, -f5) vs $(mean < "$WORK/all_diameters")" test "$(close "$(echo "$all" | cut -d, -f5)" "$(mean < "$WORK/all_diameters")")" = 1
check_true "summary_all_median" "$(echo "$all" | cut -d, -f6) vs $(median < "$WORK/all_diameters")" test "$(close "$(echo "$all" | cut -d, -f6)" "$(median < "$WORK/all_diameters")")" = 1
check_true "segment_2ranks_histogram" "particle_sizes.png missing" test -s "$WORK/out/particle_sizes.png"

# The same inputs on 1 and on 3 ranks (3 ranks: one rank gets two, another one): the same summary
# and tables apart from the provenance comment (a wrong offset in the gather of the diameters
# shuffles the pooled row or the histogram).
mkdir -p "$WORK/out1" "$WORK/out3"
check "segment_1rank" "$NANOFORGE" segment -model "$MODEL" -input "$INPUTS" -output_dir "$WORK/out1" -pixel_size 2.5
check "segment_3ranks" $MPIRUN -np 3 "$NANOFORGE" segment -model "$MODEL" -input "$INPUTS" -output_dir "$WORK/out3" -pixel_size 2.5
for n in 1 3; do
  same=1
  for f in particle_summary.csv one_overlay_particles.csv in4_overlay_particles.csv; do
    grep -v '^#' "$WORK/out/$f" > "$WORK/a.csv"; grep -v '^#' "$WORK/out$n/$f" > "$WORK/b.csv" 2>/dev/null
    cmp -s "$WORK/a.csv" "$WORK/b.csv" || same=0
  done
  check_true "segment_${n}_ranks_same_as_2" "summary or tables differ from the 2-rank run" test "$same" = 1
  check_true "segment_${n}_ranks_same_histogram" "particle_sizes.png differs from the 2-rank run" cmp -s "$WORK/out/particle_sizes.png" "$WORK/out$n/particle_sizes.png"
done

# ---- -min_area above every particle: all dropped ----
check_output "segment_min_area_drops_all" "0 particles \($n_one below -min_area dropped\)" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -index 2 -o "$WORK/big.png" -threshold 0.3 -min_area 100000
check_true "segment_min_area_empty_table" "rows left" test "$(table_rows "$WORK/big_particles.csv" | wc -l)" -eq 0
check_true "segment_min_area_summary_dropped" "$(grep '^all,' "$WORK/big_particle_summary.csv")" \
  test "$(grep '^all,' "$WORK/big_particle_summary.csv" | cut -d, -f3,4)" = "0,$n_one"

# ---- a calibrated micrograph with an uncalibrated one (a real TIA SER file, when ../shared is there) ----
SER=../shared/data/formats/64x64_TEM_images_acquire_1.ser
if [ -f "$SER" ]; then
  mkdir -p "$WORK/mix"
  check_output "segment_mixed_calibration" "pooled from 1 \(calibrated, nm\)" \
    "$NANOFORGE" segment -model "$MODEL" -input "$SER,$WORK/in1_overlay.png" -output_dir "$WORK/mix" -threshold 0.3
  MIX=$WORK/mix/particle_summary.csv
  ser_row=$(grep -v '^#' "$MIX" | grep '_1.ser,')
  png_row=$(grep -v '^#' "$MIX" | grep 'in1_overlay.png,')
  ser_rows=$(table_rows "$WORK/mix/64x64_TEM_images_acquire_1_particles.csv" | wc -l)
  check_true "mixed_units_per_row" "rows: $ser_row / $png_row" test "$(echo "$ser_row" | cut -d, -f2)$(echo "$png_row" | cut -d, -f2)" = nmpx
  check_true "mixed_ser_pixel_size_from_file" "SER row: $ser_row" test "$(echo "$ser_row" | cut -d, -f9 | cut -c1-6)" = 62.818
  check_true "mixed_all_pools_the_calibrated_only" "$(grep '^all,' "$MIX")" test "$(grep '^all,' "$MIX" | cut -d, -f2,3)" = "nm,$ser_rows"
  check_true "mixed_comment_counts_pooled" "no '1 of 2' comment" grep -q "'all': 1 of 2 micrographs pooled in nm" "$MIX"
else
  echo "SKIP segment_mixed_calibration: $SER not present"
fi

# ---- bad values ----
check_error "segment_negative_min_area" "-min_area -5\\.?: allowed an area >= 0" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -o "$WORK/x.png" -min_area -5
check_error "segment_zero_pixel_size" "-pixel_size 0\\.?: allowed x\[,y\] > 0" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/db.h5" -o "$WORK/x.png" -pixel_size 0
check_true "segment_refused_writes_nothing" "x.png or x_particles.csv written" sh -c "! ls '$WORK/x.png' '$WORK/x_particles.csv' >/dev/null 2>&1"
