/* fuzz_hdf5.c — libFuzzer harness for the HDF5 readers: micrograph_read (Berkeley EMD, Velox
 * EMD, a database or an `images` dataset, micrograph.c) and the labelled sets and databases
 * that `evaluate -data` and `train -db` open (dataset.c). */
#include "fuzz_micrograph.h"
#include "train/dataset.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  (void)data, (void)size;
  PetscCall(fuzz_read_micrograph(path));

  PetscInt count = 0, ny = 0, nx = 0;
  float   *images = NULL;
  uint8_t *masks  = NULL;
  if (!labelled_set_read_hdf5(path, &count, &ny, &nx, &images, &masks)) {
    PetscCall(PetscFree(images));
    PetscCall(PetscFree(masks));
  }

  Dataset *dataset = NULL;
  if (dataset_open(PETSC_COMM_SELF, path, NULL, &dataset)) return 0;
  /* The first image and mask as training reads them (only when small: sizes are the reader's to check). */
  if (dataset->count > 0 && dataset->ny > 0 && dataset->nx > 0 && dataset->ny * dataset->nx <= 1 << 22) {
    PetscInt index = 0;
    float   *image = malloc(sizeof(float) * (size_t)(dataset->ny * dataset->nx));
    uint8_t *mask  = malloc((size_t)(dataset->ny * dataset->nx));
    if (image && mask) (void)dataset_read(dataset, &index, 1, image, mask);
    free(image);
    free(mask);
  }
  PetscCall(dataset_destroy(&dataset));
  return 0;
}
