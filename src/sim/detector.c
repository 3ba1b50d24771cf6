/* detector.c — resampling, MTF, drift, dose noise (see include/detector.h). Serial. */
#include <math.h>
#include <string.h>
#include <complex.h>
#include <fftw3.h>
#include "sim/detector.h"
#include "core/error_check.h"
#include "core/rng.h"
#include "core/timing.h"

PetscErrorCode detector_geometry(const ImagingConditions *c, PetscInt nx, PetscInt ny, double dx, double dy,
                                 DetectorGeometry *g)
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
  g->nx       = c->image_size > 0 ? c->image_size : g->field_nx;
  g->ny       = c->image_size > 0 ? c->image_size : g->field_ny;
  PetscCheck(g->nx <= g->field_nx && g->ny <= g->field_ny, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-image_size %" PetscInt_FMT " is larger than the field of view, %" PetscInt_FMT " x %" PetscInt_FMT
             " pixels of %g Å: enlarge -cell or use -image_size <= %" PetscInt_FMT,
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

/* Plans and buffers of one resampling size (nx, ny) → (mx, my), kept for the life of the process
 * so the per-image path neither plans nor allocates. A handful of sizes is all a run meets (one
 * simulation grid, a few detector pixel sizes); the least recently made entry is replaced. */
typedef struct {
  PetscInt       nx, ny, mx, my;
  float         *real_in, *real_out;
  fftwf_complex *a, *b;
  fftwf_plan     forward, inverse;
} ResamplePlan;

#define DETECTOR_PLAN_CACHE 4
static ResamplePlan detector_plans[DETECTOR_PLAN_CACHE];
static int          detector_plans_next, detector_plans_registered;

static void resample_plan_free(ResamplePlan *r)
{
  if (r->forward) fftwf_destroy_plan(r->forward);
  if (r->inverse) fftwf_destroy_plan(r->inverse);
  fftwf_free(r->real_in);
  fftwf_free(r->real_out);
  fftwf_free(r->a);
  fftwf_free(r->b);
  memset(r, 0, sizeof *r);
}

static PetscErrorCode detector_plans_finalize(void)
{
  PetscFunctionBeginUser;
  for (int e = 0; e < DETECTOR_PLAN_CACHE; e++) resample_plan_free(&detector_plans[e]);
  detector_plans_registered = 0;
  PetscFunctionReturn(0);
}

/* Plan with FFTW_MEASURE when `measure`, else from wisdom only, falling back to FFTW_ESTIMATE:
 * a deterministic choice given the wisdom, so ranks that share wisdom share plans (the campaign)
 * and a size missing from the wisdom never makes the plan — and the last bits — depend on timing. */
static PetscErrorCode resample_plan_get(PetscInt nx, PetscInt ny, PetscInt mx, PetscInt my, PetscBool measure,
                                        ResamplePlan **out)
{
  ResamplePlan *r = NULL;
  PetscFunctionBeginUser;
  for (int e = 0; e < DETECTOR_PLAN_CACHE; e++) {
    ResamplePlan *c = &detector_plans[e];
    if (c->forward && c->nx == nx && c->ny == ny && c->mx == mx && c->my == my) {
      *out = c;
      PetscFunctionReturn(0);
    }
  }
  if (!detector_plans_registered) {
    PetscCall(PetscRegisterFinalize(detector_plans_finalize));
    detector_plans_registered = 1;
  }
  r                   = &detector_plans[detector_plans_next];
  detector_plans_next = (detector_plans_next + 1) % DETECTOR_PLAN_CACHE;
  resample_plan_free(r);
  r->real_in  = fftwf_alloc_real((size_t)nx * ny);
  r->real_out = fftwf_alloc_real((size_t)mx * my);
  r->a        = fftwf_alloc_complex((size_t)(nx / 2 + 1) * ny);
  r->b        = fftwf_alloc_complex((size_t)(mx / 2 + 1) * my);
  PetscCheck(r->a && r->b && r->real_in && r->real_out, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "detector: out of memory resampling %" PetscInt_FMT "x%" PetscInt_FMT, mx, my);
  {
    const unsigned flags = measure ? FFTW_MEASURE : FFTW_MEASURE | FFTW_WISDOM_ONLY;
    r->forward           = fftwf_plan_dft_r2c_2d((int)ny, (int)nx, r->real_in, r->a, flags);
    if (!r->forward) r->forward = fftwf_plan_dft_r2c_2d((int)ny, (int)nx, r->real_in, r->a, FFTW_ESTIMATE);
    r->inverse = fftwf_plan_dft_c2r_2d((int)my, (int)mx, r->b, r->real_out, flags);
    if (!r->inverse) r->inverse = fftwf_plan_dft_c2r_2d((int)my, (int)mx, r->b, r->real_out, FFTW_ESTIMATE);
  }
  if (!r->forward || !r->inverse) {
    resample_plan_free(r);
    PetscCheckFFTWPlan((fftwf_plan)NULL, "the detector resampling transforms");
  }
  r->nx = nx;
  r->ny = ny;
  r->mx = mx;
  r->my = my;
  *out  = r;
  PetscFunctionReturn(0);
}

PetscErrorCode detector_plan(PetscInt nx, PetscInt ny, PetscInt mx, PetscInt my)
{
  ResamplePlan *r;
  PetscFunctionBeginUser;
  /* Drop a cached plan of this size that may have come from FFTW_ESTIMATE. */
  for (int e = 0; e < DETECTOR_PLAN_CACHE; e++) {
    ResamplePlan *c = &detector_plans[e];
    if (c->forward && c->nx == nx && c->ny == ny && c->mx == mx && c->my == my) resample_plan_free(c);
  }
  PetscCall(resample_plan_get(nx, ny, mx, my, PETSC_TRUE, &r));
  PetscFunctionReturn(0);
}

/* Resample `in` to the field grid and apply a Fourier-space filter (MTF, drift) on the way.
 * Real-to-complex transforms: the input and output are real, and the filter is even in k, so
 * the Hermitian half of the spectrum is all there is to crop, pad and filter. The result is left
 * in r->real_out ([my][mx]). */
static PetscErrorCode resample_filtered(PetscInt nx, PetscInt ny, const float *in, PetscInt mx, PetscInt my,
                                        const ImagingConditions *c, const double pixel[2], ResamplePlan **plan)
{
  const PetscInt hx = nx / 2 + 1, hmx = mx / 2 + 1;
  ResamplePlan  *r;
  PetscFunctionBeginUser;
  PetscCall(resample_plan_get(nx, ny, mx, my, PETSC_FALSE, &r));
  fftwf_complex *a = r->a, *b = r->b;
  memcpy(r->real_in, in, sizeof(float) * nx * ny);
  fftwf_execute(r->forward);
  for (PetscInt p = 0; p < hmx * my; p++) b[p] = 0;
  double          scale   = 1.0 / ((double)nx * ny);
  double          drift_x = c ? c->drift * cos(c->drift_angle) : 0, drift_y = c ? c->drift * sin(c->drift_angle) : 0;
  const PetscBool filtered = c && (c->mtf[2] > 0 || c->drift != 0) ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt v = 0; v < my; v++) {
    PetscInt sv = signed_index(v, my);
    if (!inside(sv, my) || !inside(sv, ny)) continue;
    PetscInt jv = sv < 0 ? sv + ny : sv;
    for (PetscInt u = 0; u < hmx; u++) { /* u ≥ 0: the Hermitian half */
      if (!inside(u, mx) || !inside(u, nx)) continue;
      double filter = scale;
      if (filtered) {
        /* MTF in cycles per detector pixel; drift: uniform motion over the segment d → sinc(π k·d). */
        double fx = (double)u / mx, fy = (double)sv / my;
        filter *= detector_mtf(c, sqrt(fx * fx + fy * fy));
        double x = M_PI * (fx / pixel[0] * drift_x + fy / pixel[1] * drift_y);
        if (fabs(x) > 1e-12) filter *= sin(x) / x;
      }
      b[v * hmx + u] = a[jv * hx + u] * (float)filter;
    }
  }
  fftwf_execute(r->inverse);
  *plan = r;
  PetscFunctionReturn(0);
}

PetscErrorCode detector_resample(PetscInt nx, PetscInt ny, const float *in, PetscInt mx, PetscInt my, float *out)
{
  double        pixel[2] = {1, 1};
  ResamplePlan *r;
  PetscFunctionBeginUser;
  PetscCall(resample_filtered(nx, ny, in, mx, my, NULL, pixel, &r));
  memcpy(out, r->real_out, sizeof(float) * mx * my);
  PetscFunctionReturn(0);
}

/* Per pixel, so that a pixel's count depends on nothing but its own key and mean: a last-bit
 * change of one pixel's intensity (another FFT plan's rounding) changes at most that pixel's
 * count, by one, and only rarely (include/detector.h). */
void detector_dose_noise(uint64_t seed, uint64_t key_unit, double electrons_per_unit, double readout_noise, PetscInt n,
                         float *image)
{
  for (PetscInt p = 0; p < n; p++) {
    double expected = electrons_per_unit * PetscMax(image[p], 0.0f); /* ringing can dip below 0 */
    double counts =
      (double)rng_poisson_quantile(rng_uniform_at(seed, key_unit, RNG_PURPOSE_DETECTOR_NOISE, (uint32_t)p), expected);
    if (readout_noise > 0)
      counts +=
        readout_noise * rng_normal_quantile(rng_uniform_at(seed, key_unit, RNG_PURPOSE_READOUT_NOISE, (uint32_t)p));
    image[p] = (float)(counts / electrons_per_unit);
  }
}

PetscErrorCode detector_image(const ImagingConditions *c, const DetectorGeometry *g, PetscInt nx, PetscInt ny,
                              const float *intensity, uint64_t seed, uint64_t unit, int condition, float *image)
{
  ResamplePlan *r;
  PetscFunctionBeginUser;
  PetscCheck(unit < ((uint64_t)1 << 40) && condition >= 0 && condition < (1 << 23), PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "detector_image: unit %llu or condition %d out of range",
             (unsigned long long)unit, condition);
  PetscCall(PetscLogEventBegin(NF_EVENT_DETECTOR, 0, 0, 0, 0));
  const double   electrons_per_unit = c->dose * g->pixel[0] * g->pixel[1]; /* expected electrons per pixel in vacuum */
  const uint64_t key_unit           = unit + ((uint64_t)condition << 40);
  /* Pixel indices are the Philox counter's 32-bit block index. */
  PetscCheck((uint64_t)g->field_nx * (uint64_t)g->field_ny < ((uint64_t)1 << 32), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "detector field of %" PetscInt_FMT " x %" PetscInt_FMT
             " pixels is too large: at most 2^32 pixels (use a larger -detector_pixel)",
             g->field_nx, g->field_ny);
  if (c->dose > 0 && c->mtf_on_noise && c->mtf[2] > 0) {
    /* Scintillator cameras: each electron's light spreads by the point-spread function, so the
     * MTF filters the recorded counts, shot noise included (its spectrum becomes MTF²); the
     * readout noise of the sensor behind it stays white. Counts are drawn over the whole
     * periodic field, blurred there, then cropped, so the crop has no wrap-around edge. */
    ImagingConditions signal = *c, blur;
    float            *field;
    const PetscInt    n_field = g->field_nx * g->field_ny;
    signal.mtf[2]             = 0; /* resampling and drift act on the signal */
    PetscCall(PetscMemzero(&blur, sizeof blur));
    PetscCall(PetscArraycpy(blur.mtf, c->mtf, 4));
    PetscCall(resample_filtered(nx, ny, intensity, g->field_nx, g->field_ny, &signal, g->pixel, &r));
    PetscCall(PetscMalloc1(n_field, &field));
    PetscCall(PetscArraycpy(field, r->real_out, n_field));
    detector_dose_noise(seed, key_unit, electrons_per_unit, 0.0, n_field, field);
    PetscCall(resample_filtered(g->field_nx, g->field_ny, field, g->field_nx, g->field_ny, &blur, g->pixel, &r));
    PetscCall(PetscFree(field));
    for (PetscInt j = 0; j < g->ny; j++)
      memcpy(image + j * g->nx, r->real_out + (j + g->offset[1]) * g->field_nx + g->offset[0], sizeof(float) * g->nx);
    if (c->readout_noise > 0)
      for (PetscInt p = 0; p < g->nx * g->ny; p++)
        image[p] +=
          (float)(c->readout_noise *
                  rng_normal_quantile(rng_uniform_at(seed, key_unit, RNG_PURPOSE_READOUT_NOISE, (uint32_t)p)) /
                  electrons_per_unit);
  } else {
    PetscCall(resample_filtered(nx, ny, intensity, g->field_nx, g->field_ny, c, g->pixel, &r));
    for (PetscInt j = 0; j < g->ny; j++)
      memcpy(image + j * g->nx, r->real_out + (j + g->offset[1]) * g->field_nx + g->offset[0], sizeof(float) * g->nx);
    if (c->dose > 0) detector_dose_noise(seed, key_unit, electrons_per_unit, c->readout_noise, g->nx * g->ny, image);
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_DETECTOR, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
