/* campaign.h — running a plan: master/worker self-scheduling of work units over MPI
 * ranks, the journal as the record of progress, progress reports, clean stops.
 * (MPI lives in src/campaign/campaign.c and src/db/database.c.) Its parts: stop_signal.h
 * (SIGUSR1), work_unit.h (the campaign's side of one unit).
 *
 * Ranks form groups of `sim_ranks` consecutive ranks; each group computes one unit at
 * a time (its ranks share the FFTs of one simulation). World rank 0 is the master: it
 * leads group 0, hands unit ids to the other group leaders on request (each holds up
 * to `prefetch` units so it never waits for the master), journals each finished unit
 * after its data is durable, prints progress, and computes units itself between polls.
 * The order in which units are computed changes nothing in the results: every random
 * number of unit u comes from streams keyed by (seed, u, purpose).
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "db/database.h"
#include "db/journal.h"
#include "plan/plan.h"

/* The per-unit computation, behind a function pointer so the scheduler knows no physics.
 * `compute` is collective over `group` (the ranks of one worker group); on group rank 0
 * it fills the unit's rows: images [M][ny][nx], masks [M][ny][nx], structure_values
 * [n_structure_columns], image_values [M][n_image_columns] (sizes from the layout). */
typedef struct {
  void *context;
  PetscErrorCode (*compute)(void *context, MPI_Comm group, PetscInt unit, float *images, uint8_t *masks,
                            double *structure_values, double *image_values);
  /* Optional (NULL: atoms are not stored). On the group leader, after compute(unit): the
   * unit's atoms, at most `capacity`: positions [n][3] Å, atomic numbers, AtomClass values. */
  PetscErrorCode (*atoms)(void *context, PetscInt unit, PetscInt64 capacity, PetscInt64 *n_atoms, float *positions,
                          uint8_t *numbers, uint8_t *classes);
  /* Optional (NULL: exit waves are not stored). On the group leader, after compute(unit): the
   * unit's `count` exit waves on a ny × nx grid, as [count][ny][nx][2] floats (real, imaginary). */
  PetscErrorCode (*exit_waves)(void *context, PetscInt unit, PetscInt count, PetscInt ny, PetscInt nx, float *waves);
} UnitWork;

/* How a campaign runs (not what it computes: none of these enter the plan). */
typedef struct {
  PetscInt  sim_ranks;                         /* ranks per worker group (divides the rank count) */
  PetscInt  prefetch;                          /* units queued per worker group (>= 1) */
  double    progress_interval;                 /* seconds between progress lines on the master */
  PetscBool sync_writes;                       /* fsync each unit's data before journaling it */
  char      stop_files[2][PETSC_MAX_PATH_LEN]; /* a file whose appearance asks for a stop ("" = unused) */
  PetscBool quiet;                             /* no progress lines (tests) */
} CampaignSettings;

/* What a campaign did, known on every rank at the end. */
typedef struct {
  PetscInt  n_units;         /* in the plan */
  PetscInt  n_done_before;   /* finished before this run (from the journal) */
  PetscInt  n_done_now;      /* finished by this run */
  PetscBool stopped;         /* a stop was requested (signal or STOP file) */
  double    seconds;         /* wall time of the scheduling loop */
  double    compute_seconds; /* time this rank spent in compute (sum over its units) */
  double    write_seconds;   /* time this rank spent writing units */
  PetscInt  units_computed;  /* units this rank's group computed (on group leaders) */
} CampaignSummary;

void campaign_settings_defaults(CampaignSettings *settings);

/* Collective on comm. `journal` is non-NULL on rank 0 only (the master's record);
 * `database` is open on every rank. Units already in the journal are skipped. */
PetscErrorCode campaign_execute(MPI_Comm comm, const Plan *plan, Journal *journal, Database *database,
                                const UnitWork *work, const CampaignSettings *settings, CampaignSummary *summary);

/* The whole run, collective on comm: open (or start, with `fresh`) the journal on rank 0,
 * refusing a changed plan; create the database collectively when no unit is finished,
 * else reopen it; report "N of M units already complete, K to do"; execute; close.
 * A finished campaign opens nothing for writing and changes nothing. Errors found on
 * rank 0 (a changed plan, a corrupt journal) are raised on every rank with its message. */
PetscErrorCode campaign_run(MPI_Comm comm, const char *database_path, PetscBool fresh, const Plan *plan,
                            const DatabaseLayout *layout, const UnitWork *work, const CampaignSettings *settings,
                            CampaignSummary *summary);

/* Collective, before any work (campaign_run checks again): an existing file at the database
 * path without a journal beside it must be a campaign database of this plan (or of any plan,
 * with `fresh`); anything else is refused, never replaced. */
PetscErrorCode campaign_check_database_path(MPI_Comm comm, const char *database_path, const Plan *plan,
                                            PetscBool fresh);

/* Collective: `campaign -verify`. Rank 0 re-reads every finished unit of the database and
 * compares it with the data checksum in its journal; prints how many were checked, and
 * raises a PETSC_ERR_FILE_UNEXPECTED error naming the damaged units when there are any (or
 * when the journal belongs to another run). Changes nothing. */
PetscErrorCode campaign_verify(MPI_Comm comm, const char *database_path);
