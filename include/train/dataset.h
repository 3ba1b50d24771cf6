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
 * The layout is database.h's and only database_reader.h reads it. A database without its
 * structure id column is split only when the user asks for image-level groups. */
#pragma once
#include <stdint.h>
#include <hdf5.h>
#include <petscsys.h>
#include "db/database_reader.h"
#include "core/rng.h"

/* An open database of labelled images (read through database_reader.h). */
typedef struct {
  char            path[PETSC_MAX_PATH_LEN]; /* the file, for messages */
  MPI_Comm        comm;                     /* the ranks that opened it */
  DatabaseReader *reader;                   /* the database (MPI-IO) */
  PetscInt        count;                    /* images N */
  PetscInt        ny, nx;                   /* image rows, columns */
  PetscInt        n_columns;                /* per-image metadata columns found */
  char          **column_names;             /* [n_columns] (the reader's) */
  double        **columns;                  /* [n_columns][count], converted to double */
  char            column_group[256];        /* where the columns were found ("" = none) */
  PetscBool       has_structure_id;         /* the database has the structure id column */
  int64_t        *structure_id; /* [count]: images of one structure share it (image index without the column) */
  int64_t        *image_index;  /* [count]: 0 .. count-1, the groups of an image-level split */
} Dataset;

/* What a train/validation split groups: whole structures (no leakage between the sides) or
 * single images (for databases without a structure id column, on request only). */
typedef enum { SPLIT_BY_STRUCTURE = 0, SPLIT_BY_IMAGE = 1 } SplitGrouping;
extern const char *const split_grouping_names[]; /* PETSc enum list: "structure", "image", ... */

/* How a training run split its database: stored in the model file as typed attributes and
 * read back by evaluation, so both sides compute the same split. */
typedef struct {
  uint64_t      seed;                /* -seed */
  double        validation_fraction; /* -val_fraction */
  SplitGrouping grouping;            /* -split_by */
  char          select[1024];        /* -select ("" = all) */
  char          column_group[256];   /* -column_group ("" = search) */
} DatasetSplitRule;

/* Open collectively. column_group NULL or "" = search the default groups. Errors name
 * the file: missing images, missing masks, masks of another shape, non-3-D data. */
PetscErrorCode dataset_open(MPI_Comm comm, const char *path, const char *column_group, Dataset **dataset);
PetscErrorCode dataset_destroy(Dataset **dataset);
/* Read images (float) and masks (0/1) of the given indices, each a hyperslab, independently.
 * images [n][ny][nx], masks [n][ny][nx]; masks may be NULL. */
PetscErrorCode dataset_read(Dataset *dataset, const PetscInt *indices, PetscInt n, float *images, uint8_t *masks);
/* The column called `name`, or NULL. */
const double *dataset_column(const Dataset *dataset, const char *name);

/* Subset selector: selected[i] = 1 for images meeting every comma-separated condition of
 * `spec` ("dose>=100,dose<=600,thickness<50"; operators >= <= > < == !=). An unknown
 * column is an error naming it and listing the columns. spec NULL or "" selects all. */
PetscErrorCode dataset_select(const Dataset *dataset, const char *spec, PetscBool *selected);

/* Split the selected images by rule->grouping: a fraction rule->validation_fraction of the
 * distinct groups (drawn with RNG_PURPOSE_SPLIT from rule->seed; at least one when the fraction
 * is positive and there are two or more groups) goes to validation. Grouping by structure on a
 * database without a structure id column is an error naming the file and -split_by (leakage).
 * Outputs are ascending image indices, allocated with PetscMalloc1 (free with PetscFree). */
PetscErrorCode dataset_split(const Dataset *dataset, const PetscBool *selected, const DatasetSplitRule *rule,
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
PetscErrorCode labelled_set_read_hdf5(const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx, float **images,
                                      uint8_t **masks);

/* A small labelled synthetic database written by the campaign's writer (database_create on
 * PETSC_COMM_SELF), for tests and demonstrations: n_structures × n_conditions images of
 * size×size pixels, each structure a few disks (particles: mask 1) at random places, each
 * condition another contrast sign, blur and Poisson dose; columns "radius" (per structure) and
 * "dose" besides the id columns. Deterministic in `seed`. with_masks PETSC_FALSE removes the
 * masks afterwards (bad-input tests). */
PetscErrorCode dataset_write_synthetic(const char *path, PetscInt n_structures, PetscInt n_conditions, PetscInt size,
                                       uint64_t seed, PetscBool with_masks);
