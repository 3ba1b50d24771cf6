/* plan.c — the campaign plan: counts, canonical options and their hash. No MPI, no HDF5. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "plan/plan.h"

uint64_t plan_hash_string(const char *text, size_t length)
{
  uint64_t hash = 14695981039346656037ULL; /* FNV-1a 64 offset basis */
  for (size_t i = 0; i < length; i++) {
    hash ^= (unsigned char)text[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

PetscErrorCode plan_create(PetscInt64 seed, PetscInt64 n_structures, PetscInt64 n_conditions, const char *options,
                           Plan **plan)
{
  Plan *p;
  PetscFunctionBeginUser;
  PetscCheck(n_structures >= 1 && n_structures <= PLAN_MAX_STRUCTURES, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -structures: %" PetscInt64_FMT " is not allowed; give 1 to %" PetscInt64_FMT " structures",
             n_structures, PLAN_MAX_STRUCTURES);
  PetscCheck(n_conditions >= 1 && n_conditions <= PLAN_MAX_CONDITIONS, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -conditions: %" PetscInt64_FMT " is not allowed; give 1 to %" PetscInt64_FMT
             " imaging conditions per structure",
             n_conditions, PLAN_MAX_CONDITIONS);
  /* Both are below 2^31, so the product is exact in 64 bits. */
  PetscCheck(n_structures * n_conditions <= PLAN_MAX_IMAGES, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Options -structures %" PetscInt64_FMT " x -conditions %" PetscInt64_FMT " = %" PetscInt64_FMT
             " images; allowed: at most %" PetscInt64_FMT
             " images in one database (split the plan into several campaigns)",
             n_structures, n_conditions, n_structures * n_conditions, PLAN_MAX_IMAGES);
  PetscCheck(seed >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -seed: %" PetscInt64_FMT " is negative; allowed: an integer >= 0", seed);
  PetscCall(PetscNew(&p));
  p->seed         = seed;
  p->n_structures = (PetscInt)n_structures;
  p->n_conditions = (PetscInt)n_conditions;
  p->n_images     = (PetscInt)(n_structures * n_conditions);
  PetscCall(PetscStrallocpy(options ? options : "", &p->options));
  /* The counts and the seed are part of what the plan is, whether given as options or not. */
  char head[128];
  PetscCall(PetscSNPrintf(head, sizeof head, "seed=%" PetscInt64_FMT " N=%" PetscInt_FMT " M=%" PetscInt_FMT "\n", seed,
                          p->n_structures, p->n_conditions));
  uint64_t h = plan_hash_string(head, strlen(head));
  h ^= plan_hash_string(p->options, strlen(p->options)) * 31u;
  p->hash = h;
  PetscCall(PetscSNPrintf(p->hash_hex, sizeof p->hash_hex, "%016llx", (unsigned long long)h));
  *plan = p;
  PetscFunctionReturn(0);
}

PetscErrorCode plan_destroy(Plan **plan)
{
  PetscFunctionBeginUser;
  if (!*plan) PetscFunctionReturn(0);
  PetscCall(PetscFree((*plan)->options));
  PetscCall(PetscFree(*plan));
  PetscFunctionReturn(0);
}

PetscInt plan_unit_first_image(const Plan *plan, PetscInt unit) { return unit * plan->n_conditions; }

/* An option name starts with '-' followed by a letter; "-50" or "-1e3" is a value. */
static PetscBool is_option_name(const char *token)
{
  return token[0] == '-' && (isalpha((unsigned char)token[1]) || token[1] == '_') ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool is_excluded(const char *name, const char *const excluded[])
{
  for (int i = 0; excluded && excluded[i]; i++) {
    size_t n = strlen(excluded[i]);
    if (n && excluded[i][n - 1] == '*' && !strncmp(name, excluded[i], n - 1)) return PETSC_TRUE; /* a prefix */
    if (!strcmp(name, excluded[i])) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static int compare_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

PetscErrorCode plan_options_collect(const char *const excluded[], char **options)
{
  char  *all, *copy, *save = NULL;
  char **lines;
  int    n_lines = 0, capacity = 16;
  size_t total = 1;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  PetscCall(PetscStrallocpy(all, &copy));
  PetscCall(PetscMalloc1(capacity, &lines));
  char *token = strtok_r(copy, " ", &save);
  while (token) {
    char *next = strtok_r(NULL, " ", &save);
    if (!is_option_name(token)) {
      token = next;
      continue;
    }
    /* Values are every following token up to the next option name (PETSc allows
     * values with spaces only when quoted in a file; they arrive here split). */
    char value[1024] = "";
    while (next && !is_option_name(next)) {
      if (value[0]) PetscCall(PetscStrlcat(value, " ", sizeof value));
      PetscCall(PetscStrlcat(value, next, sizeof value));
      next = strtok_r(NULL, " ", &save);
    }
    PetscBool used = PETSC_FALSE;
    PetscCall(PetscOptionsUsed(NULL, token + 1, &used)); /* names are stored without the dash */
    if (used && !is_excluded(token + 1, excluded)) {
      if (n_lines == capacity) {
        char **bigger;
        PetscCall(PetscMalloc1(2 * capacity, &bigger));
        PetscCall(PetscArraycpy(bigger, lines, n_lines));
        PetscCall(PetscFree(lines));
        lines = bigger;
        capacity *= 2;
      }
      size_t length = strlen(token) + strlen(value) + 3;
      PetscCall(PetscMalloc1(length, &lines[n_lines]));
      PetscCall(PetscSNPrintf(lines[n_lines], length, "%s%s%s", token, value[0] ? " " : "", value));
      total += length;
      n_lines++;
    }
    token = next;
  }
  qsort(lines, (size_t)n_lines, sizeof *lines, compare_lines);
  PetscCall(PetscMalloc1(total, options));
  (*options)[0] = 0;
  for (int i = 0; i < n_lines; i++) {
    PetscCall(PetscStrlcat(*options, lines[i], total));
    PetscCall(PetscStrlcat(*options, "\n", total));
    PetscCall(PetscFree(lines[i]));
  }
  PetscCall(PetscFree(lines));
  PetscCall(PetscFree(copy));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* Split "-name value" at the first space. */
static void split_line(const char *line, size_t length, char *name, size_t name_size, char *value, size_t value_size)
{
  size_t space = 0;
  while (space < length && line[space] != ' ') space++;
  size_t n = space < name_size - 1 ? space : name_size - 1;
  memcpy(name, line, n);
  name[n]      = 0;
  size_t start = space < length ? space + 1 : length;
  size_t v     = length - start < value_size - 1 ? length - start : value_size - 1;
  memcpy(value, line + start, v);
  value[v] = 0;
}

/* Value of option `name` in canonical `options`; found = false when absent. */
static void find_option(const char *options, const char *name, PetscBool *found, char *value, size_t value_size)
{
  *found   = PETSC_FALSE;
  value[0] = 0;
  for (const char *line = options; line && *line;) {
    const char *end    = strchr(line, '\n');
    size_t      length = end ? (size_t)(end - line) : strlen(line);
    char        line_name[256];
    char        line_value[1024];
    split_line(line, length, line_name, sizeof line_name, line_value, sizeof line_value);
    if (!strcmp(line_name, name)) {
      *found   = PETSC_TRUE;
      size_t n = strlen(line_value) < value_size - 1 ? strlen(line_value) : value_size - 1;
      memcpy(value, line_value, n);
      value[n] = 0;
      return;
    }
    line = end ? end + 1 : line + length;
  }
}

/* First option of `a` that is missing from `b` or has another value there. */
static PetscErrorCode first_difference(const char *a, const char *b, PetscBool a_is_stored, PetscBool *found_difference,
                                       char *difference, size_t difference_size)
{
  PetscFunctionBeginUser;
  *found_difference = PETSC_FALSE;
  for (const char *line = a; line && *line;) {
    const char *end    = strchr(line, '\n');
    size_t      length = end ? (size_t)(end - line) : strlen(line);
    char        name[256], value[1024], other[1024];
    PetscBool   present;
    split_line(line, length, name, sizeof name, value, sizeof value);
    find_option(b, name, &present, other, sizeof other);
    if (!present || strcmp(value, other)) {
      *found_difference = PETSC_TRUE;
      if (!present && a_is_stored)
        PetscCall(PetscSNPrintf(difference, difference_size, "%s: was '%s', now not given", name, value));
      else if (!present)
        PetscCall(PetscSNPrintf(difference, difference_size, "%s: was not given, now '%s'", name, value));
      else if (a_is_stored)
        PetscCall(PetscSNPrintf(difference, difference_size, "%s: was '%s', now '%s'", name, value, other));
      else
        PetscCall(PetscSNPrintf(difference, difference_size, "%s: was '%s', now '%s'", name, other, value));
      PetscFunctionReturn(0);
    }
    line = end ? end + 1 : line + length;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode plan_options_compare(const char *stored, const char *current, PetscBool *same, char *difference,
                                    size_t difference_size)
{
  PetscBool differs;
  PetscFunctionBeginUser;
  difference[0] = 0;
  PetscCall(first_difference(stored, current, PETSC_TRUE, &differs, difference, difference_size));
  if (!differs) PetscCall(first_difference(current, stored, PETSC_FALSE, &differs, difference, difference_size));
  *same = differs ? PETSC_FALSE : PETSC_TRUE;
  PetscFunctionReturn(0);
}
