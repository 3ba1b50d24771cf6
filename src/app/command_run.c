/* command_run.c — `nanoforge run`: the campaign, then training on its database, in one
 * mpirun. The database path is -db (the campaign's -o); the model path is train's -o. */
#include "campaign/campaign.h"
#include "app/commands.h"
#include "core/options.h"

PetscErrorCode command_run(MPI_Comm comm)
{
  PetscBool finished                 = PETSC_FALSE, help, given;
  char      path[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBeginUser;
  /* The unused-option check waits for train: the options of both commands are given together. */
  PetscCall(campaign_command(comm, "-db", PETSC_FALSE, &finished, path));
  PetscCall(options_help_requested(&help));
  if (help) {
    PetscCall(command_train(comm));
    PetscFunctionReturn(0);
  }
  PetscBool plan_only = PETSC_FALSE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-plan_only", &plan_only, NULL));
  if (plan_only) PetscFunctionReturn(0); /* the plan was printed; nothing to train on */
  if (!finished) {
    PetscCall(PetscPrintf(
      comm, "run: the campaign is not complete, so training was not started; rerun the same command to continue\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsHasName(NULL, NULL, "-db", &given));
  if (!given) PetscCall(PetscOptionsSetValue(NULL, "-db", path));
  PetscCall(PetscPrintf(comm, "run: campaign complete (%s); training\n", path));
  PetscCall(command_train(comm));
  PetscFunctionReturn(0);
}
