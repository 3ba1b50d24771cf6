/* checked_size.h — overflow-checked size arithmetic and capped allocation, for every size
 * that comes from a file header, a dataset's dimensions or an option.
 *
 * A size read from a file is hostile until checked: multiply counts with these helpers
 * (never plain `*` on file data), compare the result with what the file can hold, and
 * allocate through checked_malloc so that a request above the memory limit is refused
 * with a message that names the size instead of crashing or swapping. */
#pragma once
#include <petscsys.h>
#include <stddef.h>
#include <stdint.h>

/* Product and sum of sizes; PETSC_TRUE when the exact result does not fit in size_t. */
static inline PetscBool size_multiply_overflows(size_t a, size_t b, size_t *product)
{
  return __builtin_mul_overflow(a, b, product) ? PETSC_TRUE : PETSC_FALSE;
}
static inline PetscBool size_add_overflows(size_t a, size_t b, size_t *sum)
{
  return __builtin_add_overflow(a, b, sum) ? PETSC_TRUE : PETSC_FALSE;
}

/* count1 * count2 * element_size bytes, or an error naming `what` and `source` (a file or
 * an option) when the product overflows. */
PetscErrorCode checked_bytes(size_t count1, size_t count2, size_t element_size, const char *what, const char *source,
                             size_t *bytes);

/* The per-process memory limit in bytes: -memory_limit (bytes, with k/M/G/T suffix) when
 * given, else the machine's physical memory or the
 * address-space limit (ulimit -v), whichever is smaller. Allocations from file sizes above it are refused. */
PetscErrorCode memory_limit_bytes(size_t *limit);
/* Override the limit (tests, and the -memory_limit option once parsed); 0 restores the default. */
void memory_limit_set(size_t bytes);

/* PetscMalloc of count * element_size bytes after checking the product for overflow and
 * against memory_limit_bytes(); the error names the size requested, `what` and `source`. */
PetscErrorCode checked_malloc(size_t count, size_t element_size, const char *what, const char *source, void *pointer);
