/* micrograph_list.h — the micrographs named by a list of files, folders and glob patterns (the
 * -input of segment), expanded by the program so that job scripts need no shell to do it. Serial:
 * every rank expands the same list to the same result (sorted, no MPI).
 *
 *   a folder:   every file in it (not its subfolders) whose name ends in a micrograph extension
 *               (micrograph_list_extensions, any case), sorted by name (strcmp, bytewise);
 *   a pattern:  an item with *, ? or [ is expanded with glob(3), the matches sorted the same way;
 *               a matched folder is expanded as above;
 *   a file:     kept as given (its reader reports it if it is missing or unreadable).
 * Items keep their order; a file reached twice (the same realpath(3)) is kept at its first
 * place only. A folder or pattern that yields no file is an error naming it. */
#pragma once
#include <petscsys.h>

/* The expanded list. */
typedef struct {
  char   **paths;      /* [count] micrograph paths, in the order above */
  PetscInt count;      /* how many */
  PetscInt duplicates; /* files dropped because an earlier item already gave them */
} MicrographList;

/* The extensions a folder is searched for, comma-separated, for messages and -help. */
extern const char micrograph_list_extensions[];

/* items [n] are the option's values; `option` (e.g. "-input") names them in errors. Errors are
 * raised on `comm` (every rank expands the same items, so all ranks fail together). */
PetscErrorCode micrograph_list_create(MPI_Comm comm, const char *option, char *const items[], PetscInt n,
                                      MicrographList **list);
PetscErrorCode micrograph_list_destroy(MicrographList **list);
/* Whether `name` ends in one of micrograph_list_extensions (any case). */
PetscBool micrograph_list_has_micrograph_extension(const char *name);
