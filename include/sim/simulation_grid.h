/* simulation_grid.h — the sampling of one multislice simulation: a periodic cell of
 * nx × ny pixels in x, y, cut into slices along the beam (+z).
 *
 * Options (read by simulation_grid_options_read inside the caller's PetscOptionsBegin/End):
 *   -cell x,y,z          cell lengths [Å]; when not given, the structure's own cell is used
 *   -sampling s          requested pixel size [Å/px]; the grid size is rounded UP to an
 *                        FFT-friendly size (2^a 3^b 5^c 7^d), so the actual pixel size
 *                        cell/n is at most s
 *   -slice_thickness t   [Å]; the number of slices is ceil(cell z / t)
 *   -voltage V           accelerating voltage [kV]
 *   -fp_configs N        frozen-phonon configurations (0 = static lattice, one wave)
 *   -beam_tilt x,y       beam tilt [mrad] (applied in the propagator, Ishizuka 1982)
 *   -fftw_wisdom FILE    FFTW wisdom file to import before and export after planning; `none` = no
 *                        file. `nanoforge simulate` defaults to a per-host cache (see
 *                        simulation_grid_wisdom_default), so runs with the same seed give the same bits
 *   -transmission_band_limit true|false   band-limit the transmission function by an FFT pair per
 *                        slice (default true, the textbook anti-aliasing; false is ~2x faster and
 *                        leaves only the propagator's 2/3 mask, see docs/physics-multislice.md)
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"

/* Fraction of the Nyquist frequency kept by the multislice (anti-aliasing, Kirkland 2010 §6.8). */
#define SIMULATION_BAND_LIMIT (2.0 / 3.0)

typedef struct {
  PetscInt  nx, ny;                          /* grid size [px]; set by simulation_grid_setup */
  double    cell[3];                         /* cell lengths along x, y, z [Å] (all 0 = take from the structure) */
  double    requested_sampling;              /* -sampling [Å/px] */
  double    sampling[2];                     /* actual pixel size cell/n along x, y [Å/px]; set by setup */
  double    slice_thickness;                 /* nominal slice thickness [Å] */
  PetscInt  n_slices;                        /* ceil(cell z / slice_thickness); set by setup */
  double    voltage;                         /* accelerating voltage [kV] */
  double    wavelength;                      /* relativistic wavelength [Å]; set by setup */
  double    interaction_constant;            /* σ [rad/(V·Å)]; set by setup */
  double    band_limit;                      /* fraction of Nyquist kept (SIMULATION_BAND_LIMIT); >= √2 turns the
                                 band limit off (tests of unitarity only: aliasing is then unchecked) */
  double    beam_tilt[2];                    /* beam tilt x, y [mrad] */
  PetscBool transmission_band_limit;         /* band-limit exp(iσv) itself (one more FFT pair per slice);
                                 -transmission_band_limit, default true */
  PetscInt  fp_configs;                      /* frozen-phonon configurations; 0 = static lattice */
  char      fftw_wisdom[PETSC_MAX_PATH_LEN]; /* wisdom file; "" or "none" = none */
} SimulationGrid;

/* Defaults: no cell, sampling 0.05 Å, slices 1 Å, 300 kV, no tilt, static lattice, no wisdom. */
void simulation_grid_defaults(SimulationGrid *grid);

/* Read -cell -sampling -slice_thickness -voltage -fp_configs -beam_tilt -fftw_wisdom
 * inside the caller's PetscOptionsBegin/End. Checks each value's range (names the option). */
PetscErrorCode simulation_grid_options_read(PetscOptionItems *PetscOptionsObject, SimulationGrid *grid);

/* Fix the grid for a structure: cell (from -cell, else the atoms' cell), nx, ny, actual sampling,
 * n_slices, wavelength, σ. Errors (PETSC_ERR_USER_INPUT): zero slices; a cell smaller than
 * the structure (an atom outside [0, cell] along x, y or z); a grid too coarse:
 * `required_angle` [mrad] (e.g. the objective aperture; <= 0 skips the check) above the largest
 * angle the band-limited grid carries, λ · (2/3) · 1/(2 · sampling), which the message names.
 * `atoms` may be NULL (no structure checks). */
PetscErrorCode simulation_grid_setup(SimulationGrid *grid, const AtomList *atoms, double required_angle);

/* Largest scattering angle [mrad] carried by the band-limited grid (set up). */
double simulation_grid_max_angle(const SimulationGrid *grid);

/* FFTW wisdom files (FFTW_MEASURE picks plans by timing, so only shared wisdom makes two runs
 * bit-identical). A path of "" or "none" means no file: both calls then do nothing.
 * Import: a missing file is not an error (the first run creates it); an unreadable one is ignored.
 * Export: written atomically (temporary file + rename) and only when the wisdom changed, so many
 * processes may share one file. */
/* How every FFTW plan of the simulator is made (process-wide). FFTW_MEASURE picks plans by
 * timing, so two processes planning the same size may choose different algorithms, whose
 * results differ in the last bits. A campaign therefore plans once on rank 0, gives every rank
 * that wisdom, and then switches all ranks to FFT_PLANNING_WISDOM_OR_ESTIMATE: a size in the
 * wisdom gets the wisdom's plan, any other size FFTW_ESTIMATE (slower but chosen without
 * timing), so a unit's bits never depend on the rank or the run that computed it. */
typedef enum { FFT_PLANNING_MEASURE, FFT_PLANNING_WISDOM_OR_ESTIMATE } FftPlanning;
/* -fftw_planning measure|patient|exhaustive: the rigor that "MEASURE" above plans with (FFTW_MEASURE
 * by default). Wisdom from a more rigorous planner also serves a less rigorous request. Read by
 * simulation_grid_options_read; process-wide. */
PetscErrorCode simulation_fft_planning_options_read(PetscOptionItems *PetscOptionsObject);
void           simulation_fft_planning_set(FftPlanning planning);
unsigned       simulation_fft_planning_flags(void); /* FFTW_MEASURE, or with FFTW_WISDOM_ONLY */
PetscBool      simulation_fft_planning_wisdom_only(void);
/* Assign to `plan` the result of `call`, an fftwf_plan_* call that passes the variable `flags`:
 * first with the process's planning flags, then, in wisdom-only mode when the wisdom lacks the
 * size, with FFTW_ESTIMATE. */
#define SIMULATION_FFT_PLAN(plan, call)                     \
  do {                                                      \
    unsigned flags = simulation_fft_planning_flags();       \
    (plan)         = (call);                                \
    if (!(plan) && simulation_fft_planning_wisdom_only()) { \
      flags  = FFTW_ESTIMATE;                               \
      (plan) = (call);                                      \
    }                                                       \
  } while (0)

PetscErrorCode simulation_grid_wisdom_import(const char *path);
PetscErrorCode simulation_grid_wisdom_export(const char *path);

/* Resolve grid->fftw_wisdom for a one-shot command: "" (not given) becomes the per-host cache
 * ${XDG_CACHE_HOME:-$HOME/.cache}/nanoforge/fftw-wisdom-<hostname> (its folder created on first
 * use); "none" becomes "". When the folder cannot be made (or neither variable is set) the cache is
 * left out with a warning on stderr: the run works, but a later run may choose other plans. */
PetscErrorCode simulation_grid_wisdom_default(SimulationGrid *grid);

/* Memory of the program itself (MPI, PETSc, HDF5, FFTW, code) before any unit: measured as the
 * peak resident size of a 256x256 simulation (52 MB). */
#define SIMULATION_BASELINE_BYTES 48e6

/* Estimated peak memory [bytes] of one rank computing one unit on this grid (set up): exit waves
 * of every frozen-phonon configuration, multislice, lens and detector buffers, and the unit's
 * `n_images` images and masks of `image_pixels` each; `keep_exit_waves` adds the stored waves.
 * A double, so no product can overflow. */
double simulation_memory_estimate(const SimulationGrid *grid, PetscInt64 n_images, PetscInt64 image_pixels,
                                  PetscBool keep_exit_waves);
/* Error (PETSC_ERR_MEM, one line with the figure) when `bytes` exceeds memory_limit_bytes(). */
PetscErrorCode simulation_memory_check(const char *what, double bytes);
