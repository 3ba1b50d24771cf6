/* parallel.c — the shared collective helpers (see parallel.h). This file uses MPI: it holds
 * the MPI calls of the command layer and of core, as CoMD's parallel.c does for CoMD. */
#include <limits.h>
#include <string.h>
#include "core/parallel.h"

PetscErrorCode parallel_rank(MPI_Comm comm, int *rank)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, rank));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_size(MPI_Comm comm, int *size)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, size));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_is_root(MPI_Comm comm, PetscBool *is_root)
{
  int rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *is_root = rank == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* One allreduce of n values; in place when the caller passes one array for both. */
static PetscErrorCode allreduce(MPI_Comm comm, const void *local, void *result, int n, MPI_Datatype type,
                                MPI_Op operation)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "parallel: %d values to reduce; allowed: 0 or more", n);
  PetscCallMPI(MPI_Allreduce(local == result ? MPI_IN_PLACE : local, result, n, type, operation, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_sum_int64(MPI_Comm comm, const int64_t local[], int64_t result[], int n)
{
  PetscFunctionBeginUser;
  PetscCall(allreduce(comm, local, result, n, MPI_INT64_T, MPI_SUM));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_max_int64(MPI_Comm comm, const int64_t local[], int64_t result[], int n)
{
  PetscFunctionBeginUser;
  PetscCall(allreduce(comm, local, result, n, MPI_INT64_T, MPI_MAX));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_sum_double(MPI_Comm comm, const double local[], double result[], int n)
{
  PetscFunctionBeginUser;
  PetscCall(allreduce(comm, local, result, n, MPI_DOUBLE, MPI_SUM));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_max_double(MPI_Comm comm, const double local[], double result[], int n)
{
  PetscFunctionBeginUser;
  PetscCall(allreduce(comm, local, result, n, MPI_DOUBLE, MPI_MAX));
  PetscFunctionReturn(0);
}

/* PetscBool is an enum of unspecified width: reduce a plain int. */
static PetscErrorCode logical(MPI_Comm comm, PetscBool local, MPI_Op operation, PetscBool *result)
{
  int value = local ? 1 : 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, operation, comm));
  *result = value ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_and(MPI_Comm comm, PetscBool local, PetscBool *all)
{
  PetscFunctionBeginUser;
  PetscCall(logical(comm, local, MPI_LAND, all));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_or(MPI_Comm comm, PetscBool local, PetscBool *any)
{
  PetscFunctionBeginUser;
  PetscCall(logical(comm, local, MPI_LOR, any));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_broadcast_string(MPI_Comm comm, char *text, size_t capacity)
{
  int     rank;
  int64_t length = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* The length goes first so that every rank refuses an unterminated text together. */
  if (rank == 0) length = (int64_t)strnlen(text, capacity);
  PetscCallMPI(MPI_Bcast(&length, 1, MPI_INT64_T, 0, comm));
  PetscCheck((size_t)length < capacity && length < INT_MAX, comm, PETSC_ERR_ARG_SIZ,
             "parallel: rank 0's text of %lld bytes does not fit a buffer of %zu with its NUL", (long long)length,
             capacity);
  PetscCallMPI(MPI_Bcast(text, (int)length + 1, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_broadcast_text(MPI_Comm comm, const char *root_text, char **text)
{
  int     rank;
  int64_t length = 0;
  PetscFunctionBeginUser;
  *text = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) length = (int64_t)strlen(root_text);
  PetscCallMPI(MPI_Bcast(&length, 1, MPI_INT64_T, 0, comm));
  PetscCheck(length < INT_MAX, comm, PETSC_ERR_ARG_SIZ,
             "parallel: rank 0's text of %lld bytes is above the %d a broadcast carries", (long long)length, INT_MAX);
  PetscCall(PetscMalloc1((size_t)length + 1, text));
  if (rank == 0) memcpy(*text, root_text, (size_t)length + 1);
  PetscCallMPI(MPI_Bcast(*text, (int)length + 1, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_broadcast_bytes(MPI_Comm comm, void *bytes, size_t n)
{
  PetscFunctionBeginUser;
  PetscCheck(n <= INT_MAX, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "parallel: %zu bytes to broadcast; allowed: at most %d (a small struct)", n, INT_MAX);
  PetscCallMPI(MPI_Bcast(bytes, (int)n, MPI_BYTE, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode parallel_barrier(MPI_Comm comm, const char *purpose)
{
  PetscFunctionBeginUser;
  PetscCall(PetscInfo(NULL, "barrier: %s\n", purpose));
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

int parallel_rank_unchecked(MPI_Comm comm)
{
  int rank = 0;
  if (comm == MPI_COMM_NULL || MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return 0;
  return rank;
}

PetscBool parallel_spans_world_unchecked(MPI_Comm comm)
{
  int comparison = MPI_UNEQUAL, world_size = 1;
  if (MPI_Comm_size(PETSC_COMM_WORLD, &world_size) != MPI_SUCCESS) return PETSC_FALSE;
  if (world_size == 1) return PETSC_TRUE;
  if (comm == MPI_COMM_NULL || MPI_Comm_compare(comm, PETSC_COMM_WORLD, &comparison) != MPI_SUCCESS) return PETSC_FALSE;
  return comparison == MPI_IDENT || comparison == MPI_CONGRUENT ? PETSC_TRUE : PETSC_FALSE;
}

void parallel_abort(MPI_Comm comm, int status) { MPI_Abort(comm, status); }
