/* checkpoint.h — rotating training checkpoints on top of the model file (model_file.h).
 *
 * Files: "<stem>_checkpoint_EEEE.h5" for the state at the end of epoch EEEE (each written to
 * a temporary name and renamed by model_file_write), "<stem>_best.h5" for the best model by
 * validation F1, "<stem>.h5" (the -o path) for the final model. Only the newest K checkpoints
 * are kept. Resuming loads the newest one that reads back cleanly: an unreadable or corrupt
 * newest checkpoint is reported by name and the previous one is used. Serial: rank 0 writes;
 * every rank may load (read-only). */
#pragma once
#include <petscsys.h>
#include "nn/model_file.h"

/* "<dir>/<name without .h5>" of a model path, e.g. "out/model.h5" → "out/model". */
PetscErrorCode checkpoint_stem(const char *model_path, char *stem, size_t size);
/* "<stem>_checkpoint_EEEE.h5". */
PetscErrorCode checkpoint_path(const char *stem, PetscInt epoch, char *path, size_t size);
/* "<stem>_best.h5". */
PetscErrorCode checkpoint_best_path(const char *stem, char *path, size_t size);
/* Epochs of the checkpoints present, newest first (PetscMalloc1; free with PetscFree). */
PetscErrorCode checkpoint_list(const char *stem, PetscInt *count, PetscInt **epochs);
/* Write the checkpoint of `epoch`, then delete all but the newest `keep` (keep >= 1). */
PetscErrorCode checkpoint_save(const char *stem, PetscInt epoch, PetscInt keep, UNet *net, Optimizer *optimizer,
                               const ModelTrainingState *state);
/* Load the newest readable checkpoint into net, optimizer, state; *epoch = its epoch, or -1 if
 * there is none (nothing loaded). Each unreadable newer one is named on stderr (rank-0 caller
 * prints) with "falling back to ...". `verbose` prints those notes. */
PetscErrorCode checkpoint_load_latest(const char *stem, UNet *net, Optimizer *optimizer, ModelTrainingState *state,
                                      PetscBool verbose, PetscInt *epoch);
