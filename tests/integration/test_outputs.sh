#!/bin/sh
# test_outputs.sh — nothing a user has is lost, and the journal knows its database:
#   every command refuses, before any work, an output that is one of its inputs (same file,
#   also through a symbolic or hard link) and an existing output of another kind, and the
#   input is unchanged afterwards (md5); train -o in a missing folder fails at once;
#   campaign -o refuses a file that is not a campaign database, or another plan's database;
#   a journal copied from another run of the same plan is refused naming both files;
#   bytes damaged in a finished database are named by -verify (exit 1), recomputed by a
#   resume on 2 ranks bit for bit, after which -verify passes; train -verify names them too.
. tests/integration/lib.sh
cp "$NANOFORGE" "$WORK/binary" && NANOFORGE="$WORK/binary"
NF=$NANOFORGE
cat > "$WORK/tiny.opts" <<'OPTS'
-structures 4
-conditions 2
-seed 3
-material Au
-shape sphere
-radius uniform:4,6
-support amorphous_carbon
-support_size 16,16,6
-sampling 0.25
-slice_thickness 4
-fp_configs 0
-defocus uniform:-50,50
-dose uniform:100,1000
-detector_pixel 0.25
-image_size 64
OPTS
CAMPAIGN="$NF campaign -options_file $WORK/tiny.opts -fftw_wisdom $WORK/shared.wisdom"
sum() { md5sum "$1" | cut -d' ' -f1; }
unchanged() { # name file checksum-before
  check_true "$1" "'$2' changed or vanished" test -f "$2" -a "$(sum "$2" 2>/dev/null)" = "$3"
}

# ---- train ----
SYN=${NF_BUILD:-build}/tests/test_dataset
"$SYN" --write-synthetic "$WORK/db.h5" 16 2 32 5 >/dev/null 2>&1 || echo "FAIL outputs_setup: cannot write the synthetic database"
DB_SUM=$(sum "$WORK/db.h5")
check_error "train -db X -o X refused" "Option -o: .*db.h5' is the same file as the input -db" $NF train -db "$WORK/db.h5" -o "$WORK/db.h5"
ln -s "$WORK/db.h5" "$WORK/link.h5"
check_error "train -o through a symbolic link refused" "same file as the input -db" $NF train -db "$WORK/link.h5" -o "$WORK/db.h5"
ln "$WORK/db.h5" "$WORK/hard.h5"
ln "$WORK/db.h5" "$WORK/run_best.h5"
check_error "train -o through a hard link refused" "same file as the input -db" $NF train -db "$WORK/db.h5" -o "$WORK/hard.h5"
check_error "train -o whose _best.h5 is the -db refused" "Option -o \(best model\): .*run_best.h5' is the same file as the input -db" $NF train -db "$WORK/run_best.h5" -o "$WORK/run.h5"
unchanged "train: the database is unchanged" "$WORK/db.h5" "$DB_SUM"
check_error "train -o in a missing folder refused" "Option -o: cannot write '/nonexistent-nanoforge/m.h5': folder '/nonexistent-nanoforge' does not exist" $NF train -db "$WORK/db.h5" -o /nonexistent-nanoforge/m.h5 -epochs 50
# Refused before training starts (it was found at the first checkpoint, an epoch later): the
# training banner never appears. A check of what ran, not of seconds (the sanitizer build is slow).
check_true "train -o in a missing folder refused before training" "training started: $($NF train -db "$WORK/db.h5" -o /nonexistent-nanoforge/m.h5 -epochs 50 2>/dev/null | head -2)" \
  test -z "$($NF train -db "$WORK/db.h5" -o /nonexistent-nanoforge/m.h5 -epochs 50 2>/dev/null | grep '^train: ')"
echo "my notes" > "$WORK/notes.h5"
check_error "train -o onto a file that is not HDF5 refused" "notes.h5' exists and is not an HDF5 file" $NF train -db "$WORK/db.h5" -o "$WORK/notes.h5"
check_true "train: the foreign file is unchanged" "notes.h5 changed" grep -q "my notes" "$WORK/notes.h5"
check_error "train -o a folder refused" "Option -o: '.*' is a directory" $NF train -db "$WORK/db.h5" -o "$WORK"

# ---- simulate, segment, evaluate ----
printf '1\n\nAu 8 8 3\n' > "$WORK/s.xyz"
S_SUM=$(sum "$WORK/s.xyz")
check_error "simulate -structure X -o X refused" "Option -o: .*s.xyz' is the same file as the input -structure" $NF simulate -structure "$WORK/s.xyz" -o "$WORK/s.xyz"
check_error "simulate -png X -structure X refused" "Option -png: .*same file as the input -structure" $NF simulate -structure "$WORK/s.xyz" -o "$WORK/sim.h5" -png "$WORK/s.xyz"
unchanged "simulate: the structure is unchanged" "$WORK/s.xyz" "$S_SUM"
check_true "simulate: no output written" "sim.h5 exists" test ! -e "$WORK/sim.h5"
cp "$WORK/db.h5" "$WORK/model.h5"
printf 'not really a picture' > "$WORK/img.png"
IMG_SUM=$(sum "$WORK/img.png")
check_error "segment -input X -o X refused" "Option -o: .*img.png' is the same file as the input -input" $NF segment -model "$WORK/model.h5" -input "$WORK/img.png" -o "$WORK/img.png"
check_error "segment -o = -model refused" "same file as the input -model" $NF segment -model "$WORK/model.h5" -input "$WORK/img.png" -o "$WORK/model.h5"
mkdir -p "$WORK/out" && cp "$WORK/img.png" "$WORK/out/img_overlay.png"
check_error "segment overlay in -output_dir = an input refused" "Option -output_dir: .*img_overlay.png' is the same file as the input -input" $NF segment -model "$WORK/model.h5" -input "$WORK/out/img_overlay.png,$WORK/img.png" -output_dir "$WORK/out"
unchanged "segment: the input is unchanged" "$WORK/img.png" "$IMG_SUM"
mkdir -p "$WORK/other" && cp "$WORK/img.png" "$WORK/other/img.png"
check_error "segment: two inputs of one name into one -output_dir refused" "would both write '.*out/img_mask.png'" $NF segment -model "$WORK/model.h5" -input "$WORK/img.png,$WORK/other/img.png" -output_dir "$WORK/out"
check_error "evaluate -data X -o X refused" "Option -o: .*db.h5' is the same file as the input -data" $NF evaluate -model "$WORK/model.h5" -data "$WORK/db.h5" -o "$WORK/db.h5"
check_error "evaluate -montage = -model refused" "Option -montage: .*same file as the input -model" $NF evaluate -model "$WORK/model.h5" -data "$WORK/db.h5" -montage "$WORK/model.h5"
unchanged "evaluate: the data are unchanged" "$WORK/db.h5" "$DB_SUM"

cat > "$WORK/au.cif" <<'CIF'
data_Au
_cell_length_a 4.078
_cell_length_b 4.078
_cell_length_c 4.078
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
x,y+1/2,z+1/2
x+1/2,y,z+1/2
x+1/2,y+1/2,z
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Au1 Au 0 0 0
CIF
CIF_SUM=$(sum "$WORK/au.cif")
check_error "build -cif X -o X refused" "Option -o: .*au.cif' is the same file as the input -cif" $NF build -cif "$WORK/au.cif" -o "$WORK/au.cif"
check_error "simulate -cif X -o X refused" "Option -o: .*au.cif' is the same file as the input -cif" $NF simulate -cif "$WORK/au.cif" -o "$WORK/au.cif"
grep -v '^-material' "$WORK/tiny.opts" > "$WORK/cif.opts"
check_error "campaign -cif X -o X refused" "Option -o: .*au.cif' is the same file as the input -cif" $NF campaign -options_file "$WORK/cif.opts" -cif "$WORK/au.cif" -o "$WORK/au.cif"
unchanged "the CIF file is unchanged" "$WORK/au.cif" "$CIF_SUM"

# ---- campaign: what -o may replace ----
OPTS_SUM=$(sum "$WORK/tiny.opts")
check_error "campaign -options_file F -o F refused" "Option -o: .*tiny.opts' is the same file as the input -options_file" $CAMPAIGN -o "$WORK/tiny.opts"
unchanged "campaign: the options file is unchanged" "$WORK/tiny.opts" "$OPTS_SUM"
echo "precious" > "$WORK/precious.h5"
check_error "campaign -o a file that is not a database refused" "precious.h5' exists and is not a nanoforge campaign database" $CAMPAIGN -o "$WORK/precious.h5"
check_true "campaign: the foreign file is unchanged, no journal or wisdom beside it" "changed, or files were written" \
  sh -c "grep -q precious '$WORK/precious.h5' && test ! -e '$WORK/precious.h5.journal' -a ! -e '$WORK/precious.h5.fftw_wisdom'"
check_output "reference campaign" "4 of 4 units complete" $CAMPAIGN -o "$WORK/a.h5"
check "second campaign of the same plan" $CAMPAIGN -o "$WORK/b.h5"
check_true "a run id in the journal header and the database" "no run id" \
  sh -c "head -1 '$WORK/a.h5.journal' | grep -Eq ' id [0-9a-f]{16} ' && h5dump -a /run_id '$WORK/a.h5' | grep -q \"\$(head -1 '$WORK/a.h5.journal' | sed 's/.* id \([0-9a-f]*\) .*/\1/')\""
check_true "the two runs have different ids" "same id" test "$(head -1 "$WORK/a.h5.journal" | cut -d' ' -f11)" != "$(head -1 "$WORK/b.h5.journal" | cut -d' ' -f11)"
cp "$WORK/a.h5" "$WORK/other.h5"
OTHER_SUM=$(sum "$WORK/other.h5")
check_error "campaign -o another plan's database (no journal) refused" "other.h5' is the database of another plan" $CAMPAIGN -o "$WORK/other.h5" -seed 4
unchanged "campaign: the other plan's database is unchanged" "$WORK/other.h5" "$OTHER_SUM"
check_output "with -fresh it may be replaced" "4 of 4 units complete" $CAMPAIGN -o "$WORK/other.h5" -seed 4 -fresh

# ---- the journal knows its database ----
cp "$WORK/b.h5" "$WORK/c.h5" && cp "$WORK/a.h5.journal" "$WORK/c.h5.journal"
check_error "a journal from another run of the same plan refused, naming both files" "Database '.*c.h5' \(run id [0-9a-f]+\) and its journal '.*c.h5.journal' \(run id [0-9a-f]+\) come from different runs" $CAMPAIGN -o "$WORK/c.h5"
check_error "-verify refuses it too" "come from different runs" $CAMPAIGN -o "$WORK/c.h5" -verify
check_output "-verify passes on an intact database" "4 finished unit\(s\) of 4 checked .*all intact" $CAMPAIGN -o "$WORK/a.h5" -verify

# ---- damage: found, named, repaired bit for bit ----
cp "$WORK/a.h5" "$WORK/d.h5" && cp "$WORK/a.h5.journal" "$WORK/d.h5.journal"
# Unit 2 holds images 4 and 5: find image 4's bytes in the file and overwrite some with random ones.
h5dump -d /data/images/data -s "4,0,0" -c "1,64,64" -b LE -o "$WORK/u.bin" "$WORK/d.h5" > /dev/null 2>&1
command -v python3 > /dev/null || echo "FAIL outputs_setup: python3 is needed to locate unit 2's bytes in the file"
offset=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); u=open(sys.argv[2],'rb').read(); print(d.find(u[:512]) if len(u)==16384 and d.count(u[:512])==1 else -1)" "$WORK/d.h5" "$WORK/u.bin")
check_true "unit 2's image found in the file" "offset $offset" test "$offset" -gt 0
head -c 64 /dev/urandom | dd of="$WORK/d.h5" bs=1 seek=$((offset + 1000)) conv=notrunc 2>/dev/null
check_true "the damage changed the database" "h5diff sees no difference" sh -c "! h5diff -q '$WORK/a.h5' '$WORK/d.h5' /data/images/data /data/images/data >/dev/null 2>&1"
check_error "-verify names the damaged unit (exit non-zero)" "1 of 4 finished units are damaged .*: unit 2;" $CAMPAIGN -o "$WORK/d.h5" -verify
check_error "train -verify names it too, before training" "unit 2;" $NF train -db "$WORK/d.h5" -o "$WORK/m.h5" -depth 2 -base_filters 4 -batch 2 -epochs 1
check_true "train wrote nothing" "m.h5 exists" test ! -e "$WORK/m.h5"
check_output "resume on 2 ranks recomputes the damaged unit" "1 finished unit\(s\) of .*d.h5' no longer match .*: 2; computing them again" $MPIRUN -n 2 $CAMPAIGN -o "$WORK/d.h5"
check_output "-verify passes after the repair" "all intact" $CAMPAIGN -o "$WORK/d.h5" -verify
st=0
for object in /data/images/data /data/masks/data /metadata/defocus /metadata/structure_id; do
  h5diff -q "$WORK/a.h5" "$WORK/d.h5" $object $object > /dev/null 2>&1 || { echo "differs: $object"; st=1; }
done
_record $st "the repaired database equals the undamaged one bit for bit" "a.h5 and d.h5 differ"
check_true "no temporary file left anywhere" "$(ls "$WORK" | grep '\.tmp')" sh -c "! ls '$WORK' | grep -q '\.tmp'"
