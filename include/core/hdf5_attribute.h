/* hdf5_attribute.h — scalar and string attributes of HDF5 objects, shared by every file
 * writer and reader (database, emd_file, model_file, the synthetic test databases).
 * Failures become PETSc errors naming the attribute's file (`path`). */
#pragma once
#include <hdf5.h>
#include <petscsys.h>

/* A scalar attribute of `file_type`, written from *value of `memory_type`. */
PetscErrorCode hdf5_attribute_write_scalar(hid_t object, const char *name, hid_t file_type, hid_t memory_type,
                                           const void *value, const char *path);
/* A null-terminated fixed-length ASCII string attribute (NULL is written as ""). */
PetscErrorCode hdf5_attribute_write_string(hid_t object, const char *name, const char *value, const char *path);
/* A string attribute into `value` (truncated to size); found = false when absent. */
PetscErrorCode hdf5_attribute_read_string(hid_t object, const char *name, char *value, size_t size, PetscBool *found,
                                          const char *path);

/* Before reading a dataset of an untrusted file: a compact dataset (data stored in its
 * header) must hold at least as many bytes as its shape and type say. HDF5 1.10 copies the
 * shape's worth of bytes from a shorter compact buffer (a heap over-read found by fuzzing),
 * so a mismatch is refused here, naming the file and the dataset; so is a chunked or contiguous
 * dataset whose stored data would not fit in the file (a damaged chunk index). */
PetscErrorCode hdf5_dataset_check_storage(hid_t dataset, const char *name, const char *path);
