/* optics.c — objective lens: aberration function, aperture, coherence envelopes,
 * imaging options and their sampling, and images from stored exit waves.
 * Serial; no MPI. Conventions in include/optics.h and docs/physics.md. */
#include <math.h>
#include <string.h>
#include <petscsys.h>
#include "sim/optics.h"
#include "sim/simulation_grid.h"
#include "core/error_check.h"
#include "core/options.h"
#include "core/rng.h"
#include "core/timing.h"
#include "phase_factor.h"

const int optics_aberration_n[ABERRATION_COUNT] = {1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5};
const int optics_aberration_m[ABERRATION_COUNT] = {0, 2, 1, 3, 0, 2, 4, 1, 3, 5, 0, 2, 4, 6};

/* Table of the imaging options: name (= option without '-'), units, help. */
const ImagingParameterInfo imaging_parameter_info[IMAGING_PARAMETER_COUNT] = {
  [IMAGING_DEFOCUS]        = {"defocus", "Å", "defocus, positive = underfocus (C10 = -defocus)"},
  [IMAGING_CS]             = {"cs", "Å", "spherical aberration C30 (1 mm = 1e7 Å)"},
  [IMAGING_C12]            = {"c12", "Å", "two-fold astigmatism C12"},
  [IMAGING_PHI12]          = {"phi12", "deg", "azimuth of C12"},
  [IMAGING_C21]            = {"c21", "Å", "axial coma C21"},
  [IMAGING_PHI21]          = {"phi21", "deg", "azimuth of C21"},
  [IMAGING_C23]            = {"c23", "Å", "three-fold astigmatism C23"},
  [IMAGING_PHI23]          = {"phi23", "deg", "azimuth of C23"},
  [IMAGING_C32]            = {"c32", "Å", "axial star aberration C32"},
  [IMAGING_PHI32]          = {"phi32", "deg", "azimuth of C32"},
  [IMAGING_C34]            = {"c34", "Å", "four-fold astigmatism C34"},
  [IMAGING_PHI34]          = {"phi34", "deg", "azimuth of C34"},
  [IMAGING_C41]            = {"c41", "Å", "fourth-order axial coma C41"},
  [IMAGING_PHI41]          = {"phi41", "deg", "azimuth of C41"},
  [IMAGING_C43]            = {"c43", "Å", "three-lobe aberration C43"},
  [IMAGING_PHI43]          = {"phi43", "deg", "azimuth of C43"},
  [IMAGING_C45]            = {"c45", "Å", "five-fold astigmatism C45"},
  [IMAGING_PHI45]          = {"phi45", "deg", "azimuth of C45"},
  [IMAGING_C50]            = {"c50", "Å", "fifth-order spherical aberration C50"},
  [IMAGING_C52]            = {"c52", "Å", "fifth-order axial star C52"},
  [IMAGING_PHI52]          = {"phi52", "deg", "azimuth of C52"},
  [IMAGING_C54]            = {"c54", "Å", "fifth-order rosette C54"},
  [IMAGING_PHI54]          = {"phi54", "deg", "azimuth of C54"},
  [IMAGING_C56]            = {"c56", "Å", "six-fold astigmatism C56"},
  [IMAGING_PHI56]          = {"phi56", "deg", "azimuth of C56"},
  [IMAGING_APERTURE]       = {"aperture", "mrad", "objective aperture semi-angle, 0 = none"},
  [IMAGING_APERTURE_EDGE]  = {"aperture_edge", "mrad", "width of the aperture's soft (cosine) edge"},
  [IMAGING_FOCAL_SPREAD]   = {"focal_spread", "Å", "rms focal spread (combined in quadrature with the Cc term)"},
  [IMAGING_CC]             = {"cc", "Å", "chromatic aberration Cc (1 mm = 1e7 Å)"},
  [IMAGING_ENERGY_SPREAD]  = {"energy_spread", "1", "rms relative energy spread dE/E"},
  [IMAGING_VOLTAGE_RIPPLE] = {"voltage_ripple", "1", "rms relative high-voltage instability dV/V"},
  [IMAGING_CURRENT_RIPPLE] = {"current_ripple", "1", "rms relative objective-lens current instability dI/I"},
  [IMAGING_CONVERGENCE]    = {"convergence", "mrad", "illumination semi-angle (Gaussian 1/e half-width)"},
  [IMAGING_DOSE]           = {"dose", "e/Å²", "electron dose, 0 = noise-free image"},
  [IMAGING_MTF_C0]         = {"mtf_c0", "1", "detector MTF at k = 0"},
  [IMAGING_MTF_C1]         = {"mtf_c1", "1", "detector MTF plateau at high k"},
  [IMAGING_MTF_C2]         = {"mtf_c2", "1/pixel", "detector MTF half-width parameter (0 = no MTF)"},
  [IMAGING_MTF_C3]         = {"mtf_c3", "1", "detector MTF power"},
  [IMAGING_READOUT_NOISE]  = {"readout_noise", "e/pixel", "rms Gaussian readout noise in electrons per pixel"},
  [IMAGING_DRIFT]          = {"drift", "Å", "length of linear specimen drift during the exposure"},
  [IMAGING_DRIFT_ANGLE]    = {"drift_angle", "deg", "direction of the drift from +x"},
  [IMAGING_DETECTOR_PIXEL] = {"detector_pixel", "Å", "detector pixel size, 0 = simulation sampling"},
  [IMAGING_IMAGE_SIZE]     = {"image_size", "pixel", "detector image side, 0 = the whole field of view"},
};

/* Default spec and allowed range of each parameter. */
typedef struct {
  const char *default_spec;
  double      lowest, highest;
  const char *allowed;
} ImagingParameterRule;

static ImagingParameterRule imaging_rule(ImagingParameter p)
{
  ImagingParameterRule r = {"0", -INFINITY, INFINITY, "any real number"};
  switch (p) {
  case IMAGING_APERTURE:
  case IMAGING_FOCAL_SPREAD:
  case IMAGING_CC:
  case IMAGING_ENERGY_SPREAD:
  case IMAGING_VOLTAGE_RIPPLE:
  case IMAGING_CURRENT_RIPPLE:
  case IMAGING_CONVERGENCE:
  case IMAGING_MTF_C1:
  case IMAGING_MTF_C2:
  case IMAGING_READOUT_NOISE:
  case IMAGING_DRIFT:
  case IMAGING_DETECTOR_PIXEL:
    r.lowest  = 0;
    r.allowed = "values >= 0";
    break;
  /* Far above any exposure (1e6 e/Å² is extreme): beyond it a dose is a typo, and above ~1e19
   * electrons per pixel the counts no longer fit the sampler's 64-bit integers. */
  case IMAGING_DOSE:
    r.lowest  = 0;
    r.highest = 1e12;
    r.allowed = "doses in [0, 1e12] e/Å² (0 = noise-free)";
    break;
  case IMAGING_APERTURE_EDGE:
    r.default_spec = "0.5";
    r.lowest       = 0;
    r.allowed      = "values >= 0";
    break;
  case IMAGING_MTF_C0:
    r.default_spec = "1";
    r.lowest       = 0;
    r.allowed      = "values >= 0";
    break;
  case IMAGING_MTF_C3:
    r.default_spec = "2";
    r.lowest       = 1e-6;
    r.allowed      = "values > 0";
    break;
  case IMAGING_IMAGE_SIZE:
    r.lowest  = 0;
    r.highest = 65536;
    r.allowed = "integers in [0, 65536] (0 = whole field)";
    break;
  default:
    break;
  }
  return r;
}

PetscErrorCode imaging_options_read(PetscOptionItems *PetscOptionsObject, ImagingDistributions *d)
{
  char option[64], help[256];
  PetscFunctionBeginUser;
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++) {
    ImagingParameterRule rule = imaging_rule((ImagingParameter)p);
    PetscCall(PetscSNPrintf(option, sizeof option, "-%s", imaging_parameter_info[p].name));
    /* The allowed range is part of the help (and of docs/options.md) whenever there is one. */
    if (isfinite(rule.lowest) || isfinite(rule.highest))
      PetscCall(PetscSNPrintf(help, sizeof help, "Imaging: %s [%s]; allowed: %s", imaging_parameter_info[p].help,
                              imaging_parameter_info[p].units, rule.allowed));
    else
      PetscCall(PetscSNPrintf(help, sizeof help, "Imaging: %s [%s]", imaging_parameter_info[p].help,
                              imaging_parameter_info[p].units));
    PetscCall(options_distribution(PetscOptionsObject, option, help, rule.default_spec, &d->parameter[p]));
    PetscCall(distribution_check_range(&d->parameter[p], rule.lowest, rule.highest, rule.allowed));
  }
  d->focal_points = 0;
  PetscCall(options_integer(
    PetscOptionsObject, "-focal_points",
    "Imaging: partial temporal coherence by explicit Gauss-Hermite integration over defocus with this many points (0 = quasi-coherent envelope, else 2..64)",
    0, 64, &d->focal_points, NULL));
  PetscCheck(d->focal_points == 0 || (d->focal_points >= 2 && d->focal_points <= 64), PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "-focal_points %" PetscInt_FMT " is not allowed: use 0 (envelope) or 2..64",
             d->focal_points);
  d->mtf_on_noise = PETSC_FALSE;
  PetscCall(PetscOptionsBool(
    "-mtf_on_noise",
    "Detector: the MTF blurs the recorded counts, shot noise included (scintillator-coupled cameras), instead of the noise-free image; readout noise stays white",
    NULL, d->mtf_on_noise, &d->mtf_on_noise, NULL));
  PetscFunctionReturn(0);
}

static double degrees_to_radians(double d) { return d * M_PI / 180.0; }

PetscErrorCode imaging_conditions_from_values(const double v[IMAGING_PARAMETER_COUNT], PetscInt focal_points,
                                              ImagingConditions *c)
{
  /* Which option sets which aberration coefficient and angle (-1: none). */
  static const int coefficient_option[ABERRATION_COUNT] = {
    IMAGING_DEFOCUS, IMAGING_C12, IMAGING_C21, IMAGING_C23, IMAGING_CS,  IMAGING_C32, IMAGING_C34,
    IMAGING_C41,     IMAGING_C43, IMAGING_C45, IMAGING_C50, IMAGING_C52, IMAGING_C54, IMAGING_C56};
  static const int angle_option[ABERRATION_COUNT] = {-1,
                                                     IMAGING_PHI12,
                                                     IMAGING_PHI21,
                                                     IMAGING_PHI23,
                                                     -1,
                                                     IMAGING_PHI32,
                                                     IMAGING_PHI34,
                                                     IMAGING_PHI41,
                                                     IMAGING_PHI43,
                                                     IMAGING_PHI45,
                                                     -1,
                                                     IMAGING_PHI52,
                                                     IMAGING_PHI54,
                                                     IMAGING_PHI56};
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(c, sizeof *c));
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    c->coefficient[a] = v[coefficient_option[a]];
    c->angle[a]       = angle_option[a] >= 0 ? degrees_to_radians(v[angle_option[a]]) : 0.0;
  }
  c->coefficient[ABERRATION_C10] = -v[IMAGING_DEFOCUS]; /* the one place the defocus sign is set */
  c->aperture                    = v[IMAGING_APERTURE];
  c->aperture_edge               = v[IMAGING_APERTURE_EDGE];
  {
    double chromatic = v[IMAGING_CC] * sqrt(v[IMAGING_ENERGY_SPREAD] * v[IMAGING_ENERGY_SPREAD] +
                                            v[IMAGING_VOLTAGE_RIPPLE] * v[IMAGING_VOLTAGE_RIPPLE] +
                                            4.0 * v[IMAGING_CURRENT_RIPPLE] * v[IMAGING_CURRENT_RIPPLE]);
    c->focal_spread  = sqrt(v[IMAGING_FOCAL_SPREAD] * v[IMAGING_FOCAL_SPREAD] + chromatic * chromatic);
  }
  c->convergence    = v[IMAGING_CONVERGENCE];
  c->focal_points   = focal_points;
  c->dose           = v[IMAGING_DOSE];
  c->mtf[0]         = v[IMAGING_MTF_C0];
  c->mtf[1]         = v[IMAGING_MTF_C1];
  c->mtf[2]         = v[IMAGING_MTF_C2];
  c->mtf[3]         = v[IMAGING_MTF_C3];
  c->readout_noise  = v[IMAGING_READOUT_NOISE];
  c->drift          = v[IMAGING_DRIFT];
  c->drift_angle    = degrees_to_radians(v[IMAGING_DRIFT_ANGLE]);
  c->detector_pixel = v[IMAGING_DETECTOR_PIXEL];
  c->image_size     = (PetscInt)llround(v[IMAGING_IMAGE_SIZE]);
  PetscCheck(c->dose >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-dose %g is negative: use 0 (noise-free) or a dose > 0 [e/Å²]", c->dose);
  PetscFunctionReturn(0);
}

PetscErrorCode imaging_sample(const ImagingDistributions *d, uint64_t seed, uint64_t unit, int condition,
                              ImagingConditions *c, double values[IMAGING_PARAMETER_COUNT])
{
  RngStream stream;
  double    v[IMAGING_PARAMETER_COUNT];
  PetscFunctionBeginUser;
  PetscCheck(unit < ((uint64_t)1 << 40) && condition >= 0 && condition < (1 << 23), PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE,
             "imaging_sample: unit %llu or condition %d out of range (unit < 2^40, condition < 2^23)",
             (unsigned long long)unit, condition);
  rng_stream_init(&stream, seed, unit + ((uint64_t)condition << 40), RNG_PURPOSE_IMAGING);
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++) PetscCall(distribution_sample(&d->parameter[p], &stream, &v[p]));
  PetscCall(imaging_conditions_from_values(v, d->focal_points, c));
  c->mtf_on_noise = d->mtf_on_noise;
  if (values) PetscCall(PetscArraycpy(values, v, IMAGING_PARAMETER_COUNT));
  PetscFunctionReturn(0);
}

double optics_defocus(const ImagingConditions *c) { return -c->coefficient[ABERRATION_C10]; }

double optics_scherzer_defocus(double cs, double wavelength) { return sqrt(4.0 / 3.0 * cs * wavelength); }

double optics_aberration_phase(const ImagingConditions *c, double wavelength, double kx, double ky,
                               double extra_defocus)
{
  double alpha = wavelength * sqrt(kx * kx + ky * ky);
  double phi   = NAN;            /* the azimuth only when a non-round aberration needs it (atan2 is slow) */
  double sum = 0, power = alpha; /* α^(n+1), n starts at 1 */
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    int n = optics_aberration_n[a], m = optics_aberration_m[a];
    if (a == 0 || optics_aberration_n[a - 1] != n) power *= alpha;
    double coefficient = c->coefficient[a] - (a == ABERRATION_C10 ? extra_defocus : 0.0);
    if (coefficient == 0.0) continue;
    if (m && isnan(phi)) phi = atan2(ky, kx);
    sum += coefficient * power / (n + 1) * (m ? cos(m * (phi - c->angle[a])) : 1.0);
  }
  return 2.0 * M_PI / wavelength * sum;
}

double optics_aberration_gradient_squared(const ImagingConditions *c, double wavelength, double kx, double ky)
{
  /* ∇_k χ = λ ∇_α χ; in polar form ∂χ/∂α = (2π/λ) Σ C α^n cos(m(φ−φ_nm)),
   * (1/α)∂χ/∂φ = −(2π/λ) Σ C α^n m/(n+1) sin(m(φ−φ_nm)). */
  double alpha  = wavelength * sqrt(kx * kx + ky * ky);
  double phi    = NAN;
  double radial = 0, azimuthal = 0, power = 1; /* α^n */
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    int n = optics_aberration_n[a], m = optics_aberration_m[a];
    if (a == 0 || optics_aberration_n[a - 1] != n) power *= alpha;
    if (c->coefficient[a] == 0.0) continue;
    if (m && isnan(phi)) phi = atan2(ky, kx);
    radial += c->coefficient[a] * power * (m ? cos(m * (phi - c->angle[a])) : 1.0);
    if (m) azimuthal -= c->coefficient[a] * power * m / (n + 1) * sin(m * (phi - c->angle[a]));
  }
  return 4.0 * M_PI * M_PI * (radial * radial + azimuthal * azimuthal);
}

double optics_aperture(const ImagingConditions *c, double wavelength, double kx, double ky)
{
  if (c->aperture <= 0) return 1.0;
  double alpha = 1e3 * wavelength * sqrt(kx * kx + ky * ky); /* mrad */
  double inner = c->aperture - 0.5 * c->aperture_edge, outer = c->aperture + 0.5 * c->aperture_edge;
  if (alpha <= inner) return alpha < c->aperture || c->aperture_edge > 0 ? 1.0 : 0.0;
  if (alpha >= outer) return 0.0;
  return 0.5 * (1.0 + cos(M_PI * (alpha - inner) / c->aperture_edge));
}

double optics_temporal_envelope(const ImagingConditions *c, double wavelength, double kx, double ky)
{
  double k2 = kx * kx + ky * ky, a = M_PI * wavelength * c->focal_spread;
  double exponent = -0.5 * a * a * k2 * k2;
  return exponent < -700 ? 0.0 : exp(exponent); /* libm's underflow path is slow */
}

double optics_spatial_envelope(const ImagingConditions *c, double wavelength, double kx, double ky)
{
  if (c->convergence <= 0) return 1.0;
  double alpha = 1e-3 * c->convergence;
  double exponent =
    -alpha * alpha / (4.0 * wavelength * wavelength) * optics_aberration_gradient_squared(c, wavelength, kx, ky);
  return exponent < -700 ? 0.0 : exp(exponent);
}

double complex optics_transfer(const ImagingConditions *c, double wavelength, double kx, double ky,
                               double extra_defocus, PetscBool with_temporal_envelope)
{
  double amplitude = optics_aperture(c, wavelength, kx, ky);
  /* Cheapest factors first: most of a large grid lies outside the aperture or the envelopes. */
  if (amplitude == 0.0) return 0.0;
  if (with_temporal_envelope) amplitude *= optics_temporal_envelope(c, wavelength, kx, ky);
  if (amplitude < 1e-30) return 0.0;
  amplitude *= optics_spatial_envelope(c, wavelength, kx, ky);
  if (amplitude < 1e-30) return 0.0;
  double chi = optics_aberration_phase(c, wavelength, kx, ky, extra_defocus);
  return amplitude * (cos(chi) - I * sin(chi));
}

PetscErrorCode optics_gauss_hermite(PetscInt n, double *nodes, double *weights)
{
  /* Roots of the orthonormal Hermite polynomials by Newton's method from asymptotic
   * starting guesses (Golub–Welsch would do as well); weights 2/(p'_n)² in that basis. */
  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && n <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Gauss-Hermite order %" PetscInt_FMT " not in 1..64", n);
  const double pim4 = 0.7511255444649425; /* π^(-1/4) */
  double       z = 0, z1, pp = 0;
  for (PetscInt i = 0; i < (n + 1) / 2; i++) {
    if (i == 0)
      z = sqrt(2.0 * n + 1) - 1.85575 * pow(2.0 * n + 1, -0.16667);
    else if (i == 1)
      z -= 1.14 * pow((double)n, 0.426) / z;
    else if (i == 2)
      z = 1.86 * z - 0.86 * nodes[0];
    else if (i == 3)
      z = 1.91 * z - 0.91 * nodes[1];
    else
      z = 2.0 * z - nodes[i - 2];
    for (int iteration = 0; iteration < 100; iteration++) {
      double p1 = pim4, p2 = 0, p3;
      for (PetscInt j = 1; j <= n; j++) {
        p3 = p2;
        p2 = p1;
        p1 = z * sqrt(2.0 / j) * p2 - sqrt((double)(j - 1) / j) * p3;
      }
      pp = sqrt(2.0 * n) * p2;
      z1 = z;
      z  = z1 - p1 / pp;
      if (fabs(z - z1) <= 1e-14) break;
    }
    nodes[i]         = z;
    nodes[n - 1 - i] = -z;
    weights[i] = weights[n - 1 - i] = 2.0 / (pp * pp);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode lens_create(PetscInt nx, PetscInt ny, double dx, double dy, double wavelength, Lens **lens)
{
  Lens *l;
  PetscFunctionBeginUser;
  PetscCheck(nx > 0 && ny > 0 && dx > 0 && dy > 0 && wavelength > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "lens_create: bad grid %" PetscInt_FMT "x%" PetscInt_FMT ", sampling %g,%g Å, wavelength %g Å", nx, ny, dx,
             dy, wavelength);
  PetscCall(PetscCalloc1(1, &l));
  l->nx         = nx;
  l->ny         = ny;
  l->dx         = dx;
  l->dy         = dy;
  l->wavelength = wavelength;
  l->work       = fftwf_alloc_complex((size_t)nx * ny);
  l->transfer   = fftwf_alloc_complex((size_t)nx * ny);
  PetscCall(PetscMalloc1(2 * ny, &l->row_span));
  PetscCheck(l->work && l->transfer, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "lens_create: out of memory for a %" PetscInt_FMT "x%" PetscInt_FMT " grid", nx, ny);
  /* FFTW_MEASURE overwrites the array while planning; nothing is in it yet. */
  SIMULATION_FFT_PLAN(l->forward, fftwf_plan_dft_2d((int)ny, (int)nx, l->work, l->work, FFTW_FORWARD, flags));
  PetscCheckFFTWPlan(l->forward, "the lens forward transform");
  SIMULATION_FFT_PLAN(l->inverse, fftwf_plan_dft_2d((int)ny, (int)nx, l->work, l->work, FFTW_BACKWARD, flags));
  PetscCheckFFTWPlan(l->inverse, "the lens inverse transform");
  *lens = l;
  PetscFunctionReturn(0);
}

PetscErrorCode lens_destroy(Lens **lens)
{
  PetscFunctionBeginUser;
  if (!*lens) PetscFunctionReturn(0);
  Lens *l = *lens;
  if (l->forward) fftwf_destroy_plan(l->forward);
  if (l->inverse) fftwf_destroy_plan(l->inverse);
  fftwf_free(l->work);
  fftwf_free(l->transfer);
  PetscCall(PetscFree(l->row_span));
  fftwf_free(l->wave_fourier);
  PetscCall(PetscFree(*lens));
  PetscFunctionReturn(0);
}

PetscErrorCode lens_set_exit_waves(Lens *l, PetscInt n_waves, const fftwf_complex *const *exit_waves)
{
  size_t n = (size_t)l->nx * l->ny;
  PetscFunctionBeginUser;
  PetscCheck(n_waves >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "lens_set_exit_waves: %" PetscInt_FMT " waves",
             n_waves);
  fftwf_free(l->wave_fourier);
  l->wave_fourier = fftwf_alloc_complex(n * n_waves);
  PetscCheck(l->wave_fourier, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "lens_set_exit_waves: out of memory for %" PetscInt_FMT " waves", n_waves);
  l->n_waves = n_waves;
  for (PetscInt w = 0; w < n_waves; w++) {
    memcpy(l->work, exit_waves[w], n * sizeof(fftwf_complex));
    fftwf_execute(l->forward);
    memcpy(l->wave_fourier + w * n, l->work, n * sizeof(fftwf_complex));
  }
  PetscFunctionReturn(0);
}

static double frequency(PetscInt i, PetscInt n, double d) { return (double)(i < (n + 1) / 2 ? i : i - n) / (n * d); }

/* χ as a polynomial in (kx, ky): poly[a][b] multiplies kx^a ky^b (degree ≤ 6). Every term of
 * χ has n + 1 − m even, so α^(n+1) cos(m(φ − φ_nm)) = λ^(n+1) (k²)^((n+1−m)/2)
 * Re[(kx + i ky)^m e^(−i m φ_nm)]: a polynomial, with no square root, atan2 or cosine per pixel. */
typedef double LensPolynomial[7][7];

static double binomial(int n, int k)
{
  double b = 1;
  for (int i = 1; i <= k; i++) b = b * (n - k + i) / i;
  return b;
}

static void chi_polynomial(const ImagingConditions *c, double wavelength, double extra_defocus, LensPolynomial chi)
{
  memset(chi, 0, sizeof(LensPolynomial));
  for (int a = 0; a < ABERRATION_COUNT; a++) {
    const int    n = optics_aberration_n[a], m = optics_aberration_m[a], j = (n + 1 - m) / 2;
    const double coefficient = c->coefficient[a] - (a == ABERRATION_C10 ? extra_defocus : 0.0);
    if (coefficient == 0.0) continue;
    const double factor = 2.0 * M_PI / wavelength * coefficient * pow(wavelength, n + 1) / (n + 1);
    const double cos_t = m ? cos(m * c->angle[a]) : 1.0, sin_t = m ? sin(m * c->angle[a]) : 0.0;
    double       angular[7] = {0}; /* angular[s] multiplies kx^(m−s) ky^s */
    for (int s = 0; s <= m; s++) {
      const double sign = ((s / 2) % 2) ? -1.0 : 1.0;               /* i^s = sign (s even) or sign·i (s odd) */
      angular[s] = binomial(m, s) * sign * (s % 2 ? sin_t : cos_t); /* Re[X e^(−iθ)] = Re X cos θ + Im X sin θ */
    }
    for (int t = 0; t <= j; t++) /* (k²)^j = Σ_t C(j,t) kx^(2t) ky^(2(j−t)) */
      for (int s = 0; s <= m; s++) chi[m - s + 2 * t][s + 2 * (j - t)] += factor * binomial(j, t) * angular[s];
  }
}

/* Row coefficients: row[a] = Σ_b poly[a][b] ky^b, so that the row is Σ_a row[a] kx^a. */
static void polynomial_row(const LensPolynomial poly, double ky, double row[7])
{
  for (int a = 0; a < 7; a++) {
    double sum = 0;
    for (int b = 6 - a; b >= 0; b--) sum = sum * ky + poly[a][b];
    row[a] = sum;
  }
}

static inline double horner6(const double r[7], double x)
{
  return (((((r[6] * x + r[5]) * x + r[4]) * x + r[3]) * x + r[2]) * x + r[1]) * x + r[0];
}

/* T(k)/(nx ny) on the grid, for a defocus offset: the same function as optics_transfer (which
 * optics_ref.c's reference uses), evaluated cheaply. Only pixels inside the aperture are computed
 * (row by row, the span of |kx| the aperture admits, in FFT order); l->row_span[j] records that
 * span so lens_image multiplies only there. One exp per pixel for both envelopes, the aberration
 * phase from a degree-6 polynomial in double, reduced to [−π, π] before a float exp(−iχ). */
static void lens_fill_transfer(Lens *l, const ImagingConditions *c, double extra_defocus,
                               PetscBool with_temporal_envelope)
{
  const double   scale = 1.0 / ((double)l->nx * l->ny), lambda = l->wavelength;
  const PetscInt nx = l->nx, ny = l->ny, half = (nx + 1) / 2;
  LensPolynomial chi, chi0, gx, gy;
  const double   temporal = with_temporal_envelope ? 0.5 * pow(M_PI * lambda * c->focal_spread, 2) : 0.0;
  const double   spatial  = c->convergence > 0 ? pow(1e-3 * c->convergence, 2) / (4.0 * lambda * lambda) : 0.0;
  /* k² beyond which the aperture is 0 and below which it is 1 (optics_aperture decides between). */
  const PetscBool aperture = c->aperture > 0 ? PETSC_TRUE : PETSC_FALSE;
  const double    k_outer  = aperture ? 1e-3 * (c->aperture + 0.5 * c->aperture_edge) / lambda : INFINITY;
  const double    k_inner  = aperture ? 1e-3 * (c->aperture - 0.5 * c->aperture_edge) / lambda : INFINITY;
  const double    outer2 = k_outer * k_outer * (1 + 1e-9), inner2 = k_inner > 0 ? k_inner * k_inner * (1 - 1e-9) : 0;

  chi_polynomial(c, lambda, extra_defocus, chi);
  if (spatial > 0) {
    /* The spatial envelope uses the nominal defocus (as optics_spatial_envelope does). */
    chi_polynomial(c, lambda, 0.0, chi0);
    memset(gx, 0, sizeof gx);
    memset(gy, 0, sizeof gy);
    for (int a = 0; a < 7; a++)
      for (int b = 0; a + b < 7; b++) {
        if (a + 1 + b < 7) gx[a][b] = (a + 1) * chi0[a + 1][b];
        if (a + b + 1 < 7) gy[a][b] = (b + 1) * chi0[a][b + 1];
      }
  }
  for (PetscInt j = 0; j < ny; j++) {
    const double   ky   = frequency(j, ny, l->dy);
    fftwf_complex *t    = l->transfer + j * nx;
    PetscInt      *span = l->row_span + 2 * j;
    /* Nonnegative kx: indices [0, span[0]); negative: [span[1], nx). */
    if (!aperture) {
      span[0] = half;
      span[1] = half;
    } else if (ky * ky > outer2) {
      span[0] = 0;
      span[1] = nx;
    } else {
      const PetscInt reach = (PetscInt)floor(sqrt(outer2 - ky * ky) * (double)nx * l->dx) + 1;
      span[0]              = PetscMin(reach + 1, half);
      span[1]              = PetscMax(nx - reach, half);
    }
    double rc[7], rx[7], ry[7];
    polynomial_row(chi, ky, rc);
    if (spatial > 0) {
      polynomial_row(gx, ky, rx);
      polynomial_row(gy, ky, ry);
    }
    for (PetscInt i = span[0]; i < span[1]; i++) t[i] = 0;
    for (int side = 0; side < 2; side++) {
      const PetscInt begin = side ? span[1] : 0, end = side ? nx : span[0];
      for (PetscInt i = begin; i < end; i++) {
        const double kx = frequency(i, nx, l->dx), k2 = kx * kx + ky * ky;
        double       amplitude = 1.0, exponent = 0.0;
        if (k2 > outer2) {
          t[i] = 0;
          continue;
        }
        if (k2 > inner2) {
          amplitude = optics_aperture(c, lambda, kx, ky); /* the soft edge, exactly */
          if (amplitude == 0.0) {
            t[i] = 0;
            continue;
          }
        }
        exponent = -temporal * k2 * k2;
        if (spatial > 0) {
          const double dx = horner6(rx, kx), dy = horner6(ry, kx);
          exponent -= spatial * (dx * dx + dy * dy);
        }
        if (exponent < -69.0) {
          t[i] = 0;
          continue;
        } /* below 1e-30, as optics_transfer */
        if (exponent != 0.0) amplitude *= exp(exponent);
        double phase = horner6(rc, kx);
        phase -= 2.0 * M_PI * rint(phase * (0.5 / M_PI)); /* exact reduction in double; float after */
        t[i] = (float)(scale * amplitude) * phase_factor((float)-phase);
      }
    }
  }
}

PetscErrorCode lens_image(Lens *l, const ImagingConditions *c, float *image)
{
  size_t   n = (size_t)l->nx * l->ny;
  double   nodes[64], weights[64];
  PetscInt points = c->focal_points >= 2 && c->focal_spread > 0 ? c->focal_points : 1;
  PetscFunctionBeginUser;
  PetscCheck(l->n_waves > 0, PETSC_COMM_SELF, PETSC_ERR_ORDER, "lens_image: no exit waves set");
  PetscCall(PetscLogEventBegin(NF_EVENT_LENS, 0, 0, 0, 0));
  if (points > 1)
    PetscCall(optics_gauss_hermite(points, nodes, weights));
  else {
    nodes[0]   = 0;
    weights[0] = sqrt(M_PI);
  }
  for (size_t p = 0; p < n; p++) image[p] = 0;
  for (PetscInt f = 0; f < points; f++) {
    /* Defocus ~ N(mean, Δ²): offset √2 Δ x_i with weight w_i/√π. */
    double offset = M_SQRT2 * c->focal_spread * nodes[f];
    float  weight = (float)(weights[f] / sqrt(M_PI) / l->n_waves);
    lens_fill_transfer(l, c, offset, points > 1 ? PETSC_FALSE : PETSC_TRUE);
    for (PetscInt w = 0; w < l->n_waves; w++) {
      const fftwf_complex *wave = l->wave_fourier + w * n;
      /* Multiply inside the aperture's spans only; the rest of the spectrum is zero. */
      for (PetscInt j = 0; j < l->ny; j++) {
        const PetscInt *span             = l->row_span + 2 * j;
        const size_t    row              = (size_t)j * (size_t)l->nx;
        const fftwf_complex *restrict in = wave + row, *restrict tr = l->transfer + row;
        fftwf_complex *restrict out = l->work + row;
        for (PetscInt i = 0; i < span[0]; i++) out[i] = in[i] * tr[i];
        if (span[1] > span[0]) memset(out + span[0], 0, sizeof(fftwf_complex) * (size_t)(span[1] - span[0]));
        for (PetscInt i = span[1]; i < l->nx; i++) out[i] = in[i] * tr[i];
      }
      fftwf_execute(l->inverse);
      for (size_t p = 0; p < n; p++) {
        float re = crealf(l->work[p]), im = cimagf(l->work[p]);
        image[p] += weight * (re * re + im * im);
      }
    }
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_LENS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
