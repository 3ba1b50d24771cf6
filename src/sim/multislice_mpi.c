/* multislice_mpi.c — MPI FILE: the multislice of one specimen on a group of ranks, with
 * slab-distributed 2-D FFTs (fftwf_mpi). Each rank owns a contiguous block of rows
 * (FFTW's choice, fftwf_mpi_local_size_2d); potentials, transmission, propagator and
 * wave live only on the owned rows; the finished exit waves are gathered on every rank.
 * MPI calls in the sim module live here and nowhere else. */
#include <math.h>
#include <string.h>
#include <petscsys.h>
#include <fftw3-mpi.h>
#include "error_check.h"
#include "multislice.h"
#include "phase_factor.h"
#include "timing.h"

static double frequency(PetscInt p, PetscInt n, double s)
{
  return (double)(p < (n + 1) / 2 ? p : p - n) / ((double)n * s);
}

/* fftwf_mpi_init once per process (after MPI_Init, which PETSc has done). */
static void fftw_mpi_init_once(void)
{
  static int initialised = 0;
  if (!initialised) {
    fftwf_mpi_init();
    initialised = 1;
  }
}

PetscErrorCode exit_waves_compute_mpi(MPI_Comm group, const SimulationGrid *grid, const AtomList *atoms, PetscInt n_configs, uint64_t seed,
                                      uint64_t unit, ExitWaves **out)
{
  PetscMPIInt      rank, size;
  ptrdiff_t        local_ny, y0, alloc;
  fftwf_plan       forward, backward;
  float _Complex  *wave, *t, *propagator;
  float           *mask, *potential;
  PotentialTables *tables;
  ExitWaves       *ew;
  double (*position)[3];
  PetscInt        *in_slice;
  double (*slice_position)[3];
  int             *slice_z;
  float           *slice_occupancy;
  PetscMPIInt     *counts, *displacements;
  const PetscInt   nx = grid->nx, ny = grid->ny, n_waves = PetscMax(n_configs, 1), na = PetscMax(atoms->n, 1);
  const size_t     n = (size_t)nx * (size_t)ny;
  const double     k_limit = grid->band_limit * PetscMin(0.5 / grid->sampling[0], 0.5 / grid->sampling[1]);
  const double     tilt_x = tan(grid->beam_tilt[0] * 1e-3), tilt_y = tan(grid->beam_tilt[1] * 1e-3);
  const double     dz = grid->slice_thickness, lambda = grid->wavelength;
  const PetscBool  band_limit_t = grid->band_limit < M_SQRT2 && grid->transmission_band_limit;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(group, &rank));
  PetscCallMPI(MPI_Comm_size(group, &size));
  PetscCheck(n_configs >= 0, group, PETSC_ERR_USER_INPUT, "frozen-phonon configurations %" PetscInt_FMT ": must be >= 0", n_configs);
  fftw_mpi_init_once();
  alloc = fftwf_mpi_local_size_2d(ny, nx, group, &local_ny, &y0);
  const size_t local = (size_t)local_ny * (size_t)nx;
  wave       = fftwf_alloc_complex((size_t)PetscMax(alloc, 1));
  t          = fftwf_alloc_complex((size_t)PetscMax(alloc, 1));
  propagator = fftwf_alloc_complex((size_t)PetscMax(local, 1));
  mask       = fftwf_alloc_real((size_t)PetscMax(local, 1));
  potential  = fftwf_alloc_real((size_t)PetscMax(local, 1));
  PetscCheck(wave && t && propagator && mask && potential, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate the distributed multislice arrays");

  /* Same plans on every rank: rank 0 reads the wisdom file and broadcasts it; afterwards the
   * group's wisdom is gathered and rank 0 writes it back. */
  if (rank == 0) PetscCall(simulation_grid_wisdom_import(grid->fftw_wisdom));
  fftwf_mpi_broadcast_wisdom(group);
  SIMULATION_FFT_PLAN(forward, fftwf_mpi_plan_dft_2d(ny, nx, wave, wave, group, FFTW_FORWARD, flags));
  PetscCheckFFTWPlan(forward, "the distributed forward multislice FFT");
  SIMULATION_FFT_PLAN(backward, fftwf_mpi_plan_dft_2d(ny, nx, wave, wave, group, FFTW_BACKWARD, flags));
  PetscCheckFFTWPlan(backward, "the distributed inverse multislice FFT");
  fftwf_mpi_gather_wisdom(group);
  if (rank == 0) PetscCall(simulation_grid_wisdom_export(grid->fftw_wisdom));

  /* Propagator and mask of the owned rows (the same expressions as multislice_create). */
  for (ptrdiff_t j = 0; j < local_ny; j++) {
    const double ky = frequency((PetscInt)(y0 + j), ny, grid->sampling[1]);
    for (PetscInt p = 0; p < nx; p++) {
      const double kx = frequency(p, nx, grid->sampling[0]), k2 = kx * kx + ky * ky;
      const size_t at = (size_t)j * (size_t)nx + (size_t)p;
      const double inside = (sqrt(k2) <= k_limit) ? 1.0 : 0.0;
      const double phase = -M_PI * lambda * dz * k2 - 2.0 * M_PI * dz * (kx * tilt_x + ky * tilt_y);
      mask[at] = (float)(inside / (double)n);
      propagator[at] = (float _Complex)(inside / (double)n * (cos(phase) + I * sin(phase)));
    }
  }

  PetscCall(PetscCalloc1(1, &ew));
  ew->nx = nx;
  ew->ny = ny;
  ew->n_configs = n_waves;
  ew->sampling[0] = grid->sampling[0];
  ew->sampling[1] = grid->sampling[1];
  ew->wavelength = grid->wavelength;
  ew->wave = fftwf_alloc_complex(n * (size_t)n_waves);
  PetscCheck(ew->wave, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate %" PetscInt_FMT " exit waves", n_waves);
  PetscCall(potential_tables_create(grid, atoms, 0, &tables));
  PetscCall(PetscMalloc5(na, &position, grid->n_slices + 1, &in_slice, na, &slice_position, na, &slice_z, na, &slice_occupancy));
  PetscCall(PetscMalloc2(size, &counts, size, &displacements));
  {
    PetscMPIInt mine = (PetscMPIInt)local, start = (PetscMPIInt)((size_t)y0 * (size_t)nx);
    PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, group));
    PetscCallMPI(MPI_Allgather(&start, 1, MPI_INT, displacements, 1, MPI_INT, group));
  }

  for (PetscInt c = 0; c < n_waves; c++) {
    PetscCall(phonon_positions(atoms, n_configs == 0 ? -1 : c, seed, unit, position));
    for (size_t i = 0; i < local; i++) wave[i] = 1.0f;
    for (PetscInt s = 0; s < grid->n_slices; s++) {
      /* Atoms of slice s (a linear pass per slice keeps this file short; the serial path sorts). */
      PetscInt count = 0;
      for (PetscInt i = 0; i < atoms->n; i++) {
        PetscInt si = PetscMin(PetscMax((PetscInt)floor(position[i][2] / dz), 0), grid->n_slices - 1);
        if (si != s) continue;
        memcpy(slice_position[count], position[i], sizeof(double[3]));
        slice_z[count]         = atoms->atomic_number[i];
        slice_occupancy[count] = atoms->occupancy ? atoms->occupancy[i] : 1.0f;
        count++;
      }
      PetscCall(PetscLogEventBegin(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
      memset(potential, 0, local * sizeof(float));
      PetscCall(potential_slice_add(tables, count, (const double(*)[3])slice_position, slice_z, slice_occupancy, (PetscInt)y0, (PetscInt)(y0 + local_ny), potential));
      PetscCall(PetscLogEventEnd(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
      PetscCall(PetscLogEventBegin(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
      for (size_t i = 0; i < local; i++) t[i] = phase_factor((float)grid->interaction_constant * potential[i]);
      if (band_limit_t && count > 0) {
        fftwf_mpi_execute_dft(forward, t, t);
        for (size_t i = 0; i < local; i++) t[i] *= mask[i];
        fftwf_mpi_execute_dft(backward, t, t);
      }
      for (size_t i = 0; i < local; i++) wave[i] *= t[i];
      fftwf_mpi_execute_dft(forward, wave, wave);
      for (size_t i = 0; i < local; i++) wave[i] *= propagator[i];
      fftwf_mpi_execute_dft(backward, wave, wave);
      PetscCall(PetscLogEventEnd(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
    }
    PetscCallMPI(MPI_Allgatherv(wave, (PetscMPIInt)local, MPI_C_FLOAT_COMPLEX, ew->wave + (size_t)c * n, counts, displacements, MPI_C_FLOAT_COMPLEX, group));
  }
  PetscCall(PetscFree2(counts, displacements));
  PetscCall(PetscFree5(position, in_slice, slice_position, slice_z, slice_occupancy));
  PetscCall(potential_tables_destroy(&tables));
  fftwf_destroy_plan(forward);
  fftwf_destroy_plan(backward);
  fftwf_free(wave);
  fftwf_free(t);
  fftwf_free(propagator);
  fftwf_free(mask);
  fftwf_free(potential);
  *out = ew;
  PetscFunctionReturn(0);
}
