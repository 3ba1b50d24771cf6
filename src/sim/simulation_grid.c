/* simulation_grid.c — options and set-up of the multislice sampling. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <complex.h>
#include <fftw3.h>
#include "sim/electron.h"
#include "core/error_check.h"
#include "core/checked_size.h"
#include "core/options.h"
#include "sim/simulation_grid.h"

void simulation_grid_defaults(SimulationGrid *grid)
{
  memset(grid, 0, sizeof(*grid));
  grid->requested_sampling      = 0.05;
  grid->slice_thickness         = 1.0;
  grid->voltage                 = 300.0;
  grid->band_limit              = SIMULATION_BAND_LIMIT;
  grid->transmission_band_limit = PETSC_TRUE;
}

/* FFTW planner rigor of every simulator plan (-fftw_planning): FFTW_MEASURE, _PATIENT or _EXHAUSTIVE. */
static unsigned fft_rigor = FFTW_MEASURE;

PetscErrorCode simulation_fft_planning_options_read(PetscOptionItems *PetscOptionsObject)
{
  char rigor[32];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(rigor,
                         fft_rigor == FFTW_EXHAUSTIVE ? "exhaustive"
                         : fft_rigor == FFTW_PATIENT  ? "patient"
                                                      : "measure",
                         sizeof rigor));
  PetscCall(PetscOptionsString(
    "-fftw_planning",
    "FFTW planner rigor for every simulator plan: measure, patient (slow planning once per size and host, kept in the wisdom; faster FFTs, docs/performance.md) or exhaustive",
    "simulation_grid_options_read", rigor, rigor, sizeof rigor, NULL));
  if (!strcmp(rigor, "measure"))
    fft_rigor = FFTW_MEASURE;
  else if (!strcmp(rigor, "patient"))
    fft_rigor = FFTW_PATIENT;
  else if (!strcmp(rigor, "exhaustive"))
    fft_rigor = FFTW_EXHAUSTIVE;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-fftw_planning %s: allowed measure, patient, exhaustive", rigor);
  PetscFunctionReturn(0);
}

PetscErrorCode simulation_grid_options_read(PetscOptionItems *PetscOptionsObject, SimulationGrid *grid)
{
  PetscInt  n_cell = 3, n_tilt = 2;
  PetscReal cell[3] = {grid->cell[0], grid->cell[1], grid->cell[2]};
  PetscReal tilt[2] = {grid->beam_tilt[0], grid->beam_tilt[1]};
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsRealArray(
    "-cell",
    "Simulation cell lengths x,y,z [Å] (default: the structure's cell); allowed: > 0, at most 16384 grid pixels per side at -sampling and 1e6 slices",
    "simulation_grid_options_read", cell, &n_cell, &set));
  if (set) {
    PetscCheck(n_cell == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "-cell needs three lengths x,y,z [Å], got %" PetscInt_FMT, n_cell);
    for (int d = 0; d < 3; d++) {
      PetscCheck(cell[d] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "-cell length %d is %g Å; lengths must be > 0 (a zero z length gives zero slices)", d + 1,
                 (double)cell[d]);
      grid->cell[d] = cell[d];
    }
  }
  PetscCall(PetscOptionsReal(
    "-sampling",
    "Pixel size of the simulation grid [Å/px] (upper bound; the grid is rounded up to an FFT-friendly size); allowed: (0, 10)",
    "simulation_grid_options_read", grid->requested_sampling, &grid->requested_sampling, NULL));
  PetscCheck(grid->requested_sampling > 0 && grid->requested_sampling < 10, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-sampling %g Å/px: allowed (0, 10)", grid->requested_sampling);
  PetscCall(PetscOptionsReal("-slice_thickness", "Multislice slice thickness [Å]; allowed: > 0",
                             "simulation_grid_options_read", grid->slice_thickness, &grid->slice_thickness, NULL));
  PetscCheck(grid->slice_thickness > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-slice_thickness %g Å: must be > 0 (zero slices)", grid->slice_thickness);
  PetscCall(PetscOptionsReal("-voltage", "Accelerating voltage [kV]; allowed: [1, 5000]",
                             "simulation_grid_options_read", grid->voltage, &grid->voltage, NULL));
  PetscCheck(grid->voltage >= 1 && grid->voltage <= 5000, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-voltage %g kV: allowed [1, 5000]", grid->voltage);
  PetscCall(options_integer(PetscOptionsObject, "-fp_configs", "Frozen-phonon configurations (0 = static lattice)", 0,
                            10000, &grid->fp_configs, NULL));
  PetscCheck(grid->fp_configs >= 0 && grid->fp_configs <= 10000, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-fp_configs %" PetscInt_FMT ": allowed 0 (static lattice) to 10000", grid->fp_configs);
  PetscCall(
    PetscOptionsRealArray("-beam_tilt", "Beam tilt x,y [mrad]", "simulation_grid_options_read", tilt, &n_tilt, &set));
  if (set) {
    PetscCheck(n_tilt == 2, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "-beam_tilt needs two angles x,y [mrad], got %" PetscInt_FMT, n_tilt);
    for (int d = 0; d < 2; d++) {
      PetscCheck(fabs(tilt[d]) <= 200, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-beam_tilt %g mrad: allowed [-200, 200]",
                 (double)tilt[d]);
      grid->beam_tilt[d] = tilt[d];
    }
  }
  PetscCall(PetscOptionsBool(
    "-transmission_band_limit",
    "Band-limit the transmission function exp(i sigma v) to 2/3 of Nyquist (one more FFT pair per slice)",
    "simulation_grid_options_read", grid->transmission_band_limit, &grid->transmission_band_limit, NULL));
  PetscCall(simulation_fft_planning_options_read(PetscOptionsObject));
  PetscCall(PetscOptionsString(
    "-fftw_wisdom",
    "FFTW wisdom file: imported before planning, exported after (none = no file; simulate, and a new campaign besides DB.h5.fftw_wisdom, use ${XDG_CACHE_HOME:-$HOME/.cache}/nanoforge/fftw-wisdom-HOST)",
    "simulation_grid_options_read", grid->fftw_wisdom, grid->fftw_wisdom, sizeof(grid->fftw_wisdom), NULL));
  PetscFunctionReturn(0);
}

/* Smallest n >= minimum whose only prime factors are 2, 3, 5, 7: FFTW's fast sizes. */
static PetscInt fft_friendly_size(PetscInt minimum)
{
  for (PetscInt n = minimum < 2 ? 2 : minimum;; n++) {
    PetscInt  m         = n;
    const int primes[4] = {2, 3, 5, 7};
    for (int p = 0; p < 4; p++)
      while (m % primes[p] == 0) m /= primes[p];
    if (m == 1) return n;
  }
}

double simulation_grid_max_angle(const SimulationGrid *grid)
{
  double coarsest = PetscMax(grid->sampling[0], grid->sampling[1]);
  return 1e3 * grid->wavelength * grid->band_limit / (2.0 * coarsest);
}

PetscErrorCode simulation_grid_setup(SimulationGrid *grid, const AtomList *atoms, double required_angle)
{
  PetscFunctionBeginUser;
  if (grid->band_limit <= 0) grid->band_limit = SIMULATION_BAND_LIMIT;
  if (grid->cell[0] <= 0 && grid->cell[1] <= 0 && grid->cell[2] <= 0) {
    PetscCheck(atoms, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "no -cell given and no structure to take a cell from");
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        PetscCheck(a == b || fabs(atoms->cell[a][b]) < 1e-9, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                   "the structure's cell is not orthogonal; give -cell x,y,z [Å]");
    for (int d = 0; d < 3; d++) grid->cell[d] = atoms->cell[d][d];
    PetscCheck(grid->cell[0] > 0 && grid->cell[1] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "no -cell given and the structure has no cell; give -cell x,y,z [Å]");
  }
  PetscCheck(grid->cell[2] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cell z length %g Å gives zero slices; give -cell x,y,z with z > 0", grid->cell[2]);
  PetscCheck(grid->slice_thickness > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-slice_thickness %g Å gives zero slices; must be > 0", grid->slice_thickness);
  PetscCheck(grid->cell[2] / grid->slice_thickness <= 1e6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cell z %g Å at -slice_thickness %g Å gives %.4g slices; allowed: at most 1e6 slices", grid->cell[2],
             grid->slice_thickness, grid->cell[2] / grid->slice_thickness);
  grid->n_slices = (PetscInt)ceil(grid->cell[2] / grid->slice_thickness - 1e-9);
  PetscCheck(grid->n_slices >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "zero slices: cell z %g Å, -slice_thickness %g Å", grid->cell[2], grid->slice_thickness);
  PetscCheck(grid->requested_sampling > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-sampling %g Å/px must be > 0",
             grid->requested_sampling);
  /* Checked in double before the cast: a huge -cell would wrap a PetscInt (or loop for ever). */
  const double wanted[2] = {ceil(grid->cell[0] / grid->requested_sampling - 1e-9),
                            ceil(grid->cell[1] / grid->requested_sampling - 1e-9)};
  PetscCheck(
    wanted[0] <= 16384 && wanted[1] <= 16384, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "-cell %g x %g Å at -sampling %g Å/px needs a grid of %.4g x %.4g px; allowed: at most 16384 px per side (enlarge -sampling or shrink -cell)",
    grid->cell[0], grid->cell[1], grid->requested_sampling, wanted[0], wanted[1]);
  grid->nx = fft_friendly_size((PetscInt)ceil(grid->cell[0] / grid->requested_sampling - 1e-9));
  grid->ny = fft_friendly_size((PetscInt)ceil(grid->cell[1] / grid->requested_sampling - 1e-9));
  PetscCheck(grid->nx <= 16384 && grid->ny <= 16384, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "grid %" PetscInt_FMT " x %" PetscInt_FMT
             " px (cell %g x %g Å at -sampling %g Å/px) exceeds 16384 px per side",
             grid->nx, grid->ny, grid->cell[0], grid->cell[1], grid->requested_sampling);
  grid->sampling[0]          = grid->cell[0] / (double)grid->nx;
  grid->sampling[1]          = grid->cell[1] / (double)grid->ny;
  grid->wavelength           = electron_wavelength(grid->voltage);
  grid->interaction_constant = electron_interaction_constant(grid->voltage);
  if (atoms && atoms->n > 0) {
    double     lowest[3], highest[3];
    const char axis[3] = {'x', 'y', 'z'};
    atom_list_bounds(atoms, lowest, highest);
    for (int d = 0; d < 3; d++)
      PetscCheck(highest[d] - lowest[d] <= grid->cell[d] + 1e-6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "the cell (%g Å along %c) is smaller than the structure (%g Å along %c); enlarge -cell", grid->cell[d],
                 axis[d], highest[d] - lowest[d], axis[d]);
  }
  if (required_angle > 0) {
    double allowed = simulation_grid_max_angle(grid);
    PetscCheck(
      required_angle <= allowed, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "-sampling %g Å/px is too coarse at %g kV: the band-limited grid (2/3 of Nyquist) carries scattering angles up to %.3g mrad, but %.3g mrad are needed; use -sampling <= %.3g",
      grid->requested_sampling, grid->voltage, allowed, required_angle,
      grid->requested_sampling * allowed / required_angle);
  }
  PetscFunctionReturn(0);
}

static int wisdom_disabled(const char *path) { return !path || !path[0] || strcmp(path, "none") == 0; }

static FftPlanning fft_planning = FFT_PLANNING_MEASURE;

void     simulation_fft_planning_set(FftPlanning planning) { fft_planning = planning; }
unsigned simulation_fft_planning_flags(void)
{
  return fft_planning == FFT_PLANNING_MEASURE ? fft_rigor : fft_rigor | FFTW_WISDOM_ONLY;
}
PetscBool simulation_fft_planning_wisdom_only(void)
{
  return fft_planning == FFT_PLANNING_WISDOM_OR_ESTIMATE ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode simulation_grid_wisdom_import(const char *path)
{
  PetscFunctionBeginUser;
  if (!wisdom_disabled(path)) (void)fftwf_import_wisdom_from_filename(path);
  PetscFunctionReturn(0);
}

PetscErrorCode simulation_grid_wisdom_export(const char *path)
{
  char  *wisdom, *old = NULL, temporary[PETSC_MAX_PATH_LEN + 32];
  FILE  *file;
  size_t length;

  PetscFunctionBeginUser;
  if (wisdom_disabled(path)) PetscFunctionReturn(0);
  wisdom = fftwf_export_wisdom_to_string();
  PetscCheck(wisdom, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not export its wisdom for -fftw_wisdom '%s'", path);
  length = strlen(wisdom);
  if ((file = fopen(path, "rb"))) {
    old        = malloc(length + 2);
    size_t got = old ? fread(old, 1, length + 1, file) : 0;
    fclose(file);
    if (old && got == length && memcmp(old, wisdom, length) == 0) {
      free(old);
      free(wisdom);
      PetscFunctionReturn(0);
    }
    free(old);
  }
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp.%d", path, (int)getpid()));
  file = fopen(temporary, "wb");
  if (!file) free(wisdom);
  PetscCheckPointerErrno(file, "cannot write -fftw_wisdom", temporary);
  size_t written = fwrite(wisdom, 1, length, file);
  int    closed  = fclose(file);
  free(wisdom);
  if (written != length || closed != 0) (void)remove(temporary);
  PetscCheck(written == length && closed == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "could not write FFTW wisdom to '%s' (disk full?)", temporary);
  PetscCallErrno(rename(temporary, path), "cannot rename the FFTW wisdom into -fftw_wisdom", path);
  PetscFunctionReturn(0);
}

/* mkdir -p: make every missing folder of `folder` (mode 0755). 0 on success. */
static int make_folders(char *folder)
{
  for (char *slash = folder + 1; *slash; slash++) {
    if (*slash != '/') continue;
    *slash  = 0;
    int bad = mkdir(folder, 0755) != 0 && errno != EEXIST;
    *slash  = '/';
    if (bad) return -1;
  }
  return mkdir(folder, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

PetscErrorCode simulation_grid_wisdom_default(SimulationGrid *grid)
{
  const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  char        folder[PETSC_MAX_PATH_LEN], host[256];

  PetscFunctionBeginUser;
  if (strcmp(grid->fftw_wisdom, "none") == 0) {
    grid->fftw_wisdom[0] = 0;
    PetscFunctionReturn(0);
  }
  if (grid->fftw_wisdom[0]) PetscFunctionReturn(0);
  /* XDG base-directory rule: a relative XDG_CACHE_HOME is invalid and ignored. */
  if (cache && cache[0] == '/')
    PetscCall(PetscSNPrintf(folder, sizeof folder, "%s/nanoforge", cache));
  else if (home && home[0])
    PetscCall(PetscSNPrintf(folder, sizeof folder, "%s/.cache/nanoforge", home));
  else {
    (void)fprintf(
      stderr,
      "warning: neither XDG_CACHE_HOME nor HOME is set: no FFTW wisdom cache (give -fftw_wisdom FILE for bit-identical reruns)\n");
    PetscFunctionReturn(0);
  }
  if (make_folders(folder) != 0) {
    (void)fprintf(
      stderr,
      "warning: cannot create the FFTW wisdom cache folder '%s' (%s): no cache (give -fftw_wisdom FILE for bit-identical reruns)\n",
      folder, strerror(errno));
    PetscFunctionReturn(0);
  }
  if (gethostname(host, sizeof host) != 0) PetscCall(PetscStrncpy(host, "localhost", sizeof host));
  host[sizeof host - 1] = 0;
  for (char *c = host; *c; c++)
    if (*c == '/') *c = '_';
  PetscCall(PetscSNPrintf(grid->fftw_wisdom, sizeof grid->fftw_wisdom, "%s/fftw-wisdom-%s", folder, host));
  PetscFunctionReturn(0);
}

double simulation_memory_estimate(const SimulationGrid *grid, PetscInt64 n_images, PetscInt64 image_pixels,
                                  PetscBool keep_exit_waves)
{
  const double n = (double)grid->nx * (double)grid->ny;
  const double k = (double)PetscMax(grid->fp_configs, 1);
  /* Peak while a unit's exit waves are computed, the lens and intensity of the previous unit
   * still held: exit waves 8nk, multislice work + propagator + transmission 24n, band-limit mask
   * and potential 8n; lens work + transfer 16n and its Fourier-space waves 8nk; intensity 4n;
   * detector resampling and the mask's distance fields (image-sized, at most grid-sized) 16n;
   * FFTW plans' and HDF5's own buffers about 8n. Measured peak resident sizes (docs/clusters.md):
   * campaign 640² and 1280² with 2 configurations 0.98 and 1.02 of this; simulate 1.3-1.5. */
  double bytes = n * (76.0 + 16.0 * k);
  if (keep_exit_waves) bytes += 16.0 * n * k;             /* the kept waves and their database buffer */
  bytes += (double)n_images * (double)image_pixels * 5.0; /* float images + byte masks of the unit */
  return bytes + SIMULATION_BASELINE_BYTES;
}

PetscErrorCode simulation_memory_check(const char *what, double bytes)
{
  size_t limit;
  PetscFunctionBeginUser;
  PetscCall(memory_limit_bytes(&limit));
  PetscCheck(
    bytes <= (double)limit, PETSC_COMM_SELF, PETSC_ERR_MEM,
    "%s needs an estimated %.3g GB per rank, more than the memory limit of %.3g GB (-memory_limit; default the machine's memory): use a coarser -sampling, a smaller -cell or fewer -fp_configs",
    what, bytes / 1e9, (double)limit / 1e9);
  PetscFunctionReturn(0);
}
