/* multislice_ref.c — reference multislice with plain written-out DFTs in double precision:
 * the same transmission, band limit, propagator and tilt as multislice.c, O(N⁴) per transform
 * (small grids only). */
#include <complex.h>
#include <math.h>
#include "sim/multislice.h"

/* out[q][p] = Σ_{j,i} in[j][i] e^{∓2πi (p i / nx + q j / ny)}; sign -1 forward, +1 inverse
 * (unnormalised, as FFTW). */
static void dft_2d(PetscInt nx, PetscInt ny, int sign, const double _Complex *in, double _Complex *out)
{
  double _Complex wx[128], wy[128]; /* e^{±2πi m/n}: exact roots of unity, reused for every term */
  for (PetscInt m = 0; m < nx; m++) wx[m] = cexp(sign * 2.0 * M_PI * I * (double)m / (double)nx);
  for (PetscInt m = 0; m < ny; m++) wy[m] = cexp(sign * 2.0 * M_PI * I * (double)m / (double)ny);
  for (PetscInt q = 0; q < ny; q++)
    for (PetscInt p = 0; p < nx; p++) {
      double _Complex sum = 0;
      for (PetscInt j = 0; j < ny; j++) {
        const double _Complex row_phase = wy[(q * j) % ny];
        for (PetscInt i = 0; i < nx; i++) sum += in[j * nx + i] * row_phase * wx[(p * i) % nx];
      }
      out[q * nx + p] = sum;
    }
}

static double frequency(PetscInt p, PetscInt n, double s)
{
  return (double)(p < (n + 1) / 2 ? p : p - n) / ((double)n * s);
}

PetscErrorCode multislice_ref(const SimulationGrid *grid, PetscInt n_slices, const float *potentials,
                              double _Complex *wave)
{
  const PetscInt   nx = grid->nx, ny = grid->ny, n = nx * ny;
  const double     k_limit = grid->band_limit * PetscMin(0.5 / grid->sampling[0], 0.5 / grid->sampling[1]);
  const double     tilt_x = tan(grid->beam_tilt[0] * 1e-3), tilt_y = tan(grid->beam_tilt[1] * 1e-3);
  const double     lambda = grid->wavelength, dz = grid->slice_thickness, sigma = grid->interaction_constant;
  double _Complex *t, *a, *b;

  PetscFunctionBeginUser;
  PetscCheck(nx <= 128 && ny <= 128, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "multislice_ref is O(N^4): grid %" PetscInt_FMT " x %" PetscInt_FMT " too large", nx, ny);
  PetscCall(PetscMalloc3(n, &t, n, &a, n, &b));
  for (PetscInt i = 0; i < n; i++) wave[i] = 1.0;
  for (PetscInt s = 0; s < n_slices; s++) {
    /* Transmission exp(iσv), then cut to the band limit. */
    for (PetscInt i = 0; i < n; i++) a[i] = cexp(I * sigma * (double)potentials[(size_t)s * n + i]);
    dft_2d(nx, ny, -1, a, b);
    for (PetscInt q = 0; q < ny; q++)
      for (PetscInt p = 0; p < nx; p++) {
        const double kx = frequency(p, nx, grid->sampling[0]), ky = frequency(q, ny, grid->sampling[1]);
        if (sqrt(kx * kx + ky * ky) > k_limit) b[q * nx + p] = 0;
      }
    dft_2d(nx, ny, +1, b, t);
    for (PetscInt i = 0; i < n; i++) a[i] = wave[i] * t[i] / (double)n;
    /* Fresnel propagation over dz with tilt, band-limited. */
    dft_2d(nx, ny, -1, a, b);
    for (PetscInt q = 0; q < ny; q++)
      for (PetscInt p = 0; p < nx; p++) {
        const double kx = frequency(p, nx, grid->sampling[0]), ky = frequency(q, ny, grid->sampling[1]);
        const double k2 = kx * kx + ky * ky;
        if (sqrt(k2) > k_limit)
          b[q * nx + p] = 0;
        else
          b[q * nx + p] *= cexp(I * (-M_PI * lambda * dz * k2 - 2.0 * M_PI * dz * (kx * tilt_x + ky * tilt_y)));
      }
    dft_2d(nx, ny, +1, b, a);
    for (PetscInt i = 0; i < n; i++) wave[i] = a[i] / (double)n;
  }
  PetscCall(PetscFree3(t, a, b));
  PetscFunctionReturn(0);
}
