/* fuzz_journal.c — libFuzzer harness for the campaign journal (journal.c): the input is
 * DB.journal beside a database DB, opened for resuming a fixed small plan as `campaign`
 * does. With NF_FUZZ_WRITE_SEED=FILE set, it writes a valid journal of that plan (units 0,
 * 3 and 5 done) to FILE and exits: the seed corpus is made that way. */
#include "fuzz_common.h"
#include "db/journal.h"

static PetscErrorCode fuzz_plan(Plan **plan)
{
  PetscFunctionBeginUser;
  PetscCall(plan_create(7, 8, 2, "-radius uniform:10,50\n-shape choice:sphere,cuboctahedron\n", plan));
  PetscFunctionReturn(0);
}

static PetscErrorCode fuzz_write_seed(const char *seed_path)
{
  char      database[PETSC_MAX_PATH_LEN + 8], journal_file[PETSC_MAX_PATH_LEN];
  Plan     *plan    = NULL;
  Journal  *journal = NULL;
  const int done[]  = {0, 3, 5};

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(database, sizeof database, "%s-db", fuzz_path));
  PetscCall(journal_path(database, journal_file));
  PetscCall(fuzz_plan(&plan));
  PetscCall(journal_open(database, plan, PETSC_TRUE, &journal));
  for (int i = 0; i < 3; i++)
    PetscCall(journal_append(journal, done[i], 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1))); /* any data checksum */
  PetscCall(journal_destroy(&journal));
  PetscCall(plan_destroy(&plan));
  PetscCheck(rename(journal_file, seed_path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot move %s to %s",
             journal_file, seed_path);
  PetscFunctionReturn(0);
}

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  char       database[PETSC_MAX_PATH_LEN + 8], journal_file[PETSC_MAX_PATH_LEN];
  Plan      *plan    = NULL;
  Journal   *journal = NULL;
  static int seed_written;

  (void)data, (void)size;
  if (!seed_written && getenv("NF_FUZZ_WRITE_SEED")) {
    seed_written = 1;
    if (fuzz_write_seed(getenv("NF_FUZZ_WRITE_SEED"))) abort();
    exit(0);
  }
  PetscCall(PetscSNPrintf(database, sizeof database, "%s-db", path));
  PetscCall(journal_path(database, journal_file));
  if (rename(path, journal_file) != 0) abort();
  PetscCall(fuzz_plan(&plan));
  if (!journal_open(database, plan, PETSC_FALSE, &journal)) PetscCall(journal_destroy(&journal));
  if (!journal_load(database, &journal)) PetscCall(journal_destroy(&journal)); /* -verify's reader */
  PetscCall(plan_destroy(&plan));
  unlink(journal_file);
  return 0;
}
