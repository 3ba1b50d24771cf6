/* fuzz_options_file.c — libFuzzer harness for options files (`-options_file FILE`, read by
 * PETSc's PetscOptionsInsertFile into an options database), into a private database so
 * that inputs do not accumulate; every value is then parsed as a distribution spec, as
 * the campaign's sampled options are. */
#include "fuzz_common.h"
#include "core/distribution.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  PetscOptions options = NULL;
  char        *all     = NULL;

  (void)data, (void)size;
  PetscCall(PetscOptionsCreate(&options));
  if (!PetscOptionsInsertFile(PETSC_COMM_SELF, options, path, PETSC_TRUE) && !PetscOptionsGetAll(options, &all)) {
    /* "-name value -name value ...": each word after an option name is tried as a spec. */
    char *save = NULL;
    for (char *word = strtok_r(all, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
      Distribution distribution;
      if (word[0] != '-') (void)distribution_parse("-fuzz", word, &distribution);
    }
    PetscCall(PetscFree(all));
  }
  PetscCall(PetscOptionsDestroy(&options));
  return 0;
}
