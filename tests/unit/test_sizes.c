/* test_sizes.c — 64-bit counts and ids: parsing with ranges, plan limits checked without
 * wrapping, unit ids above 2^32 keying their own random streams; the memory estimate of a unit
 * and its check against the memory limit. */
#include "core/checked_size.h"
#include "sim/optics.h"
#include "core/options.h"
#include "plan/plan.h"
#include "core/rng.h"
#include "sim/simulation_grid.h"
#include "unit.h"

static void test_parse_integer64(void)
{
  PetscInt64 value = 0;
  UNIT_CALL(options_parse_integer64("-unit", "99999999999", 0, PLAN_MAX_UNIT_ID, &value));
  UNIT_CHECK(value == 99999999999LL, "-unit 99999999999 parsed as %" PetscInt64_FMT, value);
  UNIT_CALL(options_parse_integer64("-structures", "1.1e9", 1, PLAN_MAX_STRUCTURES, &value));
  UNIT_CHECK(value == 1100000000LL, "1.1e9 parsed as %" PetscInt64_FMT, value);
  UNIT_CALL_FAILS(options_parse_integer64("-structures", "3000000000", 1, PLAN_MAX_STRUCTURES,
                                          &value)); /* wraps to negative in 32 bits */
  UNIT_CALL_FAILS(options_parse_integer64("-structures", "1.5", 1, PLAN_MAX_STRUCTURES, &value));
  UNIT_CALL_FAILS(options_parse_integer64("-structures", "abc", 1, PLAN_MAX_STRUCTURES, &value));
  UNIT_CALL_FAILS(options_parse_integer64("-structures", "99999999999999999999", 1, PLAN_MAX_STRUCTURES, &value));
  UNIT_CALL_FAILS(options_parse_integer64("-unit", "1099511627776", 0, PLAN_MAX_UNIT_ID, &value)); /* 2^40 */
  size_t bytes = 0;
  UNIT_CALL(options_parse_bytes("-memory_limit", "1.5G", &bytes));
  UNIT_CHECK(bytes == (size_t)1610612736, "1.5G = %zu bytes", bytes);
  UNIT_CALL_FAILS(options_parse_bytes("-memory_limit", "12X", &bytes));
  UNIT_CALL_FAILS(options_parse_bytes("-memory_limit", "0", &bytes));
}

/* 1.1e9 x 2 images overflows a 32-bit count: refused, not wrapped to a negative n_images. */
static void test_plan_limits(void)
{
  Plan *plan = NULL;
  UNIT_CALL_FAILS(plan_create(1, 1100000000LL, 2, "", &plan));
  UNIT_CALL_FAILS(plan_create(1, 3000000000LL, 1, "", &plan));
  UNIT_CALL_FAILS(plan_create(1, 10, PLAN_MAX_CONDITIONS + 1, "", &plan));
  UNIT_CHECK(plan == NULL, "a refused plan was made");
  UNIT_CALL(plan_create(1, PLAN_MAX_STRUCTURES, 1, "", &plan));
  if (plan) UNIT_CHECK(plan->n_images == PETSC_MAX_INT, "n_images %" PetscInt_FMT, plan->n_images);
  plan_destroy(&plan);
}

/* A unit id above 2^32 keys its own streams: its draws are those of the RNG keyed by the full id,
 * not those of the id truncated to 32 bits (what -unit 99999999999 gave before: unit 1215752191). */
static void test_unit_id_above_2_32(void)
{
  ImagingDistributions d;
  ImagingConditions    c;
  double               wide[IMAGING_PARAMETER_COUNT], truncated[IMAGING_PARAMETER_COUNT];
  const uint64_t       unit = 99999999999ULL, seed = 5;
  PetscMemzero(&d, sizeof d);
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++)
    UNIT_CALL(distribution_parse("-test", p == IMAGING_DEFOCUS ? "uniform:-100,100" : "1", &d.parameter[p]));
  UNIT_CALL(imaging_sample(&d, seed, unit, 3, &c, wide));
  UNIT_CALL(imaging_sample(&d, seed, (uint32_t)unit, 3, &c, truncated));
  RngStream stream;
  double    expected;
  rng_stream_init(&stream, seed, unit + ((uint64_t)3 << 40), RNG_PURPOSE_IMAGING);
  for (int p = 0; p <= IMAGING_DEFOCUS; p++) UNIT_CALL(distribution_sample(&d.parameter[p], &stream, &expected));
  UNIT_CHECK(wide[IMAGING_DEFOCUS] == expected, "defocus of unit %llu: %.17g, the stream keyed by it gives %.17g",
             (unsigned long long)unit, wide[IMAGING_DEFOCUS], expected);
  UNIT_CHECK(wide[IMAGING_DEFOCUS] != truncated[IMAGING_DEFOCUS], "unit %llu draws what unit %u draws",
             (unsigned long long)unit, (uint32_t)unit);
}

static void grid_of(PetscInt n, PetscInt fp_configs, SimulationGrid *grid)
{
  simulation_grid_defaults(grid);
  grid->nx = grid->ny = n;
  grid->fp_configs    = fp_configs;
}

static void test_memory_estimate_scaling(void)
{
  SimulationGrid g256, g512, g512_fp4;
  grid_of(256, 0, &g256);
  grid_of(512, 0, &g512);
  grid_of(512, 4, &g512_fp4);
  const double base = SIMULATION_BASELINE_BYTES;
  const double e256 = simulation_memory_estimate(&g256, 0, 0, PETSC_FALSE) - base,
               e512 = simulation_memory_estimate(&g512, 0, 0, PETSC_FALSE) - base;
  UNIT_CHECK_RELATIVE(e512 / e256, 4.0, 1e-12);       /* linear in the grid's pixels */
  UNIT_CHECK_RELATIVE(e512, 92.0 * 512 * 512, 1e-12); /* 76 bytes + 16 per configuration per pixel */
  const double fp4 = simulation_memory_estimate(&g512_fp4, 0, 0, PETSC_FALSE) - base;
  UNIT_CHECK_RELATIVE(fp4 - e512, 3.0 * 16.0 * 512 * 512, 1e-12); /* 3 more configurations */
  const double images = simulation_memory_estimate(&g512, 10, 128 * 128, PETSC_FALSE) - base;
  UNIT_CHECK_RELATIVE(images - e512, 10.0 * 128 * 128 * 5.0, 1e-12); /* float image + byte mask */
  const double kept = simulation_memory_estimate(&g512_fp4, 0, 0, PETSC_TRUE) - base;
  UNIT_CHECK_RELATIVE(kept - fp4, 16.0 * 4 * 512 * 512, 1e-12);
}

/* The largest grid (16384^2) is refused or accepted by the estimate against the limit. */
static void test_memory_check_against_limit(void)
{
  SimulationGrid big;
  grid_of(16384, 0, &big);
  const double bytes = simulation_memory_estimate(&big, 1, 1024 * 1024, PETSC_FALSE);
  UNIT_CHECK(bytes > 24e9 && bytes < 26e9, "16384^2 static: %.3g GB", bytes / 1e9);
  memory_limit_set((size_t)8 << 30);
  UNIT_CALL_FAILS(simulation_memory_check("test", bytes));
  memory_limit_set((size_t)64 << 30);
  UNIT_CALL(simulation_memory_check("test", bytes));
  memory_limit_set(0);
}

/* Counts at huge means: the old sampler cast a double above 2^64 to uint64_t (0 here), which made
 * -dose above 4.6e20 e/Å² an all-zero image with exit 0. */
static void test_poisson_at_huge_means(void)
{
  RngStream stream;
  rng_stream_init(&stream, 1, 2, RNG_PURPOSE_TEST);
  const double means[3] = {1e12, 1e16, 1e19};
  for (int i = 0; i < 3; i++) {
    double sum = 0;
    for (int k = 0; k < 100; k++) sum += (double)rng_poisson(&stream, means[i]);
    UNIT_CHECK_RELATIVE(sum / 100, means[i], 1e-5);
  }
  UNIT_CHECK(rng_poisson(&stream, 1e25) >= (uint64_t)1.7e19, "a mean of 1e25 must give the largest count, not wrap");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_parse_integer64);
  UNIT_RUN(test_plan_limits);
  UNIT_RUN(test_unit_id_above_2_32);
  UNIT_RUN(test_memory_estimate_scaling);
  UNIT_RUN(test_memory_check_against_limit);
  UNIT_RUN(test_poisson_at_huge_means);
  return UNIT_END();
}
