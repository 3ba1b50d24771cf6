/* optics_ref.c — the slow, obviously correct image formation: direct discrete Fourier
 * sums in double precision, O(N⁴). Only for small grids in tests (lens_image must match). */
#include <math.h>
#include <petscsys.h>
#include "sim/optics.h"

static double frequency(PetscInt i, PetscInt n, double d) { return (double)(i < (n + 1) / 2 ? i : i - n) / (n * d); }

PetscErrorCode lens_image_ref(PetscInt nx, PetscInt ny, double dx, double dy, double wavelength, PetscInt n_waves,
                              const fftwf_complex *const *exit_waves, const ImagingConditions *c, double *image)
{
  PetscInt        n = nx * ny, points = c->focal_points >= 2 && c->focal_spread > 0 ? c->focal_points : 1;
  double complex *spectrum, *filtered;
  double          nodes[64], weights[64];
  PetscFunctionBeginUser;
  PetscCheck(n <= 64 * 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "lens_image_ref is O(N^4): grid %" PetscInt_FMT "x%" PetscInt_FMT " too large", nx, ny);
  PetscCall(PetscMalloc2(n, &spectrum, n, &filtered));
  if (points > 1)
    PetscCall(optics_gauss_hermite(points, nodes, weights));
  else {
    nodes[0]   = 0;
    weights[0] = sqrt(M_PI);
  }
  for (PetscInt p = 0; p < n; p++) image[p] = 0;
  for (PetscInt w = 0; w < n_waves; w++) {
    /* Ψ(k) = Σ_r ψ(r) exp(−2πi k·r) */
    for (PetscInt v = 0; v < ny; v++)
      for (PetscInt u = 0; u < nx; u++) {
        double complex sum = 0;
        for (PetscInt y = 0; y < ny; y++)
          for (PetscInt x = 0; x < nx; x++)
            sum += (double complex)exit_waves[w][y * nx + x] *
                   cexp(-2.0 * M_PI * I * ((double)u * x / nx + (double)v * y / ny));
        spectrum[v * nx + u] = sum;
      }
    for (PetscInt f = 0; f < points; f++) {
      double offset = M_SQRT2 * c->focal_spread * nodes[f];
      for (PetscInt v = 0; v < ny; v++)
        for (PetscInt u = 0; u < nx; u++)
          filtered[v * nx + u] =
            spectrum[v * nx + u] * optics_transfer(c, wavelength, frequency(u, nx, dx), frequency(v, ny, dy), offset,
                                                   points > 1 ? PETSC_FALSE : PETSC_TRUE);
      /* ψ_image(r) = (1/N) Σ_k Ψ(k) T(k) exp(+2πi k·r) */
      for (PetscInt y = 0; y < ny; y++)
        for (PetscInt x = 0; x < nx; x++) {
          double complex sum = 0;
          for (PetscInt v = 0; v < ny; v++)
            for (PetscInt u = 0; u < nx; u++)
              sum += filtered[v * nx + u] * cexp(2.0 * M_PI * I * ((double)u * x / nx + (double)v * y / ny));
          sum /= n;
          image[y * nx + x] += weights[f] / sqrt(M_PI) / n_waves * (creal(sum) * creal(sum) + cimag(sum) * cimag(sum));
        }
    }
  }
  PetscCall(PetscFree2(spectrum, filtered));
  PetscFunctionReturn(0);
}
