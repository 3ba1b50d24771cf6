/* potential.h — projected atomic potentials of slices, from the Kirkland (2010)
 * electron scattering factors.
 *
 * Method (docs/physics-multislice.md): the 2-D Fourier transform of an atom's projected
 * potential is F(k) = 2π a0 e f_e(k) [V·Å³] (a0 e = 7.619 V·Å²). Each species gets a radial
 * table of the LOW-PASSED projected potential v(r) = ∫ F(k) W(k) e^{2πi k·r} d²k, where W = 1
 * up to the multislice band limit (2/3 of Nyquist) and falls smoothly to 0 at 4/3 of Nyquist.
 * Sampling that function at the pixel centres at the exact (sub-pixel) distances to each atom
 * gives the exact DFT coefficients of the slice potential inside the band limit (the aliases
 * of the taper land outside it), truncated only at the cutoff radius. Cost: one table lookup
 * per atom per pixel within the cutoff — linear in the number of atoms.
 * The reference (potential_slice_ref) sums the per-atom Fourier phases over every k directly.
 *
 * Arrays are row-major [ny][nx], x fastest, pixel (i, j) at (i·sx, j·sy). Potentials in V·Å.
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"
#include "sim/simulation_grid.h"

typedef struct {
  PetscInt nx, ny;            /* grid size [px] */
  double   sampling[2];       /* pixel size [Å/px] */
  double   cell[2];           /* periodic cell x, y [Å] */
  double   cutoff;            /* radius beyond which an atom contributes nothing [Å] */
  PetscInt n_table;           /* table entries per species, uniform in r on [0, cutoff) */
  double   r_step;            /* table spacing in r [Å] */
  int      species_of_z[104]; /* table row of each Z, -1 when absent */
  PetscInt n_species;         /* number of tables */
  float   *table;             /* [n_species][n_table + 1] v(r) [V·Å], last entry 0 */
  double  *dc_missing;        /* [n_species] F(0) minus the integral of the truncated kernel [V·Å³] */
} PotentialTables;

/* Radial tables for every element present in `atoms` (or for the one element `z` when atoms is
 * NULL and z > 0), on the set-up grid. Unknown Z: PETSC_ERR_USER_INPUT. */
PetscErrorCode potential_tables_create(const SimulationGrid *grid, const AtomList *atoms, int z,
                                       PotentialTables **tables);
PetscErrorCode potential_tables_destroy(PotentialTables **tables);

/* Add the projected potential of n atoms (positions [n][3] Å, Z, occupancy or NULL = 1) to the
 * rows [row_begin, row_end) of `potential` (an array of (row_end - row_begin) × nx floats, V·Å),
 * periodic in x and y. The MPI path passes its slab of rows. */
PetscErrorCode potential_slice_add(const PotentialTables *tables, PetscInt n, const double (*position)[3],
                                   const int *atomic_number, const float *occupancy, PetscInt row_begin,
                                   PetscInt row_end, float *potential);

/* The same without its last pass: the uniform k = 0 part lost with the kernel tails, *shift [V·Å]
 * (float, the value potential_slice_add adds to every pixel), is returned instead of added, so the
 * multislice folds it into exp(iσ(v + shift)) and saves a pass over the slice. */
PetscErrorCode potential_slice_add_unshifted(const PotentialTables *tables, PetscInt n, const double (*position)[3],
                                             const int *atomic_number, const float *occupancy, PetscInt row_begin,
                                             PetscInt row_end, float *potential, float *shift);

/* Reference: potential[ny][nx] = exact sum over ALL grid frequencies of F(k) e^{-2πi k·r_atom}
 * (inverse DFT written out; O(n · nx² · ny²)/separable: keep grids small, 64²). Overwrites. */
PetscErrorCode potential_slice_ref(const SimulationGrid *grid, PetscInt n, const double (*position)[3],
                                   const int *atomic_number, const float *occupancy, float *potential);

/* Projected potential [V·Å] of the atoms with include[i] true (include NULL = all), summed over
 * the whole thickness, on the set-up grid: potential[ny][nx] is overwritten (caller allocates).
 * For ground-truth masks. */
PetscErrorCode projected_potential_compute(const SimulationGrid *grid, const AtomList *atoms, const PetscBool *include,
                                           float *potential);

/* Integral of one atom's projected potential over the plane, F(0) = 2π a0 e f_e(0) [V·Å³]. */
double potential_atom_integral(int atomic_number);
