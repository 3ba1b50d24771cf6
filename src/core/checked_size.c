/* checked_size.c — overflow-checked sizes and capped allocation (see checked_size.h). */
#include <sys/resource.h>
#include <unistd.h>
#include "core/checked_size.h"

static size_t memory_limit_override = 0;

void memory_limit_set(size_t bytes) { memory_limit_override = bytes; }

PetscErrorCode memory_limit_bytes(size_t *limit)
{
  PetscFunctionBeginUser;
  if (memory_limit_override) {
    *limit = memory_limit_override;
    PetscFunctionReturn(0);
  }
  long   pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
  size_t physical;
  if (pages <= 0 || page_size <= 0 || size_multiply_overflows((size_t)pages, (size_t)page_size, &physical))
    physical = SIZE_MAX;
  /* An address-space limit (ulimit -v, some batch systems) is a harder ceiling: a request
   * above it can only fail at the OS, so refuse it here with the figure. */
  struct rlimit address_space;
  if (getrlimit(RLIMIT_AS, &address_space) == 0 && address_space.rlim_cur != RLIM_INFINITY &&
      (size_t)address_space.rlim_cur < physical)
    physical = (size_t)address_space.rlim_cur;
  *limit = physical;
  PetscFunctionReturn(0);
}

PetscErrorCode checked_bytes(size_t count1, size_t count2, size_t element_size, const char *what, const char *source,
                             size_t *bytes)
{
  size_t elements;

  PetscFunctionBeginUser;
  PetscCheck(
    !size_multiply_overflows(count1, count2, &elements) && !size_multiply_overflows(elements, element_size, bytes),
    PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': %s of %zu x %zu elements of %zu bytes overflows a 64-bit size",
    source, what, count1, count2, element_size);
  PetscFunctionReturn(0);
}

PetscErrorCode checked_malloc(size_t count, size_t element_size, const char *what, const char *source, void *pointer)
{
  size_t bytes, limit;

  PetscFunctionBeginUser;
  PetscCall(checked_bytes(count, 1, element_size, what, source, &bytes));
  PetscCall(memory_limit_bytes(&limit));
  PetscCheck(bytes <= limit, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "'%s': %s needs %.3g GB (%zu bytes), more than the memory limit of %.3g GB (-memory_limit)", source, what,
             bytes / 1e9, bytes, limit / 1e9);
  /* Below the limit the system may still refuse (ulimit -v, other processes): one line naming
   * the request, not PETSc's traceback from inside its allocator. */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  PetscErrorCode failed = PetscMalloc(bytes ? bytes : 1, (void **)pointer);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(!failed, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "'%s': %s needs %.3g GB (%zu bytes), which the system could not allocate", source, what, bytes / 1e9,
             bytes);
  PetscFunctionReturn(0);
}
