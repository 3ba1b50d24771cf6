#!/bin/sh
# test_segment_scale.sh — scale-aware segmentation through the real binary:
#   a tiny campaign at 0.2 Å/pixel (48 structures x 2 conditions, 64x64) trains a small U-Net for
#     10 epochs (~5 s); the model records /training pixel_size_A = 0.2 (float64) and normalize;
#   one scene (a seed the campaign did not use, noise-free) simulated at 0.2 and at 0.1 Å/pixel
#     and segmented by that model: the 0.1 one is resampled by 0.5, predicted and brought back;
#     its mask and the 0.2 mask brought to its grid agree with IoU >= 0.9 (0.97 measured);
#   the control: the 0.1 image segmented with -resample false (the model sees particles twice
#     too large) agrees with IoU < 0.8 (0.51 measured), so the check above can fail;
#   -resample false predicts at the file's own scale: the same mask, pixel for pixel, as a run
#     whose -pixel_size equals the model's (scale factor 1);
#   an uncalibrated micrograph (a PNG) is refused naming the file, the model, -pixel_size and
#     -resample false;
#   a model trained on a database without a pixel size records 0 (and its normalisation) and
#     segments a calibrated micrograph at its own scale, saying so.
# -pixel_size gives the simulated files' calibration (segment's reader may not find it in them).
. tests/integration/lib.sh
HELPER=${NF_BUILD:-build}/tests/test_resample
if [ ! -x "$HELPER" ]; then echo "FAIL scale_setup: $HELPER missing (make tests-build)"; exit 1; fi
train_model_at_0_2 scale
check_output "model_records_pixel_size" "H5T_IEEE_F64LE.*\(0\): 0.2$" sh -c "h5dump -a /training/pixel_size_A '$MODEL' | tr '\n' ' ' | sed 's/ *}.*//'"
check_output "model_records_normalize" "\"minmax\"" h5dump -a /training/normalize "$MODEL"

# One scene, noise-free, at the campaign's 0.2 Å/pixel and at 0.1 Å/pixel (twice the pixels).
check "simulate_at_0.2" "$NANOFORGE" simulate -options_file "$WORK/scene.opts" -seed 7 -unit 3 -o "$WORK/s02.h5"
check "simulate_at_0.1" "$NANOFORGE" simulate -options_file "$WORK/scene.opts" -seed 7 -unit 3 -detector_pixel 0.1 -image_size 128 -o "$WORK/s01.h5"

check_output "segment_0.1_resampled" "s01.h5: 0.1 x 0.1 Angstrom/pixel to the model's 0.2: scale factor 0.5 x 0.5 \(128x128 predicted as 64x64\)" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/s01.h5" -o "$WORK/a01.png" -pixel_size 0.1
check_output "segment_0.2_not_resampled" "s02.h5: 0.2 x 0.2 Angstrom/pixel to the model's 0.2: scale factor 1 x 1" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/s02.h5" -o "$WORK/a02.png" -pixel_size 0.2
iou=$("$HELPER" --mask-iou "$WORK/a01.png" "$WORK/a02.png")
check_true "masks_at_0.1_and_0.2_agree ($iou)" "IoU below 0.9" test "$(echo "$iou" | awk '$1 == "iou" { print ($2 >= 0.9) }')" = 1

check_output "segment_resample_false" "s01.h5: scale factor 1 \(-resample false\)" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/s01.h5" -o "$WORK/n01.png" -resample false
control=$("$HELPER" --mask-iou "$WORK/n01.png" "$WORK/a02.png")
check_true "without_resampling_masks_disagree ($control)" "IoU >= 0.8: the scene does not show the scale, the check above proves nothing" \
  test "$(echo "$control" | awk '$1 == "iou" { print ($2 < 0.8) }')" = 1
check "segment_at_model_pixel_size" "$NANOFORGE" segment -model "$MODEL" -input "$WORK/s01.h5" -o "$WORK/same.png" -pixel_size 0.2
same=$("$HELPER" --mask-iou "$WORK/n01.png" "$WORK/same.png")
check_true "resample_false_is_own_scale ($same)" "masks differ" test "$(echo "$same" | awk '{ print $4 }')" = 0

check_error "uncalibrated_micrograph_refused" "micrograph '.*a02_overlay.png' has no pixel size and model '.*m_best.h5' was trained at 0.2 .*-pixel_size.*-resample false" \
  "$NANOFORGE" segment -model "$MODEL" -input "$WORK/a02_overlay.png" -o "$WORK/refused.png"

# A database without a pixel size (the synthetic one: axes in pixels): the model records 0 and
# segment uses micrographs at their own scale, saying so.
SYN=${NF_BUILD:-build}/tests/test_dataset
"$SYN" --write-synthetic "$WORK/syn.h5" 12 2 32 3 > /dev/null 2>&1 || echo "FAIL scale_setup_synthetic: cannot write the synthetic database"
check "train_on_uncalibrated_database" "$NANOFORGE" train -db "$WORK/syn.h5" -depth 2 -base_filters 4 -batch 8 -epochs 1 -normalize standard -o "$WORK/syn_model.h5"
check_output "uncalibrated_model_records_0" "\(0\): 0$" sh -c "h5dump -a /training/pixel_size_A '$WORK/syn_model.h5' | tr '\n' ' ' | sed 's/ *}.*//'"
check_output "uncalibrated_model_records_standard" "\"standard\"" h5dump -a /training/normalize "$WORK/syn_model.h5"
check_output "model_without_pixel_size_not_resampled" "a02_overlay.png: scale factor 1 \(the model records no pixel size\)" \
  "$NANOFORGE" segment -model "$WORK/syn_model.h5" -input "$WORK/a02_overlay.png" -o "$WORK/syn.png" -pixel_size 0.1
