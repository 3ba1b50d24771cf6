/* test_electron.c — relativistic wavelength and interaction constant against Kirkland's values. */
#include "sim/electron.h"
#include "unit.h"

static void test_wavelength_300kv(void) { UNIT_CHECK_RELATIVE(electron_wavelength(300.0), 0.0196874889, 1e-7); }

static void test_interaction_constant_300kv(void)
{
  UNIT_CHECK_RELATIVE(electron_interaction_constant(300.0), 6.526161e-4, 1e-7);
}

/* Non-relativistic limit at low voltage: λ → h / sqrt(2 m0 e V) = 12.2643 / sqrt(V) Å. */
static void test_low_voltage_limit(void)
{
  UNIT_CHECK_RELATIVE(electron_wavelength(0.001), 12.2642598 / sqrt(1.0), 1e-6);
  UNIT_CHECK(electron_wavelength(200) > electron_wavelength(300), "wavelength must fall with voltage");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_wavelength_300kv);
  UNIT_RUN(test_interaction_constant_300kv);
  UNIT_RUN(test_low_voltage_limit);
  return UNIT_END();
}
