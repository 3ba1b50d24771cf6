/* test_nn_model_file.c — the HDF5 model file: bit-identical round trip (weights, BN state,
 * optimizer state, training state, metrics), architecture mismatch and corruption refused;
 * the optimizers against hand-computed updates. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <hdf5.h>
#include "nn/tensor.h"
#include "unit.h"
#include "nn/model_file.h"
#include "nn/loss.h"

static char directory[256];
static char last_message[1024];

/* keeps the first (innermost) error message of a failing call */
static PetscErrorCode capture_handler(MPI_Comm comm, int line, const char *function, const char *file,
                                      PetscErrorCode code, PetscErrorType type, const char *message, void *context)
{
  (void)comm;
  (void)line;
  (void)function;
  (void)file;
  (void)type;
  (void)context;
  if (message && !last_message[0]) snprintf(last_message, sizeof(last_message), "%s", message);
  return code;
}

static void path_in_directory(char *path, size_t size, const char *name)
{
  snprintf(path, size, "%s/%s", directory, name);
}

/* a network after two Adam steps, so weights, BN state and optimizer state are all non-trivial */
static PetscErrorCode trained_network(const UNetConfig *c, UNet **net, Optimizer **opt)
{
  OptimizerConfig oc;
  const int       n = 2, h = 16, w = 16;
  float          *images, *prob, *grad;
  uint8_t         masks[2 * 16 * 16];
  double          loss;

  PetscFunctionBegin;
  PetscCall(unet_create(c, h, w, n, 3, net));
  optimizer_config_default(OPTIMIZER_ADAM, &oc);
  PetscCall(optimizer_create(&oc, unet_parameter_count(*net), opt));
  PetscCall(tensor_alloc(n * h * w, &images));
  PetscCall(tensor_alloc(n * 2 * h * w, &prob));
  PetscCall(tensor_alloc(n * 2 * h * w, &grad));
  for (int i = 0; i < n * h * w; i++)
    images[i] = (float)((i * 7919) % 13) / 13.0f, masks[i] = (uint8_t)(images[i] > 0.5f);
  for (int s = 0; s < 2; s++) {
    PetscCall(unet_zero_gradients(*net));
    PetscCall(unet_forward(*net, images, n, PETSC_TRUE, prob));
    PetscCall(loss_compute(LOSS_CROSS_ENTROPY_DICE, c->head, prob, masks, n, h, w, &loss, grad));
    PetscCall(unet_backward(*net, grad));
    PetscCall(optimizer_step(*opt, unet_parameters(*net), unet_gradients(*net), 1e-3));
  }
  PetscCall(tensor_free(&images));
  PetscCall(tensor_free(&prob));
  PetscCall(tensor_free(&grad));
  PetscFunctionReturn(0);
}

static void small_config(UNetConfig *c)
{
  unet_config_default(c);
  c->depth        = 2;
  c->base_filters = 4;
  c->block        = UNET_BLOCK_RESIDUAL;
}

static void test_round_trip_is_bit_identical(void)
{
  UNetConfig         c, read_back;
  UNet              *net, *copy;
  Optimizer         *opt, *opt_copy;
  ModelTrainingState state = {0}, loaded = {0};
  double             metrics[6] = {0, 0.5, 0.7, 1, 0.3, 0.8};
  char               path[512], tmp[600];
  int                height, width;
  small_config(&c);
  UNIT_CALL(trained_network(&c, &net, &opt));
  state.epoch           = 3;
  state.step            = 123;
  state.seed            = 0xfeedbeefcafeull;
  state.rng_state[0]    = 1;
  state.rng_state[3]    = UINT64_MAX;
  state.best_score      = 0.875;
  state.options         = (char *)"-epochs 2 -seed 5";
  state.provenance      = (char *)"nanoforge test";
  state.metrics_rows    = 2;
  state.metrics_columns = 3;
  state.metric_names    = (char *)"epoch,loss,f1";
  state.metrics         = metrics;
  path_in_directory(path, sizeof(path), "model.h5");
  UNIT_CALL(model_file_write(path, net, opt, &state));
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  UNIT_CHECK(access(tmp, F_OK) != 0, "temporary file %s left behind", tmp);
  UNIT_CALL(model_file_read_config(path, &read_back, &height, &width));
  UNIT_CHECK(!memcmp(&read_back, &c, sizeof(c)) && height == 16 && width == 16, "config or size not read back (%d×%d)",
             height, width);
  UNIT_CALL(unet_create(&c, 32, 32, 1, 99, &copy)); /* another size and seed: the file decides the weights */
  UNIT_CALL(optimizer_create(optimizer_config(opt), unet_parameter_count(copy), &opt_copy));
  UNIT_CALL(model_file_load(path, copy, opt_copy, &loaded));
  UNIT_CHECK(!memcmp(unet_parameters(copy), unet_parameters(net), sizeof(float) * unet_parameter_count(net)),
             "weights differ");
  UNIT_CHECK(
    !memcmp(unet_batchnorm_state(copy), unet_batchnorm_state(net), sizeof(float) * unet_batchnorm_state_count(net)),
    "BN state differs");
  UNIT_CHECK(!memcmp(optimizer_state(opt_copy), optimizer_state(opt), sizeof(float) * optimizer_state_count(opt)),
             "optimizer state differs");
  UNIT_CHECK(optimizer_steps(opt_copy) == 2, "optimizer steps %lld", (long long)optimizer_steps(opt_copy));
  UNIT_CHECK(loaded.epoch == 3 && loaded.step == 123 && loaded.seed == state.seed &&
               loaded.rng_state[3] == UINT64_MAX && loaded.best_score == 0.875,
             "training state not read back");
  UNIT_CHECK(loaded.options && !strcmp(loaded.options, state.options), "options '%s'",
             loaded.options ? loaded.options : "(null)");
  UNIT_CHECK(loaded.metrics_rows == 2 && loaded.metrics_columns == 3 &&
               !memcmp(loaded.metrics, metrics, sizeof(metrics)) && !strcmp(loaded.metric_names, "epoch,loss,f1"),
             "metrics table not read back");
  UNIT_CALL(model_training_state_clear(&loaded));
  unet_destroy(&net);
  unet_destroy(&copy);
  optimizer_destroy(&opt);
  optimizer_destroy(&opt_copy);
}

static void test_architecture_mismatch_refused(void)
{
  UNetConfig c, other;
  UNet      *net, *wrong;
  Optimizer *opt;
  char       path[512];
  small_config(&c);
  UNIT_CALL(trained_network(&c, &net, &opt));
  path_in_directory(path, sizeof(path), "mismatch.h5");
  UNIT_CALL(model_file_write(path, net, NULL, NULL));
  other       = c;
  other.depth = 3;
  UNIT_CALL(unet_create(&other, 16, 16, 1, 1, &wrong));
  last_message[0] = 0;
  PetscPushErrorHandler(capture_handler, NULL);
  PetscErrorCode result = model_file_load(path, wrong, NULL, NULL);
  PetscPopErrorHandler();
  const char *message = result ? last_message : "(no error)";
  UNIT_CHECK(strstr(message, "was made for depth 2, base 4") && strstr(message, "this run asks for depth 3, base 4"),
             "mismatch message: %s", message);
  unet_destroy(&wrong);
  other              = c;
  other.base_filters = 8;
  UNIT_CALL(unet_create(&other, 16, 16, 1, 1, &wrong));
  UNIT_CALL_FAILS(model_file_load(path, wrong, NULL, NULL));
  /* the file has no optimizer state: resuming from it is refused */
  unet_destroy(&wrong);
  UNIT_CALL(unet_create(&c, 16, 16, 1, 1, &wrong));
  UNIT_CALL(model_file_load(path, wrong, NULL, NULL));
  UNIT_CALL_FAILS(model_file_load(path, wrong, opt, NULL));
  unet_destroy(&wrong);
  unet_destroy(&net);
  optimizer_destroy(&opt);
}

static void test_corrupt_file_refused(void)
{
  UNetConfig c;
  UNet      *net;
  Optimizer *opt;
  char       path[512], other[512];
  FILE      *f;
  long       size;
  small_config(&c);
  UNIT_CALL(trained_network(&c, &net, &opt));
  path_in_directory(path, sizeof(path), "corrupt.h5");
  UNIT_CALL(model_file_write(path, net, opt, NULL));
  /* flip bytes in the middle of the file: the parameter data (the bulk of the file) */
  f = fopen(path, "r+b");
  UNIT_CHECK(f != NULL, "cannot reopen %s", path);
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  for (long at = size / 2; at < size / 2 + 16; at++) {
    fseek(f, at, SEEK_SET);
    int byte = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(byte ^ 0x5a, f);
  }
  fclose(f);
  last_message[0] = 0;
  PetscPushErrorHandler(capture_handler, NULL);
  PetscErrorCode result = model_file_load(path, net, opt, NULL);
  PetscPopErrorHandler();
  UNIT_CHECK(result && strstr(last_message, "corrupt"), "corruption not reported: %s", last_message);
  /* a truncated file */
  path_in_directory(other, sizeof(other), "truncated.h5");
  UNIT_CALL(model_file_write(other, net, opt, NULL));
  UNIT_CHECK(truncate(other, 1000) == 0, "truncate failed");
  UNIT_CALL_FAILS(model_file_load(other, net, opt, NULL));
  /* a missing file */
  path_in_directory(other, sizeof(other), "missing.h5");
  UNIT_CALL_FAILS(model_file_load(other, net, NULL, NULL));
  unet_destroy(&net);
  optimizer_destroy(&opt);
}

/* Overwrite an int64 attribute of a model file in place. */
static int set_attribute(const char *path, const char *name, int64_t value)
{
  hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) return -1;
  hid_t  attribute = H5Aopen(file, name, H5P_DEFAULT);
  herr_t status    = attribute < 0 ? -1 : H5Awrite(attribute, H5T_NATIVE_INT64, &value);
  if (attribute >= 0) H5Aclose(attribute);
  H5Fclose(file);
  return status < 0 ? -1 : 0;
}

/* A file whose attributes describe a huge network over a few stored weights (the 6.4 GB case)
 * is refused by model_file_read_config, from the attributes and the stored shapes alone. Without
 * the check read_config accepts depth 8 / base 1024 and the caller builds the network. */
static void test_bogus_attributes_refused_before_building(void)
{
  UNetConfig c, read;
  UNet      *net;
  Optimizer *opt;
  char       path[512];
  int        height, width;
  small_config(&c);
  UNIT_CALL(trained_network(&c, &net, &opt));
  path_in_directory(path, sizeof(path), "bogus.h5");
  const struct {
    const char *name;
    int64_t     value;
    const char *expected;
  } cases[] = {
    {"base_filters", 1024, "stores"},                     /* in range, but not the stored weights */
    {"depth", ((int64_t)1 << 32) + 2, "attribute depth"}, /* passes as 2 if cast to int first */
    {"train_height", -16, "attribute train_height"},
    {"train_width", 18, "multiple of 2^depth"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    UNIT_CALL(model_file_write(path, net, NULL, NULL));
    UNIT_CHECK(set_attribute(path, cases[k].name, cases[k].value) == 0, "cannot set %s", cases[k].name);
    last_message[0] = 0;
    PetscPushErrorHandler(capture_handler, NULL);
    PetscErrorCode result = model_file_read_config(path, &read, &height, &width);
    PetscPopErrorHandler();
    UNIT_CHECK(result && strstr(last_message, cases[k].expected), "%s = %lld: expected an error with '%s', got: %s",
               cases[k].name, (long long)cases[k].value, cases[k].expected, result ? last_message : "(no error)");
  }
  /* the untouched file still reads */
  UNIT_CALL(model_file_write(path, net, NULL, NULL));
  UNIT_CALL(model_file_read_config(path, &read, &height, &width));
  UNIT_CHECK(read.depth == c.depth && height == 16 && width == 16, "config read back: depth %d, %d x %d", read.depth,
             height, width);
  unet_destroy(&net);
  optimizer_destroy(&opt);
}

static void test_optimizer_updates(void)
{
  OptimizerConfig c;
  Optimizer      *opt;
  float           w[2] = {1.0f, -2.0f}, g[2] = {0.5f, -0.25f};
  /* Adam's first step moves every weight by lr·sign(g) (m̂ = g, v̂ = g²), ε aside */
  optimizer_config_default(OPTIMIZER_ADAM, &c);
  UNIT_CALL(optimizer_create(&c, 2, &opt));
  UNIT_CALL(optimizer_step(opt, w, g, 1e-3));
  UNIT_CHECK_RELATIVE(w[0], 1.0 - 1e-3, 1e-6);
  UNIT_CHECK_RELATIVE(w[1], -2.0 + 1e-3, 1e-6);
  optimizer_destroy(&opt);
  /* SGD with momentum 0.9, weight decay 0.1: u1 = g + wd·w, u2 = 0.9 u1 + g + wd·w' */
  optimizer_config_default(OPTIMIZER_SGD, &c);
  c.weight_decay = 0.1;
  UNIT_CALL(optimizer_create(&c, 2, &opt));
  w[0] = 1.0f;
  UNIT_CALL(optimizer_step(opt, w, g, 0.1));
  double u1 = 0.5 + 0.1 * 1.0, w1 = 1.0 - 0.1 * u1;
  UNIT_CHECK_RELATIVE(w[0], w1, 1e-6);
  UNIT_CALL(optimizer_step(opt, w, g, 0.1));
  double u2 = 0.9 * u1 + 0.5 + 0.1 * w1;
  UNIT_CHECK_RELATIVE(w[0], w1 - 0.1 * u2, 1e-6);
  optimizer_destroy(&opt);
  /* schedule: ×0.8 per epoch, linear warm-up */
  optimizer_config_default(OPTIMIZER_ADAM, &c);
  c.warmup_steps = 4;
  UNIT_CHECK_RELATIVE(optimizer_learning_rate(&c, 2, 100), 1e-3 * 0.64, 1e-12);
  UNIT_CHECK_RELATIVE(optimizer_learning_rate(&c, 0, 1), 1e-3 * 0.5, 1e-12);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(directory, sizeof(directory), "/tmp/nn_model_file_test_XXXXXX");
  if (!mkdtemp(directory)) return 1;
  UNIT_RUN(test_round_trip_is_bit_identical);
  UNIT_RUN(test_architecture_mismatch_refused);
  UNIT_RUN(test_corrupt_file_refused);
  UNIT_RUN(test_bogus_attributes_refused_before_building);
  UNIT_RUN(test_optimizer_updates);
  char command[300];
  snprintf(command, sizeof(command), "rm -rf %s", directory);
  if (system(command)) printf("could not remove %s\n", directory);
  return UNIT_END();
}
