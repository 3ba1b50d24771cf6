/* emd_file.c — serial EMD v0.2 writer for single simulations (see include/emd_file.h).
 * No MPI: the campaign database (database.c) is the parallel writer. */
#include <stdio.h>
#include <unistd.h>
#include "db/database.h"
#include "db/emd_file.h"
#include "core/error_check.h"
#include "core/hdf5_attribute.h"

/* EMD readers expect UTF-8 strings without a terminator (units such as "Å"), unlike the
 * null-terminated ASCII of hdf5_attribute_write_string, so this file keeps its own. */
static PetscErrorCode write_string_attribute(hid_t object, const char *name, const char *value, const char *path)
{
  hid_t type, space, attribute;
  PetscFunctionBeginUser;
  PetscCallHDF5(type = H5Tcopy(H5T_C_S1), "H5Tcopy", path);
  PetscCallHDF5(H5Tset_size(type, value[0] ? strlen(value) : 1), "H5Tset_size", path);
  PetscCallHDF5(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", path);
  PetscCallHDF5(space = H5Screate(H5S_SCALAR), "H5Screate", path);
  PetscCallHDF5(attribute = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), "creating an attribute",
                path);
  PetscCallHDF5(H5Awrite(attribute, type, value[0] ? value : " "), "writing an attribute", path);
  PetscCallHDF5(H5Aclose(attribute), "H5Aclose", path);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
  PetscCallHDF5(H5Tclose(type), "H5Tclose", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_dataset(hid_t group, const char *name, hid_t file_type, hid_t memory_type, int rank,
                                    const hsize_t dims[], const void *data, const char *path)
{
  hid_t space, dataset;
  PetscFunctionBeginUser;
  PetscCallHDF5(space = H5Screate_simple(rank, dims, NULL), "H5Screate_simple", path);
  PetscCallHDF5(dataset = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating a dataset", path);
  PetscCallHDF5(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing a dataset", path);
  PetscCallHDF5(H5Dclose(dataset), "H5Dclose", path);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_create(const char *path, const Provenance *provenance, EmdFile **out)
{
  EmdFile *f;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, &f));
  f->file = f->data = f->parameters = -1;
  PetscCall(PetscStrncpy(f->path, path, sizeof f->path));
  PetscCall(PetscSNPrintf(f->temporary, sizeof f->temporary, "%s.tmp.%d", path, (int)getpid()));
  *out = f;
  /* H5Fcreate failing (no such folder, no permission) is a file error for the user. */
  {
    H5E_auto2_t report;
    void       *report_data;
    /* Silence HDF5's own error stack for this one call: the PETSc error below says it all. */
    (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
    (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    f->file = H5Fcreate(f->temporary, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  }
  PetscCheck(f->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "cannot create the output file '%s' (HDF5 H5Fcreate failed on '%s')", path, f->temporary);
  PetscCall(database_write_emd_version(f->file, path));
  if (provenance) {
    PetscCall(write_string_attribute(f->file, "nanoforge_version", provenance->version, path));
    PetscCall(write_string_attribute(f->file, "git_revision", provenance->git_revision, path));
    PetscCall(write_string_attribute(f->file, "compiler", provenance->compiler, path));
    PetscCall(write_string_attribute(f->file, "build_flags", provenance->build_flags, path));
    PetscCall(write_string_attribute(f->file, "host", provenance->hostname, path));
    PetscCall(write_string_attribute(f->file, "started_utc", provenance->started_utc, path));
    PetscCall(write_string_attribute(f->file, "options", provenance->options ? provenance->options : "", path));
    PetscCall(hdf5_attribute_write_scalar(f->file, "ranks", H5T_STD_I32LE, H5T_NATIVE_INT, &provenance->size, path));
  }
  PetscCallHDF5(f->data = H5Gcreate2(f->file, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating /data", path);
  PetscCallHDF5(f->parameters = H5Gcreate2(f->file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating /parameters", path);
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_add_data(EmdFile *f, const char *name, EmdType type, int rank, const hsize_t dims[],
                                 const EmdDimension dimension[], const void *data)
{
  hid_t group;
  PetscFunctionBeginUser;
  PetscCheck(f->file >= 0, PETSC_COMM_SELF, PETSC_ERR_ORDER, "emd_file_add_data: '%s' is not open", f->path);
  PetscCheck(rank >= 1 && rank <= 8, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "emd_file_add_data: rank %d", rank);
  PetscCallHDF5(group = H5Gcreate2(f->data, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating an EMD data group",
                f->path);
  int group_type = 1;
  PetscCall(hdf5_attribute_write_scalar(group, "emd_group_type", H5T_STD_I32LE, H5T_NATIVE_INT, &group_type, f->path));
  PetscCall(write_dataset(group, "data", type == EMD_FLOAT32 ? H5T_IEEE_F32LE : H5T_STD_U8LE,
                          type == EMD_FLOAT32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_UCHAR, rank, dims, data, f->path));
  for (int d = 0; d < rank; d++) {
    char    dim_name[16];
    double *values;
    hid_t   dataset;
    PetscCall(PetscSNPrintf(dim_name, sizeof dim_name, "dim%d", d + 1));
    PetscCall(PetscMalloc1(dims[d], &values));
    for (hsize_t i = 0; i < dims[d]; i++) values[i] = dimension[d].step * (double)i;
    PetscCall(write_dataset(group, dim_name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dims[d], values, f->path));
    PetscCall(PetscFree(values));
    PetscCallHDF5(dataset = H5Dopen2(group, dim_name, H5P_DEFAULT), "H5Dopen2", f->path);
    PetscCall(write_string_attribute(dataset, "name", dimension[d].name, f->path));
    PetscCall(write_string_attribute(dataset, "units", dimension[d].units, f->path));
    PetscCallHDF5(H5Dclose(dataset), "H5Dclose", f->path);
  }
  PetscCallHDF5(H5Gclose(group), "H5Gclose", f->path);
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_add_parameter(EmdFile *f, const char *name, double value, const char *units)
{
  char units_name[256];
  PetscFunctionBeginUser;
  PetscCall(hdf5_attribute_write_scalar(f->parameters, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, f->path));
  if (units && units[0]) {
    PetscCall(PetscSNPrintf(units_name, sizeof units_name, "%s_units", name));
    PetscCall(write_string_attribute(f->parameters, units_name, units, f->path));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_add_parameter_array(EmdFile *f, const char *name, PetscInt n, const double *values,
                                            const char *units)
{
  hid_t   space, attribute;
  hsize_t dims[1] = {(hsize_t)n};
  char    units_name[256];
  PetscFunctionBeginUser;
  PetscCallHDF5(space = H5Screate_simple(1, dims, NULL), "H5Screate_simple", f->path);
  PetscCallHDF5(attribute = H5Acreate2(f->parameters, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                "creating an attribute", f->path);
  PetscCallHDF5(H5Awrite(attribute, H5T_NATIVE_DOUBLE, values), "writing an attribute", f->path);
  PetscCallHDF5(H5Aclose(attribute), "H5Aclose", f->path);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", f->path);
  if (units && units[0]) {
    PetscCall(PetscSNPrintf(units_name, sizeof units_name, "%s_units", name));
    PetscCall(write_string_attribute(f->parameters, units_name, units, f->path));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_add_parameter_string(EmdFile *f, const char *name, const char *value)
{
  PetscFunctionBeginUser;
  PetscCall(write_string_attribute(f->parameters, name, value, f->path));
  PetscFunctionReturn(0);
}

static PetscErrorCode emd_file_close(EmdFile *f)
{
  PetscFunctionBeginUser;
  if (f->parameters >= 0) PetscCallHDF5(H5Gclose(f->parameters), "H5Gclose", f->path);
  if (f->data >= 0) PetscCallHDF5(H5Gclose(f->data), "H5Gclose", f->path);
  f->parameters = f->data = -1;
  if (f->file >= 0) {
    hid_t file = f->file;
    f->file    = -1;
    PetscCallHDF5(H5Fclose(file), "closing the file", f->path);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_commit(EmdFile *f)
{
  PetscFunctionBeginUser;
  PetscCall(emd_file_close(f));
  PetscCallErrno(rename(f->temporary, f->path), "renaming the finished file into place as", f->path);
  f->committed = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode emd_file_destroy(EmdFile **file)
{
  PetscFunctionBeginUser;
  if (!*file) PetscFunctionReturn(0);
  EmdFile *f = *file;
  /* Close quietly on the error path: the first error is the one to report. */
  if (f->parameters >= 0) (void)H5Gclose(f->parameters);
  if (f->data >= 0) (void)H5Gclose(f->data);
  if (f->file >= 0) (void)H5Fclose(f->file);
  if (!f->committed) (void)unlink(f->temporary);
  PetscCall(PetscFree(*file));
  PetscFunctionReturn(0);
}
