/* training.h — synchronous data-parallel training of the U-Net on a database.
 *
 * Every rank holds a full replica (same seed → same initial weights). Each step the global
 * batch (-batch) is cut into equal per-rank shares of the epoch's shuffled order; every rank
 * reads its own images (independent hyperslabs), augments and normalises them, runs forward
 * and backward, and the ONE contiguous gradient buffer is averaged with MPI_Allreduce in
 * buckets started from the network's gradient hook while backward still runs. Batch norm is
 * synchronised across ranks (statistics summed by MPI_Allreduce), so R ranks × batch B/R
 * compute the same step as 1 rank × batch B up to floating-point summation order. Every
 * rank applies the identical optimizer step; replicas are compared by a checksum of the
 * parameter buffer every -check_replicas steps. Rank 0 writes checkpoints, metrics, models.
 *
 * Randomness is keyed, never carried: the epoch order comes from (seed, epoch, SHUFFLE), an
 * image's augmentation and dose from (seed, epoch·N + image, AUGMENT). Resuming from the
 * checkpoint at the end of epoch e therefore continues bit-identically. */
#pragma once
#include <petscsys.h>
#include "train/dataset.h"
#include "core/distribution.h"
#include "nn/loss.h"
#include "nn/model_file.h"
#include "train/metrics.h"
#include "nn/optimizer.h"
#include "nn/unet.h"

/* Everything a training run is told (filled from options by training_config_from_options). */
typedef struct {
  char            database[PETSC_MAX_PATH_LEN]; /* -db */
  char            output[PETSC_MAX_PATH_LEN];   /* -o final model; checkpoints, best model, metrics beside it */
  char            column_group[256];            /* -column_group ("" = search) */
  char            select[1024];                 /* -select "dose>=100,dose<=600" ("" = all) */
  double          validation_fraction;          /* -val_fraction 0.25 */
  SplitGrouping   split_by;                     /* -split_by structure|image */
  NormalizeMode   normalize;                    /* -normalize minmax|standard */
  PetscBool       augment;                      /* -augment: the 8 dihedral symmetries */
  Distribution    dose_resample;                /* -dose_resample [e/Å²] (constant 0 = off) */
  double          pixel_size;                   /* -pixel_size [Å] for dose re-sampling */
  UNetConfig      net;                          /* -depth -base_filters -block -decoder -batchnorm */
  OptimizerConfig optimizer;                    /* -optimizer -lr -lr_decay -momentum -weight_decay -warmup_steps */
  LossKind        loss;                         /* -loss */
  PetscInt        global_batch;                 /* -batch 16, split over the ranks */
  PetscInt        epochs;                       /* -epochs 25 */
  PetscBool       lr_scaling_linear;            /* -lr_scaling linear: lr × global batch / 16 */
  PetscInt        steps_per_epoch;              /* -steps_per_epoch (0 = all of the training split) */
  PetscInt        bucket_floats;                /* -allreduce_bucket [floats] */
  PetscBool       overlap;                      /* -allreduce_overlap: start buckets during backward */
  PetscBool       sync_batchnorm;               /* -sync_batchnorm */
  PetscInt        check_replicas;               /* -check_replicas N steps (0 = only at the end) */
  PetscInt        keep_checkpoints;             /* -keep_checkpoints K */
  PetscBool       resume;                       /* -resume */
  PetscInt        stop_after_epochs;            /* -stop_after N: end after N epochs of this run (tests of resume) */
  uint64_t        seed;                         /* -seed */
  PetscBool       validate;                     /* -validate: score the validation split each epoch */
  PetscBool       verify;                       /* -verify: check the database against its journal's checksums first */
} TrainingConfig;

/* What a finished run measured (same on every rank). */
typedef struct {
  PetscInt epochs_done;              /* epochs completed in total (including resumed ones) */
  PetscInt steps;                    /* optimizer steps in this run */
  PetscInt images;                   /* training images processed in this run (all ranks) */
  double   seconds;                  /* wall time of this run's training steps */
  double   images_per_second;        /* images / seconds */
  double   first_step_seconds;       /* max over ranks: the first step also touches every buffer for the first time */
  double   steady_images_per_second; /* images / seconds after the first step (0 with one step) */
  double   allreduce_seconds;        /* max over ranks of the time inside gradient MPI calls (issue + wait) */
  double   wait_seconds;             /* ... of it, waiting for buckets after backward */
  double   forward_seconds, backward_seconds; /* rank 0 */
  Scores   validation;                        /* last epoch, validation split */
  Scores   train;                             /* last epoch, training images */
  uint64_t parameter_checksum;                /* FNV-1a of the final parameter buffer */
} TrainingReport;

/* Reads the train command's options (inside its own PetscOptionsBegin/End). */
PetscErrorCode training_config_from_options(MPI_Comm comm, TrainingConfig *config);
/* The split a run with `config` makes, as dataset_split takes it and the model file stores it. */
void training_split_rule(const TrainingConfig *config, DatasetSplitRule *rule);
/* The same rule as the model file's typed fields (and back: an error naming the model file
 * for a grouping it does not know). */
void           training_split_to_model(const DatasetSplitRule *rule, ModelSplit *split);
PetscErrorCode training_split_from_model(const char *model_path, const ModelSplit *split, DatasetSplitRule *rule);

/* Collective: the whole run. */
PetscErrorCode training_run(MPI_Comm comm, const TrainingConfig *config, TrainingReport *report);
