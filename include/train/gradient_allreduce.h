/* gradient_allreduce.h — averaging the gradient buffer over data-parallel replicas (MPI):
 * buckets of one contiguous buffer reduced with MPI_Iallreduce, started from the network's
 * gradient hook while backward still runs; batch-norm statistics summed the same way; and
 * the checksum comparison that proves the replicas stayed identical. */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "nn/unet.h"

typedef struct GradientReducer GradientReducer;
/* bucket_floats: floats per MPI_Iallreduce; overlap: start buckets from the gradient hook. */
PetscErrorCode gradient_reducer_create(MPI_Comm comm, float *gradients, size_t count, size_t bucket_floats,
                                       PetscBool overlap, GradientReducer **reducer);
PetscErrorCode gradient_reducer_destroy(GradientReducer **reducer);
/* Attach to the network (gradient hook, and the batch-norm reducer when sync_batchnorm). */
PetscErrorCode gradient_reducer_attach(GradientReducer *reducer, UNet *net, PetscBool sync_batchnorm);
/* Before backward: nothing started yet. */
PetscErrorCode gradient_reducer_begin(GradientReducer *reducer);
/* After backward: start what is left, wait for all, divide by the rank count. */
PetscErrorCode gradient_reducer_finish(GradientReducer *reducer);
/* Turn a sum over `replicas` replicas into their average, in place (the last step of finish). */
void gradient_sum_to_average(float *gradients, size_t count, int replicas);
/* Seconds spent in MPI calls for gradients so far, and the part spent waiting in finish. */
void gradient_reducer_times(const GradientReducer *reducer, double *mpi_seconds, double *wait_seconds);
/* Collective: error naming the step if the parameter checksums of the ranks differ. */
PetscErrorCode replicas_check(MPI_Comm comm, const float *parameters, size_t count, PetscInt step);

/* FNV-1a 64 over the bytes of a float buffer (replica checks, test comparisons). */
uint64_t training_checksum(const float *values, size_t count);
