#!/bin/sh
# test_simulate.sh — `nanoforge simulate`: the contract command, the EMD v0.2 layout, several
# imaging conditions from one set of exit waves, reproducibility, and bad input (clear
# error, no output file left behind).
. tests/integration/lib.sh
cd "$WORK" || exit 1
cat > particle.xyz <<'XYZ'
6
small Au cluster
Au 0 0 0
Au 2.04 2.04 0
Au 2.04 0 2.04
Au 0 2.04 2.04
Au 4.08 0 0
Au 2.04 2.04 4.08
XYZ
cat > unknown.xyz <<'XYZ'
2
an unknown element on line 4
Au 0 0 0
Xq 1 1 1
XYZ

# The contract command (ARCHITECTURE.md), under mpirun.
check "contract command" $MPIRUN -n 1 $NANOFORGE simulate -structure particle.xyz -cell 20,20,20 -voltage 300 -sampling 0.05 \
  -slice_thickness 1 -defocus 50 -cs 0 -fp_configs 0 -dose 0 -o sim.h5 -save_exit_wave -png preview.png
check_true "output files exist" "sim.h5 or preview.png missing" test -s sim.h5 -a -s preview.png
check_true "no temporary left" "a .tmp file remains" test -z "$(ls | grep tmp)"
dump=$(h5dump -A sim.h5 2>&1)
check_true "EMD version 0.2" "version_major/minor attributes missing" sh -c "echo '$dump' | grep -A6 'ATTRIBUTE \"version_major\"' | grep -q '(0): 0' && echo '$dump' | grep -A6 'ATTRIBUTE \"version_minor\"' | grep -q '(0): 2'"
check_true "EMD groups" "emd_group_type or dims missing" sh -c "h5dump -a /data/image/emd_group_type sim.h5 | grep -q '(0): 1' && h5dump -a /data/image/dim1/units sim.h5 | grep -q 'units' && h5dump -a /data/mask/emd_group_type sim.h5 | grep -q '(0): 1'"
check_true "image 400x400 float" "image shape/type wrong" sh -c "h5dump -H -d /data/image/data sim.h5 | grep -q 'H5T_IEEE_F32LE' && h5dump -H -d /data/image/data sim.h5 | grep -q '( 400, 400 )'"
check_true "mask uint8" "mask shape/type wrong" sh -c "h5dump -H -d /data/mask/data sim.h5 | grep -q 'H5T_STD_U8LE'"
check_true "exit wave stored" "exit wave missing" sh -c "h5dump -H -d /data/exit_wave/data sim.h5 | grep -q '( 1, 400, 400, 2 )'"
check_true "parameters recorded" "defocus/cs/voltage parameters missing" sh -c "h5dump -a /parameters/defocus sim.h5 | grep -q '(0): 50' && h5dump -a /parameters/voltage sim.h5 | grep -q '(0): 300' && h5dump -a /parameters/wavelength sim.h5 | grep -q 'DATA'"
check_true "provenance recorded" "options attribute missing" sh -c "h5dump -a /options sim.h5 | grep -q 'defocus 50'"

# Several conditions from one set of exit waves, with noise; the same seed twice is bit-identical
# given the same FFTW plans (shared wisdom, as the campaign does: FFTW_MEASURE may otherwise pick
# different algorithms run to run, which changes the last bits).
run_noisy() {
  $NANOFORGE simulate -structure particle.xyz -cell 16,16,12 -voltage 200 -sampling 0.1 -slice_thickness 2 -fp_configs 2 \
    -defocus uniform:-50,150 -cs 1e5 -aperture 25 -dose 500 -detector_pixel 0.2 -image_size 64 -n_conditions 3 -seed 7 -fftw_wisdom wisdom.fftw -o "$1"
}
check "three noisy conditions" run_noisy a.h5
check "same seed again" run_noisy b.h5
check_true "image stack 3x64x64" "image stack shape wrong" sh -c "h5dump -H -d /data/image/data a.h5 | grep -q '( 3, 64, 64 )'"
check_true "same seed, same images bit for bit" "images differ" sh -c "h5dump -d /data/image/data a.h5 | tail -n +3 > a.txt && h5dump -d /data/image/data b.h5 | tail -n +3 > b.txt && cmp -s a.txt b.txt"
check_true "conditions differ in defocus" "defocus column constant" sh -c "h5dump -a /parameters/defocus a.h5 | grep -q '(0): .*, .*, '"

# Bad input: a clear one-line error naming the problem, and no output file.
check_error "sampling too coarse" "-sampling 0.5 Å/px is too coarse.*use -sampling <= 0.219" $NANOFORGE simulate -structure particle.xyz -cell 20,20,20 -sampling 0.5 -aperture 30 -o bad1.h5
check_error "cell smaller than structure" "the cell \(3\. Å along x\) is smaller than the structure.*enlarge -cell" $NANOFORGE simulate -structure particle.xyz -cell 3,3,3 -o bad2.h5
check_error "zero slices" "-slice_thickness 0\.? Å: must be > 0" $NANOFORGE simulate -structure particle.xyz -cell 20,20,20 -slice_thickness 0 -o bad3.h5
check_error "negative dose" "Option -dose: .-5.*allowed: doses in \[0, 1e12\]" $NANOFORGE simulate -structure particle.xyz -cell 20,20,20 -dose -5 -o bad4.h5
check_error "unknown element" "unknown.xyz:4: unknown element .Xq.; allowed: chemical symbols" $NANOFORGE simulate -structure unknown.xyz -cell 20,20,20 -o bad5.h5
check_error "missing structure file" "nothere.xyz" $NANOFORGE simulate -structure nothere.xyz -cell 20,20,20 -o bad6.h5
check_error "image larger than the field" "-image_size 500 is larger than the field of view.*-image_size <= 100" $NANOFORGE simulate -structure particle.xyz -cell 10,10,10 -sampling 0.1 -image_size 500 -o bad7.h5
check_error "unwritable output refused before any work, naming -o" "Option -o: cannot write .no/such/dir/out.h5.: folder .no/such/dir.: No such file or directory" $NANOFORGE simulate -structure particle.xyz -cell 10,10,10 -sampling 0.1 -o no/such/dir/out.h5
check_true "no partial output" "a bad run left a file" sh -c "! ls bad*.h5* >/dev/null 2>&1"

# Built from the structure options (no -structure): a 55-atom icosahedron, labelled particle.
check_output "built from the recipe" "55 atoms \(55 particle\)" $NANOFORGE simulate -material Au -shape icosahedron -shells 3 -cell 24,24,24 \
  -sampling 0.1 -defocus 60 -cs 1e5 -aperture 30 -dose 2000 -detector_pixel 0.2 -save_potential -save_labels -o ico.h5
check_true "recipe recorded" "structure parameter lacks the recipe" sh -c "h5dump -a /parameters/structure ico.h5 | grep -qi 'icosahedron'"
check_true "potential and labels stored" "/data/potential or /data/labels missing" sh -c "h5dump -H -d /data/potential/data ico.h5 | grep -q '( 240, 240 )' && h5dump -H -d /data/labels/data ico.h5 | grep -q '( 120, 120 )'"
check_output "help lists the imaging options" "-defocus.*underfocus" $NANOFORGE simulate -help

# On several ranks one simulation shares its exit waves' FFTs (FFTW-MPI slabs); rank 0 writes the
# same image as the serial path to 1e-5 relative, and the same mask.
SIM_MPI="-structure particle.xyz -cell 20,20,20 -voltage 300 -sampling 0.05 -slice_thickness 1 -defocus 50 -cs 0 -fp_configs 0 -dose 0 -fftw_wisdom mpi.fftw"
check "simulate on 1 rank" $MPIRUN -n 1 $NANOFORGE simulate $SIM_MPI -o serial.h5
check_output "simulate on 2 ranks uses both" "exit waves [0-9.]+ s on 2 ranks" $MPIRUN -n 2 $NANOFORGE simulate $SIM_MPI -o mpi2.h5
for f in serial mpi2; do
  h5dump -d /data/image/data -y -w 1 -o "$f.image.txt" "$f.h5" >/dev/null 2>&1
  h5dump -d /data/mask/data -y -w 1 -o "$f.mask.txt" "$f.h5" >/dev/null 2>&1
done
rel=$(paste -d' ' serial.image.txt mpi2.image.txt | tr -d ',' | awk 'NF==2 {d=$1-$2; if(d<0)d=-d; if(d>m)m=d; a=$1<0?-$1:$1; if(a>M)M=a; n++} END {if(n<1000||M==0) print "nan"; else printf "%.3g\n", m/M}')
check_true "2-rank image equals the serial one (max relative difference $rel <= 1e-5)" "images differ" test "$(awk -v d="$rel" 'BEGIN {print (d != "nan" && d <= 1e-5)}')" = 1
check "2-rank mask equals the serial one" cmp -s serial.mask.txt mpi2.mask.txt

# -fftw_planning: patient plans go into the wisdom file, and a rerun with that wisdom gives the same bits.
check_error "bad -fftw_planning names the allowed values" "-fftw_planning fast: allowed measure, patient, exhaustive" \
  $NANOFORGE simulate -structure particle.xyz -cell 20,20,20 -fftw_planning fast -o bad8.h5
SIM_PATIENT="-structure particle.xyz -cell 12,12,12 -sampling 0.1 -fp_configs 0 -dose 0 -fftw_planning patient -fftw_wisdom patient.fftw"
check "simulate with -fftw_planning patient" $NANOFORGE simulate $SIM_PATIENT -o patient1.h5
check "again, from the patient wisdom" $NANOFORGE simulate $SIM_PATIENT -o patient2.h5
h5dump -d /data/image/data patient1.h5 | tail -n +2 > patient1.txt
h5dump -d /data/image/data patient2.h5 | tail -n +2 > patient2.txt
check "patient wisdom: same bits" cmp -s patient1.txt patient2.txt

# -mtf_on_noise reaches the detector: the same seed with and without it gives other images.
SIM_MTF="-structure particle.xyz -cell 12,12,12 -sampling 0.1 -fp_configs 0 -dose 200 -mtf_c2 0.15 -seed 3 -fftw_wisdom patient.fftw"
check "simulate, MTF on the signal" $NANOFORGE simulate $SIM_MTF -o mtf_signal.h5
check "simulate, MTF on the counts" $NANOFORGE simulate $SIM_MTF -mtf_on_noise -o mtf_noise.h5
h5dump -d /data/image/data mtf_signal.h5 | tail -n +2 > mtf_signal.txt
h5dump -d /data/image/data mtf_noise.h5 | tail -n +2 > mtf_noise.txt
check_true "-mtf_on_noise changes the image" "identical images" sh -c "! cmp -s mtf_signal.txt mtf_noise.txt"
