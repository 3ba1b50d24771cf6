/* distribution.c — parsing and sampling of distribution specs (see distribution.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "core/distribution.h"

#define SPEC_FORMS \
  "a number, const:x, uniform:a,b, loguniform:a,b, normal:mu,sigma[,lo,hi], lognormal:mu,sigma, int:a,b or choice:x,y[,...] (weights as x@w)"

/* Whole-string number: no trailing junk, finite. */
static PetscBool parse_number(const char *text, double *value)
{
  char *end;
  while (isspace((unsigned char)*text)) text++;
  if (!*text) return PETSC_FALSE;
  errno  = 0;
  *value = strtod(text, &end);
  while (isspace((unsigned char)*end)) end++;
  return (*end == '\0' && errno == 0 && isfinite(*value)) ? PETSC_TRUE : PETSC_FALSE;
}

/* Split `list` at commas into at most `max` numbers. */
static PetscErrorCode parse_number_list(const Distribution *d, const char *list, int expected_min, int expected_max,
                                        double *numbers, int *count)
{
  char buffer[DISTRIBUTION_SPEC_LEN];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buffer, list, sizeof buffer));
  *count     = 0;
  char *save = NULL;
  for (char *token = strtok_r(buffer, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
    PetscCheck(*count < expected_max, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' has more than %d parameters; allowed: %s", d->option, d->spec, expected_max,
               SPEC_FORMS);
    PetscCheck(parse_number(token, &numbers[*count]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' is not a finite number in '%s'; allowed: %s", d->option, token, d->spec, SPEC_FORMS);
    (*count)++;
  }
  PetscCheck(*count >= expected_min, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' needs %d%s parameters, got %d; allowed: %s", d->option, d->spec, expected_min,
             expected_max > expected_min ? " or more" : "", *count, SPEC_FORMS);
  PetscFunctionReturn(0);
}

static double standard_normal_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

static PetscErrorCode parse_choice(Distribution *d, const char *list)
{
  char   buffer[DISTRIBUTION_SPEC_LEN];
  double weights[DISTRIBUTION_MAX_CHOICES];
  int    n_weighted = 0;
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buffer, list, sizeof buffer));
  d->n_choices = 0;
  d->numeric   = PETSC_TRUE;
  char *save   = NULL;
  for (char *token = strtok_r(buffer, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
    while (isspace((unsigned char)*token)) token++;
    PetscCheck(d->n_choices < DISTRIBUTION_MAX_CHOICES, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' has more than %d choices", d->option, d->spec, DISTRIBUTION_MAX_CHOICES);
    int   i    = d->n_choices;
    char *at   = strchr(token, '@');
    weights[i] = 1.0;
    if (at) {
      *at = '\0';
      PetscCheck(parse_number(at + 1, &weights[i]) && weights[i] > 0.0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "Option %s: weight '%s' of choice '%s' in '%s' must be a positive number", d->option, at + 1, token,
                 d->spec);
      n_weighted++;
    }
    size_t length = strlen(token);
    while (length > 0 && isspace((unsigned char)token[length - 1])) token[--length] = '\0';
    PetscCheck(length > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: empty choice in '%s'; allowed: choice:x,y[,...]", d->option, d->spec);
    PetscCheck(length < DISTRIBUTION_LABEL_LEN, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: choice '%s' in '%s' is longer than %d characters", d->option, token, d->spec,
               DISTRIBUTION_LABEL_LEN - 1);
    PetscCall(PetscStrncpy(d->labels[i], token, DISTRIBUTION_LABEL_LEN));
    if (!parse_number(token, &d->values[i])) {
      d->numeric   = PETSC_FALSE;
      d->values[i] = NAN;
    }
    d->n_choices++;
  }
  PetscCheck(d->n_choices > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' lists no choices; allowed: choice:x,y[,...] with optional weights x@w", d->option,
             d->spec);
  PetscCheck(n_weighted == 0 || n_weighted == d->n_choices, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' gives weights to %d of %d choices; give a weight (x@w) to all or none", d->option,
             d->spec, n_weighted, d->n_choices);
  double total = 0.0;
  for (int i = 0; i < d->n_choices; i++) total += weights[i];
  double running = 0.0;
  for (int i = 0; i < d->n_choices; i++) {
    running += weights[i] / total;
    d->cumulative[i] = running;
  }
  d->cumulative[d->n_choices - 1] = 1.0;
  PetscFunctionReturn(0);
}

PetscErrorCode distribution_parse(const char *option, const char *spec, Distribution *d)
{
  double p[4];
  int    n;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(d, sizeof *d));
  PetscCall(PetscStrncpy(d->option, option ? option : "(value)", sizeof d->option));
  PetscCheck(spec, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: no value given; allowed: %s", d->option,
             SPEC_FORMS);
  PetscCheck(strlen(spec) < DISTRIBUTION_SPEC_LEN, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: spec longer than %d characters", d->option, DISTRIBUTION_SPEC_LEN - 1);
  PetscCall(PetscStrncpy(d->spec, spec, sizeof d->spec));
  d->lower   = -INFINITY;
  d->upper   = INFINITY;
  d->numeric = PETSC_TRUE;

  if (parse_number(spec, &d->a)) {
    d->kind = DISTRIBUTION_CONST;
    d->b    = d->a;
    PetscFunctionReturn(0);
  }
  const char *colon = strchr(spec, ':');
  PetscCheck(colon, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' is neither a number nor a distribution; allowed: %s", d->option, spec, SPEC_FORMS);
  size_t      kind_length = (size_t)(colon - spec);
  const char *rest        = colon + 1;
#define KIND_IS(name) (kind_length == strlen(name) && !strncmp(spec, name, kind_length))
  if (KIND_IS("const")) {
    PetscCall(parse_number_list(d, rest, 1, 1, p, &n));
    d->kind = DISTRIBUTION_CONST;
    d->a = d->b = p[0];
  } else if (KIND_IS("uniform") || KIND_IS("loguniform") || KIND_IS("int")) {
    PetscCall(parse_number_list(d, rest, 2, 2, p, &n));
    d->a = p[0];
    d->b = p[1];
    if (KIND_IS("int")) {
      d->kind = DISTRIBUTION_INT;
      PetscCheck(p[0] == floor(p[0]) && p[1] == floor(p[1]) && fabs(p[0]) < 9e15 && fabs(p[1]) < 9e15, PETSC_COMM_SELF,
                 PETSC_ERR_USER_INPUT, "Option %s: '%s' needs integer bounds", d->option, spec);
      PetscCheck(p[0] <= p[1], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "Option %s: '%s' has lower bound %g above upper bound %g; allowed: int:a,b with a <= b", d->option,
                 spec, p[0], p[1]);
    } else {
      d->kind = KIND_IS("uniform") ? DISTRIBUTION_UNIFORM : DISTRIBUTION_LOGUNIFORM;
      PetscCheck(
        p[0] < p[1], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "Option %s: '%s' needs a < b, got a = %g, b = %g; allowed: %.*s:a,b with a < b (use a plain number for a fixed value)",
        d->option, spec, p[0], p[1], (int)kind_length, spec);
      PetscCheck(d->kind == DISTRIBUTION_UNIFORM || p[0] > 0.0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "Option %s: '%s' needs 0 < a for a log-uniform distribution, got a = %g", d->option, spec, p[0]);
    }
  } else if (KIND_IS("normal") || KIND_IS("lognormal")) {
    PetscBool is_normal = KIND_IS("normal") ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(parse_number_list(d, rest, 2, is_normal ? 4 : 2, p, &n));
    PetscCheck(n == 2 || n == 4, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' has %d parameters; allowed: normal:mu,sigma or normal:mu,sigma,lo,hi", d->option, spec,
               n);
    d->kind = is_normal ? DISTRIBUTION_NORMAL : DISTRIBUTION_LOGNORMAL;
    d->a    = p[0];
    d->b    = p[1];
    PetscCheck(p[1] > 0.0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' has sigma = %g; sigma must be > 0 (use a plain number for a fixed value)", d->option,
               spec, p[1]);
    if (n == 4) {
      d->lower = p[2];
      d->upper = p[3];
      PetscCheck(p[2] < p[3], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "Option %s: '%s' has truncation bounds lo = %g >= hi = %g; allowed: lo < hi", d->option, spec, p[2],
                 p[3]);
      double mass = standard_normal_cdf((p[3] - p[0]) / p[1]) - standard_normal_cdf((p[2] - p[0]) / p[1]);
      /* Rejection sampling needs a reasonable acceptance rate. */
      PetscCheck(
        mass >= 1e-3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "Option %s: '%s' keeps only %.2g of the normal's mass inside [%g, %g]; allowed: bounds holding at least 0.1%%",
        d->option, spec, mass, p[2], p[3]);
    }
  } else if (KIND_IS("choice")) {
    d->kind = DISTRIBUTION_CHOICE;
    PetscCall(parse_choice(d, rest));
  } else {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: unknown distribution '%.*s' in '%s'; allowed: %s",
            d->option, (int)kind_length, spec, spec, SPEC_FORMS);
  }
#undef KIND_IS
  PetscFunctionReturn(0);
}

static int choice_index(const Distribution *d, RngStream *stream)
{
  double u = rng_uniform(stream);
  for (int i = 0; i < d->n_choices; i++)
    if (u < d->cumulative[i]) return i;
  return d->n_choices - 1;
}

PetscErrorCode distribution_sample(const Distribution *d, RngStream *stream, double *value)
{
  PetscFunctionBeginUser;
  switch (d->kind) {
  case DISTRIBUTION_CONST:
    *value = d->a;
    break;
  case DISTRIBUTION_UNIFORM:
    *value = d->a + (d->b - d->a) * rng_uniform(stream);
    break;
  case DISTRIBUTION_LOGUNIFORM:
    *value = exp(log(d->a) + (log(d->b) - log(d->a)) * rng_uniform(stream));
    break;
  case DISTRIBUTION_NORMAL:
    do *value = d->a + d->b * rng_normal(stream);
    while (*value < d->lower || *value > d->upper);
    break;
  case DISTRIBUTION_LOGNORMAL:
    *value = exp(d->a + d->b * rng_normal(stream));
    break;
  case DISTRIBUTION_INT:
    *value = d->a + (double)rng_below(stream, (uint64_t)(d->b - d->a) + 1);
    break;
  case DISTRIBUTION_CHOICE:
    PetscCheck(d->numeric, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: '%s' must choose among numbers here",
               d->option, d->spec);
    *value = d->values[choice_index(d, stream)];
    break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode distribution_sample_label(const Distribution *d, RngStream *stream, char label[DISTRIBUTION_LABEL_LEN])
{
  PetscFunctionBeginUser;
  if (d->kind == DISTRIBUTION_CHOICE) {
    PetscCall(PetscStrncpy(label, d->labels[choice_index(d, stream)], DISTRIBUTION_LABEL_LEN));
  } else {
    double value;
    PetscCall(distribution_sample(d, stream, &value));
    PetscCall(PetscSNPrintf(label, DISTRIBUTION_LABEL_LEN, "%.17g", value));
  }
  PetscFunctionReturn(0);
}

void distribution_range(const Distribution *d, double *lowest, double *highest)
{
  switch (d->kind) {
  case DISTRIBUTION_NORMAL:
    *lowest  = d->lower;
    *highest = d->upper;
    break;
  case DISTRIBUTION_LOGNORMAL:
    *lowest  = 0.0;
    *highest = INFINITY;
    break;
  case DISTRIBUTION_CHOICE:
    if (d->numeric) {
      *lowest  = INFINITY;
      *highest = -INFINITY;
      for (int i = 0; i < d->n_choices; i++) {
        *lowest  = fmin(*lowest, d->values[i]);
        *highest = fmax(*highest, d->values[i]);
      }
    } else {
      *lowest  = 0;
      *highest = d->n_choices - 1;
    }
    break;
  default:
    *lowest  = d->a;
    *highest = d->b;
    break;
  }
}

PetscBool distribution_is_constant(const Distribution *d)
{
  if (d->kind == DISTRIBUTION_CONST) return PETSC_TRUE;
  if (d->kind == DISTRIBUTION_INT && d->a == d->b) return PETSC_TRUE;
  if (d->kind == DISTRIBUTION_CHOICE) {
    for (int i = 1; i < d->n_choices; i++)
      if (strcmp(d->labels[i], d->labels[0])) return PETSC_FALSE;
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

PetscErrorCode distribution_check_range(const Distribution *d, double lowest, double highest,
                                        const char *what_is_allowed)
{
  double low, high;
  PetscFunctionBeginUser;
  PetscCheck(d->numeric, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' must be a number or a numeric distribution; allowed: %s", d->option, d->spec,
             what_is_allowed);
  distribution_range(d, &low, &high);
  PetscCheck(low >= lowest && high <= highest, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' can give values in [%g, %g]; allowed: %s", d->option, d->spec, low, high,
             what_is_allowed);
  PetscFunctionReturn(0);
}
