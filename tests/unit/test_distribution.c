/* test_distribution.c — parsing of distribution specs, moments of 10^5 draws, bad specs. */
#include "core/distribution.h"
#include "unit.h"

#define N_DRAWS 100000

static void sample_moments(const char *spec, uint64_t seed, double *mean, double *variance, double *lowest,
                           double *highest)
{
  Distribution d;
  RngStream    s;
  double       sum = 0, sum2 = 0;
  UNIT_CALL(distribution_parse("-test", spec, &d));
  rng_stream_init(&s, seed, 0, RNG_PURPOSE_TEST);
  *lowest  = INFINITY;
  *highest = -INFINITY;
  for (int i = 0; i < N_DRAWS; i++) {
    double x;
    UNIT_CALL(distribution_sample(&d, &s, &x));
    sum += x;
    sum2 += x * x;
    *lowest  = fmin(*lowest, x);
    *highest = fmax(*highest, x);
  }
  *mean     = sum / N_DRAWS;
  *variance = (sum2 - N_DRAWS * *mean * *mean) / (N_DRAWS - 1);
}

/* Checks mean and variance within 5 standard errors (kurtosis-aware bound on the variance). */
static void check_moments(const char *spec, double expected_mean, double expected_variance, double excess_kurtosis,
                          double lo, double hi)
{
  double mean, variance, lowest, highest;
  sample_moments(spec, 1234, &mean, &variance, &lowest, &highest);
  double se_mean     = sqrt(expected_variance / N_DRAWS);
  double se_variance = expected_variance * sqrt((2.0 + excess_kurtosis) / N_DRAWS);
  UNIT_CHECK(fabs(mean - expected_mean) <= 5 * se_mean + 1e-12, "%s: mean %.6g, expected %.6g", spec, mean,
             expected_mean);
  UNIT_CHECK(fabs(variance - expected_variance) <= 5 * se_variance + 1e-12, "%s: variance %.6g, expected %.6g", spec,
             variance, expected_variance);
  UNIT_CHECK(lowest >= lo && highest <= hi, "%s: draws in [%g, %g], allowed [%g, %g]", spec, lowest, highest, lo, hi);
}

static void test_constant(void)
{
  check_moments("20", 20, 0, 0, 20, 20);
  check_moments("const:-3.5", -3.5, 0, 0, -3.5, -3.5);
  Distribution d;
  UNIT_CALL(distribution_parse("-radius", " 1e1 ", &d));
  UNIT_CHECK(d.kind == DISTRIBUTION_CONST && d.a == 10.0, "'1e1' must be the constant 10");
  UNIT_CHECK(distribution_is_constant(&d), "a constant is constant");
}

static void test_uniform(void) { check_moments("uniform:2,5", 3.5, 9.0 / 12.0, -1.2, 2, 5); }

static void test_loguniform(void)
{
  double a = 100, b = 1200, L = log(b / a);
  double mean = (b - a) / L, second = (b * b - a * a) / (2 * L);
  check_moments("loguniform:100,1200", mean, second - mean * mean, 0.5, a, b);
}

static void test_normal(void) { check_moments("normal:50,10", 50, 100, 0, -INFINITY, INFINITY); }

static void test_truncated_normal(void)
{
  /* N(0,1) truncated to [-1, 2]: mean = (φ(-1) - φ(2)) / Z, Z = Φ(2) - Φ(-1). */
  double phi_a = exp(-0.5) / sqrt(2 * M_PI), phi_b = exp(-2.0) / sqrt(2 * M_PI);
  double Z        = 0.5 * erfc(-2 / sqrt(2.0)) - 0.5 * erfc(1 / sqrt(2.0));
  double mean     = (phi_a - phi_b) / Z;
  double variance = 1 + (-1 * phi_a - 2 * phi_b) / Z - mean * mean;
  check_moments("normal:0,1,-1,2", mean, variance, 0, -1, 2);
}

static void test_lognormal(void)
{
  double mu = 0.5, sigma = 0.25;
  double mean = exp(mu + sigma * sigma / 2), variance = (exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma);
  double s2 = sigma * sigma, excess = exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 6;
  check_moments("lognormal:0.5,0.25", mean, variance, excess, 0, INFINITY);
}

static void test_int(void)
{
  /* discrete uniform on {1..6}: mean 3.5, variance (36-1)/12 */
  check_moments("int:1,6", 3.5, 35.0 / 12.0, -1.27, 1, 6);
  double mean, variance, lowest, highest;
  sample_moments("int:1,6", 99, &mean, &variance, &lowest, &highest);
  UNIT_CHECK(lowest == 1 && highest == 6, "int:1,6 must reach both ends: [%g, %g]", lowest, highest);
}

static void test_choice_numeric_weighted(void)
{
  /* values 1 (w 0.7) and 3 (w 0.3): mean 1.6, variance 0.84 */
  check_moments("choice:1@0.7,3@0.3", 1.6, 0.84, -1.2, 1, 3);
  check_moments("choice:2,4,6", 4, 8.0 / 3.0, -1.5, 2, 6);
}

static void test_choice_labels(void)
{
  Distribution d;
  RngStream    s;
  char         label[DISTRIBUTION_LABEL_LEN];
  int          au = 0;
  UNIT_CALL(distribution_parse("-material", "choice:Au@0.7,Ag@0.3", &d));
  UNIT_CHECK(!d.numeric && d.n_choices == 2, "labels are not numeric");
  rng_stream_init(&s, 5, 0, RNG_PURPOSE_TEST);
  for (int i = 0; i < N_DRAWS; i++) {
    UNIT_CALL(distribution_sample_label(&d, &s, label));
    au += !strcmp(label, "Au");
    UNIT_CHECK(!strcmp(label, "Au") || !strcmp(label, "Ag"), "unexpected label %s", label);
  }
  UNIT_CHECK(fabs(au / (double)N_DRAWS - 0.7) < 5 * sqrt(0.21 / N_DRAWS), "Au drawn %d of %d, expected 70%%", au,
             N_DRAWS);
  double x;
  UNIT_CALL_FAILS(distribution_sample(&d, &s, &x));
}

static void test_same_seed_same_draws(void)
{
  Distribution d;
  RngStream    a, b;
  UNIT_CALL(distribution_parse("-defocus", "normal:0,50", &d));
  rng_stream_init(&a, 77, 3, RNG_PURPOSE_IMAGING);
  rng_stream_init(&b, 77, 3, RNG_PURPOSE_IMAGING);
  for (int i = 0; i < 100; i++) {
    double x, y;
    UNIT_CALL(distribution_sample(&d, &a, &x));
    UNIT_CALL(distribution_sample(&d, &b, &y));
    UNIT_CHECK(x == y, "draw %d differs: %.17g vs %.17g", i, x, y);
  }
}

static void test_bad_specs(void)
{
  static const char *bad[] = {"uniform:5,1",
                              "uniform:1,1",
                              "normal:0,-1",
                              "normal:0,0",
                              "choice:",
                              "choice:,",
                              "loguniform:0,5",
                              "loguniform:-1,5",
                              "int:1.5,3",
                              "int:5,1",
                              "gauss:0,1",
                              "uniform:1",
                              "uniform:1,2,3",
                              "uniform:a,b",
                              "normal:0,1,5,1",
                              "normal:0,1,10,11",
                              "choice:Au@0.7,Ag",
                              "choice:Au@-1,Ag@2",
                              "",
                              "abc",
                              "1.0x",
                              "const:",
                              "lognormal:0,-2",
                              "uniform:nan,2",
                              "uniform:1,inf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    Distribution d;
    UNIT_CALL_FAILS(distribution_parse("-test", bad[i], &d));
  }
}

static void test_range_checks(void)
{
  Distribution d;
  UNIT_CALL(distribution_parse("-dose", "uniform:100,1200", &d));
  UNIT_CALL(distribution_check_range(&d, 0, INFINITY, "dose >= 0"));
  UNIT_CALL(distribution_parse("-dose", "normal:100,10", &d));
  UNIT_CALL_FAILS(distribution_check_range(&d, 0, INFINITY, "dose >= 0"));
  UNIT_CALL(distribution_parse("-dose", "normal:100,10,0,200", &d));
  UNIT_CALL(distribution_check_range(&d, 0, INFINITY, "dose >= 0"));
  UNIT_CALL(distribution_parse("-dose", "-5", &d));
  UNIT_CALL_FAILS(distribution_check_range(&d, 0, INFINITY, "dose >= 0"));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_constant);
  UNIT_RUN(test_uniform);
  UNIT_RUN(test_loguniform);
  UNIT_RUN(test_normal);
  UNIT_RUN(test_truncated_normal);
  UNIT_RUN(test_lognormal);
  UNIT_RUN(test_int);
  UNIT_RUN(test_choice_numeric_weighted);
  UNIT_RUN(test_choice_labels);
  UNIT_RUN(test_same_seed_same_draws);
  UNIT_RUN(test_bad_specs);
  UNIT_RUN(test_range_checks);
  return UNIT_END();
}
