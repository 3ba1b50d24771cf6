/* test_training_split.c — the train/validation split as the model file stores it: a rule
 * written with a model and read back field by field (typed attributes, not option text),
 * through model_file_load as well; a model without a stored split (an older version) refused
 * in one line naming the model and -split all; an unknown grouping refused. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "nn/model_file.h"
#include "train/training.h"
#include "unit.h"

static char model_path[PETSC_MAX_PATH_LEN];

static PetscErrorCode write_model(const char *path, const DatasetSplitRule *rule)
{
  UNetConfig         config;
  UNet              *net;
  ModelTrainingState state = {.epoch = 1, .step = 2, .seed = 5};

  PetscFunctionBeginUser;
  unet_config_default(&config);
  config.depth = 1, config.base_filters = 2;
  PetscCall(unet_create(&config, 8, 8, 1, 3, &net));
  if (rule) training_split_to_model(rule, &state.split);
  PetscCall(model_file_write(path, net, NULL, &state));
  PetscCall(unet_destroy(&net));
  PetscFunctionReturn(0);
}

static void test_split_round_trip(void)
{
  DatasetSplitRule rule = {.seed = 0xfedcba9876543210ULL, .validation_fraction = 0.3, .grouping = SPLIT_BY_IMAGE}, back;
  ModelSplit       stored;
  strcpy(rule.select, "dose>=100,dose<=600");
  strcpy(rule.column_group, "/metadata");
  UNIT_CALL(write_model(model_path, &rule));
  UNIT_CALL(model_file_read_split(model_path, &stored));
  UNIT_CHECK(stored.present && !strcmp(stored.grouping, "image"), "stored split: present %d grouping '%s'",
             (int)stored.present, stored.grouping);
  UNIT_CALL(training_split_from_model(model_path, &stored, &back));
  UNIT_CHECK(back.seed == rule.seed && back.validation_fraction == 0.3 && back.grouping == SPLIT_BY_IMAGE &&
               !strcmp(back.select, rule.select) && !strcmp(back.column_group, "/metadata"),
             "read back: seed %llx fraction %g grouping %d select '%s' group '%s'", (unsigned long long)back.seed,
             back.validation_fraction, (int)back.grouping, back.select, back.column_group);
  /* model_file_load reads the same fields into the training state. */
  UNetConfig         config;
  UNet              *net;
  ModelTrainingState loaded = {0};
  unet_config_default(&config);
  config.depth = 1, config.base_filters = 2;
  UNIT_CALL(unet_create(&config, 8, 8, 1, 3, &net));
  UNIT_CALL(model_file_load(model_path, net, NULL, &loaded));
  UNIT_CHECK(loaded.split.present && loaded.split.seed == rule.seed && !strcmp(loaded.split.select, rule.select),
             "model_file_load: split present %d seed %llx", (int)loaded.split.present,
             (unsigned long long)loaded.split.seed);
  UNIT_CALL(model_training_state_clear(&loaded));
  UNIT_CALL(unet_destroy(&net));
}

static void test_model_without_split_refused(void)
{
  ModelSplit       stored;
  DatasetSplitRule back;
  const char      *text = NULL;
  UNIT_CALL(write_model(model_path, NULL));
  UNIT_CALL(model_file_read_split(model_path, &stored));
  UNIT_CHECK(!stored.present, "a model written without a split reads as having one");
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = training_split_from_model(model_path, &stored, &back);
  (void)PetscPopErrorHandler();
  (void)PetscErrorMessage(code, NULL, (char **)&text);
  UNIT_CHECK(code == PETSC_ERR_USER_INPUT && text && strstr(text, model_path) && strstr(text, "-split all"),
             "error %d '%s': expected one naming the model and -split all", (int)code, text ? text : "");
  strcpy(stored.grouping, "unit");
  stored.present = PETSC_TRUE;
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  code = training_split_from_model(model_path, &stored, &back);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(code == PETSC_ERR_FILE_UNEXPECTED, "an unknown grouping: error %d, expected %d", (int)code,
             (int)PETSC_ERR_FILE_UNEXPECTED);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(model_path, sizeof model_path, "/tmp/nf_test_training_split_%d.h5", (int)getpid());
  UNIT_RUN(test_split_round_trip);
  UNIT_RUN(test_model_without_split_refused);
  remove(model_path);
  return UNIT_END();
}
