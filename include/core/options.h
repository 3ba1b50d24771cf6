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
#include "core/distribution.h"

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

/* Read an integer count or id option as 64 bits inside a PetscOptionsBegin/End block: accepts
 * "3000000000" and exact exponent forms ("1.1e9"), and refuses anything outside
 * [lowest, highest] or not an integer with one line naming the option, the value and the range
 * (PetscOptionsInt wraps values above 2^31 silently when PetscInt is 32-bit). */
PetscErrorCode options_integer64(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                 PetscInt64 lowest, PetscInt64 highest, PetscInt64 *value, PetscBool *given);
/* The same for a PetscInt (the range must lie within PetscInt). */
PetscErrorCode options_integer(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                               PetscInt lowest, PetscInt highest, PetscInt *value, PetscBool *given);

/* Parse `text` as an integer in [lowest, highest]; the error names `option`. */
PetscErrorCode options_parse_integer64(const char option[], const char text[], PetscInt64 lowest, PetscInt64 highest,
                                       PetscInt64 *value);

/* Parse a size in bytes with an optional k, M, G or T suffix (powers of 1024): "512M", "4G". */
PetscErrorCode options_parse_bytes(const char option[], const char text[], size_t *bytes);

/* Read -memory_limit (bytes with k/M/G/T suffix; default: the machine's physical memory) and
 * make it the limit of checked_malloc and of the up-front memory estimates. Call once at start. */
PetscErrorCode options_memory_limit(void);

/* Refuse, with one line naming the option, a file option (-structure, -db, -model, -input, -data,
 * -mask, -o, ...) whose value is a directory: read as a file it gives a misleading error deep
 * inside a reader, and written as a file it fails late. Call once at start. */
PetscErrorCode options_check_file_paths(void);

/* Refuse, before any work, an output file (option `option`, value `path`; "" = not given) whose
 * folder does not exist or is not writable, with one line naming the option, the path and the
 * folder: otherwise the run fails only when it first writes (train: after an epoch). */
PetscErrorCode options_check_output_folder(const char option[], const char path[]);
