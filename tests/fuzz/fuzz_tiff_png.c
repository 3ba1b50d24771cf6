/* fuzz_tiff_png.c — libFuzzer harness for the TIFF and PNG (micrograph.c, through libtiff and libpng) image reader. */
#include "fuzz_micrograph.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  (void)data, (void)size;
  return fuzz_read_micrograph(path);
}
