/* provenance.h — what produced an output file: version, git revision, compiler,
 * flags, the full options string, rank count, host and time. Recorded in every file
 * the program writes (HDF5 attributes, a comment line in text formats). */
#pragma once
#include <petscsys.h>

typedef struct {
  char  version[32];       /* nanoforge version */
  char  git_revision[64];  /* `git describe --always --dirty` at build time */
  char  compiler[256];     /* compiler identification (__VERSION__) */
  char  build_flags[1024]; /* compiler command and flags used */
  char  hostname[128];     /* host of rank 0 */
  char  started_utc[32];   /* ISO-8601 time the provenance was collected */
  int   size;              /* MPI_Comm_size of the run */
  char *options;           /* every option given, as one string */
} Provenance;

/* Collective on comm (uses rank 0's host name). */
PetscErrorCode provenance_create(MPI_Comm comm, Provenance **provenance);
PetscErrorCode provenance_destroy(Provenance **provenance);
/* Human-readable block, one "key: value" per line, each prefixed with `prefix`. */
PetscErrorCode provenance_print(const Provenance *provenance, FILE *stream, const char *prefix);
/* One line "nanoforge VERSION (REV) options: ..." for text-file headers; free with PetscFree. */
PetscErrorCode provenance_one_line(const Provenance *provenance, char **line);
