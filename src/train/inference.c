/* inference.c — a trained model applied to images: loading with the training run's
 * preprocessing, batched forward passes, tiled segmentation of large micrographs. Serial. */
#include <string.h>
#include "core/error_check.h"
#include "nn/model_file.h"
#include "train/inference.h"
#include "train/resample.h"
#include "nn/loss.h"

PetscBool predictor_training_option(const Predictor *p, const char *option, char *value, size_t size)
{
  const char *text = p->training_options, *at = text;
  size_t      length = strlen(option);
  PetscBool   found  = PETSC_FALSE;
  /* The last occurrence wins, as in PETSc's options database. */
  while (text && (at = strstr(at, option))) {
    if ((at == text || at[-1] == ' ') && (at[length] == ' ' || at[length] == '\0')) {
      const char *start = at + length;
      while (*start == ' ') start++;
      size_t n = strcspn(start, " ");
      if (n >= size) n = size - 1;
      memcpy(value, start, n);
      value[n] = '\0';
      found    = PETSC_TRUE;
    }
    at += length;
  }
  return found;
}

/* "minmax" or "standard" from option or attribute `source` (for the message). */
static PetscErrorCode normalize_mode_parse(const char *text, const char *source, const char *path, NormalizeMode *mode)
{
  PetscFunctionBeginUser;
  PetscCheck(!strcmp(text, "minmax") || !strcmp(text, "standard"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s %s (model '%s'): allowed minmax, standard", source, text, path);
  *mode = !strcmp(text, "standard") ? NORMALIZE_STANDARD : NORMALIZE_MINMAX;
  PetscFunctionReturn(0);
}

/* The training run's normalisation and pixel size: the typed attributes, or for a model of an
 * older version, -normalize in its options text and no pixel size. */
static PetscErrorCode predictor_read_scale(Predictor *p, const ModelScale *scale)
{
  char value[64];
  PetscFunctionBeginUser;
  p->scale_recorded = scale->present;
  p->pixel_size     = scale->present ? scale->pixel_size : 0;
  p->normalize      = NORMALIZE_MINMAX;
  if (scale->present)
    PetscCall(normalize_mode_parse(scale->normalize, "/training normalize", p->path, &p->normalize));
  else if (predictor_training_option(p, "-normalize", value, sizeof value))
    p->normalize = !strcmp(value, "standard") ? NORMALIZE_STANDARD : NORMALIZE_MINMAX;
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_create(const char *model_path, int batch, const char *normalize_override, Predictor **out)
{
  Predictor         *p;
  ModelTrainingState state = {0};

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, &p));
  PetscCall(PetscStrncpy(p->path, model_path, sizeof p->path));
  {
    FILE *probe = fopen(model_path, "rb");
    PetscCheckPointerErrno(probe, "cannot open the model", model_path);
    fclose(probe);
  }
  PetscCall(model_file_read_config(model_path, &p->config, &p->train_height, &p->train_width));
  p->batch = batch > 0 ? batch : 4;
  PetscCall(unet_create(&p->config, p->train_height, p->train_width, p->batch, 0, &p->net));
  PetscCall(model_file_load(model_path, p->net, NULL, &state));
  PetscCall(PetscStrallocpy(state.options ? state.options : "", &p->training_options));
  PetscErrorCode ierr = predictor_read_scale(p, &state.scale);
  PetscCall(model_training_state_clear(&state));
  PetscCall(ierr);
  if (normalize_override && normalize_override[0])
    PetscCall(normalize_mode_parse(normalize_override, "-normalize", model_path, &p->normalize));
  *out = p;
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_destroy(Predictor **p)
{
  PetscFunctionBeginUser;
  if (!*p) PetscFunctionReturn(0);
  PetscCall(unet_destroy(&(*p)->net));
  PetscCall(PetscFree((*p)->training_options));
  PetscCall(PetscFree(*p));
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_run(Predictor *p, const float *images, int count, int ny, int nx, float *foreground)
{
  int    height, width, max_batch, channels = unet_config_output_channels(&p->config);
  size_t spatial = (size_t)ny * nx;
  float *probabilities;

  PetscFunctionBeginUser;
  int divisor = 1 << p->config.depth;
  PetscCheck(ny % divisor == 0 && nx % divisor == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "images of %dx%d cannot go through model '%s' (depth %d needs sides divisible by %d)", ny, nx, p->path,
             p->config.depth, divisor);
  unet_size(p->net, &height, &width, &max_batch);
  if (height != ny || width != nx || max_batch < p->batch) PetscCall(unet_resize(p->net, ny, nx, p->batch));
  PetscCall(PetscMalloc1(spatial * channels * p->batch, &probabilities));
  for (int first = 0; first < count; first += p->batch) {
    int n = PetscMin(p->batch, count - first);
    PetscCall(unet_forward(p->net, images + first * spatial, n, PETSC_FALSE, probabilities));
    for (int k = 0; k < n; k++)
      for (size_t i = 0; i < spatial; i++)
        foreground[(first + k) * spatial + i] = loss_foreground(p->config.head, probabilities, spatial, k, i);
  }
  PetscCall(PetscFree(probabilities));
  PetscFunctionReturn(0);
}

static PetscErrorCode run_tiles(void *context, const float *tiles, int count, int tile, float *outputs)
{
  PetscFunctionBeginUser;
  PetscCall(predictor_run((Predictor *)context, tiles, count, tile, tile, outputs));
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_segment(Predictor *p, const float *image, PetscInt ny, PetscInt nx, const TilingConfig *tiling,
                                 float *foreground)
{
  float *normalised;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)ny * nx, &normalised));
  PetscCall(PetscArraycpy(normalised, image, (size_t)ny * nx));
  /* The whole micrograph is normalised once, as training normalised whole images; tiles are not
   * re-normalised, so neighbouring tiles see the same intensity scale. */
  normalize_image(normalised, ny * nx, p->normalize);
  PetscCall(tiling_apply(tiling, normalised, ny, nx, run_tiles, p, foreground));
  PetscCall(PetscFree(normalised));
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_segment_at_model_scale(Predictor *p, const TilingConfig *tiling, const float *image,
                                                PetscInt ny, PetscInt nx, double px, double py, PetscBool resample,
                                                const char *source, float *foreground, PredictionScale *scale)
{
  PetscFunctionBeginUser;
  *scale = (PredictionScale){1, 1, ny, nx, NULL};
  if (!resample || p->pixel_size <= 0) {
    scale->unchanged = !resample ? "-resample false" : "the model records no pixel size";
    PetscCall(predictor_segment(p, image, ny, nx, tiling, foreground));
    PetscFunctionReturn(0);
  }
  PetscCheck(px > 0 && py > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "micrograph '%s' has no pixel size and model '%s' was trained at %g Angstrom/pixel: give -pixel_size "
             "x[,y] (Angstrom/pixel) to resample it, or -resample false to predict it at its own scale",
             source, p->path, p->pixel_size);
  scale->ny       = resample_length(ny, py, p->pixel_size);
  scale->nx       = resample_length(nx, px, p->pixel_size);
  scale->factor_x = (double)scale->nx / (double)nx;
  scale->factor_y = (double)scale->ny / (double)ny;
  if (scale->ny == ny && scale->nx == nx) {
    PetscCall(predictor_segment(p, image, ny, nx, tiling, foreground));
    PetscFunctionReturn(0);
  }
  float *scaled, *scaled_foreground;
  size_t n = (size_t)scale->ny * scale->nx;
  PetscCall(PetscMalloc2(n, &scaled, n, &scaled_foreground));
  PetscCall(resample_image(image, ny, nx, scale->ny, scale->nx, scaled));
  PetscCall(predictor_segment(p, scaled, scale->ny, scale->nx, tiling, scaled_foreground));
  PetscCall(resample_image(scaled_foreground, scale->ny, scale->nx, ny, nx, foreground));
  PetscCall(PetscFree2(scaled, scaled_foreground));
  PetscFunctionReturn(0);
}

PetscErrorCode predictor_print_scale(const Predictor *p, const char *command, const char *source, double px, double py,
                                     PetscInt ny, PetscInt nx, const PredictionScale *scale)
{
  PetscFunctionBeginUser;
  if (scale->unchanged)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %s: scale factor 1 (%s)\n", command, source, scale->unchanged));
  else
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "%s: %s: %.4g x %.4g Angstrom/pixel to the model's %.4g: scale factor %.4g x %.4g "
                          "(%dx%d predicted as %dx%d)\n",
                          command, source, px, py, p->pixel_size, scale->factor_x, scale->factor_y, (int)nx, (int)ny,
                          (int)scale->nx, (int)scale->ny));
  PetscFunctionReturn(0);
}
