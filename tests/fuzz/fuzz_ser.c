/* fuzz_ser.c — libFuzzer harness for the FEI/TIA SER (micrograph.c) image reader. */
#include "fuzz_micrograph.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  (void)data, (void)size;
  return fuzz_read_micrograph(path);
}
