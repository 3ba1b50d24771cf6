/* fuzz_micrograph.h — the body of the image-format harnesses (fuzz_dm.c, fuzz_ser.c,
 * fuzz_tiff_png.c, fuzz_hdf5.c). micrograph_read recognises the format from the first
 * bytes, so all four call the same reader; they differ in their seed corpus, which keeps
 * each run in one format's code. The first and last image of a stack are read. */
#pragma once
#include <hdf5.h>
#include "train/micrograph.h"

static void fuzz_hdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#define FUZZ_SETUP fuzz_hdf5_quiet
#include "fuzz_common.h"

static PetscErrorCode fuzz_read_micrograph(const char *path)
{
  Micrograph *image = NULL;
  if (micrograph_read(path, 0, &image)) return 0;
  PetscInt frames = image->frames;
  PetscCall(micrograph_destroy(&image));
  if (frames > 1 && !micrograph_read(path, frames - 1, &image)) PetscCall(micrograph_destroy(&image));
  return 0;
}
