/* test_detector.c — Fourier resampling, MTF, drift, dose noise statistics, reproducibility. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "sim/detector.h"

static void conditions_default(ImagingConditions *c)
{
  PetscMemzero(c, sizeof *c);
  c->mtf[0] = 1;
  c->mtf[3] = 2;
}

/* A signal band-limited below both Nyquist frequencies survives down- and up-sampling exactly. */
static double signal(double x, double y, double lx, double ly)
{
  return 1.0 + 0.3 * cos(2 * M_PI * (3 * x / lx + 0.2)) + 0.2 * sin(2 * M_PI * (5 * y / ly)) +
         0.1 * cos(2 * M_PI * (4 * x / lx - 7 * y / ly + 0.5));
}

static void test_resample_band_limited(void)
{
  PetscInt       nx = 64, ny = 48;
  const PetscInt sizes[3][2] = {{40, 30}, {100, 80}, {17, 23}};
  float         *in = malloc(sizeof(float) * nx * ny), *out = malloc(sizeof(float) * 100 * 80);
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) in[j * nx + i] = (float)signal(i, j, nx, ny);
  for (int s = 0; s < 3; s++) {
    PetscInt mx = sizes[s][0], my = sizes[s][1];
    UNIT_CALL(detector_resample(nx, ny, in, mx, my, out));
    double worst = 0;
    for (PetscInt j = 0; j < my; j++)
      for (PetscInt i = 0; i < mx; i++)
        worst = fmax(worst, fabs(out[j * mx + i] - signal((double)i / mx, (double)j / my, 1, 1)));
    UNIT_CHECK(worst < 2e-6, "resampling to %" PetscInt_FMT "x%" PetscInt_FMT ": max error %g", mx, my, worst);
  }
  /* A frequency above the target Nyquist is removed, not aliased: cos(2π·12 x/L) to 16 px → 0. */
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) in[j * nx + i] = (float)(1 + cos(2 * M_PI * 12 * i / nx));
  UNIT_CALL(detector_resample(nx, ny, in, 16, 16, out));
  double worst = 0;
  for (PetscInt p = 0; p < 256; p++) worst = fmax(worst, fabs(out[p] - 1));
  UNIT_CHECK(worst < 1e-6, "frequency above the new Nyquist aliased: max |out - 1| = %g", worst);
  free(in);
  free(out);
}

/* Plans are cached per size (more sizes than the cache holds, so entries are replaced): the same
 * input through a cached, a re-made and a measured (detector_plan) plan gives the same image to
 * float rounding, and the cached plan exactly the same bits as its first use. */
static void test_plan_cache(void)
{
  const PetscInt nx = 60, ny = 50, sizes[6][2] = {{30, 25}, {36, 30}, {42, 35}, {48, 40}, {20, 18}, {30, 25}};
  float         *in = malloc(sizeof(float) * nx * ny), *first = malloc(sizeof(float) * 30 * 25),
        *out = malloc(sizeof(float) * 48 * 40);
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) in[j * nx + i] = (float)(signal(i, j, nx, ny) + 0.05 * ((i * 7 + j * 13) % 5));
  UNIT_CALL(detector_resample(nx, ny, in, 30, 25, first));
  UNIT_CALL(detector_resample(nx, ny, in, 30, 25, out));
  UNIT_CHECK(memcmp(first, out, sizeof(float) * 30 * 25) == 0, "a cached plan changed the bits of the same resampling");
  for (int s = 0; s < 6; s++)
    UNIT_CALL(detector_resample(nx, ny, in, sizes[s][0], sizes[s][1], out)); /* evicts and re-makes 30x25 */
  double worst = 0;
  for (PetscInt p = 0; p < 30 * 25; p++) worst = fmax(worst, fabs(out[p] - first[p]));
  UNIT_CHECK(worst < 1e-5, "re-made plan differs by %g", worst);
  UNIT_CALL(detector_plan(nx, ny, 30, 25));
  UNIT_CALL(detector_resample(nx, ny, in, 30, 25, out));
  worst = 0;
  for (PetscInt p = 0; p < 30 * 25; p++) worst = fmax(worst, fabs(out[p] - first[p]));
  UNIT_CHECK(worst < 1e-5, "measured plan differs by %g", worst);
  free(in);
  free(first);
  free(out);
}

static void test_geometry(void)
{
  ImagingConditions c;
  DetectorGeometry  g;
  conditions_default(&c);
  c.detector_pixel = 0.3;
  c.image_size     = 50;
  UNIT_CALL(detector_geometry(&c, 400, 400, 0.05, 0.05, &g)); /* 20 Å field */
  UNIT_CHECK(g.field_nx == 67 && g.field_ny == 67, "field %" PetscInt_FMT, g.field_nx);
  UNIT_CHECK_RELATIVE(g.pixel[0], 20.0 / 67, 1e-14);
  UNIT_CHECK(g.nx == 50 && g.offset[0] == 8, "crop %" PetscInt_FMT " at %" PetscInt_FMT, g.nx, g.offset[0]);
  c.image_size = 80;
  UNIT_CALL_FAILS(detector_geometry(&c, 400, 400, 0.05, 0.05, &g));
  c.image_size     = 0;
  c.detector_pixel = 30;
  UNIT_CALL_FAILS(detector_geometry(&c, 400, 400, 0.05, 0.05, &g));
}

static void test_mtf(void)
{
  ImagingConditions c;
  DetectorGeometry  g;
  conditions_default(&c);
  c.mtf[0] = 0.8;
  c.mtf[1] = 0.1;
  c.mtf[2] = 0.25;
  c.mtf[3] = 2.5;
  UNIT_CHECK_RELATIVE(detector_mtf(&c, 0), 0.8, 1e-15);
  UNIT_CHECK_RELATIVE(detector_mtf(&c, 0.5), 0.45, 1e-15); /* k = 2 c2: half way between c0 and c1 */
  /* The image of a flat field is c0 everywhere (MTF at k = 0). */
  PetscInt n = 32;
  float    flat[32 * 32], out[32 * 32];
  for (PetscInt p = 0; p < n * n; p++) flat[p] = 1;
  UNIT_CALL(detector_geometry(&c, n, n, 0.1, 0.1, &g));
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 1, 0, 0, out));
  for (PetscInt p = 0; p < n * n; p++) UNIT_CHECK_RELATIVE(out[p], 0.8, 1e-6);
  /* A fringe at k = 0.25 cycles/pixel is scaled by MTF(0.25). */
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) flat[j * n + i] = (float)cos(2 * M_PI * 0.25 * i);
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 1, 0, 0, out));
  UNIT_CHECK_RELATIVE(out[0], detector_mtf(&c, 0.25), 1e-5);
  /* Drift along x of length L multiplies a fringe of frequency k [1/Å] by sinc(π k L). */
  conditions_default(&c);
  c.drift       = 0.7;
  c.drift_angle = 0;
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 1, 0, 0, out));
  double k = 0.25 / 0.1, x = M_PI * k * 0.7;
  UNIT_CHECK_RELATIVE(out[0], sin(x) / x, 1e-5);
  c.drift_angle = M_PI / 2; /* drift along y leaves an x fringe alone */
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 1, 0, 0, out));
  UNIT_CHECK_RELATIVE(out[0], 1.0, 1e-5);
}

/* Counts are Poisson at the dose: mean dose·area, variance = mean; readout noise adds σ². */
static void test_poisson_statistics(void)
{
  ImagingConditions c;
  DetectorGeometry  g;
  PetscInt          n    = 256;
  float            *flat = malloc(sizeof(float) * n * n), *out = malloc(sizeof(float) * n * n),
        *again = malloc(sizeof(float) * n * n);
  conditions_default(&c);
  for (PetscInt p = 0; p < n * n; p++) flat[p] = 0.5f;
  c.dose = 100; /* pixel 0.2 Å: 4 e/pixel in vacuum, 2 at I = 0.5 */
  UNIT_CALL(detector_geometry(&c, n, n, 0.2, 0.2, &g));
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, out));
  double area = 100 * 0.04, sum = 0, sum2 = 0;
  for (PetscInt p = 0; p < n * n; p++) {
    double counts = out[p] * area;
    UNIT_CHECK(fabs(counts - round(counts)) < 1e-4, "counts %g not an integer", counts);
    sum += counts;
    sum2 += counts * counts;
  }
  double mean = sum / (n * n), variance = sum2 / (n * n) - mean * mean;
  UNIT_CHECK(fabs(mean - 2.0) < 4 * sqrt(2.0 / (n * n)), "mean counts %g, expected 2", mean);
  UNIT_CHECK(fabs(variance - 2.0) < 0.05, "variance of counts %g, expected 2", variance);
  /* same seed/unit/condition: bit-identical; another condition: different */
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, again));
  UNIT_CHECK(!memcmp(out, again, sizeof(float) * n * n), "same seed gave a different image");
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 3, again));
  UNIT_CHECK(memcmp(out, again, sizeof(float) * n * n), "conditions 2 and 3 gave the same noise");
  /* readout noise */
  c.readout_noise = 1.5;
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, out));
  sum = sum2 = 0;
  for (PetscInt p = 0; p < n * n; p++) {
    double e = out[p] * area;
    sum += e;
    sum2 += e * e;
  }
  mean     = sum / (n * n);
  variance = sum2 / (n * n) - mean * mean;
  UNIT_CHECK(fabs(mean - 2.0) < 0.03, "mean with readout noise %g, expected 2", mean);
  UNIT_CHECK(fabs(variance - (2.0 + 2.25)) < 0.1, "variance with readout noise %g, expected 4.25", variance);
  free(flat);
  free(out);
  free(again);
}

/* -mtf_on_noise: the MTF filters the counts, so white shot noise of variance σ² per pixel comes out
 * with variance σ²·(1/N²)·Σ_k MTF(k)² (over the kept frequencies), the mean is unchanged, and
 * readout noise added after the blur stays white. Without it, a flat image keeps white noise. */
static void test_mtf_on_noise(void)
{
  ImagingConditions c;
  DetectorGeometry  g;
  const PetscInt    n    = 256;
  float            *flat = malloc(sizeof(float) * n * n), *out = malloc(sizeof(float) * n * n),
        *again = malloc(sizeof(float) * n * n);
  conditions_default(&c);
  for (PetscInt p = 0; p < n * n; p++) flat[p] = 0.5f;
  c.dose         = 100; /* 4 e/pixel in vacuum at 0.2 Å pixels: 2 expected counts at I = 0.5 */
  c.mtf[0]       = 1;
  c.mtf[1]       = 0;
  c.mtf[2]       = 0.1;
  c.mtf[3]       = 2;
  c.mtf_on_noise = PETSC_TRUE;
  UNIT_CALL(detector_geometry(&c, n, n, 0.2, 0.2, &g));
  double gain = 0; /* (1/N²) Σ MTF² over |index| < N/2 (the detector drops the Nyquist bins) */
  for (PetscInt v = -(n / 2 - 1); v <= n / 2 - 1; v++)
    for (PetscInt u = -(n / 2 - 1); u <= n / 2 - 1; u++) {
      double m = detector_mtf(&c, sqrt((double)u * u + (double)v * v) / n);
      gain += m * m;
    }
  gain /= (double)n * n;
  UNIT_CHECK(gain > 0.05 && gain < 0.5, "test set-up: MTF power gain %g should be well below 1", gain);
  double area = 100 * 0.04;
  for (int readout = 0; readout < 2; readout++) {
    c.readout_noise = readout ? 1.5 : 0;
    UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, out));
    double sum = 0, sum2 = 0;
    for (PetscInt p = 0; p < n * n; p++) {
      double e = out[p] * area;
      sum += e;
      sum2 += e * e;
    }
    double mean = sum / (n * n), variance = sum2 / (n * n) - mean * mean, expected = 2.0 * gain + (readout ? 2.25 : 0);
    UNIT_CHECK(fabs(mean - 2.0) < 0.02, "mean counts %g with the MTF on the noise, expected 2", mean);
    UNIT_CHECK(fabs(variance / expected - 1) < 0.05, "variance of counts %g, expected %g = 2 x MTF power gain %g%s",
               variance, expected, gain, readout ? " + readout 2.25" : "");
  }
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, again));
  UNIT_CHECK(!memcmp(out, again, sizeof(float) * n * n), "same seed gave a different image");
  /* the default: the MTF acts on the (flat) signal only, the noise stays white */
  c.mtf_on_noise  = PETSC_FALSE;
  c.readout_noise = 0;
  UNIT_CALL(detector_image(&c, &g, n, n, flat, 11, 5, 2, out));
  double sum = 0, sum2 = 0;
  for (PetscInt p = 0; p < n * n; p++) {
    double e = out[p] * area;
    sum += e;
    sum2 += e * e;
  }
  double mean = sum / (n * n), variance = sum2 / (n * n) - mean * mean;
  UNIT_CHECK(fabs(mean - 2.0) < 0.02, "default order: mean counts %g, expected 2", mean);
  UNIT_CHECK(fabs(variance - 2.0) < 0.05, "default order: variance %g, expected white 2", variance);
  free(flat);
  free(out);
  free(again);
}

/* Issue 11: a pixel's dose noise depends on its own expected count only. Changing one pixel's
 * intensity (by its last bit, as another FFT plan's rounding does, or by 50 %) must leave every
 * other pixel's value bit-identical, and move that pixel's count up, by at most one count for the
 * last bit. Drawing all pixels from one stream in order (before issue 11) fails the 50 % case:
 * the rejection sampler takes a different number of uniforms and every later pixel shifts. */
static void test_dose_noise_per_pixel(void)
{
  const PetscInt n = 4096, perturbed = 256;
  const double   electrons = 300; /* expected counts 3 to 900: both Poisson branches (below and above 64) */
  float         *intensity = malloc(sizeof(float) * n), *reference = malloc(sizeof(float) * n),
        *changed = malloc(sizeof(float) * n);
  for (PetscInt p = 0; p < n; p++) intensity[p] = (float)(0.01 + 3.0 * ((p * 2654435761u) % 1000) / 1000.0);
  for (int readout = 0; readout < 2; readout++) {
    const double readout_noise = readout ? 2.0 : 0.0;
    memcpy(reference, intensity, sizeof(float) * n);
    detector_dose_noise(11, 5 + (2ull << 40), electrons, readout_noise, n, reference);
    int others_changed = 0, too_far = 0, went_down = 0, last_bit_moves = 0;
    for (int factor = 0; factor < 2; factor++)
      for (PetscInt j = 0; j < perturbed; j++) {
        const PetscInt pixel = (j * 16 + 7) % n;
        memcpy(changed, intensity, sizeof(float) * n);
        changed[pixel] = factor ? 1.5f * changed[pixel] : nextafterf(changed[pixel], INFINITY);
        detector_dose_noise(11, 5 + (2ull << 40), electrons, readout_noise, n, changed);
        others_changed += memcmp(changed, reference, sizeof(float) * pixel) != 0 ||
                          memcmp(changed + pixel + 1, reference + pixel + 1, sizeof(float) * (n - pixel - 1)) != 0;
        const double step = (changed[pixel] - reference[pixel]) * electrons; /* in counts */
        went_down += step < -1e-3;
        if (!factor) {
          too_far += fabs(step) > 1 + 1e-3;
          last_bit_moves += fabs(step) > 1e-3;
        }
      }
    UNIT_CHECK(others_changed == 0, "readout %g: changing one pixel's intensity changed other pixels in %d of %d cases",
               readout_noise, others_changed, 2 * (int)perturbed);
    UNIT_CHECK(went_down == 0,
               "readout %g: a larger intensity gave a smaller count in %d cases (the sampler must be monotone)",
               readout_noise, went_down);
    UNIT_CHECK(too_far == 0, "readout %g: a last-bit change moved a count by more than one in %d cases", readout_noise,
               too_far);
    /* A one-ulp change of a mean near 300 crosses a quantile step with chance ~1e-5: none of 256. */
    UNIT_CHECK(last_bit_moves <= 1, "readout %g: %d of %d last-bit changes moved the count", readout_noise,
               last_bit_moves, (int)perturbed);
  }
  free(intensity);
  free(reference);
  free(changed);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_resample_band_limited);
  UNIT_RUN(test_plan_cache);
  UNIT_RUN(test_geometry);
  UNIT_RUN(test_mtf);
  UNIT_RUN(test_poisson_statistics);
  UNIT_RUN(test_mtf_on_noise);
  UNIT_RUN(test_dose_noise_per_pixel);
  return UNIT_END();
}
