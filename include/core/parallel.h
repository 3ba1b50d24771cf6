/* parallel.h — the small collective helpers the commands and core modules share: who am I
 * (rank, size, root), counters summed or maxed over ranks, logical and/or of a flag, a path or a
 * few bytes sent from rank 0 to all, a barrier that says why it waits, and the abort of a job
 * whose ranks can no longer meet.
 *
 * As in CoMD's parallel.c, these are the only MPI calls of the command layer and of core; the
 * other files that call MPI are listed at the top of docs/architecture.md. A communicator is
 * always passed explicitly (no hidden global); `rank` and `size` mean exactly what
 * MPI_Comm_rank and MPI_Comm_size return. Every verb here is collective on `comm` unless it says
 * otherwise, and every MPI failure becomes a PETSc error (PetscCallMPI).
 *
 * The module has no struct: its state is the communicator the caller holds. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <petscsys.h>

/* MPI_Comm_rank / MPI_Comm_size of comm. Not collective. */
PetscErrorCode parallel_rank(MPI_Comm comm, int *rank);
PetscErrorCode parallel_size(MPI_Comm comm, int *size);
/* True on rank 0 of comm, the rank that reads options files, prints reports and owns journals.
 * Not collective. */
PetscErrorCode parallel_is_root(MPI_Comm comm, PetscBool *is_root);

/* Element-wise over the n counters: every rank receives the sum (or the largest value) of
 * `local` over all ranks in `result`. `result` may be `local` (in place). */
PetscErrorCode parallel_sum_int64(MPI_Comm comm, const int64_t local[], int64_t result[], int n);
PetscErrorCode parallel_max_int64(MPI_Comm comm, const int64_t local[], int64_t result[], int n);
/* The same for seconds and other measured quantities (report lines). */
PetscErrorCode parallel_sum_double(MPI_Comm comm, const double local[], double result[], int n);
PetscErrorCode parallel_max_double(MPI_Comm comm, const double local[], double result[], int n);
/* True on every rank when `local` is true on all ranks (and) or on at least one (or). */
PetscErrorCode parallel_and(MPI_Comm comm, PetscBool local, PetscBool *all);
PetscErrorCode parallel_or(MPI_Comm comm, PetscBool local, PetscBool *any);

/* Rank 0's NUL-terminated `text` (a path, a host name) replaces every other rank's. `capacity`
 * is the size of `text` on every rank; rank 0's text must fit in it with its NUL, else every rank
 * raises PETSC_ERR_ARG_SIZ. */
PetscErrorCode parallel_broadcast_string(MPI_Comm comm, char *text, size_t capacity);
/* Rank 0's NUL-terminated `root_text` (any length; ignored on other ranks) to every rank: each
 * rank, rank 0 included, gets its own copy in *text, to be freed with PetscFree. */
PetscErrorCode parallel_broadcast_text(MPI_Comm comm, const char *root_text, char **text);
/* Rank 0's n bytes (a small struct of plain fields: the ranks run one build on one kind of
 * host) replace every other rank's. */
PetscErrorCode parallel_broadcast_bytes(MPI_Comm comm, void *bytes, size_t n);

/* Wait until every rank of comm arrives. `purpose` says why the program waits there, for the
 * reader and for -info (PetscInfo prints it on entry). */
PetscErrorCode parallel_barrier(MPI_Comm comm, const char *purpose);

/* For the error handler, where raising a PETSc error would re-enter the handler: these never
 * raise. The rank of comm (0 when comm is MPI_COMM_NULL or the query fails), and whether comm
 * spans every rank of PETSC_COMM_WORLD (so every rank meets an error raised on it). Not
 * collective. */
int       parallel_rank_unchecked(MPI_Comm comm);
PetscBool parallel_spans_world_unchecked(MPI_Comm comm);
/* End every rank of comm with exit status `status`: for an error met by some ranks only,
 * where the others may wait in a collective call forever. Does not return. */
void parallel_abort(MPI_Comm comm, int status);
