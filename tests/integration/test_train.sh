#!/bin/sh
# test_train.sh — nanoforge train / evaluate / segment through the real binary on a small
# labelled synthetic database of the campaign layout (written by build/tests/test_dataset):
#   1 rank × batch 8 vs 2 ranks × batch 4 (SGD, synchronised batch norm): same weights within
#     2e-4 absolute after 2 epochs (max |w| ~ 1). Float summation order differs, and training
#     amplifies it: on 1 rank, im2col and Winograd convolutions end 7e-5 apart. A wrong gradient
#     average is far above the bound: lr 0.0101 instead of 0.01 ends 2.8e-3 apart, 2× ends 0.22;
#   resume: 2 epochs + -resume 2 more == 4 uninterrupted epochs, bit for bit (/parameters);
#   a corrupt newest checkpoint: the previous one is used and the run says so;
#   a model trained ~10 s reaches F1 > 0.9 on the held-out structures (evaluate);
#   segment writes mask and overlay; bad inputs give clear errors naming the file.
. tests/integration/lib.sh
SYN=${NF_BUILD:-build}/tests/test_dataset
if [ ! -x "$SYN" ]; then echo "FAIL train_setup: $SYN missing (make tests-build)"; exit 1; fi
DB=$WORK/db.h5
"$SYN" --write-synthetic "$DB" 48 2 32 5 >/dev/null 2>&1 || { echo "FAIL train_setup: cannot write the synthetic database"; exit 1; }
SMALL="-db $DB -depth 2 -base_filters 8 -batch 8 -val_fraction 0.25"

# Maximum absolute difference of /parameters between two model files.
param_diff() {
  h5dump -d /parameters -y -w 1 -o "$WORK/p1.txt" "$1" >/dev/null 2>&1
  h5dump -d /parameters -y -w 1 -o "$WORK/p2.txt" "$2" >/dev/null 2>&1
  paste -d' ' "$WORK/p1.txt" "$WORK/p2.txt" | tr -d ',' | awk 'NF==2 {d=$1-$2; if(d<0)d=-d; if(d>m)m=d; n++} END {if(n<100) print "nan"; else printf "%.3g\n", m}'
}

# ---- 1 rank vs 2 ranks ----
check "train_1rank_sgd" $MPIRUN -np 1 "$NANOFORGE" train $SMALL -o "$WORK/r1.h5" -epochs 2 -optimizer sgd -lr 0.01 -check_replicas 1
check "train_2ranks_sgd" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -o "$WORK/r2.h5" -epochs 2 -optimizer sgd -lr 0.01 -check_replicas 1 -allreduce_bucket 4096
diff12=$(param_diff "$WORK/r1.h5" "$WORK/r2.h5")
check_true "train_1rank_equals_2ranks (max |dw| = $diff12 <= 2e-4)" "weights differ" test "$(awk -v d="$diff12" 'BEGIN {print (d != "nan" && d <= 2e-4)}')" = 1
check_output "train_reports_batches" "global batch 8 = 2 ranks x per-rank batch 4" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -o "$WORK/r3.h5" -epochs 1 -steps_per_epoch 2 -validate false

# Bucketed all-reduce averages exactly; a replica divergence is detected (2 ranks).
out=$($MPIRUN -np 2 ${NF_BUILD:-build}/tests/test_gradient_allreduce 2>&1)
check_true "allreduce_and_replica_check_2ranks" "$out" test "$(echo "$out" | grep -c '^PASS')" -eq 6 -a "$(echo "$out" | grep -c '^FAIL')" -eq 0

# ---- resume equals uninterrupted ----
check "train_uninterrupted_4" "$NANOFORGE" train $SMALL -o "$WORK/full.h5" -epochs 4 -steps_per_epoch 4 -lr 3e-3
check "train_first_2" "$NANOFORGE" train $SMALL -o "$WORK/part.h5" -epochs 4 -steps_per_epoch 4 -lr 3e-3 -stop_after 2
check_output "train_resume_2_more" "resumed from the checkpoint of epoch 2" "$NANOFORGE" train $SMALL -o "$WORK/part.h5" -epochs 4 -steps_per_epoch 4 -lr 3e-3 -resume
h5dump -d /parameters "$WORK/full.h5" | grep -v HDF5 > "$WORK/full.txt"
h5dump -d /parameters "$WORK/part.h5" | grep -v HDF5 > "$WORK/part.txt"
check "train_resume_bit_identical" cmp -s "$WORK/full.txt" "$WORK/part.txt"
check_true "train_keeps_3_checkpoints" "expected checkpoints 2,3,4 only" test "$(ls "$WORK"/part_checkpoint_*.h5 | wc -l)" -eq 3
check_true "train_writes_best_and_metrics" "missing part_best.h5 / metrics" test -s "$WORK/part_best.h5" -a -s "$WORK/part_metrics.csv" -a -s "$WORK/part_metrics.png"
check_true "train_metrics_rows" "metrics.csv should have header + 4 epochs" test "$(wc -l < "$WORK/part_metrics.csv")" -eq 5

# The same at 2 ranks (synchronised batch norm, every rank loads the checkpoint).
check "train_2ranks_uninterrupted_2" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -o "$WORK/full2.h5" -epochs 2 -steps_per_epoch 3
check "train_2ranks_first_1" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -o "$WORK/part2.h5" -epochs 2 -steps_per_epoch 3 -stop_after 1
check "train_2ranks_resume" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -o "$WORK/part2.h5" -epochs 2 -steps_per_epoch 3 -resume
h5dump -d /parameters "$WORK/full2.h5" | grep -v HDF5 > "$WORK/full2.txt"
h5dump -d /parameters "$WORK/part2.h5" | grep -v HDF5 > "$WORK/part2.txt"
check "train_2ranks_resume_bit_identical" cmp -s "$WORK/full2.txt" "$WORK/part2.txt"

# ---- corrupt newest checkpoint ----
printf 'garbage' > "$WORK/part_checkpoint_0004.h5"
check_output "train_corrupt_checkpoint_falls_back" "part_checkpoint_0004.h5' is corrupt.*falling back|resuming from the previous checkpoint .*part_checkpoint_0003.h5" \
  "$NANOFORGE" train $SMALL -o "$WORK/part.h5" -epochs 4 -steps_per_epoch 4 -lr 3e-3 -resume
check_error "train_resume_other_architecture" "was made for a U-Net with depth 2.*this run asks for depth 1" \
  "$NANOFORGE" train -db "$DB" -depth 1 -base_filters 8 -batch 8 -o "$WORK/part.h5" -epochs 5 -resume

# ---- accuracy on held-out structures ----
"$SYN" --write-synthetic "$WORK/big.h5" 96 2 32 11 >/dev/null 2>&1
check "train_accuracy_run" "$NANOFORGE" train -db "$WORK/big.h5" -depth 2 -base_filters 8 -batch 8 -o "$WORK/acc.h5" -epochs 12 -lr 1e-2 -lr_decay 0.85
out=$("$NANOFORGE" evaluate -model "$WORK/acc_best.h5" -data "$WORK/big.h5" -o "$WORK/scores.csv" -montage "$WORK/montage.png" 2>&1)
f1=$(echo "$out" | sed -n 's/.*F1 \([0-9.]*\).*/\1/p' | tail -1)
check_true "evaluate_heldout_f1_above_0.9 (F1 = $f1)" "$out" test "$(awk -v f="$f1" 'BEGIN {print (f != "" && f > 0.9)}')" = 1
check_true "evaluate_csv_rows" "scores.csv rows" test "$(grep -c '^all,' "$WORK/scores.csv")" -eq 1
check_true "evaluate_montage" "montage.png missing" test -s "$WORK/montage.png"
# On 2 ranks (batches dealt round-robin, rows gathered in input order): the same file and montage.
check "evaluate_2ranks" $MPIRUN -np 2 "$NANOFORGE" evaluate -model "$WORK/acc_best.h5" -data "$WORK/big.h5" -o "$WORK/scores2.csv" -montage "$WORK/montage2.png"
check "evaluate_2ranks_same_scores_file" cmp -s "$WORK/scores.csv" "$WORK/scores2.csv"
check "evaluate_2ranks_same_montage" cmp -s "$WORK/montage.png" "$WORK/montage2.png"

# ---- segment ----
check_output "segment_database_image" "particles" "$NANOFORGE" segment -model "$WORK/acc_best.h5" -input "$WORK/big.h5" -index 5 -o "$WORK/mask.png"
check_true "segment_writes_mask_and_overlay" "missing outputs" test -s "$WORK/mask.png" -a -s "$WORK/mask_overlay.png"
check "evaluate_image_mask_pair" "$NANOFORGE" evaluate -model "$WORK/acc_best.h5" -data "$WORK/mask_overlay.png" -mask "$WORK/mask.png" -o "$WORK/pair.csv"

# ---- bad input ----
"$SYN" --write-synthetic "$WORK/nomasks.h5" 4 2 32 1 nomasks >/dev/null 2>&1
check_error "train_database_without_masks" "nomasks.h5' has no masks" "$NANOFORGE" train -db "$WORK/nomasks.h5" -o "$WORK/x.h5"
check_error "train_missing_database" "cannot open the database '$WORK/none.h5'" "$NANOFORGE" train -db "$WORK/none.h5" -o "$WORK/x.h5"
check_error "train_batch_not_divisible" "-batch 7: the global batch must be divisible by the 2 ranks" $MPIRUN -np 2 "$NANOFORGE" train $SMALL -batch 7 -o "$WORK/x.h5"
check_error "train_unknown_select_column" "no per-image column 'thickness'" "$NANOFORGE" train $SMALL -select "thickness<5" -o "$WORK/x.h5"
check_error "train_depth_not_dividing" "database .*db.h5. holds .* images; -depth 6 needs sides divisible by 64" "$NANOFORGE" train -db "$DB" -depth 6 -o "$WORK/x.h5"
check_error "evaluate_mask_size_mismatch" "image .*mask.png. is [0-9]+x[0-9]+ but its mask .*acc_metrics.png. is" "$NANOFORGE" evaluate -model "$WORK/acc_best.h5" -data "$WORK/mask.png" -mask "$WORK/acc_metrics.png"
check_true "evaluate_failure_leaves_no_file" "evaluation.csv or its .tmp left behind" sh -c "! ls evaluation.csv evaluation.csv.tmp >/dev/null 2>&1"
# the bad pair is the second, scored by rank 1: its error still names the files, and no file is left
check_error "evaluate_2ranks_mask_mismatch_on_rank_1" "image .*mask.png. is [0-9]+x[0-9]+ but its mask .*acc_metrics.png. is" $MPIRUN -np 2 "$NANOFORGE" evaluate -model "$WORK/acc_best.h5" \
  -data "$WORK/mask_overlay.png,$WORK/mask.png" -mask "$WORK/mask.png,$WORK/acc_metrics.png" -o "$WORK/never.csv"
check_true "evaluate_2ranks_failure_leaves_no_file" "never.csv or its .tmp left behind" sh -c "! ls '$WORK/never.csv' '$WORK/never.csv.tmp' >/dev/null 2>&1"
check_error "segment_bad_micrograph" "scores.csv. is not a micrograph format" "$NANOFORGE" segment -model "$WORK/acc_best.h5" -input "$WORK/scores.csv" -output_dir "$WORK"
check_error "evaluate_model_not_hdf5" "scores.csv" "$NANOFORGE" evaluate -model "$WORK/scores.csv" -data "$DB"

# ---- on a real campaign database (quickstart plan), when the campaign command is built ----
$MPIRUN -np 2 "$NANOFORGE" campaign -options_file input/quickstart.opts -o "$WORK/quick.h5" > "$WORK/campaign.log" 2>&1
if [ $? -eq 0 ] && [ -s "$WORK/quick.h5" ]; then
  check_output "train_on_campaign_database" "split by structure_id" $MPIRUN -np 2 "$NANOFORGE" train -db "$WORK/quick.h5" -o "$WORK/q.h5" -depth 3 -base_filters 8 \
    -batch 4 -epochs 1 -steps_per_epoch 2 -select "dose>=0" -dose_resample uniform:100,300
  check_output "segment_campaign_image" "particles" "$NANOFORGE" segment -model "$WORK/q.h5" -input "$WORK/quick.h5" -index 1 -o "$WORK/q_mask.png"
fi
