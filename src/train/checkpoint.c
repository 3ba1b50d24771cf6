/* checkpoint.c — checkpoint names, rotation (keep the newest K), and resuming from the newest
 * readable one with fallback past corrupt files. Built on model_file.h (serial HDF5). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "train/checkpoint.h"
#include "core/error_check.h"

PetscErrorCode checkpoint_stem(const char *model_path, char *stem, size_t size)
{
  size_t length = strlen(model_path);

  PetscFunctionBeginUser;
  PetscCheck(length > 0 && length + 1 < size, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-o '%s': empty or too long a path", model_path);
  PetscCall(PetscStrncpy(stem, model_path, size));
  if (length > 3 && !strcmp(stem + length - 3, ".h5"))
    stem[length - 3] = '\0';
  else if (length > 5 && !strcmp(stem + length - 5, ".hdf5"))
    stem[length - 5] = '\0';
  PetscFunctionReturn(0);
}

PetscErrorCode checkpoint_path(const char *stem, PetscInt epoch, char *path, size_t size)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, size, "%s_checkpoint_%04d.h5", stem, (int)epoch));
  PetscFunctionReturn(0);
}

PetscErrorCode checkpoint_best_path(const char *stem, char *path, size_t size)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, size, "%s_best.h5", stem));
  PetscFunctionReturn(0);
}

static int compare_descending(const void *a, const void *b)
{
  PetscInt x = *(const PetscInt *)a, y = *(const PetscInt *)b;
  return (x < y) - (x > y);
}

PetscErrorCode checkpoint_list(const char *stem, PetscInt *count, PetscInt **epochs)
{
  char           directory[PETSC_MAX_PATH_LEN], prefix[PETSC_MAX_PATH_LEN];
  const char    *slash = strrchr(stem, '/');
  DIR           *dir;
  struct dirent *entry;
  PetscInt       n = 0, capacity = 16;

  PetscFunctionBeginUser;
  if (slash) {
    PetscCall(PetscStrncpy(directory, stem, PetscMin(sizeof directory, (size_t)(slash - stem) + 1)));
    if (!directory[0]) PetscCall(PetscStrncpy(directory, "/", sizeof directory));
    PetscCall(PetscSNPrintf(prefix, sizeof prefix, "%s_checkpoint_", slash + 1));
  } else {
    PetscCall(PetscStrncpy(directory, ".", sizeof directory));
    PetscCall(PetscSNPrintf(prefix, sizeof prefix, "%s_checkpoint_", stem));
  }
  PetscCall(PetscMalloc1(capacity, epochs));
  dir = opendir(directory);
  if (dir) {
    size_t prefix_length = strlen(prefix);
    while ((entry = readdir(dir))) {
      const char *name = entry->d_name;
      char       *end;
      if (strncmp(name, prefix, prefix_length)) continue;
      long epoch = strtol(name + prefix_length, &end, 10);
      if (end == name + prefix_length || strcmp(end, ".h5")) continue; /* skips "*.h5.tmp" leftovers */
      if (n == capacity) {
        PetscInt *grown;
        PetscCall(PetscMalloc1(2 * capacity, &grown));
        PetscCall(PetscArraycpy(grown, *epochs, n));
        PetscCall(PetscFree(*epochs));
        *epochs = grown, capacity *= 2;
      }
      (*epochs)[n++] = (PetscInt)epoch;
    }
    closedir(dir);
  }
  qsort(*epochs, (size_t)n, sizeof(PetscInt), compare_descending);
  *count = n;
  PetscFunctionReturn(0);
}

PetscErrorCode checkpoint_save(const char *stem, PetscInt epoch, PetscInt keep, UNet *net, Optimizer *optimizer,
                               const ModelTrainingState *state)
{
  char     path[PETSC_MAX_PATH_LEN];
  PetscInt n, *epochs;

  PetscFunctionBeginUser;
  PetscCheck(keep >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-keep_checkpoints %d: must be at least 1", (int)keep);
  PetscCall(checkpoint_path(stem, epoch, path, sizeof path));
  PetscCall(model_file_write(path, net, optimizer, state));
  PetscCall(checkpoint_list(stem, &n, &epochs));
  for (PetscInt i = keep; i < n; i++) {
    PetscCall(checkpoint_path(stem, epochs[i], path, sizeof path));
    PetscCallErrno(remove(path), "cannot delete the old checkpoint", path);
  }
  PetscCall(PetscFree(epochs));
  PetscFunctionReturn(0);
}

PetscErrorCode checkpoint_load_latest(const char *stem, UNet *net, Optimizer *optimizer, ModelTrainingState *state,
                                      PetscBool verbose, PetscInt *epoch)
{
  PetscInt n, *epochs;
  char     path[PETSC_MAX_PATH_LEN], previous[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBeginUser;
  *epoch = -1;
  PetscCall(checkpoint_list(stem, &n, &epochs));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(checkpoint_path(stem, epochs[i], path, sizeof path));
    PetscCall(model_training_state_clear(state));
    /* A corrupt file must not end the run: catch its error, name it, and try the previous.
     * A readable checkpoint of ANOTHER architecture is a user error, not corruption. */
    UNetConfig file_config;
    int        height, width;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscErrorCode failed = model_file_read_config(path, &file_config, &height, &width);
    PetscCall(PetscPopErrorHandler());
    if (!failed) {
      const UNetConfig *mine = unet_config(net);
      if (file_config.depth != mine->depth || file_config.base_filters != mine->base_filters ||
          file_config.block != mine->block || file_config.decoder != mine->decoder || file_config.head != mine->head ||
          file_config.in_channels != mine->in_channels || file_config.batchnorm != mine->batchnorm) {
        char theirs[256], ours[256];
        unet_config_describe(&file_config, theirs, sizeof theirs);
        unet_config_describe(mine, ours, sizeof ours);
        SETERRQ(
          PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
          "-resume: checkpoint '%s' was made for a U-Net with %s; this run asks for %s (use the same architecture options, or another -o)",
          path, theirs, ours);
      }
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      failed = model_file_load(path, net, optimizer, state);
      PetscCall(PetscPopErrorHandler());
    }
    if (!failed) {
      *epoch = epochs[i];
      if (verbose && previous[0])
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: resuming from the previous checkpoint '%s' (epoch %d) instead\n",
                              path, (int)epochs[i]));
      break;
    }
    const char *text = NULL;
    PetscErrorMessage(failed, &text, NULL);
    if (verbose)
      PetscCall(PetscFPrintf(
        PETSC_COMM_SELF, stderr,
        "train: warning: checkpoint '%s' is corrupt or unreadable (%s); falling back to the previous checkpoint\n",
        path, text ? text : "error"));
    PetscCall(PetscStrncpy(previous, path, sizeof previous));
  }
  PetscCall(PetscFree(epochs));
  if (*epoch < 0 && previous[0])
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "-resume: no checkpoint of '%s' is readable (the oldest tried was '%s')", stem, previous);
  PetscFunctionReturn(0);
}
