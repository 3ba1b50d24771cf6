#!/bin/sh
# test_multislice_mpi.sh — one simulation on a group of 2 ranks (FFTW-MPI slabs) gives the
# serial exit waves to 1e-5 relative (the comparison is inside build/tests/test_multislice_mpi).
. tests/integration/lib.sh
check_output "multislice_mpi_2_ranks_equals_serial" "PASS test_serial_equals_mpi" $MPIRUN -np 2 ${NF_BUILD:-build}/tests/test_multislice_mpi
