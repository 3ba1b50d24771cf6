/* distribution.h — sampling distributions given as option values.
 *
 * Every parameter a campaign samples is written as a distribution spec:
 *   20 or const:20            a fixed value
 *   uniform:a,b               uniform on [a, b), a < b
 *   loguniform:a,b            log-uniform on [a, b), 0 < a < b
 *   normal:mu,sigma           normal, sigma > 0
 *   normal:mu,sigma,lo,hi     normal truncated to [lo, hi] (by rejection)
 *   lognormal:mu,sigma        exp(N(mu, sigma)), mu and sigma of the logarithm
 *   int:a,b                   uniform integer in [a, b], inclusive
 *   choice:x,y,z              one of the listed values, equally likely
 *   choice:Au@0.7,Ag@0.3      weighted choice (weights > 0, all or none given)
 * Choices may be numbers or labels (element symbols, shapes); a choice whose
 * labels are all numbers also yields numbers.
 */
#pragma once
#include <petscsys.h>
#include "core/rng.h"

#define DISTRIBUTION_MAX_CHOICES 64
#define DISTRIBUTION_LABEL_LEN   32
#define DISTRIBUTION_SPEC_LEN    512

typedef enum {
  DISTRIBUTION_CONST,
  DISTRIBUTION_UNIFORM,
  DISTRIBUTION_LOGUNIFORM,
  DISTRIBUTION_NORMAL,
  DISTRIBUTION_LOGNORMAL,
  DISTRIBUTION_INT,
  DISTRIBUTION_CHOICE
} DistributionKind;

/* A parsed distribution: a plain value, safe to copy, nothing to free. */
typedef struct {
  DistributionKind kind;
  double           a, b;         /* const: a; uniform/loguniform/int: [a, b]; normal/lognormal: mu = a, sigma = b */
  double           lower, upper; /* truncation bounds of a normal (-inf, +inf when not truncated) */
  int              n_choices;    /* choice: number of entries */
  char             labels[DISTRIBUTION_MAX_CHOICES][DISTRIBUTION_LABEL_LEN]; /* choice: entries as written */
  double           values[DISTRIBUTION_MAX_CHOICES];                         /* choice: numeric values when `numeric` */
  double           cumulative[DISTRIBUTION_MAX_CHOICES];                     /* choice: cumulative normalised weights */
  PetscBool        numeric;    /* true when every draw is a number (all kinds but a choice of labels) */
  char             option[64]; /* the option it came from, for error messages ("-radius") */
  char             spec[DISTRIBUTION_SPEC_LEN]; /* the spec as written */
} Distribution;

/* Parse `spec` given for `option`; a bad spec is a PETSC_ERR_USER_INPUT naming both. */
PetscErrorCode distribution_parse(const char *option, const char *spec, Distribution *distribution);
/* Draw a number. For a choice of labels it is an error (use distribution_sample_label). */
PetscErrorCode distribution_sample(const Distribution *distribution, RngStream *stream, double *value);
/* Draw a label: the chosen entry of a choice, or the number formatted with %.17g. */
PetscErrorCode distribution_sample_label(const Distribution *distribution, RngStream *stream,
                                         char label[DISTRIBUTION_LABEL_LEN]);
/* Smallest and largest value a draw can take (infinite for an untruncated normal);
 * for a choice of labels, the index range. */
void distribution_range(const Distribution *distribution, double *lowest, double *highest);
/* True when every draw gives the same value. */
PetscBool distribution_is_constant(const Distribution *distribution);
/* Require every draw to lie in [lowest, highest]; the error names the option and spec. */
PetscErrorCode distribution_check_range(const Distribution *distribution, double lowest, double highest,
                                        const char *what_is_allowed);
