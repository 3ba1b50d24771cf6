/* detector.c — resampling, MTF, drift, dose noise (see include/detector.h). Serial. */
#include <math.h>
#include <string.h>
#include <complex.h>
#include <fftw3.h>
#include "detector.h"
#include "error_check.h"
#include "rng.h"
#include "timing.h"

PetscErrorCode detector_geometry(const ImagingConditions *c, PetscInt nx, PetscInt ny, double dx, double dy, DetectorGeometry *g)
{
  double lx = nx * dx, ly = ny * dy;
  PetscFunctionBeginUser;
  double px = c->detector_pixel > 0 ? c->detector_pixel : dx, py = c->detector_pixel > 0 ? c->detector_pixel : dy;
  PetscCheck(px <= lx && py <= ly, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-detector_pixel %g Å is larger than the field of view %g x %g Å", c->detector_pixel, lx, ly);
  g->field_nx = (PetscInt)PetscMax(1, llround(lx / px));
  g->field_ny = (PetscInt)PetscMax(1, llround(ly / py));
  g->pixel[0] = lx / g->field_nx;
  g->pixel[1] = ly / g->field_ny;
  g->nx = c->image_size > 0 ? c->image_size : g->field_nx;
  g->ny = c->image_size > 0 ? c->image_size : g->field_ny;
  PetscCheck(g->nx <= g->field_nx && g->ny <= g->field_ny, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-image_size %" PetscInt_FMT " is larger than the field of view, %" PetscInt_FMT " x %" PetscInt_FMT " pixels of %g Å: enlarge -cell or use -image_size <= %" PetscInt_FMT,
             c->image_size, g->field_nx, g->field_ny, g->pixel[0], PetscMin(g->field_nx, g->field_ny));
  g->offset[0] = (g->field_nx - g->nx) / 2;
  g->offset[1] = (g->field_ny - g->ny) / 2;
  PetscFunctionReturn(0);
}

double detector_mtf(const ImagingConditions *c, double k)
{
  if (c->mtf[2] <= 0) return 1.0;
  return (c->mtf[0] - c->mtf[1]) / (1.0 + pow(fabs(k) / (2.0 * c->mtf[2]), c->mtf[3])) + c->mtf[1];
}

/* Signed frequency index of FFT bin i of n. */
static PetscInt signed_index(PetscInt i, PetscInt n) { return i < (n + 1) / 2 ? i : i - n; }
/* Keep index s in a grid of n bins: strictly inside the Nyquist limit. */
static PetscBool inside(PetscInt s, PetscInt n) { return 2 * PetscAbsInt(s) < n ? PETSC_TRUE : PETSC_FALSE; }

/* Resample `in` to the field grid and apply a Fourier-space filter (MTF, drift) on the way.
 * Real-to-complex transforms: the input and output are real, and the filter is even in k, so
 * the Hermitian half of the spectrum is all there is to crop, pad and filter. */
static PetscErrorCode resample_filtered(PetscInt nx, PetscInt ny, const float *in, PetscInt mx, PetscInt my, const ImagingConditions *c,
                                        const double pixel[2], float *out)
{
  const PetscInt hx = nx / 2 + 1, hmx = mx / 2 + 1;
  float         *real_in = fftwf_alloc_real((size_t)nx * ny), *real_out = fftwf_alloc_real((size_t)mx * my);
  fftwf_complex *a = fftwf_alloc_complex((size_t)hx * ny), *b = fftwf_alloc_complex((size_t)hmx * my);
  PetscFunctionBeginUser;
  PetscCheck(a && b && real_in && real_out, PETSC_COMM_SELF, PETSC_ERR_MEM, "detector: out of memory resampling %" PetscInt_FMT "x%" PetscInt_FMT, mx, my);
  fftwf_plan forward = fftwf_plan_dft_r2c_2d((int)ny, (int)nx, real_in, a, FFTW_ESTIMATE);
  PetscCheckFFTWPlan(forward, "the detector forward transform");
  fftwf_plan inverse = fftwf_plan_dft_c2r_2d((int)my, (int)mx, b, real_out, FFTW_ESTIMATE);
  PetscCheckFFTWPlan(inverse, "the detector inverse transform");
  memcpy(real_in, in, sizeof(float) * nx * ny);
  fftwf_execute(forward);
  for (PetscInt p = 0; p < hmx * my; p++) b[p] = 0;
  double scale = 1.0 / ((double)nx * ny);
  double drift_x = c ? c->drift * cos(c->drift_angle) : 0, drift_y = c ? c->drift * sin(c->drift_angle) : 0;
  for (PetscInt v = 0; v < my; v++) {
    PetscInt sv = signed_index(v, my);
    if (!inside(sv, my) || !inside(sv, ny)) continue;
    PetscInt jv = sv < 0 ? sv + ny : sv;
    for (PetscInt u = 0; u < hmx; u++) { /* u ≥ 0: the Hermitian half */
      if (!inside(u, mx) || !inside(u, nx)) continue;
      double filter = scale;
      if (c) {
        /* MTF in cycles per detector pixel; drift: uniform motion over the segment d → sinc(π k·d). */
        double fx = (double)u / mx, fy = (double)sv / my;
        filter *= detector_mtf(c, sqrt(fx * fx + fy * fy));
        double x = M_PI * (fx / pixel[0] * drift_x + fy / pixel[1] * drift_y);
        if (fabs(x) > 1e-12) filter *= sin(x) / x;
      }
      b[v * hmx + u] = a[jv * hx + u] * (float)filter;
    }
  }
  fftwf_execute(inverse);
  memcpy(out, real_out, sizeof(float) * mx * my);
  fftwf_destroy_plan(forward);
  fftwf_destroy_plan(inverse);
  fftwf_free(a);
  fftwf_free(b);
  fftwf_free(real_in);
  fftwf_free(real_out);
  PetscFunctionReturn(0);
}

PetscErrorCode detector_resample(PetscInt nx, PetscInt ny, const float *in, PetscInt mx, PetscInt my, float *out)
{
  double pixel[2] = {1, 1};
  PetscFunctionBeginUser;
  PetscCall(resample_filtered(nx, ny, in, mx, my, NULL, pixel, out));
  PetscFunctionReturn(0);
}

PetscErrorCode detector_image(const ImagingConditions *c, const DetectorGeometry *g, PetscInt nx, PetscInt ny, const float *intensity,
                              uint64_t seed, uint64_t unit, int condition, float *image)
{
  float *field;
  PetscFunctionBeginUser;
  PetscCheck(unit < ((uint64_t)1 << 40) && condition >= 0 && condition < (1 << 23), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "detector_image: unit %llu or condition %d out of range", (unsigned long long)unit, condition);
  PetscCall(PetscLogEventBegin(NF_EVENT_DETECTOR, 0, 0, 0, 0));
  PetscCall(PetscMalloc1(g->field_nx * g->field_ny, &field));
  PetscCall(resample_filtered(nx, ny, intensity, g->field_nx, g->field_ny, c, g->pixel, field));
  for (PetscInt j = 0; j < g->ny; j++)
    memcpy(image + j * g->nx, field + (j + g->offset[1]) * g->field_nx + g->offset[0], sizeof(float) * g->nx);
  PetscCall(PetscFree(field));
  if (c->dose > 0) {
    RngStream stream;
    double    electrons_per_unit = c->dose * g->pixel[0] * g->pixel[1]; /* expected electrons per pixel in vacuum */
    rng_stream_init(&stream, seed, unit + ((uint64_t)condition << 40), RNG_PURPOSE_DETECTOR_NOISE);
    for (PetscInt p = 0; p < g->nx * g->ny; p++) {
      double expected = electrons_per_unit * PetscMax(image[p], 0.0f); /* ringing can dip below 0 */
      double counts   = (double)rng_poisson(&stream, expected);
      if (c->readout_noise > 0) counts += c->readout_noise * rng_normal(&stream);
      image[p] = (float)(counts / electrons_per_unit);
    }
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_DETECTOR, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
