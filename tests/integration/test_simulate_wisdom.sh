#!/bin/sh
# test_simulate_wisdom.sh — the same seed gives the same image bits in SEPARATE runs with no
# -fftw_wisdom option: `simulate` keeps its FFTW plans in a per-host wisdom cache
# (${XDG_CACHE_HOME:-$HOME/.cache}/nanoforge/fftw-wisdom-HOST); the first run creates it, later
# runs reuse it. The cache lives in this test's temporary folder, never the real $HOME.
. tests/integration/lib.sh
cd "$WORK" || exit 1
export XDG_CACHE_HOME="$WORK/xdg"
HOME="$WORK/home"
export HOME
cat > particle.xyz <<'XYZ'
4
small Au cluster
Au 0 0 0
Au 2.04 2.04 0
Au 2.04 0 2.04
Au 0 2.04 2.04
XYZ
run() { # output [extra options]
  out=$1; shift
  $NANOFORGE simulate -structure particle.xyz -cell 12,12,8 -voltage 200 -sampling 0.1 -slice_thickness 2 -fp_configs 2 \
    -defocus uniform:-50,150 -cs 1e5 -aperture 25 -dose 500 -detector_pixel 0.2 -mtf_c2 0.4 -n_conditions 2 -seed 11 -o "$out" "$@"
}
host=$(hostname)
check "first run creates the cache" run a.h5
check_true "cache file under XDG_CACHE_HOME" "no $XDG_CACHE_HOME/nanoforge/fftw-wisdom-$host" test -s "$XDG_CACHE_HOME/nanoforge/fftw-wisdom-$host"
check_true "nothing written under HOME" "HOME was touched" test ! -e "$HOME"
check_true "no temporary left in the cache" "a .tmp file remains" test -z "$(ls "$XDG_CACHE_HOME/nanoforge" | grep tmp)"
check "second separate run" run b.h5
check_true "same seed, no -fftw_wisdom: same image bits" "images differ" sh -c "image_a=\$(h5dump -d /data/image/data a.h5 | tail -n +3); image_b=\$(h5dump -d /data/image/data b.h5 | tail -n +3); [ -n \"\$image_a\" ] && [ \"\$image_a\" = \"\$image_b\" ]"
# HOME/.cache when XDG_CACHE_HOME is unset; -fftw_wisdom none writes no cache.
check "cache under HOME/.cache without XDG_CACHE_HOME" env -u XDG_CACHE_HOME HOME="$WORK/home2" sh -c "cd '$WORK' && $NANOFORGE simulate -structure particle.xyz -cell 12,12,8 -sampling 0.2 -o c.h5"
check_true "HOME/.cache/nanoforge/fftw-wisdom-HOST" "no wisdom under HOME/.cache" test -s "$WORK/home2/.cache/nanoforge/fftw-wisdom-$host"
check "-fftw_wisdom none" env XDG_CACHE_HOME="$WORK/xdg3" sh -c "cd '$WORK' && $NANOFORGE simulate -structure particle.xyz -cell 12,12,8 -sampling 0.2 -fftw_wisdom none -o d.h5"
check_true "-fftw_wisdom none writes no cache" "a cache was written" test ! -e "$WORK/xdg3/nanoforge/fftw-wisdom-$host"
check_true "-fftw_wisdom none writes no file called none" "a file 'none' was written" test ! -e "$WORK/none"
