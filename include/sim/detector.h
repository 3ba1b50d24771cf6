/* detector.h — from the image intensity on the simulation grid to the detector image:
 * Fourier resampling to the detector pixel size (no aliasing), detector MTF, drift blur,
 * dose → Poisson counts, Gaussian readout noise. Serial; no MPI.
 *
 * Order (docs/physics.md): resample → MTF and drift (one Fourier pass) → crop to the
 * image size → expected counts N = dose · pixel area · I → Poisson(N) → + readout noise
 * → divided by dose · pixel area, so images are in units of the vacuum intensity (1)
 * whatever the dose. dose = 0: the noise-free image (readout noise is not added either).
 * Noise: pixel p (row-major) draws number p of the counter-based sequences (seed,
 * unit + condition·2^40, RNG_PURPOSE_DETECTOR_NOISE / _READOUT_NOISE) and its count is the Poisson
 * quantile of that one uniform (rng_poisson_quantile): the same seed gives the same image bit for
 * bit, and a last-bit change of one pixel's intensity changes at most that pixel's count.
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "sim/optics.h"

/* Where the detector image lies on the simulation field of view. */
typedef struct {
  PetscInt field_nx, field_ny; /* the whole field of view resampled at the detector pixel size */
  double   pixel[2];           /* actual pixel size along x, y [Å] = field length / field_n */
  PetscInt nx, ny;             /* detector image size (the central crop of the field) */
  PetscInt offset[2];          /* first field pixel of the crop along x, y */
} DetectorGeometry;

/* Geometry for a simulation grid nx × ny with sampling dx, dy [Å]: field_n = round(L / pixel)
 * (the pixel size is adjusted so that the field holds a whole number of pixels; the actual
 * size is recorded), cropped centrally to image_size. Errors (PETSC_ERR_USER_INPUT): an image
 * size larger than the resampled field, a pixel larger than the field. */
PetscErrorCode detector_geometry(const ImagingConditions *conditions, PetscInt nx, PetscInt ny, double dx, double dy,
                                 DetectorGeometry *geometry);

/* Band-limited (Fourier) resampling of a periodic real field [ny][nx] to [my][mx] over the same
 * extent: the spectrum is cropped or zero-padded (Nyquist bins of even sizes dropped), so no
 * frequency aliases and a signal band-limited below both Nyquist frequencies is reproduced exactly. */
PetscErrorCode detector_resample(PetscInt nx, PetscInt ny, const float *in, PetscInt mx, PetscInt my, float *out);

/* Plan the resampling transforms nx × ny → mx × my with FFTW_MEASURE (into FFTW's wisdom, to be
 * exported with simulation_grid_wisdom_export). detector_resample and detector_image keep plans per
 * size for the whole process (no planning or allocation per image) and take them from wisdom when
 * it has them, else from FFTW_ESTIMATE: never from timing, so ranks sharing wisdom share results. */
PetscErrorCode detector_plan(PetscInt nx, PetscInt ny, PetscInt mx, PetscInt my);

/* MTF (c0−c1)/(1+(k/(2c2))^c3)+c1 at k [cycles per detector pixel]; 1 when c2 ≤ 0. */
double detector_mtf(const ImagingConditions *conditions, double k);

/* The detector image [geometry->ny][geometry->nx] (caller allocates) from the intensity
 * [ny][nx] on the simulation grid. */
PetscErrorCode detector_image(const ImagingConditions *conditions, const DetectorGeometry *geometry, PetscInt nx,
                              PetscInt ny, const float *intensity, uint64_t seed, uint64_t unit, int condition,
                              float *image);

/* Dose noise in place: image[p] (expected intensity, vacuum 1; negative ringing counts as 0)
 * becomes Poisson(electrons_per_unit · image[p]) counts, plus readout_noise · N(0, 1) when
 * readout_noise > 0, divided by electrons_per_unit. Pixel p (< 2^32) takes uniform number p of
 * (seed, noise_unit, RNG_PURPOSE_DETECTOR_NOISE) for its count, by rng_poisson_quantile, and
 * number p of (seed, noise_unit, RNG_PURPOSE_READOUT_NOISE) for its readout noise;
 * noise_unit = unit + condition·2^40. */
void detector_dose_noise(uint64_t seed, uint64_t noise_unit, double electrons_per_unit, double readout_noise,
                         PetscInt n, float *image);
