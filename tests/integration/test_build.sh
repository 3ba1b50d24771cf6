#!/bin/sh
# test_build.sh — `nanoforge build` through the real binary: the contract commands with
# their atom counts, formats, help, unused options, bad input without partial files.
. tests/integration/lib.sh

count() { head -1 "$1" | tr -d ' \r'; }

check "sphere R=20" $NANOFORGE build -material Au -shape sphere -radius 20 -o $WORK/particle.xyz
check_true "sphere R=20 holds 1985 atoms" "first line $(count $WORK/particle.xyz 2>/dev/null)" [ "$(count $WORK/particle.xyz)" = 1985 ]

for pair in 1:1 2:13 3:55 4:147; do
  shells=${pair%%:*}; atoms=${pair##*:}
  check "icosahedron $shells shells" $NANOFORGE build -material Au -shape icosahedron -shells $shells -o $WORK/ico$shells.xyz
  check_true "icosahedron $shells shells holds $atoms atoms" "first line $(count $WORK/ico$shells.xyz 2>/dev/null)" [ "$(count $WORK/ico$shells.xyz)" = $atoms ]
done
check "decahedron 3" $NANOFORGE build -material Au -shape decahedron -shells 3 -o $WORK/deca.xyz
check_true "decahedron 3 holds 23 atoms" "first line $(count $WORK/deca.xyz 2>/dev/null)" [ "$(count $WORK/deca.xyz)" = 23 ]

check "carbon support" $NANOFORGE build -shape none -support amorphous_carbon -support_size 100,100,30 -o $WORK/support.xyz
# 0.1103 atoms/Å³ × 300000 Å³ = 33090
check_true "carbon support holds 33090 atoms" "first line $(count $WORK/support.xyz 2>/dev/null)" [ "$(count $WORK/support.xyz)" = 33090 ]
check_true "xyz line count = atoms + 2" "$(wc -l < $WORK/support.xyz) lines" [ "$(wc -l < $WORK/support.xyz)" -eq 33092 ]

# Same seed → the same file body; another unit → another structure.
$NANOFORGE build -shape none -support amorphous_carbon -support_size 20,20,10 -seed 5 -o $WORK/a.xyz >/dev/null 2>&1
$NANOFORGE build -shape none -support amorphous_carbon -support_size 20,20,10 -seed 5 -o $WORK/b.xyz >/dev/null 2>&1
$NANOFORGE build -shape none -support amorphous_carbon -support_size 20,20,10 -seed 5 -unit 1 -o $WORK/c.xyz >/dev/null 2>&1
# (line 2 holds the provenance, which names the options and the time)
for f in a b c; do tail -n +3 $WORK/$f.xyz > $WORK/$f.body; done
check_true "same seed gives identical atoms" "a.xyz and b.xyz differ" cmp -s $WORK/a.body $WORK/b.body
check_true "another unit gives other atoms" "a.xyz and c.xyz have the same atoms" sh -c "[ -s $WORK/a.body ] && ! cmp -s $WORK/a.body $WORK/c.body"

# Particle on a support, every format, picture.
check_output "scene summary" "particle [0-9]+, support [0-9]+" $NANOFORGE build -material Au -shape cuboctahedron -radius 10 -twins 1 -support amorphous_carbon \
  -support_size 40,40,15 -zone_axis 1,1,0 -o $WORK/scene.extxyz -png $WORK/scene.png
check_true "extended xyz header" "no Lattice/Properties in line 2" grep -q 'Lattice="40.000000 0.000000 0.000000 0.000000 40.000000 0.000000.*Properties=species:S:1:pos:R:3:object_id:I:1:class:I:1' $WORK/scene.extxyz
check_true "png written" "no PNG" sh -c "head -c 4 $WORK/scene.png | grep -q PNG"
check "prismatic by -format" $NANOFORGE build -material Au -shape sphere -radius 5 -format prismatic -o $WORK/p.xyz
check_true "prismatic ends with -1" "last line $(tail -1 $WORK/p.xyz)" [ "$(tail -1 $WORK/p.xyz)" = "-1" ]
check "prismatic by extension" $NANOFORGE build -material Au -shape sphere -radius 5 -o $WORK/p.prismatic
check_true "prismatic files agree" "p.xyz and p.prismatic differ beyond line 1" sh -c "tail -n +2 $WORK/p.xyz > $WORK/p1; tail -n +2 $WORK/p.prismatic | cmp -s - $WORK/p1"

# Distributions: a choice of materials, drawn with -seed.
check_output "distribution of materials" "built: (Au|Ag) sphere" $NANOFORGE build -material choice:Au,Ag -shape sphere -radius uniform:5,8 -seed 3

# Wurtzite: I1 stacking faults on (001) are placed as faults (a basal twin is no defect).
check "CdSe rod with an I1 stacking fault" $NANOFORGE build -material CdSe -shape rod -radius 12 -aspect_ratio 2 -stacking_faults 1 -o $WORK/cdse_fault.xyz
check_error "basal twin in wurtzite names -twins" "-twins.*basal plane" $NANOFORGE build -material CdSe -shape sphere -radius 12 -twins 1 -o $WORK/bad10.xyz

# -cif FILE: any path length (a -material label stops at 31 characters). The P1 file lists
# no symmetry operations: the build says it expands {hkl} by the lattice's holohedry, and
# the cuboctahedron equals the built-in gold's.
long="$WORK/a_directory_name_long_enough_to_exceed_the_label_length"
mkdir -p "$long"
cat > "$long/gold_p1.cif" <<'CIF'
data_Au_P1
_cell_length_a 4.07825
_cell_length_b 4.07825
_cell_length_c 4.07825
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Au1 0 0 0
Au2 0.5 0.5 0
Au3 0.5 0 0.5
Au4 0 0.5 0.5
CIF
check_output "-cif with a long path, P1 symmetry note" "symmetry: gold_p1.cif lists no symmetry operations.*holohedry" $NANOFORGE build -cif "$long/gold_p1.cif" -shape cuboctahedron -radius 10 -o $WORK/cif_cubo.xyz
$NANOFORGE build -material Au -shape cuboctahedron -radius 10 -o $WORK/au_cubo.xyz >/dev/null 2>&1
check_true "P1 CIF cuboctahedron = built-in Au's" "CIF $(count $WORK/cif_cubo.xyz 2>/dev/null) vs Au $(count $WORK/au_cubo.xyz 2>/dev/null) atoms" [ "$(count $WORK/cif_cubo.xyz)" = "$(count $WORK/au_cubo.xyz)" ]
check_error "-cif and -material together" "-cif.*-material Ag.*one of them" $NANOFORGE build -cif "$long/gold_p1.cif" -material Ag -o $WORK/bad7.xyz
check_true "no file after -cif with -material" "bad7.xyz exists" [ ! -e $WORK/bad7.xyz ]
check_error "long CIF path in -material points to -cif" "31 characters.*-cif" $NANOFORGE build -material "$long/gold_p1.cif" -o $WORK/bad8.xyz
check_error "missing -cif file named" "open CIF file '.*no_such.cif': No such file" $NANOFORGE build -cif $WORK/no_such.cif -o $WORK/bad9.xyz
check_true "no file after missing CIF" "bad9.xyz exists" [ ! -e $WORK/bad9.xyz ]

# -cif_block NAME: a file with two data blocks (P1 gold, then P1 silver); the first by
# default, the other by name; an unknown name lists the blocks and leaves no file.
{
  for block in gold:Au:4.07825 silver:Ag:4.0857; do
    name=${block%%:*}; rest=${block#*:}; symbol=${rest%%:*}; a=${rest#*:}
    printf 'data_%s\n_cell_length_a %s\n_cell_length_b %s\n_cell_length_c %s\n' $name $a $a $a
    printf '_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n'
    printf 'loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n'
    printf '%s1 0 0 0\n%s2 0.5 0.5 0\n%s3 0.5 0 0.5\n%s4 0 0.5 0.5\n\n' $symbol $symbol $symbol $symbol
  done
} > $WORK/phases.cif
elements() { tail -n +3 "$1" | awk '{print $1}' | sort -u | tr '\n' ' '; }
check "-cif with two blocks, default block" $NANOFORGE build -cif $WORK/phases.cif -shape sphere -radius 8 -o $WORK/phase_default.xyz
check_true "default block is the first (gold)" "elements: $(elements $WORK/phase_default.xyz 2>/dev/null)" [ "$(elements $WORK/phase_default.xyz)" = "Au " ]
check "-cif_block silver" $NANOFORGE build -cif $WORK/phases.cif -cif_block silver -shape sphere -radius 8 -o $WORK/phase_silver.xyz
check_true "-cif_block silver builds silver" "elements: $(elements $WORK/phase_silver.xyz 2>/dev/null)" [ "$(elements $WORK/phase_silver.xyz)" = "Ag " ]
check_error "unknown -cif_block names file, name and blocks" "phases.cif.*no data block 'platinum'.*gold, silver" $NANOFORGE build -cif $WORK/phases.cif -cif_block platinum -o $WORK/bad11.xyz
check_true "no file after unknown -cif_block" "bad11.xyz exists" [ ! -e $WORK/bad11.xyz ]
check_error "-cif_block without -cif" "-cif_block silver without -cif" $NANOFORGE build -cif_block silver -o $WORK/bad12.xyz

# Help and errors.
check_output "-help lists options with defaults" "-support_size.*100" $NANOFORGE build -help
check_output "-help lists -radius" "-radius.*20" $NANOFORGE build -help
check_output "-help lists -cif" "-cif.*CIF file" $NANOFORGE build -help
check_output "-help lists -cif_block" "-cif_block.*[Dd]ata block" $NANOFORGE build -help
check_output "-help says -support_size is fixed" "-support_size.*not distributions.*-support_thickness" $NANOFORGE build -help
check_error "unused option named" "not used by this command: -no_such_option 1" $NANOFORGE build -no_such_option 1
check_error "bad material named" "Option -material: unknown material .Xx." $NANOFORGE build -material Xx -o $WORK/bad1.xyz
check_true "no file after bad material" "bad1.xyz exists" [ ! -e $WORK/bad1.xyz ]
check_error "bad shape named" "Option -shape: unknown shape .blob." $NANOFORGE build -shape blob -o $WORK/bad2.xyz
check_error "impossible Wulff energies" "-wulff_energies: surface energy -1.* for \{1 0 0\}" $NANOFORGE build -shape wulff -wulff_energies "{111}:1.0,{100}:-1" -o $WORK/bad3.xyz
check_error "too many defects" "-twins \+ -stacking_faults: 30 planar defects" $NANOFORGE build -shape sphere -radius 10 -twins 30 -o $WORK/bad4.xyz
check_true "no file after too many defects" "bad4.xyz exists" [ ! -e $WORK/bad4.xyz ]
check_error "unreachable density names density and distance" "-support_density 8.000 g/cm.*-support_min_distance" $NANOFORGE build -shape none -support amorphous_carbon -support_size 30,30,10 -support_density 8 -o $WORK/bad5.xyz
check_true "no file after unreachable density" "bad5.xyz exists" [ ! -e $WORK/bad5.xyz ]
check_error "unknown extension" "bad6.pdb. from its extension" $NANOFORGE build -shape sphere -radius 5 -o $WORK/bad6.pdb
check_error "unwritable -png folder named before any work" "-png.*no_such_folder.*does not exist" $NANOFORGE build -shape sphere -radius 5 -o $WORK/bad11.xyz -png $WORK/no_such_folder/p.png
check_true "no structure file when the picture cannot be written" "bad11.xyz exists" [ ! -e $WORK/bad11.xyz ]
check_error "a fourth -support_size value is an error" "-support_size: 4 values" $NANOFORGE build -shape none -support amorphous_carbon -support_size 20,20,10,5 -o $WORK/bad12.xyz
check_error "a fourth -defect_plane index is an error" "-defect_plane: 4 indices" $NANOFORGE build -twins 1 -defect_plane 0,0,0,1 -o $WORK/bad13.xyz
check_true "no temporary files left" "$(ls $WORK | grep tmp)" sh -c "! ls $WORK | grep -q tmp"
check "under mpirun with 2 ranks" $MPIRUN -n 2 $NANOFORGE build -material Au -shape sphere -radius 8 -o $WORK/mpi.xyz

# ASE reads the extended XYZ (labels, lattice, pbc) when it is installed (python3-ase).
for py in /usr/bin/python3 python3; do
  if $py -c "import ase.io" 2>/dev/null; then
    check_output "ASE reads extended XYZ with labels" "^ok" $py -c "
import ase.io
a = ase.io.read('$WORK/scene.extxyz')
n = int(open('$WORK/scene.extxyz').readline())
gold = sum(1 for s in a.get_chemical_symbols() if s == 'Au')
assert len(a) == n and list(a.pbc) == [True, True, False] and abs(a.cell[0][0] - 40) < 1e-6
assert gold > 0 and all(c == 1 for s, c in zip(a.get_chemical_symbols(), a.arrays['class']) if s == 'Au')
assert set(a.arrays['class']) == {1, 2} and set(a.arrays['object_id']) == {0, 1}
print('ok', len(a), gold)"
    break
  fi
done
