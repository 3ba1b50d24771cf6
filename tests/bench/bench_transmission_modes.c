/* bench_transmission_modes.c — accuracy of the two transmission modes against finer grids.
 * A 2x2x3-cell Au fcc block in a 12.8 Å cell is simulated at 0.1 Å (both modes) and at
 * 0.05 and 0.025 Å (band-limited transmission); the relative L2 difference of the 0.1 Å exit
 * wave's spectrum inside its band limit from the finer ones is printed for both modes.
 *   build/bench/bench_transmission_modes */
#include <complex.h>
#include <string.h>
#include "sim/multislice.h"
#include "core/timing.h"

static void spectrum(PetscInt n, const float _Complex *wave, fftwf_complex *out)
{
  fftwf_plan plan = fftwf_plan_dft_2d((int)n, (int)n, out, out, FFTW_FORWARD, FFTW_ESTIMATE);
  memcpy(out, wave, sizeof(fftwf_complex) * (size_t)(n * n));
  fftwf_execute(plan);
  fftwf_destroy_plan(plan);
  for (PetscInt i = 0; i < n * n; i++) out[i] /= (float)(n * n);
}

int main(int argc, char **argv)
{
  AtomList      *atoms;
  const double   a = 4.0782, basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}}, cell = 12.8;
  const double   samplings[3] = {0.1, 0.05, 0.025};
  fftwf_complex *coarse[2]    = {NULL, NULL};
  PetscInt       nc           = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(timing_register_events());
  PetscCall(atom_list_create(64, &atoms));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++)
        for (int b = 0; b < 4; b++) {
          double r[3] = {3.3 + (i + basis[b][0]) * a, 2.9 + (j + basis[b][1]) * a, 0.5 + (k + basis[b][2]) * a};
          PetscCall(atom_list_append(atoms, r, 79, 0, ATOM_CLASS_PARTICLE));
        }
  for (int level = 0; level < 3; level++) {
    SimulationGrid grid;
    simulation_grid_defaults(&grid);
    grid.cell[0] = grid.cell[1] = cell;
    grid.cell[2]                = 14;
    grid.slice_thickness        = a / 2;
    grid.requested_sampling     = samplings[level];
    PetscCall(simulation_grid_setup(&grid, atoms, 0));
    const PetscInt n = grid.nx;
    for (int mode = 0; mode < (level == 0 ? 2 : 1); mode++) {
      ExitWaves     *ew;
      fftwf_complex *f             = fftwf_alloc_complex((size_t)(n * n));
      grid.transmission_band_limit = mode == 0 ? PETSC_TRUE : PETSC_FALSE;
      PetscCall(exit_waves_compute(&grid, atoms, 0, 1, 0, &ew));
      spectrum(n, ew->wave, f);
      PetscCall(exit_waves_destroy(&ew));
      if (level == 0) {
        coarse[mode] = f;
        nc           = n;
        continue;
      }
      double diff[2] = {0, 0}, norm = 0, k_band = (2.0 / 3.0) * 0.5 / samplings[0];
      for (PetscInt q = 0; q < nc; q++)
        for (PetscInt p = 0; p < nc; p++) {
          PetscInt h = p < nc / 2 ? p : p - nc, k = q < nc / 2 ? q : q - nc;
          if (sqrt((double)(h * h + k * k)) / cell > k_band) continue;
          fftwf_complex fine = f[((k + n) % n) * n + (h + n) % n];
          for (int m = 0; m < 2; m++) diff[m] += pow(cabsf(coarse[m][q * nc + p] - fine), 2);
          norm += pow(cabsf(fine), 2);
        }
      PetscCall(PetscPrintf(
        PETSC_COMM_WORLD,
        "0.1 A grid vs %.3g A grid, inside the 0.1 A band: band-limited transmission %.3e, -transmission_band_limit false %.3e (relative L2)\n",
        samplings[level], sqrt(diff[0] / norm), sqrt(diff[1] / norm)));
      fftwf_free(f);
    }
  }
  fftwf_free(coarse[0]);
  fftwf_free(coarse[1]);
  PetscCall(atom_list_destroy(&atoms));
  PetscCall(PetscFinalize());
  return 0;
}
