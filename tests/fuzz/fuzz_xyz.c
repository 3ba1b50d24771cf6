/* fuzz_xyz.c — libFuzzer harness for the structure readers (structure_io.c): XYZ, extended
 * XYZ and Prismatic, recognised from the content as `simulate -structure` does. */
#include "fuzz_common.h"
#include "structure/structure_io.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  AtomList *atoms = NULL;
  (void)data, (void)size;
  PetscErrorCode failed = structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms);
  if (!failed) PetscCall(atom_list_destroy(&atoms));
  return 0;
}
