/* synthetic.c — a small labelled synthetic database in the campaign layout (serial HDF5):
 * noisy bright or dark disks on a textured background, with their exact masks. Used by the
 * train tests before (and independently of) a real campaign. */
#include <math.h>
#include "dataset.h"
#include "error_check.h"
#include "hdf5_attribute.h"

static PetscErrorCode write_dataset(hid_t parent, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data, const char *path)
{
  hid_t space, set, create = H5P_DEFAULT;

  PetscFunctionBeginUser;
  space = H5Screate_simple(rank, dims, NULL);
  PetscCallHDF5(space, "H5Screate_simple", path);
  if (rank == 3) { /* one chunk per image, as the campaign writes */
    hsize_t chunk[3] = {1, dims[1], dims[2]};
    create = H5Pcreate(H5P_DATASET_CREATE);
    PetscCallHDF5(H5Pset_chunk(create, 3, chunk), "H5Pset_chunk", path);
  }
  set = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, create, H5P_DEFAULT);
  PetscCallHDF5(set, "creating a dataset", path);
  PetscCallHDF5(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing a dataset", path);
  H5Dclose(set);
  H5Sclose(space);
  if (create != H5P_DEFAULT) H5Pclose(create);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_int_attribute(hid_t object, const char *name, int value, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_NATIVE_INT, H5T_NATIVE_INT, &value, path));
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_write_synthetic(const char *path, PetscInt n_structures, PetscInt n_conditions, PetscInt size, uint64_t seed, PetscBool with_masks)
{
  PetscInt n = n_structures * n_conditions;
  size_t   pixels = (size_t)size * size;
  float   *images;
  uint8_t *masks;
  double  *structure_id, *condition, *dose, *radius;
  hid_t    file, data, group, metadata;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(pixels * n, &images));
  PetscCall(PetscMalloc1(pixels * n, &masks));
  PetscCall(PetscMalloc4(n, &structure_id, n, &condition, n, &dose, n, &radius));
  for (PetscInt s = 0; s < n_structures; s++) {
    RngStream shape;
    double    cx[4], cy[4], r[4];
    int       disks;
    rng_stream_init(&shape, seed, (uint64_t)s, RNG_PURPOSE_STRUCTURE);
    disks = 1 + (int)rng_below(&shape, 3);
    for (int k = 0; k < disks; k++) {
      r[k] = size * (0.08 + 0.07 * rng_uniform(&shape));
      cx[k] = r[k] + (size - 2 * r[k]) * rng_uniform(&shape);
      cy[k] = r[k] + (size - 2 * r[k]) * rng_uniform(&shape);
    }
    for (PetscInt c = 0; c < n_conditions; c++) {
      PetscInt  i = s * n_conditions + c;
      RngStream noise;
      rng_stream_init(&noise, seed, (uint64_t)i, RNG_PURPOSE_DETECTOR_NOISE);
      double contrast = (c % 2 ? -0.6 : 0.6) * (0.7 + 0.6 * rng_uniform(&noise));
      double electrons = 20 + 80 * rng_uniform(&noise); /* per pixel */
      structure_id[i] = (double)s, condition[i] = (double)c, radius[i] = r[0], dose[i] = electrons * 10;
      for (PetscInt y = 0; y < size; y++)
        for (PetscInt x = 0; x < size; x++) {
          double intensity = 1 + 0.1 * sin(0.9 * x + 0.3 * s) * cos(0.7 * y); /* background texture */
          int    inside = 0;
          for (int k = 0; k < disks; k++) {
            double d = hypot(x + 0.5 - cx[k], y + 0.5 - cy[k]);
            if (d < r[k]) inside = 1;
            intensity += contrast * 0.5 * (1 + tanh((r[k] - d) / 1.0)) * (1 + 0.2 * cos(2.1 * x + 1.3 * y)); /* lattice fringes */
          }
          intensity = fmax(intensity, 0.05);
          images[i * pixels + y * size + x] = (float)((double)rng_poisson(&noise, intensity * electrons) / electrons);
          masks[i * pixels + y * size + x] = (uint8_t)inside;
        }
    }
  }
  file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(file, "creating the synthetic database", path);
  PetscCall(write_int_attribute(file, "version_major", 0, path));
  PetscCall(write_int_attribute(file, "version_minor", 2, path));
  data = H5Gcreate2(file, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(data, "creating /data", path);
  hsize_t dims[3] = {(hsize_t)n, (hsize_t)size, (hsize_t)size}, count = (hsize_t)n;
  group = H5Gcreate2(data, "images", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(write_int_attribute(group, "emd_group_type", 1, path));
  PetscCall(write_dataset(group, "data", H5T_NATIVE_FLOAT, 3, dims, images, path));
  H5Gclose(group);
  if (with_masks) {
    group = H5Gcreate2(data, "masks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    PetscCall(write_int_attribute(group, "emd_group_type", 1, path));
    PetscCall(write_dataset(group, "data", H5T_NATIVE_UINT8, 3, dims, masks, path));
    H5Gclose(group);
  }
  H5Gclose(data);
  metadata = H5Gcreate2(file, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(write_dataset(metadata, "structure_id", H5T_NATIVE_DOUBLE, 1, &count, structure_id, path));
  PetscCall(write_dataset(metadata, "condition_index", H5T_NATIVE_DOUBLE, 1, &count, condition, path));
  PetscCall(write_dataset(metadata, "dose", H5T_NATIVE_DOUBLE, 1, &count, dose, path));
  PetscCall(write_dataset(metadata, "radius", H5T_NATIVE_DOUBLE, 1, &count, radius, path));
  H5Gclose(metadata);
  PetscCallHDF5(H5Fclose(file), "closing the synthetic database", path);
  PetscCall(PetscFree(images));
  PetscCall(PetscFree(masks));
  PetscCall(PetscFree4(structure_id, condition, dose, radius));
  PetscFunctionReturn(0);
}
