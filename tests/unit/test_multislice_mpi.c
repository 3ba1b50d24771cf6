/* test_multislice_mpi.c — the FFTW-MPI multislice equals the serial one to 1e-5 relative.
 * Runs on however many ranks it is started with: serially as a unit test (a group of one
 * still goes through fftwf_mpi), and with 2 ranks from tests/integration/test_multislice_mpi.sh.
 * Only rank 0 prints. */
#include <complex.h>
#include <stdio.h>
#include "sim/multislice.h"
#include "core/timing.h"
#include "unit.h"

static void test_serial_equals_mpi(void)
{
  SimulationGrid grid;
  AtomList      *atoms;
  ExitWaves     *serial, *distributed;
  PetscMPIInt    size;
  const double   a = 4.0782;

  PetscCallAbort(PETSC_COMM_WORLD, MPI_Comm_size(PETSC_COMM_WORLD, &size));
  UNIT_CALL(atom_list_create(64, &atoms));
  /* A small Au fcc block with thermal vibrations and a few carbon atoms, not commensurate
   * with the cell, tilted beam: every term of the multislice is exercised. */
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 2; k++) {
        const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
        for (int b = 0; b < 4; b++) {
          double r[3] = {2.1 + (i + basis[b][0]) * a, 1.7 + (j + basis[b][1]) * a, 0.6 + (k + basis[b][2]) * a};
          UNIT_CALL(atom_list_append(atoms, r, 79, 0, ATOM_CLASS_PARTICLE));
          atoms->thermal_rms[atoms->n - 1] = 0.08f;
        }
      }
  for (int c = 0; c < 5; c++) {
    double r[3] = {1.0 + 2.3 * c, 11.0 - 1.9 * c, 0.5 + 1.7 * c};
    UNIT_CALL(atom_list_append(atoms, r, 6, 1, ATOM_CLASS_SUPPORT));
  }
  simulation_grid_defaults(&grid);
  grid.cell[0]            = 12.5;
  grid.cell[1]            = 13.1;
  grid.cell[2]            = 10;
  grid.requested_sampling = 0.1;
  grid.slice_thickness    = 1.25;
  grid.beam_tilt[0]       = 2;
  grid.beam_tilt[1]       = 1;
  UNIT_CALL(simulation_grid_setup(&grid, atoms, 0));
  UNIT_CALL(exit_waves_compute(&grid, atoms, 2, 5, 3, &serial));
  UNIT_CALL(exit_waves_compute_mpi(PETSC_COMM_WORLD, &grid, atoms, 2, 5, 3, &distributed));
  double       diff = 0, norm = 0, scattered = 0;
  const size_t n = (size_t)(serial->nx * serial->ny) * (size_t)serial->n_configs;
  UNIT_CHECK(distributed->n_configs == 2 && distributed->nx == serial->nx, "shape differs");
  for (size_t i = 0; i < n; i++) {
    diff += pow(cabsf(serial->wave[i] - distributed->wave[i]), 2);
    norm += pow(cabsf(serial->wave[i]), 2);
    scattered += pow(cabsf(serial->wave[i] - 1.0f), 2);
  }
  printf("# %d rank(s): FFTW-MPI vs serial exit waves, relative L2 %.3e (rms scattering %.3f)\n", (int)size,
         sqrt(diff / norm), sqrt(scattered / n));
  UNIT_CHECK(sqrt(diff / norm) < 1e-5, "FFTW-MPI exit waves differ from the serial ones by %.3e (relative L2)",
             sqrt(diff / norm));
  UNIT_CHECK(sqrt(scattered / n) > 0.1, "specimen too weak to test anything");
  UNIT_CALL(exit_waves_destroy(&serial));
  UNIT_CALL(exit_waves_destroy(&distributed));
  UNIT_CALL(atom_list_destroy(&atoms));
}

int main(int argc, char **argv)
{
  PetscMPIInt rank;
  UNIT_BEGIN(argc, argv);
  PetscCall(timing_register_events());
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank != 0 && !freopen("/dev/null", "w", stdout)) return 1;
  UNIT_RUN(test_serial_equals_mpi);
  return UNIT_END();
}
