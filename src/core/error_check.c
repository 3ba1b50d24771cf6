/* error_check.c — the user-facing PETSc error handler (see error_check.h).
 * No MPI calls: rank queries and the broadcast of a rank-0 error go through the parallel module. */
#include <stdio.h>
#include <string.h>
#include "core/error_check.h"
#include "core/parallel.h"

static PetscBool error_raised_on_all_ranks = PETSC_FALSE;

PetscBool error_was_collective(void) { return error_raised_on_all_ranks; }

/* PETSc's own option parsing says "Input string abc has no integer value" or "Unknown logical
 * value: maybe" without the option's name: find the option given that value and name it. */
static void name_the_option(const char *message, char *named, size_t size)
{
  char        value[256] = "";
  const char *start      = NULL;
  if (!strncmp(message, "Input string ", 13))
    start = message + 13;
  else if (!strncmp(message, "Unknown logical value: ", 23))
    start = message + 23;
  if (!start) return;
  size_t n = strcspn(start, " ");
  if (n == 0 || n >= sizeof value) return;
  memcpy(value, start, n);
  value[n]  = 0;
  char *all = NULL, *save = NULL, *previous = NULL;
  if (PetscOptionsGetAll(NULL, &all) || !all) return;
  for (char *token = strtok_r(all, " ", &save); token; previous = token, token = strtok_r(NULL, " ", &save)) {
    if (previous && previous[0] == '-' && !strcmp(token, value)) {
      snprintf(named, size, "Option %s: %s", previous, message);
      break;
    }
  }
  PetscFree(all);
}

PetscErrorCode error_handler_for_users(MPI_Comm comm, int line, const char *function, const char *file,
                                       PetscErrorCode code, PetscErrorType type, const char *message, void *context)
{
  PetscBool user_facing =
    (code == PETSC_ERR_USER_INPUT || code == PETSC_ERR_FILE_OPEN || code == PETSC_ERR_FILE_READ ||
     code == PETSC_ERR_FILE_WRITE || code == PETSC_ERR_FILE_UNEXPECTED || code == PETSC_ERR_ARG_OUTOFRANGE ||
     code == PETSC_ERR_MEM ||
     /* PETSc's option parsing ("Unknown logical value", "no integer value") and size checks on user images */
     code == PETSC_ERR_ARG_WRONG || code == PETSC_ERR_ARG_SIZ || code == PETSC_ERR_ARG_INCOMP)
      ? PETSC_TRUE
      : PETSC_FALSE;
  (void)context;
  if (type == PETSC_ERROR_INITIAL) {
    /* An error raised on the whole world is met by every rank alike: main() can then
     * finalize cleanly instead of aborting. */
    error_raised_on_all_ranks = parallel_spans_world_unchecked(comm);
  }
  if (!user_facing) return PetscTraceBackErrorHandler(comm, line, function, file, code, type, message, NULL);
  if (type == PETSC_ERROR_INITIAL) {
    /* Unchecked queries: a PETSc error raised here would re-enter this handler. */
    int rank = parallel_rank_unchecked(comm), world_rank = parallel_rank_unchecked(PETSC_COMM_WORLD);
    /* A collective error is printed once, by the communicator's first rank. */
    char named[1024] = "";
    if (message) name_the_option(message, named, sizeof named);
    if (named[0]) message = named;
    if (rank == 0) {
      if (world_rank)
        fprintf(stderr, "nanoforge: error (rank %d): %s\n", world_rank, message ? message : "unknown");
      else
        fprintf(stderr, "nanoforge: error: %s\n", message ? message : "unknown");
      fflush(stderr);
    }
  }
  return code;
}

PetscErrorCode error_share_from_rank0(MPI_Comm comm, PetscErrorCode status)
{
  struct {
    int  code;
    char message[2048];
  } shared = {0, ""};
  PetscBool root;
  PetscFunctionBeginUser;
  PetscCall(parallel_is_root(comm, &root));
  if (root && status) {
    const char *text     = NULL;
    char       *specific = NULL;
    shared.code          = (int)status;
    PetscErrorMessage(status, &text, &specific);
    PetscCall(PetscStrncpy(shared.message,
                           specific ? specific
                           : text   ? text
                                    : "error on rank 0",
                           sizeof shared.message));
  }
  PetscCall(parallel_broadcast_bytes(comm, &shared, sizeof shared));
  if (shared.code) {
    /* PETSc stores messages with a trailing newline; the handler adds its own. */
    size_t n = strlen(shared.message);
    while (n && (shared.message[n - 1] == '\n' || shared.message[n - 1] == ' ')) shared.message[--n] = 0;
    SETERRQ(comm, (PetscErrorCode)shared.code, "%s", shared.message);
  }
  PetscFunctionReturn(0);
}
