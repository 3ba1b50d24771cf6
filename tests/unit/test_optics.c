/* test_optics.c — aberration function, defocus sign, aperture, envelopes, focal
 * integration, weak-phase-object CTF, fast lens vs the direct-DFT reference. */
#include <math.h>
#include <stdlib.h>
#include "unit.h"
#include "sim/electron.h"
#include "sim/optics.h"
#include "core/rng.h"
#include "sim/multislice.h"
#include "sim/simulation_grid.h"

static double frequency(PetscInt i, PetscInt n, double d) { return (double)(i < (n + 1) / 2 ? i : i - n) / (n * d); }

static void zero_values(double v[IMAGING_PARAMETER_COUNT])
{
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++) v[p] = 0;
  v[IMAGING_MTF_C0] = 1;
  v[IMAGING_MTF_C3] = 2;
}

static void test_gauss_hermite(void)
{
  double x[64], w[64];
  for (PetscInt n = 2; n <= 40; n += 7) {
    UNIT_CALL(optics_gauss_hermite(n, x, w));
    double m0 = 0, m2 = 0, m4 = 0;
    for (PetscInt i = 0; i < n; i++) {
      m0 += w[i];
      m2 += w[i] * x[i] * x[i];
      m4 += w[i] * pow(x[i], 4);
    }
    UNIT_CHECK_RELATIVE(m0, sqrt(M_PI), 1e-12);
    UNIT_CHECK_RELATIVE(m2, sqrt(M_PI) / 2, 1e-12);
    if (n >= 3) UNIT_CHECK_RELATIVE(m4, 3 * sqrt(M_PI) / 4, 1e-12);
  }
}

/* -defocus > 0 is underfocus: C10 = -defocus, χ < 0 at low k, and at the Scherzer defocus
 * sqrt(4/3 Cs λ) of a Cs > 0 lens the minimum of χ is exactly -2π/3 at k² = df/(Cs λ²). */
static void test_defocus_sign(void)
{
  double            v[IMAGING_PARAMETER_COUNT], lambda = electron_wavelength(300);
  ImagingConditions c;
  zero_values(v);
  v[IMAGING_CS]      = 1.2e7; /* 1.2 mm */
  v[IMAGING_DEFOCUS] = optics_scherzer_defocus(1.2e7, lambda);
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  UNIT_CHECK(v[IMAGING_DEFOCUS] > 0, "Scherzer defocus %g must be positive (underfocus)", v[IMAGING_DEFOCUS]);
  UNIT_CHECK_RELATIVE(c.coefficient[ABERRATION_C10], -v[IMAGING_DEFOCUS], 1e-15);
  UNIT_CHECK_RELATIVE(optics_defocus(&c), v[IMAGING_DEFOCUS], 1e-15);
  double k = sqrt(v[IMAGING_DEFOCUS] / (1.2e7 * lambda * lambda));
  UNIT_CHECK_RELATIVE(optics_aberration_phase(&c, lambda, k, 0, 0), -2 * M_PI / 3, 1e-12);
  UNIT_CHECK_RELATIVE(optics_aberration_phase(&c, lambda, 0, k, 0), -2 * M_PI / 3, 1e-12);
  /* Kirkland's form χ = πλk²(Cs λ² k²/2 − df) at an arbitrary k */
  double kk = 0.37;
  UNIT_CHECK_RELATIVE(optics_aberration_phase(&c, lambda, kk * 0.6, kk * 0.8, 0),
                      M_PI * lambda * kk * kk * (0.5 * 1.2e7 * lambda * lambda * kk * kk - v[IMAGING_DEFOCUS]), 1e-12);
  /* extra_defocus adds to the defocus */
  UNIT_CHECK_RELATIVE(optics_aberration_phase(&c, lambda, kk, 0, 10.0),
                      M_PI * lambda * kk * kk * (0.5 * 1.2e7 * lambda * lambda * kk * kk - v[IMAGING_DEFOCUS] - 10.0),
                      1e-12);
}

/* Each term of χ in Krivanek notation: (2π/λ) C α^(n+1)/(n+1) cos(m(φ−φ_nm)), one at a time,
 * and the analytic gradient against finite differences. */
static void test_aberration_terms(void)
{
  double            lambda = electron_wavelength(200);
  ImagingConditions c;
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    PetscMemzero(&c, sizeof c);
    c.coefficient[a] = 1000.0 * pow(10.0, a);
    c.angle[a]       = 0.3;
    double kx = 0.31, ky = -0.17, alpha = lambda * hypot(kx, ky), phi = atan2(ky, kx);
    int    n = optics_aberration_n[a], m = optics_aberration_m[a];
    double expected =
      2 * M_PI / lambda * c.coefficient[a] * pow(alpha, n + 1) / (n + 1) * cos(m * (phi - (m ? 0.3 : 0)));
    UNIT_CHECK_RELATIVE(optics_aberration_phase(&c, lambda, kx, ky, 0), expected, 1e-12);
    double h = 1e-6, gx = (optics_aberration_phase(&c, lambda, kx + h, ky, 0) -
                           optics_aberration_phase(&c, lambda, kx - h, ky, 0)) /
                          (2 * h);
    double gy =
      (optics_aberration_phase(&c, lambda, kx, ky + h, 0) - optics_aberration_phase(&c, lambda, kx, ky - h, 0)) /
      (2 * h);
    UNIT_CHECK_RELATIVE(optics_aberration_gradient_squared(&c, lambda, kx, ky), gx * gx + gy * gy, 1e-6);
  }
}

static void test_aperture(void)
{
  double            lambda = electron_wavelength(300);
  ImagingConditions c;
  PetscMemzero(&c, sizeof c);
  c.aperture      = 20;
  c.aperture_edge = 2;
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 18.9e-3 / lambda, 0), 1.0, 0);
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 0, 20e-3 / lambda), 0.5, 1e-12);
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 21.1e-3 / lambda, 0), 0.0, 0);
  c.aperture_edge = 0; /* hard edge */
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 19.99e-3 / lambda, 0), 1.0, 0);
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 20.01e-3 / lambda, 0), 0.0, 0);
  c.aperture = 0;
  UNIT_CHECK_ABSOLUTE(optics_aperture(&c, lambda, 1.0, 0), 1.0, 0);
  /* Image of a wave 1 + ε cos(2π k x): the fringe is removed when k lies outside the aperture. */
  PetscInt       nx = 32, ny = 8;
  double         dx   = 0.25;
  fftwf_complex *wave = fftwf_alloc_complex(nx * ny);
  float          image[32 * 8];
  Lens          *lens;
  UNIT_CALL(lens_create(nx, ny, dx, dx, lambda, &lens));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) wave[j * nx + i] = 1.0f + 0.1f * cosf(2 * M_PI * 5 * i / nx);
  const fftwf_complex *waves[1] = {wave};
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  double k5       = 5.0 / (nx * dx); /* 0.625 1/Å = 12.3 mrad at 300 kV */
  c.aperture      = 1e3 * lambda * k5 * 0.9;
  c.aperture_edge = 0.5;
  UNIT_CALL(lens_image(lens, &c, image));
  double worst = 0;
  for (PetscInt p = 0; p < nx * ny; p++) worst = fmax(worst, fabs(image[p] - 1.0));
  UNIT_CHECK(worst < 1e-6, "fringe outside the aperture survives: max |I-1| = %g", worst);
  c.aperture = 1e3 * lambda * k5 * 1.1;
  UNIT_CALL(lens_image(lens, &c, image));
  UNIT_CHECK_RELATIVE(image[0], 1.1 * 1.1, 1e-5);
  UNIT_CALL(lens_destroy(&lens));
  fftwf_free(wave);
}

/* Weak phase object ψ = exp(iσV): the image equals the linear CTF prediction
 * 1 + 2σ FT⁻¹[V(k) sin χ(k) E(k)] up to O((σV)²). */
static void weak_object(PetscInt nx, PetscInt ny, double dx, double amplitude, double *phase)
{
  RngStream s;
  rng_stream_init(&s, 7, 0, RNG_PURPOSE_TEST);
  /* a few Gaussian "atoms" */
  for (PetscInt p = 0; p < nx * ny; p++) phase[p] = 0;
  for (int a = 0; a < 12; a++) {
    double x0 = rng_uniform(&s) * nx * dx, y0 = rng_uniform(&s) * ny * dx;
    for (PetscInt j = 0; j < ny; j++)
      for (PetscInt i = 0; i < nx; i++) {
        double ddx = remainder(i * dx - x0, nx * dx), ddy = remainder(j * dx - y0, ny * dx);
        phase[j * nx + i] += amplitude * exp(-(ddx * ddx + ddy * ddy) / (2 * 0.3 * 0.3));
      }
  }
}

static void linear_ctf_image(PetscInt nx, PetscInt ny, double dx, double lambda, const ImagingConditions *c,
                             const double *phase, double *out)
{
  fftwf_complex *work    = fftwf_alloc_complex(nx * ny);
  fftwf_plan     forward = fftwf_plan_dft_2d(ny, nx, work, work, FFTW_FORWARD, FFTW_ESTIMATE);
  fftwf_plan     inverse = fftwf_plan_dft_2d(ny, nx, work, work, FFTW_BACKWARD, FFTW_ESTIMATE);
  for (PetscInt p = 0; p < nx * ny; p++) work[p] = phase[p];
  fftwf_execute(forward);
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      double kx = frequency(i, nx, dx), ky = frequency(j, ny, dx);
      double envelope = optics_aperture(c, lambda, kx, ky) * optics_temporal_envelope(c, lambda, kx, ky) *
                        optics_spatial_envelope(c, lambda, kx, ky);
      work[j * nx + i] *= envelope * sin(optics_aberration_phase(c, lambda, kx, ky, 0)) / (nx * ny);
    }
  fftwf_execute(inverse);
  for (PetscInt p = 0; p < nx * ny; p++) out[p] = 1.0 + 2.0 * crealf(work[p]);
  fftwf_destroy_plan(forward);
  fftwf_destroy_plan(inverse);
  fftwf_free(work);
}

static void weak_phase_case(const ImagingConditions *c, double tolerance)
{
  PetscInt       nx = 64, ny = 48;
  double         dx = 0.2, lambda = electron_wavelength(300);
  double        *phase = malloc(sizeof(double) * nx * ny), *linear = malloc(sizeof(double) * nx * ny);
  float         *image = malloc(sizeof(float) * nx * ny);
  fftwf_complex *wave  = fftwf_alloc_complex(nx * ny);
  Lens          *lens;
  weak_object(nx, ny, dx, 1e-3, phase);
  for (PetscInt p = 0; p < nx * ny; p++) wave[p] = cexp(I * phase[p]);
  const fftwf_complex *waves[1] = {wave};
  UNIT_CALL(lens_create(nx, ny, dx, dx, lambda, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  UNIT_CALL(lens_image(lens, c, image));
  linear_ctf_image(nx, ny, dx, lambda, c, phase, linear);
  double contrast = 0, error = 0;
  for (PetscInt p = 0; p < nx * ny; p++) {
    contrast = fmax(contrast, fabs(linear[p] - 1));
    error    = fmax(error, fabs(image[p] - linear[p]));
  }
  UNIT_CHECK(contrast > 1e-4, "no contrast (%g): the test would be empty", contrast);
  UNIT_CHECK(error <= tolerance * contrast, "max |I - I_linear| = %g, contrast %g (tolerance %g of it)", error,
             contrast, tolerance);
  UNIT_CALL(lens_destroy(&lens));
  free(phase);
  free(linear);
  free(image);
  fftwf_free(wave);
}

static void test_weak_phase_ctf(void)
{
  double            v[IMAGING_PARAMETER_COUNT];
  ImagingConditions c;
  zero_values(v);
  v[IMAGING_DEFOCUS]      = 120;
  v[IMAGING_CS]           = 5e6;
  v[IMAGING_C12]          = 20;
  v[IMAGING_PHI12]        = 30;
  v[IMAGING_C34]          = 1e5;
  v[IMAGING_APERTURE]     = 30;
  v[IMAGING_FOCAL_SPREAD] = 20;
  v[IMAGING_CONVERGENCE]  = 0.3;
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  weak_phase_case(&c, 5e-3);
  v[IMAGING_DEFOCUS]      = -80;
  v[IMAGING_CS]           = -2e4;
  v[IMAGING_FOCAL_SPREAD] = 0;
  v[IMAGING_CONVERGENCE]  = 0;
  v[IMAGING_APERTURE]     = 0;
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  weak_phase_case(&c, 5e-3);
}

/* At the Scherzer defocus of a Cs > 0 lens (positive = underfocus) an atom is dark. */
static void test_scherzer_atoms_dark(void)
{
  PetscInt          nx = 64, ny = 64;
  double            dx = 0.2, lambda = electron_wavelength(300);
  fftwf_complex    *wave  = fftwf_alloc_complex(nx * ny);
  float            *image = malloc(sizeof(float) * nx * ny);
  double            v[IMAGING_PARAMETER_COUNT];
  ImagingConditions c;
  Lens             *lens;
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      double r2        = pow((i - 32) * dx, 2) + pow((j - 32) * dx, 2);
      wave[j * nx + i] = cexp(I * 0.05 * exp(-r2 / (2 * 0.25 * 0.25)));
    }
  const fftwf_complex *waves[1] = {wave};
  zero_values(v);
  v[IMAGING_CS]       = 1.2e7;
  v[IMAGING_DEFOCUS]  = optics_scherzer_defocus(1.2e7, lambda);
  v[IMAGING_APERTURE] = 11;
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  UNIT_CALL(lens_create(nx, ny, dx, dx, lambda, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  UNIT_CALL(lens_image(lens, &c, image));
  UNIT_CHECK(image[32 * nx + 32] < 0.99,
             "atom at Scherzer (underfocus) defocus has intensity %g, expected dark (< 0.99)", image[32 * nx + 32]);
  v[IMAGING_DEFOCUS] = -v[IMAGING_DEFOCUS]; /* overfocus: contrast flips, atom bright */
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  UNIT_CALL(lens_image(lens, &c, image));
  UNIT_CHECK(image[32 * nx + 32] > 1.0, "atom at overfocus has intensity %g, expected bright (> 1)",
             image[32 * nx + 32]);
  UNIT_CALL(lens_destroy(&lens));
  fftwf_free(wave);
  free(image);
}

/* Explicit Gauss–Hermite focal integration agrees with the quasi-coherent temporal envelope
 * on a weak object (they agree exactly in the linear term). */
static void test_focal_integration_vs_envelope(void)
{
  PetscInt nx = 64, ny = 64;
  double   dx = 0.2, lambda = electron_wavelength(300);
  double  *phase    = malloc(sizeof(double) * nx * ny);
  float   *envelope = malloc(sizeof(float) * nx * ny), *integrated = malloc(sizeof(float) * nx * ny),
        *coherent        = malloc(sizeof(float) * nx * ny);
  fftwf_complex    *wave = fftwf_alloc_complex(nx * ny);
  double            v[IMAGING_PARAMETER_COUNT];
  ImagingConditions c;
  Lens             *lens;
  weak_object(nx, ny, dx, 2e-3, phase);
  for (PetscInt p = 0; p < nx * ny; p++) wave[p] = cexp(I * phase[p]);
  const fftwf_complex *waves[1] = {wave};
  zero_values(v);
  v[IMAGING_DEFOCUS]      = 60;
  v[IMAGING_CS]           = 1e6;
  v[IMAGING_FOCAL_SPREAD] = 40;
  UNIT_CALL(lens_create(nx, ny, dx, dx, lambda, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  UNIT_CALL(lens_image(lens, &c, envelope));
  UNIT_CALL(imaging_conditions_from_values(v, 24, &c));
  UNIT_CALL(lens_image(lens, &c, integrated));
  v[IMAGING_FOCAL_SPREAD] = 0;
  UNIT_CALL(imaging_conditions_from_values(v, 0, &c));
  UNIT_CALL(lens_image(lens, &c, coherent));
  double contrast = 0, error = 0, change = 0;
  for (PetscInt p = 0; p < nx * ny; p++) {
    contrast = fmax(contrast, fabs(envelope[p] - 1));
    error    = fmax(error, fabs(envelope[p] - integrated[p]));
    change   = fmax(change, fabs(envelope[p] - coherent[p]));
  }
  UNIT_CHECK(change > 0.2 * contrast,
             "the focal spread changes the image too little (%g vs contrast %g) to test anything", change, contrast);
  UNIT_CHECK(error < 0.01 * contrast, "focal integration differs from the envelope by %g (contrast %g)", error,
             contrast);
  UNIT_CALL(lens_destroy(&lens));
  free(phase);
  free(envelope);
  free(integrated);
  free(coherent);
  fftwf_free(wave);
}

/* Fast lens (FFTW, float) against the direct DFT reference (double), random strong waves,
 * every aberration, both coherence modes, two phonon configurations. */
static void test_fast_vs_reference(void)
{
  PetscInt          nx = 12, ny = 10;
  double            dx = 0.3, dy = 0.25, lambda = electron_wavelength(80);
  fftwf_complex    *w0 = fftwf_alloc_complex(nx * ny), *w1 = fftwf_alloc_complex(nx * ny);
  float             image[120];
  double            reference[120];
  RngStream         s;
  ImagingConditions c;
  Lens             *lens;
  rng_stream_init(&s, 3, 0, RNG_PURPOSE_TEST);
  for (PetscInt p = 0; p < nx * ny; p++) {
    w0[p] = (float)rng_normal(&s) + I * (float)rng_normal(&s);
    w1[p] = (float)rng_normal(&s) + I * (float)rng_normal(&s);
  }
  const fftwf_complex *waves[2] = {w0, w1};
  PetscMemzero(&c, sizeof c);
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    c.coefficient[a] = (rng_uniform(&s) - 0.5) * 40 * pow(30.0, optics_aberration_n[a] - 1);
    c.angle[a]       = 6 * rng_uniform(&s);
  }
  c.aperture      = 60;
  c.aperture_edge = 5;
  c.focal_spread  = 15;
  c.convergence   = 0.5;
  UNIT_CALL(lens_create(nx, ny, dx, dy, lambda, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 2, waves));
  for (int mode = 0; mode < 2; mode++) {
    c.focal_points = mode ? 7 : 0;
    UNIT_CALL(lens_image(lens, &c, image));
    UNIT_CALL(lens_image_ref(nx, ny, dx, dy, lambda, 2, waves, &c, reference));
    double worst = 0, scale = 0;
    for (PetscInt p = 0; p < nx * ny; p++) {
      worst = fmax(worst, fabs(image[p] - reference[p]));
      scale = fmax(scale, fabs(reference[p]));
    }
    UNIT_CHECK(worst <= 1e-5 * scale, "mode %d: fast vs reference max difference %g (scale %g)", mode, worst, scale);
  }
  UNIT_CALL(lens_destroy(&lens));
  fftwf_free(w0);
  fftwf_free(w1);
}

/* A plane wave images as intensity 1 whatever the lens (T(0) = 1). */
/* The lens's fast transfer function (polynomial χ, aperture spans, one exp) equals optics_transfer
 * at every pixel of a 96x80 grid (every aberration, soft aperture, both envelopes, a focal
 * offset), and is exactly 0 outside the aperture. One plane wave (k = 0) is set so lens_image runs. */
static void test_transfer_vs_pointwise(void)
{
  const PetscInt    nx = 96, ny = 80;
  const double      dx = 0.11, dy = 0.13, lambda = electron_wavelength(200);
  fftwf_complex    *w     = fftwf_alloc_complex(nx * ny);
  float            *image = malloc(sizeof(float) * nx * ny);
  RngStream         s;
  ImagingConditions c;
  Lens             *lens;
  rng_stream_init(&s, 5, 0, RNG_PURPOSE_TEST);
  for (PetscInt p = 0; p < nx * ny; p++) w[p] = 1.0f;
  const fftwf_complex *waves[1] = {w};
  for (int trial = 0; trial < 3; trial++) {
    PetscMemzero(&c, sizeof c);
    for (int a = 0; a < ABERRATION_COUNT; a++) {
      c.coefficient[a] = (rng_uniform(&s) - 0.5) * 200 * pow(50.0, optics_aberration_n[a] - 1);
      c.angle[a]       = 6 * rng_uniform(&s);
    }
    c.aperture      = trial == 2 ? 0 : 40;
    c.aperture_edge = trial == 1 ? 0 : 3;
    c.focal_spread  = 20;
    c.convergence   = trial == 1 ? 0 : 0.3;
    UNIT_CALL(lens_create(nx, ny, dx, dy, lambda, &lens));
    UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
    UNIT_CALL(lens_image(lens, &c, image));
    double worst = 0;
    for (PetscInt j = 0; j < ny; j++)
      for (PetscInt i = 0; i < nx; i++) {
        double kx               = (double)(i < (nx + 1) / 2 ? i : i - nx) / (nx * dx),
               ky               = (double)(j < (ny + 1) / 2 ? j : j - ny) / (ny * dy);
        double complex expected = optics_transfer(&c, lambda, kx, ky, 0.0, PETSC_TRUE);
        double complex got      = (double complex)lens->transfer[j * nx + i] * (double)(nx * ny);
        worst                   = fmax(worst, cabs(got - expected));
        if (expected == 0.0)
          UNIT_CHECK(got == 0.0, "trial %d: transfer %g outside the aperture at (%" PetscInt_FMT ", %" PetscInt_FMT ")",
                     trial, cabs(got), i, j);
      }
    UNIT_CHECK(worst < 2e-6, "trial %d: fast transfer differs from optics_transfer by %g", trial, worst);
    UNIT_CALL(lens_destroy(&lens));
  }
  fftwf_free(w);
  free(image);
}

static void test_plane_wave(void)
{
  PetscInt          nx = 16, ny = 16;
  double            lambda = electron_wavelength(300);
  fftwf_complex    *wave   = fftwf_alloc_complex(nx * ny);
  float             image[256];
  ImagingConditions c;
  Lens             *lens;
  for (PetscInt p = 0; p < nx * ny; p++) wave[p] = 1;
  const fftwf_complex *waves[1] = {wave};
  PetscMemzero(&c, sizeof c);
  for (int a = 0; a < ABERRATION_COUNT; a++) c.coefficient[a] = 100 * (a + 1);
  c.aperture     = 10;
  c.focal_spread = 30;
  c.convergence  = 1;
  c.focal_points = 5;
  UNIT_CALL(lens_create(nx, ny, 0.1, 0.1, lambda, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  UNIT_CALL(lens_image(lens, &c, image));
  for (PetscInt p = 0; p < nx * ny; p++) UNIT_CHECK_RELATIVE(image[p], 1.0, 1e-6);
  UNIT_CALL(lens_destroy(&lens));
  fftwf_free(wave);
}

/* Sampling: same (seed, unit, condition) gives the same draw; conditions are independent
 * streams; focal spread from Cc combines in quadrature; bad ranges are refused. */
static void test_sampling(void)
{
  ImagingDistributions d;
  ImagingConditions    a, b, other;
  double               va[IMAGING_PARAMETER_COUNT], vb[IMAGING_PARAMETER_COUNT];
  PetscMemzero(&d, sizeof d);
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++) UNIT_CALL(distribution_parse("-x", "0", &d.parameter[p]));
  UNIT_CALL(distribution_parse("-defocus", "uniform:-100,300", &d.parameter[IMAGING_DEFOCUS]));
  UNIT_CALL(distribution_parse("-focal_spread", "30", &d.parameter[IMAGING_FOCAL_SPREAD]));
  UNIT_CALL(distribution_parse("-cc", "1e7", &d.parameter[IMAGING_CC]));
  UNIT_CALL(distribution_parse("-energy_spread", "3e-6", &d.parameter[IMAGING_ENERGY_SPREAD]));
  UNIT_CALL(distribution_parse("-current_ripple", "1e-6", &d.parameter[IMAGING_CURRENT_RIPPLE]));
  UNIT_CALL(imaging_sample(&d, 42, 7, 3, &a, va));
  UNIT_CALL(imaging_sample(&d, 42, 7, 3, &b, vb));
  UNIT_CHECK(!memcmp(&a, &b, sizeof a), "same seed/unit/condition gave different conditions");
  UNIT_CHECK(va[IMAGING_DEFOCUS] >= -100 && va[IMAGING_DEFOCUS] < 300, "defocus %g outside uniform:-100,300",
             va[IMAGING_DEFOCUS]);
  UNIT_CHECK_RELATIVE(a.coefficient[ABERRATION_C10], -va[IMAGING_DEFOCUS], 1e-15);
  UNIT_CALL(imaging_sample(&d, 42, 7, 4, &other, NULL));
  UNIT_CHECK(other.coefficient[ABERRATION_C10] != a.coefficient[ABERRATION_C10],
             "conditions 3 and 4 drew the same defocus");
  UNIT_CALL(imaging_sample(&d, 42, 8, 3, &other, NULL));
  UNIT_CHECK(other.coefficient[ABERRATION_C10] != a.coefficient[ABERRATION_C10], "units 7 and 8 drew the same defocus");
  UNIT_CHECK_RELATIVE(a.focal_spread, sqrt(30.0 * 30 + 1e14 * (9e-12 + 4e-12)), 1e-12);
  UNIT_CALL(distribution_parse("-dose", "normal:10,30", &d.parameter[IMAGING_DOSE]));
  UNIT_CALL_FAILS(distribution_check_range(&d.parameter[IMAGING_DOSE], 0, INFINITY, "values >= 0"));
  double v[IMAGING_PARAMETER_COUNT];
  zero_values(v);
  v[IMAGING_DOSE] = -1;
  UNIT_CALL_FAILS(imaging_conditions_from_values(v, 0, &a));
}

/* The defocus convention agrees with the multislice propagator: propagating a wave through
 * Δz of vacuum (multislice.h: P = exp(-iπλΔz k²)) is the lens with defocus -Δz (overfocus),
 * i.e. C10 = +Δz. Three plane waves, so the interference pattern depends on the sign. */
static void test_defocus_matches_propagation(void)
{
  SimulationGrid    grid;
  Multislice       *ms;
  Lens             *lens;
  ImagingConditions c;
  simulation_grid_defaults(&grid);
  grid.cell[0]            = 12.8;
  grid.cell[1]            = 9.6;
  grid.cell[2]            = 40;
  grid.requested_sampling = 0.2;
  grid.slice_thickness    = 5;
  grid.voltage            = 200;
  UNIT_CALL(simulation_grid_setup(&grid, NULL, 0));
  PetscInt       nx = grid.nx, ny = grid.ny, n = nx * ny;
  fftwf_complex *wave = fftwf_alloc_complex(n), *original = fftwf_alloc_complex(n),
                *transmission = fftwf_alloc_complex(n);
  float *image                = malloc(sizeof(float) * n);
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      double x = (double)i / nx, y = (double)j / ny;
      original[j * nx + i] = 1.0f + 0.3f * cexpf(2 * M_PI * I * (float)(3 * x + 2 * y)) +
                             0.2f * cexpf(2 * M_PI * I * (float)(-5 * x + 1 * y));
      transmission[j * nx + i] = 1.0f;
    }
  memcpy(wave, original, sizeof(fftwf_complex) * n);
  UNIT_CALL(multislice_create(&grid, &ms));
  for (PetscInt s = 0; s < grid.n_slices; s++) UNIT_CALL(multislice_step(ms, transmission, wave));
  double               dz       = grid.n_slices * grid.slice_thickness;
  const fftwf_complex *waves[1] = {original};
  PetscMemzero(&c, sizeof c);
  c.coefficient[ABERRATION_C10] = dz; /* defocus = -Δz */
  UNIT_CALL(lens_create(nx, ny, grid.sampling[0], grid.sampling[1], grid.wavelength, &lens));
  UNIT_CALL(lens_set_exit_waves(lens, 1, waves));
  UNIT_CALL(lens_image(lens, &c, image));
  double worst = 0, change = 0;
  for (PetscInt p = 0; p < n; p++) {
    double propagated = crealf(wave[p]) * crealf(wave[p]) + cimagf(wave[p]) * cimagf(wave[p]);
    worst             = fmax(worst, fabs(image[p] - propagated));
    change =
      fmax(change,
           fabs(propagated - (crealf(original[p]) * crealf(original[p]) + cimagf(original[p]) * cimagf(original[p]))));
  }
  UNIT_CHECK(change > 0.1, "propagation over %g Å hardly changes the intensity (%g): the test would be empty", dz,
             change);
  UNIT_CHECK(worst < 1e-4, "lens with defocus %g Å differs from %g Å of propagation by %g", -dz, dz, worst);
  /* and the opposite sign does not match */
  c.coefficient[ABERRATION_C10] = -dz;
  UNIT_CALL(lens_image(lens, &c, image));
  worst = 0;
  for (PetscInt p = 0; p < n; p++)
    worst = fmax(worst, fabs(image[p] - (crealf(wave[p]) * crealf(wave[p]) + cimagf(wave[p]) * cimagf(wave[p]))));
  UNIT_CHECK(worst > 0.05, "the wrong sign matches too (%g): the test cannot tell", worst);
  UNIT_CALL(lens_destroy(&lens));
  UNIT_CALL(multislice_destroy(&ms));
  fftwf_free(wave);
  fftwf_free(original);
  fftwf_free(transmission);
  free(image);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_gauss_hermite);
  UNIT_RUN(test_defocus_sign);
  UNIT_RUN(test_aberration_terms);
  UNIT_RUN(test_aperture);
  UNIT_RUN(test_weak_phase_ctf);
  UNIT_RUN(test_scherzer_atoms_dark);
  UNIT_RUN(test_focal_integration_vs_envelope);
  UNIT_RUN(test_fast_vs_reference);
  UNIT_RUN(test_transfer_vs_pointwise);
  UNIT_RUN(test_plane_wave);
  UNIT_RUN(test_sampling);
  UNIT_RUN(test_defocus_matches_propagation);
  return UNIT_END();
}
