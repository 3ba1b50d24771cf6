/* gradient_allreduce.c — averaging the gradient buffer over the replicas, and checks that
 * the replicas stay identical.  MPI LIVES HERE (MPI_Iallreduce, MPI_Allreduce, MPI_Waitall).
 *
 * The network lays its parameters out in backward order and reports through its gradient
 * hook how many leading floats are final; each full bucket is started at once with
 * MPI_Iallreduce (in place, SUM), so the exchange of early buckets overlaps the rest of the
 * backward pass. Without an MPI progress thread a started reduction advances only inside MPI
 * calls: the hook calls MPI_Testall each time to push them along (and synchronised batch
 * norm calls MPI_Allreduce during backward, which progresses them too). Buckets always cover
 * the same float ranges in the same order on every rank, so the collective order matches.
 * The sum of the same values in the same tree is bit-identical on every rank. */
#include <math.h>
#include "core/error_check.h"
#include "core/timing.h"
#include "train/gradient_allreduce.h"

struct GradientReducer {
  MPI_Comm     comm;
  int          size;
  float       *gradients;
  size_t       count;   /* floats in the buffer */
  size_t       bucket;  /* floats per bucket */
  size_t       started; /* leading floats whose reduction is started */
  PetscBool    overlap;
  MPI_Request *requests;
  int          n_requests, capacity;
  double       mpi_seconds, wait_seconds;
};

PetscErrorCode gradient_reducer_create(MPI_Comm comm, float *gradients, size_t count, size_t bucket_floats,
                                       PetscBool overlap, GradientReducer **out)
{
  GradientReducer *r;

  PetscFunctionBeginUser;
  PetscCheck(bucket_floats > 0, comm, PETSC_ERR_USER_INPUT, "-allreduce_bucket %zu: must be positive", bucket_floats);
  PetscCall(PetscCalloc1(1, &r));
  r->comm = comm;
  PetscCallMPI(MPI_Comm_size(comm, &r->size));
  r->gradients = gradients, r->count = count, r->bucket = bucket_floats, r->overlap = overlap;
  r->capacity = (int)((count + bucket_floats - 1) / bucket_floats) + 1;
  PetscCall(PetscMalloc1(r->capacity, &r->requests));
  *out = r;
  PetscFunctionReturn(0);
}

PetscErrorCode gradient_reducer_destroy(GradientReducer **r)
{
  PetscFunctionBeginUser;
  if (!*r) PetscFunctionReturn(0);
  PetscCall(PetscFree((*r)->requests));
  PetscCall(PetscFree(*r));
  PetscFunctionReturn(0);
}

/* Start buckets up to `ready` floats (all of them when ready == count). */
static PetscErrorCode start_buckets(GradientReducer *r, size_t ready)
{
  PetscFunctionBeginUser;
  if (r->size == 1) {
    r->started = ready;
    PetscFunctionReturn(0);
  }
  double t0 = MPI_Wtime();
  while (r->started < ready && (r->started + r->bucket <= ready || ready == r->count)) {
    size_t n = PetscMin(r->bucket, r->count - r->started);
    PetscCheck(r->n_requests < r->capacity, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many gradient buckets");
    PetscCallMPI(MPI_Iallreduce(MPI_IN_PLACE, r->gradients + r->started, (int)n, MPI_FLOAT, MPI_SUM, r->comm,
                                &r->requests[r->n_requests++]));
    r->started += n;
  }
  if (r->n_requests) {
    int done;
    PetscCallMPI(MPI_Testall(r->n_requests, r->requests, &done, MPI_STATUSES_IGNORE));
    if (done) r->n_requests = 0; /* all completed requests are MPI_REQUEST_NULL now */
  }
  r->mpi_seconds += MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode gradient_hook(void *context, size_t ready)
{
  GradientReducer *r = (GradientReducer *)context;
  PetscFunctionBeginUser;
  if (r->overlap) PetscCall(start_buckets(r, ready));
  PetscFunctionReturn(0);
}

static PetscErrorCode batchnorm_sum(void *context, double *values, int count)
{
  GradientReducer *r = (GradientReducer *)context;
  PetscFunctionBeginUser;
  double t0 = MPI_Wtime();
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, r->comm));
  r->mpi_seconds += MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

PetscErrorCode gradient_reducer_attach(GradientReducer *r, UNet *net, PetscBool sync_batchnorm)
{
  PetscFunctionBeginUser;
  unet_set_gradient_hook(net, r->size > 1 ? gradient_hook : NULL, r);
  unet_set_batchnorm_reducer(net, (r->size > 1 && sync_batchnorm) ? batchnorm_sum : NULL, r);
  PetscFunctionReturn(0);
}

PetscErrorCode gradient_reducer_begin(GradientReducer *r)
{
  PetscFunctionBeginUser;
  r->started    = 0;
  r->n_requests = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode gradient_reducer_finish(GradientReducer *r)
{
  PetscFunctionBeginUser;
  if (r->size == 1) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(NF_EVENT_ALLREDUCE, 0, 0, 0, 0));
  PetscCall(start_buckets(r, r->count));
  double t0 = MPI_Wtime();
  PetscCallMPI(MPI_Waitall(r->n_requests, r->requests, MPI_STATUSES_IGNORE));
  double waited = MPI_Wtime() - t0;
  r->wait_seconds += waited, r->mpi_seconds += waited;
  r->n_requests = 0;
  gradient_sum_to_average(r->gradients, r->count, r->size);
  PetscCall(PetscLogEventEnd(NF_EVENT_ALLREDUCE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A multiplication by 1/replicas is exact for power-of-two rank counts. */
void gradient_sum_to_average(float *gradients, size_t count, int replicas)
{
  const float scale = 1.0f / (float)replicas;
  for (size_t i = 0; i < count; i++) gradients[i] *= scale;
}

void gradient_reducer_times(const GradientReducer *r, double *mpi_seconds, double *wait_seconds)
{
  *mpi_seconds  = r->mpi_seconds;
  *wait_seconds = r->wait_seconds;
}

uint64_t training_checksum(const float *values, size_t count)
{
  const unsigned char *bytes = (const unsigned char *)values;
  uint64_t             hash  = 14695981039346656037ull;
  for (size_t i = 0; i < count * sizeof(float); i++) hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

PetscErrorCode replicas_check(MPI_Comm comm, const float *parameters, size_t count, PetscInt step)
{
  uint64_t mine = training_checksum(parameters, count), low, high;
  int      rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Allreduce(&mine, &low, 1, MPI_UINT64_T, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&mine, &high, 1, MPI_UINT64_T, MPI_MAX, comm));
  PetscCheck(
    low == high, comm, PETSC_ERR_PLIB,
    "replicas diverged after step %d: parameter checksums differ between ranks (%016llx vs %016llx); the gradient all-reduce or an optimizer step is not identical on every rank",
    (int)step, (unsigned long long)low, (unsigned long long)high);
  PetscFunctionReturn(0);
}
