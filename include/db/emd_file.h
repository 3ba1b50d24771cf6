/* emd_file.h — one simulation written as a serial HDF5 file in the EMD v0.2 layout.
 *
 *   /                     version_major = 0, version_minor = 2, provenance attributes
 *   /data/<name>          emd_group_type = 1; dataset `data`; dim1..dimN datasets (coordinate
 *                         vectors) with string attributes `name` and `units` ("[Å]", "[index]")
 *   /parameters           one attribute per parameter (numbers as float64 with a string
 *                         attribute "<name>_units" next to it; strings as strings)
 *
 * The file is written under a temporary name (path + ".tmp.<pid>") and renamed into place
 * by emd_file_commit; destroying an uncommitted file removes the temporary, so an error
 * never leaves a partial file under the requested name. Serial HDF5; no MPI.
 */
#pragma once
#include <hdf5.h>
#include <petscsys.h>
#include "core/provenance.h"

typedef enum { EMD_FLOAT32, EMD_UINT8 } EmdType;

/* One dimension of a dataset: its coordinate vector is step·i, i = 0..n-1. */
typedef struct {
  const char *name;  /* "x", "y", "condition", "real_imaginary" */
  const char *units; /* "[Å]", "[index]" */
  double      step;  /* coordinate spacing */
} EmdDimension;

typedef struct {
  char      path[PETSC_MAX_PATH_LEN];      /* final name */
  char      temporary[PETSC_MAX_PATH_LEN]; /* name while writing */
  hid_t     file;                          /* open HDF5 file, or -1 */
  hid_t     data;                          /* /data group */
  hid_t     parameters;                    /* /parameters group */
  PetscBool committed;                     /* renamed into place */
} EmdFile;

/* Create the temporary file with the root attributes, /data and /parameters, and the
 * provenance (may be NULL) as root attributes. */
PetscErrorCode emd_file_create(const char *path, const Provenance *provenance, EmdFile **file);
/* /data/<name>: an EMD data group holding `data` of `rank` dimensions dims[] (row-major). */
PetscErrorCode emd_file_add_data(EmdFile *file, const char *name, EmdType type, int rank, const hsize_t dims[],
                                 const EmdDimension dimension[], const void *data);
/* A numeric parameter with its units, or a string parameter, in /parameters. */
PetscErrorCode emd_file_add_parameter(EmdFile *file, const char *name, double value, const char *units);
/* A numeric parameter with one value per imaging condition (a float64 array attribute). */
PetscErrorCode emd_file_add_parameter_array(EmdFile *file, const char *name, PetscInt n, const double *values,
                                            const char *units);
PetscErrorCode emd_file_add_parameter_string(EmdFile *file, const char *name, const char *value);
/* Close the file and rename it to its final name. */
PetscErrorCode emd_file_commit(EmdFile *file);
/* Close (if open) and free; an uncommitted temporary file is removed. */
PetscErrorCode emd_file_destroy(EmdFile **file);
