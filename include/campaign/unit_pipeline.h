/* unit_pipeline.h — one work unit from the options to its images and masks, the same for
 * `nanoforge simulate -unit k` and row k of a `campaign` database:
 *
 *   structure  = structure_recipe_build(seed, unit)   or a structure file (simulate -structure)
 *   placed     = a structure without a cell of its own centred in -cell (one rule, one error)
 *   grid       = simulation grid set up for those atoms
 *   conditions = imaging_sample(seed, unit, c) for c in 0..M-1, with their detector geometry
 *   waves      = exit waves of the frozen-phonon configurations (serial, or FFTW-MPI on a group)
 *   image[c]   = detector_image(lens_image(waves, conditions[c]), seed, unit, c)
 *   mask[c]    = ground_truth_mask(particle atoms), computed once per detector geometry
 *
 * The lens (its FFT plans and buffers) is kept while the grid stays the same, and the FFTW
 * wisdom is read, planned, written and shared in one place (unit_pipeline_prepare), so two
 * commands computing one unit use the same plans and give the same bits. Every random number is
 * keyed by (seed, unit, purpose): a unit's images do not depend on what else was computed.
 * MPI: the group communicator of the exit waves, the wisdom broadcast and the collective memory
 * check (src/campaign/unit_pipeline.c uses MPI). */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "core/atom_list.h"
#include "sim/detector.h"
#include "sim/ground_truth.h"
#include "sim/multislice.h"
#include "sim/optics.h"
#include "sim/simulation_grid.h"
#include "structure/structure_recipe.h"

typedef struct {
  /* What every unit is made from (the options). */
  PetscInt64                   seed;                               /* -seed */
  PetscInt                     n_conditions;                       /* imaging conditions M per unit */
  char                         structure_file[PETSC_MAX_PATH_LEN]; /* "" = build from the recipe options */
  StructureRecipeDistributions recipe_options;                     /* -material, -shape, ... */
  SimulationGrid               grid_options;   /* -cell, -sampling, ... (the template of every unit's grid) */
  ImagingDistributions         imaging;        /* -defocus, -dose, ... */
  GroundTruthOptions           ground_truth;   /* mask options */
  double                       required_angle; /* largest objective aperture [mrad] any condition can draw */
  /* Kept across units. */
  Lens  *lens;      /* while the grid stays the same */
  float *intensity; /* [grid ny][grid nx] lens image of one condition */
  size_t intensity_size;
  /* The current unit (unit_pipeline_build). */
  PetscInt64         unit;             /* -1: none built */
  StructureRecipe    recipe;           /* drawn recipe (no structure file) */
  char               description[512]; /* the recipe described, or the structure file's name */
  AtomList          *atoms;            /* placed in the cell */
  PetscBool          relabelled;       /* a file without particle-class atoms: all atoms made particle */
  SimulationGrid     grid;             /* set up for these atoms */
  ImagingConditions *conditions;       /* [n_conditions] */
  double            *values;           /* [n_conditions][IMAGING_PARAMETER_COUNT] drawn option values */
  DetectorGeometry  *geometry;         /* [n_conditions] detector geometry of each condition */
  ExitWaves         *waves;            /* after unit_pipeline_exit_waves, on group rank 0; else NULL */
} UnitPipeline;

PetscErrorCode unit_pipeline_create(PetscInt64 seed, PetscInt n_conditions, UnitPipeline **pipeline);
PetscErrorCode unit_pipeline_destroy(UnitPipeline **pipeline);
/* Read the structure-recipe, simulation-grid, imaging and ground-truth options inside the
 * caller's PetscOptionsBegin/End (-structure is the caller's: it sets structure_file). */
PetscErrorCode unit_pipeline_options_read(PetscOptionItems *PetscOptionsObject, UnitPipeline *pipeline);

/* Build unit `unit`: its structure, placed in the cell (a structure without a cell of its own is
 * centred in -cell, an error naming -cell when there is none), its grid, and the draws and detector
 * geometry of its M conditions. Frees the previous unit. Serial; every rank of a group builds it. */
PetscErrorCode unit_pipeline_build(UnitPipeline *pipeline, PetscInt64 unit);

/* Collective: every rank of `comm` gets the same FFT plans, so a unit's bits depend on neither the
 * rank nor the run that computes it. Rank 0 imports the wisdom, plans the multislice, lens and
 * (with `plan_detector`) detector transforms of the built unit with FFTW_MEASURE, writes the wisdom
 * back and broadcasts it; then every rank switches to FFT_PLANNING_WISDOM_OR_ESTIMATE and no unit
 * reads or writes a wisdom file. Wisdom files: -fftw_wisdom when given ("none": no file); else for
 * a one-shot command (database_path NULL) the per-host cache (simulation_grid_wisdom_default), for
 * a campaign <database>.fftw_wisdom, which a new database starts from the per-host cache (and adds
 * to it), so separate runs of one plan on one host share plans. A campaign plans the detector only
 * when its wisdom file is new (measuring now could change a resumed run's last bits). The built
 * unit is needed on rank 0 only. */
PetscErrorCode unit_pipeline_prepare(UnitPipeline *pipeline, MPI_Comm comm, const char *database_path);

/* Collective: refuse (PETSC_ERR_MEM, one line with the figures, on every rank alike) a unit whose
 * estimated peak memory per rank, `extra_bytes` added, exceeds the memory limit of some rank.
 * `what` names the run in the message. */
PetscErrorCode unit_pipeline_check_memory(UnitPipeline *pipeline, MPI_Comm comm, const char *what, PetscBool keep_waves,
                                          double extra_bytes);

/* Collective on `group`: the built unit's exit waves (FFTW-MPI slabs when the group has several
 * ranks). They are kept on group rank 0 only, which forms the images. */
PetscErrorCode unit_pipeline_exit_waves(UnitPipeline *pipeline, MPI_Comm group);

/* On the rank holding the exit waves: images [M][ny][nx] and masks [M][ny][nx] of the built
 * unit. Every condition's detector image must be ny × nx (an error names -image_size,
 * -detector_pixel and the field of view). The mask is computed once per detector geometry. */
PetscErrorCode unit_pipeline_images(UnitPipeline *pipeline, PetscInt ny, PetscInt nx, float *images, uint8_t *masks);
