/* test_multislice.c — free-space propagation, intensity conservation, DFT reference vs FFTW,
 * Au fcc [001] diffraction spots, frozen-phonon reproducibility, grid validation. */
#include <complex.h>
#include <string.h>
#include <unistd.h>
#include "sim/multislice.h"
#include "sim/potential.h"
#include "core/timing.h"
#include "unit.h"

static double total_intensity(const float _Complex *wave, PetscInt n)
{
  double sum = 0;
  for (PetscInt i = 0; i < n; i++) sum += (double)crealf(wave[i] * conjf(wave[i]));
  return sum / (double)n;
}

/* Au fcc, a = 4.0782 Å, cells_xy × cells_xy × cells_z conventional cells, from the 4-atom basis. */
static void build_gold(int cells_xy, int cells_z, float rms, AtomList **out)
{
  const double a = 4.0782, basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  AtomList    *atoms;
  PetscCallAbort(PETSC_COMM_SELF, atom_list_create(4 * cells_xy * cells_xy * cells_z, &atoms));
  for (int i = 0; i < cells_xy; i++)
    for (int j = 0; j < cells_xy; j++)
      for (int k = 0; k < cells_z; k++)
        for (int b = 0; b < 4; b++) {
          /* A quarter-layer offset in z keeps every atom well inside its slice. */
          double r[3] = {(i + basis[b][0]) * a, (j + basis[b][1]) * a, (k + basis[b][2] + 0.25) * a};
          PetscCallAbort(PETSC_COMM_SELF, atom_list_append(atoms, r, 79, 0, ATOM_CLASS_PARTICLE));
          atoms->thermal_rms[atoms->n - 1] = rms;
        }
  for (int d = 0; d < 3; d++) atoms->cell[d][d] = a * (d < 2 ? cells_xy : cells_z);
  *out = atoms;
}

static void test_free_space_keeps_plane_wave(void)
{
  SimulationGrid grid;
  AtomList      *empty;
  ExitWaves     *ew;
  double         worst = 0;

  simulation_grid_defaults(&grid);
  grid.cell[0]            = 10;
  grid.cell[1]            = 12;
  grid.cell[2]            = 50;
  grid.requested_sampling = 0.1;
  grid.slice_thickness    = 2;
  UNIT_CALL(atom_list_create(1, &empty));
  UNIT_CALL(simulation_grid_setup(&grid, empty, 0));
  UNIT_CALL(exit_waves_compute(&grid, empty, 0, 1, 0, &ew));
  for (PetscInt i = 0; i < ew->nx * ew->ny; i++) worst = PetscMax(worst, cabsf(ew->wave[i] - 1.0f));
  UNIT_CHECK(worst < 1e-5, "plane wave changed by %.3e after %d slices of vacuum", worst, (int)grid.n_slices);
  UNIT_CALL(exit_waves_destroy(&ew));
  UNIT_CHECK(ew == NULL, "destroy must clear the pointer");
  UNIT_CALL(atom_list_destroy(&empty));
}

static void test_intensity_conserved_thick_specimen(void)
{
  SimulationGrid grid;
  AtomList      *gold;
  ExitWaves     *ew;

  build_gold(2, 10, 0, &gold); /* 40.8 Å of Au, 20 slices */
  simulation_grid_defaults(&grid);
  grid.requested_sampling = 0.05;
  grid.slice_thickness    = 4.0782 / 2;
  /* No aperture at all (band limit off): transmission and propagator are unitary, so the
   * intensity must stay 1 up to single-precision rounding. */
  grid.band_limit = 2.0;
  UNIT_CALL(simulation_grid_setup(&grid, gold, 0));
  UNIT_CALL(exit_waves_compute(&grid, gold, 0, 1, 0, &ew));
  double intensity = total_intensity(ew->wave, ew->nx * ew->ny);
  printf("# mean intensity after %d slices of Au, no aperture: %.8f\n", (int)grid.n_slices, intensity);
  UNIT_CHECK_RELATIVE(intensity, 1.0, 1e-5);
  UNIT_CALL(exit_waves_destroy(&ew));
  /* With the 2/3 band limit the loss is what scatters beyond it: small but not zero. */
  grid.band_limit = SIMULATION_BAND_LIMIT;
  UNIT_CALL(simulation_grid_setup(&grid, gold, 0));
  UNIT_CALL(exit_waves_compute(&grid, gold, 0, 1, 0, &ew));
  intensity = total_intensity(ew->wave, ew->nx * ew->ny);
  printf("# mean intensity after %d slices of Au, band-limited to 2/3: %.8f\n", (int)grid.n_slices, intensity);
  UNIT_CHECK(intensity < 1.0 && intensity > 0.95, "band-limited intensity %.6f outside (0.95, 1)", intensity);
  UNIT_CALL(exit_waves_destroy(&ew));
  UNIT_CALL(atom_list_destroy(&gold));
}

static void test_reference_dft_agrees_with_fftw(void)
{
  SimulationGrid   grid;
  PotentialTables *tables;
  Multislice      *ms;
  const PetscInt   n_slices = 3, n = 64 * 64;
  const double     position[5][3] = {{1.1, 2.2, 0}, {4.3, 5.1, 0}, {2.9, 0.4, 0}, {5.5, 5.9, 0}, {0.2, 3.3, 0}};
  const int        z[5]           = {79, 6, 79, 8, 29};
  float           *potentials;
  float _Complex  *wave = fftwf_alloc_complex(n), *t = fftwf_alloc_complex(n);
  double _Complex *reference;
  double           diff = 0, norm = 0;

  simulation_grid_defaults(&grid);
  grid.cell[0] = grid.cell[1] = 6.4;
  grid.cell[2]                = 6;
  grid.requested_sampling     = 0.1;
  grid.slice_thickness        = 2;
  grid.beam_tilt[0]           = 3;
  grid.beam_tilt[1]           = -5; /* mrad: the tilt term is compared too */
  UNIT_CALL(simulation_grid_setup(&grid, NULL, 0));
  UNIT_CALL(PetscCalloc2(n * n_slices, &potentials, n, &reference));
  UNIT_CALL(potential_tables_create(&grid, NULL, 79, &tables));
  PetscCallAbort(PETSC_COMM_SELF, potential_tables_destroy(&tables));
  {
    AtomList *atoms;
    UNIT_CALL(atom_list_create(5, &atoms));
    for (int i = 0; i < 5; i++) UNIT_CALL(atom_list_append(atoms, position[i], z[i], 0, ATOM_CLASS_OTHER));
    UNIT_CALL(potential_tables_create(&grid, atoms, 0, &tables));
    UNIT_CALL(atom_list_destroy(&atoms));
  }
  for (PetscInt s = 0; s < n_slices; s++)
    UNIT_CALL(potential_slice_add(tables, 5 - s, position + s, z + s, NULL, 0, 64, potentials + s * n));
  UNIT_CALL(multislice_ref(&grid, n_slices, potentials, reference));
  UNIT_CALL(multislice_create(&grid, &ms));
  multislice_plane_wave(ms, wave);
  for (PetscInt s = 0; s < n_slices; s++) {
    UNIT_CALL(multislice_transmission(ms, potentials + s * n, t));
    UNIT_CALL(multislice_step(ms, t, wave));
  }
  for (PetscInt i = 0; i < n; i++) {
    diff += pow(cabs((double _Complex)wave[i] - reference[i]), 2);
    norm += pow(cabs(reference[i]), 2);
  }
  printf("# FFTW vs DFT reference multislice, relative L2: %.3e\n", sqrt(diff / norm));
  UNIT_CHECK(sqrt(diff / norm) < 1e-5, "FFTW multislice differs from the DFT reference by %.3e", sqrt(diff / norm));
  /* The specimen must actually scatter, or the comparison proves nothing. */
  double scattered = 0;
  for (PetscInt i = 0; i < n; i++) scattered += pow(cabs(reference[i] - 1.0), 2);
  UNIT_CHECK(sqrt(scattered / n) > 0.1, "specimen too weak (rms change %.3e)", sqrt(scattered / n));
  fftwf_free(wave);
  fftwf_free(t);
  UNIT_CALL(PetscFree2(potentials, reference));
  UNIT_CALL(potential_tables_destroy(&tables));
  UNIT_CALL(multislice_destroy(&ms));
}

/* The fused per-slice path (potential_slice_add_unshifted + multislice_slice: shift folded into
 * exp(iσ(v + shift)), exp applied in the wave pass when t is not band-limited, disk-span
 * multiplies) gives exactly the bits of the separate calls, in both transmission modes and for an
 * empty slice; and the unshifted potential plus its shift is bitwise potential_slice_add. */
static void test_fused_slice_matches_separate_calls(void)
{
  SimulationGrid   grid;
  PotentialTables *tables;
  Multislice      *ms;
  AtomList        *atoms;
  const PetscInt   n              = 64 * 64;
  const double     position[4][3] = {{1.1, 2.2, 0}, {4.3, 5.1, 0}, {2.9, 0.4, 0}, {5.5, 5.9, 0}};
  const int        z[4]           = {79, 6, 79, 29};
  float           *shifted = fftwf_alloc_real(n), *unshifted = fftwf_alloc_real(n), shift = 0;
  float _Complex  *a = fftwf_alloc_complex(n), *b = fftwf_alloc_complex(n), *t = fftwf_alloc_complex(n);

  simulation_grid_defaults(&grid);
  grid.cell[0] = grid.cell[1] = 6.4;
  grid.cell[2]                = 6;
  grid.requested_sampling     = 0.1;
  grid.beam_tilt[0]           = 2;
  UNIT_CALL(simulation_grid_setup(&grid, NULL, 0));
  UNIT_CALL(atom_list_create(4, &atoms));
  for (int i = 0; i < 4; i++) UNIT_CALL(atom_list_append(atoms, position[i], z[i], 0, ATOM_CLASS_OTHER));
  UNIT_CALL(potential_tables_create(&grid, atoms, 0, &tables));
  memset(shifted, 0, sizeof(float) * n);
  memset(unshifted, 0, sizeof(float) * n);
  UNIT_CALL(potential_slice_add(tables, 4, position, z, NULL, 0, 64, shifted));
  UNIT_CALL(potential_slice_add_unshifted(tables, 4, position, z, NULL, 0, 64, unshifted, &shift));
  UNIT_CHECK(shift != 0.0f, "no deferred shift: the test would not test the folding");
  int same = 1;
  for (PetscInt i = 0; i < n; i++) same &= (unshifted[i] + shift == shifted[i]);
  UNIT_CHECK(same, "unshifted potential + shift differs from potential_slice_add");
  for (int mode = 0; mode < 2; mode++) {
    grid.transmission_band_limit = mode ? PETSC_FALSE : PETSC_TRUE;
    UNIT_CALL(multislice_create(&grid, &ms));
    multislice_plane_wave(ms, a);
    multislice_plane_wave(ms, b);
    for (int s = 0; s < 3; s++) {
      UNIT_CALL(multislice_transmission(ms, shifted, t));
      UNIT_CALL(multislice_step(ms, t, a));
      UNIT_CALL(multislice_slice(ms, unshifted, shift, b));
    }
    for (PetscInt i = 0; i < n; i++) t[i] = 1.0f; /* an empty slice */
    UNIT_CALL(multislice_step(ms, t, a));
    UNIT_CALL(multislice_slice(ms, NULL, 0.0f, b));
    UNIT_CHECK(memcmp(a, b, sizeof(float _Complex) * n) == 0, "mode %d: fused slice differs from transmission + step",
               mode);
    UNIT_CALL(multislice_destroy(&ms));
  }
  UNIT_CALL(potential_tables_destroy(&tables));
  UNIT_CALL(atom_list_destroy(&atoms));
  fftwf_free(shifted);
  fftwf_free(unshifted);
  fftwf_free(a);
  fftwf_free(b);
  fftwf_free(t);
}

static void test_gold_001_spots_on_reciprocal_lattice(void)
{
  SimulationGrid grid;
  AtomList      *gold;
  ExitWaves     *ew;
  const int      cells = 3;

  build_gold(cells, 3, 0, &gold);
  simulation_grid_defaults(&grid);
  /* 120 px over 3 cells: the grid is commensurate with the lattice, so even the aliases of the
   * transmission function land on lattice points and the dark pixels are dark to rounding. */
  grid.requested_sampling = cells * 4.0782 / 120;
  grid.slice_thickness    = 4.0782 / 2;
  UNIT_CALL(simulation_grid_setup(&grid, gold, 0));
  UNIT_CALL(exit_waves_compute(&grid, gold, 0, 1, 0, &ew));
  const PetscInt nx = ew->nx, ny = ew->ny;
  fftwf_complex *f    = fftwf_alloc_complex((size_t)(nx * ny));
  fftwf_plan     plan = fftwf_plan_dft_2d((int)ny, (int)nx, f, f, FFTW_FORWARD, FFTW_ESTIMATE);
  memcpy(f, ew->wave, sizeof(fftwf_complex) * (size_t)(nx * ny));
  fftwf_execute(plan);
  /* The 2-D beams of fcc along [001] are (h, k)/a with h + k even (the projections of the
   * allowed hkl, all even or all odd; the (110)-type beams come from the first Laue zone):
   * FFT indices (cells·h, cells·k). Every other index must be dark. */
  double on = 0, off = 0, spot_200 = 0, spot_110 = 0;
  for (PetscInt q = 0; q < ny; q++)
    for (PetscInt p = 0; p < nx; p++) {
      PetscInt h = p < nx / 2 ? p : p - nx, k = q < ny / 2 ? q : q - ny;
      double   intensity = pow(cabsf(f[q * nx + p]), 2) / ((double)nx * ny * nx * ny);
      if (h % cells == 0 && k % cells == 0 && ((h + k) / cells) % 2 == 0)
        on += intensity;
      else
        off += intensity;
      if (h == 2 * cells && k == 0) spot_200 = intensity;
      if (h == cells && k == cells) spot_110 = intensity;
    }
  printf("# Au [001]: on lattice %.6f, off lattice %.3e, (200) %.4f, (110) %.3e\n", on, off, spot_200, spot_110);
  UNIT_CHECK(off < 1e-8 * on, "intensity off the reciprocal lattice: %.3e (on %.3e)", off, on);
  UNIT_CHECK(spot_200 > 1e-3, "the (200) spot must be strong, got %.3e", spot_200);
  fftwf_destroy_plan(plan);
  fftwf_free(f);
  UNIT_CALL(exit_waves_destroy(&ew));
  UNIT_CALL(atom_list_destroy(&gold));
}

static void test_phonons_reproducible_and_distinct(void)
{
  SimulationGrid grid;
  AtomList      *gold;
  ExitWaves     *a, *b, *c;

  build_gold(2, 2, 0.085f, &gold);
  simulation_grid_defaults(&grid);
  grid.requested_sampling = 0.1;
  grid.slice_thickness    = 2;
  UNIT_CALL(simulation_grid_setup(&grid, gold, 0));
  UNIT_CALL(exit_waves_compute(&grid, gold, 2, 42, 7, &a));
  UNIT_CALL(exit_waves_compute(&grid, gold, 2, 42, 7, &b));
  UNIT_CALL(exit_waves_compute(&grid, gold, 1, 42, 7, &c));
  const size_t n = (size_t)(a->nx * a->ny);
  UNIT_CHECK(a->n_configs == 2 && c->n_configs == 1, "configs %d, %d", (int)a->n_configs, (int)c->n_configs);
  UNIT_CHECK(memcmp(a->wave, b->wave, 2 * n * sizeof(float _Complex)) == 0,
             "same seed must give the same waves bit for bit");
  UNIT_CHECK(memcmp(a->wave, c->wave, n * sizeof(float _Complex)) == 0,
             "configuration 0 must not depend on how many are computed");
  double diff = 0;
  for (size_t i = 0; i < n; i++) diff += pow(cabsf(a->wave[i] - a->wave[n + i]), 2);
  UNIT_CHECK(sqrt(diff / n) > 1e-3, "configurations 0 and 1 must differ (rms %.3e)", sqrt(diff / n));
  UNIT_CALL(exit_waves_destroy(&c));
  UNIT_CALL(exit_waves_compute(&grid, gold, 1, 43, 7, &c));
  UNIT_CHECK(memcmp(a->wave, c->wave, n * sizeof(float _Complex)) != 0, "another seed must give another configuration");
  UNIT_CALL(exit_waves_destroy(&a));
  UNIT_CALL(exit_waves_destroy(&b));
  UNIT_CALL(exit_waves_destroy(&c));
  UNIT_CALL(atom_list_destroy(&gold));
}

static void test_grid_rejects_bad_input(void)
{
  SimulationGrid grid;
  AtomList      *gold;

  build_gold(2, 2, 0, &gold);
  simulation_grid_defaults(&grid);
  grid.cell[0] = 20;
  grid.cell[1] = 20;
  grid.cell[2] = 0;                                       /* a zero z length: zero slices */
  UNIT_CALL_FAILS(simulation_grid_setup(&grid, gold, 0)); /* zero slices */
  grid.cell[0] = 5;
  grid.cell[2] = 20;
  UNIT_CALL_FAILS(simulation_grid_setup(&grid, gold, 0)); /* cell smaller than 8.2 Å of gold */
  grid.cell[0]            = 20;
  grid.requested_sampling = 0.5;
  UNIT_CALL_FAILS(simulation_grid_setup(&grid, gold, 30)); /* 0.5 Å at 300 kV carries ~13 mrad */
  UNIT_CALL(simulation_grid_setup(&grid, gold, 10));
  UNIT_CHECK_RELATIVE(simulation_grid_max_angle(&grid), 1e3 * grid.wavelength * (2.0 / 3.0) / (2.0 * grid.sampling[0]),
                      1e-12);
  UNIT_CHECK(grid.nx == 40 && grid.n_slices == 20, "grid %d, slices %d", (int)grid.nx, (int)grid.n_slices);
  UNIT_CALL(atom_list_destroy(&gold));
}

/* A beam tilted by θx moves the wave towards +x by Δz·tan θx per slice: after 50 slices of 2 Å
 * at tan θx = 0.002 the tilted exit wave is the untilted one rolled by 2 pixels (0.2 Å). */
static void test_beam_tilt_shifts_wave(void)
{
  SimulationGrid grid;
  AtomList      *atoms;
  ExitWaves     *straight, *tilted;
  const double   r[3]  = {3.3, 3.1, 0.5};
  double         worst = 0, change = 0;

  simulation_grid_defaults(&grid);
  grid.cell[0]            = 6.4;
  grid.cell[1]            = 6.4;
  grid.cell[2]            = 100;
  grid.requested_sampling = 0.1;
  grid.slice_thickness    = 2;
  UNIT_CALL(atom_list_create(1, &atoms));
  UNIT_CALL(atom_list_append(atoms, r, 79, 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(simulation_grid_setup(&grid, atoms, 0));
  UNIT_CALL(exit_waves_compute(&grid, atoms, 0, 1, 0, &straight));
  grid.beam_tilt[0] = 1e3 * atan(0.002);
  UNIT_CALL(exit_waves_compute(&grid, atoms, 0, 1, 0, &tilted));
  const PetscInt nx = grid.nx, ny = grid.ny;
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      float _Complex expected = straight->wave[j * nx + (i - 2 + nx) % nx];
      worst                   = PetscMax(worst, cabsf(tilted->wave[j * nx + i] - expected));
      change                  = PetscMax(change, cabsf(tilted->wave[j * nx + i] - straight->wave[j * nx + i]));
    }
  UNIT_CHECK(worst < 1e-4, "tilted wave is not the straight one moved by +2 px (max difference %.3e)", worst);
  UNIT_CHECK(change > 1e-2, "the tilt changed nothing (max change %.3e)", change);
  UNIT_CALL(exit_waves_destroy(&straight));
  UNIT_CALL(exit_waves_destroy(&tilted));
  UNIT_CALL(atom_list_destroy(&atoms));
}

/* -fftw_wisdom: the plans' wisdom is written (atomically) and read back by the next planner. */
static void test_wisdom_file(void)
{
  SimulationGrid grid;
  Multislice    *ms;
  char           path[PETSC_MAX_PATH_LEN], head[16] = {0};

  simulation_grid_defaults(&grid);
  grid.cell[0]            = 4.8;
  grid.cell[1]            = 6.0;
  grid.cell[2]            = 2;
  grid.requested_sampling = 0.1;
  PetscCallAbort(PETSC_COMM_SELF, PetscSNPrintf(path, sizeof path, "/tmp/nanoforge-wisdom-%d", (int)getpid()));
  PetscCallAbort(PETSC_COMM_SELF, PetscStrncpy(grid.fftw_wisdom, path, sizeof grid.fftw_wisdom));
  UNIT_CALL(simulation_grid_setup(&grid, NULL, 0));
  UNIT_CALL(multislice_create(&grid, &ms));
  UNIT_CALL(multislice_destroy(&ms));
  FILE *file = fopen(path, "r");
  UNIT_CHECK(file != NULL, "no wisdom file written to %s", path);
  if (file) {
    UNIT_CHECK(fread(head, 1, 10, file) == 10 && strncmp(head, "(fftw-3", 7) == 0, "wisdom file starts with '%s'",
               head);
    fclose(file);
  }
  fftwf_forget_wisdom();
  UNIT_CALL(multislice_create(&grid, &ms)); /* imports it */
  UNIT_CALL(multislice_destroy(&ms));
  remove(path);
}

static PetscErrorCode read_grid_options(SimulationGrid *grid)
{
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_SELF, NULL, "grid", NULL);
  PetscCall(simulation_grid_options_read(PetscOptionsObject, grid));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static void test_grid_options(void)
{
  SimulationGrid grid;

  simulation_grid_defaults(&grid);
  UNIT_CALL(PetscOptionsSetValue(NULL, "-cell", "20,30,10"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-sampling", "0.1"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-slice_thickness", "2"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-voltage", "200"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-fp_configs", "4"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-beam_tilt", "1.5,-2"));
  UNIT_CALL(read_grid_options(&grid));
  UNIT_CALL(simulation_grid_setup(&grid, NULL, 0));
  UNIT_CHECK(grid.nx == 200 && grid.ny == 300 && grid.n_slices == 5 && grid.fp_configs == 4,
             "grid %d x %d, %d slices, %d configs", (int)grid.nx, (int)grid.ny, (int)grid.n_slices,
             (int)grid.fp_configs);
  UNIT_CHECK(grid.beam_tilt[0] == 1.5 && grid.beam_tilt[1] == -2 && grid.voltage == 200, "tilt %g,%g voltage %g",
             grid.beam_tilt[0], grid.beam_tilt[1], grid.voltage);
  UNIT_CALL(PetscOptionsSetValue(NULL, "-cell", "20,30,0"));
  UNIT_CALL_FAILS(read_grid_options(&grid)); /* zero slices */
  UNIT_CALL(PetscOptionsSetValue(NULL, "-cell", "20,30,10"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-slice_thickness", "-1"));
  UNIT_CALL_FAILS(read_grid_options(&grid));
  UNIT_CALL(PetscOptionsClear(NULL));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  PetscCall(timing_register_events());
  UNIT_RUN(test_free_space_keeps_plane_wave);
  UNIT_RUN(test_intensity_conserved_thick_specimen);
  UNIT_RUN(test_reference_dft_agrees_with_fftw);
  UNIT_RUN(test_fused_slice_matches_separate_calls);
  UNIT_RUN(test_gold_001_spots_on_reciprocal_lattice);
  UNIT_RUN(test_phonons_reproducible_and_distinct);
  UNIT_RUN(test_grid_rejects_bad_input);
  UNIT_RUN(test_grid_options);
  UNIT_RUN(test_beam_tilt_shifts_wave);
  UNIT_RUN(test_wisdom_file);
  return UNIT_END();
}
