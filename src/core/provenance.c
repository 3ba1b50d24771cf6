/* provenance.c — collects build and run facts for every output file.
 * Rank 0's host name and start time are broadcast (parallel module), so every rank records
 * the same provenance. */
#include <time.h>
#include <unistd.h>
#include "core/parallel.h"
#include "core/provenance.h"

#ifndef NF_VERSION
#define NF_VERSION "unknown"
#endif
#ifndef NF_GIT_REVISION
#define NF_GIT_REVISION "unknown"
#endif
#ifndef NF_BUILD_CFLAGS
#define NF_BUILD_CFLAGS "unknown"
#endif

PetscErrorCode provenance_create(MPI_Comm comm, Provenance **out)
{
  Provenance *p;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  PetscCall(PetscStrncpy(p->version, NF_VERSION, sizeof p->version));
  PetscCall(PetscStrncpy(p->git_revision, NF_GIT_REVISION, sizeof p->git_revision));
#ifdef __VERSION__
  PetscCall(PetscSNPrintf(p->compiler, sizeof p->compiler, "%s", "gcc-compatible " __VERSION__));
#else
  PetscCall(PetscStrncpy(p->compiler, "unknown", sizeof p->compiler));
#endif
  PetscCall(PetscStrncpy(p->build_flags, NF_BUILD_CFLAGS, sizeof p->build_flags));
  if (gethostname(p->hostname, sizeof p->hostname - 1))
    PetscCall(PetscStrncpy(p->hostname, "unknown", sizeof p->hostname));
  PetscCall(parallel_broadcast_string(comm, p->hostname, sizeof p->hostname));
  time_t    now = time(NULL);
  struct tm utc;
  gmtime_r(&now, &utc);
  strftime(p->started_utc, sizeof p->started_utc, "%Y-%m-%dT%H:%M:%SZ", &utc);
  PetscCall(parallel_broadcast_string(comm, p->started_utc, sizeof p->started_utc));
  PetscCall(parallel_size(comm, &p->size));
  PetscCall(PetscOptionsGetAll(NULL, &p->options));
  *out = p;
  PetscFunctionReturn(0);
}

PetscErrorCode provenance_destroy(Provenance **p)
{
  PetscFunctionBeginUser;
  if (!*p) PetscFunctionReturn(0);
  PetscCall(PetscFree((*p)->options));
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}

PetscErrorCode provenance_print(const Provenance *p, FILE *stream, const char *prefix)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%sversion: %s\n", prefix, p->version));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%sgit_revision: %s\n", prefix, p->git_revision));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%scompiler: %s\n", prefix, p->compiler));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%sbuild_flags: %s\n", prefix, p->build_flags));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%shost: %s\n", prefix, p->hostname));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%sstarted_utc: %s\n", prefix, p->started_utc));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%sranks: %d\n", prefix, p->size));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "%soptions: %s\n", prefix, p->options));
  PetscFunctionReturn(0);
}

PetscErrorCode provenance_one_line(const Provenance *p, char **line)
{
  size_t length = strlen(p->options) + strlen(p->git_revision) + 128;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(length, line));
  PetscCall(PetscSNPrintf(*line, length, "nanoforge %s (%s) ranks=%d options: %s", p->version, p->git_revision, p->size,
                          p->options));
  PetscFunctionReturn(0);
}
