/* fuzz_cif.c — libFuzzer harness for the CIF reader (crystal_create_from_cif, cif.c). */
#include "fuzz_common.h"
#include "structure/crystal.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  Crystal *crystal = NULL;
  (void)data, (void)size;
  PetscErrorCode failed = crystal_create_from_cif(path, &crystal);
  if (!failed) PetscCall(crystal_destroy(&crystal));
  return 0;
}
