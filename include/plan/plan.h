/* plan.h — a campaign's sampling plan: N structures × M imaging conditions.
 *
 * A work unit is one structure with its M images; image i of unit u is database row
 * u·M + i. Everything a unit contains is drawn from counter-based streams keyed by
 * (seed, unit, purpose), so the plan is fixed by the options and -seed alone: which
 * rank computes a unit, and when, changes nothing.
 *
 * The plan also remembers the options that shaped it, as canonical "-name value"
 * lines sorted by name, and a 64-bit FNV-1a hash of them. A resumed campaign compares
 * these lines to refuse a changed plan by naming the option that differs.
 * Plain C: no MPI, no HDF5.
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>

/* Documented maxima, checked in 64-bit arithmetic when the plan is made (never wrapped):
 * unit ids and database rows are PetscInt (32-bit in Debian's PETSc), and the random streams
 * key a condition by 23 bits (optics.c, detector.c). */
#define PLAN_MAX_STRUCTURES ((PetscInt64)PETSC_MAX_INT) /* -structures */
#define PLAN_MAX_CONDITIONS ((PetscInt64)1 << 23)       /* -conditions */
#define PLAN_MAX_IMAGES     ((PetscInt64)PETSC_MAX_INT) /* -structures x -conditions */
/* -unit of build and simulate: the imaging and noise streams key (unit, condition) as
 * unit + condition·2^40, so a unit id has 40 bits. */
#define PLAN_MAX_UNIT_ID (((PetscInt64)1 << 40) - 1)

typedef struct {
  PetscInt64 seed;         /* -seed */
  PetscInt   n_structures; /* N: work units */
  PetscInt   n_conditions; /* M: imaging conditions (images) per structure */
  PetscInt   n_images;     /* N·M: database rows */
  char      *options;      /* canonical plan options, one "-name value" per line, sorted */
  uint64_t   hash;         /* FNV-1a 64 of `options` */
  char       hash_hex[17]; /* `hash` as 16 hex digits */
} Plan;

/* Refuses counts outside [1, PLAN_MAX_*] and a product above PLAN_MAX_IMAGES with one line
 * naming the option, the value and the allowed range. */
PetscErrorCode plan_create(PetscInt64 seed, PetscInt64 n_structures, PetscInt64 n_conditions, const char *options,
                           Plan **plan);
PetscErrorCode plan_destroy(Plan **plan);

/* Canonical plan options from the PETSc options database: every option that has been
 * given AND read so far (PetscOptionsUsed), except the listed ones (NULL-terminated
 * names without the dash) that change how a campaign runs but not what it computes
 * (-o, -fresh, -sim_ranks, ...); a name ending in '*' excludes a prefix ("log*"). -seed, -structures and -conditions are kept
 * by the Plan itself and are normally excluded here. Call after every plan option has been read. Free with PetscFree. */
PetscErrorCode plan_options_collect(const char *const excluded[], char **options);

/* Compare two canonical option sets. `same` is true when they are equal; otherwise
 * `difference` names the first differing option, e.g.
 *   "-radius: was 'uniform:10,50', now 'uniform:10,40'"   or   "-twins: was not given, now '2'". */
PetscErrorCode plan_options_compare(const char *stored, const char *current, PetscBool *same, char *difference,
                                    size_t difference_size);

/* FNV-1a 64-bit hash of a string (also used for journal line checksums). */
uint64_t plan_hash_string(const char *text, size_t length);

/* Database rows of a unit: images first_image .. first_image + n_conditions - 1. */
PetscInt plan_unit_first_image(const Plan *plan, PetscInt unit);
