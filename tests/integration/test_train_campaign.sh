#!/bin/sh
# test_train_campaign.sh — end to end on a database that `campaign` wrote (not test code):
# a tiny quickstart-like plan (8 structures x 2 conditions of 32x32 pixels), then `train`
# (2 ranks, 2 epochs, a small U-Net) and `evaluate` of the model on the held-out split that the
# model file stores. Checks: the split is by structure_id and holds whole structures (both
# images of each validation structure are scored, none of a training one), evaluate's pooled
# scores equal training's last validation scores (the same images), every score is a number in
# [0, 1], and the model stores the split as typed attributes. Then the same
# database without its structure id column: refused without -split_by image, accepted with it.
. tests/integration/lib.sh

sed -e 's/^-structures .*/-structures 8/' -e 's/^-conditions .*/-conditions 2/' -e 's/^-image_size .*/-image_size 32/' -e 's/^-support_size .*/-support_size 24,24,8/' \
  -e 's/^-radius .*/-radius uniform:4,6/' -e 's/^-sampling .*/-sampling 0.25/' -e 's/^-detector_pixel .*/-detector_pixel 0.5/' input/quickstart.opts > "$WORK/tiny.opts"
check "campaign_tiny" $MPIRUN -np 2 "$NANOFORGE" campaign -options_file "$WORK/tiny.opts" -o "$WORK/tiny.h5"
[ -s "$WORK/tiny.h5" ] || { echo "FAIL train_campaign_setup: the campaign wrote no database"; exit 1; }

TRAIN="-depth 2 -base_filters 8 -batch 4 -epochs 2 -val_fraction 0.25 -lr 3e-3 -seed 3"
check_output "train_on_campaign_split_by_structure" "16 images 32x32 \(16 selected\), split by structure_id: 12 train, 4 validation" \
  $MPIRUN -np 2 "$NANOFORGE" train -db "$WORK/tiny.h5" -o "$WORK/model.h5" $TRAIN
train_scores=$(echo "$out" | sed -n 's/.*validation precision \([0-9.]*\) recall \([0-9.]*\) F1 \([0-9.]*\) IoU \([0-9.]*\).*/\1 \2 \3 \4/p')
check_output "model_stores_split_seed_uint64" "H5T_STD_U64LE" h5dump -a /training/split_seed "$WORK/model.h5"
check_output "model_stores_split_fraction" "\(0\): 0.25" h5dump -a /training/split_validation_fraction "$WORK/model.h5"
check_output "model_stores_split_grouping" "\"structure\"" h5dump -a /training/split_grouping "$WORK/model.h5"

check_output "evaluate_on_campaign_database" "tiny.h5: 4 images" $MPIRUN -np 2 "$NANOFORGE" evaluate -model "$WORK/model.h5" -data "$WORK/tiny.h5" -o "$WORK/scores.csv"
evaluate_scores=$(echo "$out" | sed -n 's/.*precision \([0-9.]*\)  recall \([0-9.]*\)  F1 \([0-9.]*\)  IoU \([0-9.]*\).*/\1 \2 \3 \4/p')
# The same held-out images as training's last validation (the split read back from the model
# file, not from defaults): precision, recall, F1 and IoU equal to 4 decimals.
check_true "evaluate_scores_equal_training_validation ($evaluate_scores)" "train's last validation scores '$train_scores', evaluate's '$evaluate_scores'" \
  test -n "$train_scores" -a "$train_scores" = "$evaluate_scores"
# Rows: source,index,tp,fp,fn,tn,precision,recall,f1,iou; image i shows structure i/2 (2 conditions).
check_true "evaluate_scores_in_0_1" "a score outside [0, 1] or not a number in $(cat "$WORK/scores.csv" 2>/dev/null)" \
  sh -c "awk -F, 'NR > 1 { n++; for (k = 7; k <= 10; k++) if (\$k !~ /^[0-9.]+\$/ || \$k < 0 || \$k > 1) bad++ } END { exit !(n == 5 && bad == 0) }' '$WORK/scores.csv'"
check_true "evaluate_validation_holds_whole_structures" "validation rows are not two whole structures: $(cut -d, -f2 "$WORK/scores.csv" 2>/dev/null | tr '\n' ' ')" \
  sh -c "awk -F, 'NR > 1 && \$1 != \"all\" { count[int(\$2 / 2)]++; n++ } END { for (s in count) { if (count[s] != 2) exit 1; m++ } exit !(n == 4 && m == 2) }' '$WORK/scores.csv'"
check_output "evaluate_all_images" "tiny.h5: 16 images" "$NANOFORGE" evaluate -model "$WORK/model.h5" -data "$WORK/tiny.h5" -split all -o "$WORK/all.csv"

# Without the structure id column: leakage refused in one line naming the file and the option.
cp "$WORK/tiny.h5" "$WORK/noid.h5"
h5dump -d /metadata/structure_id "$WORK/noid.h5" > /dev/null 2>&1 || echo "FAIL train_campaign_setup: no /metadata/structure_id in the campaign database"
"${NF_BUILD:-build}/tests/test_database_reader" --remove-structure-id "$WORK/noid.h5" > /dev/null 2>&1 || echo "FAIL train_campaign_setup: cannot remove the structure id column"
check_error "train_refuses_database_without_structure_id" "database '$WORK/noid.h5' has no structure id column.*leakage.*-split_by image" \
  "$NANOFORGE" train -db "$WORK/noid.h5" -o "$WORK/noid_model.h5" $TRAIN
check_output "train_image_split_on_request" "split by image: 12 train, 4 validation" "$NANOFORGE" train -db "$WORK/noid.h5" -o "$WORK/noid_model.h5" $TRAIN -epochs 1 -split_by image
check_output "model_stores_image_grouping" "\"image\"" h5dump -a /training/split_grouping "$WORK/noid_model.h5"
check_output "evaluate_uses_the_stored_image_split" "noid.h5: 4 images" "$NANOFORGE" evaluate -model "$WORK/noid_model.h5" -data "$WORK/noid.h5" -o "$WORK/noid.csv"
check_error "train_split_by_unknown" "split_by" "$NANOFORGE" train -db "$WORK/tiny.h5" -o "$WORK/x.h5" $TRAIN -split_by unit
