/* dataset.h — the training data: a campaign database read through parallel HDF5,
 * the validation split by structure, the per-epoch shuffle, augmentations,
 * normalisation, dose re-sampling and the metadata subset selector.
 *
 * MPI/HDF5: dataset_open is collective on its communicator (the file is opened with
 * the MPI-IO driver); dataset_read is independent (each rank reads its own images as
 * hyperslabs). Everything else is serial and deterministic: the split, the shuffle and
 * the augmentation choices depend on the seed, the epoch and the image index only, so
 * every rank computes the same ones without communication, whatever the rank count.
 *
 * Layout read (issue 5, EMD v0.2): /data/images/data [N][ny][nx] float32,
 * /data/masks/data [N][ny][nx] uint8, per-image columns = 1-D numeric datasets of
 * length N found in a column group (by default the first of /metadata, /data/metadata,
 * /data/images, /data that has any), a structure id column "structure_id" (or
 * "unit_id") used for the split. */
#pragma once
#include <stdint.h>
#include <hdf5.h>
#include <petscsys.h>
#include "rng.h"

/* An open database of labelled images. */
typedef struct {
  char      path[PETSC_MAX_PATH_LEN]; /* the file, for messages */
  MPI_Comm  comm;                     /* the ranks that opened it */
  hid_t     file;                     /* HDF5 file (MPI-IO driver) */
  hid_t     images;                   /* /data/images/data */
  hid_t     masks;                    /* /data/masks/data */
  PetscInt  count;                    /* images N */
  PetscInt  ny, nx;                   /* image rows, columns */
  PetscInt  n_columns;                /* per-image metadata columns found */
  char    **column_names;             /* [n_columns] */
  double  **columns;                  /* [n_columns][count], converted to double */
  char      column_group[256];        /* where the columns were found ("" = none) */
  int64_t  *structure_id;             /* [count]: images of one structure share it */
  char      structure_column[64];     /* the column it came from ("" = one per image) */
} Dataset;

/* Open collectively. column_group NULL or "" = search the default groups. Errors name
 * the file: missing images, missing masks, masks of another shape, non-3-D data. */
PetscErrorCode dataset_open(MPI_Comm comm, const char *path, const char *column_group, Dataset **dataset);
PetscErrorCode dataset_destroy(Dataset **dataset);
/* Read images (float) and masks (0/1) of the given indices, each a hyperslab, independently.
 * images [n][ny][nx], masks [n][ny][nx]; masks may be NULL. */
PetscErrorCode dataset_read(Dataset *dataset, const PetscInt *indices, PetscInt n, float *images, uint8_t *masks);
/* The column called `name`, or NULL. */
const double  *dataset_column(const Dataset *dataset, const char *name);

/* Subset selector: selected[i] = 1 for images meeting every comma-separated condition of
 * `spec` ("dose>=100,dose<=600,thickness<50"; operators >= <= > < == !=). An unknown
 * column is an error naming it and listing the columns. spec NULL or "" selects all. */
PetscErrorCode dataset_select(const Dataset *dataset, const char *spec, PetscBool *selected);

/* Split the selected images by structure: a fraction `validation_fraction` of the distinct
 * structure ids (drawn with RNG_PURPOSE_SPLIT from `seed`; at least one when the fraction is
 * positive and there are two or more structures) goes to validation. Outputs are ascending
 * image indices, allocated with PetscMalloc1 (free with PetscFree). */
PetscErrorCode dataset_split(const Dataset *dataset, const PetscBool *selected, double validation_fraction, uint64_t seed,
                             PetscInt **train, PetscInt *n_train, PetscInt **validation, PetscInt *n_validation);

/* The order of epoch `epoch`: a Fisher–Yates permutation of `base` (n entries) into `order`,
 * from the stream (seed, epoch, RNG_PURPOSE_SHUFFLE). Depends on nothing else. */
void dataset_shuffle(const PetscInt *base, PetscInt n, uint64_t seed, PetscInt epoch, PetscInt *order);

/* The 8 symmetries of the square (dihedral group D4): k bit 0 = transpose, bit 1 = flip rows,
 * bit 2 = flip columns. Non-square images (ny != nx) allow only the 4 without transpose
 * (k & 1 must be 0). out must not alias in. */
void augment_dihedral_float(const float *in, PetscInt ny, PetscInt nx, int k, float *out);
void augment_dihedral_mask(const uint8_t *in, PetscInt ny, PetscInt nx, int k, uint8_t *out);

/* Per-image normalisation, the same in training, evaluation and segmentation. */
typedef enum { NORMALIZE_MINMAX = 0, NORMALIZE_STANDARD = 1 } NormalizeMode;
extern const char *const normalize_mode_names[]; /* PETSc enum list: "minmax", "standard", ... */
/* minmax: (x - min) / (max - min); standard: (x - mean) / std; a constant image becomes 0. */
void normalize_image(float *image, PetscInt count, NormalizeMode mode);

/* Dose re-sampling: the image is taken as an intensity (negative values clipped, scaled to
 * mean 1) and replaced by Poisson counts at `dose` e/Å² on pixels of `pixel_area` Å², divided
 * by the mean count, so it looks like an exposure at that dose. */
void resample_dose(float *image, PetscInt count, double dose, double pixel_area, RngStream *stream);

/* Labelled images from a file outside the database, read serially (evaluate):
 *  - HDF5 with datasets `images` and `maps` ([N][ny][nx], optionally a trailing channel axis;
 *    maps with C > 1 channels: particle where the argmax channel is not 0, else map > 0.5);
 * Outputs allocated with PetscMalloc1. */
PetscErrorCode labelled_set_read_hdf5(const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx, float **images, uint8_t **masks);

/* A small labelled synthetic database in the campaign layout (serial HDF5), for tests and
 * demonstrations: n_structures × n_conditions images of size×size pixels, each structure a
 * few disks (particles: mask 1) at random places, each condition another contrast sign,
 * blur and Poisson dose; columns /metadata/{structure_id, condition_index, dose, radius}.
 * Deterministic in `seed`. with_masks PETSC_FALSE leaves /data/masks out (bad-input tests). */
PetscErrorCode dataset_write_synthetic(const char *path, PetscInt n_structures, PetscInt n_conditions, PetscInt size, uint64_t seed, PetscBool with_masks);
