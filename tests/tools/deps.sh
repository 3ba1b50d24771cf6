#!/bin/sh
# make deps: install the Debian packages nanoforge needs when pkg-config (or a tool)
# cannot find them. Idempotent, and silent when everything is present. Without apt,
# print what to load instead (cluster modules, Spack).
PACKAGES="openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools libfftw3-dev libfftw3-mpi-dev libopenblas-dev libpetsc-real-dev pkg-config libpng-dev libtiff-dev libjansson-dev libssl-dev clang libclang-rt-14-dev clang-format-14"
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
if [ -z "$missing" ]; then
  for pc in petsc hdf5-mpi fftw3f openblas libpng libtiff-4 jansson libcrypto; do
    pkg-config --exists "$pc" 2>/dev/null || missing="$missing $pc"
  done
fi
for tool in mpicc mpirun h5dump; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
for lib in /usr/lib/x86_64-linux-gnu/libfftw3f_mpi.so /usr/lib/aarch64-linux-gnu/libfftw3f_mpi.so; do
  [ -e "$lib" ] && found_fftw_mpi=1
done
[ -n "$found_fftw_mpi" ] || [ -n "$FFTW_LIBS" ] || missing="$missing fftw3f_mpi"
# clang with its libFuzzer runtime builds the fuzz harnesses (make fuzz, tests/integration/test_fuzz.sh,
# which prints SKIP lines without them).
# Optional: without them the rest still builds and make check skips the fuzz targets.
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
  clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1 || optional="clang-with-libFuzzer"
# clang-format-14 runs make format and make format-check (tests/integration/test_format.sh).
command -v clang-format-14 >/dev/null 2>&1 || optional="$optional clang-format-14"
[ -z "$missing" ] && [ -z "$optional" ] && exit 0
can_install() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }
if [ -z "$missing" ] && ! can_install; then
  echo "make deps: optional tools not found:$optional (clang with libFuzzer: make fuzz; clang-format-14: make format, make format-check)"
  exit 0
fi
[ -n "$missing" ] || missing=" $optional"

echo "make deps: missing:$missing"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "make deps: installing Debian packages: $PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $PACKAGES >/dev/null || {
    echo "make deps: apt-get install failed" >&2; exit 1; }
  exit 0
fi
cat >&2 <<MSG
make deps: cannot install packages here (no apt-get, or not root). Provide instead:
  MPI (Open MPI), parallel HDF5 1.10+, FFTW3 single precision with MPI (fftw3f, fftw3f_mpi),
  OpenBLAS, PETSc (real), libpng, libtiff, pkg-config; for the tests jansson and OpenSSL's libcrypto; for make fuzz, clang with its libFuzzer runtime;
  for make format, clang-format-14.
  On a cluster, for example:   module load openmpi hdf5/parallel fftw openblas petsc libpng libtiff
  With Spack:                  spack install petsc~hypre+mpi hdf5+mpi fftw+mpi precision=float openblas libpng libtiff
  Or root on Debian/Ubuntu:    apt-get install $PACKAGES
  Then point PKG_CONFIG_PATH at them, or set PETSC_LIBS, HDF5_LIBS, FFTW_LIBS, OPENBLAS_LIBS on the make line.
MSG
exit 1
