#!/bin/sh
# test_campaign_same_bits.sh — two SEPARATE campaigns of one plan (input/quickstart.opts), on 2 and
# on 3 ranks, into two files, with no -fftw_wisdom, give identical image and mask datasets: the
# first campaign writes its FFT plans to the per-host wisdom cache (XDG_CACHE_HOME, set by lib.sh to
# this test's folder), the second reuses them, and the dose noise of every pixel is keyed by
# (seed, unit, condition, pixel). Before issue 11 each campaign measured its own plans into
# <db>.fftw_wisdom and 65 of 128 images differed.
. tests/integration/lib.sh
OPTIONS="$PWD/input/quickstart.opts"
cd "$WORK" || exit 1
host=$(hostname)
check "campaign of quickstart.opts on 2 ranks" $MPIRUN -n 2 $NANOFORGE campaign -options_file "$OPTIONS" -o "$WORK/a.h5"
check_true "the first campaign creates the per-host wisdom cache" "no $XDG_CACHE_HOME/nanoforge/fftw-wisdom-$host" test -s "$XDG_CACHE_HOME/nanoforge/fftw-wisdom-$host"
check_true "and still keeps the database's own wisdom for a resume" "no a.h5.fftw_wisdom" test -s "$WORK/a.h5.fftw_wisdom"
check "separate campaign of the same plan on 3 ranks into another file" $MPIRUN -n 3 $NANOFORGE campaign -options_file "$OPTIONS" -o "$WORK/b.h5"
# h5diff: 0 identical, 1 different, 2 error (a missing dataset fails too).
check "image datasets identical (h5diff)" h5diff -q "$WORK/a.h5" "$WORK/b.h5" /data/images/data /data/images/data
check "mask datasets identical (h5diff)" h5diff -q "$WORK/a.h5" "$WORK/b.h5" /data/masks/data /data/masks/data
