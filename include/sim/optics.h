/* optics.h — image formation: objective-lens aberrations, aperture, partial coherence,
 * and the imaging conditions a campaign samples.
 *
 * Conventions (docs/physics.md states them with equations):
 *   - Aberrations in Krivanek's polar notation C_nm, every coefficient in Å, every
 *     angle φ_nm in radians inside the code (degrees on the command line):
 *       χ(α, φ) = (2π/λ) Σ C_nm α^(n+1)/(n+1) cos(m(φ − φ_nm)),   α = λ|k|.
 *   - THE SIGN OF DEFOCUS, stated once: the option -defocus is positive for UNDERFOCUS
 *     (Kirkland's df, abTEM's `defocus`), and C10 = −defocus. The Scherzer defocus of a
 *     lens with Cs > 0 is therefore positive: sqrt(4/3 Cs λ).
 *   - Transfer function T(k) = A(k) E_t(k) E_s(k) exp(−iχ(k)); with a transmission
 *     function exp(+iσV) a weak phase object images as I = 1 + 2σ V ⊗ FT⁻¹[sin χ].
 *   - Image intensity per condition = average over frozen-phonon configurations of
 *     |FT⁻¹(FT(ψ)·T)|² (intensities are averaged, never waves).
 */
#pragma once
#include <petscsys.h>
#include <complex.h>
#include <fftw3.h>
#include "core/distribution.h"

/* The aberration coefficients, in the order of the arrays below. */
typedef enum {
  ABERRATION_C10,
  ABERRATION_C12,
  ABERRATION_C21,
  ABERRATION_C23,
  ABERRATION_C30,
  ABERRATION_C32,
  ABERRATION_C34,
  ABERRATION_C41,
  ABERRATION_C43,
  ABERRATION_C45,
  ABERRATION_C50,
  ABERRATION_C52,
  ABERRATION_C54,
  ABERRATION_C56,
  ABERRATION_COUNT
} Aberration;

/* Radial order n and azimuthal symmetry m of each Aberration. */
extern const int optics_aberration_n[ABERRATION_COUNT];
extern const int optics_aberration_m[ABERRATION_COUNT];

/* One imaging condition: every number the lens and the detector need. A plain value. */
typedef struct {
  double    coefficient[ABERRATION_COUNT]; /* C_nm [Å]; C10 = −defocus, C30 = Cs */
  double    angle[ABERRATION_COUNT];       /* φ_nm [rad] (unused for m = 0) */
  double    aperture;                      /* objective aperture semi-angle [mrad]; 0 = no aperture */
  double    aperture_edge;                 /* width of the aperture's cosine edge [mrad] */
  double    focal_spread;                  /* total rms focal spread Δ [Å] (direct and from Cc, combined) */
  double    convergence;                   /* illumination semi-angle α [mrad] (Gaussian 1/e half-width) */
  PetscInt  focal_points;                  /* 0: quasi-coherent temporal envelope; ≥ 2: explicit Gauss–Hermite
                                 integration over defocus with this many points */
  double    dose;                          /* electrons per Å² (0 = noise-free image) */
  double    mtf[4];                        /* detector MTF c0..c3: (c0−c1)/(1+(k/(2c2))^c3)+c1, k in cycles per
                                 detector pixel (Nyquist = 0.5); c2 ≤ 0 means no MTF */
  double    readout_noise;                 /* Gaussian readout noise, rms electrons per pixel */
  double    drift;                         /* length of linear drift during the exposure [Å] */
  double    drift_angle;                   /* direction of the drift from +x [rad] */
  double    detector_pixel;                /* detector pixel size [Å]; 0 = the simulation sampling */
  PetscInt  image_size;                    /* detector image side [pixels]; 0 = the whole field of view */
  PetscBool mtf_on_noise;                  /* the MTF blurs the recorded counts (shot noise included; scintillator
                                 cameras) instead of the noise-free image; readout noise is added after */
} ImagingConditions;

/* Which imaging option each Distribution below holds. */
typedef enum {
  IMAGING_DEFOCUS,
  IMAGING_CS,
  IMAGING_C12,
  IMAGING_PHI12,
  IMAGING_C21,
  IMAGING_PHI21,
  IMAGING_C23,
  IMAGING_PHI23,
  IMAGING_C32,
  IMAGING_PHI32,
  IMAGING_C34,
  IMAGING_PHI34,
  IMAGING_C41,
  IMAGING_PHI41,
  IMAGING_C43,
  IMAGING_PHI43,
  IMAGING_C45,
  IMAGING_PHI45,
  IMAGING_C50,
  IMAGING_C52,
  IMAGING_PHI52,
  IMAGING_C54,
  IMAGING_PHI54,
  IMAGING_C56,
  IMAGING_PHI56,
  IMAGING_APERTURE,
  IMAGING_APERTURE_EDGE,
  IMAGING_FOCAL_SPREAD,
  IMAGING_CC,
  IMAGING_ENERGY_SPREAD,
  IMAGING_VOLTAGE_RIPPLE,
  IMAGING_CURRENT_RIPPLE,
  IMAGING_CONVERGENCE,
  IMAGING_DOSE,
  IMAGING_MTF_C0,
  IMAGING_MTF_C1,
  IMAGING_MTF_C2,
  IMAGING_MTF_C3,
  IMAGING_READOUT_NOISE,
  IMAGING_DRIFT,
  IMAGING_DRIFT_ANGLE,
  IMAGING_DETECTOR_PIXEL,
  IMAGING_IMAGE_SIZE,
  IMAGING_PARAMETER_COUNT
} ImagingParameter;

/* Every imaging option as a distribution, so a campaign can sample each of them. */
typedef struct {
  Distribution parameter[IMAGING_PARAMETER_COUNT]; /* indexed by ImagingParameter */
  PetscInt     focal_points;                       /* -focal_points (not sampled) */
  PetscBool    mtf_on_noise;                       /* -mtf_on_noise (not sampled) */
} ImagingDistributions;

/* Name (the option without '-'), units and description of each ImagingParameter:
 * the database columns of the sampled values. */
typedef struct {
  const char *name;  /* "defocus" */
  const char *units; /* "Å", "mrad", "deg", "e/Å²", "1" */
  const char *help;  /* one line */
} ImagingParameterInfo;
extern const ImagingParameterInfo imaging_parameter_info[IMAGING_PARAMETER_COUNT];

/* Read every imaging option inside a PetscOptionsBegin/End block. Ranges are checked
 * (dose ≥ 0, aperture ≥ 0, ...): a bad one is PETSC_ERR_USER_INPUT naming the option. */
PetscErrorCode imaging_options_read(PetscOptionItems *PetscOptionsObject, ImagingDistributions *distributions);

/* Draw the imaging condition `condition` of work unit `unit` from the stream
 * (seed, unit + condition·2^40, RNG_PURPOSE_IMAGING): independent of every other draw.
 * `values` (may be NULL) receives the drawn value of each ImagingParameter in its option's
 * units (angles in degrees), for database columns. */
PetscErrorCode imaging_sample(const ImagingDistributions *distributions, uint64_t seed, uint64_t unit, int condition,
                              ImagingConditions *conditions, double values[IMAGING_PARAMETER_COUNT]);

/* Convert option values (units as in imaging_parameter_info) into conditions: the
 * deterministic half of imaging_sample, also used by tests. */
PetscErrorCode imaging_conditions_from_values(const double values[IMAGING_PARAMETER_COUNT], PetscInt focal_points,
                                              ImagingConditions *conditions);

/* Defocus [Å], positive = underfocus: −C10. */
double optics_defocus(const ImagingConditions *conditions);
/* Scherzer defocus sqrt(4/3 Cs λ) [Å] (positive = underfocus) for Cs > 0. */
double optics_scherzer_defocus(double cs, double wavelength);

/* χ(k) [rad] at spatial frequency (kx, ky) [1/Å], with `extra_defocus` [Å] added to
 * the defocus (used by focal integration). */
double optics_aberration_phase(const ImagingConditions *conditions, double wavelength, double kx, double ky,
                               double extra_defocus);
/* |∇_k χ|² [Å²] (for the spatial envelope). */
double optics_aberration_gradient_squared(const ImagingConditions *conditions, double wavelength, double kx, double ky);
/* Aperture transmission in [0, 1] (1 when no aperture). */
double optics_aperture(const ImagingConditions *conditions, double wavelength, double kx, double ky);
/* Quasi-coherent temporal envelope exp(−½(πλΔ)²k⁴). */
double optics_temporal_envelope(const ImagingConditions *conditions, double wavelength, double kx, double ky);
/* Quasi-coherent spatial envelope exp(−(α/2λ)²|∇_kχ|²), α in rad. */
double optics_spatial_envelope(const ImagingConditions *conditions, double wavelength, double kx, double ky);
/* The lens transfer function at (kx, ky). With `with_temporal_envelope` false the
 * temporal envelope is left out (explicit focal integration does it instead). */
double complex optics_transfer(const ImagingConditions *conditions, double wavelength, double kx, double ky,
                               double extra_defocus, PetscBool with_temporal_envelope);

/* Gauss–Hermite nodes and weights for ∫ f(x) exp(−x²) dx ≈ Σ w_i f(x_i), n ≤ 64. */
PetscErrorCode optics_gauss_hermite(PetscInt n, double *nodes, double *weights);

/* The objective lens on one simulation grid: keeps the Fourier transforms of the
 * exit waves so that any number of imaging conditions reuse them. */
typedef struct {
  PetscInt       nx, ny;       /* grid points (x fastest: arrays are [ny][nx]) */
  double         dx, dy;       /* sampling [Å/pixel] */
  double         wavelength;   /* electron wavelength [Å] */
  PetscInt       n_waves;      /* exit waves held (frozen-phonon configurations) */
  fftwf_complex *wave_fourier; /* [n_waves][ny][nx] FT of each exit wave, unnormalised */
  fftwf_complex *work;         /* [ny][nx] */
  fftwf_complex *transfer;     /* [ny][nx] T(k) of the current condition and focal point, scaled by 1/(nx ny) */
  PetscInt      *row_span;     /* [ny][2]: T is zero in row j outside kx indices [0, span[0]) and [span[1], nx) */
  fftwf_plan     inverse;      /* work → work, backward */
  fftwf_plan     forward;      /* work → work, forward */
} Lens;

PetscErrorCode lens_create(PetscInt nx, PetscInt ny, double dx, double dy, double wavelength, Lens **lens);
PetscErrorCode lens_destroy(Lens **lens);
/* Transform and keep n_waves exit waves, each [ny][nx] (replaces any held before). */
PetscErrorCode lens_set_exit_waves(Lens *lens, PetscInt n_waves, const fftwf_complex *const *exit_waves);
/* Image intensity on the simulation grid for one condition: the average over the held
 * exit waves of |FT⁻¹(FT(ψ)·T)|², focal-integrated when conditions->focal_points ≥ 2.
 * A plane wave of amplitude 1 gives intensity 1. `image` is [ny][nx]. */
PetscErrorCode lens_image(Lens *lens, const ImagingConditions *conditions, float *image);
/* The same by direct O(N⁴) discrete Fourier sums in double precision: the reference. */
PetscErrorCode lens_image_ref(PetscInt nx, PetscInt ny, double dx, double dy, double wavelength, PetscInt n_waves,
                              const fftwf_complex *const *exit_waves, const ImagingConditions *conditions,
                              double *image);
