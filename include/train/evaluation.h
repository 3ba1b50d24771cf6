/* evaluation.h — a trained model scored on labelled images: the held-out split of a database
 * (recomputed from the split stored in the model file), HDF5 files with `images` and `maps`,
 * or image + mask file pairs. Image + mask pairs are predicted at the model's pixel size (the
 * image resampled to it and the probabilities back, as segment does: inference.h) and scored on
 * the mask's own grid; databases and images+maps files are scored as they are. Per-image and pooled precision, recall, F1 and IoU, written to a
 * CSV file whose rows are in input order whatever the rank count, and an optional montage.
 *
 * MPI: evaluation_run is collective; inputs are dealt round-robin to the ranks, counts and
 * scores are reduced, rows and montage gathered on rank 0 (evaluation.c). */
#pragma once
#include <petscsys.h>
#include "train/metrics.h"

#define EVALUATION_MAX_FILES 64

/* What an evaluation is told (filled from options by evaluation_config_from_options). */
typedef struct {
  char      model[PETSC_MAX_PATH_LEN];  /* -model */
  char     *data[EVALUATION_MAX_FILES]; /* -data: databases, images+maps files, or images */
  PetscInt  n_data;
  char     *masks[EVALUATION_MAX_FILES]; /* -mask: one per -data image (or none) */
  PetscInt  n_masks;
  PetscBool all;                         /* -split all (else the model's validation split) */
  double    threshold;                   /* -threshold on the foreground probability */
  char      output[PETSC_MAX_PATH_LEN];  /* -o scores CSV */
  char      normalize[32];               /* -normalize override ("" = the training run's) */
  PetscInt  batch;                       /* -batch tiles per forward pass */
  char      montage[PETSC_MAX_PATH_LEN]; /* -montage PNG ("" = none) */
  PetscInt  montage_count;               /* -montage_count rows */
  PetscInt  overlap;                     /* -overlap of tiles [pixels] (-1 = tile/4) */
  double    pixel_size[2];               /* -pixel_size x,y of the -data images [Å/pixel] */
  PetscInt  n_pixel_size;                /* values given (0: each image file's calibration) */
  PetscBool resample;                    /* -resample: image+mask pairs to the model's pixel size */
} EvaluationConfig;

/* What a finished evaluation measured (meaningful on rank 0). */
typedef struct {
  PetscInt images;       /* images scored, all inputs */
  Scores   scores;       /* pixels pooled over every image */
  double   seconds;      /* max over ranks of the time inside the network and tiling */
  int      tile;         /* tile side [pixels] (the training size) */
  PetscInt montage_rows; /* rows written to the montage (0: none) */
} EvaluationReport;

/* Reads the evaluate command's options and checks them (one-line errors naming the option). */
PetscErrorCode evaluation_config_from_options(MPI_Comm comm, EvaluationConfig *config);
/* Frees the option strings of the config. */
PetscErrorCode evaluation_config_clear(EvaluationConfig *config);
/* Collective: score every input, write the CSV (and montage) on rank 0. */
PetscErrorCode evaluation_run(MPI_Comm comm, const EvaluationConfig *config, EvaluationReport *report);
