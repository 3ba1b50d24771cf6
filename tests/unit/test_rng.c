/* test_rng.c — Philox4x32-10 known answers (Salmon et al. 2011 / Random123 kat_vectors)
 * and the statistics of the variates built on it. */
#include "rng.h"
#include "unit.h"

static void test_philox_known_answers(void)
{
  static const uint32_t vectors[3][10] = {
    /* counter[4], key[2], expected[4] */
    {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
  };
  for (int v = 0; v < 3; v++) {
    uint32_t out[4];
    philox4x32_10(vectors[v], vectors[v] + 4, out);
    for (int i = 0; i < 4; i++) UNIT_CHECK(out[i] == vectors[v][6 + i], "vector %d word %d: %08x, expected %08x", v, i, out[i], vectors[v][6 + i]);
  }
}

static void test_streams_reproducible_and_distinct(void)
{
  RngStream a, b, c, d;
  rng_stream_init(&a, 42, 7, RNG_PURPOSE_TEST);
  rng_stream_init(&b, 42, 7, RNG_PURPOSE_TEST);
  rng_stream_init(&c, 42, 8, RNG_PURPOSE_TEST);
  rng_stream_init(&d, 42, 7, RNG_PURPOSE_PHONON);
  int same_ab = 1, same_ac = 0, same_ad = 0;
  for (int i = 0; i < 1000; i++) {
    uint32_t x = rng_uint32(&a), y = rng_uint32(&b), z = rng_uint32(&c), w = rng_uint32(&d);
    same_ab &= (x == y);
    same_ac += (x == z);
    same_ad += (x == w);
  }
  UNIT_CHECK(same_ab, "same key and unit must give the same numbers");
  UNIT_CHECK(same_ac < 3 && same_ad < 3, "different unit or purpose must differ (matches %d, %d)", same_ac, same_ad);
  /* The stream's first words are the Philox block of counter (0, purpose, unit). */
  RngStream e;
  rng_stream_init(&e, 0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3);
  e.counter[0] = 0x243f6a88;
  UNIT_CHECK(rng_uint32(&e) == 0xd16cfe09, "stream layout must follow (block, purpose, unit low, unit high)");
}

static void moments(double *samples, int n, double *mean, double *variance)
{
  double s = 0, s2 = 0;
  for (int i = 0; i < n; i++) s += samples[i];
  *mean = s / n;
  for (int i = 0; i < n; i++) s2 += (samples[i] - *mean) * (samples[i] - *mean);
  *variance = s2 / (n - 1);
}

#define N_DRAWS 100000
static double draws[N_DRAWS];

static void test_uniform_moments(void)
{
  RngStream s;
  rng_stream_init(&s, 1, 0, RNG_PURPOSE_TEST);
  double lowest = 1, highest = 0;
  for (int i = 0; i < N_DRAWS; i++) {
    draws[i] = rng_uniform(&s);
    lowest = fmin(lowest, draws[i]); highest = fmax(highest, draws[i]);
  }
  double mean, variance;
  moments(draws, N_DRAWS, &mean, &variance);
  /* standard error of the mean: sqrt(1/12/N) = 9.1e-4; allow 5 sigma */
  UNIT_CHECK_ABSOLUTE(mean, 0.5, 5 * 9.1e-4);
  UNIT_CHECK_ABSOLUTE(variance, 1.0 / 12.0, 5 * 2.7e-4);
  UNIT_CHECK(lowest > 0.0 && highest < 1.0, "uniform must lie in (0, 1): [%g, %g]", lowest, highest);
}

static void test_normal_moments(void)
{
  RngStream s;
  rng_stream_init(&s, 2, 0, RNG_PURPOSE_TEST);
  for (int i = 0; i < N_DRAWS; i++) draws[i] = rng_normal(&s);
  double mean, variance, skew = 0, kurt = 0;
  moments(draws, N_DRAWS, &mean, &variance);
  for (int i = 0; i < N_DRAWS; i++) {
    double z = (draws[i] - mean) / sqrt(variance);
    skew += z * z * z; kurt += z * z * z * z;
  }
  skew /= N_DRAWS; kurt /= N_DRAWS;
  UNIT_CHECK_ABSOLUTE(mean, 0.0, 5 * 3.2e-3);
  UNIT_CHECK_ABSOLUTE(variance, 1.0, 5 * 4.5e-3);
  UNIT_CHECK_ABSOLUTE(skew, 0.0, 5 * 7.7e-3);
  UNIT_CHECK_ABSOLUTE(kurt, 3.0, 5 * 1.55e-2);
}

static void check_poisson(double lambda, uint64_t seed)
{
  RngStream s;
  rng_stream_init(&s, seed, 0, RNG_PURPOSE_TEST);
  for (int i = 0; i < N_DRAWS; i++) draws[i] = (double)rng_poisson(&s, lambda);
  double mean, variance;
  moments(draws, N_DRAWS, &mean, &variance);
  double se_mean = sqrt(lambda / N_DRAWS);
  double se_var  = lambda * sqrt(2.0 / N_DRAWS) * sqrt(1.0 + 1.0 / (2.0 * lambda));
  UNIT_CHECK(fabs(mean - lambda) < 5 * se_mean, "Poisson(%g): mean %g", lambda, mean);
  UNIT_CHECK(fabs(variance - lambda) < 5 * se_var, "Poisson(%g): variance %g", lambda, variance);
}

static void test_poisson_moments(void)
{
  check_poisson(0.3, 3);
  check_poisson(4.0, 4);
  check_poisson(9.99, 5);
  check_poisson(10.0, 6);
  check_poisson(57.3, 7);
  check_poisson(1200.0, 8);
  check_poisson(1.0e6, 9);
  RngStream s;
  rng_stream_init(&s, 1, 0, RNG_PURPOSE_TEST);
  UNIT_CHECK(rng_poisson(&s, 0.0) == 0, "Poisson(0) must be 0");
}

static void test_poisson_probabilities(void)
{
  /* P(X = k) for lambda = 3 (inversion branch) and frequency of k = 12 at lambda = 12 (PTRS). */
  RngStream s;
  rng_stream_init(&s, 10, 0, RNG_PURPOSE_TEST);
  int count3 = 0, count12 = 0;
  for (int i = 0; i < N_DRAWS; i++) count3 += rng_poisson(&s, 3.0) == 2;
  for (int i = 0; i < N_DRAWS; i++) count12 += rng_poisson(&s, 12.0) == 12;
  double p3 = 4.5 * exp(-3.0), p12 = exp(12 * log(12.0) - 12.0 - lgamma(13.0));
  UNIT_CHECK(fabs(count3 / (double)N_DRAWS - p3) < 5 * sqrt(p3 * (1 - p3) / N_DRAWS), "P(X=2 | 3) = %g, expected %g", count3 / (double)N_DRAWS, p3);
  UNIT_CHECK(fabs(count12 / (double)N_DRAWS - p12) < 5 * sqrt(p12 * (1 - p12) / N_DRAWS), "P(X=12 | 12) = %g, expected %g", count12 / (double)N_DRAWS, p12);
}

static void test_rotation_uniform(void)
{
  RngStream s;
  rng_stream_init(&s, 11, 0, RNG_PURPOSE_TEST);
  double mean[3][3] = {{0}}, worst_orthogonality = 0, worst_determinant = 0, mean_z2 = 0;
  const int n = 20000;
  for (int t = 0; t < n; t++) {
    double r[3][3];
    rng_rotation(&s, r);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        mean[i][j] += r[i][j] / n;
        double dot = 0;
        for (int k = 0; k < 3; k++) dot += r[i][k] * r[j][k];
        worst_orthogonality = fmax(worst_orthogonality, fabs(dot - (i == j)));
      }
    double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    worst_determinant = fmax(worst_determinant, fabs(det - 1));
    mean_z2 += r[2][2] * r[2][2] / n; /* cos² of the angle between z and R z: 1/3 when uniform */
  }
  UNIT_CHECK(worst_orthogonality < 1e-12 && worst_determinant < 1e-12, "rotations must be proper orthogonal (%g, %g)", worst_orthogonality, worst_determinant);
  /* Haar measure: E[R] = 0, each entry has variance 1/3, standard error sqrt(1/3/n) = 4.1e-3 */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) UNIT_CHECK(fabs(mean[i][j]) < 5 * 4.1e-3, "E[R_%d%d] = %g, expected 0", i, j, mean[i][j]);
  UNIT_CHECK_ABSOLUTE(mean_z2, 1.0 / 3.0, 5 * 2.1e-3);
}

static void test_below_unbiased(void)
{
  RngStream s;
  rng_stream_init(&s, 12, 0, RNG_PURPOSE_TEST);
  int counts[7] = {0};
  for (int i = 0; i < 70000; i++) counts[rng_below(&s, 7)]++;
  for (int k = 0; k < 7; k++) UNIT_CHECK(fabs(counts[k] - 10000.0) < 5 * sqrt(10000.0 * 6 / 7), "value %d drawn %d times of 70000", k, counts[k]);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_philox_known_answers);
  UNIT_RUN(test_streams_reproducible_and_distinct);
  UNIT_RUN(test_uniform_moments);
  UNIT_RUN(test_normal_moments);
  UNIT_RUN(test_poisson_moments);
  UNIT_RUN(test_poisson_probabilities);
  UNIT_RUN(test_rotation_uniform);
  UNIT_RUN(test_below_unbiased);
  return UNIT_END();
}
