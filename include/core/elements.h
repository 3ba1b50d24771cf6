/* elements.h — chemical elements 1–103: symbols, standard atomic masses and the
 * Kirkland (2010) electron scattering-factor parametrisation.
 *
 * f_e(q) = sum_{i=1..3} a_i / (q^2 + b_i) + sum_{i=1..3} c_i exp(-d_i q^2)
 * with q in 1/Å and f_e in Å (Kirkland, Advanced Computing in Electron Microscopy,
 * 2nd ed., Springer 2010, Appendix C). The parameter table is generated from
 * shared/data/kirkland2010_fe.tsv into src/core/elements_kirkland.c (make elements-data).
 */
#pragma once
#include <petscsys.h>

#define ELEMENT_MAX_Z 103

typedef struct {
  int    z;            /* atomic number */
  char   symbol[4];    /* "Au" */
  double mass;         /* standard atomic weight [u]; mass number of the longest-lived isotope where none */
  double kirkland[12]; /* a1 b1 a2 b2 a3 b3 c1 d1 c2 d2 c3 d3, as in the table */
} Element;

/* The element with atomic number z (1..ELEMENT_MAX_Z), or NULL. */
const Element *element_from_z(int z);
/* Look up a symbol (case as written: "Au", "AU" and "au" all accepted); the error names
 * `where` (an option or a file and line) and the unknown symbol. */
PetscErrorCode element_from_symbol(const char *symbol, const char *where, const Element **element);
/* Electron scattering factor f_e(q) [Å] at q [1/Å]. */
double element_scattering_factor(const Element *element, double q);
