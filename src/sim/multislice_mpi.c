/* multislice_mpi.c — MPI FILE: the multislice of one specimen on a group of ranks, with
 * slab-distributed 2-D FFTs (fftwf_mpi). Each rank owns a contiguous block of rows
 * (FFTW's choice, fftwf_mpi_local_size_2d); potentials, transmission, propagator and
 * wave live only on the owned rows; the finished exit waves are gathered on every rank.
 * The set-up is the serial path's (src/sim/multislice.c): the same propagator and mask rows
 * (multislice_propagator_rows), the same atoms per slice (SlicedAtoms), the same ExitWaves.
 * MPI calls in the sim module live here and nowhere else. */
#include <math.h>
#include <string.h>
#include <petscsys.h>
#include <fftw3-mpi.h>
#include "core/error_check.h"
#include "sim/multislice.h"
#include "phase_factor.h"
#include "core/timing.h"

/* fftwf_mpi_init once per process (after MPI_Init, which PETSc has done). */
static void fftw_mpi_init_once(void)
{
  static int initialised = 0;
  if (!initialised) {
    fftwf_mpi_init();
    initialised = 1;
  }
}

/* The rows one rank owns, their arrays and the group's plans. */
typedef struct {
  ptrdiff_t       local_ny, y0;           /* owned rows y0 .. y0+local_ny-1 */
  size_t          local;                  /* owned points */
  fftwf_plan      forward, backward;      /* in place, distributed over the group */
  float _Complex *wave, *t, *propagator;  /* [local_ny][nx] (wave and t: FFTW's local allocation) */
  float          *mask, *potential;       /* [local_ny][nx] */
  PetscMPIInt    *counts, *displacements; /* [group size] of every rank's rows, for the gather */
} Slab;

/* Same plans on every rank: rank 0 reads the wisdom file and broadcasts it; afterwards the
 * group's wisdom is gathered and rank 0 writes it back. */
static PetscErrorCode slab_plan(MPI_Comm group, const SimulationGrid *grid, Slab *slab)
{
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(group, &rank));
  if (rank == 0) PetscCall(simulation_grid_wisdom_import(grid->fftw_wisdom));
  fftwf_mpi_broadcast_wisdom(group);
  SIMULATION_FFT_PLAN(slab->forward,
                      fftwf_mpi_plan_dft_2d(grid->ny, grid->nx, slab->wave, slab->wave, group, FFTW_FORWARD, flags));
  PetscCheckFFTWPlan(slab->forward, "the distributed forward multislice FFT");
  SIMULATION_FFT_PLAN(slab->backward,
                      fftwf_mpi_plan_dft_2d(grid->ny, grid->nx, slab->wave, slab->wave, group, FFTW_BACKWARD, flags));
  PetscCheckFFTWPlan(slab->backward, "the distributed inverse multislice FFT");
  fftwf_mpi_gather_wisdom(group);
  if (rank == 0) PetscCall(simulation_grid_wisdom_export(grid->fftw_wisdom));
  PetscFunctionReturn(0);
}

static PetscErrorCode slab_create(MPI_Comm group, const SimulationGrid *grid, Slab *slab)
{
  PetscMPIInt size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(group, &size));
  PetscCall(PetscMemzero(slab, sizeof *slab));
  fftw_mpi_init_once();
  const ptrdiff_t alloc = fftwf_mpi_local_size_2d(grid->ny, grid->nx, group, &slab->local_ny, &slab->y0);
  slab->local           = (size_t)slab->local_ny * (size_t)grid->nx;
  slab->wave            = fftwf_alloc_complex((size_t)PetscMax(alloc, 1));
  slab->t               = fftwf_alloc_complex((size_t)PetscMax(alloc, 1));
  slab->propagator      = fftwf_alloc_complex(PetscMax(slab->local, 1));
  slab->mask            = fftwf_alloc_real(PetscMax(slab->local, 1));
  slab->potential       = fftwf_alloc_real(PetscMax(slab->local, 1));
  PetscCheck(slab->wave && slab->t && slab->propagator && slab->mask && slab->potential, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "cannot allocate the distributed multislice arrays");
  PetscCall(slab_plan(group, grid, slab));
  multislice_propagator_rows(grid, (PetscInt)slab->y0, (PetscInt)slab->local_ny, slab->propagator, slab->mask);
  PetscCall(PetscMalloc2(size, &slab->counts, size, &slab->displacements));
  PetscMPIInt mine = (PetscMPIInt)slab->local, start = (PetscMPIInt)((size_t)slab->y0 * (size_t)grid->nx);
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, slab->counts, 1, MPI_INT, group));
  PetscCallMPI(MPI_Allgather(&start, 1, MPI_INT, slab->displacements, 1, MPI_INT, group));
  PetscFunctionReturn(0);
}

static PetscErrorCode slab_destroy(Slab *slab)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(slab->counts, slab->displacements));
  if (slab->forward) fftwf_destroy_plan(slab->forward);
  if (slab->backward) fftwf_destroy_plan(slab->backward);
  fftwf_free(slab->wave);
  fftwf_free(slab->t);
  fftwf_free(slab->propagator);
  fftwf_free(slab->mask);
  fftwf_free(slab->potential);
  PetscFunctionReturn(0);
}

/* One slice on the owned rows: potential of the slice's `count` atoms, band-limited transmission,
 * then the propagator (as multislice_slice does on the whole grid). */
static PetscErrorCode slab_slice(Slab *slab, const SimulationGrid *grid, PotentialTables *tables,
                                 const SlicedAtoms *sliced, PetscInt s)
{
  const PetscInt  first = sliced->offset[s], count = sliced->offset[s + 1] - first;
  const PetscBool band_limit_t = grid->band_limit < M_SQRT2 && grid->transmission_band_limit;
  const float     sigma        = (float)grid->interaction_constant;
  const size_t    local        = slab->local;
  float _Complex *wave = slab->wave, *t = slab->t;
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
  memset(slab->potential, 0, local * sizeof(float));
  PetscCall(potential_slice_add(tables, count, (const double(*)[3])(sliced->position + first), sliced->z + first,
                                sliced->occupancy + first, (PetscInt)slab->y0, (PetscInt)(slab->y0 + slab->local_ny),
                                slab->potential));
  PetscCall(PetscLogEventEnd(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
  for (size_t i = 0; i < local; i++) t[i] = phase_factor(sigma * slab->potential[i]);
  if (band_limit_t && count > 0) {
    fftwf_mpi_execute_dft(slab->forward, t, t);
    for (size_t i = 0; i < local; i++) t[i] *= slab->mask[i];
    fftwf_mpi_execute_dft(slab->backward, t, t);
  }
  for (size_t i = 0; i < local; i++) wave[i] *= t[i];
  fftwf_mpi_execute_dft(slab->forward, wave, wave);
  for (size_t i = 0; i < local; i++) wave[i] *= slab->propagator[i];
  fftwf_mpi_execute_dft(slab->backward, wave, wave);
  PetscCall(PetscLogEventEnd(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode exit_waves_compute_mpi(MPI_Comm group, const SimulationGrid *grid, const AtomList *atoms,
                                      PetscInt n_configs, uint64_t seed, uint64_t unit, ExitWaves **out)
{
  Slab             slab;
  PotentialTables *tables;
  SlicedAtoms     *sliced;
  ExitWaves       *ew;
  const size_t     n = (size_t)grid->nx * (size_t)grid->ny;
  PetscFunctionBeginUser;
  PetscCheck(n_configs >= 0, group, PETSC_ERR_USER_INPUT,
             "frozen-phonon configurations %" PetscInt_FMT ": must be >= 0", n_configs);
  PetscCall(slab_create(group, grid, &slab));
  PetscCall(exit_waves_create(grid, n_configs, &ew));
  PetscCall(potential_tables_create(grid, atoms, 0, &tables));
  PetscCall(sliced_atoms_create(grid, atoms, &sliced));
  for (PetscInt c = 0; c < ew->n_configs; c++) {
    PetscCall(sliced_atoms_fill(sliced, grid, atoms, n_configs == 0 ? -1 : c, seed, unit));
    for (size_t i = 0; i < slab.local; i++) slab.wave[i] = 1.0f; /* the incident plane wave */
    for (PetscInt s = 0; s < grid->n_slices; s++) PetscCall(slab_slice(&slab, grid, tables, sliced, s));
    PetscCallMPI(MPI_Allgatherv(slab.wave, (PetscMPIInt)slab.local, MPI_C_FLOAT_COMPLEX, ew->wave + (size_t)c * n,
                                slab.counts, slab.displacements, MPI_C_FLOAT_COMPLEX, group));
  }
  PetscCall(sliced_atoms_destroy(&sliced));
  PetscCall(potential_tables_destroy(&tables));
  PetscCall(slab_destroy(&slab));
  *out = ew;
  PetscFunctionReturn(0);
}
