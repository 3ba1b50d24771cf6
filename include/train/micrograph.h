/* micrograph.h — reading one image (a real micrograph or a labelled mask) from the formats
 * microscopists have: TIFF (libtiff: 8/16/32-bit integer or float, grey or RGB), PNG (libpng:
 * 8/16-bit grey or colour), HDF5 (Berkeley EMD v0.2: the first emd_group_type=1 group's
 * `data`; Velox EMD: /Data/Image/<uuid>/Data; a nanoforge database; a file with an `images`
 * dataset), FEI/TIA SER (2-D elements), Gatan DM3/DM4 (the first non-thumbnail image).
 * The format is recognised from the file's first bytes, not its name. Stacks give the
 * image `index` (0 = first). Colour is converted to luminance. */
#pragma once
#include <petscsys.h>

/* One 2-D image in floats. */
typedef struct {
  PetscInt ny, nx;       /* rows, columns */
  float   *pixels;       /* [ny][nx], rows top to bottom */
  double   pixel_size;   /* Å per pixel along x (columns), from the file's calibration (<= 0: unknown) */
  double   pixel_size_y; /* Å per pixel along y (rows), which some instruments calibrate apart (<= 0: unknown) */
  double   pixel_size_x; /* Å per pixel along x (columns); pixel_size repeats it for older callers */
  PetscInt frames;       /* images in the file's stack (1 for a single image) */
  char     format[32];   /* "tiff", "png", "emd", "velox-emd", "hdf5", "ser", "dm3", "dm4" */
} Micrograph;

PetscErrorCode micrograph_read(const char *path, PetscInt index, Micrograph **micrograph);
PetscErrorCode micrograph_destroy(Micrograph **micrograph);
