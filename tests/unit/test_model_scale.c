/* test_model_scale.c — the training scale in the model file (model_file.h ModelScale) and its
 * use by inference (inference.h): pixel size and normalisation written as typed /training
 * attributes read back exactly, by model_file_read_scale and model_file_load; the predictor
 * takes the normalisation from the attribute even where the options text says otherwise; a
 * model without the attributes (an older version) reads as absent, and the predictor falls
 * back to -normalize of its options text with no pixel size; an unknown stored normalisation
 * is refused naming the model. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "nn/model_file.h"
#include "train/inference.h"
#include "unit.h"

static char model_path[PETSC_MAX_PATH_LEN];

/* A tiny model with training options `options` and, when scale is non-NULL, that scale. */
static PetscErrorCode write_model(const char *options, const ModelScale *scale)
{
  UNetConfig         config;
  UNet              *net;
  ModelTrainingState state = {.epoch = 1, .step = 2, .seed = 5, .options = (char *)options};

  PetscFunctionBeginUser;
  unet_config_default(&config);
  config.depth = 1, config.base_filters = 2;
  PetscCall(unet_create(&config, 8, 8, 1, 3, &net));
  if (scale) state.scale = *scale;
  PetscCall(model_file_write(model_path, net, NULL, &state));
  PetscCall(unet_destroy(&net));
  PetscFunctionReturn(0);
}

static void test_scale_round_trip(void)
{
  ModelScale         scale  = {.present = PETSC_TRUE, .pixel_size = 0.3125, .normalize = "standard"}, stored;
  ModelTrainingState loaded = {0};
  Predictor         *p      = NULL;
  UNIT_CALL(write_model("-db x.h5 -normalize minmax", &scale));
  UNIT_CALL(model_file_read_scale(model_path, &stored));
  UNIT_CHECK(stored.present && stored.pixel_size == 0.3125 && !strcmp(stored.normalize, "standard"),
             "stored scale: present %d pixel size %.17g normalize '%s'", (int)stored.present, stored.pixel_size,
             stored.normalize);
  UNIT_CALL(predictor_create(model_path, 1, NULL, &p));
  if (p) {
    UNIT_CHECK(p->scale_recorded && p->pixel_size == 0.3125 && p->normalize == NORMALIZE_STANDARD,
               "predictor: recorded %d pixel size %g normalize %d (expected the attribute's standard, not the "
               "options text's minmax)",
               (int)p->scale_recorded, p->pixel_size, (int)p->normalize);
    UNIT_CALL(predictor_destroy(&p));
  }
  UNIT_CALL(predictor_create(model_path, 1, "minmax", &p));
  if (p) UNIT_CHECK(p->normalize == NORMALIZE_MINMAX, "-normalize minmax did not override the model's standard");
  UNIT_CALL(predictor_destroy(&p));
  /* an unknown database pixel size is stored as 0 and still present */
  scale.pixel_size = 0;
  UNIT_CALL(write_model(NULL, &scale));
  {
    UNetConfig config;
    UNet      *net;
    int        h, w;
    UNIT_CALL(model_file_read_config(model_path, &config, &h, &w));
    UNIT_CALL(unet_create(&config, h, w, 1, 0, &net));
    UNIT_CALL(model_file_load(model_path, net, NULL, &loaded));
    UNIT_CHECK(loaded.scale.present && loaded.scale.pixel_size == 0 && !strcmp(loaded.scale.normalize, "standard"),
               "model_file_load: present %d pixel size %g normalize '%s'", (int)loaded.scale.present,
               loaded.scale.pixel_size, loaded.scale.normalize);
    UNIT_CALL(model_training_state_clear(&loaded));
    UNIT_CALL(unet_destroy(&net));
  }
}

static void test_older_model(void)
{
  ModelScale stored;
  Predictor *p = NULL;
  UNIT_CALL(write_model("-db x.h5 -normalize standard -epochs 3", NULL));
  UNIT_CALL(model_file_read_scale(model_path, &stored));
  UNIT_CHECK(!stored.present, "a model written without a scale reads as having one");
  UNIT_CALL(predictor_create(model_path, 1, NULL, &p));
  if (p) {
    UNIT_CHECK(!p->scale_recorded && p->pixel_size == 0 && p->normalize == NORMALIZE_STANDARD,
               "older model: recorded %d pixel size %g normalize %d (expected -normalize standard of the options)",
               (int)p->scale_recorded, p->pixel_size, (int)p->normalize);
    UNIT_CALL(predictor_destroy(&p));
  }
  UNIT_CALL(write_model("-db x.h5", NULL));
  UNIT_CALL(predictor_create(model_path, 1, NULL, &p));
  if (p) UNIT_CHECK(p->normalize == NORMALIZE_MINMAX, "older model without -normalize: expected minmax");
  UNIT_CALL(predictor_destroy(&p));
}

static void test_unknown_normalisation_refused(void)
{
  ModelScale  scale = {.present = PETSC_TRUE, .pixel_size = 1, .normalize = "zscore"};
  Predictor  *p     = NULL;
  const char *text  = NULL;
  UNIT_CALL(write_model(NULL, &scale));
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = predictor_create(model_path, 1, NULL, &p);
  (void)PetscPopErrorHandler();
  (void)PetscErrorMessage(code, NULL, (char **)&text);
  UNIT_CHECK(code == PETSC_ERR_USER_INPUT && text && strstr(text, model_path) && strstr(text, "zscore"),
             "error %d '%s': expected one naming the model and the value", (int)code, text ? text : "");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(model_path, sizeof model_path, "/tmp/nf_test_model_scale_%d.h5", (int)getpid());
  UNIT_RUN(test_scale_round_trip);
  UNIT_RUN(test_older_model);
  UNIT_RUN(test_unknown_normalisation_refused);
  remove(model_path);
  return UNIT_END();
}
