/* fuzz_dm.c — libFuzzer harness for the Gatan DM3/DM4 (micrograph_dm.c) image reader. */
#include "fuzz_micrograph.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  (void)data, (void)size;
  return fuzz_read_micrograph(path);
}
