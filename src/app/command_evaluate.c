/* command_evaluate.c — `nanoforge evaluate`: a model scored on labelled images (the held-out
 * split of a database, HDF5 files with `images` and `maps`, or image + mask file pairs):
 * per-image and aggregate precision, recall, F1, IoU, printed and written to CSV.
 * Rank 0 does the work (evaluation sets are small); other ranks wait.
 * MPI: one barrier (this file uses MPI). */
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "error_check.h"
#include "metrics.h"
#include "micrograph.h"
#include "options.h"
#include "picture.h"
#include "training.h"

#define MAX_FILES 64

typedef struct {
  FILE     *csv;
  Confusion total;
  PetscInt  images;
  double    threshold;
  double    seconds; /* inside predictor_segment: normalisation, tiling, forward passes */
  /* Montage: rows of (image, true mask, predicted mask) for the first images of one size. */
  PetscInt       montage_rows, montage_capacity, montage_ny, montage_nx;
  unsigned char *montage; /* [capacity][3][ny][nx] grey */
} Tally;

static PetscErrorCode montage_add(Tally *t, const float *image, const uint8_t *truth, const uint8_t *prediction, PetscInt ny, PetscInt nx)
{
  PetscFunctionBeginUser;
  if (t->montage_capacity == 0 || t->montage_rows >= t->montage_capacity) PetscFunctionReturn(0);
  if (!t->montage) {
    t->montage_ny = ny, t->montage_nx = nx;
    PetscCall(PetscMalloc1((size_t)t->montage_capacity * 3 * ny * nx, &t->montage));
  }
  if (ny != t->montage_ny || nx != t->montage_nx) PetscFunctionReturn(0); /* one size per montage */
  size_t         n = (size_t)ny * nx;
  unsigned char *row = t->montage + (size_t)t->montage_rows * 3 * n;
  PetscCall(picture_grey_from_floats(image, (PetscInt)n, 0.5, 99.5, row));
  for (size_t i = 0; i < n; i++) row[n + i] = truth[i] ? 255 : 0, row[2 * n + i] = prediction[i] ? 255 : 0;
  t->montage_rows++;
  PetscFunctionReturn(0);
}

/* Rows of [image | truth | prediction] with 4-pixel grey gaps. */
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

static PetscErrorCode score_image(Predictor *p, const TilingConfig *tiling, Tally *t, const char *source, PetscInt index, const float *image, const uint8_t *mask,
                                  PetscInt ny, PetscInt nx)
{
  float    *foreground;
  uint8_t  *prediction;
  Confusion c = {0};
  Scores    s;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)ny * nx, &foreground, (size_t)ny * nx, &prediction));
  double start = MPI_Wtime();
  PetscCall(predictor_segment(p, image, ny, nx, tiling, foreground));
  t->seconds += MPI_Wtime() - start;
  for (PetscInt i = 0; i < ny * nx; i++) prediction[i] = foreground[i] > t->threshold;
  confusion_add(&c, mask, prediction, ny * nx);
  PetscCall(montage_add(t, image, mask, prediction, ny, nx));
  confusion_scores(&c, &s);
  confusion_merge(&t->total, &c);
  t->images++;
  fprintf(t->csv, "%s,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", source, (int)index, c.true_positive, c.false_positive, c.false_negative, c.true_negative, s.precision, s.recall,
          s.f1, s.iou);
  PetscCall(PetscFree2(foreground, prediction));
  PetscFunctionReturn(0);
}

static PetscErrorCode evaluate_database(Predictor *p, const TilingConfig *tiling, Tally *t, const char *path, PetscBool all, PetscInt *count)
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
    for (PetscInt first = 0; first < n; first += p->batch) {
      int batch = (int)PetscMin(p->batch, n - first);
      PetscCall(dataset_read(d, list + first, batch, images, masks));
      double start = MPI_Wtime();
      for (int k = 0; k < batch; k++) normalize_image(images + k * spatial, (PetscInt)spatial, p->normalize);
      PetscCall(predictor_run(p, images, batch, (int)d->ny, (int)d->nx, foreground));
      t->seconds += MPI_Wtime() - start;
      for (int k = 0; k < batch; k++) {
        Confusion c = {0};
        Scores    s;
        for (size_t i = 0; i < spatial; i++) prediction[i] = foreground[k * spatial + i] > t->threshold;
        confusion_add(&c, masks + k * spatial, prediction, (PetscInt)spatial);
        PetscCall(montage_add(t, images + k * spatial, masks + k * spatial, prediction, d->ny, d->nx));
        confusion_scores(&c, &s);
        confusion_merge(&t->total, &c);
        t->images++;
        fprintf(t->csv, "%s,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", path, (int)list[first + k], c.true_positive, c.false_positive, c.false_negative, c.true_negative,
                s.precision, s.recall, s.f1, s.iou);
      }
    }
    PetscCall(PetscFree4(images, foreground, masks, prediction));
  } else {
    float   *image;
    uint8_t *mask;
    PetscCall(PetscMalloc2(spatial, &image, spatial, &mask));
    for (PetscInt k = 0; k < n; k++) {
      PetscCall(dataset_read(d, &list[k], 1, image, mask));
      PetscCall(score_image(p, tiling, t, path, list[k], image, mask, d->ny, d->nx));
    }
    PetscCall(PetscFree2(image, mask));
  }
  *count = n;
  PetscCall(PetscFree(train));
  PetscCall(PetscFree(validation));
  PetscCall(PetscFree(selected));
  PetscCall(dataset_destroy(&d));
  PetscFunctionReturn(0);
}

PetscErrorCode command_evaluate(MPI_Comm comm)
{
  char     *data[MAX_FILES], *masks[MAX_FILES], model[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "evaluation.csv", split[32] = "validation", normalize[32] = "";
  PetscInt  n_data = MAX_FILES, n_masks = MAX_FILES, batch = 4, overlap = -1, montage_count = 6;
  char      montage[PETSC_MAX_PATH_LEN] = "";
  double    threshold = 0.5;
  PetscBool help, have_masks = PETSC_FALSE;
  int       rank;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "nanoforge evaluate: score a model on labelled images", NULL);
  PetscCall(PetscOptionsString("-model", "Model file (HDF5, from nanoforge train)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsStringArray("-data", "Labelled data, comma-separated: databases, HDF5 files with images+maps, or images (with -mask)", NULL, data, &n_data, NULL));
  PetscCall(PetscOptionsStringArray("-mask", "Mask files paired with the -data images (PNG/TIFF/...; non-zero = particle)", NULL, masks, &n_masks, &have_masks));
  PetscCall(PetscOptionsString("-split", "For databases: validation (the model's held-out structures) or all", NULL, split, split, sizeof split, NULL));
  PetscCall(PetscOptionsReal("-threshold", "Foreground probability threshold", NULL, threshold, &threshold, NULL));
  PetscCall(PetscOptionsString("-o", "Per-image and aggregate scores (CSV)", NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsString("-normalize", "Override the training run's normalisation (minmax, standard)", NULL, normalize, normalize, sizeof normalize, NULL));
  PetscCall(PetscOptionsInt("-batch", "Tiles per forward pass", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsString("-montage", "PNG of rows (image, true mask, predicted mask) for the first images", NULL, montage, montage, sizeof montage, NULL));
  PetscCall(PetscOptionsInt("-montage_count", "Rows of the -montage", NULL, montage_count, &montage_count, NULL));
  PetscCall(PetscOptionsInt("-overlap", "Tile overlap for images larger than the training size [pixels] (default tile/4)", NULL, overlap, &overlap, NULL));
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
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscErrorCode status = 0;
  if (rank == 0) {
    Predictor   *p;
    Tally        t = {NULL, {0}, 0, threshold, 0, 0, montage[0] ? montage_count : 0, 0, 0, NULL};
    char         temporary[PETSC_MAX_PATH_LEN + 8];
    PetscCall(predictor_create(model, (int)batch, normalize, &p));
    TilingConfig tiling = {p->train_height, overlap >= 0 ? (int)overlap : p->train_height / 4, (int)batch, BLEND_COSINE};
    PetscCheck(p->train_height == p->train_width, PETSC_COMM_SELF, PETSC_ERR_SUP, "model '%s' was trained on %dx%d images; tiling needs square training images", model,
               p->train_height, p->train_width);
    /* Rows are collected in memory and the file is written only once every input has been
     * scored, so a bad input leaves no partial or temporary file behind. */
    char  *csv_text = NULL;
    size_t csv_length = 0;
    PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp", output));
    t.csv = open_memstream(&csv_text, &csv_length);
    PetscCheckPointerErrno(t.csv, "cannot buffer the scores for", output);
    fprintf(t.csv, "source,index,true_positive,false_positive,false_negative,true_negative,precision,recall,f1,iou\n");
    for (PetscInt f = 0; f < n_data; f++) {
      PetscInt before = t.images, count = 0;
      if (have_masks) {
        Micrograph *image, *mask;
        PetscCall(micrograph_read(data[f], 0, &image));
        PetscCall(micrograph_read(masks[f], 0, &mask));
        PetscCheck(image->ny == mask->ny && image->nx == mask->nx, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "image '%s' is %dx%d but its mask '%s' is %dx%d", data[f], (int)image->ny,
                   (int)image->nx, masks[f], (int)mask->ny, (int)mask->nx);
        uint8_t *binary;
        PetscCall(PetscMalloc1(mask->ny * mask->nx, &binary));
        for (PetscInt i = 0; i < mask->ny * mask->nx; i++) binary[i] = mask->pixels[i] > 0;
        PetscCall(score_image(p, &tiling, &t, data[f], 0, image->pixels, binary, image->ny, image->nx));
        PetscCall(PetscFree(binary));
        PetscCall(micrograph_destroy(&image));
        PetscCall(micrograph_destroy(&mask));
        count = 1;
      } else {
        hid_t file;
        int   is_database = 0;
        PetscCheck(H5Fis_hdf5(data[f]) > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-data '%s' is not an HDF5 file; give image files together with -mask", data[f]);
        file = H5Fopen(data[f], H5F_ACC_RDONLY, H5P_DEFAULT);
        PetscCallHDF5(file, "opening", data[f]);
        is_database = H5Lexists(file, "/data", H5P_DEFAULT) > 0 && H5Lexists(file, "/data/images", H5P_DEFAULT) > 0;
        H5Fclose(file);
        if (is_database) PetscCall(evaluate_database(p, &tiling, &t, data[f], !strcmp(split, "all") ? PETSC_TRUE : PETSC_FALSE, &count));
        else {
          PetscInt n, ny, nx;
          float   *images;
          uint8_t *labels;
          PetscCall(labelled_set_read_hdf5(data[f], &n, &ny, &nx, &images, &labels));
          for (PetscInt k = 0; k < n; k++) PetscCall(score_image(p, &tiling, &t, data[f], k, images + k * ny * nx, labels + k * ny * nx, ny, nx));
          PetscCall(PetscFree(images));
          PetscCall(PetscFree(labels));
          count = n;
        }
      }
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: %s: %d images\n", data[f], (int)(t.images - before)));
      (void)count;
    }
    Scores s;
    confusion_scores(&t.total, &s);
    fprintf(t.csv, "all,%d,%.0f,%.0f,%.0f,%.0f,%.6f,%.6f,%.6f,%.6f\n", (int)t.images, t.total.true_positive, t.total.false_positive, t.total.false_negative, t.total.true_negative,
            s.precision, s.recall, s.f1, s.iou);
    PetscCheck(fclose(t.csv) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot buffer the scores for '%s'", output);
    FILE *csv_file = fopen(temporary, "w");
    if (!csv_file) free(csv_text);
    PetscCheckPointerErrno(csv_file, "cannot create the scores file", temporary);
    size_t written = fwrite(csv_text, 1, csv_length, csv_file);
    free(csv_text);
    if (fclose(csv_file) != 0 || written != csv_length) {
      unlink(temporary);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the scores file '%s'", temporary);
    }
    PetscCallErrno(rename(temporary, output), "cannot rename the scores file onto", output);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: %d images (pixels pooled): precision %.4f  recall %.4f  F1 %.4f  IoU %.4f  (threshold %g)\n", (int)t.images, s.precision, s.recall,
                          s.f1, s.iou, threshold));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: inference %.2f images/s (%.3f s per image; up to %d images or tiles of %d pixels per forward pass; 1 rank)\n", t.seconds > 0 ? t.images / t.seconds : 0,
                          t.images ? t.seconds / t.images : 0, (int)batch, tiling.tile));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: per-image scores in %s\n", output));
    if (montage[0]) {
      PetscCall(montage_write(&t, montage));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: montage of %d images (image | true mask | predicted mask) in %s\n", (int)t.montage_rows, montage));
    }
    PetscCall(PetscFree(t.montage));
    PetscCall(predictor_destroy(&p));
  }
  for (PetscInt f = 0; f < n_data; f++) PetscCall(PetscFree(data[f]));
  for (PetscInt f = 0; f < n_masks; f++) PetscCall(PetscFree(masks[f]));
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(status);
}
