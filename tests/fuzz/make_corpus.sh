#!/bin/sh
# make_corpus.sh — how tests/fuzz/corpus/ was assembled (rerun to refresh it; needs
# ../shared/data/formats/ and a normal build for the structure seeds). Seeds are small
# real files (at most 64 KB, one Velox file excepted) so that each run starts deep in its format.
# The journal and model-file seeds are written by their harnesses (NF_FUZZ_WRITE_SEED).
set -e
cd "$(dirname "$0")/../.."
formats=${FORMATS:-../shared/data/formats}
corpus=tests/fuzz/corpus
NANOFORGE=${NANOFORGE:-bin/nanoforge}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
for t in cif xyz dm ser tiff_png hdf5 journal model_file distribution options_file; do mkdir -p $corpus/$t; done
small() { [ "$(wc -c < "$1")" -le 65536 ]; }

# Gatan DM3/DM4: five of the data-type test files (test-2, 3, 6, 7, 23) in 2-D, a 3-D one, a stack.
for f in "$formats"/dm_2D_test-[2367].dm[34] "$formats"/dm_2D_test-23.dm[34] "$formats"/dm_3D_test-1.dm[34] \
         "$formats"/rsciio_2D_test-1.dm[34] "$formats"/test_stackbuilder_imagestack.dm3 "$formats"/dm_Fei_HAADF-UK_location.dm3; do
  small "$f" && cp "$f" $corpus/dm/
done
# FEI SER: every small one (2-D images, stacks, a spectrum).
for f in "$formats"/*.ser; do small "$f" && cp "$f" $corpus/ser/; done
# TIFF (grey, RGB, stacks, ImageJ/DM writers); PNGs come from the program's own writer below.
for f in "$formats"/*.tif; do small "$f" && cp "$f" $corpus/tiff_png/; done
# HDF5: Berkeley EMD files and one Velox EMD (the smallest, 197 KB).
for f in "$formats"/*.emd; do small "$f" && cp "$f" $corpus/hdf5/; done
cp "$formats"/fei_example_tem_stack.emd $corpus/hdf5/
# ... and a nanoforge database (2 structures x 2 conditions, 16x16, with masks): dataset.c's layout.
${NF_BUILD:-build}/tests/test_dataset --write-synthetic $corpus/hdf5/synthetic_database_2x2_16px.h5 2 2 16 5 >/dev/null

# Structures written by the program in each format, and a picture (PNG).
$NANOFORGE build -material Au -shape sphere -radius 4 -o $corpus/xyz/au_sphere.xyz >/dev/null
$NANOFORGE build -material Au -shape cuboctahedron -radius 4 -twins 1 -support amorphous_carbon -support_size 12,12,4 \
  -o $corpus/xyz/au_on_carbon.extxyz -png $corpus/tiff_png/scene.png >/dev/null
$NANOFORGE build -material Pt -shape sphere -radius 3 -format prismatic -o $corpus/xyz/pt.prismatic >/dev/null

# CIF: a symmetry-expanded crystal, a hexagonal one with quoted and multi-line values, two blocks.
printf '%s\n' "# rock salt" data_NaCl "_cell_length_a 5.6402(3)" "_cell_length_b 5.6402(3)" "_cell_length_c 5.6402(3)" \
  "_cell_angle_alpha 90" "_cell_angle_beta 90.0" "_cell_angle_gamma 90" "_symmetry_space_group_name_H-M 'F m -3 m'" \
  loop_ _symmetry_equiv_pos_site_id _symmetry_equiv_pos_as_xyz "1 'x,y,z'" "2 '-x,-y,-z'" "3 'x,y+1/2,z+1/2'" \
  "4 'x+1/2,y,z+1/2'" "5 'x+1/2,y+1/2,z'" "6 'y,z,x'" "7 'z,x,y'" "8 '-y,x,z'" \
  loop_ _atom_site_label _atom_site_type_symbol _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z _atom_site_occupancy \
  "Na1 Na1+ 0 0 0 1.0" "Cl1 Cl1- 0.5 0.5 0.5(0) 1" > $corpus/cif/nacl.cif
printf '%s\n' data_ZnO "_chemical_name_common 'zinc oxide'" "_publ_section_title" ";" "Wurtzite, a test" ";" \
  "_cell_length_a 3.2496" "_cell_length_b 3.2496" "_cell_length_c 5.2042" "_cell_angle_alpha 90" "_cell_angle_beta 90" \
  "_cell_angle_gamma 120" loop_ _space_group_symop_operation_xyz "x,y,z" "-y,x-y,z" "-x+y,-x,z" "-x,-y,z+1/2" "y,-x+y,z+1/2" "x-y,x,z+1/2" \
  loop_ _atom_site_label _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z _atom_site_U_iso_or_equiv \
  "Zn 0.3333 0.6667 0 0.0079" "O 0.3333 0.6667 0.3821 0.01" > $corpus/cif/zno.cif
printf '%s\n' "# two phases" data_gold "_cell_length_a 4.0782" "_cell_length_b 4.0782" "_cell_length_c 4.0782" \
  "_cell_angle_alpha 90" "_cell_angle_beta 90" "_cell_angle_gamma 90" "_symmetry_equiv_pos_as_xyz 'x,y,z'" \
  loop_ _atom_site_type_symbol _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z "Au 0 0 0" "Au 0.5 0.5 0" "Au 0.5 0 0.5" "Au 0 0.5 0.5" \
  data_Copper_RT "_cell_length_a 3.6149" "_cell_length_b 3.6149" "_cell_length_c 3.6149" "_cell_angle_alpha 90" "_cell_angle_beta 90" \
  "_cell_angle_gamma 90" loop_ _atom_site_type_symbol _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z "Cu 0 0 0" > $corpus/cif/two_blocks.cif

# Options files and the distribution specs in them.
cp input/*.opts input/sweeps/*.opts $corpus/options_file/
i=0
grep -h '^-' input/*.opts input/sweeps/*.opts | awk '$2 ~ /[:,]/ {print $2}' | sort -u | while read -r spec; do
  i=$((i + 1)); printf '%s' "$spec" > $corpus/distribution/spec_$i
done

# Journal and model file from their harnesses (which exit after writing: libFuzzer calls that an error).
printf x > $FUZZ_BUILD/seed-input
NF_FUZZ_WRITE_SEED=$PWD/$corpus/journal/units_0_3_5.journal $FUZZ_BUILD/fuzz/fuzz_journal $FUZZ_BUILD/seed-input >/dev/null 2>&1 || true
NF_FUZZ_WRITE_SEED=$PWD/$corpus/model_file/depth1_base4.h5 $FUZZ_BUILD/fuzz/fuzz_model_file $FUZZ_BUILD/seed-input >/dev/null 2>&1 || true
echo "corpus: $(du -sh $corpus | cut -f1) in $(find $corpus -type f | wc -l) files"
