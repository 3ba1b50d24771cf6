/* journal.h — the record of a campaign's progress, beside its database (DB.journal).
 *
 * A plain text file, append-only, one line per finished work unit, each line ending
 * in its own checksum, each append followed by fsync. The master appends a unit only
 * after the worker has written that unit's data and made it durable, so a unit in the
 * journal is a unit on disk; the HDF5 file itself is never trusted for progress.
 *
 *   NFJ1 plan <hash> seed <S> units <N> conditions <M> id <run id> *<checksum>   header
 *   O -name value *<checksum>                                   one per plan option
 *   U <unit> <data checksum> *<checksum>                        one per finished unit
 *
 * The run id is 64 random bits drawn when the journal is created and also written into
 * the database (attribute run_id): a journal copied from another run of the same plan
 * does not match its database and is refused. The data checksum of a unit (FNV-1a 64 of
 * its images and masks as written, database_unit_checksum) lets -verify and a resume find
 * units damaged after they were written; a later line for the same unit replaces an
 * earlier one (a recomputed unit). Journals of older versions (no id, no data checksum)
 * are still read.
 *
 * A crash can tear the last line: a final line without a valid checksum is dropped
 * (and truncated away) on open; a bad line anywhere else is corruption and an error.
 * Plain C (POSIX I/O), used by the master rank only.
 */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include "plan/plan.h"

typedef struct {
  char       path[PETSC_MAX_PATH_LEN]; /* the journal file */
  int        fd;                       /* open for appending */
  PetscInt   n_units;                  /* units in the plan */
  PetscBool *done;                     /* [n_units]: finished units */
  PetscInt   n_done;                   /* count of true entries in `done` */
  PetscInt   n_torn_lines;             /* torn final lines dropped on open (0 or 1) */
  PetscBool  created;                  /* true when this open started a new journal */
  uint64_t   run_id;                   /* random id shared with the database (0: an old journal without one) */
  uint64_t  *checksum;                 /* [n_units]: data checksum of each finished unit */
  PetscBool *has_checksum;             /* [n_units]: whether its line carried one */
  PetscInt   n_conditions;             /* images per unit (from the header) */
} Journal;

/* Open the journal of `database_path` (DB.journal) for `plan`. A missing journal, or
 * `fresh`, starts a new one holding the plan's header and options. An existing one
 * must hold the same plan: otherwise a PETSC_ERR_USER_INPUT error names the first
 * differing option and suggests -fresh. */
PetscErrorCode journal_open(const char *database_path, const Plan *plan, PetscBool fresh, Journal **journal);
/* Read the journal of `database_path` without a plan and without changing it (for -verify):
 * sizes, run id, finished units and their checksums. A torn last line is ignored. */
PetscErrorCode journal_load(const char *database_path, Journal **journal);
/* Record that `unit` is finished with data checksum `checksum`: one line, written whole, then fsync. */
PetscErrorCode journal_append(Journal *journal, PetscInt unit, uint64_t checksum);
/* Count `unit` as not finished in memory (its data was found damaged): it is computed again
 * and its new line replaces the old one on the next open. */
PetscErrorCode journal_forget(Journal *journal, PetscInt unit);
PetscErrorCode journal_destroy(Journal **journal);
/* DB.journal for DB (buffer of PETSC_MAX_PATH_LEN). */
PetscErrorCode journal_path(const char *database_path, char path[PETSC_MAX_PATH_LEN]);
