/* training.c — the data-parallel training loop (see training.h for the scheme).
 * MPI: collective reductions of epoch statistics and of validation scores live here;
 * the gradient all-reduce is in gradient_allreduce.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "campaign/campaign.h"
#include "train/checkpoint.h"
#include "core/error_check.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/provenance.h"
#include "core/timing.h"
#include "train/training.h"
#include "train/gradient_allreduce.h"

static const char *const block_names[]   = {"plain", "residual", "UNetBlock", "UNET_BLOCK_", NULL};
static const char *const decoder_names[] = {"transposed", "upsample", "UNetDecoder", "UNET_DECODER_", NULL};
static const char *const head_names[]    = {"softmax", "sigmoid", "UNetHead", "UNET_HEAD_", NULL};

/* Options kept as typed until PetscOptionsEnd: they are checked and turned into the config only
 * afterwards, so that -help lists every option before a bad value stops the run. */
typedef struct {
  char       optimizer[32], loss[64], lr_scaling[16];
  PetscInt   block, decoder, head; /* indices into block_names, decoder_names, head_names */
  PetscInt   warmup_steps;
  PetscInt64 seed;
  double     learning_rate; /* -1: the optimizer's default */
  double     lr_decay, momentum, weight_decay;
} TypedOptions;

static PetscErrorCode set_defaults(TrainingConfig *c, TypedOptions *t)
{
  PetscFunctionBeginUser;
  memset(c, 0, sizeof *c);
  PetscCall(PetscStrncpy(c->output, "model.h5", sizeof c->output));
  c->validation_fraction = 0.25;
  c->normalize           = NORMALIZE_MINMAX;
  c->augment             = PETSC_TRUE;
  c->pixel_size          = 0.2;
  unet_config_default(&c->net);
  c->global_batch     = 16;
  c->epochs           = 25;
  c->bucket_floats    = 1 << 18;
  c->overlap          = PETSC_TRUE;
  c->sync_batchnorm   = PETSC_TRUE;
  c->check_replicas   = 50;
  c->keep_checkpoints = 3;
  c->verify           = PETSC_TRUE;
  c->validate         = PETSC_TRUE;
  memset(t, 0, sizeof *t);
  PetscCall(PetscStrncpy(t->optimizer, "adam", sizeof t->optimizer));
  PetscCall(PetscStrncpy(t->loss, "cross_entropy+dice", sizeof t->loss));
  PetscCall(PetscStrncpy(t->lr_scaling, "none", sizeof t->lr_scaling));
  t->seed          = 1;
  t->learning_rate = -1;
  t->lr_decay      = 0.8;
  t->momentum      = 0.9;
  PetscFunctionReturn(0);
}

/* The database, the model file, which images and how they are split, normalised and augmented. */
static PetscErrorCode read_data_options(PetscOptionItems *PetscOptionsObject, TrainingConfig *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsString("-db", "Database to train on (HDF5, campaign layout)", NULL, c->database, c->database,
                               sizeof c->database, NULL));
  PetscCall(PetscOptionsString(
    "-o", "Final model file; checkpoints <stem>_checkpoint_EEEE.h5, <stem>_best.h5, <stem>_metrics.csv/.png beside it",
    NULL, c->output, c->output, sizeof c->output, NULL));
  PetscCall(PetscOptionsString(
    "-column_group",
    "HDF5 group of the per-image metadata columns (default: search the database's own, then other EMD writers')", NULL,
    c->column_group, c->column_group, sizeof c->column_group, NULL));
  PetscCall(PetscOptionsString("-select",
                               "Subset of images by metadata, e.g. \"dose>=100,dose<=600\" (operators >= <= > < == !=)",
                               NULL, c->select, c->select, sizeof c->select, NULL));
  PetscCall(PetscOptionsReal("-val_fraction", "Fraction of STRUCTURES held out for validation", NULL,
                             c->validation_fraction, &c->validation_fraction, NULL));
  PetscCall(PetscOptionsEnum(
    "-split_by",
    "Groups kept on one side of the train/validation split: structure (needs the structure id column) or image (allows leakage)",
    NULL, split_grouping_names, (PetscEnum)c->split_by, (PetscEnum *)&c->split_by, NULL));
  PetscCall(PetscOptionsEnum("-normalize", "Per-image normalisation", NULL, normalize_mode_names,
                             (PetscEnum)c->normalize, (PetscEnum *)&c->normalize, NULL));
  PetscCall(
    PetscOptionsBool("-augment", "Random dihedral (8 symmetries) augmentation", NULL, c->augment, &c->augment, NULL));
  PetscCall(options_distribution(PetscOptionsObject, "-dose_resample",
                                 "Re-sample each training image at a dose drawn from this distribution [e/Å²] (0: off)",
                                 "0", &c->dose_resample));
  PetscCall(PetscOptionsReal("-pixel_size",
                             "Pixel size for -dose_resample when the database has no pixel_size column [Å]", NULL,
                             c->pixel_size, &c->pixel_size, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_network_options(PetscOptionItems *PetscOptionsObject, TrainingConfig *c, TypedOptions *t)
{
  PetscFunctionBeginUser;
  PetscCall(options_integer(PetscOptionsObject, "-depth", "U-Net depth (poolings)", 1, 8, &c->net.depth, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-base_filters", "U-Net channels at full resolution", 1, 65536,
                            &c->net.base_filters, NULL));
  PetscCall(
    PetscOptionsEList("-block", "Encoder blocks", NULL, block_names, 2, block_names[c->net.block], &t->block, NULL));
  PetscCall(PetscOptionsEList("-decoder", "Decoder upsampling", NULL, decoder_names, 2, decoder_names[c->net.decoder],
                              &t->decoder, NULL));
  PetscCall(PetscOptionsEList("-head", "Output head", NULL, head_names, 2, head_names[c->net.head], &t->head, NULL));
  PetscCall(PetscOptionsBool("-batchnorm", "Batch normalisation after every 3x3 convolution", NULL, c->net.batchnorm,
                             &c->net.batchnorm, NULL));
  PetscFunctionReturn(0);
}

/* The optimizer, its learning-rate schedule and the loss. */
static PetscErrorCode read_optimizer_options(PetscOptionItems *PetscOptionsObject, TypedOptions *t)
{
  PetscFunctionBeginUser;
  PetscCall(
    PetscOptionsString("-optimizer", "adam or sgd", NULL, t->optimizer, t->optimizer, sizeof t->optimizer, NULL));
  PetscCall(PetscOptionsReal("-lr", "Base learning rate (default 1e-3 adam, 1e-2 sgd)", NULL, t->learning_rate,
                             &t->learning_rate, NULL));
  PetscCall(PetscOptionsReal("-lr_decay", "Learning-rate factor per epoch", NULL, t->lr_decay, &t->lr_decay, NULL));
  PetscCall(PetscOptionsReal("-momentum", "SGD momentum", NULL, t->momentum, &t->momentum, NULL));
  PetscCall(PetscOptionsReal("-weight_decay", "L2 weight decay", NULL, t->weight_decay, &t->weight_decay, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-warmup_steps", "Linear learning-rate warm-up steps (0: none)", 0,
                            PETSC_MAX_INT, &t->warmup_steps, NULL));
  PetscCall(PetscOptionsString("-lr_scaling", "none, or linear: lr x global batch / 16", NULL, t->lr_scaling,
                               t->lr_scaling, sizeof t->lr_scaling, NULL));
  PetscCall(PetscOptionsString("-loss", "cross_entropy, dice or cross_entropy+dice", NULL, t->loss, t->loss,
                               sizeof t->loss, NULL));
  PetscFunctionReturn(0);
}

/* How many images per step, how many steps, and how the ranks exchange gradients and statistics. */
static PetscErrorCode read_schedule_options(PetscOptionItems *PetscOptionsObject, TrainingConfig *c)
{
  PetscFunctionBeginUser;
  PetscCall(options_integer(PetscOptionsObject, "-batch",
                            "GLOBAL batch (images per step over all ranks; divisible by the rank count)", 1, 1048576,
                            &c->global_batch, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-epochs", "Epochs", 1, 1000000, &c->epochs, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-steps_per_epoch",
                            "Limit the steps of an epoch (0: the whole training split)", 0, PETSC_MAX_INT,
                            &c->steps_per_epoch, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-allreduce_bucket", "Gradient all-reduce bucket [floats]", 1,
                            PETSC_MAX_INT, &c->bucket_floats, NULL));
  PetscCall(PetscOptionsBool("-allreduce_overlap", "Start bucket all-reduces during the backward pass", NULL,
                             c->overlap, &c->overlap, NULL));
  PetscCall(PetscOptionsBool("-sync_batchnorm", "Batch-norm statistics over the global batch (all ranks)", NULL,
                             c->sync_batchnorm, &c->sync_batchnorm, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-check_replicas",
                            "Compare parameter checksums of all ranks every N steps (0: at the end only)", 0,
                            PETSC_MAX_INT, &c->check_replicas, NULL));
  PetscFunctionReturn(0);
}

/* Checkpoints and resuming, the checks around training, and the seed. */
static PetscErrorCode read_run_options(PetscOptionItems *PetscOptionsObject, TrainingConfig *c, TypedOptions *t)
{
  PetscFunctionBeginUser;
  PetscCall(options_integer(PetscOptionsObject, "-keep_checkpoints", "Checkpoints kept (newest)", 1, 1000,
                            &c->keep_checkpoints, NULL));
  PetscCall(
    PetscOptionsBool("-resume", "Continue from the newest readable checkpoint", NULL, c->resume, &c->resume, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-stop_after", "Stop after this many epochs of this run (0: no limit)",
                            0, 1000000, &c->stop_after_epochs, NULL));
  PetscCall(PetscOptionsBool(
    "-verify",
    "Before training, check the database's finished units against the checksums in its journal (<db>.journal, when there is one)",
    NULL, c->verify, &c->verify, NULL));
  PetscCall(
    PetscOptionsBool("-validate", "Score the validation split every epoch", NULL, c->validate, &c->validate, NULL));
  PetscCall(options_seed(PetscOptionsObject, &t->seed));
  PetscFunctionReturn(0);
}

static PetscErrorCode apply_optimizer_options(MPI_Comm comm, const TypedOptions *t, TrainingConfig *c)
{
  OptimizerKind kind;

  PetscFunctionBeginUser;
  PetscCall(optimizer_kind_from_string(t->optimizer, &kind));
  optimizer_config_default(kind, &c->optimizer);
  if (t->learning_rate > 0)
    c->optimizer.learning_rate = t->learning_rate;
  else
    PetscCheck(t->learning_rate == -1, comm, PETSC_ERR_USER_INPUT, "-lr %g: must be positive", t->learning_rate);
  PetscCheck(t->lr_decay > 0 && t->lr_decay <= 1, comm, PETSC_ERR_USER_INPUT, "-lr_decay %g: allowed 0 < decay <= 1",
             t->lr_decay);
  PetscCheck(t->momentum >= 0 && t->momentum < 1, comm, PETSC_ERR_USER_INPUT, "-momentum %g: allowed 0 <= momentum < 1",
             t->momentum);
  PetscCheck(t->weight_decay >= 0, comm, PETSC_ERR_USER_INPUT, "-weight_decay %g: must be >= 0", t->weight_decay);
  PetscCheck(t->warmup_steps >= 0, comm, PETSC_ERR_USER_INPUT, "-warmup_steps %d: must be >= 0", (int)t->warmup_steps);
  c->optimizer.epoch_decay  = t->lr_decay;
  c->optimizer.momentum     = t->momentum;
  c->optimizer.weight_decay = t->weight_decay;
  c->optimizer.warmup_steps = t->warmup_steps;
  PetscCheck(!strcmp(t->lr_scaling, "none") || !strcmp(t->lr_scaling, "linear"), comm, PETSC_ERR_USER_INPUT,
             "-lr_scaling %s: allowed none, linear", t->lr_scaling);
  c->lr_scaling_linear = !strcmp(t->lr_scaling, "linear");
  PetscCall(loss_kind_from_string(t->loss, &c->loss));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_config(MPI_Comm comm, const TrainingConfig *c)
{
  PetscFunctionBeginUser;
  PetscCheck(c->global_batch > 0, comm, PETSC_ERR_USER_INPUT, "-batch %d: must be positive", (int)c->global_batch);
  PetscCall(options_check_output_folder("-o", c->output)); /* not at the first checkpoint, an epoch later */
  PetscCheck(c->epochs > 0, comm, PETSC_ERR_USER_INPUT, "-epochs %d: must be positive", (int)c->epochs);
  PetscCheck(c->keep_checkpoints >= 1, comm, PETSC_ERR_USER_INPUT, "-keep_checkpoints %d: must be at least 1",
             (int)c->keep_checkpoints);
  PetscCheck(c->pixel_size > 0, comm, PETSC_ERR_USER_INPUT, "-pixel_size %g: must be positive [Å]", c->pixel_size);
  PetscCall(unet_config_check(&c->net));
  PetscFunctionReturn(0);
}

PetscErrorCode training_config_from_options(MPI_Comm comm, TrainingConfig *c)
{
  TypedOptions typed;

  PetscFunctionBeginUser;
  PetscCall(set_defaults(c, &typed));
  /* The readers run in this order: -help, and docs/options.md made from it, list the options so. */
  PetscOptionsBegin(comm, NULL, "nanoforge train: data-parallel U-Net training on a database", NULL);
  PetscCall(read_data_options(PetscOptionsObject, c));
  PetscCall(read_network_options(PetscOptionsObject, c, &typed));
  PetscCall(read_optimizer_options(PetscOptionsObject, &typed));
  PetscCall(read_schedule_options(PetscOptionsObject, c));
  PetscCall(read_run_options(PetscOptionsObject, c, &typed));
  PetscOptionsEnd();
  c->net.block   = (UNetBlock)typed.block;
  c->net.decoder = (UNetDecoder)typed.decoder;
  c->net.head    = (UNetHead)typed.head;
  c->seed        = (uint64_t)typed.seed;
  PetscCall(apply_optimizer_options(comm, &typed, c));
  PetscCall(check_config(comm, c));
  PetscFunctionReturn(0);
}

void training_split_rule(const TrainingConfig *c, DatasetSplitRule *rule)
{
  memset(rule, 0, sizeof *rule);
  rule->seed                = c->seed;
  rule->validation_fraction = c->validation_fraction;
  rule->grouping            = c->split_by;
  (void)PetscStrncpy(rule->select, c->select, sizeof rule->select);
  (void)PetscStrncpy(rule->column_group, c->column_group, sizeof rule->column_group);
}

void training_split_to_model(const DatasetSplitRule *rule, ModelSplit *split)
{
  memset(split, 0, sizeof *split);
  split->present             = PETSC_TRUE;
  split->seed                = rule->seed;
  split->validation_fraction = rule->validation_fraction;
  (void)PetscStrncpy(split->grouping, split_grouping_names[rule->grouping], sizeof split->grouping);
  (void)PetscStrncpy(split->select, rule->select, sizeof split->select);
  (void)PetscStrncpy(split->column_group, rule->column_group, sizeof split->column_group);
}

PetscErrorCode training_split_from_model(const char *model_path, const ModelSplit *split, DatasetSplitRule *rule)
{
  PetscFunctionBeginUser;
  memset(rule, 0, sizeof *rule);
  PetscCheck(
    split->present, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "model '%s' stores no train/validation split (made by an older nanoforge): evaluate it with -split all, or retrain it",
    model_path);
  PetscCheck(!strcmp(split->grouping, split_grouping_names[SPLIT_BY_STRUCTURE]) ||
               !strcmp(split->grouping, split_grouping_names[SPLIT_BY_IMAGE]),
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model '%s': split_grouping '%s' is not one of structure, image", model_path, split->grouping);
  rule->seed                = split->seed;
  rule->validation_fraction = split->validation_fraction;
  rule->grouping = !strcmp(split->grouping, split_grouping_names[SPLIT_BY_IMAGE]) ? SPLIT_BY_IMAGE : SPLIT_BY_STRUCTURE;
  PetscCall(PetscStrncpy(rule->select, split->select, sizeof rule->select));
  PetscCall(PetscStrncpy(rule->column_group, split->column_group, sizeof rule->column_group));
  PetscFunctionReturn(0);
}

/* Before any work: the model, best model and metrics must not replace the database or the
 * options file, nor a file of another kind, and their folder must be writable (found now,
 * not at the first checkpoint). */
static PetscErrorCode check_outputs(MPI_Comm comm, const TrainingConfig *c)
{
  char stem[PETSC_MAX_PATH_LEN], best[PETSC_MAX_PATH_LEN + 16], csv[PETSC_MAX_PATH_LEN + 16],
    png[PETSC_MAX_PATH_LEN + 16], options_file[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCall(checkpoint_stem(c->output, stem, sizeof stem));
  PetscCall(checkpoint_best_path(stem, best, sizeof best));
  PetscCall(PetscSNPrintf(csv, sizeof csv, "%s_metrics.csv", stem));
  PetscCall(PetscSNPrintf(png, sizeof png, "%s_metrics.png", stem));
  PetscCall(output_file_options_file(options_file));
  const OutputFileOutput outputs[] = {{"-o", c->output, &output_file_kind_hdf5},
                                      {"-o (best model)", best, &output_file_kind_hdf5},
                                      {"-o (metrics table)", csv, &output_file_kind_any},
                                      {"-o (metrics plot)", png, &output_file_kind_png}};
  const OutputFileInput  inputs[]  = {{"-db", c->database}, {"-options_file", options_file}};
  PetscCall(output_file_check_all(comm, 4, outputs, 2, inputs));
  PetscFunctionReturn(0);
}

/* A campaign database has a journal with each unit's checksum: damaged units are found
 * before hours of training on them (campaign -verify does the same). */
static PetscErrorCode verify_database(MPI_Comm comm, const char *database)
{
  char journal[PETSC_MAX_PATH_LEN];
  int  present = 0, rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(journal_path(database, journal));
  if (rank == 0) present = access(journal, R_OK) == 0;
  PetscCallMPI(MPI_Bcast(&present, 1, MPI_INT, 0, comm));
  if (!present) PetscFunctionReturn(0);
  double start = MPI_Wtime();
  PetscCall(campaign_verify(comm, database));
  if (rank == 0)
    PetscCall(
      PetscPrintf(PETSC_COMM_SELF, "train: -verify took %.2f s (-verify false skips it)\n", MPI_Wtime() - start));
  PetscFunctionReturn(0);
}

/* Foreground threshold 0.5 of the network output, added to a confusion matrix. */
static void add_predictions(UNetHead head, const float *probabilities, const uint8_t *masks, int batch, size_t spatial,
                            uint8_t *scratch, Confusion *confusion)
{
  for (int n = 0; n < batch; n++) {
    for (size_t i = 0; i < spatial; i++) scratch[i] = loss_foreground(head, probabilities, spatial, n, i) > 0.5f;
    confusion_add(confusion, masks + n * spatial, scratch, (PetscInt)spatial);
  }
}

/* Prepare image `index` of the database (already read into `image`/`mask`) for epoch `epoch`:
 * augmentation and dose from the keyed stream, then normalisation. */
static PetscErrorCode prepare_training_image(const TrainingConfig *c, const Dataset *d, PetscInt epoch, PetscInt index,
                                             float *image, uint8_t *mask, float *scratch_image, uint8_t *scratch_mask)
{
  RngStream stream;
  size_t    spatial = (size_t)d->ny * d->nx;

  PetscFunctionBeginUser;
  rng_stream_init(&stream, c->seed, (uint64_t)epoch * (uint64_t)d->count + (uint64_t)index, RNG_PURPOSE_AUGMENT);
  if (c->augment) {
    int k = (int)rng_below(&stream, 8);
    augment_dihedral_float(image, d->ny, d->nx, k, scratch_image);
    augment_dihedral_mask(mask, d->ny, d->nx, k, scratch_mask);
    PetscCall(PetscArraycpy(image, scratch_image, spatial));
    PetscCall(PetscArraycpy(mask, scratch_mask, spatial));
  }
  double low, high;
  distribution_range(&c->dose_resample, &low, &high);
  if (high > 0) {
    double dose;
    PetscCall(distribution_sample(&c->dose_resample, &stream, &dose));
    /* The database's own pixel size where it has one (campaign column "pixel_size" [Å]). */
    const double *column = dataset_column(d, "pixel_size");
    double        pixel  = column && column[index] > 0 ? column[index] : c->pixel_size;
    resample_dose(image, (PetscInt)spatial, dose, pixel * pixel, &stream);
  }
  normalize_image(image, (PetscInt)spatial, c->normalize);
  PetscFunctionReturn(0);
}

/* Validation scores: the images are dealt round-robin to the ranks, inference mode. */
static PetscErrorCode validate(MPI_Comm comm, const TrainingConfig *c, Dataset *d, UNet *net, const PetscInt *list,
                               PetscInt n, int local_batch, float *images, uint8_t *masks, float *probabilities,
                               uint8_t *scratch, double *loss, Scores *scores)
{
  int       rank, size;
  size_t    spatial   = (size_t)d->ny * d->nx;
  Confusion confusion = {0};
  double    sums[6]   = {0};
  PetscInt *mine;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc1(local_batch, &mine));
  for (PetscInt first = rank; first < n; first += (PetscInt)size * local_batch) {
    int batch = 0;
    for (PetscInt k = first; k < n && batch < local_batch; k += size) mine[batch++] = list[k];
    PetscCall(dataset_read(d, mine, batch, images, masks));
    for (int j = 0; j < batch; j++) normalize_image(images + j * spatial, (PetscInt)spatial, c->normalize);
    PetscCall(unet_forward(net, images, batch, PETSC_FALSE, probabilities));
    double batch_loss;
    PetscCall(
      loss_compute(c->loss, c->net.head, probabilities, masks, batch, (int)d->ny, (int)d->nx, &batch_loss, NULL));
    sums[4] += batch_loss * batch;
    sums[5] += batch;
    add_predictions(c->net.head, probabilities, masks, batch, spatial, scratch, &confusion);
  }
  PetscCall(PetscFree(mine));
  sums[0] = confusion.true_positive, sums[1] = confusion.false_positive, sums[2] = confusion.false_negative,
  sums[3] = confusion.true_negative;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, comm));
  Confusion total = {sums[0], sums[1], sums[2], sums[3]};
  confusion_scores(&total, scores);
  *loss = sums[5] > 0 ? sums[4] / sums[5] : NAN;
  PetscFunctionReturn(0);
}

/* Rank 0: what the run will do (data, split, network, optimizer, communication). */
static PetscErrorCode print_run_banner(const TrainingConfig *c, const Dataset *d, const DatasetSplitRule *rule,
                                       UNet *net, const OptimizerConfig *optimizer_config, PetscInt n_train,
                                       PetscInt n_validation, int size, int local_batch, PetscInt steps_per_epoch)
{
  PetscFunctionBeginUser;
  char text[256];
  unet_config_describe(&c->net, text, sizeof text);
  PetscCall(
    PetscPrintf(PETSC_COMM_SELF, "train: %s: %d images %dx%d (%d selected), split by %s: %d train, %d validation\n",
                c->database, (int)d->count, (int)d->ny, (int)d->nx, (int)(n_train + n_validation),
                rule->grouping == SPLIT_BY_IMAGE ? "image" : DATABASE_STRUCTURE_ID, (int)n_train, (int)n_validation));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: U-Net %s, %zu parameters\n", text, unet_parameter_count(net)));
  PetscCall(PetscPrintf(
    PETSC_COMM_SELF,
    "train: %s, lr %g%s, decay %g/epoch, global batch %d = %d ranks x per-rank batch %d, %d steps/epoch, %d epochs\n",
    optimizer_kind_name(optimizer_config->kind), optimizer_config->learning_rate,
    c->lr_scaling_linear ? " (linear scaling)" : "", optimizer_config->epoch_decay, (int)c->global_batch, size,
    local_batch, (int)steps_per_epoch, (int)c->epochs));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: gradient all-reduce in buckets of %d floats, %s; batch norm %s\n",
                        (int)c->bucket_floats,
                        size == 1    ? "not needed (1 rank)"
                        : c->overlap ? "started during backward"
                                     : "after backward",
                        !c->net.batchnorm                 ? "off"
                        : (size > 1 && c->sync_batchnorm) ? "synchronised over ranks"
                                                          : "per rank"));
  PetscFunctionReturn(0);
}

/* -resume: the newest readable checkpoint (the same on every rank), its epoch, step, best score
 * and metrics history; nothing when there is none yet. */
static PetscErrorCode resume_from_checkpoint(MPI_Comm comm, const TrainingConfig *c, const char *stem, UNet *net,
                                             Optimizer *optimizer, MetricsHistory *history, PetscInt *first_epoch,
                                             PetscInt *step, double *best)
{
  ModelTrainingState state = {0};
  int                rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscInt epoch_loaded;
  PetscCall(checkpoint_load_latest(stem, net, optimizer, &state, rank == 0 ? PETSC_TRUE : PETSC_FALSE, &epoch_loaded));
  PetscInt range[2] = {epoch_loaded, -epoch_loaded};
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, range, 2, MPIU_INT, MPI_MIN, comm));
  PetscCheck(range[0] == -range[1], comm, PETSC_ERR_FILE_UNEXPECTED,
             "-resume: the ranks found different checkpoints of '%s' (epochs %d and %d)", stem, (int)range[0],
             (int)-range[1]);
  if (epoch_loaded >= 0) {
    *first_epoch = (PetscInt)state.epoch;
    *step        = (PetscInt)state.step;
    *best        = state.best_score;
    PetscCheck(state.seed == c->seed, comm, PETSC_ERR_USER_INPUT,
               "-resume: checkpoint of '%s' was made with -seed %llu, this run has -seed %llu", stem,
               (unsigned long long)state.seed, (unsigned long long)c->seed);
    if (state.metrics && state.metrics_columns == METRICS_COLUMNS)
      PetscCall(metrics_history_from_table(history, state.metrics_rows, state.metrics));
    if (rank == 0)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: resumed from the checkpoint of epoch %d (step %d)\n",
                            (int)*first_epoch, (int)*step));
    PetscCall(replicas_check(comm, unet_parameters(net), unet_parameter_count(net), *step));
  } else if (rank == 0)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: -resume: no checkpoint of '%s' yet, starting from scratch\n", stem));
  PetscCall(model_training_state_clear(&state));
  PetscFunctionReturn(0);
}

/* Rank 0, end of an epoch: the checkpoint (with the split, the database's pixel size and the
 * normalisation), the best model when it is the best so far, the metrics table and plot, and the
 * final model after the last epoch. */
static PetscErrorCode save_epoch_files(const TrainingConfig *c, const DatasetSplitRule *rule, double pixel_size,
                                       const char *stem, PetscInt epoch, PetscInt step, double best, PetscBool is_best,
                                       PetscBool last, UNet *net, Optimizer *optimizer, MetricsHistory *history,
                                       const Provenance *provenance, char *provenance_line)
{
  char path[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBeginUser;
  double *table;
  PetscCall(PetscMalloc1((size_t)history->count * METRICS_COLUMNS, &table));
  PetscCall(metrics_history_to_table(history, table));
  ModelTrainingState save = {.epoch           = epoch + 1,
                             .step            = step,
                             .seed            = c->seed,
                             .best_score      = best,
                             .options         = provenance->options,
                             .provenance      = provenance_line,
                             .metrics_rows    = (int)history->count,
                             .metrics_columns = METRICS_COLUMNS,
                             .metric_names    = (char *)metrics_column_names(),
                             .metrics         = table};
  training_split_to_model(rule, &save.split);
  save.scale = (ModelScale){.present = PETSC_TRUE, .pixel_size = pixel_size > 0 ? pixel_size : 0};
  PetscCall(PetscStrncpy(save.scale.normalize, normalize_mode_names[c->normalize], sizeof save.scale.normalize));
  PetscCall(checkpoint_save(stem, epoch + 1, c->keep_checkpoints, net, optimizer, &save));
  if (is_best) {
    PetscCall(checkpoint_best_path(stem, path, sizeof path));
    PetscCall(model_file_write(path, net, NULL, &save));
  }
  PetscCall(PetscSNPrintf(path, sizeof path, "%s_metrics.csv", stem));
  PetscCall(metrics_history_write_csv(history, path));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s_metrics.png", stem));
  PetscCall(metrics_history_write_png(history, path));
  if (last) PetscCall(model_file_write(c->output, net, optimizer, &save));
  PetscCall(PetscFree(table));
  PetscFunctionReturn(0);
}

/* What the run measured, the same on every rank (times are maxima over the ranks). */
static PetscErrorCode fill_report(MPI_Comm comm, const TrainingConfig *c, GradientReducer *reducer, UNet *net,
                                  const EpochMetrics *last_row, PetscInt first_epoch, PetscInt last_epoch,
                                  double run_seconds, double first_step_seconds, double forward_seconds,
                                  double backward_seconds, TrainingReport *report)
{
  PetscFunctionBeginUser;
  double times[2];
  gradient_reducer_times(reducer, &times[0], &times[1]);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &run_seconds, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first_step_seconds, 1, MPI_DOUBLE, MPI_MAX, comm));
  report->epochs_done              = last_epoch > first_epoch ? last_epoch : first_epoch;
  report->seconds                  = run_seconds;
  report->images_per_second        = run_seconds > 0 ? report->images / run_seconds : 0;
  report->first_step_seconds       = first_step_seconds;
  report->steady_images_per_second = report->steps > 1 && run_seconds > first_step_seconds
                                       ? (report->images - c->global_batch) / (run_seconds - first_step_seconds)
                                       : 0;
  report->allreduce_seconds        = times[0];
  report->wait_seconds             = times[1];
  report->forward_seconds          = forward_seconds;
  report->backward_seconds         = backward_seconds;
  report->validation               = last_row->validation;
  report->train                    = last_row->train;
  report->parameter_checksum       = training_checksum(unet_parameters(net), unet_parameter_count(net));
  PetscFunctionReturn(0);
}

/* Buffers of one rank's share of a step (allocated once: no allocation inside the loop). */
typedef struct {
  float   *images, *probabilities, *grad_logits, *scratch_image;
  uint8_t *masks, *scratch_mask, *scratch;
} StepBuffers;

/* Seconds of this run's steps on this rank. */
typedef struct {
  double forward_seconds, backward_seconds, run_seconds, first_step_seconds;
} StepTimes;

/* The optimizer steps of one epoch: read, augment, forward, backward, average the gradients,
 * update; adds to the loss sum and the training confusion matrix. */
static PetscErrorCode train_epoch_steps(MPI_Comm comm, const TrainingConfig *c, Dataset *d, const PetscInt *order,
                                        PetscInt steps_per_epoch, PetscInt epoch, UNet *net, Optimizer *optimizer,
                                        const OptimizerConfig *optimizer_config, GradientReducer *reducer,
                                        StepBuffers *b, PetscInt *step, StepTimes *times, TrainingReport *report,
                                        double *loss_sum, double *learning_rate, Confusion *confusion)
{
  int    rank, size;
  float *images = b->images, *probabilities = b->probabilities, *grad_logits = b->grad_logits,
        *scratch_image = b->scratch_image;
  uint8_t     *masks = b->masks, *scratch_mask = b->scratch_mask, *scratch = b->scratch;
  const size_t spatial = (size_t)d->ny * d->nx;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  const int local_batch = (int)(c->global_batch / size);
  for (PetscInt s = 0; s < steps_per_epoch; s++) {
    const PetscInt *mine = order + s * c->global_batch + (PetscInt)rank * local_batch;
    PetscCall(dataset_read(d, mine, local_batch, images, masks));
    for (int j = 0; j < local_batch; j++)
      PetscCall(prepare_training_image(c, d, epoch, mine[j], images + j * spatial, masks + j * spatial, scratch_image,
                                       scratch_mask));
    *learning_rate = optimizer_learning_rate(optimizer_config, (long)epoch, (long)*step);
    double t0      = MPI_Wtime(), loss;
    PetscCall(unet_zero_gradients(net));
    PetscCall(PetscLogEventBegin(NF_EVENT_FORWARD, 0, 0, 0, 0));
    PetscCall(unet_forward(net, images, local_batch, PETSC_TRUE, probabilities));
    PetscCall(loss_compute(c->loss, c->net.head, probabilities, masks, local_batch, (int)d->ny, (int)d->nx, &loss,
                           grad_logits));
    PetscCall(PetscLogEventEnd(NF_EVENT_FORWARD, 0, 0, 0, 0));
    double t1 = MPI_Wtime();
    PetscCall(gradient_reducer_begin(reducer));
    PetscCall(PetscLogEventBegin(NF_EVENT_BACKWARD, 0, 0, 0, 0));
    PetscCall(unet_backward(net, grad_logits));
    PetscCall(PetscLogEventEnd(NF_EVENT_BACKWARD, 0, 0, 0, 0));
    double t2 = MPI_Wtime();
    PetscCall(gradient_reducer_finish(reducer));
    PetscCall(PetscLogEventBegin(NF_EVENT_OPTIMIZER, 0, 0, 0, 0));
    PetscCall(optimizer_step(optimizer, unet_parameters(net), unet_gradients(net), *learning_rate));
    PetscCall(PetscLogEventEnd(NF_EVENT_OPTIMIZER, 0, 0, 0, 0));
    times->run_seconds += MPI_Wtime() - t0;
    if (report->steps == 0) times->first_step_seconds = MPI_Wtime() - t0;
    times->forward_seconds += t1 - t0, times->backward_seconds += t2 - t1;
    *loss_sum += loss;
    add_predictions(c->net.head, probabilities, masks, local_batch, spatial, scratch, confusion);
    (*step)++;
    report->steps++;
    report->images += c->global_batch;
    if (c->check_replicas > 0 && *step % c->check_replicas == 0)
      PetscCall(replicas_check(comm, unet_parameters(net), unet_parameter_count(net), *step));
  }
  PetscFunctionReturn(0);
}

/* Collective: the database opened, its images selected (-select) and split by the run's rule;
 * the sizes checked against the network depth and the global batch. */
static PetscErrorCode open_and_split(MPI_Comm comm, const TrainingConfig *c, Dataset **dataset, DatasetSplitRule *rule,
                                     PetscBool **selected, PetscInt **train, PetscInt *n_train, PetscInt **validation,
                                     PetscInt *n_validation)
{
  PetscFunctionBeginUser;
  PetscCall(dataset_open(comm, c->database, c->column_group, dataset));
  Dataset  *d       = *dataset;
  const int divisor = 1 << c->net.depth;
  PetscCheck(
    d->ny % divisor == 0 && d->nx % divisor == 0, comm, PETSC_ERR_USER_INPUT,
    "database '%s' holds %dx%d images; -depth %d needs sides divisible by %d (choose a smaller -depth or other image sizes)",
    c->database, (int)d->ny, (int)d->nx, (int)c->net.depth, divisor);
  PetscCall(PetscMalloc1(d->count, selected));
  PetscCall(dataset_select(d, c->select, *selected));
  training_split_rule(c, rule);
  PetscCall(dataset_split(d, *selected, rule, train, n_train, validation, n_validation));
  PetscCheck(*n_train >= c->global_batch, comm, PETSC_ERR_USER_INPUT,
             "database '%s'%s%s: %d training images, fewer than one global batch (-batch %d)", c->database,
             c->select[0] ? " with -select " : "", c->select, (int)*n_train, (int)c->global_batch);
  PetscFunctionReturn(0);
}

/* What one run holds from its setup to its teardown. */
typedef struct {
  int              rank, size, local_batch;
  Dataset         *dataset;
  PetscBool       *selected;
  PetscInt        *train, *validation, n_train, n_validation;
  PetscInt        *order; /* this epoch's shuffled training images */
  DatasetSplitRule rule;
  PetscInt         steps_per_epoch;
  UNet            *net;
  Optimizer       *optimizer;
  GradientReducer *reducer;
  OptimizerConfig  optimizer_config; /* the configured one, with -lr_scaling applied */
  MetricsHistory  *history;
  char             stem[PETSC_MAX_PATH_LEN]; /* of the checkpoint and metrics files */
  Provenance      *provenance;
  char            *provenance_line;
  StepBuffers      buffers;
} TrainingRun;

/* Collective: the checks that need the rank count, the journal check, then the database opened
 * and split; the steps per epoch and the learning rate scaled by the global batch. */
static PetscErrorCode run_open_data(MPI_Comm comm, const TrainingConfig *c, TrainingRun *run)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &run->rank));
  PetscCallMPI(MPI_Comm_size(comm, &run->size));
  PetscCheck(c->global_batch % run->size == 0, comm, PETSC_ERR_USER_INPUT,
             "-batch %d: the global batch must be divisible by the %d ranks", (int)c->global_batch, run->size);
  run->local_batch = (int)(c->global_batch / run->size);
  PetscCheck(c->database[0], comm, PETSC_ERR_USER_INPUT, "-db: give the database to train on");
  PetscCall(check_outputs(comm, c));
  if (c->verify) PetscCall(verify_database(comm, c->database));
  PetscCall(provenance_create(comm, &run->provenance));
  PetscCall(provenance_one_line(run->provenance, &run->provenance_line));
  PetscCall(open_and_split(comm, c, &run->dataset, &run->rule, &run->selected, &run->train, &run->n_train,
                           &run->validation, &run->n_validation));
  run->steps_per_epoch = run->n_train / c->global_batch;
  if (c->steps_per_epoch > 0) run->steps_per_epoch = PetscMin(run->steps_per_epoch, c->steps_per_epoch);
  run->optimizer_config = c->optimizer;
  if (c->lr_scaling_linear) run->optimizer_config.learning_rate *= (double)c->global_batch / 16.0;
  PetscFunctionReturn(0);
}

/* Collective: the network, its optimizer and gradient reducer, and the metrics history; rank 0
 * prints the banner. */
static PetscErrorCode run_create_model(MPI_Comm comm, const TrainingConfig *c, TrainingRun *run)
{
  const Dataset *d           = run->dataset;
  const int      local_batch = run->local_batch;

  PetscFunctionBeginUser;
  PetscCall(unet_create(&c->net, (int)d->ny, (int)d->nx, local_batch, c->seed, &run->net));
  PetscCall(optimizer_create(&run->optimizer_config, unet_parameter_count(run->net), &run->optimizer));
  PetscCall(gradient_reducer_create(comm, unet_gradients(run->net), unet_parameter_count(run->net),
                                    (size_t)c->bucket_floats, c->overlap, &run->reducer));
  PetscCall(gradient_reducer_attach(run->reducer, run->net, c->sync_batchnorm));
  PetscCall(checkpoint_stem(c->output, run->stem, sizeof run->stem));
  PetscCall(metrics_history_create(&run->history));
  if (run->rank == 0)
    PetscCall(print_run_banner(c, d, &run->rule, run->net, &run->optimizer_config, run->n_train, run->n_validation,
                               run->size, local_batch, run->steps_per_epoch));
  PetscFunctionReturn(0);
}

static PetscErrorCode run_allocate_buffers(const TrainingConfig *c, TrainingRun *run)
{
  size_t       spatial     = (size_t)run->dataset->ny * run->dataset->nx;
  int          channels    = unet_config_output_channels(&c->net);
  const int    local_batch = run->local_batch;
  StepBuffers *b           = &run->buffers;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(spatial * local_batch, &b->images, spatial * local_batch * channels, &b->probabilities,
                         spatial * local_batch * channels, &b->grad_logits));
  PetscCall(PetscMalloc4(spatial * local_batch, &b->masks, spatial, &b->scratch_mask, spatial, &b->scratch, spatial,
                         &b->scratch_image));
  PetscCall(PetscMalloc1(run->n_train, &run->order));
  PetscFunctionReturn(0);
}

static PetscErrorCode run_destroy(TrainingRun *run)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(run->order));
  PetscCall(PetscFree3(run->buffers.images, run->buffers.probabilities, run->buffers.grad_logits));
  PetscCall(
    PetscFree4(run->buffers.masks, run->buffers.scratch_mask, run->buffers.scratch, run->buffers.scratch_image));
  PetscCall(metrics_history_destroy(&run->history));
  PetscCall(gradient_reducer_destroy(&run->reducer));
  PetscCall(optimizer_destroy(&run->optimizer));
  PetscCall(unet_destroy(&run->net));
  PetscCall(PetscFree(run->train));
  PetscCall(PetscFree(run->validation));
  PetscCall(PetscFree(run->selected));
  PetscCall(dataset_destroy(&run->dataset));
  PetscCall(PetscFree(run->provenance_line));
  PetscCall(provenance_destroy(&run->provenance));
  PetscFunctionReturn(0);
}

/* Collective: the order must be the same on every rank; compare a checksum of it. */
static PetscErrorCode check_same_order(MPI_Comm comm, const PetscInt *order, PetscInt n, PetscInt epoch)
{
  uint64_t mine = training_checksum((const float *)order, (size_t)n * sizeof(PetscInt) / sizeof(float)), low, high;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&mine, &low, 1, MPI_UINT64_T, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&mine, &high, 1, MPI_UINT64_T, MPI_MAX, comm));
  PetscCheck(low == high, comm, PETSC_ERR_PLIB, "epoch %d: the shuffled order differs between ranks", (int)epoch + 1);
  PetscFunctionReturn(0);
}

/* Collective: the epoch's row of metrics from this rank's loss sum and confusion matrix (summed
 * over the ranks), and the validation scores (NaN when there is no validation). */
static PetscErrorCode epoch_row(MPI_Comm comm, const TrainingConfig *c, TrainingRun *run, PetscInt epoch,
                                double loss_sum, double learning_rate, const Confusion *confusion, EpochMetrics *row)
{
  double sums[5] = {loss_sum, confusion->true_positive, confusion->false_positive, confusion->false_negative,
                    confusion->true_negative};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 5, MPI_DOUBLE, MPI_SUM, comm));
  Confusion total = {sums[1], sums[2], sums[3], sums[4]};
  memset(row, 0, sizeof *row);
  row->epoch         = epoch + 1;
  row->learning_rate = learning_rate;
  row->train_loss    = sums[0] / ((double)run->steps_per_epoch * run->size);
  confusion_scores(&total, &row->train);
  row->validation_loss      = NAN;
  row->validation.precision = row->validation.recall = row->validation.f1 = row->validation.iou = NAN;
  if (c->validate && run->n_validation > 0)
    PetscCall(validate(comm, c, run->dataset, run->net, run->validation, run->n_validation, run->local_batch,
                       run->buffers.images, run->buffers.masks, run->buffers.probabilities, run->buffers.scratch,
                       &row->validation_loss, &row->validation));
  PetscFunctionReturn(0);
}

/* Collective: one epoch trained and scored; rank 0 prints its line and writes its files. */
static PetscErrorCode run_epoch(MPI_Comm comm, const TrainingConfig *c, TrainingRun *run, PetscInt epoch,
                                PetscInt last_epoch, PetscInt *step, double *best, StepTimes *times,
                                TrainingReport *report, EpochMetrics *row)
{
  double    epoch_start = MPI_Wtime(), loss_sum = 0, learning_rate = 0;
  Confusion confusion = {0};

  PetscFunctionBeginUser;
  dataset_shuffle(run->train, run->n_train, c->seed, epoch, run->order);
  PetscCall(check_same_order(comm, run->order, run->n_train, epoch));
  PetscCall(train_epoch_steps(comm, c, run->dataset, run->order, run->steps_per_epoch, epoch, run->net, run->optimizer,
                              &run->optimizer_config, run->reducer, &run->buffers, step, times, report, &loss_sum,
                              &learning_rate, &confusion));
  PetscCall(epoch_row(comm, c, run, epoch, loss_sum, learning_rate, &confusion, row));
  row->seconds = MPI_Wtime() - epoch_start;
  PetscCall(metrics_history_append(run->history, row));
  double    score   = isfinite(row->validation.f1) ? row->validation.f1 : row->train.f1;
  PetscBool is_best = score > *best ? PETSC_TRUE : PETSC_FALSE;
  if (is_best) *best = score;

  if (run->rank == 0) {
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF, "epoch %3d/%d  lr %.3g  loss %.4f  val %.4f  F1 %.4f  val %.4f  IoU %.4f  val %.4f  %.1f s%s\n",
      (int)(epoch + 1), (int)c->epochs, learning_rate, row->train_loss, row->validation_loss, row->train.f1,
      row->validation.f1, row->train.iou, row->validation.iou, row->seconds, is_best ? "  (best)" : ""));
    PetscCall(save_epoch_files(c, &run->rule, run->dataset->reader->pixel_size, run->stem, epoch, *step, *best, is_best,
                               epoch + 1 == last_epoch, run->net, run->optimizer, run->history, run->provenance,
                               run->provenance_line));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode training_run(MPI_Comm comm, const TrainingConfig *c, TrainingReport *report)
{
  TrainingRun run = {0};

  PetscFunctionBeginUser;
  memset(report, 0, sizeof *report);
  PetscCall(run_open_data(comm, c, &run));
  PetscCall(run_create_model(comm, c, &run));

  PetscInt first_epoch = 0, step = 0;
  double   best = -1;
  if (c->resume)
    PetscCall(
      resume_from_checkpoint(comm, c, run.stem, run.net, run.optimizer, run.history, &first_epoch, &step, &best));
  PetscCall(run_allocate_buffers(c, &run));

  StepTimes times      = {0};
  PetscInt  last_epoch = c->epochs;
  if (c->stop_after_epochs > 0) last_epoch = PetscMin(last_epoch, first_epoch + c->stop_after_epochs);
  EpochMetrics row = {0};
  if (first_epoch >= last_epoch && run.rank == 0)
    PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "train: the checkpoint is already at epoch %d of %d: nothing to do (raise -epochs to train on)\n",
                  (int)first_epoch, (int)c->epochs));
  for (PetscInt epoch = first_epoch; epoch < last_epoch; epoch++)
    PetscCall(run_epoch(comm, c, &run, epoch, last_epoch, &step, &best, &times, report, &row));
  PetscCall(replicas_check(comm, unet_parameters(run.net), unet_parameter_count(run.net), step));
  PetscCallMPI(MPI_Barrier(comm)); /* files of rank 0 complete before anyone returns */

  PetscCall(fill_report(comm, c, run.reducer, run.net, &row, first_epoch, last_epoch, times.run_seconds,
                        times.first_step_seconds, times.forward_seconds, times.backward_seconds, report));
  PetscCall(run_destroy(&run));
  PetscFunctionReturn(0);
}
