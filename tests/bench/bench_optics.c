/* bench_optics.c — cost of one imaging condition (lens + detector) at 1024², against the bare
 * inverse FFT at the same size in the same run: the lens is one multiply + one FFT per phonon
 * configuration, so its time should be close to the FFT's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <petscsys.h>
#include <petsctime.h>
#include "sim/detector.h"
#include "sim/optics.h"

int main(int argc, char **argv)
{
  const PetscInt n = 1024, repeats = 10;
  double         t0, t1, fft_time, lens_time, detector_time;
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  fftwf_complex *wave  = fftwf_alloc_complex(n * n);
  float         *image = malloc(sizeof(float) * n * n), *detected = malloc(sizeof(float) * n * n);
  for (PetscInt p = 0; p < n * n; p++) wave[p] = cexpf(I * 0.01f * (float)(p % 97));
  Lens             *lens;
  ImagingConditions c;
  DetectorGeometry  g;
  PetscCall(lens_create(n, n, 0.05, 0.05, 0.0197, &lens));
  const fftwf_complex *waves[1] = {wave};
  PetscCall(lens_set_exit_waves(lens, 1, waves));
  /* bare FFT on the lens's own plan */
  PetscCall(PetscTime(&t0));
  for (int r = 0; r < repeats; r++) fftwf_execute(lens->inverse);
  PetscCall(PetscTime(&t1));
  fft_time = (t1 - t0) / repeats;
  PetscCall(PetscMemzero(&c, sizeof c));
  c.coefficient[ABERRATION_C10] = -60;
  c.coefficient[ABERRATION_C30] = 1e5;
  c.coefficient[ABERRATION_C12] = 10;
  c.aperture                    = 25;
  c.aperture_edge               = 0.5;
  c.focal_spread                = 30;
  c.convergence                 = 0.2;
  c.dose                        = 100;
  c.mtf[0]                      = 1;
  c.mtf[1]                      = 0.1;
  c.mtf[2]                      = 0.3;
  c.mtf[3]                      = 2;
  c.detector_pixel              = 0.1;
  PetscCall(PetscTime(&t0));
  for (int r = 0; r < repeats; r++) PetscCall(lens_image(lens, &c, image));
  PetscCall(PetscTime(&t1));
  lens_time = (t1 - t0) / repeats;
  PetscCall(detector_geometry(&c, n, n, 0.05, 0.05, &g));
  PetscCall(PetscTime(&t0));
  for (int r = 0; r < repeats; r++) PetscCall(detector_image(&c, &g, n, n, image, 1, 0, r, detected));
  PetscCall(PetscTime(&t1));
  detector_time = (t1 - t0) / repeats;
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "bench_optics %" PetscInt_FMT
                        "^2: inverse FFT %.2f ms, lens_image %.2f ms (%.2fx the FFT), detector_image to %" PetscInt_FMT
                        "^2 with dose %.2f ms\n",
                        n, 1e3 * fft_time, 1e3 * lens_time, lens_time / fft_time, g.nx, 1e3 * detector_time));
  PetscCall(lens_destroy(&lens));
  fftwf_free(wave);
  free(image);
  free(detected);
  return PetscFinalize() ? 1 : 0;
}
