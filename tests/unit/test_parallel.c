/* test_parallel.c — the parallel module's reductions and broadcasts give exact values.
 * Serially (as a unit test) on 1 rank, and under `mpirun -np 3` (run by
 * tests/integration/test_parallel.sh), where a sum computed as a max (or the reverse), an and
 * computed as an or, a counter reduced in 32 bits, or a broadcast from the wrong rank fails a
 * case: every expected value below is written as a function of the rank count, and the values
 * are chosen so that sum, max, last-rank and rank-0 answers all differ from 2 ranks on. */
#include <stdint.h>
#include "core/parallel.h"
#include "unit.h"

static void ranks(int *rank, int *size)
{
  MPI_Comm_rank(PETSC_COMM_WORLD, rank);
  MPI_Comm_size(PETSC_COMM_WORLD, size);
}

static void test_rank_queries(void)
{
  int       rank, size, got_rank = -1, got_size = -1;
  PetscBool root = PETSC_FALSE;
  ranks(&rank, &size);
  UNIT_CALL(parallel_rank(PETSC_COMM_WORLD, &got_rank));
  UNIT_CALL(parallel_size(PETSC_COMM_WORLD, &got_size));
  UNIT_CALL(parallel_is_root(PETSC_COMM_WORLD, &root));
  UNIT_CHECK(got_rank == rank && got_size == size, "parallel_rank/size %d/%d, MPI says %d/%d", got_rank, got_size, rank,
             size);
  UNIT_CHECK(root == (rank == 0), "parallel_is_root %d on rank %d", (int)root, rank);
  UNIT_CHECK(parallel_rank_unchecked(PETSC_COMM_WORLD) == rank && parallel_rank_unchecked(MPI_COMM_NULL) == 0,
             "unchecked rank %d on rank %d", parallel_rank_unchecked(PETSC_COMM_WORLD), rank);
  UNIT_CHECK(parallel_spans_world_unchecked(PETSC_COMM_WORLD), "PETSC_COMM_WORLD does not span the world");
  UNIT_CHECK(parallel_spans_world_unchecked(PETSC_COMM_SELF) == (size == 1),
             "PETSC_COMM_SELF spans the world of %d ranks: %d", size,
             (int)parallel_spans_world_unchecked(PETSC_COMM_SELF));
}

/* Counters beyond 32 bits; rank 1 holds the largest first counter, the last rank the smallest
 * second one, so neither the sum nor the max equals any one rank's value (from 3 ranks). */
static void test_int64_counters(void)
{
  int           rank, size;
  const int64_t big = INT64_C(10000000000); /* 1e10: truncated by a 32-bit reduction */
  ranks(&rank, &size);
  int64_t local[3] = {big * (rank + 1), rank == 1 ? 100 : rank, -(int64_t)(rank + 1)}, sum[3] = {0}, max[3] = {0};
  UNIT_CALL(parallel_sum_int64(PETSC_COMM_WORLD, local, sum, 3));
  UNIT_CALL(parallel_max_int64(PETSC_COMM_WORLD, local, max, 3));
  const int64_t n = size, middle_sum = (size > 1 ? 100 : 0) + (n * (n - 1) / 2 - (size > 1 ? 1 : 0));
  UNIT_CHECK(sum[0] == big * n * (n + 1) / 2, "sum of (rank+1)*1e10 over %d ranks: %lld", size, (long long)sum[0]);
  UNIT_CHECK(sum[1] == middle_sum && sum[2] == -n * (n + 1) / 2, "sums %lld %lld, expected %lld %lld",
             (long long)sum[1], (long long)sum[2], (long long)middle_sum, (long long)(-n * (n + 1) / 2));
  UNIT_CHECK(max[0] == big * n && max[1] == (size > 1 ? 100 : 0) && max[2] == -1,
             "max %lld %lld %lld, expected %lld %d -1", (long long)max[0], (long long)max[1], (long long)max[2],
             (long long)(big * n), size > 1 ? 100 : 0);
  UNIT_CHECK(local[0] == big * (rank + 1), "the input was changed: %lld", (long long)local[0]);
  /* In place: one array for both. */
  int64_t counts[2] = {rank + 1, 2};
  UNIT_CALL(parallel_sum_int64(PETSC_COMM_WORLD, counts, counts, 2));
  UNIT_CHECK(counts[0] == n * (n + 1) / 2 && counts[1] == 2 * n, "in-place sum %lld %lld, expected %lld %lld",
             (long long)counts[0], (long long)counts[1], (long long)(n * (n + 1) / 2), (long long)(2 * n));
}

static void test_double_sums(void)
{
  int rank, size;
  ranks(&rank, &size);
  double local[2] = {0.5 * (rank + 1), rank == 0 ? 7.25 : -1}, sum[2], max[2];
  UNIT_CALL(parallel_sum_double(PETSC_COMM_WORLD, local, sum, 2));
  UNIT_CALL(parallel_max_double(PETSC_COMM_WORLD, local, max, 2));
  UNIT_CHECK(sum[0] == 0.25 * size * (size + 1) && sum[1] == 7.25 - (size - 1), "double sums %g %g on %d ranks", sum[0],
             sum[1], size);
  UNIT_CHECK(max[0] == 0.5 * size && max[1] == 7.25, "double max %g %g on %d ranks", max[0], max[1], size);
}

static void test_logical(void)
{
  int       rank, size;
  PetscBool all = PETSC_TRUE, any = PETSC_FALSE;
  ranks(&rank, &size);
  /* False on rank 1 only: and is false from 2 ranks on, or stays true. */
  UNIT_CALL(parallel_and(PETSC_COMM_WORLD, rank != 1 ? PETSC_TRUE : PETSC_FALSE, &all));
  UNIT_CALL(parallel_or(PETSC_COMM_WORLD, rank != 1 ? PETSC_TRUE : PETSC_FALSE, &any));
  UNIT_CHECK(all == (size == 1) && any, "false on rank 1 of %d: and %d, or %d", size, (int)all, (int)any);
  /* True on the last rank only. */
  UNIT_CALL(parallel_and(PETSC_COMM_WORLD, rank == size - 1 ? PETSC_TRUE : PETSC_FALSE, &all));
  UNIT_CALL(parallel_or(PETSC_COMM_WORLD, rank == size - 1 ? PETSC_TRUE : PETSC_FALSE, &any));
  UNIT_CHECK(all == (size == 1) && any, "true on the last of %d ranks: and %d, or %d", size, (int)all, (int)any);
  UNIT_CALL(parallel_or(PETSC_COMM_WORLD, PETSC_FALSE, &any));
  UNIT_CALL(parallel_and(PETSC_COMM_WORLD, PETSC_TRUE, &all));
  UNIT_CHECK(!any && all, "false everywhere: or %d; true everywhere: and %d", (int)any, (int)all);
}

static void test_broadcasts(void)
{
  int  rank, size;
  char path[64];
  ranks(&rank, &size);
  /* Other ranks hold a longer text: a broadcast of only the short one's bytes without its NUL
   * would leave their tail. */
  if (rank == 0)
    strcpy(path, "runs/a b/db.h5");
  else
    snprintf(path, sizeof path, "rank %d's own, longer text %d", rank, rank);
  UNIT_CALL(parallel_broadcast_string(PETSC_COMM_WORLD, path, sizeof path));
  UNIT_CHECK(!strcmp(path, "runs/a b/db.h5"), "rank %d has '%s' after the broadcast", rank, path);

  struct {
    int64_t count;
    double  seconds;
    char    tag[5];
  } facts = {rank == 0 ? 42 : -rank, rank == 0 ? 1.5 : 0, "none"};
  if (rank == 0) memcpy(facts.tag, "root", 5);
  UNIT_CALL(parallel_broadcast_bytes(PETSC_COMM_WORLD, &facts, sizeof facts));
  UNIT_CHECK(facts.count == 42 && facts.seconds == 1.5 && !strcmp(facts.tag, "root"), "rank %d has {%lld, %g, %s}",
             rank, (long long)facts.count, facts.seconds, facts.tag);
  UNIT_CALL(parallel_barrier(PETSC_COMM_WORLD, "test: every rank checked its broadcasts"));
}

/* A text longer than any fixed buffer (FFTW wisdom is tens of kB): every rank gets rank 0's
 * bytes, in a copy of its own, even where its own argument was something else. */
static void test_broadcast_text(void)
{
  int    rank;
  size_t n = 70000;
  char  *mine, *got = NULL;
  UNIT_CALL(parallel_rank(PETSC_COMM_WORLD, &rank));
  UNIT_CALL(PetscMalloc1(n + 1, &mine));
  for (size_t i = 0; i < n; i++) mine[i] = (char)(rank == 0 ? 'a' + i % 26 : 'Z');
  mine[n] = 0;
  UNIT_CALL(parallel_broadcast_text(PETSC_COMM_WORLD, mine, &got));
  size_t wrong = 0;
  for (size_t i = 0; i < n; i++) wrong += got[i] != (char)('a' + i % 26);
  UNIT_CHECK(got != mine && strlen(got) == n && wrong == 0,
             "rank %d: %zu of %zu characters differ from rank 0's (length %zu)", rank, wrong, n, strlen(got));
  UNIT_CALL(PetscFree(got));
  UNIT_CALL(PetscFree(mine));
}

/* Rank 0's text without room for its NUL: every rank refuses (none waits for bytes). */
static void test_broadcast_too_long(void)
{
  char text[4] = {'a', 'b', 'c', 'd'};
  UNIT_CALL_FAILS(parallel_broadcast_string(PETSC_COMM_WORLD, text, sizeof text));
  UNIT_CALL_FAILS(parallel_sum_int64(PETSC_COMM_WORLD, NULL, NULL, -1));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_rank_queries);
  UNIT_RUN(test_int64_counters);
  UNIT_RUN(test_double_sums);
  UNIT_RUN(test_logical);
  UNIT_RUN(test_broadcasts);
  UNIT_RUN(test_broadcast_text);
  UNIT_RUN(test_broadcast_too_long);
  return UNIT_END();
}
