/* electron.c — relativistic wavelength and interaction constant (CODATA 2018). */
#include <math.h>
#include "sim/electron.h"

/* CODATA 2018 exact / recommended values. */
#define PLANCK            6.62607015e-34   /* h [J s] */
#define ELEMENTARY_CHARGE 1.602176634e-19  /* e [C] */
#define ELECTRON_MASS     9.1093837015e-31 /* m0 [kg] */
#define SPEED_OF_LIGHT    299792458.0      /* c [m/s] */

double electron_wavelength(double voltage_kv)
{
  const double ev  = ELEMENTARY_CHARGE * voltage_kv * 1e3;            /* kinetic energy [J] */
  const double mc2 = ELECTRON_MASS * SPEED_OF_LIGHT * SPEED_OF_LIGHT; /* rest energy [J] */
  return PLANCK * SPEED_OF_LIGHT / sqrt(ev * (2.0 * mc2 + ev)) * 1e10;
}

double electron_interaction_constant(double voltage_kv)
{
  const double ev    = ELEMENTARY_CHARGE * voltage_kv * 1e3;
  const double mc2   = ELECTRON_MASS * SPEED_OF_LIGHT * SPEED_OF_LIGHT;
  const double volts = voltage_kv * 1e3;
  return 2.0 * M_PI / (electron_wavelength(voltage_kv) * volts) * (mc2 + ev) / (2.0 * mc2 + ev);
}
