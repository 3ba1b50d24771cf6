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
PetscErrorCode command_info(MPI_Comm comm);

/* The body of `nanoforge campaign` (src/app/command_campaign.c), shared with `run`:
 * reads every campaign option (the database path from `output_option`: "-o" for
 * campaign, "-db" for run), checks unused options when `check_unused`, then plans,
 * runs and reports. `finished` (may be NULL) tells whether every unit is complete;
 * `database_path` (may be NULL, PETSC_MAX_PATH_LEN) receives the path. */
PetscErrorCode campaign_command(MPI_Comm comm, const char *output_option, PetscBool check_unused, PetscBool *finished,
                                char *database_path);

/* A command that ends in a defined state other than success (a campaign stopped on
 * request and resumable: 3) sets the process exit status here. */
void command_set_exit_status(int status);
int  command_exit_status(void);

/* Exit status for "this command is not built in this version". */
#define COMMAND_EXIT_NOT_BUILT 69
/* Exit status for a campaign that stopped on request and can be resumed. */
#define COMMAND_EXIT_RESUMABLE 3
