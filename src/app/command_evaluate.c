/* command_evaluate.c — `nanoforge evaluate`: a model scored on labelled images (the held-out
 * split of a database, HDF5 files with `images` and `maps`, or image + mask file pairs):
 * per-image and aggregate precision, recall, F1, IoU, printed and written to CSV.
 * Work is dealt round-robin to the ranks (database batches, images of an images+maps file,
 * image+mask pairs); each rank keeps its CSV rows with their place in the input order, rank 0
 * gathers and sorts them, so the file is the same for any rank count; the montage rows are
 * gathered and ordered the same way.
 * MPI: reductions of counts and scores, a gather of the rows (this file uses MPI). */
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "error_check.h"
#include "metrics.h"
#include "micrograph.h"
#include "options.h"
#include "output_file.h"
#include "picture.h"
#include "training.h"

#define MAX_FILES 64

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
  Rows      rows;
  PetscInt64 file; /* index of the -data input being scored: the high part of the row keys */
  int        rank, size;
  Confusion total;
  PetscInt  images;
  double    threshold;
  double    seconds; /* inside predictor_segment: normalisation, tiling, forward passes */
  /* Montage: rows of (image, true mask, predicted mask) for the first images of one size. */
  PetscInt       montage_rows, montage_capacity, montage_ny, montage_nx;
  unsigned char *montage;      /* [capacity][3][ny][nx] grey */
  PetscInt64    *montage_keys; /* [capacity]: the rows' places in the input order */
} Tally;

static PetscErrorCode montage_add(Tally *t, PetscInt position, const float *image, const uint8_t *truth, const uint8_t *prediction, PetscInt ny, PetscInt nx)
{
  PetscFunctionBeginUser;
  if (t->montage_capacity == 0 || t->montage_rows >= t->montage_capacity) PetscFunctionReturn(0);
  if (!t->montage) {
    t->montage_ny = ny, t->montage_nx = nx;
    PetscCall(PetscMalloc1((size_t)t->montage_capacity * 3 * ny * nx, &t->montage));
    PetscCall(PetscMalloc1(t->montage_capacity, &t->montage_keys));
  }
  if (ny != t->montage_ny || nx != t->montage_nx) PetscFunctionReturn(0); /* one size per montage */
  size_t         n = (size_t)ny * nx;
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
  int            rank, size, mine[3] = {(int)t->montage_rows, (int)t->montage_ny, (int)t->montage_nx}, *info = NULL, *counts = NULL, *offsets = NULL;
  int           *pixel_counts = NULL, *pixel_offsets = NULL;
  PetscInt64    *keys = NULL;
  unsigned char *pixels = NULL;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  if (rank == 0) PetscCall(PetscMalloc5(3 * size, &info, size, &counts, size + 1, &offsets, size, &pixel_counts, size + 1, &pixel_offsets));
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
  PetscCallMPI(MPI_Gatherv(t->montage, mine[0] * 3 * mine[1] * mine[2], MPI_UNSIGNED_CHAR, pixels, pixel_counts, pixel_offsets, MPI_UNSIGNED_CHAR, 0, comm));
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
        memcpy(t->montage + (size_t)t->montage_rows * n, pixels + pixel_offsets[owner] + (size_t)(rows[i].row - offsets[owner]) * n, n);
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
  const int      gap = 4;
  int            ny = (int)t->montage_ny, nx = (int)t->montage_nx, width = 3 * nx + 2 * gap, height = (int)t->montage_rows * (ny + gap) - gap;
  unsigned char *pixels;

  PetscFunctionBeginUser;
  if (!t->montage_rows) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1((size_t)width * height, &pixels));
  memset(pixels, 128, (size_t)width * height);
  for (PetscInt r = 0; r < t->montage_rows; r++)
    for (int panel = 0; panel < 3; panel++)
      for (int y = 0; y < ny; y++)
        memcpy(pixels + (size_t)(r * (ny + gap) + y) * width + panel * (nx + gap), t->montage + ((size_t)r * 3 + panel) * ny * nx + (size_t)y * nx, (size_t)nx);
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
  PetscCall(PetscSNPrintf(row, sizeof row, "%s,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", source, (int)index, c->true_positive, c->false_positive, c->false_negative,
                          c->true_negative, s.precision, s.recall, s.f1, s.iou));
  PetscCall(rows_add(&t->rows, (t->file << 40) | (PetscInt64)position, row));
  PetscFunctionReturn(0);
}

static PetscErrorCode score_image(Predictor *p, const TilingConfig *tiling, Tally *t, const char *source, PetscInt index, PetscInt position, const float *image,
                                  const uint8_t *mask, PetscInt ny, PetscInt nx)
{
  float    *foreground;
  uint8_t  *prediction;
  Confusion c = {0};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)ny * nx, &foreground, (size_t)ny * nx, &prediction));
  double start = MPI_Wtime();
  PetscCall(predictor_segment(p, image, ny, nx, tiling, foreground));
  t->seconds += MPI_Wtime() - start;
  for (PetscInt i = 0; i < ny * nx; i++) prediction[i] = foreground[i] > t->threshold;
  confusion_add(&c, mask, prediction, ny * nx);
  PetscCall(montage_add(t, position, image, mask, prediction, ny, nx));
  PetscCall(tally_row(t, source, index, position, &c));
  PetscCall(PetscFree2(foreground, prediction));
  PetscFunctionReturn(0);
}

static PetscErrorCode evaluate_database(Predictor *p, const TilingConfig *tiling, Tally *t, const char *path, PetscBool all)
{
  Dataset  *d;
  PetscBool *selected;
  PetscInt *train, *validation, n_train, n_validation;
  char      seed_text[32] = "1", fraction_text[32] = "0.25", select[1024] = "", group[256] = "";

  PetscFunctionBeginUser;
  /* The held-out split is recomputed exactly as the training run made it. */
  predictor_training_option(p, "-seed", seed_text, sizeof seed_text);
  predictor_training_option(p, "-val_fraction", fraction_text, sizeof fraction_text);
  predictor_training_option(p, "-select", select, sizeof select);
  predictor_training_option(p, "-column_group", group, sizeof group);
  PetscCall(dataset_open(PETSC_COMM_SELF, path, group, &d));
  PetscCall(PetscMalloc1(d->count, &selected));
  PetscCall(dataset_select(d, all ? NULL : select, selected));
  PetscCall(dataset_split(d, selected, all ? 0 : atof(fraction_text), (uint64_t)atoll(seed_text), &train, &n_train, &validation, &n_validation));
  const PetscInt *list = all ? train : validation;
  PetscInt        n = all ? n_train : n_validation;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "database '%s': the validation split of the model's training run is empty (use -split all)", path);
  size_t   spatial = (size_t)d->ny * d->nx;
  if (d->ny == p->train_height && d->nx == p->train_width) {
    /* Images of the training size: whole batches through the network, no tiling. */
    float   *images, *foreground;
    uint8_t *masks, *prediction;
    PetscCall(PetscMalloc4(spatial * p->batch, &images, spatial * p->batch, &foreground, spatial * p->batch, &masks, spatial, &prediction));
    for (PetscInt first = (PetscInt)t->rank * p->batch; first < n; first += (PetscInt)t->size * p->batch) { /* batches round-robin */
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
      PetscCall(score_image(p, tiling, t, path, list[k], k, image, mask, d->ny, d->nx));
    }
    PetscCall(PetscFree2(image, mask));
  }
  PetscCall(PetscFree(train));
  PetscCall(PetscFree(validation));
  PetscCall(PetscFree(selected));
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
static PetscErrorCode check_outputs(MPI_Comm comm, const char *output, const char *montage, const char *model, char *const data[], PetscInt n_data, char *const masks[], PetscInt n_masks)
{
  char             options_file[PETSC_MAX_PATH_LEN];
  OutputFileInput *read;
  PetscInt         n = 0;
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(PetscMalloc1(n_data + n_masks + 2, &read));
  for (PetscInt f = 0; f < n_data; f++) read[n++] = (OutputFileInput){"-data", data[f]};
  for (PetscInt f = 0; f < n_masks; f++) read[n++] = (OutputFileInput){"-mask", masks[f]};
  read[n++] = (OutputFileInput){"-model", model};
  read[n++] = (OutputFileInput){"-options_file", options_file};
  const OutputFileOutput outputs[] = {{"-o", output, &output_file_kind_any}, {"-montage", montage, &output_file_kind_png}};
  PetscErrorCode         ierr      = output_file_check_all(comm, 2, outputs, (int)n, read);
  PetscCall(PetscFree(read));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode command_evaluate(MPI_Comm comm)
{
  char     *data[MAX_FILES], *masks[MAX_FILES], model[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "evaluation.csv", split[32] = "validation", normalize[32] = "";
  PetscInt  n_data = MAX_FILES, n_masks = MAX_FILES, batch = 4, overlap = -1, montage_count = 6;
  char      montage[PETSC_MAX_PATH_LEN] = "";
  double    threshold = 0.5;
  PetscBool help, have_masks = PETSC_FALSE;
  int       rank, size;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "nanoforge evaluate: score a model on labelled images", NULL);
  PetscCall(PetscOptionsString("-model", "Model file (HDF5, from nanoforge train)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsStringArray("-data", "Labelled data, comma-separated: databases, HDF5 files with images+maps, or images (with -mask)", NULL, data, &n_data, NULL));
  PetscCall(PetscOptionsStringArray("-mask", "Mask files paired with the -data images (PNG/TIFF/...; non-zero = particle)", NULL, masks, &n_masks, &have_masks));
  PetscCall(PetscOptionsString("-split", "For databases: validation (the model's held-out structures) or all", NULL, split, split, sizeof split, NULL));
  PetscCall(PetscOptionsReal("-threshold", "Foreground probability threshold", NULL, threshold, &threshold, NULL));
  PetscCall(PetscOptionsString("-o", "Per-image and aggregate scores (CSV)", NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsString("-normalize", "Override the training run's normalisation (minmax, standard)", NULL, normalize, normalize, sizeof normalize, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-batch", "Tiles per forward pass", 1, 4096, &batch, NULL));
  PetscCall(PetscOptionsString("-montage", "PNG of rows (image, true mask, predicted mask) for the first images", NULL, montage, montage, sizeof montage, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-montage_count", "Rows of the -montage", 1, 10000, &montage_count, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-overlap", "Tile overlap for images larger than the training size [pixels] (default tile/4)", -1, 65535, &overlap, NULL));
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  if (n_data == MAX_FILES) n_data = 0; /* not given */
  if (!have_masks) n_masks = 0;
  PetscCheck(model[0], comm, PETSC_ERR_USER_INPUT, "-model: give the model file to evaluate");
  PetscCheck(n_data > 0, comm, PETSC_ERR_USER_INPUT, "-data: give labelled data (a database, an HDF5 file with images and maps, or images with -mask)");
  PetscCheck(!have_masks || n_masks == n_data, comm, PETSC_ERR_USER_INPUT, "-mask: %d masks for %d -data images; give one mask per image", (int)n_masks, (int)n_data);
  PetscCheck(!strcmp(split, "validation") || !strcmp(split, "all"), comm, PETSC_ERR_USER_INPUT, "-split %s: allowed validation, all", split);
  PetscCheck(threshold > 0 && threshold < 1, comm, PETSC_ERR_USER_INPUT, "-threshold %g: allowed 0 < threshold < 1", threshold);
  PetscCall(options_check_output_folder("-o", output));
  PetscCall(options_check_output_folder("-montage", montage));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  {
    Predictor *p;
    Tally      t;
    char       temporary[PETSC_MAX_PATH_LEN + 8];
    PetscCall(PetscMemzero(&t, sizeof t));
    t.rank = rank, t.size = size, t.threshold = threshold, t.montage_capacity = montage[0] ? montage_count : 0;
    PetscErrorCode ierr = check_outputs(comm, output, montage, model, data, n_data, masks, n_masks);
    if (ierr) { /* refused before any work: free the option strings, then report */
      for (PetscInt f = 0; f < n_data; f++) PetscCall(PetscFree(data[f]));
      for (PetscInt f = 0; f < n_masks; f++) PetscCall(PetscFree(masks[f]));
    }
    PetscCall(ierr);
    PetscCall(predictor_create(model, (int)batch, normalize, &p));
    TilingConfig tiling = {p->train_height, overlap >= 0 ? (int)overlap : p->train_height / 4, (int)batch, BLEND_COSINE};
    PetscCheck(p->train_height == p->train_width, comm, PETSC_ERR_USER_INPUT, "model '%s' was trained on %dx%d images; tiling needs square training images", model,
               p->train_height, p->train_width);
    /* Rows are collected in memory and the file is written only once every input has been
     * scored, so a bad input leaves no partial or temporary file behind. */
    for (PetscInt f = 0; f < n_data; f++) {
      PetscInt before = t.images, scored;
      t.file = f;
      if (have_masks) {
        if (f % size == rank) {
          Micrograph *image, *mask;
          PetscCall(micrograph_read(data[f], 0, &image));
          PetscCall(micrograph_read(masks[f], 0, &mask));
          PetscCheck(image->ny == mask->ny && image->nx == mask->nx, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "image '%s' is %dx%d but its mask '%s' is %dx%d", data[f],
                     (int)image->ny, (int)image->nx, masks[f], (int)mask->ny, (int)mask->nx);
          uint8_t *binary;
          PetscCall(PetscMalloc1(mask->ny * mask->nx, &binary));
          for (PetscInt i = 0; i < mask->ny * mask->nx; i++) binary[i] = mask->pixels[i] > 0;
          PetscCall(score_image(p, &tiling, &t, data[f], 0, 0, image->pixels, binary, image->ny, image->nx));
          PetscCall(PetscFree(binary));
          PetscCall(micrograph_destroy(&image));
          PetscCall(micrograph_destroy(&mask));
        }
      } else {
        hid_t    file;
        int      is_database = 0;
        PetscCheck(H5Fis_hdf5(data[f]) > 0, comm, PETSC_ERR_USER_INPUT, "-data '%s' is not an HDF5 file; give image files together with -mask", data[f]);
        file = H5Fopen(data[f], H5F_ACC_RDONLY, H5P_DEFAULT);
        PetscCallHDF5(file, "opening", data[f]);
        is_database = H5Lexists(file, "/data", H5P_DEFAULT) > 0 && H5Lexists(file, "/data/images", H5P_DEFAULT) > 0;
        H5Fclose(file);
        if (is_database) PetscCall(evaluate_database(p, &tiling, &t, data[f], !strcmp(split, "all") ? PETSC_TRUE : PETSC_FALSE));
        else {
          PetscInt n, ny, nx;
          float   *images;
          uint8_t *labels;
          PetscCall(labelled_set_read_hdf5(data[f], &n, &ny, &nx, &images, &labels));
          for (PetscInt k = rank; k < n; k += size) PetscCall(score_image(p, &tiling, &t, data[f], k, k, images + k * ny * nx, labels + k * ny * nx, ny, nx));
          PetscCall(PetscFree(images));
          PetscCall(PetscFree(labels));
        }
      }
      scored = t.images - before;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &scored, 1, MPIU_INT, MPI_SUM, comm));
      PetscCall(PetscPrintf(comm, "evaluate: %s: %d images\n", data[f], (int)scored));
    }

    /* Totals, then every rank's rows to rank 0 in input order. */
    double sums[6] = {t.total.true_positive, t.total.false_positive, t.total.false_negative, t.total.true_negative, (double)t.images, 0}, seconds = t.seconds;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 5, MPI_DOUBLE, MPI_SUM, comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm));
    Confusion total = {sums[0], sums[1], sums[2], sums[3]};
    PetscInt  images = (PetscInt)sums[4];
    int       my_rows = (int)t.rows.n, my_text = (int)t.rows.text_length, *row_counts = NULL, *text_counts = NULL, *row_offsets = NULL, *text_offsets = NULL;
    PetscInt64 *keys = NULL;
    int        *lengths = NULL;
    char       *text = NULL;
    if (rank == 0) PetscCall(PetscMalloc4(size, &row_counts, size, &text_counts, size + 1, &row_offsets, size + 1, &text_offsets));
    PetscCallMPI(MPI_Gather(&my_rows, 1, MPI_INT, row_counts, 1, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Gather(&my_text, 1, MPI_INT, text_counts, 1, MPI_INT, 0, comm));
    if (rank == 0) {
      row_offsets[0] = text_offsets[0] = 0;
      for (int r = 0; r < size; r++) row_offsets[r + 1] = row_offsets[r] + row_counts[r], text_offsets[r + 1] = text_offsets[r] + text_counts[r];
      PetscCall(PetscMalloc3(row_offsets[size] + 1, &keys, row_offsets[size] + 1, &lengths, text_offsets[size] + 1, &text));
    }
    PetscCallMPI(MPI_Gatherv(t.rows.keys, my_rows, MPIU_INT64, keys, row_counts, row_offsets, MPIU_INT64, 0, comm));
    PetscCallMPI(MPI_Gatherv(t.rows.lengths, my_rows, MPI_INT, lengths, row_counts, row_offsets, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Gatherv(t.rows.text, my_text, MPI_CHAR, text, text_counts, text_offsets, MPI_CHAR, 0, comm));
    PetscCall(rows_free(&t.rows));
    if (montage[0]) PetscCall(montage_gather(comm, &t));

    if (rank == 0) {
      const int n_rows = row_offsets[size];
      size_t   *starts;
      PetscInt *order;
      PetscCall(PetscMalloc2(n_rows + 1, &starts, n_rows + 1, &order));
      for (int i = 0; i < n_rows; i++) starts[i] = i ? starts[i - 1] + (size_t)lengths[i - 1] : 0, order[i] = i;
      PetscCall(sort_rows_by_key(n_rows, keys, order));
      Scores s;
      confusion_scores(&total, &s);
      PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp", output));
      FILE *csv_file = fopen(temporary, "w");
      PetscCheckPointerErrno(csv_file, "cannot create the scores file", temporary);
      int failed = fprintf(csv_file, "source,index,true_positive,false_positive,false_negative,true_negative,precision,recall,f1,iou\n") < 0;
      for (int i = 0; i < n_rows && !failed; i++) failed = fwrite(text + starts[order[i]], 1, (size_t)lengths[order[i]], csv_file) != (size_t)lengths[order[i]];
      if (!failed)
        failed = fprintf(csv_file, "all,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", (int)images, total.true_positive, total.false_positive, total.false_negative,
                         total.true_negative, s.precision, s.recall, s.f1, s.iou) < 0;
      if (fclose(csv_file) != 0 || failed) {
        unlink(temporary);
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the scores file '%s'", temporary);
      }
      PetscCallErrno(rename(temporary, output), "cannot rename the scores file onto", output);
      PetscCall(PetscFree2(starts, order));
      PetscCall(PetscFree3(keys, lengths, text));
      PetscCall(PetscFree4(row_counts, text_counts, row_offsets, text_offsets));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: %d images (pixels pooled): precision %.4f  recall %.4f  F1 %.4f  IoU %.4f  (threshold %g)\n", (int)images, s.precision,
                            s.recall, s.f1, s.iou, threshold));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: inference %.2f images/s (%.3f s per image per rank; up to %d images or tiles of %d pixels per forward pass; %d rank%s)\n",
                            seconds > 0 ? images / seconds : 0, images ? seconds * size / images : 0, (int)batch, tiling.tile, size, size > 1 ? "s" : ""));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: per-image scores in %s\n", output));
      if (montage[0]) {
        PetscCall(montage_write(&t, montage));
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: montage of %d images (image | true mask | predicted mask) in %s\n", (int)t.montage_rows, montage));
      }
    }
    PetscCall(PetscFree(t.montage));
    PetscCall(PetscFree(t.montage_keys));
    PetscCall(predictor_destroy(&p));
  }
  for (PetscInt f = 0; f < n_data; f++) PetscCall(PetscFree(data[f]));
  for (PetscInt f = 0; f < n_masks; f++) PetscCall(PetscFree(masks[f]));
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}
