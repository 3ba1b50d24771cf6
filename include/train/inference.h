/* inference.h — a trained model ready to predict (serial): the network, its training
 * image size and normalisation, batched prediction, and tiled segmentation of any-size
 * micrographs with blended overlaps. */
#pragma once
#include <petscsys.h>
#include "train/dataset.h" /* NormalizeMode */
#include "train/tiling.h"
#include "nn/unet.h"

/* A model ready to predict, with the preprocessing of its training run. */
typedef struct {
  char          path[PETSC_MAX_PATH_LEN]; /* the model file */
  UNet         *net;
  UNetConfig    config;
  int           train_height, train_width; /* the image size it was trained on */
  int           batch;                     /* images per forward pass */
  NormalizeMode normalize;                 /* the model's recorded normalisation, or overridden */
  PetscBool     scale_recorded;            /* the model records pixel size and normalisation (false: an
                                              older model; normalisation from its options text) */
  double        pixel_size;                /* Å per pixel of the training images (0: unknown) */
  char         *training_options;          /* the training run's options string ("" if unknown) */
} Predictor;

/* normalize_override NULL or "" = the training run's: the model's recorded normalize attribute,
 * or for an older model without one the -normalize of its training options (minmax if none). */
PetscErrorCode predictor_create(const char *model_path, int batch, const char *normalize_override,
                                Predictor **predictor);
PetscErrorCode predictor_destroy(Predictor **predictor);
/* The value of `option` (e.g. "-seed") in the training options, or NULL (copied into value). */
PetscBool predictor_training_option(const Predictor *predictor, const char *option, char *value, size_t size);
/* Foreground probabilities [count][ny][nx] of already normalised images of one size
 * (divisible by 2^depth); runs in batches. */
PetscErrorCode predictor_run(Predictor *predictor, const float *images, int count, int ny, int nx, float *foreground);
/* Any-size image (raw values): normalised as in training, tiled with overlap and blended. */
PetscErrorCode predictor_segment(Predictor *predictor, const float *image, PetscInt ny, PetscInt nx,
                                 const TilingConfig *tiling, float *foreground);
/* How predictor_segment_at_model_scale brought an image to the model's pixel size. */
typedef struct {
  double      factor_x, factor_y; /* predicted columns / image columns, rows / rows (1: as it is) */
  PetscInt    ny, nx;             /* the grid predicted on */
  const char *unchanged;          /* why it was not resampled ("-resample false", "the model records
                                     no pixel size"), NULL when the pixel sizes were compared */
} PredictionScale;
/* The foreground probabilities of an image [ny][nx] of px x py Å/pixel on its own grid: with
 * `resample` and a model that records its pixel size, the image is resampled to that pixel size
 * (resample.h), predicted there and the probabilities resampled back; otherwise predicted as it
 * is. An image without pixel size (px or py <= 0) is then an error naming `source` (the file),
 * the model, -pixel_size and -resample false. segment and evaluate both call it. */
PetscErrorCode predictor_segment_at_model_scale(Predictor *predictor, const TilingConfig *tiling, const float *image,
                                                PetscInt ny, PetscInt nx, double px, double py, PetscBool resample,
                                                const char *source, float *foreground, PredictionScale *scale);
/* The line segment and evaluate print for `scale` ("<command>: <source>: scale factor ..."). */
PetscErrorCode predictor_print_scale(const Predictor *predictor, const char *command, const char *source, double px,
                                     double py, PetscInt ny, PetscInt nx, const PredictionScale *scale);
