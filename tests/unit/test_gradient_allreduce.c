/* test_gradient_allreduce.c — the gradient averaging and the replica check.
 * Serially (as a unit test): one rank leaves gradients unchanged; the checksum sees a one-bit
 * change. Under `mpirun -np 2` (run by tests/integration/test_train.sh): bucketed
 * MPI_Iallreduce with a bucket size that does not divide the buffer gives the exact average
 * on both ranks; the replica check passes for equal buffers and fails for different ones. */
#include <math.h>
#include "train/gradient_allreduce.h"
#include "unit.h"

static void test_reduce_average(void)
{
  int rank, size;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  enum { N = 1003 };
  static float     gradients[N];
  GradientReducer *r = NULL;
  for (int i = 0; i < N; i++) gradients[i] = (float)(rank + 0.5 * i);
  UNIT_CALL(gradient_reducer_create(PETSC_COMM_WORLD, gradients, N, 7, PETSC_TRUE, &r));
  UNIT_CALL(gradient_reducer_begin(r));
  UNIT_CALL(gradient_reducer_finish(r));
  /* average over ranks of (rank + 0.5 i) = (size - 1)/2 + 0.5 i, exact in float for these values */
  int wrong = 0;
  for (int i = 0; i < N; i++) wrong += gradients[i] != (float)((size - 1) / 2.0 + 0.5 * i);
  UNIT_CHECK(wrong == 0, "%d of %d averaged gradients wrong on rank %d (size %d); g[1] = %g", wrong, N, rank, size,
             gradients[1]);
  double mpi, wait;
  gradient_reducer_times(r, &mpi, &wait);
  UNIT_CHECK(mpi >= wait && wait >= 0, "times %g %g", mpi, wait);
  UNIT_CALL(gradient_reducer_destroy(&r));
}

/* Serially: the sum of 4 replicas' gradients becomes their average (fails if the division is
 * dropped, or divides by the wrong count, which the 1-rank path above cannot see). */
static void test_sum_to_average(void)
{
  float       sums[5]     = {4, -8, 0.5f, 1e-3f, 3};
  const float expected[5] = {1, -2, 0.125f, 2.5e-4f, 0.75f};
  gradient_sum_to_average(sums, 5, 4);
  int wrong = 0;
  for (int i = 0; i < 5; i++) wrong += sums[i] != expected[i];
  UNIT_CHECK(wrong == 0, "sum of 4 replicas to average: %d of 5 wrong (g[0] = %g, expected 1)", wrong, sums[0]);
  float three[2] = {3, -6};
  gradient_sum_to_average(three, 2, 3);
  UNIT_CHECK(fabsf(three[0] - 1) < 1e-6f && fabsf(three[1] + 2) < 1e-6f, "3 replicas: %g %g, expected 1 -2", three[0],
             three[1]);
}

static void test_replicas(void)
{
  int rank, size;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  float w[64];
  for (int i = 0; i < 64; i++) w[i] = (float)i / 3;
  UNIT_CALL(replicas_check(PETSC_COMM_WORLD, w, 64, 1));
  uint64_t before = training_checksum(w, 64);
  unsigned bits;
  memcpy(&bits, &w[17], 4);
  bits ^= 1u;
  memcpy(&w[17], &bits, 4);
  UNIT_CHECK(training_checksum(w, 64) != before, "checksum blind to a one-bit change");
  if (size > 1) {
    if (rank == 0) memcpy(&w[17], &(float){17.0f / 3}, 4); /* rank 0 restores, rank 1 keeps the flipped bit */
    UNIT_CALL_FAILS(replicas_check(PETSC_COMM_WORLD, w, 64, 2));
  }
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_reduce_average);
  UNIT_RUN(test_sum_to_average);
  UNIT_RUN(test_replicas);
  return UNIT_END();
}
