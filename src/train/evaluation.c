/* evaluation.c — a model scored on labelled images (see evaluation.h).
 * Work is dealt round-robin to the ranks (database batches, images of an images+maps file,
 * image+mask pairs); each rank keeps its CSV rows with their place in the input order, rank 0
 * gathers and sorts them, so the file is the same for any rank count; the montage rows are
 * gathered and ordered the same way.
 * MPI: reductions of counts and scores, gathers of the rows and montage (this file uses MPI). */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "db/database_reader.h"
#include "train/evaluation.h"
#include "core/error_check.h"
#include "train/metrics.h"
#include "train/micrograph.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/picture.h"
#include "nn/model_file.h"
#include "train/training.h"
#include "train/inference.h"

/* CSV rows of one rank with their order key (input file << 40 | position within it). */
typedef struct {
  PetscInt64 *keys;
  int        *lengths;
  char       *text;
  size_t      n, capacity, text_length, text_capacity;
} Rows;

static PetscErrorCode rows_add(Rows *r, PetscInt64 key, const char *row)
{
  size_t length = strlen(row);
  PetscFunctionBeginUser;
  if (r->n == r->capacity) {
    r->capacity = r->capacity ? 2 * r->capacity : 256;
    PetscCall(PetscRealloc(r->capacity * sizeof *r->keys, &r->keys));
    PetscCall(PetscRealloc(r->capacity * sizeof *r->lengths, &r->lengths));
  }
  if (r->text_length + length > r->text_capacity) {
    r->text_capacity = PetscMax(2 * r->text_capacity, r->text_length + length + 4096);
    PetscCall(PetscRealloc(r->text_capacity, &r->text));
  }
  memcpy(r->text + r->text_length, row, length);
  r->keys[r->n]    = key;
  r->lengths[r->n] = (int)length;
  r->text_length += length;
  r->n++;
  PetscFunctionReturn(0);
}

static PetscErrorCode rows_free(Rows *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->keys));
  PetscCall(PetscFree(r->lengths));
  PetscCall(PetscFree(r->text));
  PetscFunctionReturn(0);
}

typedef struct {
  Rows       rows;
  PetscInt64 file; /* index of the -data input being scored: the high part of the row keys */
  int        rank, size;
  Confusion  total;
  PetscInt   images;
  double     threshold;
  double     seconds; /* inside predictor_segment: normalisation, tiling, forward passes */
  /* Montage: rows of (image, true mask, predicted mask) for the first images of one size. */
  PetscInt       montage_rows, montage_capacity, montage_ny, montage_nx;
  unsigned char *montage;      /* [capacity][3][ny][nx] grey */
  PetscInt64    *montage_keys; /* [capacity]: the rows' places in the input order */
} Tally;

static PetscErrorCode montage_add(Tally *t, PetscInt position, const float *image, const uint8_t *truth,
                                  const uint8_t *prediction, PetscInt ny, PetscInt nx)
{
  PetscFunctionBeginUser;
  if (t->montage_capacity == 0 || t->montage_rows >= t->montage_capacity) PetscFunctionReturn(0);
  if (!t->montage) {
    t->montage_ny = ny, t->montage_nx = nx;
    PetscCall(PetscMalloc1((size_t)t->montage_capacity * 3 * ny * nx, &t->montage));
    PetscCall(PetscMalloc1(t->montage_capacity, &t->montage_keys));
  }
  if (ny != t->montage_ny || nx != t->montage_nx) PetscFunctionReturn(0); /* one size per montage */
  size_t         n   = (size_t)ny * nx;
  unsigned char *row = t->montage + (size_t)t->montage_rows * 3 * n;
  PetscCall(picture_grey_from_floats(image, (PetscInt)n, 0.5, 99.5, row));
  for (size_t i = 0; i < n; i++) row[n + i] = truth[i] ? 255 : 0, row[2 * n + i] = prediction[i] ? 255 : 0;
  t->montage_keys[t->montage_rows] = (t->file << 40) | (PetscInt64)position;
  t->montage_rows++;
  PetscFunctionReturn(0);
}

/* Rows of [image | truth | prediction] with 4-pixel grey gaps. */
typedef struct {
  PetscInt64 key;
  PetscInt   row;
} KeyedRow;

static int keyed_row_compare(const void *a, const void *b)
{
  const KeyedRow *x = (const KeyedRow *)a, *y = (const KeyedRow *)b;
  return (x->key > y->key) - (x->key < y->key);
}

/* Rank 0's montage becomes the first montage_capacity rows of all ranks in input order, of the
 * size of the first of them (each rank kept its own first rows, so these are among them). */
static PetscErrorCode montage_gather(MPI_Comm comm, Tally *t)
{
  int rank, size, mine[3] = {(int)t->montage_rows, (int)t->montage_ny, (int)t->montage_nx}, *info = NULL,
                  *counts = NULL, *offsets = NULL;
  int           *pixel_counts = NULL, *pixel_offsets = NULL;
  PetscInt64    *keys   = NULL;
  unsigned char *pixels = NULL;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  if (rank == 0)
    PetscCall(
      PetscMalloc5(3 * size, &info, size, &counts, size + 1, &offsets, size, &pixel_counts, size + 1, &pixel_offsets));
  PetscCallMPI(MPI_Gather(mine, 3, MPI_INT, info, 3, MPI_INT, 0, comm));
  if (rank == 0) {
    offsets[0] = pixel_offsets[0] = 0;
    for (int r = 0; r < size; r++) {
      counts[r]            = info[3 * r];
      pixel_counts[r]      = info[3 * r] * 3 * info[3 * r + 1] * info[3 * r + 2];
      offsets[r + 1]       = offsets[r] + counts[r];
      pixel_offsets[r + 1] = pixel_offsets[r] + pixel_counts[r];
    }
    PetscCall(PetscMalloc2(offsets[size] + 1, &keys, pixel_offsets[size] + 1, &pixels));
  }
  PetscCallMPI(MPI_Gatherv(t->montage_keys, mine[0], MPIU_INT64, keys, counts, offsets, MPIU_INT64, 0, comm));
  PetscCallMPI(MPI_Gatherv(t->montage, mine[0] * 3 * mine[1] * mine[2], MPI_UNSIGNED_CHAR, pixels, pixel_counts,
                           pixel_offsets, MPI_UNSIGNED_CHAR, 0, comm));
  if (rank == 0) {
    const int total = offsets[size];
    KeyedRow *rows;
    PetscCall(PetscMalloc1(total + 1, &rows));
    for (int r = 0, i = 0; r < size; r++)
      for (int k = 0; k < counts[r]; k++, i++) rows[i].key = keys[i], rows[i].row = i;
    qsort(rows, (size_t)total, sizeof *rows, keyed_row_compare);
    t->montage_rows = 0;
    if (total > 0) {
      int owner = 0; /* the rank that sent row i, and the size of the rows it sent */
      for (int i = 0; i < total && t->montage_rows < t->montage_capacity; i++) {
        owner = 0;
        while (rows[i].row >= offsets[owner + 1]) owner++;
        const int ny = info[3 * owner + 1], nx = info[3 * owner + 2];
        if (t->montage_rows == 0) {
          t->montage_ny = ny, t->montage_nx = nx;
          PetscCall(PetscFree(t->montage));
          PetscCall(PetscMalloc1((size_t)t->montage_capacity * 3 * ny * nx, &t->montage));
        }
        if (ny != t->montage_ny || nx != t->montage_nx) continue; /* one size per montage */
        const size_t n = (size_t)3 * ny * nx;
        memcpy(t->montage + (size_t)t->montage_rows * n,
               pixels + pixel_offsets[owner] + (size_t)(rows[i].row - offsets[owner]) * n, n);
        t->montage_rows++;
      }
    }
    PetscCall(PetscFree(rows));
    PetscCall(PetscFree2(keys, pixels));
    PetscCall(PetscFree5(info, counts, offsets, pixel_counts, pixel_offsets));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode montage_write(const Tally *t, const char *path)
{
  const int gap = 4;
  int       ny = (int)t->montage_ny, nx = (int)t->montage_nx, width = 3 * nx + 2 * gap,
      height = (int)t->montage_rows * (ny + gap) - gap;
  unsigned char *pixels;

  PetscFunctionBeginUser;
  if (!t->montage_rows) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1((size_t)width * height, &pixels));
  memset(pixels, 128, (size_t)width * height);
  for (PetscInt r = 0; r < t->montage_rows; r++)
    for (int panel = 0; panel < 3; panel++)
      for (int y = 0; y < ny; y++)
        memcpy(pixels + (size_t)(r * (ny + gap) + y) * width + panel * (nx + gap),
               t->montage + ((size_t)r * 3 + panel) * ny * nx + (size_t)y * nx, (size_t)nx);
  PetscCall(picture_write_png(path, width, height, 1, pixels));
  PetscCall(PetscFree(pixels));
  PetscFunctionReturn(0);
}

/* One CSV row for an image scored by this rank; position = its place within the current input. */
static PetscErrorCode tally_row(Tally *t, const char *source, PetscInt index, PetscInt position, const Confusion *c)
{
  Scores s;
  char   row[PETSC_MAX_PATH_LEN + 256];
  PetscFunctionBeginUser;
  confusion_scores(c, &s);
  confusion_merge(&t->total, c);
  t->images++;
  PetscCall(PetscSNPrintf(row, sizeof row, "%s,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", source, (int)index,
                          c->true_positive, c->false_positive, c->false_negative, c->true_negative, s.precision,
                          s.recall, s.f1, s.iou));
  PetscCall(rows_add(&t->rows, (t->file << 40) | (PetscInt64)position, row));
  PetscFunctionReturn(0);
}

/* scale NULL: predicted as it is (database images are at the model's pixel size); else an image
 * file of scale->px x py Å/pixel brought to the model's pixel size and back (inference.h). */
typedef struct {
  double    px, py;
  PetscBool resample;
} ImageScale;

static PetscErrorCode score_image(Predictor *p, const TilingConfig *tiling, Tally *t, const char *source,
                                  PetscInt index, PetscInt position, const float *image, const uint8_t *mask,
                                  PetscInt ny, PetscInt nx, const ImageScale *scale)
{
  float    *foreground;
  uint8_t  *prediction;
  Confusion c = {0};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)ny * nx, &foreground, (size_t)ny * nx, &prediction));
  double start = MPI_Wtime();
  if (scale) {
    PredictionScale used;
    PetscCall(predictor_segment_at_model_scale(p, tiling, image, ny, nx, scale->px, scale->py, scale->resample, source,
                                               foreground, &used));
    PetscCall(predictor_print_scale(p, "evaluate", source, scale->px, scale->py, ny, nx, &used));
  } else
    PetscCall(predictor_segment(p, image, ny, nx, tiling, foreground));
  t->seconds += MPI_Wtime() - start;
  for (PetscInt i = 0; i < ny * nx; i++) prediction[i] = foreground[i] > t->threshold;
  confusion_add(&c, mask, prediction, ny * nx);
  PetscCall(montage_add(t, position, image, mask, prediction, ny, nx));
  PetscCall(tally_row(t, source, index, position, &c));
  PetscCall(PetscFree2(foreground, prediction));
  PetscFunctionReturn(0);
}

/* The images of database `path` to score: the model's held-out split (recomputed from the split
 * stored in the model file), or every image with `all`. */
static PetscErrorCode database_images_to_score(Predictor *p, const char *path, PetscBool all, Dataset **d,
                                               PetscInt **list, PetscInt *n)
{
  ModelSplit       stored;
  DatasetSplitRule rule = {0};
  PetscBool       *selected;
  PetscInt        *train, *validation, n_train, n_validation;

  PetscFunctionBeginUser;
  if (!all) {
    PetscCall(model_file_read_split(p->path, &stored));
    PetscCall(training_split_from_model(p->path, &stored, &rule));
  }
  PetscCall(dataset_open(PETSC_COMM_SELF, path, rule.column_group, d));
  PetscCall(PetscMalloc1((*d)->count, &selected));
  PetscCall(dataset_select(*d, rule.select, selected));
  PetscCall(dataset_split(*d, selected, &rule, &train, &n_train, &validation, &n_validation));
  PetscCall(PetscFree(selected));
  if (all) {
    *list = train, *n = n_train;
    PetscCall(PetscFree(validation));
  } else {
    *list = validation, *n = n_validation;
    PetscCall(PetscFree(train));
  }
  PetscCheck(*n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "database '%s': the validation split of the model's training run is empty (use -split all)", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode evaluate_database(Predictor *p, const TilingConfig *tiling, Tally *t, const char *path,
                                        PetscBool all)
{
  Dataset  *d;
  PetscInt *list, n;

  PetscFunctionBeginUser;
  PetscCall(database_images_to_score(p, path, all, &d, &list, &n));
  size_t spatial = (size_t)d->ny * d->nx;
  if (d->ny == p->train_height && d->nx == p->train_width) {
    /* Images of the training size: whole batches through the network, no tiling. */
    float   *images, *foreground;
    uint8_t *masks, *prediction;
    PetscCall(PetscMalloc4(spatial * p->batch, &images, spatial * p->batch, &foreground, spatial * p->batch, &masks,
                           spatial, &prediction));
    for (PetscInt first = (PetscInt)t->rank * p->batch; first < n;
         first += (PetscInt)t->size * p->batch) { /* batches round-robin */
      int batch = (int)PetscMin(p->batch, n - first);
      PetscCall(dataset_read(d, list + first, batch, images, masks));
      double start = MPI_Wtime();
      for (int k = 0; k < batch; k++) normalize_image(images + k * spatial, (PetscInt)spatial, p->normalize);
      PetscCall(predictor_run(p, images, batch, (int)d->ny, (int)d->nx, foreground));
      t->seconds += MPI_Wtime() - start;
      for (int k = 0; k < batch; k++) {
        Confusion c = {0};
        for (size_t i = 0; i < spatial; i++) prediction[i] = foreground[k * spatial + i] > t->threshold;
        confusion_add(&c, masks + k * spatial, prediction, (PetscInt)spatial);
        PetscCall(montage_add(t, first + k, images + k * spatial, masks + k * spatial, prediction, d->ny, d->nx));
        PetscCall(tally_row(t, path, list[first + k], first + k, &c));
      }
    }
    PetscCall(PetscFree4(images, foreground, masks, prediction));
  } else {
    float   *image;
    uint8_t *mask;
    PetscCall(PetscMalloc2(spatial, &image, spatial, &mask));
    for (PetscInt k = t->rank; k < n; k += t->size) {
      PetscCall(dataset_read(d, &list[k], 1, image, mask));
      PetscCall(score_image(p, tiling, t, path, list[k], k, image, mask, d->ny, d->nx, NULL));
    }
    PetscCall(PetscFree2(image, mask));
  }
  PetscCall(PetscFree(list));
  PetscCall(dataset_destroy(&d));
  PetscFunctionReturn(0);
}

/* order[] = row indices sorted by key (keys are distinct: one row per image and input). */
static PetscErrorCode sort_rows_by_key(int n, const PetscInt64 *keys, PetscInt *order)
{
  KeyedRow *rows;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, &rows));
  for (int i = 0; i < n; i++) rows[i].key = keys[i], rows[i].row = i;
  qsort(rows, (size_t)n, sizeof *rows, keyed_row_compare);
  for (int i = 0; i < n; i++) order[i] = rows[i].row;
  PetscCall(PetscFree(rows));
  PetscFunctionReturn(0);
}

/* Before any work: the scores and the montage must not be an input (data, masks, model,
 * options file) nor replace a file of another kind, and their folders must be writable. */
static PetscErrorCode check_outputs(MPI_Comm comm, const char *output, const char *montage, const char *model,
                                    char *const data[], PetscInt n_data, char *const masks[], PetscInt n_masks)
{
  char             options_file[PETSC_MAX_PATH_LEN];
  OutputFileInput *read;
  PetscInt         n = 0;
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(PetscMalloc1(n_data + n_masks + 2, &read));
  for (PetscInt f = 0; f < n_data; f++) read[n++] = (OutputFileInput){"-data", data[f]};
  for (PetscInt f = 0; f < n_masks; f++) read[n++] = (OutputFileInput){"-mask", masks[f]};
  read[n++]                        = (OutputFileInput){"-model", model};
  read[n++]                        = (OutputFileInput){"-options_file", options_file};
  const OutputFileOutput outputs[] = {{"-o", output, &output_file_kind_any},
                                      {"-montage", montage, &output_file_kind_png}};
  PetscErrorCode         ierr      = output_file_check_all(comm, 2, outputs, (int)n, read);
  PetscCall(PetscFree(read));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode evaluation_config_from_options(MPI_Comm comm, EvaluationConfig *c)
{
  char      split[32]  = "validation";
  PetscBool have_masks = PETSC_FALSE, pixel_size_set = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(c, sizeof *c));
  PetscCall(PetscStrncpy(c->output, "evaluation.csv", sizeof c->output));
  c->n_data = c->n_masks = EVALUATION_MAX_FILES;
  c->batch = 4, c->overlap = -1, c->montage_count = 6, c->threshold = 0.5;
  c->n_pixel_size = 2, c->resample = PETSC_TRUE;
  PetscOptionsBegin(comm, NULL, "nanoforge evaluate: score a model on labelled images", NULL);
  PetscCall(PetscOptionsString("-model", "Model file (HDF5, from nanoforge train)", NULL, c->model, c->model,
                               sizeof c->model, NULL));
  PetscCall(PetscOptionsStringArray(
    "-data", "Labelled data, comma-separated: databases, HDF5 files with images+maps, or images (with -mask)", NULL,
    c->data, &c->n_data, NULL));
  PetscCall(PetscOptionsStringArray("-mask",
                                    "Mask files paired with the -data images (PNG/TIFF/...; non-zero = particle)", NULL,
                                    c->masks, &c->n_masks, &have_masks));
  PetscCall(PetscOptionsString("-split", "For databases: validation (the model's held-out structures) or all", NULL,
                               split, split, sizeof split, NULL));
  PetscCall(
    PetscOptionsReal("-threshold", "Foreground probability threshold", NULL, c->threshold, &c->threshold, NULL));
  PetscCall(PetscOptionsString("-o", "Per-image and aggregate scores (CSV)", NULL, c->output, c->output,
                               sizeof c->output, NULL));
  PetscCall(PetscOptionsString("-normalize", "Override the training run's normalisation (minmax, standard)", NULL,
                               c->normalize, c->normalize, sizeof c->normalize, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-batch", "Tiles per forward pass", 1, 4096, &c->batch, NULL));
  PetscCall(PetscOptionsString("-montage", "PNG of rows (image, true mask, predicted mask) for the first images", NULL,
                               c->montage, c->montage, sizeof c->montage, NULL));
  PetscCall(
    options_integer(PetscOptionsObject, "-montage_count", "Rows of the -montage", 1, 10000, &c->montage_count, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-overlap",
                            "Tile overlap for images larger than the training size [pixels] (default tile/4)", -1,
                            65535, &c->overlap, NULL));
  PetscCall(PetscOptionsRealArray("-pixel_size",
                                  "Pixel size x[,y] of the -data images with -mask [Angstrom/pixel]; overrides the "
                                  "files' calibration (default: each file's)",
                                  NULL, c->pixel_size, &c->n_pixel_size, &pixel_size_set));
  PetscCall(PetscOptionsBool("-resample",
                             "Resample each -data image with -mask to the model's pixel size before predicting and "
                             "the probabilities back to the mask's grid (false: predict at the image's own scale)",
                             NULL, c->resample, &c->resample, NULL));
  PetscOptionsEnd();
  if (!pixel_size_set) c->n_pixel_size = 0;
  if (c->n_pixel_size == 1) c->pixel_size[1] = c->pixel_size[0], c->n_pixel_size = 2;
  for (PetscInt k = 0; k < c->n_pixel_size; k++)
    PetscCheck(c->pixel_size[k] > 0 && isfinite(c->pixel_size[k]), comm, PETSC_ERR_USER_INPUT,
               "-pixel_size %g: allowed x[,y] > 0 Angstrom/pixel", c->pixel_size[k]);
  if (c->n_data == EVALUATION_MAX_FILES) c->n_data = 0; /* not given */
  if (!have_masks) c->n_masks = 0;
  PetscCheck(!strcmp(split, "validation") || !strcmp(split, "all"), comm, PETSC_ERR_USER_INPUT,
             "-split %s: allowed validation, all", split);
  c->all = !strcmp(split, "all") ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode evaluation_config_clear(EvaluationConfig *c)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < c->n_data; f++) PetscCall(PetscFree(c->data[f]));
  for (PetscInt f = 0; f < c->n_masks; f++) PetscCall(PetscFree(c->masks[f]));
  c->n_data = c->n_masks = 0;
  PetscFunctionReturn(0);
}

/* Before any work: one-line errors naming the option. */
static PetscErrorCode check_config(MPI_Comm comm, const EvaluationConfig *c)
{
  PetscFunctionBeginUser;
  PetscCheck(c->model[0], comm, PETSC_ERR_USER_INPUT, "-model: give the model file to evaluate");
  PetscCheck(c->n_data > 0, comm, PETSC_ERR_USER_INPUT,
             "-data: give labelled data (a database, an HDF5 file with images and maps, or images with -mask)");
  PetscCheck(!c->n_masks || c->n_masks == c->n_data, comm, PETSC_ERR_USER_INPUT,
             "-mask: %d masks for %d -data images; give one mask per image", (int)c->n_masks, (int)c->n_data);
  PetscCheck(c->threshold > 0 && c->threshold < 1, comm, PETSC_ERR_USER_INPUT,
             "-threshold %g: allowed 0 < threshold < 1", c->threshold);
  PetscCheck(!c->n_pixel_size || c->n_masks, comm, PETSC_ERR_USER_INPUT,
             "-pixel_size: allowed only for -data images with -mask (databases are at the model's pixel size)");
  PetscCall(options_check_output_folder("-o", c->output));
  PetscCall(options_check_output_folder("-montage", c->montage));
  PetscCall(check_outputs(comm, c->output, c->montage, c->model, c->data, c->n_data, c->masks, c->n_masks));
  PetscFunctionReturn(0);
}

/* An image file and its mask file (this rank's share of the pairs). */
static PetscErrorCode evaluate_pair(Predictor *p, const TilingConfig *tiling, Tally *t, const EvaluationConfig *c,
                                    const char *image_path, const char *mask_path)
{
  Micrograph *image, *mask;
  uint8_t    *binary;

  PetscFunctionBeginUser;
  PetscCall(micrograph_read(image_path, 0, &image));
  PetscCall(micrograph_read(mask_path, 0, &mask));
  PetscCheck(image->ny == mask->ny && image->nx == mask->nx, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "image '%s' is %dx%d but its mask '%s' is %dx%d", image_path, (int)image->ny, (int)image->nx, mask_path,
             (int)mask->ny, (int)mask->nx);
  PetscCall(PetscMalloc1(mask->ny * mask->nx, &binary));
  for (PetscInt i = 0; i < mask->ny * mask->nx; i++) binary[i] = mask->pixels[i] > 0;
  /* -pixel_size overrides the file's calibration, as in segment */
  ImageScale scale = {c->n_pixel_size ? c->pixel_size[0] : image->pixel_size_x,
                      c->n_pixel_size ? c->pixel_size[1] : image->pixel_size_y, c->resample};
  if (!c->n_pixel_size && scale.py <= 0) scale.py = scale.px;
  PetscCall(score_image(p, tiling, t, image_path, 0, 0, image->pixels, binary, image->ny, image->nx, &scale));
  PetscCall(PetscFree(binary));
  PetscCall(micrograph_destroy(&image));
  PetscCall(micrograph_destroy(&mask));
  PetscFunctionReturn(0);
}

/* An HDF5 input: a nanoforge database (its images and masks, as the reader finds them), or a
 * labelled set with `images` and `maps`. */
static PetscErrorCode evaluate_hdf5(MPI_Comm comm, Predictor *p, const TilingConfig *tiling, Tally *t, const char *path,
                                    PetscBool all)
{
  PetscBool is_database;

  PetscFunctionBeginUser;
  PetscCheck(H5Fis_hdf5(path) > 0, comm, PETSC_ERR_USER_INPUT,
             "-data '%s' is not an HDF5 file; give image files together with -mask", path);
  PetscCall(database_is_database(path, &is_database));
  if (is_database)
    PetscCall(evaluate_database(p, tiling, t, path, all));
  else {
    PetscInt n, ny, nx;
    float   *images;
    uint8_t *labels;
    PetscCall(labelled_set_read_hdf5(path, &n, &ny, &nx, &images, &labels));
    for (PetscInt k = t->rank; k < n; k += t->size)
      PetscCall(score_image(p, tiling, t, path, k, k, images + k * ny * nx, labels + k * ny * nx, ny, nx, NULL));
    PetscCall(PetscFree(images));
    PetscCall(PetscFree(labels));
  }
  PetscFunctionReturn(0);
}

/* Every rank's rows to rank 0, which writes them in input order with the pooled row last
 * (through a temporary file, renamed when complete). */
static PetscErrorCode write_scores(MPI_Comm comm, Tally *t, const char *output, PetscInt images, const Confusion *total)
{
  int my_rows = (int)t->rows.n, my_text = (int)t->rows.text_length, *row_counts = NULL, *text_counts = NULL,
      *row_offsets = NULL, *text_offsets = NULL;
  PetscInt64 *keys    = NULL;
  int        *lengths = NULL;
  char       *text    = NULL, temporary[PETSC_MAX_PATH_LEN + 8];

  PetscFunctionBeginUser;
  if (t->rank == 0)
    PetscCall(
      PetscMalloc4(t->size, &row_counts, t->size, &text_counts, t->size + 1, &row_offsets, t->size + 1, &text_offsets));
  PetscCallMPI(MPI_Gather(&my_rows, 1, MPI_INT, row_counts, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Gather(&my_text, 1, MPI_INT, text_counts, 1, MPI_INT, 0, comm));
  if (t->rank == 0) {
    row_offsets[0] = text_offsets[0] = 0;
    for (int r = 0; r < t->size; r++)
      row_offsets[r + 1] = row_offsets[r] + row_counts[r], text_offsets[r + 1] = text_offsets[r] + text_counts[r];
    PetscCall(PetscMalloc3(row_offsets[t->size] + 1, &keys, row_offsets[t->size] + 1, &lengths,
                           text_offsets[t->size] + 1, &text));
  }
  PetscCallMPI(MPI_Gatherv(t->rows.keys, my_rows, MPIU_INT64, keys, row_counts, row_offsets, MPIU_INT64, 0, comm));
  PetscCallMPI(MPI_Gatherv(t->rows.lengths, my_rows, MPI_INT, lengths, row_counts, row_offsets, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Gatherv(t->rows.text, my_text, MPI_CHAR, text, text_counts, text_offsets, MPI_CHAR, 0, comm));
  if (t->rank != 0) PetscFunctionReturn(0);
  const int n_rows = row_offsets[t->size];
  size_t   *starts;
  PetscInt *order;
  Scores    s;
  PetscCall(PetscMalloc2(n_rows + 1, &starts, n_rows + 1, &order));
  for (int i = 0; i < n_rows; i++) starts[i] = i ? starts[i - 1] + (size_t)lengths[i - 1] : 0, order[i] = i;
  PetscCall(sort_rows_by_key(n_rows, keys, order));
  confusion_scores(total, &s);
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp", output));
  FILE *csv_file = fopen(temporary, "w");
  PetscCheckPointerErrno(csv_file, "cannot create the scores file", temporary);
  int failed =
    fprintf(csv_file,
            "source,index,true_positive,false_positive,false_negative,true_negative,precision,recall,f1,iou\n") < 0;
  for (int i = 0; i < n_rows && !failed; i++)
    failed = fwrite(text + starts[order[i]], 1, (size_t)lengths[order[i]], csv_file) != (size_t)lengths[order[i]];
  if (!failed)
    failed = fprintf(csv_file, "all,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", (int)images, total->true_positive,
                     total->false_positive, total->false_negative, total->true_negative, s.precision, s.recall, s.f1,
                     s.iou) < 0;
  if (fclose(csv_file) != 0 || failed) {
    unlink(temporary);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the scores file '%s'", temporary);
  }
  PetscCallErrno(rename(temporary, output), "cannot rename the scores file onto", output);
  PetscCall(PetscFree2(starts, order));
  PetscCall(PetscFree3(keys, lengths, text));
  PetscCall(PetscFree4(row_counts, text_counts, row_offsets, text_offsets));
  PetscFunctionReturn(0);
}

/* Score every input in turn (rows stay in memory: a bad input leaves no partial file). */
static PetscErrorCode evaluate_inputs(MPI_Comm comm, const EvaluationConfig *c, Predictor *p,
                                      const TilingConfig *tiling, Tally *t)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < c->n_data; f++) {
    PetscInt before = t->images, scored;
    t->file         = f;
    if (c->n_masks) {
      if (f % t->size == t->rank) PetscCall(evaluate_pair(p, tiling, t, c, c->data[f], c->masks[f]));
    } else
      PetscCall(evaluate_hdf5(comm, p, tiling, t, c->data[f], c->all));
    scored = t->images - before;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &scored, 1, MPIU_INT, MPI_SUM, comm));
    PetscCall(PetscPrintf(comm, "evaluate: %s: %d images\n", c->data[f], (int)scored));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode evaluation_run(MPI_Comm comm, const EvaluationConfig *c, EvaluationReport *report)
{
  Predictor *p;
  Tally      t;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(report, sizeof *report));
  PetscCall(PetscMemzero(&t, sizeof t));
  PetscCallMPI(MPI_Comm_rank(comm, &t.rank));
  PetscCallMPI(MPI_Comm_size(comm, &t.size));
  t.threshold = c->threshold, t.montage_capacity = c->montage[0] ? c->montage_count : 0;
  PetscCall(check_config(comm, c));
  PetscCall(predictor_create(c->model, (int)c->batch, c->normalize, &p));
  PetscCheck(p->train_height == p->train_width, comm, PETSC_ERR_USER_INPUT,
             "model '%s' was trained on %dx%d images; tiling needs square training images", c->model, p->train_height,
             p->train_width);
  TilingConfig tiling = {p->train_height, c->overlap >= 0 ? (int)c->overlap : p->train_height / 4, (int)c->batch,
                         BLEND_COSINE};
  PetscCall(evaluate_inputs(comm, c, p, &tiling, &t));

  double sums[5] = {t.total.true_positive, t.total.false_positive, t.total.false_negative, t.total.true_negative,
                    (double)t.images},
         seconds = t.seconds;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 5, MPI_DOUBLE, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm));
  Confusion total = {sums[0], sums[1], sums[2], sums[3]};
  report->images  = (PetscInt)sums[4];
  report->seconds = seconds;
  report->tile    = tiling.tile;
  confusion_scores(&total, &report->scores);
  PetscCall(write_scores(comm, &t, c->output, report->images, &total));
  PetscCall(rows_free(&t.rows));
  if (c->montage[0]) {
    PetscCall(montage_gather(comm, &t));
    if (t.rank == 0) PetscCall(montage_write(&t, c->montage));
    report->montage_rows = t.montage_rows;
  }
  PetscCall(PetscFree(t.montage));
  PetscCall(PetscFree(t.montage_keys));
  PetscCall(predictor_destroy(&p));
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}
