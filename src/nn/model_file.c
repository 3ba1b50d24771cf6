/* model_file.c — the HDF5 model / checkpoint file (serial HDF5, see model_file.h).
 * Every HDF5 call goes through PetscCallHDF5; the file is written to <path>.tmp<pid> and
 * renamed, and every array carries an FNV-1a checksum checked on load. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <hdf5.h>
#include "nn/tensor.h"
#include "core/checked_size.h"
#include "core/hdf5_attribute.h"
#include "nn/model_file.h"
#include "core/error_check.h"

#define MODEL_FORMAT         "nanoforge-unet"
#define MODEL_FORMAT_VERSION 1

PetscErrorCode model_training_state_clear(ModelTrainingState *state)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(state->options));
  PetscCall(PetscFree(state->provenance));
  PetscCall(PetscFree(state->metric_names));
  PetscCall(PetscFree(state->metrics));
  memset(state, 0, sizeof(*state));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- attribute helpers */

static PetscErrorCode write_int(hid_t object, const char *name, int64_t value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_NATIVE_INT64, H5T_NATIVE_INT64, &value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_uint(hid_t object, const char *name, uint64_t value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_NATIVE_UINT64, H5T_NATIVE_UINT64, &value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_double(hid_t object, const char *name, double value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_NATIVE_DOUBLE, H5T_NATIVE_DOUBLE, &value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_attribute(hid_t object, const char *name, hid_t type, void *value, const char *path)
{
  hid_t  attribute;
  htri_t exists;

  PetscFunctionBegin;
  exists = H5Aexists(object, name);
  PetscCallHDF5(exists, name, path);
  PetscCheck(exists > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is not a nanoforge model or is damaged: attribute '%s' is missing", path, name);
  attribute = H5Aopen(object, name, H5P_DEFAULT);
  PetscCallHDF5(attribute, name, path);
  PetscCallHDF5(H5Aread(attribute, type, value), name, path);
  PetscCallHDF5(H5Aclose(attribute), "close attribute", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_int(hid_t object, const char *name, int64_t *value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(read_attribute(object, name, H5T_NATIVE_INT64, value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_uint(hid_t object, const char *name, uint64_t *value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(read_attribute(object, name, H5T_NATIVE_UINT64, value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_double(hid_t object, const char *name, double *value, const char *path)
{
  PetscFunctionBegin;
  PetscCall(read_attribute(object, name, H5T_NATIVE_DOUBLE, value, path));
  PetscFunctionReturn(0);
}

/* Reads a string attribute into a new PetscMalloc'ed string. */
static PetscErrorCode read_string(hid_t object, const char *name, char **value, const char *path)
{
  hid_t  attribute, file_type, memory_type;
  size_t size;
  htri_t exists;

  PetscFunctionBegin;
  exists = H5Aexists(object, name);
  PetscCallHDF5(exists, name, path);
  PetscCheck(exists > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "model file '%s': attribute '%s' is missing", path,
             name);
  attribute = H5Aopen(object, name, H5P_DEFAULT);
  PetscCallHDF5(attribute, name, path);
  file_type = H5Aget_type(attribute);
  PetscCallHDF5(file_type, "attribute type", path);
  size = H5Tget_size(file_type);
  PetscCheck(size > 0 && size < ((size_t)1 << 30), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s': attribute '%s' has a bad size", path, name);
  memory_type = H5Tcopy(H5T_C_S1);
  PetscCallHDF5(memory_type, "copy string type", path);
  PetscCallHDF5(H5Tset_size(memory_type, size + 1), "set string size", path);
  PetscCall(PetscCalloc1(size + 2, value));
  PetscCallHDF5(H5Aread(attribute, memory_type, *value), name, path);
  PetscCallHDF5(H5Tclose(memory_type), "close type", path);
  PetscCallHDF5(H5Tclose(file_type), "close type", path);
  PetscCallHDF5(H5Aclose(attribute), "close attribute", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_split(hid_t group, const ModelSplit *split, const char *path)
{
  PetscFunctionBegin;
  PetscCall(write_uint(group, "split_seed", split->seed, path));
  PetscCall(write_double(group, "split_validation_fraction", split->validation_fraction, path));
  PetscCall(hdf5_attribute_write_string(group, "split_grouping", split->grouping, path));
  PetscCall(hdf5_attribute_write_string(group, "split_select", split->select, path));
  PetscCall(hdf5_attribute_write_string(group, "split_column_group", split->column_group, path));
  PetscFunctionReturn(0);
}

/* The split attributes of /training; a model of an older version has none (present = false). */
static PetscErrorCode read_split(hid_t group, ModelSplit *split, const char *path)
{
  htri_t    exists;
  PetscBool found[3];
  PetscFunctionBegin;
  PetscCall(PetscMemzero(split, sizeof *split));
  PetscCallHDF5(exists = H5Aexists(group, "split_seed"), "split_seed", path);
  if (exists <= 0) PetscFunctionReturn(0);
  PetscCall(read_uint(group, "split_seed", &split->seed, path));
  PetscCall(read_double(group, "split_validation_fraction", &split->validation_fraction, path));
  PetscCall(
    hdf5_attribute_read_string(group, "split_grouping", split->grouping, sizeof split->grouping, &found[0], path));
  PetscCall(hdf5_attribute_read_string(group, "split_select", split->select, sizeof split->select, &found[1], path));
  PetscCall(hdf5_attribute_read_string(group, "split_column_group", split->column_group, sizeof split->column_group,
                                       &found[2], path));
  PetscCheck(found[0] && found[1] && found[2], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is damaged: /training has split_seed but not every split_* attribute", path);
  split->present = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode write_scale(hid_t group, const ModelScale *scale, const char *path)
{
  PetscFunctionBegin;
  PetscCall(write_double(group, "pixel_size_A", scale->pixel_size, path));
  PetscCall(hdf5_attribute_write_string(group, "normalize", scale->normalize, path));
  PetscFunctionReturn(0);
}

/* The scale attributes of /training; a model of an older version has none (present = false). */
static PetscErrorCode read_scale(hid_t group, ModelScale *scale, const char *path)
{
  htri_t    exists;
  PetscBool found;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(scale, sizeof *scale));
  PetscCallHDF5(exists = H5Aexists(group, "pixel_size_A"), "pixel_size_A", path);
  if (exists <= 0) PetscFunctionReturn(0);
  PetscCall(read_double(group, "pixel_size_A", &scale->pixel_size, path));
  PetscCall(hdf5_attribute_read_string(group, "normalize", scale->normalize, sizeof scale->normalize, &found, path));
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is damaged: /training has pixel_size_A but not normalize", path);
  PetscCheck(scale->pixel_size >= 0 && isfinite(scale->pixel_size), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s': /training pixel_size_A %g; allowed >= 0 (0 = unknown)", path, scale->pixel_size);
  scale->present = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* One reader of the /training attributes (split or scale) of a model file. */
typedef PetscErrorCode (*TrainingAttributeReader)(hid_t group, void *value, const char *path);

static PetscErrorCode read_training_attributes(const char *path, TrainingAttributeReader reader, void *value)
{
  hid_t file, group;
  PetscFunctionBegin;
  PetscCallHDF5(file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "opening the model file", path);
  htri_t         exists = H5Lexists(file, "training", H5P_DEFAULT);
  PetscErrorCode ierr   = 0;
  if (exists > 0) {
    PetscCallHDF5(group = H5Gopen2(file, "training", H5P_DEFAULT), "open group /training", path);
    ierr = reader(group, value, path);
    H5Gclose(group);
  }
  PetscCallHDF5(H5Fclose(file), "closing the model file", path);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_split_any(hid_t group, void *split, const char *path)
{
  return read_split(group, (ModelSplit *)split, path);
}

static PetscErrorCode read_scale_any(hid_t group, void *scale, const char *path)
{
  return read_scale(group, (ModelScale *)scale, path);
}

PetscErrorCode model_file_read_split(const char *path, ModelSplit *split)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(split, sizeof *split));
  PetscCall(read_training_attributes(path, read_split_any, split));
  PetscFunctionReturn(0);
}

PetscErrorCode model_file_read_scale(const char *path, ModelScale *scale)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(scale, sizeof *scale));
  PetscCall(read_training_attributes(path, read_scale_any, scale));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- dataset helpers */

/* 1-D (rows = 0) or 2-D dataset with a checksum attribute. */
static PetscErrorCode write_array(hid_t group, const char *name, hid_t type, const void *data, size_t rows,
                                  size_t columns, size_t element_size, const char *path, hid_t *dataset_out)
{
  hsize_t dims[2] = {rows ? rows : columns, columns};
  int     rank    = rows ? 2 : 1;
  hid_t   space, dataset;
  size_t  count = rows ? rows * columns : columns;

  PetscFunctionBegin;
  space = H5Screate_simple(rank, dims, NULL);
  PetscCallHDF5(space, "create dataspace", path);
  dataset = H5Dcreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(dataset, name, path);
  if (count) PetscCallHDF5(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name, path);
  PetscCall(write_uint(dataset, "checksum", tensor_checksum(data, count * element_size), path));
  PetscCallHDF5(H5Sclose(space), "close dataspace", path);
  if (dataset_out)
    *dataset_out = dataset;
  else
    PetscCallHDF5(H5Dclose(dataset), "close dataset", path);
  PetscFunctionReturn(0);
}

/* Reads a dataset of exactly `count` elements into data and verifies its checksum. */
static PetscErrorCode read_array(hid_t group, const char *name, hid_t type, void *data, size_t count,
                                 size_t element_size, const char *path)
{
  hid_t    dataset, space;
  hssize_t points;
  uint64_t stored;
  htri_t   exists;

  PetscFunctionBegin;
  exists = H5Lexists(group, name, H5P_DEFAULT);
  PetscCallHDF5(exists, name, path);
  PetscCheck(exists > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "model file '%s' has no dataset '%s'", path, name);
  dataset = H5Dopen2(group, name, H5P_DEFAULT);
  PetscCallHDF5(dataset, name, path);
  space = H5Dget_space(dataset);
  PetscCallHDF5(space, "dataspace", path);
  points = H5Sget_simple_extent_npoints(space);
  PetscCallHDF5(points, "dataspace size", path);
  PetscCheck((size_t)points == count, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s': dataset '%s' has %lld values, expected %zu", path, name, (long long)points, count);
  if (count) {
    herr_t status;
    H5E_BEGIN_TRY { status = H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data); }
    H5E_END_TRY;
    PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "model file '%s' is corrupt: dataset '%s' cannot be read", path, name);
  }
  PetscCall(read_uint(dataset, "checksum", &stored, path));
  PetscCheck(stored == tensor_checksum(data, count * element_size), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is corrupt: checksum of '%s' does not match its contents", path, name);
  PetscCallHDF5(H5Sclose(space), "close dataspace", path);
  PetscCallHDF5(H5Dclose(dataset), "close dataset", path);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- write */

static PetscErrorCode write_config(hid_t file, const UNetConfig *c, int height, int width, const char *path)
{
  char text[256];

  PetscFunctionBegin;
  PetscCall(hdf5_attribute_write_string(file, "format", MODEL_FORMAT, path));
  PetscCall(write_int(file, "format_version", MODEL_FORMAT_VERSION, path));
  PetscCall(write_int(file, "depth", c->depth, path));
  PetscCall(write_int(file, "base_filters", c->base_filters, path));
  PetscCall(write_int(file, "block", c->block, path));
  PetscCall(write_int(file, "decoder", c->decoder, path));
  PetscCall(write_int(file, "head", c->head, path));
  PetscCall(write_int(file, "in_channels", c->in_channels, path));
  PetscCall(write_int(file, "batchnorm", c->batchnorm ? 1 : 0, path));
  PetscCall(write_int(file, "train_height", height, path));
  PetscCall(write_int(file, "train_width", width, path));
  unet_config_describe(c, text, sizeof(text));
  PetscCall(hdf5_attribute_write_string(file, "architecture", text, path));
  PetscFunctionReturn(0);
}

/* Everything the model file holds, written into the open (temporary) file. */
static PetscErrorCode write_model_contents(hid_t file, const char *temporary, UNet *net, Optimizer *optimizer,
                                           const ModelTrainingState *state)
{
  hid_t group, dataset;
  int   height, width;

  PetscFunctionBegin;
  unet_size(net, &height, &width, NULL);
  PetscCall(write_config(file, unet_config(net), height, width, temporary));
  PetscCall(hdf5_attribute_write_string(file, "provenance", state ? state->provenance : NULL, temporary));
  PetscCall(hdf5_attribute_write_string(file, "options", state ? state->options : NULL, temporary));
  PetscCall(write_array(file, "parameters", H5T_NATIVE_FLOAT, unet_parameters(net), 0, unet_parameter_count(net),
                        sizeof(float), temporary, NULL));
  PetscCall(write_array(file, "batchnorm_state", H5T_NATIVE_FLOAT, unet_batchnorm_state(net), 0,
                        unet_batchnorm_state_count(net), sizeof(float), temporary, NULL));
  if (optimizer) {
    const OptimizerConfig *c = optimizer_config(optimizer);
    group                    = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCallHDF5(group, "create group /optimizer", temporary);
    PetscCall(write_array(group, "state", H5T_NATIVE_FLOAT, optimizer_state(optimizer), 0,
                          optimizer_state_count(optimizer), sizeof(float), temporary, &dataset));
    PetscCall(hdf5_attribute_write_string(dataset, "kind", optimizer_kind_name(c->kind), temporary));
    PetscCall(write_int(dataset, "steps", optimizer_steps(optimizer), temporary));
    PetscCall(write_double(dataset, "learning_rate", c->learning_rate, temporary));
    PetscCall(write_double(dataset, "beta1", c->beta1, temporary));
    PetscCall(write_double(dataset, "beta2", c->beta2, temporary));
    PetscCall(write_double(dataset, "epsilon", c->epsilon, temporary));
    PetscCall(write_double(dataset, "momentum", c->momentum, temporary));
    PetscCall(write_double(dataset, "weight_decay", c->weight_decay, temporary));
    PetscCall(write_double(dataset, "epoch_decay", c->epoch_decay, temporary));
    PetscCall(write_int(dataset, "warmup_steps", c->warmup_steps, temporary));
    PetscCallHDF5(H5Dclose(dataset), "close dataset", temporary);
    PetscCallHDF5(H5Gclose(group), "close group", temporary);
  }
  if (state) {
    group = H5Gcreate2(file, "training", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCallHDF5(group, "create group /training", temporary);
    PetscCall(write_int(group, "epoch", state->epoch, temporary));
    PetscCall(write_int(group, "step", state->step, temporary));
    PetscCall(write_uint(group, "seed", state->seed, temporary));
    PetscCall(write_double(group, "best_score", state->best_score, temporary));
    if (state->split.present) PetscCall(write_split(group, &state->split, temporary));
    if (state->scale.present) PetscCall(write_scale(group, &state->scale, temporary));
    PetscCall(
      write_array(group, "rng_state", H5T_NATIVE_UINT64, state->rng_state, 0, 4, sizeof(uint64_t), temporary, NULL));
    PetscCheck(state->metrics_rows >= 0 && state->metrics_columns >= 0 && (state->metrics_rows == 0 || state->metrics),
               PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "metrics table %d × %d without data", state->metrics_rows,
               state->metrics_columns);
    if (state->metrics_rows > 0 && state->metrics_columns > 0) {
      PetscCall(write_array(group, "metrics", H5T_NATIVE_DOUBLE, state->metrics, (size_t)state->metrics_rows,
                            (size_t)state->metrics_columns, sizeof(double), temporary, &dataset));
      PetscCall(hdf5_attribute_write_string(dataset, "column_names", state->metric_names, temporary));
      PetscCallHDF5(H5Dclose(dataset), "close dataset", temporary);
    }
    PetscCallHDF5(H5Gclose(group), "close group", temporary);
  }
  PetscCallHDF5(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush", temporary);
  PetscFunctionReturn(0);
}

PetscErrorCode model_file_write(const char *path, UNet *net, Optimizer *optimizer, const ModelTrainingState *state)
{
  char  temporary[PETSC_MAX_PATH_LEN];
  hid_t file;

  PetscFunctionBegin;
  /* The process id keeps two runs writing the same -o from sharing a temporary. */
  PetscCall(PetscSNPrintf(temporary, sizeof(temporary), "%s.tmp%d", path, (int)getpid()));
  file = H5Fcreate(temporary, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(file, "create", temporary);
  PetscErrorCode status = write_model_contents(file, temporary, net, optimizer, state);
  if (status) { /* a half-written temporary is of no use to anyone: remove it */
    H5Fclose(file);
    unlink(temporary);
    PetscCall(status);
  }
  PetscCallHDF5(H5Fclose(file), "close", temporary);
  /* the data must be on disk before the rename makes it the real file (crash safety) */
  int descriptor;
  PetscCallErrno(descriptor = open(temporary, O_RDONLY), "cannot reopen for fsync", temporary);
  PetscCallErrno(fsync(descriptor), "fsync", temporary);
  PetscCallErrno(close(descriptor), "close", temporary);
  PetscCallErrno(rename(temporary, path), "cannot rename the finished model file to", path);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- read */

static PetscErrorCode open_model(const char *path, hid_t *file)
{
  PetscFunctionBegin;
  FILE *probe = fopen(path, "rb");
  PetscCheckPointerErrno(probe, "cannot open model file", path);
  fclose(probe);
  H5E_BEGIN_TRY { *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  PetscCheck(*file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is not a readable HDF5 file (truncated or corrupt?)", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_config(hid_t file, const char *path, UNetConfig *c, int *height, int *width)
{
  char   *format;
  int64_t v[10];

  PetscFunctionBegin;
  PetscCall(read_string(file, "format", &format, path));
  if (strcmp(format, MODEL_FORMAT)) {
    char found[64];
    PetscCall(PetscStrncpy(found, format, sizeof found));
    PetscCall(PetscFree(format)); /* no leak on the error path */
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "'%s' is not a nanoforge model file (format '%s', expected '%s')", path, found, MODEL_FORMAT);
  }
  PetscCall(PetscFree(format));
  PetscCall(read_int(file, "format_version", &v[0], path));
  PetscCheck(v[0] == MODEL_FORMAT_VERSION, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' has format version %lld; this program reads version %d", path, (long long)v[0],
             MODEL_FORMAT_VERSION);
  PetscCall(read_int(file, "depth", &v[1], path));
  PetscCall(read_int(file, "base_filters", &v[2], path));
  PetscCall(read_int(file, "block", &v[3], path));
  PetscCall(read_int(file, "decoder", &v[4], path));
  PetscCall(read_int(file, "head", &v[5], path));
  PetscCall(read_int(file, "in_channels", &v[6], path));
  PetscCall(read_int(file, "batchnorm", &v[7], path));
  PetscCall(read_int(file, "train_height", &v[8], path));
  PetscCall(read_int(file, "train_width", &v[9], path));
  /* In 64 bits before the casts to int: 2^32 + 4 must not pass as depth 4. */
  static const char *const names[10]   = {"format_version", "depth",       "base_filters", "block",        "decoder",
                                          "head",           "in_channels", "batchnorm",    "train_height", "train_width"};
  static const int64_t     highest[10] = {MODEL_FORMAT_VERSION, 8, 1024, 1, 1, 1, 64, 1, 65536, 65536};
  for (int i = 1; i < 10; i++)
    PetscCheck(v[i] >= (i >= 8 ? 1 : 0) && v[i] <= highest[i], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "model file '%s': attribute %s = %lld; allowed: %d to %lld", path, names[i], (long long)v[i],
               i >= 8 ? 1 : 0, (long long)highest[i]);
  c->depth        = (int)v[1];
  c->base_filters = (int)v[2];
  c->block        = (UNetBlock)v[3];
  c->decoder      = (UNetDecoder)v[4];
  c->head         = (UNetHead)v[5];
  c->in_channels  = (int)v[6];
  c->batchnorm    = v[7] ? PETSC_TRUE : PETSC_FALSE;
  if (height) *height = (int)v[8];
  if (width) *width = (int)v[9];
  PetscCall(unet_config_check(c));
  PetscFunctionReturn(0);
}

/* Values stored in dataset `name`, or -1 when it is absent. */
static PetscErrorCode stored_count(hid_t file, const char *name, const char *path, long long *count)
{
  htri_t exists = H5Lexists(file, name, H5P_DEFAULT);

  PetscFunctionBegin;
  PetscCallHDF5(exists, name, path);
  *count = -1;
  if (!exists) PetscFunctionReturn(0);
  hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCallHDF5(dataset, name, path);
  hid_t space = H5Dget_space(dataset);
  PetscCallHDF5(space, "dataspace", path);
  hssize_t points = H5Sget_simple_extent_npoints(space);
  PetscCallHDF5(points, "dataspace size", path);
  *count = (long long)points;
  PetscCallHDF5(H5Sclose(space), "close dataspace", path);
  PetscCallHDF5(H5Dclose(dataset), "close dataset", path);
  PetscFunctionReturn(0);
}

/* Before any network is built from a file's attributes: the weights stored must be exactly the
 * ones these attributes describe, and the network must fit the memory limit. A file claiming
 * depth 8 and 1024 filters over a few weights is refused here, not after gigabytes are allocated. */
static PetscErrorCode check_config_against_weights(hid_t file, const char *path, const UNetConfig *config, int height,
                                                   int width)
{
  size_t    parameters, bn_state, limit;
  double    bytes;
  long long stored;
  char      description[256];

  PetscFunctionBegin;
  PetscCheck(height % (1 << config->depth) == 0 && width % (1 << config->depth) == 0, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "model file '%s': training size %d x %d is not a multiple of 2^depth = %d",
             path, height, width, 1 << config->depth);
  PetscCall(unet_estimate(config, height, width, 1, &parameters, &bn_state, &bytes));
  unet_config_describe(config, description, sizeof description);
  PetscCall(stored_count(file, "parameters", path, &stored));
  PetscCheck(stored == (long long)parameters, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is damaged: it describes a network (%s) of %zu weights but stores %lld", path,
             description, parameters, stored);
  PetscCall(stored_count(file, "batchnorm_state", path, &stored));
  PetscCheck(stored == (long long)bn_state, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "model file '%s' is damaged: it describes a network (%s) with %zu batch-norm values but stores %lld", path,
             description, bn_state, stored);
  PetscCall(memory_limit_bytes(&limit));
  PetscCheck(
    bytes <= (double)limit, PETSC_COMM_SELF, PETSC_ERR_MEM,
    "model file '%s': its network (%s) at %d x %d needs about %.3g GB, more than the memory limit of %.3g GB (-memory_limit)",
    path, description, height, width, bytes / 1e9, (double)limit / 1e9);
  PetscFunctionReturn(0);
}

PetscErrorCode model_file_read_config(const char *path, UNetConfig *config, int *train_height, int *train_width)
{
  hid_t file;
  int   height, width;

  PetscFunctionBegin;
  PetscCall(open_model(path, &file));
  PetscErrorCode failed = read_config(file, path, config, &height, &width);
  if (!failed) failed = check_config_against_weights(file, path, config, height, width);
  if (failed) {
    H5Fclose(file); /* not left open on the error path */
    PetscCall(failed);
  }
  if (train_height) *train_height = height;
  if (train_width) *train_width = width;
  PetscCallHDF5(H5Fclose(file), "close", path);
  PetscFunctionReturn(0);
}

static int config_equal(const UNetConfig *a, const UNetConfig *b)
{
  return a->depth == b->depth && a->base_filters == b->base_filters && a->block == b->block &&
         a->decoder == b->decoder && a->head == b->head && a->in_channels == b->in_channels &&
         !a->batchnorm == !b->batchnorm;
}

PetscErrorCode model_file_load(const char *path, UNet *net, Optimizer *optimizer, ModelTrainingState *state)
{
  hid_t      file, group;
  UNetConfig stored;

  PetscFunctionBegin;
  PetscCall(open_model(path, &file));
  PetscCall(read_config(file, path, &stored, NULL, NULL));
  if (!config_equal(&stored, unet_config(net))) {
    char have[256], want[256];
    unet_config_describe(&stored, have, sizeof(have));
    unet_config_describe(unet_config(net), want, sizeof(want));
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "model file '%s' was made for %s; this run asks for %s", path, have,
            want);
  }
  PetscCall(read_array(file, "parameters", H5T_NATIVE_FLOAT, unet_parameters(net), unet_parameter_count(net),
                       sizeof(float), path));
  PetscCall(read_array(file, "batchnorm_state", H5T_NATIVE_FLOAT, unet_batchnorm_state(net),
                       unet_batchnorm_state_count(net), sizeof(float), path));
  if (optimizer) {
    htri_t  exists = H5Lexists(file, "optimizer", H5P_DEFAULT);
    char   *kind;
    int64_t steps;
    hid_t   dataset;
    PetscCallHDF5(exists, "optimizer", path);
    PetscCheck(exists > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "model file '%s' holds no optimizer state: it cannot resume training", path);
    group = H5Gopen2(file, "optimizer", H5P_DEFAULT);
    PetscCallHDF5(group, "open group /optimizer", path);
    dataset = H5Dopen2(group, "state", H5P_DEFAULT);
    PetscCallHDF5(dataset, "open /optimizer/state", path);
    PetscCall(read_string(dataset, "kind", &kind, path));
    PetscCheck(!strcmp(kind, optimizer_kind_name(optimizer_config(optimizer)->kind)), PETSC_COMM_SELF,
               PETSC_ERR_USER_INPUT, "model file '%s' was trained with optimizer %s; this run asks for %s", path, kind,
               optimizer_kind_name(optimizer_config(optimizer)->kind));
    PetscCall(PetscFree(kind));
    PetscCall(read_int(dataset, "steps", &steps, path));
    PetscCallHDF5(H5Dclose(dataset), "close dataset", path);
    PetscCall(read_array(group, "state", H5T_NATIVE_FLOAT, optimizer_state(optimizer), optimizer_state_count(optimizer),
                         sizeof(float), path));
    optimizer_set_steps(optimizer, steps);
    PetscCallHDF5(H5Gclose(group), "close group", path);
  }
  if (state) {
    htri_t exists = H5Lexists(file, "training", H5P_DEFAULT);
    PetscCall(model_training_state_clear(state));
    PetscCall(read_string(file, "options", &state->options, path));
    PetscCall(read_string(file, "provenance", &state->provenance, path));
    PetscCallHDF5(exists, "training", path);
    if (exists > 0) {
      int64_t epoch, step;
      group = H5Gopen2(file, "training", H5P_DEFAULT);
      PetscCallHDF5(group, "open group /training", path);
      PetscCall(read_int(group, "epoch", &epoch, path));
      PetscCall(read_int(group, "step", &step, path));
      state->epoch = epoch;
      state->step  = step;
      PetscCall(read_uint(group, "seed", &state->seed, path));
      PetscCall(read_double(group, "best_score", &state->best_score, path));
      PetscCall(read_split(group, &state->split, path));
      PetscCall(read_scale(group, &state->scale, path));
      PetscCall(read_array(group, "rng_state", H5T_NATIVE_UINT64, state->rng_state, 4, sizeof(uint64_t), path));
      exists = H5Lexists(group, "metrics", H5P_DEFAULT);
      PetscCallHDF5(exists, "metrics", path);
      if (exists > 0) {
        hid_t   dataset = H5Dopen2(group, "metrics", H5P_DEFAULT), space;
        hsize_t dims[2];
        PetscCallHDF5(dataset, "open /training/metrics", path);
        space = H5Dget_space(dataset);
        PetscCallHDF5(space, "metrics dataspace", path);
        PetscCheck(H5Sget_simple_extent_ndims(space) == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "model file '%s': /training/metrics is not a table", path);
        PetscCallHDF5(H5Sget_simple_extent_dims(space, dims, NULL), "metrics dims", path);
        PetscCallHDF5(H5Sclose(space), "close dataspace", path);
        PetscCall(read_string(dataset, "column_names", &state->metric_names, path));
        PetscCallHDF5(H5Dclose(dataset), "close dataset", path);
        state->metrics_rows    = (int)dims[0];
        state->metrics_columns = (int)dims[1];
        PetscCall(PetscMalloc1(dims[0] * dims[1], &state->metrics));
        PetscCall(read_array(group, "metrics", H5T_NATIVE_DOUBLE, state->metrics, (size_t)(dims[0] * dims[1]),
                             sizeof(double), path));
      }
      PetscCallHDF5(H5Gclose(group), "close group", path);
    }
  }
  PetscCallHDF5(H5Fclose(file), "close", path);
  PetscFunctionReturn(0);
}
