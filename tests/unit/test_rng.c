/* test_rng.c — Philox4x32-10 known answers (Salmon et al. 2011 / Random123 kat_vectors)
 * and the statistics of the variates built on it. */
#include "core/rng.h"
#include "unit.h"

static void test_philox_known_answers(void)
{
  static const uint32_t vectors[3][10] = {
    /* counter[4], key[2], expected[4] */
    {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c,
     0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
     0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
     0x24126ea1},
  };
  for (int v = 0; v < 3; v++) {
    uint32_t out[4];
    philox4x32_10(vectors[v], vectors[v] + 4, out);
    for (int i = 0; i < 4; i++)
      UNIT_CHECK(out[i] == vectors[v][6 + i], "vector %d word %d: %08x, expected %08x", v, i, out[i],
                 vectors[v][6 + i]);
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
    lowest   = fmin(lowest, draws[i]);
    highest  = fmax(highest, draws[i]);
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
    skew += z * z * z;
    kurt += z * z * z * z;
  }
  skew /= N_DRAWS;
  kurt /= N_DRAWS;
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
  UNIT_CHECK(fabs(count3 / (double)N_DRAWS - p3) < 5 * sqrt(p3 * (1 - p3) / N_DRAWS), "P(X=2 | 3) = %g, expected %g",
             count3 / (double)N_DRAWS, p3);
  UNIT_CHECK(fabs(count12 / (double)N_DRAWS - p12) < 5 * sqrt(p12 * (1 - p12) / N_DRAWS),
             "P(X=12 | 12) = %g, expected %g", count12 / (double)N_DRAWS, p12);
}

static void test_rotation_uniform(void)
{
  RngStream s;
  rng_stream_init(&s, 11, 0, RNG_PURPOSE_TEST);
  double    mean[3][3] = {{0}}, worst_orthogonality = 0, worst_determinant = 0, mean_z2 = 0;
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
    double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
                 r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    worst_determinant = fmax(worst_determinant, fabs(det - 1));
    mean_z2 += r[2][2] * r[2][2] / n; /* cos² of the angle between z and R z: 1/3 when uniform */
  }
  UNIT_CHECK(worst_orthogonality < 1e-12 && worst_determinant < 1e-12, "rotations must be proper orthogonal (%g, %g)",
             worst_orthogonality, worst_determinant);
  /* Haar measure: E[R] = 0, each entry has variance 1/3, standard error sqrt(1/3/n) = 4.1e-3 */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      UNIT_CHECK(fabs(mean[i][j]) < 5 * 4.1e-3, "E[R_%d%d] = %g, expected 0", i, j, mean[i][j]);
  UNIT_CHECK_ABSOLUTE(mean_z2, 1.0 / 3.0, 5 * 2.1e-3);
}

static void test_below_unbiased(void)
{
  RngStream s;
  rng_stream_init(&s, 12, 0, RNG_PURPOSE_TEST);
  int counts[7] = {0};
  for (int i = 0; i < 70000; i++) counts[rng_below(&s, 7)]++;
  for (int k = 0; k < 7; k++)
    UNIT_CHECK(fabs(counts[k] - 10000.0) < 5 * sqrt(10000.0 * 6 / 7), "value %d drawn %d times of 70000", k, counts[k]);
}

/* rng_uniform_at is the Philox block of counter (index, purpose, unit low, unit high): Random123's
 * third known-answer vector, words 0 and 1, mapped to k/2^52 + 2^-53. */
static void test_uniform_at_layout(void)
{
  const uint64_t bits     = ((uint64_t)0xd16cfe09u << 32) | 0x94fdccebu;
  const double   expected = ((double)(bits >> 12) + 0.5) * 0x1.0p-52;
  UNIT_CHECK(rng_uniform_at(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3u, 0x243f6a88u) == expected,
             "rng_uniform_at must follow the layout (index, purpose, unit)");
  int same = 0;
  for (uint32_t i = 0; i < 1000; i++)
    same += rng_uniform_at(1, 2, RNG_PURPOSE_TEST, i) == rng_uniform_at(1, 2, RNG_PURPOSE_TEST, i + 1);
  UNIT_CHECK(same == 0, "consecutive indices gave equal numbers %d times", same);
}

/* Φ⁻¹ against reference values (R qnorm) and the round trip Φ(Φ⁻¹(u)) = u down to 2^-53. */
static void test_normal_quantile(void)
{
  UNIT_CHECK(rng_normal_quantile(0.5) == 0.0, "quantile(0.5) = %g", rng_normal_quantile(0.5));
  UNIT_CHECK_RELATIVE(rng_normal_quantile(0.975), 1.959963984540054, 1e-14);
  UNIT_CHECK_RELATIVE(rng_normal_quantile(1e-10), -6.361340902404056, 1e-13);
  UNIT_CHECK(rng_normal_quantile(1.0 - 0x1.0p-20) == -rng_normal_quantile(0x1.0p-20),
             "the quantile must be odd about 1/2");
  double worst = 0, previous = -INFINITY;
  int    decreasing = 0;
  for (int e = 0; e <= 2000; e++) {
    double u = e < 1000 ? pow(2.0, -53.0 + 52.0 * e / 1000.0) : 0.5 + 0.5 * (e - 1000) / 1000.0 * (1 - 0x1.0p-50);
    double x = rng_normal_quantile(u);
    double p = u <= 0.5 ? 0.5 * erfc(-x / M_SQRT2) : 1.0 - 0.5 * erfc(x / M_SQRT2);
    worst    = fmax(worst, u <= 0.5 ? fabs(p / u - 1) : fabs((1 - p) / (1 - u) - 1));
    decreasing += x < previous;
    previous = x;
  }
  UNIT_CHECK(worst < 1e-12, "Φ(Φ⁻¹(u)) differs from u by a relative %g", worst);
  UNIT_CHECK(decreasing == 0, "the normal quantile decreased %d times on an increasing grid", decreasing);
}

/* Exact Poisson probability of k (log space: fine for the means used here). */
static double poisson_probability(double mean, double k) { return exp(k * log(mean) - mean - lgamma(k + 1.0)); }

/* rng_poisson_quantile of N_DRAWS uniforms: mean and variance within 5 standard errors and a
 * chi-square test against the exact Poisson probabilities, in bins of about sqrt(mean)/4 counts
 * over mean ± 6 sqrt(mean) (bins under 5 expected pooled), at a 1e-6-ish threshold. */
static void check_poisson_quantile(double lambda, uint64_t seed)
{
  for (int i = 0; i < N_DRAWS; i++)
    draws[i] = (double)rng_poisson_quantile(rng_uniform_at(seed, 0, RNG_PURPOSE_TEST, (uint32_t)i), lambda);
  double mean, variance;
  moments(draws, N_DRAWS, &mean, &variance);
  UNIT_CHECK(fabs(mean - lambda) < 5 * sqrt(lambda / N_DRAWS), "Poisson quantile(%g): mean %.10g", lambda, mean);
  UNIT_CHECK(fabs(variance - lambda) < 5 * sqrt((lambda + 2 * lambda * lambda) / N_DRAWS),
             "Poisson quantile(%g): variance %.10g", lambda, variance);
  enum { MAX_BINS = 64 };
  const double width              = fmax(1.0, floor(sqrt(lambda) / 4));
  const double low                = fmax(0.0, floor(lambda - 6 * sqrt(lambda)));
  double       expected[MAX_BINS] = {0}, observed[MAX_BINS] = {0}, outside_expected = 1, outside_observed = 0;
  int          bins = (int)ceil((lambda + 6 * sqrt(lambda) + 10 - low) / width);
  if (bins > MAX_BINS) bins = MAX_BINS;
  for (int b = 0; b < bins; b++)
    for (double k = low + b * width; k < low + (b + 1) * width; k++) expected[b] += poisson_probability(lambda, k);
  for (int i = 0; i < N_DRAWS; i++) {
    int b = draws[i] < low ? -1 : (int)floor((draws[i] - low) / width);
    if (b >= 0 && b < bins) observed[b]++;
  }
  double chi2 = 0;
  int    dof  = 0;
  for (int b = 0; b < bins; b++) {
    if (expected[b] * N_DRAWS < 5) continue; /* pooled with the outside */
    outside_expected -= expected[b];
    chi2 += pow(observed[b] - expected[b] * N_DRAWS, 2) / (expected[b] * N_DRAWS);
    dof++;
  }
  int inside = 0;
  for (int b = 0; b < bins; b++) inside += expected[b] * N_DRAWS >= 5 ? (int)observed[b] : 0;
  outside_observed = N_DRAWS - inside;
  if (outside_expected * N_DRAWS >= 5) {
    chi2 += pow(outside_observed - outside_expected * N_DRAWS, 2) / (outside_expected * N_DRAWS);
    dof++;
  } else {
    UNIT_CHECK(outside_observed <= 5 + outside_expected * N_DRAWS * 10,
               "Poisson quantile(%g): %g draws in bins expecting %g", lambda, outside_observed,
               outside_expected * N_DRAWS);
  }
  dof -= 1;
  UNIT_CHECK(dof >= 1 && chi2 < dof + 5 * sqrt(2.0 * dof) + 10,
             "Poisson quantile(%g): chi-square %g with %d degrees of freedom", lambda, chi2, dof);
}

static void test_poisson_quantile_statistics(void)
{
  check_poisson_quantile(0.1, 21);
  check_poisson_quantile(1.0, 22);
  check_poisson_quantile(10.0, 23);
  check_poisson_quantile(63.9, 24); /* the two branches either side of 64 */
  check_poisson_quantile(64.0, 25);
  check_poisson_quantile(100.0, 26);
  check_poisson_quantile(1.0e4, 27);
  check_poisson_quantile(1.0e8, 28);
  UNIT_CHECK(rng_poisson_quantile(0.5, 0.0) == 0 && rng_poisson_quantile(0.5, -1.0) == 0 &&
               rng_poisson_quantile(0.5, NAN) == 0,
             "mean 0, negative or NaN must give 0");
  UNIT_CHECK(rng_poisson_quantile(1 - 0x1.0p-53, 1e30) == (uint64_t)1.8e19, "huge means are capped at 1.8e19");
}

/* Exact inversion by summing the CDF from 0 (valid to mean ~700): the expansion used from mean 64
 * must agree but for rare uniforms next to a step, and then by one count. Measured over 2e6
 * uniforms: 48 differ at 64, 25 at 100, 7 at 300 (docs/physics.md). */
static void test_poisson_quantile_against_exact(void)
{
  const double means[3] = {64.0, 100.0, 300.0};
  for (int m = 0; m < 3; m++) {
    int differ = 0, far = 0;
    for (uint32_t i = 0; i < 200000; i++) {
      const double u           = rng_uniform_at(31, (uint64_t)m, RNG_PURPOSE_TEST, i);
      double       probability = exp(-means[m]), cumulative = probability;
      uint64_t     k = 0, got = rng_poisson_quantile(u, means[m]);
      while (u > cumulative && k < 5000) {
        k++;
        probability *= means[m] / (double)k;
        cumulative += probability;
      }
      differ += got != k;
      far += got > k + 1 || k > got + 1;
    }
    UNIT_CHECK(far == 0 && differ <= 20,
               "mean %g: %d of 200000 quantiles differ from exact inversion, %d by more than one", means[m], differ,
               far);
  }
}

/* For a fixed uniform the count never decreases as the mean grows (so a last-bit change of the
 * mean changes it by at most one): 2000 uniforms, the extremes included, on a geometric grid of
 * means 1e-3..1e12, a fine grid across the switch at 64, and each mean against its next double. */
static void test_poisson_quantile_monotone(void)
{
  int decreasing = 0, jumps = 0;
  for (uint32_t i = 0; i < 2000; i++) {
    double u = rng_uniform_at(41, 0, RNG_PURPOSE_TEST, i);
    if (i == 0) u = 0x1.0p-53;
    if (i == 1) u = 1 - 0x1.0p-53;
    if (i == 2) u = 0.9;
    if (i == 3) u = nextafter(0.9, 1.0);
    uint64_t previous = 0;
    for (int g = 0; g <= 2000; g++) {
      const double   mean = 1e-3 * pow(1e15, g / 2000.0);
      const uint64_t k = rng_poisson_quantile(u, mean), next = rng_poisson_quantile(u, nextafter(mean, INFINITY));
      decreasing += k < previous || next < k;
      jumps += next > k + 1;
      previous = k;
    }
    previous = 0;
    for (int g = 0; g <= 2000; g++) {
      const uint64_t k = rng_poisson_quantile(u, 60.0 + g * 0.004);
      decreasing += k < previous;
      previous = k;
    }
  }
  UNIT_CHECK(decreasing == 0, "the Poisson quantile decreased %d times as the mean grew", decreasing);
  UNIT_CHECK(jumps == 0, "a last-bit change of the mean moved the count by more than one %d times", jumps);
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
  UNIT_RUN(test_uniform_at_layout);
  UNIT_RUN(test_normal_quantile);
  UNIT_RUN(test_poisson_quantile_statistics);
  UNIT_RUN(test_poisson_quantile_against_exact);
  UNIT_RUN(test_poisson_quantile_monotone);
  return UNIT_END();
}
