/* hdf5_attribute.c — see include/hdf5_attribute.h. Serial HDF5 calls on one object. */
#include <string.h>
#include "core/error_check.h"
#include "core/hdf5_attribute.h"

PetscErrorCode hdf5_attribute_write_scalar(hid_t object, const char *name, hid_t file_type, hid_t memory_type,
                                           const void *value, const char *path)
{
  hid_t space, attribute;
  PetscFunctionBeginUser;
  PetscCallHDF5(space = H5Screate(H5S_SCALAR), "H5Screate", path);
  PetscCallHDF5(attribute = H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                "creating an attribute", path);
  PetscCallHDF5(H5Awrite(attribute, memory_type, value), "writing an attribute", path);
  PetscCallHDF5(H5Aclose(attribute), "H5Aclose", path);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
  PetscFunctionReturn(0);
}

PetscErrorCode hdf5_attribute_write_string(hid_t object, const char *name, const char *value, const char *path)
{
  hid_t type;
  PetscFunctionBeginUser;
  if (!value) value = "";
  PetscCallHDF5(type = H5Tcopy(H5T_C_S1), "H5Tcopy", path);
  PetscCallHDF5(H5Tset_size(type, strlen(value) + 1), "H5Tset_size", path);
  PetscCallHDF5(H5Tset_strpad(type, H5T_STR_NULLTERM), "H5Tset_strpad", path);
  PetscCall(hdf5_attribute_write_scalar(object, name, type, type, value, path));
  PetscCallHDF5(H5Tclose(type), "H5Tclose", path);
  PetscFunctionReturn(0);
}

PetscErrorCode hdf5_attribute_read_string(hid_t object, const char *name, char *value, size_t size, PetscBool *found,
                                          const char *path)
{
  hid_t  attribute, type, memory_type;
  htri_t exists;
  char  *buffer;
  PetscFunctionBeginUser;
  *found   = PETSC_FALSE;
  value[0] = 0;
  PetscCallHDF5(exists = H5Aexists(object, name), "H5Aexists", path);
  if (!exists) PetscFunctionReturn(0);
  PetscCallHDF5(attribute = H5Aopen(object, name, H5P_DEFAULT), "opening an attribute", path);
  PetscCallHDF5(type = H5Aget_type(attribute), "H5Aget_type", path);
  size_t stored = H5Tget_size(type);
  PetscCall(PetscMalloc1(stored + 1, &buffer));
  PetscCallHDF5(memory_type = H5Tcopy(H5T_C_S1), "H5Tcopy", path);
  PetscCallHDF5(H5Tset_size(memory_type, stored), "H5Tset_size", path);
  PetscCallHDF5(H5Aread(attribute, memory_type, buffer), "reading a string attribute", path);
  buffer[stored] = 0;
  PetscCall(PetscStrncpy(value, buffer, size));
  PetscCall(PetscFree(buffer));
  PetscCallHDF5(H5Tclose(memory_type), "H5Tclose", path);
  PetscCallHDF5(H5Tclose(type), "H5Tclose", path);
  PetscCallHDF5(H5Aclose(attribute), "H5Aclose", path);
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode hdf5_dataset_check_storage(hid_t dataset, const char *name, const char *path)
{
  hid_t        plist = H5Dget_create_plist(dataset), space = H5Dget_space(dataset), type = H5Dget_type(dataset);
  H5D_layout_t layout  = plist >= 0 ? H5Pget_layout(plist) : H5D_LAYOUT_ERROR;
  hssize_t     points  = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  size_t       element = type >= 0 ? H5Tget_size(type) : 0, needed = 0;
  hsize_t      stored = H5Dget_storage_size(dataset);
  PetscBool    overflow =
    points < 0 || element == 0 || __builtin_mul_overflow((size_t)(points < 0 ? 0 : points), element, &needed)
         ? PETSC_TRUE
         : PETSC_FALSE;

  PetscFunctionBeginUser;
  if (plist >= 0) H5Pclose(plist);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  PetscCheck(layout != H5D_LAYOUT_ERROR && !overflow, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': cannot read the layout, shape or type of %s", path, name);
  PetscCheck(layout != H5D_COMPACT || stored >= needed, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s is damaged: its header stores %llu bytes where its shape and type need %zu", path, name,
             (unsigned long long)stored, needed);
  /* Chunks or a contiguous block said to lie beyond the end of the file: a damaged index,
   * which HDF5 1.10 may follow into its own buffers. */
  hid_t   file      = H5Iget_file_id(dataset);
  hsize_t file_size = 0;
  herr_t  status    = file >= 0 ? H5Fget_filesize(file, &file_size) : -1;
  if (file >= 0) H5Fclose(file);
  PetscCheck(status < 0 || layout == H5D_COMPACT || stored <= file_size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s is damaged: its data is said to take %llu bytes in a file of %llu bytes", path, name,
             (unsigned long long)stored, (unsigned long long)file_size);
  PetscFunctionReturn(0);
}
