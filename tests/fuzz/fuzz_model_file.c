/* fuzz_model_file.c — libFuzzer harness for the model / checkpoint file reader
 * (model_file.c): the configuration, then, for a network small enough to build here,
 * the weights and training state into it, as `segment -model` does. With
 * NF_FUZZ_WRITE_SEED=FILE set, it writes a small model (depth 1, base 4, 16×16, with a
 * training state and metrics) to FILE and exits: the seed corpus is made that way. */
#include <hdf5.h>
#include "nn/unet.h"
#include "nn/model_file.h"

static void fuzz_hdf5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#define FUZZ_SETUP fuzz_hdf5_quiet
#include "fuzz_common.h"

static PetscErrorCode fuzz_write_seed(const char *seed_path)
{
  UNetConfig         config;
  UNet              *net = NULL;
  ModelTrainingState state;
  double             metrics[4] = {1, 0.5, 2, 0.25};

  PetscFunctionBeginUser;
  unet_config_default(&config);
  config.depth        = 1;
  config.base_filters = 4;
  PetscCall(unet_create(&config, 16, 16, 1, 3, &net));
  PetscCall(PetscMemzero(&state, sizeof state));
  state.epoch           = 2;
  state.step            = 10;
  state.seed            = 3;
  state.best_score      = 0.5;
  state.options         = (char *)"-depth 1 -base_filters 4";
  state.provenance      = (char *)"fuzz seed";
  state.metrics_rows    = 2;
  state.metrics_columns = 2;
  state.metric_names    = (char *)"epoch,train_loss";
  state.metrics         = metrics;
  PetscCall(model_file_write(seed_path, net, NULL, &state));
  PetscCall(unet_destroy(&net));
  PetscFunctionReturn(0);
}

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  UNetConfig         config;
  int                height = 0, width = 0;
  UNet              *net = NULL;
  ModelTrainingState state;

  (void)data, (void)size;
  if (getenv("NF_FUZZ_WRITE_SEED")) {
    if (fuzz_write_seed(getenv("NF_FUZZ_WRITE_SEED"))) abort();
    exit(0);
  }
  if (model_file_read_config(path, &config, &height, &width)) return 0;
  /* Refusing a huge network before building it is the reader's job (issue 10); the
   * harness only loads what fits a fuzzer's memory. */
  if (config.depth > 4 || config.base_filters > 16 || height > 256 || width > 256) return 0;
  if (unet_create(&config, height, width, 1, 0, &net)) return 0;
  PetscCall(PetscMemzero(&state, sizeof state));
  if (!model_file_load(path, net, NULL, &state)) PetscCall(model_training_state_clear(&state));
  PetscCall(unet_destroy(&net));
  return 0;
}
