/* options.h — helpers around the PETSc options database.
 *
 * Every option is read inside a PetscOptionsBegin/End block, so `-help` lists it with
 * its default and description (units in square brackets). After a command has read
 * all its options it calls options_check_unused(): an option that was given but never
 * read is an error naming it (a typo must not burn cluster hours), unless
 * -allow_unused_options is given.
 */
#pragma once
#include <petscsys.h>
#include "distribution.h"

/* Read a distribution-valued option inside a PetscOptionsBegin/End block:
 *   PetscCall(options_distribution(PetscOptionsObject, "-radius", "Particle radius [Å]", "20", &radius));
 * The default spec is parsed as well, so -help shows it and a bad default is caught. */
PetscErrorCode options_distribution(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                    const char default_spec[], Distribution *distribution);

/* Error (PETSC_ERR_USER_INPUT) listing every option given but never read, unless
 * -allow_unused_options. Collective: call on every rank after all options are read. */
PetscErrorCode options_check_unused(MPI_Comm comm);

/* True when -help was given: the command prints its options and stops before working. */
PetscErrorCode options_help_requested(PetscBool *requested);

/* Read the common -seed option (non-negative integer, default 1). */
PetscErrorCode options_seed(PetscOptionItems *PetscOptionsObject, PetscInt64 *seed);
