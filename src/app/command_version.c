/* command_version.c — `nanoforge version`: the build and run provenance recorded in outputs. */
#include "app/commands.h"
#include "core/options.h"
#include "core/parallel.h"
#include "core/provenance.h"

PetscErrorCode command_version(MPI_Comm comm)
{
  PetscBool   help;
  Provenance *provenance;
  PetscBool   root;
  PetscFunctionBeginUser;
  PetscInt64 seed = 1;
  PetscOptionsBegin(comm, NULL, "nanoforge version: build and run provenance", NULL);
  PetscCall(options_seed(PetscOptionsObject, &seed)); /* accepted by every command; recorded in the provenance */
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  PetscCall(provenance_create(comm, &provenance));
  PetscCall(parallel_is_root(comm, &root));
  if (root) PetscCall(provenance_print(provenance, stdout, ""));
  PetscCall(provenance_destroy(&provenance));
  PetscFunctionReturn(0);
}
