/* journal.h — the record of a campaign's progress, beside its database (DB.journal).
 *
 * A plain text file, append-only, one line per finished work unit, each line ending
 * in its own checksum, each append followed by fsync. The master appends a unit only
 * after the worker has written that unit's data and made it durable, so a unit in the
 * journal is a unit on disk; the HDF5 file itself is never trusted for progress.
 *
 *   NFJ1 plan <hash> seed <S> units <N> conditions <M> *<checksum>   header
 *   O -name value *<checksum>                                   one per plan option
 *   U <unit> *<checksum>                                        one per finished unit
 *
 * A crash can tear the last line: a final line without a valid checksum is dropped
 * (and truncated away) on open; a bad line anywhere else is corruption and an error.
 * Plain C (POSIX I/O), used by the master rank only.
 */
#pragma once
#include <petscsys.h>
#include "plan.h"

typedef struct {
  char       path[PETSC_MAX_PATH_LEN]; /* the journal file */
  int        fd;                 /* open for appending */
  PetscInt   n_units;            /* units in the plan */
  PetscBool *done;               /* [n_units]: finished units */
  PetscInt   n_done;             /* count of true entries in `done` */
  PetscInt   n_torn_lines;       /* torn final lines dropped on open (0 or 1) */
  PetscBool  created;            /* true when this open started a new journal */
} Journal;

/* Open the journal of `database_path` (DB.journal) for `plan`. A missing journal, or
 * `fresh`, starts a new one holding the plan's header and options. An existing one
 * must hold the same plan: otherwise a PETSC_ERR_USER_INPUT error names the first
 * differing option and suggests -fresh. */
PetscErrorCode journal_open(const char *database_path, const Plan *plan, PetscBool fresh, Journal **journal);
/* Record that `unit` is finished: one line, written whole, then fsync. */
PetscErrorCode journal_append(Journal *journal, PetscInt unit);
PetscErrorCode journal_destroy(Journal **journal);
/* DB.journal for DB (buffer of PETSC_MAX_PATH_LEN). */
PetscErrorCode journal_path(const char *database_path, char path[PETSC_MAX_PATH_LEN]);
