/* elements.c — element table: symbols and Kirkland parameters from the generated
 * table, standard atomic weights (IUPAC; for elements without stable isotopes, the
 * mass number of the longest-lived isotope). */
#include <ctype.h>
#include <math.h>
#include "core/elements.h"
#include "elements_kirkland.h"

static const double standard_atomic_weight[ELEMENT_MAX_Z + 1] = {
  0.0,         1.008,     4.002602,   6.94,         9.0121831,    10.81,
  12.011,      14.007,    15.999,     18.998403163, 20.1797, /* H–Ne */
  22.98976928, 24.305,    26.9815385, 28.085,       30.973761998, 32.06,
  35.45,       39.948,    39.0983,    40.078, /* Na–Ca */
  44.955908,   47.867,    50.9415,    51.9961,      54.938044,    55.845,
  58.933194,   58.6934,   63.546,     65.38, /* Sc–Zn */
  69.723,      72.630,    74.921595,  78.971,       79.904,       83.798,
  85.4678,     87.62,     88.90584,   91.224, /* Ga–Zr */
  92.90637,    95.95,     98.0,       101.07,       102.90550,    106.42,
  107.8682,    112.414,   114.818,    118.710, /* Nb–Sn */
  121.760,     127.60,    126.90447,  131.293,      132.90545196, 137.327,
  138.90547,   140.116,   140.90766,  144.242, /* Sb–Nd */
  145.0,       150.36,    151.964,    157.25,       158.92535,    162.500,
  164.93033,   167.259,   168.93422,  173.045, /* Pm–Yb */
  174.9668,    178.49,    180.94788,  183.84,       186.207,      190.23,
  192.217,     195.084,   196.966569, 200.592, /* Lu–Hg */
  204.38,      207.2,     208.98040,  209.0,        210.0,        222.0,
  223.0,       226.0,     227.0,      232.0377, /* Tl–Th */
  231.03588,   238.02891, 237.0,      244.0,        243.0,        247.0,
  247.0,       251.0,     252.0,      257.0, /* Pa–Fm */
  258.0,       259.0,     262.0              /* Md–Lr */
};

static Element table[ELEMENT_MAX_Z + 1];
static int     table_ready = 0;

static void table_fill(void)
{
  if (table_ready) return;
  for (int z = 1; z <= ELEMENT_MAX_Z; z++) {
    table[z].z = z;
    memcpy(table[z].symbol, kirkland_symbols[z], sizeof table[z].symbol);
    table[z].mass = standard_atomic_weight[z];
    for (int i = 0; i < 12; i++) table[z].kirkland[i] = kirkland_parameters[z][i];
  }
  table_ready = 1;
}

const Element *element_from_z(int z)
{
  if (z < 1 || z > ELEMENT_MAX_Z) return NULL;
  table_fill();
  return &table[z];
}

PetscErrorCode element_from_symbol(const char *symbol, const char *where, const Element **element)
{
  char normal[4] = {0};
  PetscFunctionBeginUser;
  *element      = NULL;
  size_t length = symbol ? strlen(symbol) : 0;
  if (length >= 1 && length <= 3) {
    normal[0] = (char)toupper((unsigned char)symbol[0]);
    for (size_t i = 1; i < length; i++) normal[i] = (char)tolower((unsigned char)symbol[i]);
    table_fill();
    for (int z = 1; z <= ELEMENT_MAX_Z; z++)
      if (!strcmp(table[z].symbol, normal)) {
        *element = &table[z];
        break;
      }
  }
  PetscCheck(*element, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s: unknown element '%s'; allowed: chemical symbols H to Lr (Z 1-103)", where ? where : "element",
             symbol ? symbol : "(null)");
  PetscFunctionReturn(0);
}

double element_scattering_factor(const Element *element, double q)
{
  const double *p  = element->kirkland;
  double        q2 = q * q, f = 0.0;
  for (int i = 0; i < 3; i++) f += p[2 * i] / (q2 + p[2 * i + 1]);
  for (int i = 0; i < 3; i++) f += p[6 + 2 * i] * exp(-p[6 + 2 * i + 1] * q2);
  return f;
}
