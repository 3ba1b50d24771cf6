/* model_file.h — the HDF5 model / checkpoint file (serial HDF5; rank 0 writes).
 *
 * Layout (one file):
 *   /                      attributes: format = "nanoforge-unet", format_version, depth,
 *                          base_filters, block, decoder, head, in_channels, batchnorm,
 *                          train_height, train_width, architecture (text), provenance, options
 *   /parameters            float [parameter_count]        (attribute checksum: FNV-1a 64)
 *   /batchnorm_state       float [batchnorm_state_count]  (attribute checksum)
 *   /optimizer/state       float [optimizer_state_count]  (attributes checksum, kind, steps,
 *                          learning_rate, beta1, beta2, epsilon, momentum, weight_decay,
 *                          epoch_decay, warmup_steps)   — only when an optimizer is saved
 *   /training              attributes epoch, step, seed, best_score, and the split of the
 *                          database: split_seed (uint64), split_validation_fraction (float64),
 *                          split_grouping, split_select, split_column_group (strings); models
 *                          of older versions lack them (ModelSplit.present = false); and the
 *                          scale of the training images: pixel_size_A (float64, Å per pixel of the
 *                          database's images, 0 = unknown) and normalize (string: "minmax" or
 *                          "standard"); older models lack them (ModelScale.present = false)
 *   /training/rng_state    uint64 [4]                     (attribute checksum)
 *   /training/metrics      double [rows][columns] with attributes column_names (comma-separated), checksum
 *
 * Written to "<path>.tmp" then renamed over <path>, so a crash never leaves a half file
 * under the real name. Loading checks the architecture against the network it is loaded
 * into and every checksum: a mismatch or corruption is a clean PETSC_ERR_FILE_UNEXPECTED /
 * PETSC_ERR_USER_INPUT error naming the file. Checkpoint rotation is the train module's. */
#pragma once
#include <stdint.h>
#include "nn/unet.h"
#include "nn/optimizer.h"

/* How a training run split its database into training and validation images, stored as
 * typed attributes so that evaluation recomputes the same split (meanings are the train
 * module's: dataset.h DatasetSplitRule). */
typedef struct {
  PetscBool present;             /* false: a model of an older version, without a stored split */
  uint64_t  seed;                /* the split's random seed */
  double    validation_fraction; /* fraction of the groups held out */
  char      grouping[16];        /* "structure" or "image" */
  char      select[1024];        /* the subset selector ("" = all images) */
  char      column_group[256];   /* where the columns were read ("" = searched) */
} ModelSplit;

/* The pixel size and intensity normalisation of the training images, which inference must
 * reproduce: segment resamples a micrograph to pixel_size and normalises it as `normalize`. */
typedef struct {
  PetscBool present;       /* false: a model of an older version, without these attributes */
  double    pixel_size;    /* Å per pixel of the training images (0: the database had none) */
  char      normalize[16]; /* per-image normalisation: "minmax" or "standard" */
} ModelScale;

/* What a training run stores besides weights. Strings and arrays are owned by the struct
 * after model_file_load (free with model_training_state_clear); for writing, the caller's. */
typedef struct {
  int64_t    epoch;        /* epochs completed */
  int64_t    step;         /* optimizer steps completed */
  uint64_t   seed;         /* the run's seed */
  uint64_t   rng_state[4]; /* train module's RNG position fields (meaning defined by train) */
  double     best_score;   /* e.g. best validation F1 so far */
  char      *options;      /* full options string of the run (may be NULL) */
  char      *provenance;   /* provenance one-liner (may be NULL) */
  int        metrics_rows; /* metrics history: rows (epochs) × columns */
  int        metrics_columns;
  char      *metric_names; /* comma-separated column names, e.g. "epoch,train_loss,val_f1" */
  double    *metrics;      /* [rows][columns] */
  ModelSplit split;        /* written when split.present */
  ModelScale scale;        /* written when scale.present */
} ModelTrainingState;

/* Frees the owned strings/arrays and zeroes the struct. */
PetscErrorCode model_training_state_clear(ModelTrainingState *state);

/* Writes net (+ optimizer when non-NULL, + state when non-NULL) to path atomically. */
PetscErrorCode model_file_write(const char *path, UNet *net, Optimizer *optimizer, const ModelTrainingState *state);

/* Reads only the architecture and the training image size (to create the network). */
PetscErrorCode model_file_read_config(const char *path, UNetConfig *config, int *train_height, int *train_width);

/* Reads only the stored split (split->present = false for models without one). */
PetscErrorCode model_file_read_split(const char *path, ModelSplit *split);

/* Reads only the stored scale (scale->present = false for models without one). */
PetscErrorCode model_file_read_scale(const char *path, ModelScale *scale);

/* Loads weights and BN state into net (its config must match the file's: otherwise an error
 * "model file X was made for depth 3, base 16, ...; this run asks for depth 4, ..."); the
 * optimizer state when optimizer is non-NULL (its kind and size must match; error if the
 * file has none); the training state when state is non-NULL. */
PetscErrorCode model_file_load(const char *path, UNet *net, Optimizer *optimizer, ModelTrainingState *state);
