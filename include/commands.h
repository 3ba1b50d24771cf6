/* commands.h — the program's commands. Each one reads its own options, checks that
 * none is left unused, then works. argc/argv are already stripped of the command name
 * and handed to PetscInitialize by main.c. */
#pragma once
#include <petscsys.h>

typedef PetscErrorCode (*CommandFunction)(MPI_Comm comm);

PetscErrorCode command_version(MPI_Comm comm);
PetscErrorCode command_build(MPI_Comm comm);
PetscErrorCode command_simulate(MPI_Comm comm);
PetscErrorCode command_campaign(MPI_Comm comm);
PetscErrorCode command_train(MPI_Comm comm);
PetscErrorCode command_evaluate(MPI_Comm comm);
PetscErrorCode command_segment(MPI_Comm comm);
PetscErrorCode command_run(MPI_Comm comm);

/* A command that ends in a defined state other than success (a campaign stopped on
 * request and resumable: 3) sets the process exit status here. */
void command_set_exit_status(int status);
int  command_exit_status(void);

/* Exit status for "this command is not built in this version". */
#define COMMAND_EXIT_NOT_BUILT 69
/* Exit status for a campaign that stopped on request and can be resumed. */
#define COMMAND_EXIT_RESUMABLE 3
