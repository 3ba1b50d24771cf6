/* test_elements.c — the generated Kirkland table against the published checksum and
 * spot values, symbols, masses and the scattering factor. */
#include "core/elements.h"
#include "unit.h"

static void test_kirkland_checksum(void)
{
  /* shared/data/kirkland2010_fe.tsv: "the sum of all 1236 parameters is 42743.140205962" */
  long double sum   = 0;
  int         count = 0;
  for (int z = 1; z <= ELEMENT_MAX_Z; z++)
    for (int i = 0; i < 12; i++) {
      sum += element_from_z(z)->kirkland[i];
      count++;
    }
  UNIT_CHECK(count == 1236, "%d parameters, expected 1236", count);
  UNIT_CHECK_RELATIVE((double)sum, 42743.140205962, 1e-9);
}

static void test_spot_values(void)
{
  const Element *h = element_from_z(1), *c = element_from_z(6), *au = element_from_z(79);
  UNIT_CHECK(!strcmp(h->symbol, "H") && !strcmp(c->symbol, "C") && !strcmp(au->symbol, "Au"), "symbols %s %s %s",
             h->symbol, c->symbol, au->symbol);
  UNIT_CHECK(h->kirkland[0] == 4.20298324e-03 && h->kirkland[11] == 1.44490166e+00, "H a1 = %g, d3 = %g",
             h->kirkland[0], h->kirkland[11]);
  UNIT_CHECK(c->kirkland[0] == 2.12080767e-01 && c->kirkland[5] == 5.57870773e+00 && c->kirkland[11] == 4.03982620e-02,
             "C a1 %g b3 %g d3 %g", c->kirkland[0], c->kirkland[5], c->kirkland[11]);
  /* Au (Z = 79), Kirkland 2010 Appendix C */
  UNIT_CHECK(au->kirkland[0] == 9.61263398e-01 && au->kirkland[1] == 1.70932277e-01 &&
               au->kirkland[2] == 3.69581030e+00,
             "Au a1 %.9g b1 %.9g", au->kirkland[0], au->kirkland[1]);
  UNIT_CHECK_RELATIVE(au->mass, 196.966569, 1e-12);
  UNIT_CHECK_RELATIVE(c->mass, 12.011, 1e-12);
  UNIT_CHECK(element_from_z(0) == NULL && element_from_z(104) == NULL, "Z outside 1..103 must give NULL");
}

static void test_symbols(void)
{
  const Element *e;
  UNIT_CALL(element_from_symbol("Au", "test", &e));
  UNIT_CHECK(e && e->z == 79, "Au is Z 79");
  UNIT_CALL(element_from_symbol("si", "test", &e));
  UNIT_CHECK(e && e->z == 14, "si is Z 14");
  UNIT_CALL(element_from_symbol("LR", "test", &e));
  UNIT_CHECK(e && e->z == 103, "LR is Z 103");
  UNIT_CALL_FAILS(element_from_symbol("Xx", "test", &e));
  UNIT_CALL_FAILS(element_from_symbol("", "test", &e));
  UNIT_CALL_FAILS(element_from_symbol("Auu", "test", &e));
  for (int z = 1; z <= ELEMENT_MAX_Z; z++) {
    UNIT_CALL(element_from_symbol(element_from_z(z)->symbol, "test", &e));
    UNIT_CHECK(e->z == z, "round trip of %s", element_from_z(z)->symbol);
    UNIT_CHECK(element_from_z(z)->mass > 0.9 * z, "mass of Z %d is %g", z, element_from_z(z)->mass);
  }
}

static void test_scattering_factor(void)
{
  /* f_e(q) from the formula written out for carbon at q = 0.5/Å. */
  const Element *c  = element_from_z(6);
  const double  *p  = c->kirkland;
  double         q2 = 0.25, expected = 0;
  for (int i = 0; i < 3; i++) expected += p[2 * i] / (q2 + p[2 * i + 1]) + p[6 + 2 * i] * exp(-p[7 + 2 * i] * q2);
  UNIT_CHECK_RELATIVE(element_scattering_factor(c, 0.5), expected, 1e-14);
  /* Heavier atoms scatter more, and f_e falls with q. */
  UNIT_CHECK(element_scattering_factor(element_from_z(79), 0.5) > element_scattering_factor(c, 0.5),
             "Au must scatter more than C");
  UNIT_CHECK(element_scattering_factor(c, 2.0) < element_scattering_factor(c, 0.5), "f_e must fall with q");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_kirkland_checksum);
  UNIT_RUN(test_spot_values);
  UNIT_RUN(test_symbols);
  UNIT_RUN(test_scattering_factor);
  return UNIT_END();
}
