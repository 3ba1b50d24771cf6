/* test_potential.c — fast projected potential (band-limited radial kernels) against the exact
 * Fourier-phase reference; the k = 0 integral; sub-pixel shifts. */
#include <complex.h>
#include <fftw3.h>
#include "sim/potential.h"
#include "sim/simulation_grid.h"
#include "core/elements.h"
#include "unit.h"

static void grid_64(SimulationGrid *grid)
{
  simulation_grid_defaults(grid);
  grid->cell[0] = grid->cell[1] = 6.4;
  grid->cell[2]                 = 2.0;
  grid->requested_sampling      = 0.1;
  PetscCallAbort(PETSC_COMM_SELF, simulation_grid_setup(grid, NULL, 0));
}

/* Spectrum of a real image (unnormalised forward FFT). */
static void spectrum(PetscInt nx, PetscInt ny, const float *image, fftwf_complex *out)
{
  fftwf_plan plan = fftwf_plan_dft_2d((int)ny, (int)nx, out, out, FFTW_FORWARD, FFTW_ESTIMATE);
  for (PetscInt i = 0; i < nx * ny; i++) out[i] = image[i];
  fftwf_execute(plan);
  fftwf_destroy_plan(plan);
}

static int in_band(const SimulationGrid *grid, PetscInt p, PetscInt q)
{
  double kx = (double)(p < grid->nx / 2 ? p : p - grid->nx) / grid->cell[0];
  double ky = (double)(q < grid->ny / 2 ? q : q - grid->ny) / grid->cell[1];
  return sqrt(kx * kx + ky * ky) <= grid->band_limit * 0.5 / grid->sampling[0];
}

/* Relative L2 difference of two images' spectra inside the band limit. */
static double band_error(const SimulationGrid *grid, const float *a, const float *b)
{
  const PetscInt n  = grid->nx * grid->ny;
  fftwf_complex *fa = fftwf_alloc_complex((size_t)n), *fb = fftwf_alloc_complex((size_t)n);
  double         diff = 0, norm = 0;
  spectrum(grid->nx, grid->ny, a, fa);
  spectrum(grid->nx, grid->ny, b, fb);
  for (PetscInt q = 0; q < grid->ny; q++)
    for (PetscInt p = 0; p < grid->nx; p++) {
      if (!in_band(grid, p, q)) continue;
      diff += pow(cabsf(fa[q * grid->nx + p] - fb[q * grid->nx + p]), 2);
      norm += pow(cabsf(fb[q * grid->nx + p]), 2);
    }
  fftwf_free(fa);
  fftwf_free(fb);
  return sqrt(diff / norm);
}

static void test_fast_matches_reference(void)
{
  SimulationGrid   grid;
  PotentialTables *tables;
  const double     position[4][3] = {{1.234, 2.345, 0.5}, {4.4321, 0.0517, 1.0}, {3.01, 5.93, 1.5}, {6.35, 3.3, 0.1}};
  const int        z[4]           = {79, 6, 8, 79};
  const float      occupancy[4]   = {1.0f, 1.0f, 0.5f, 1.0f};
  float            fast[64 * 64]  = {0}, reference[64 * 64];

  grid_64(&grid);
  UNIT_CHECK(grid.nx == 64 && grid.ny == 64, "grid %d x %d", (int)grid.nx, (int)grid.ny);
  UNIT_CALL(potential_tables_create(&grid, NULL, 79, &tables));
  UNIT_CALL(potential_tables_destroy(&tables));
  AtomList *atoms;
  UNIT_CALL(atom_list_create(4, &atoms));
  for (int i = 0; i < 4; i++) UNIT_CALL(atom_list_append(atoms, position[i], z[i], 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(potential_tables_create(&grid, atoms, 0, &tables));
  UNIT_CALL(potential_slice_add(tables, 4, position, z, occupancy, 0, grid.ny, fast));
  UNIT_CALL(potential_slice_ref(&grid, 4, position, z, occupancy, reference));
  double error = band_error(&grid, fast, reference);
  printf("# fast vs reference potential, relative L2 inside the band limit: %.3e\n", error);
  UNIT_CHECK(error < 1e-3, "fast potential differs from the exact Fourier sum by %.3e (relative L2 in band)", error);
  /* Row slabs (the MPI path) add up to the whole. */
  float slab[64 * 64] = {0};
  UNIT_CALL(potential_slice_add(tables, 4, position, z, occupancy, 0, 20, slab));
  UNIT_CALL(potential_slice_add(tables, 4, position, z, occupancy, 20, 64, slab + 20 * 64));
  int same = 1;
  for (int i = 0; i < 64 * 64; i++) same &= slab[i] == fast[i];
  UNIT_CHECK(same, "row slabs must reproduce the whole slice bit for bit");
  UNIT_CALL(potential_tables_destroy(&tables));
  UNIT_CALL(atom_list_destroy(&atoms));
}

static void test_integral_equals_k0(void)
{
  SimulationGrid   grid;
  PotentialTables *tables;
  const double     position[1][3] = {{3.17, 2.71, 0.5}};
  const int        z[1]           = {79};
  float            v[64 * 64]     = {0};
  double           sum            = 0;

  grid_64(&grid);
  UNIT_CALL(potential_tables_create(&grid, NULL, 79, &tables));
  UNIT_CALL(potential_slice_add(tables, 1, position, z, NULL, 0, grid.ny, v));
  for (int i = 0; i < 64 * 64; i++) sum += v[i];
  sum *= grid.sampling[0] * grid.sampling[1];
  /* F(0) = 2π a0 e f_e(0), f_e(0) = Σ a_i/b_i + Σ c_i (Kirkland 2010 App. C). */
  const double *p        = element_from_z(79)->kirkland;
  double        f0       = p[0] / p[1] + p[2] / p[3] + p[4] / p[5] + p[6] + p[8] + p[10];
  double        expected = 2.0 * M_PI * 0.529177210903 * 14.399645478 * f0;
  UNIT_CHECK_RELATIVE(potential_atom_integral(79), expected, 1e-12);
  UNIT_CHECK_RELATIVE(sum, expected, 1e-4);
  UNIT_CALL(potential_tables_destroy(&tables));
}

static void test_subpixel_shift_is_exact(void)
{
  SimulationGrid   grid;
  PotentialTables *tables;
  const double     shift[2] = {0.0371, 0.0613}; /* fractions of a pixel, not multiples */
  const double     a[1][3] = {{3.0, 3.0, 0}}, b[1][3] = {{3.0 + shift[0], 3.0 + shift[1], 0}};
  const int        z[1]        = {6};
  float            va[64 * 64] = {0}, vb[64 * 64] = {0};
  fftwf_complex   *fa = fftwf_alloc_complex(64 * 64), *fb = fftwf_alloc_complex(64 * 64);
  double           diff = 0, norm = 0;

  grid_64(&grid);
  UNIT_CALL(potential_tables_create(&grid, NULL, 6, &tables));
  UNIT_CALL(potential_slice_add(tables, 1, a, z, NULL, 0, grid.ny, va));
  UNIT_CALL(potential_slice_add(tables, 1, b, z, NULL, 0, grid.ny, vb));
  spectrum(64, 64, va, fa);
  spectrum(64, 64, vb, fb);
  /* A shift by s multiplies the spectrum by e^{-2πi k·s}, at every frequency in band. */
  for (PetscInt q = 0; q < 64; q++)
    for (PetscInt p = 0; p < 64; p++) {
      if (!in_band(&grid, p, q)) continue;
      double kx = (double)(p < 32 ? p : p - 64) / grid.cell[0], ky = (double)(q < 32 ? q : q - 64) / grid.cell[1];
      double _Complex expected = fa[q * 64 + p] * cexp(-2.0 * M_PI * I * (kx * shift[0] + ky * shift[1]));
      diff += pow(cabs(fb[q * 64 + p] - expected), 2);
      norm += pow(cabs(expected), 2);
    }
  printf("# sub-pixel shift, relative L2 error of the shifted spectrum in band: %.3e\n", sqrt(diff / norm));
  UNIT_CHECK(sqrt(diff / norm) < 3e-4, "shifted potential differs from the phase-shifted one by %.3e",
             sqrt(diff / norm));
  fftwf_free(fa);
  fftwf_free(fb);
  UNIT_CALL(potential_tables_destroy(&tables));
}

static void test_projected_potential_subset(void)
{
  SimulationGrid grid;
  AtomList      *atoms;
  const double   p0[3] = {1, 1, 0.2}, p1[3] = {4, 4, 1.7};
  float          all[64 * 64], only_first[64 * 64];
  PetscBool      include[2] = {PETSC_TRUE, PETSC_FALSE};
  double         sum_all = 0, sum_first = 0;

  grid_64(&grid);
  UNIT_CALL(atom_list_create(2, &atoms));
  UNIT_CALL(atom_list_append(atoms, p0, 79, 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(atom_list_append(atoms, p1, 6, 1, ATOM_CLASS_SUPPORT));
  UNIT_CALL(projected_potential_compute(&grid, atoms, NULL, all));
  UNIT_CALL(projected_potential_compute(&grid, atoms, include, only_first));
  for (int i = 0; i < 64 * 64; i++) {
    sum_all += all[i];
    sum_first += only_first[i];
  }
  double area = grid.sampling[0] * grid.sampling[1];
  UNIT_CHECK_RELATIVE(sum_first * area, potential_atom_integral(79), 1e-4);
  UNIT_CHECK_RELATIVE(sum_all * area, potential_atom_integral(79) + potential_atom_integral(6), 1e-4);
  UNIT_CALL(atom_list_destroy(&atoms));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_fast_matches_reference);
  UNIT_RUN(test_integral_equals_k0);
  UNIT_RUN(test_subpixel_shift_is_exact);
  UNIT_RUN(test_projected_potential_subset);
  return UNIT_END();
}
