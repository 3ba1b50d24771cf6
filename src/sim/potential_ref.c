/* potential_ref.c — reference projected potential: the per-atom Fourier phases summed over
 * every grid frequency and transformed back with a written-out DFT, in double. Slow
 * (n·N + N²); for tests on small grids. */
#include <complex.h>
#include <math.h>
#include "core/elements.h"
#include "sim/potential.h"

#define BOHR_TIMES_CHARGE (0.529177210903 * 14.399645478)

PetscErrorCode potential_slice_ref(const SimulationGrid *grid, PetscInt n, const double (*position)[3],
                                   const int *atomic_number, const float *occupancy, float *potential)
{
  const PetscInt   nx = grid->nx, ny = grid->ny;
  const double     area = grid->cell[0] * grid->cell[1];
  double _Complex *spectrum;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1((size_t)nx * (size_t)ny, &spectrum));
  for (PetscInt a = 0; a < n; a++) {
    const Element *el = element_from_z(atomic_number[a]);
    PetscCheck(el, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "atom %" PetscInt_FMT ": unknown atomic number %d", a,
               atomic_number[a]);
    const double weight = occupancy ? occupancy[a] : 1.0;
    for (PetscInt q = 0; q < ny; q++) {
      const double ky = (double)(q < (ny + 1) / 2 ? q : q - ny) / grid->cell[1];
      for (PetscInt p = 0; p < nx; p++) {
        const double kx = (double)(p < (nx + 1) / 2 ? p : p - nx) / grid->cell[0];
        const double k  = sqrt(kx * kx + ky * ky);
        const double f  = 2.0 * M_PI * BOHR_TIMES_CHARGE * element_scattering_factor(el, k);
        spectrum[q * nx + p] += weight * f * cexp(-2.0 * M_PI * I * (kx * position[a][0] + ky * position[a][1]));
      }
    }
  }
  /* v(r_ij) = (1/A) Σ_k V(k) e^{+2πi k·r_ij}: the Fourier series of the periodic potential. */
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      double _Complex sum = 0;
      for (PetscInt q = 0; q < ny; q++)
        for (PetscInt p = 0; p < nx; p++)
          sum += spectrum[q * nx + p] * cexp(2.0 * M_PI * I * ((double)(p * i) / nx + (double)(q * j) / ny));
      potential[j * nx + i] = (float)(creal(sum) / area);
    }
  PetscCall(PetscFree(spectrum));
  PetscFunctionReturn(0);
}
