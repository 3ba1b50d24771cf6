/* work_unit.h — the campaign's side of one work unit (src/campaign/work_unit.c). */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <petscsys.h>
#include "campaign/campaign.h" /* UnitWork */
#include "db/database.h"
#include "plan/plan.h"

/* The campaign's side of the per-unit pipeline (src/campaign/work_unit.c): the database layout and
 * columns, the UnitWork callbacks and the checks before a run, around the UnitPipeline
 * (include/unit_pipeline.h: recipe → atoms → exit waves → for each of the M imaging conditions:
 * lens → detector → image, and the particle's ground-truth mask), which `simulate -unit k` runs
 * too. Opaque here so the scheduler stays free of physics. All options are read inside the
 * caller's PetscOptionsBegin/End. */
typedef struct WorkUnitPipeline WorkUnitPipeline;

PetscErrorCode work_unit_pipeline_create(PetscInt64 seed, PetscInt n_conditions, WorkUnitPipeline **pipeline);
/* Read the structure, simulation-grid, imaging and ground-truth options. */
PetscErrorCode work_unit_pipeline_options_read(PetscOptionItems *PetscOptionsObject, WorkUnitPipeline *pipeline);
/* Check the options that the database needs fixed (a constant -image_size > 0) and fill
 * the layout: image size, pixel size, column names. */
PetscErrorCode work_unit_pipeline_layout(WorkUnitPipeline *pipeline, const Plan *plan, DatabaseLayout *layout);
/* Collective. Make every rank use the same FFT plans, so that results do not depend on which
 * rank computes a unit, nor on whether the run was resumed: unit_pipeline_prepare on unit 0 with
 * the database's wisdom file <database>.fftw_wisdom (or -fftw_wisdom); a new database without
 * -fftw_wisdom also starts from, and adds to, the per-host cache that simulate uses, so separate
 * campaigns of one plan on one host, and `simulate -unit k`, share plans. */
PetscErrorCode work_unit_pipeline_prepare(WorkUnitPipeline *pipeline, MPI_Comm comm, const char *database_path);
/* Collective: build every unit's structure once (units spread over the ranks) to count
 * its atoms, so that -save_atoms can create the ragged atom datasets at full size before
 * work starts. offsets [n_structures + 1], prefix sums; free with PetscFree. */
PetscErrorCode work_unit_pipeline_count_atoms(WorkUnitPipeline *pipeline, MPI_Comm comm, const Plan *plan,
                                              int64_t **offsets);
/* For -save_exit_waves: the exit-wave shape (phonon configurations, unit 0's grid, which is every
 * unit's: its x, y follow -cell or the fixed support size) into the layout, and keep each unit's
 * waves for the UnitWork's exit_waves callback. */
PetscErrorCode work_unit_pipeline_exit_wave_layout(WorkUnitPipeline *pipeline, DatabaseLayout *layout);
/* The UnitWork that runs this pipeline (with `atoms` set when `save_atoms`, `exit_waves` when
 * `save_exit_waves`). */
void work_unit_pipeline_work(WorkUnitPipeline *pipeline, PetscBool save_atoms, PetscBool save_exit_waves,
                             UnitWork *work);
/* -plan_only: on rank 0, draw every unit's recipe and conditions (cheap) and print the
 * counts, each column's range, the simulation grid of unit 0 and an estimated cost. */
PetscErrorCode work_unit_pipeline_plan_summary(WorkUnitPipeline *pipeline, const Plan *plan,
                                               const DatabaseLayout *layout, FILE *stream);
/* Before any work: estimate one unit's peak memory per rank (unit 0's grid, which is every
 * unit's) and the database's size, and refuse, with the figures, a run that would not fit the
 * memory limit (-memory_limit) or the free space of the database's folder (unless
 * !check_free_space). Collective: every rank fails alike. */
PetscErrorCode work_unit_pipeline_check_resources(WorkUnitPipeline *pipeline, MPI_Comm comm, const Plan *plan,
                                                  const DatabaseLayout *layout, PetscBool save_exit_waves,
                                                  PetscBool check_free_space, const char *database_path);
PetscErrorCode work_unit_pipeline_destroy(WorkUnitPipeline **pipeline);
