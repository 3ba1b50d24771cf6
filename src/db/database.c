/* database.c — the campaign database (EMD v0.2) through parallel HDF5 / MPI-IO.
 * MPI and HDF5 are used in this file.
 *
 * Durability: workers write raw data with independent MPI-IO (H5Dwrite returns when
 * the bytes are in the operating system, which survives the death of the process but
 * not of the node). H5Fflush would make them durable, but it is collective in parallel
 * HDF5 and a dynamic queue cannot call it. Since all metadata was written and flushed
 * at creation, the raw bytes are all that a unit adds, so the worker calls fsync() on a
 * plain POSIX descriptor of the same file: on Linux (and Lustre/GPFS clients) fsync
 * flushes every dirty page of the file held by that node, whichever descriptor wrote
 * it. Only then does the master journal the unit. */
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db/database.h"
#include "db/database_reader.h"
#include "core/checked_size.h"
#include "core/error_check.h"
#include "core/hdf5_attribute.h"
#include "core/timing.h"

/* ---- small HDF5 helpers ------------------------------------------------------- */

static PetscErrorCode write_int_attribute(hid_t object, const char *name, long long value, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_NATIVE_LLONG, H5T_NATIVE_LLONG, &value, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_double_attribute(hid_t object, const char *name, double value, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(hdf5_attribute_write_scalar(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, path));
  PetscFunctionReturn(0);
}

const char *const database_column_type_names[] = {"int64", "float64"};

const DatabaseColumn database_id_columns[DATABASE_ID_COLUMNS] = {
  {DATABASE_STRUCTURE_ID, DATABASE_INT64,
   "the work unit (structure) the image shows: images of one structure share it"},
  {DATABASE_CONDITION_INDEX, DATABASE_INT64, "the imaging condition, 0 .. n_conditions - 1"},
  {DATABASE_IMAGE_SEED, DATABASE_INT64, "the plan seed every random number of the image derives from"},
};

static hid_t column_file_type(DatabaseColumnType type)
{
  return type == DATABASE_INT64 ? H5T_STD_I64LE : H5T_IEEE_F64LE;
}

PetscErrorCode database_write_emd_version(hid_t file, const char *path)
{
  const int major = DATABASE_EMD_VERSION_MAJOR, minor = DATABASE_EMD_VERSION_MINOR;
  PetscFunctionBeginUser;
  PetscCall(hdf5_attribute_write_scalar(file, "version_major", H5T_STD_I32LE, H5T_NATIVE_INT, &major, path));
  PetscCall(hdf5_attribute_write_scalar(file, "version_minor", H5T_STD_I32LE, H5T_NATIVE_INT, &minor, path));
  PetscFunctionReturn(0);
}

PetscErrorCode database_remove_part(const char *path, const char *name)
{
  hid_t file;
  PetscFunctionBeginUser;
  PetscCallHDF5(file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), "opening the database to remove a part", path);
  PetscCallHDF5(H5Ldelete(file, name, H5P_DEFAULT), name, path);
  PetscCallHDF5(H5Fclose(file), "closing the database", path);
  PetscFunctionReturn(0);
}

/* Creation properties shared by every dataset: space allocated at creation (so no
 * metadata changes later) and never filled (a fill would write the whole file twice). */
static PetscErrorCode early_allocation_properties(int rank, const hsize_t *chunk, hid_t *properties, const char *path)
{
  PetscFunctionBeginUser;
  PetscCallHDF5(*properties = H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", path);
  if (chunk) PetscCallHDF5(H5Pset_chunk(*properties, rank, chunk), "H5Pset_chunk", path);
  PetscCallHDF5(H5Pset_alloc_time(*properties, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time", path);
  PetscCallHDF5(H5Pset_fill_time(*properties, H5D_FILL_TIME_NEVER), "H5Pset_fill_time", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode create_dataset(hid_t parent, const char *name, hid_t type, int rank, const hsize_t *dims,
                                     const hsize_t *chunk, hid_t *dataset, const char *path)
{
  hid_t space, properties;
  PetscFunctionBeginUser;
  PetscCall(early_allocation_properties(rank, chunk, &properties, path));
  PetscCallHDF5(space = H5Screate_simple(rank, dims, NULL), "H5Screate_simple", path);
  PetscCallHDF5(*dataset = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, properties, H5P_DEFAULT),
                "creating a dataset (disk full or folder not writable?)", path);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
  PetscCallHDF5(H5Pclose(properties), "H5Pclose", path);
  PetscFunctionReturn(0);
}

/* Collective write of a small whole dataset: rank 0 supplies the data, the others
 * select nothing (collective transfer keeps the MPI-IO calls matched). */
static PetscErrorCode write_whole_from_rank0(hid_t dataset, hid_t memory_type, const void *data, int rank_in_comm,
                                             const char *path)
{
  hid_t file_space, memory_space, transfer;
  PetscFunctionBeginUser;
  PetscCallHDF5(file_space = H5Dget_space(dataset), "H5Dget_space", path);
  PetscCallHDF5(memory_space = H5Scopy(file_space), "H5Scopy", path);
  if (rank_in_comm != 0) {
    PetscCallHDF5(H5Sselect_none(file_space), "H5Sselect_none", path);
    PetscCallHDF5(H5Sselect_none(memory_space), "H5Sselect_none", path);
  }
  PetscCallHDF5(transfer = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path);
  PetscCallHDF5(H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", path);
  PetscCallHDF5(H5Dwrite(dataset, memory_type, memory_space, file_space, transfer, data), "writing a dimension vector",
                path);
  PetscCallHDF5(H5Pclose(transfer), "H5Pclose", path);
  PetscCallHDF5(H5Sclose(memory_space), "H5Sclose", path);
  PetscCallHDF5(H5Sclose(file_space), "H5Sclose", path);
  PetscFunctionReturn(0);
}

/* EMD dim vector: values, name and units. */
static PetscErrorCode create_dimension(hid_t group, const char *dataset_name, PetscInt length, double step,
                                       const char *name, const char *units, int rank_in_comm, const char *path)
{
  hid_t   dataset;
  hsize_t dims[1] = {(hsize_t)length};
  double *values;
  PetscFunctionBeginUser;
  PetscCall(create_dataset(group, dataset_name, H5T_IEEE_F64LE, 1, dims, NULL, &dataset, path));
  PetscCall(PetscMalloc1(length, &values));
  for (PetscInt i = 0; i < length; i++) values[i] = step * (double)i;
  PetscCall(write_whole_from_rank0(dataset, H5T_NATIVE_DOUBLE, values, rank_in_comm, path));
  PetscCall(PetscFree(values));
  PetscCall(hdf5_attribute_write_string(dataset, "name", name, path));
  PetscCall(hdf5_attribute_write_string(dataset, "units", units, path));
  PetscCallHDF5(H5Dclose(dataset), "H5Dclose", path);
  PetscFunctionReturn(0);
}

/* An EMD data group: emd_group_type=1, data [N][ny][nx] of `type` (one chunk per image), dim1..3. */
static PetscErrorCode create_emd_group(hid_t file, const char *group_name, hid_t type, const Database *db,
                                       int rank_in_comm, hid_t *dataset)
{
  hid_t           group;
  const char     *path     = db->path;
  const hsize_t   dims[3]  = {(hsize_t)db->n_images, (hsize_t)db->layout.ny, (hsize_t)db->layout.nx};
  const hsize_t   chunk[3] = {1, (hsize_t)db->layout.ny, (hsize_t)db->layout.nx};
  const PetscBool known    = db->layout.pixel_size > 0;
  PetscFunctionBeginUser;
  PetscCallHDF5(group = H5Gcreate2(file, group_name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "creating an EMD group",
                path);
  PetscCall(write_int_attribute(group, "emd_group_type", 1, path));
  PetscCall(create_dataset(group, "data", type, 3, dims, chunk, dataset, path));
  PetscCall(create_dimension(group, "dim1", db->n_images, 1.0, "image_index", "[index]", rank_in_comm, path));
  PetscCall(create_dimension(group, "dim2", db->layout.ny, known ? db->layout.pixel_size : 1.0, "y",
                             known ? "[Å]" : "[pixel]", rank_in_comm, path));
  PetscCall(create_dimension(group, "dim3", db->layout.nx, known ? db->layout.pixel_size : 1.0, "x",
                             known ? "[Å]" : "[pixel]", rank_in_comm, path));
  PetscCallHDF5(H5Gclose(group), "H5Gclose", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode check_column_names(const DatabaseLayout *layout)
{
  PetscFunctionBeginUser;
  PetscCheck(layout->n_structure_columns >= 0 && layout->n_structure_columns <= DATABASE_MAX_COLUMNS &&
               layout->n_image_columns >= 0 && layout->n_image_columns <= DATABASE_MAX_COLUMNS,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "A database holds at most %d structure and %d imaging columns",
             DATABASE_MAX_COLUMNS, DATABASE_MAX_COLUMNS);
  const char *reserved[] = {DATABASE_STRUCTURE_ID, DATABASE_CONDITION_INDEX, DATABASE_IMAGE_SEED, "structures"};
  for (int i = 0; i < layout->n_structure_columns + layout->n_image_columns; i++) {
    const char *name = i < layout->n_structure_columns ? layout->structure_columns[i]
                                                       : layout->image_columns[i - layout->n_structure_columns];
    PetscCheck(name[0] && !strchr(name, '/'), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Column name '%s' is empty or holds '/'", name);
    for (int r = 0; r < 4; r++)
      PetscCheck(strcmp(name, reserved[r]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Column name '%s' is reserved by the database", name);
    for (int k = 0; k < i; k++) {
      const char *other = k < layout->n_structure_columns ? layout->structure_columns[k]
                                                          : layout->image_columns[k - layout->n_structure_columns];
      PetscCheck(strcmp(name, other), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Column name '%s' appears twice (structure and imaging columns share one namespace)", name);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode file_access_properties(MPI_Comm comm, hid_t *access, const char *path)
{
  PetscFunctionBeginUser;
  PetscCallHDF5(*access = H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", path);
  PetscCallHDF5(H5Pset_fapl_mpio(*access, comm, MPI_INFO_NULL), "H5Pset_fapl_mpio", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode new_handle(MPI_Comm comm, const char *path, const DatabaseLayout *layout, const Plan *plan,
                                 Database **database)
{
  Database *db;
  PetscFunctionBeginUser;
  PetscCheck(layout->n_structures == plan->n_structures && layout->n_conditions == plan->n_conditions, PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG,
             "Database layout (%" PetscInt_FMT " x %" PetscInt_FMT ") does not match the plan (%" PetscInt_FMT
             " x %" PetscInt_FMT ")",
             layout->n_structures, layout->n_conditions, plan->n_structures, plan->n_conditions);
  PetscCheck(layout->ny >= 1 && layout->nx >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Database images must be at least 1x1 pixels, got %" PetscInt_FMT "x%" PetscInt_FMT, layout->ny,
             layout->nx);
  PetscCall(check_column_names(layout));
  PetscCall(PetscNew(&db));
  db->comm     = comm;
  db->layout   = *layout;
  db->n_images = layout->n_structures * layout->n_conditions;
  db->file = db->images = db->masks = db->structure_id = db->condition_index = db->image_seed = db->independent = -1;
  db->atom_positions = db->atom_numbers = db->atom_classes = -1;
  db->exit_waves                                           = -1;
  db->layout.atom_offsets                                  = NULL;
  PetscCheck(layout->exit_wave_count == 0 || (layout->exit_wave_ny >= 1 && layout->exit_wave_nx >= 1), PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG,
             "Database exit waves need a grid of at least 1x1, got %" PetscInt_FMT "x%" PetscInt_FMT,
             layout->exit_wave_ny, layout->exit_wave_nx);
  if (layout->atom_offsets) {
    PetscCall(PetscMalloc1(layout->n_structures + 1, &db->layout.atom_offsets));
    PetscCall(PetscArraycpy(db->layout.atom_offsets, layout->atom_offsets, layout->n_structures + 1));
  }
  db->sync_fd = -1;
  db->seed    = plan->seed;
  PetscCall(PetscStrncpy(db->path, path, sizeof db->path));
  *database = db;
  PetscFunctionReturn(0);
}

static PetscErrorCode open_sync_descriptor(Database *db)
{
  PetscFunctionBeginUser;
  PetscCallErrno(db->sync_fd = open(db->path, O_RDONLY), "Opening the database for fsync", db->path);
  PetscCallHDF5(db->independent = H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", db->path);
  PetscCallHDF5(H5Pset_dxpl_mpio(db->independent, H5FD_MPIO_INDEPENDENT), "H5Pset_dxpl_mpio", db->path);
  PetscFunctionReturn(0);
}

/* Rank 0 checks that the folder can take the file, so the user gets errno's words
 * instead of an HDF5 stack; the verdict is shared so every rank fails together. */
static PetscErrorCode check_folder_writable(MPI_Comm comm, const char *path)
{
  int  rank, problem = 0;
  char folder[PETSC_MAX_PATH_LEN], copy[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscStrncpy(copy, path, sizeof copy));
  PetscCall(PetscStrncpy(folder, dirname(copy), sizeof folder));
  if (rank == 0 && access(folder, W_OK | X_OK) != 0) problem = errno ? errno : EACCES;
  PetscCallMPI(MPI_Bcast(&problem, 1, MPI_INT, 0, comm));
  PetscCheck(!problem, comm, PETSC_ERR_FILE_OPEN, "Cannot write the database '%s': folder '%s': %s", path, folder,
             strerror(problem));
  PetscFunctionReturn(0);
}

PetscErrorCode database_create(MPI_Comm comm, const char *path, const DatabaseLayout *layout, const Plan *plan,
                               const Provenance *provenance, Database **database)
{
  Database *db;
  hid_t     access, data_group, metadata_group, structures_group;
  int       rank;
  PetscFunctionBeginUser;
  PetscCall(check_folder_writable(comm, path));
  PetscCall(new_handle(comm, path, layout, plan, &db));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(file_access_properties(comm, &access, path));
  PetscCallHDF5(db->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, access), "creating the database file", path);
  PetscCallHDF5(H5Pclose(access), "H5Pclose", path);

  /* Root: EMD version and provenance. */
  PetscCall(database_write_emd_version(db->file, path));
  PetscCall(hdf5_attribute_write_string(db->file, "nanoforge_version", provenance->version, path));
  PetscCall(hdf5_attribute_write_string(db->file, "git_revision", provenance->git_revision, path));
  PetscCall(hdf5_attribute_write_string(db->file, "compiler", provenance->compiler, path));
  PetscCall(hdf5_attribute_write_string(db->file, "build_flags", provenance->build_flags, path));
  PetscCall(hdf5_attribute_write_string(db->file, "host", provenance->hostname, path));
  PetscCall(hdf5_attribute_write_string(db->file, "started_utc", provenance->started_utc, path));
  PetscCall(hdf5_attribute_write_string(db->file, "options", provenance->options, path));
  PetscCall(write_int_attribute(db->file, "ranks", provenance->size, path));
  PetscCall(hdf5_attribute_write_string(db->file, "plan_hash", plan->hash_hex, path));
  if (layout->run_id) {
    char id[17];
    PetscCall(PetscSNPrintf(id, sizeof id, "%016llx", (unsigned long long)layout->run_id));
    PetscCall(hdf5_attribute_write_string(db->file, "run_id", id, path));
  }
  PetscCall(hdf5_attribute_write_string(db->file, "plan_options", plan->options, path));
  PetscCall(write_int_attribute(db->file, "seed", plan->seed, path));
  PetscCall(write_int_attribute(db->file, "n_structures", plan->n_structures, path));
  PetscCall(write_int_attribute(db->file, "n_conditions", plan->n_conditions, path));
  PetscCall(hdf5_attribute_write_string(
    db->file, "progress",
    "finished units are listed in the journal beside this file (<file>.journal); rows of other units hold undefined bytes",
    path));

  PetscCallHDF5(data_group = H5Gcreate2(db->file, DATABASE_DATA_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating " DATABASE_DATA_GROUP, path);
  PetscCall(create_emd_group(db->file, DATABASE_IMAGES_GROUP, H5T_IEEE_F32LE, db, rank, &db->images));
  PetscCall(create_emd_group(db->file, DATABASE_MASKS_GROUP, H5T_STD_U8LE, db, rank, &db->masks));
  PetscCallHDF5(H5Gclose(data_group), "H5Gclose", path);

  hsize_t n_images[1] = {(hsize_t)db->n_images}, n_structures[1] = {(hsize_t)layout->n_structures};
  PetscCallHDF5(metadata_group = H5Gcreate2(db->file, DATABASE_METADATA_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating " DATABASE_METADATA_GROUP, path);
  hid_t *id_columns[DATABASE_ID_COLUMNS] = {&db->structure_id, &db->condition_index, &db->image_seed};
  for (int c = 0; c < DATABASE_ID_COLUMNS; c++)
    PetscCall(create_dataset(metadata_group, database_id_columns[c].name, column_file_type(database_id_columns[c].type),
                             1, n_images, NULL, id_columns[c], path));
  for (int c = 0; c < layout->n_structure_columns; c++)
    PetscCall(create_dataset(metadata_group, layout->structure_columns[c], H5T_IEEE_F64LE, 1, n_images, NULL,
                             &db->image_columns[c], path));
  for (int c = 0; c < layout->n_image_columns; c++)
    PetscCall(create_dataset(metadata_group, layout->image_columns[c], H5T_IEEE_F64LE, 1, n_images, NULL,
                             &db->image_columns[layout->n_structure_columns + c], path));
  PetscCallHDF5(structures_group =
                  H5Gcreate2(db->file, DATABASE_STRUCTURES_GROUP, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating " DATABASE_STRUCTURES_GROUP, path);
  for (int c = 0; c < layout->n_structure_columns; c++)
    PetscCall(create_dataset(structures_group, layout->structure_columns[c], H5T_IEEE_F64LE, 1, n_structures, NULL,
                             &db->structure_columns[c], path));
  PetscCallHDF5(H5Gclose(structures_group), "H5Gclose", path);
  PetscCallHDF5(H5Gclose(metadata_group), "H5Gclose", path);

  if (layout->atom_offsets) {
    /* Ragged atoms: sizes known before work from a counting pass, so they too are
     * created now at full size. */
    hid_t   atoms_group, offsets;
    hsize_t n_offsets[1] = {(hsize_t)layout->n_structures + 1};
    hsize_t total[2]     = {(hsize_t)layout->atom_offsets[layout->n_structures], 3};
    PetscCallHDF5(atoms_group = H5Gcreate2(db->file, "/data/atoms", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "creating /data/atoms", path);
    PetscCall(create_dataset(atoms_group, "offsets", H5T_STD_I64LE, 1, n_offsets, NULL, &offsets, path));
    PetscCall(write_whole_from_rank0(offsets, H5T_NATIVE_INT64, layout->atom_offsets, rank, path));
    PetscCallHDF5(H5Dclose(offsets), "H5Dclose", path);
    PetscCall(create_dataset(atoms_group, "positions", H5T_IEEE_F32LE, 2, total, NULL, &db->atom_positions, path));
    PetscCall(hdf5_attribute_write_string(db->atom_positions, "units", "[Å]", path));
    PetscCall(create_dataset(atoms_group, "atomic_number", H5T_STD_U8LE, 1, total, NULL, &db->atom_numbers, path));
    PetscCall(create_dataset(atoms_group, "atom_class", H5T_STD_U8LE, 1, total, NULL, &db->atom_classes, path));
    PetscCall(hdf5_attribute_write_string(db->atom_classes, "values", "1 particle, 2 support, 3 other", path));
    PetscCallHDF5(H5Gclose(atoms_group), "H5Gclose", path);
  }
  if (layout->exit_wave_count > 0) {
    /* Exit waves: one chunk per wave, so a worker writes whole chunks. */
    hid_t   group;
    hsize_t dims[5]  = {(hsize_t)layout->n_structures, (hsize_t)layout->exit_wave_count, (hsize_t)layout->exit_wave_ny,
                        (hsize_t)layout->exit_wave_nx, 2};
    hsize_t chunk[5] = {1, 1, (hsize_t)layout->exit_wave_ny, (hsize_t)layout->exit_wave_nx, 2};
    PetscCallHDF5(group = H5Gcreate2(db->file, "/data/exit_waves", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "creating /data/exit_waves", path);
    PetscCall(create_dataset(group, "data", H5T_IEEE_F32LE, 5, dims, chunk, &db->exit_waves, path));
    PetscCall(hdf5_attribute_write_string(db->exit_waves, "axes",
                                          "structure, phonon configuration, y, x, (real, imaginary)", path));
    PetscCall(hdf5_attribute_write_string(db->exit_waves, "units", "[1] (incident plane wave = 1)", path));
    PetscCall(write_double_attribute(db->exit_waves, "sampling_y", layout->exit_wave_sampling[0], path));
    PetscCall(write_double_attribute(db->exit_waves, "sampling_x", layout->exit_wave_sampling[1], path));
    PetscCallHDF5(H5Gclose(group), "H5Gclose", path);
  }

  /* All metadata to disk now: from here on, only raw bytes change. */
  PetscCallHDF5(H5Fflush(db->file, H5F_SCOPE_GLOBAL), "flushing the new database (disk full?)", path);
  PetscCall(open_sync_descriptor(db));
  if (rank == 0) PetscCallErrno(fsync(db->sync_fd), "Syncing the new database", path);
  PetscCallMPI(MPI_Barrier(comm));
  *database = db;
  PetscFunctionReturn(0);
}

static PetscErrorCode open_dataset_checked(hid_t file, const char *name, int rank, const hsize_t *expected,
                                           hid_t *dataset, const char *path)
{
  hid_t   space;
  hsize_t dims[8] = {0};
  htri_t  exists;
  PetscFunctionBeginUser;
  PetscCallHDF5(exists = H5Lexists(file, name, H5P_DEFAULT), "H5Lexists", path);
  if (exists > 0 && strchr(name + 1, '/'))
    PetscCallHDF5(exists = H5Oexists_by_name(file, name, H5P_DEFAULT), "H5Oexists_by_name", path);
  PetscCheck(exists > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Database '%s' lacks %s: it was made with other options; rerun with -fresh to start over", path, name);
  PetscCallHDF5(*dataset = H5Dopen2(file, name, H5P_DEFAULT), "opening a dataset", path);
  PetscCallHDF5(space = H5Dget_space(*dataset), "H5Dget_space", path);
  int stored_rank = H5Sget_simple_extent_ndims(space);
  PetscCheck(stored_rank == rank, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Database '%s': %s has %d dimensions, expected %d; rerun with -fresh", path, name, stored_rank, rank);
  PetscCallHDF5(H5Sget_simple_extent_dims(space, dims, NULL), "H5Sget_simple_extent_dims", path);
  for (int d = 0; d < rank; d++)
    PetscCheck(dims[d] == expected[d], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "Database '%s': %s has extent %llu in dimension %d, the plan needs %llu; rerun with -fresh", path, name,
               (unsigned long long)dims[d], d + 1, (unsigned long long)expected[d]);
  PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
  PetscFunctionReturn(0);
}

/* The journal's run id must be the database's: a journal copied from another run of the same
 * plan lists units this file never received. */
static PetscErrorCode check_run_id(hid_t file, const char *path, uint64_t run_id)
{
  char      stored[64] = "";
  PetscBool found;
  PetscFunctionBeginUser;
  if (!run_id) PetscFunctionReturn(0); /* a journal of an older version: nothing to compare */
  PetscCall(hdf5_attribute_read_string(file, "run_id", stored, sizeof stored, &found, path));
  PetscCheck(
    found && strtoull(stored, NULL, 16) == run_id, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Database '%s' (run id %s) and its journal '%s.journal' (run id %016llx) come from different runs: the journal was copied or restored from another run, so its list of finished units does not describe this database; rerun with -fresh to start over",
    path, found ? stored : "none", path, (unsigned long long)run_id);
  PetscFunctionReturn(0);
}

PetscErrorCode database_open(MPI_Comm comm, const char *path, const DatabaseLayout *layout, const Plan *plan,
                             Database **database)
{
  Database *db;
  hid_t     access;
  char      stored_hash[64];
  PetscBool found;
  PetscFunctionBeginUser;
  PetscCall(new_handle(comm, path, layout, plan, &db));
  PetscCall(file_access_properties(comm, &access, path));
  PetscCallHDF5(db->file = H5Fopen(path, H5F_ACC_RDWR, access),
                "opening the existing database (damaged? rerun with -fresh)", path);
  PetscCallHDF5(H5Pclose(access), "H5Pclose", path);
  PetscCall(hdf5_attribute_read_string(db->file, "plan_hash", stored_hash, sizeof stored_hash, &found, path));
  PetscCheck(
    found && !strcmp(stored_hash, plan->hash_hex), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Database '%s' was made for plan %s, this run's plan is %s; rerun with the original options, or add -fresh to start over",
    path, found ? stored_hash : "(none)", plan->hash_hex);
  PetscCall(check_run_id(db->file, path, layout->run_id));
  const hsize_t image_dims[3] = {(hsize_t)db->n_images, (hsize_t)layout->ny, (hsize_t)layout->nx};
  const hsize_t n_images[1] = {(hsize_t)db->n_images}, n_structures[1] = {(hsize_t)layout->n_structures};
  PetscCall(open_dataset_checked(db->file, DATABASE_IMAGES, 3, image_dims, &db->images, path));
  PetscCall(open_dataset_checked(db->file, DATABASE_MASKS, 3, image_dims, &db->masks, path));
  PetscCall(open_dataset_checked(db->file, DATABASE_METADATA_GROUP "/" DATABASE_STRUCTURE_ID, 1, n_images,
                                 &db->structure_id, path));
  PetscCall(open_dataset_checked(db->file, DATABASE_METADATA_GROUP "/" DATABASE_CONDITION_INDEX, 1, n_images,
                                 &db->condition_index, path));
  PetscCall(open_dataset_checked(db->file, DATABASE_METADATA_GROUP "/" DATABASE_IMAGE_SEED, 1, n_images,
                                 &db->image_seed, path));
  char name[2 * DATABASE_NAME_LEN + 32];
  for (int c = 0; c < layout->n_structure_columns + layout->n_image_columns; c++) {
    const char *column = c < layout->n_structure_columns ? layout->structure_columns[c]
                                                         : layout->image_columns[c - layout->n_structure_columns];
    PetscCall(PetscSNPrintf(name, sizeof name, DATABASE_METADATA_GROUP "/%s", column));
    PetscCall(open_dataset_checked(db->file, name, 1, n_images, &db->image_columns[c], path));
  }
  for (int c = 0; c < layout->n_structure_columns; c++) {
    PetscCall(PetscSNPrintf(name, sizeof name, DATABASE_STRUCTURES_GROUP "/%s", layout->structure_columns[c]));
    PetscCall(open_dataset_checked(db->file, name, 1, n_structures, &db->structure_columns[c], path));
  }
  if (layout->atom_offsets) {
    hsize_t total[2] = {(hsize_t)layout->atom_offsets[layout->n_structures], 3};
    PetscCall(open_dataset_checked(db->file, "/data/atoms/positions", 2, total, &db->atom_positions, path));
    PetscCall(open_dataset_checked(db->file, "/data/atoms/atomic_number", 1, total, &db->atom_numbers, path));
    PetscCall(open_dataset_checked(db->file, "/data/atoms/atom_class", 1, total, &db->atom_classes, path));
  }
  if (layout->exit_wave_count > 0) {
    hsize_t dims[5] = {(hsize_t)layout->n_structures, (hsize_t)layout->exit_wave_count, (hsize_t)layout->exit_wave_ny,
                       (hsize_t)layout->exit_wave_nx, 2};
    PetscCall(open_dataset_checked(db->file, "/data/exit_waves/data", 5, dims, &db->exit_waves, path));
  }
  PetscCall(open_sync_descriptor(db));
  *database = db;
  PetscFunctionReturn(0);
}

/* Independent write of rows [first, first + count) of a dataset with `row_elements` values per row. */
static PetscErrorCode write_rows(Database *db, hid_t dataset, hid_t memory_type, int rank, hsize_t first, hsize_t count,
                                 const void *data)
{
  hid_t   file_space, memory_space;
  hsize_t start[3] = {first, 0, 0}, extent[3] = {count, (hsize_t)db->layout.ny, (hsize_t)db->layout.nx};
  PetscFunctionBeginUser;
  PetscCallHDF5(file_space = H5Dget_space(dataset), "H5Dget_space", db->path);
  PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, extent, NULL), "H5Sselect_hyperslab",
                db->path);
  PetscCallHDF5(memory_space = H5Screate_simple(rank, extent, NULL), "H5Screate_simple", db->path);
  PetscCallHDF5(H5Dwrite(dataset, memory_type, memory_space, file_space, db->independent, data),
                "writing a unit (disk full?)", db->path);
  PetscCallHDF5(H5Sclose(memory_space), "H5Sclose", db->path);
  PetscCallHDF5(H5Sclose(file_space), "H5Sclose", db->path);
  PetscFunctionReturn(0);
}

PetscErrorCode database_write_unit(Database *db, const DatabaseUnit *unit, PetscBool sync)
{
  const PetscInt M     = db->layout.n_conditions;
  const hsize_t  first = (hsize_t)(unit->unit * M);
  const int      n_s = db->layout.n_structure_columns, n_i = db->layout.n_image_columns;
  double        *column;
  long long     *ids;
  PetscFunctionBeginUser;
  PetscCheck(unit->unit >= 0 && unit->unit < db->layout.n_structures, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Unit %" PetscInt_FMT " outside the database's 0..%" PetscInt_FMT, unit->unit,
             db->layout.n_structures - 1);
  PetscCall(PetscLogEventBegin(NF_EVENT_DB_WRITE, 0, 0, 0, 0));
  PetscCall(write_rows(db, db->images, H5T_NATIVE_FLOAT, 3, first, (hsize_t)M, unit->images));
  PetscCall(write_rows(db, db->masks, H5T_NATIVE_UINT8, 3, first, (hsize_t)M, unit->masks));
  PetscCall(PetscMalloc1(M, &column));
  PetscCall(PetscMalloc1(M, &ids));
  for (PetscInt i = 0; i < M; i++) ids[i] = unit->unit;
  PetscCall(write_rows(db, db->structure_id, H5T_NATIVE_LLONG, 1, first, (hsize_t)M, ids));
  for (PetscInt i = 0; i < M; i++) ids[i] = i;
  PetscCall(write_rows(db, db->condition_index, H5T_NATIVE_LLONG, 1, first, (hsize_t)M, ids));
  /* The seed from which every random number of this image was derived (streams are
   * keyed by seed, unit and purpose): the campaign seed, recorded per row for tools. */
  for (PetscInt i = 0; i < M; i++) ids[i] = db->seed;
  PetscCall(write_rows(db, db->image_seed, H5T_NATIVE_LLONG, 1, first, (hsize_t)M, ids));
  for (int c = 0; c < n_s; c++) {
    for (PetscInt i = 0; i < M; i++) column[i] = unit->structure_values[c];
    PetscCall(write_rows(db, db->image_columns[c], H5T_NATIVE_DOUBLE, 1, first, (hsize_t)M, column));
    PetscCall(write_rows(db, db->structure_columns[c], H5T_NATIVE_DOUBLE, 1, (hsize_t)unit->unit, 1,
                         &unit->structure_values[c]));
  }
  for (int c = 0; c < n_i; c++) {
    for (PetscInt i = 0; i < M; i++) column[i] = unit->image_values[i * n_i + c];
    PetscCall(write_rows(db, db->image_columns[n_s + c], H5T_NATIVE_DOUBLE, 1, first, (hsize_t)M, column));
  }
  PetscCall(PetscFree(column));
  PetscCall(PetscFree(ids));
  if (db->layout.atom_offsets) {
    const int64_t first_atom = db->layout.atom_offsets[unit->unit],
                  n          = db->layout.atom_offsets[unit->unit + 1] - first_atom;
    PetscCheck(unit->n_atoms == n, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "Unit %" PetscInt_FMT " has %" PetscInt64_FMT " atoms, the database reserved %lld", unit->unit,
               unit->n_atoms, (long long)n);
    if (n > 0) {
      hid_t   file_space, memory_space;
      hsize_t start[2] = {(hsize_t)first_atom, 0}, extent[2] = {(hsize_t)n, 3};
      for (int which = 0; which < 3; which++) {
        hid_t       dataset = which == 0 ? db->atom_positions : which == 1 ? db->atom_numbers : db->atom_classes;
        const void *data    = which == 0   ? (const void *)unit->atom_positions
                              : which == 1 ? (const void *)unit->atom_numbers
                                           : (const void *)unit->atom_classes;
        int         rank    = which == 0 ? 2 : 1;
        PetscCallHDF5(file_space = H5Dget_space(dataset), "H5Dget_space", db->path);
        PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, extent, NULL), "H5Sselect_hyperslab",
                      db->path);
        PetscCallHDF5(memory_space = H5Screate_simple(rank, extent, NULL), "H5Screate_simple", db->path);
        PetscCallHDF5(H5Dwrite(dataset, which == 0 ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8, memory_space, file_space,
                               db->independent, data),
                      "writing a unit's atoms (disk full?)", db->path);
        PetscCallHDF5(H5Sclose(memory_space), "H5Sclose", db->path);
        PetscCallHDF5(H5Sclose(file_space), "H5Sclose", db->path);
      }
    }
  }
  if (db->layout.exit_wave_count > 0) {
    hid_t   file_space, memory_space;
    hsize_t start[5]  = {(hsize_t)unit->unit, 0, 0, 0, 0};
    hsize_t extent[5] = {1, (hsize_t)db->layout.exit_wave_count, (hsize_t)db->layout.exit_wave_ny,
                         (hsize_t)db->layout.exit_wave_nx, 2};
    PetscCheck(unit->exit_waves, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "Unit %" PetscInt_FMT ": the database stores exit waves but none were given", unit->unit);
    PetscCallHDF5(file_space = H5Dget_space(db->exit_waves), "H5Dget_space", db->path);
    PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, extent, NULL), "H5Sselect_hyperslab",
                  db->path);
    PetscCallHDF5(memory_space = H5Screate_simple(5, extent, NULL), "H5Screate_simple", db->path);
    PetscCallHDF5(
      H5Dwrite(db->exit_waves, H5T_NATIVE_FLOAT, memory_space, file_space, db->independent, unit->exit_waves),
      "writing a unit's exit waves (disk full?)", db->path);
    PetscCallHDF5(H5Sclose(memory_space), "H5Sclose", db->path);
    PetscCallHDF5(H5Sclose(file_space), "H5Sclose", db->path);
  }
  if (sync) PetscCallErrno(fsync(db->sync_fd), "Syncing the database after a unit (disk full?)", db->path);
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_WRITE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode database_close(Database **database)
{
  Database *db = *database;
  PetscFunctionBeginUser;
  if (!db) PetscFunctionReturn(0);
  const char *path      = db->path;
  int         n_columns = db->layout.n_structure_columns + db->layout.n_image_columns;
  for (int c = 0; c < n_columns; c++) PetscCallHDF5(H5Dclose(db->image_columns[c]), "H5Dclose", path);
  for (int c = 0; c < db->layout.n_structure_columns; c++)
    PetscCallHDF5(H5Dclose(db->structure_columns[c]), "H5Dclose", path);
  PetscCallHDF5(H5Dclose(db->structure_id), "H5Dclose", path);
  PetscCallHDF5(H5Dclose(db->condition_index), "H5Dclose", path);
  PetscCallHDF5(H5Dclose(db->image_seed), "H5Dclose", path);
  PetscCallHDF5(H5Dclose(db->images), "H5Dclose", path);
  PetscCallHDF5(H5Dclose(db->masks), "H5Dclose", path);
  if (db->exit_waves >= 0) PetscCallHDF5(H5Dclose(db->exit_waves), "H5Dclose", path);
  if (db->atom_positions >= 0) {
    PetscCallHDF5(H5Dclose(db->atom_positions), "H5Dclose", path);
    PetscCallHDF5(H5Dclose(db->atom_numbers), "H5Dclose", path);
    PetscCallHDF5(H5Dclose(db->atom_classes), "H5Dclose", path);
  }
  PetscCall(PetscFree(db->layout.atom_offsets));
  PetscCallHDF5(H5Pclose(db->independent), "H5Pclose", path);
  PetscCallHDF5(H5Fclose(db->file), "closing the database (disk full?)", path);
  if (db->sync_fd >= 0) {
    PetscCallErrno(fsync(db->sync_fd), "Syncing the database", path);
    PetscCallErrno(close(db->sync_fd), "Closing the database", path);
  }
  PetscCall(PetscFree(*database));
  PetscFunctionReturn(0);
}

PetscErrorCode database_read_image(const char *path, PetscInt index, PetscInt ny, PetscInt nx, float *image,
                                   uint8_t *mask)
{
  DatabaseReader *reader;
  PetscFunctionBeginUser;
  PetscCall(database_reader_open(PETSC_COMM_SELF, path, NULL, &reader));
  PetscErrorCode ierr = 0;
  if (reader->ny != ny || reader->nx != nx)
    ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED,
                      PETSC_ERROR_INITIAL, "database '%s' holds %dx%d images, the caller expects %dx%d", path,
                      (int)reader->ny, (int)reader->nx, (int)ny, (int)nx);
  if (!ierr) ierr = database_reader_read_range(reader, index, 1, image, mask);
  PetscCall(database_reader_close(&reader));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

uint64_t database_unit_checksum(const float *images, const uint8_t *masks, size_t pixels)
{
  uint64_t             hash  = 14695981039346656037ULL;
  const unsigned char *bytes = (const unsigned char *)images;
  for (size_t i = 0; i < pixels * sizeof(float); i++) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  for (size_t i = 0; i < pixels; i++) hash = (hash ^ masks[i]) * 1099511628211ULL;
  return hash;
}

/* H5Fopen read-only without HDF5's own error stack on stderr (a foreign file is not an error here). */
static hid_t open_quietly(const char *path)
{
  H5E_auto2_t report;
  void       *report_data;
  hid_t       file = -1;
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (H5Fis_hdf5(path) > 0) file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  return file;
}

PetscErrorCode database_file_kind(const char *path, DatabaseFileKind *kind, char plan_hash[17])
{
  struct stat info;
  hid_t       file;
  PetscFunctionBeginUser;
  plan_hash[0] = 0;
  *kind        = DATABASE_FILE_ABSENT;
  if (stat(path, &info) != 0) PetscFunctionReturn(0);
  *kind = DATABASE_FILE_FOREIGN;
  if (!S_ISREG(info.st_mode) || (file = open_quietly(path)) < 0) PetscFunctionReturn(0);
  char      stored[64] = "";
  PetscBool found      = PETSC_FALSE;
  htri_t    exists     = H5Aexists(file, "plan_hash");
  if (exists > 0) PetscCall(hdf5_attribute_read_string(file, "plan_hash", stored, sizeof stored, &found, path));
  PetscCallHDF5(H5Fclose(file), "closing", path);
  if (found && strlen(stored) == 16) {
    *kind = DATABASE_FILE_CAMPAIGN;
    PetscCall(PetscStrncpy(plan_hash, stored, 17));
  }
  PetscFunctionReturn(0);
}

/* The checks and reads of database_verify on an open file; `datasets` are closed by the caller. */
static PetscErrorCode verify_open_file(hid_t file, const char *path, const Journal *journal, hid_t datasets[2],
                                       PetscBool *damaged, PetscInt *n_damaged)
{
  hsize_t   dims[2][3];
  float    *images = NULL;
  uint8_t  *masks  = NULL;
  const int M      = (int)journal->n_conditions;
  PetscFunctionBeginUser;
  PetscCall(check_run_id(file, path, journal->run_id));
  for (int which = 0; which < 2; which++) {
    const char *name = which ? DATABASE_MASKS : DATABASE_IMAGES;
    hid_t       space;
    PetscCheck(H5Lexists(file, DATABASE_DATA_GROUP, H5P_DEFAULT) > 0 &&
                 H5Lexists(file, which ? DATABASE_MASKS_GROUP : DATABASE_IMAGES_GROUP, H5P_DEFAULT) > 0 &&
                 H5Lexists(file, name, H5P_DEFAULT) > 0,
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Database '%s' lacks %s; it is not a campaign database",
               path, name);
    PetscCallHDF5(datasets[which] = H5Dopen2(file, name, H5P_DEFAULT), "opening a dataset", path);
    PetscCallHDF5(space = H5Dget_space(datasets[which]), "H5Dget_space", path);
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank == 3)
      PetscCallHDF5(H5Sget_simple_extent_dims(space, dims[which], NULL), "H5Sget_simple_extent_dims", path);
    PetscCallHDF5(H5Sclose(space), "H5Sclose", path);
    PetscCheck(rank == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "Database '%s': %s has %d dimensions, a campaign database 3", path, name, rank);
    PetscCheck(dims[which][0] == (hsize_t)journal->n_units * (hsize_t)M && dims[which][1] == dims[0][1] &&
                 dims[which][2] == dims[0][2],
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "Database '%s': %s holds %llu images, its journal '%s' describes %" PetscInt_FMT " units of %d images",
               path, name, (unsigned long long)dims[which][0], journal->path, journal->n_units, M);
  }
  size_t pixels;
  PetscCall(checked_bytes((size_t)M, (size_t)dims[0][1], (size_t)dims[0][2], "the images of one unit", path, &pixels));
  PetscCall(checked_malloc(pixels, sizeof(float), "the images of one unit (for verification)", path, &images));
  PetscErrorCode ierr =
    checked_malloc(pixels, sizeof(uint8_t), "the masks of one unit (for verification)", path, &masks);
  for (PetscInt unit = 0; unit < journal->n_units && !ierr; unit++) {
    if (!journal->done[unit] || !journal->has_checksum[unit]) continue;
    hsize_t start[3] = {(hsize_t)unit * (hsize_t)M, 0, 0}, extent[3] = {(hsize_t)M, dims[0][1], dims[0][2]};
    for (int which = 0; which < 2 && !ierr; which++) {
      hid_t  file_space = H5Dget_space(datasets[which]), memory_space = H5Screate_simple(3, extent, NULL);
      herr_t status = file_space < 0 || memory_space < 0
                        ? -1
                        : H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, extent, NULL);
      if (status >= 0)
        status = H5Dread(datasets[which], which ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT, memory_space, file_space,
                         H5P_DEFAULT, which ? (void *)masks : (void *)images);
      if (memory_space >= 0) (void)H5Sclose(memory_space);
      if (file_space >= 0) (void)H5Sclose(file_space);
      if (status < 0)
        ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED,
                          PETSC_ERROR_INITIAL,
                          "Database '%s': the data of unit %" PetscInt_FMT
                          " cannot be read (the file is damaged beyond its images); rerun with -fresh to start over",
                          path, unit);
    }
    if (!ierr && database_unit_checksum(images, masks, pixels) != journal->checksum[unit]) {
      damaged[unit] = PETSC_TRUE;
      (*n_damaged)++;
    }
  }
  PetscCall(PetscFree(images));
  PetscCall(PetscFree(masks));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode database_verify(const char *path, const Journal *journal, PetscBool *damaged, PetscInt *n_damaged)
{
  hid_t file, datasets[2] = {-1, -1};
  PetscFunctionBeginUser;
  *n_damaged = 0;
  PetscCall(PetscArrayzero(damaged, journal->n_units));
  PetscCheck((file = open_quietly(path)) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Database '%s' cannot be opened as HDF5 (missing or damaged), but its journal '%s' lists %" PetscInt_FMT
             " finished unit(s); rerun with -fresh to start over",
             path, journal->path, journal->n_done);
  /* HDF5's own error stack stays quiet: a damaged file is reported in one line. */
  H5E_auto2_t report;
  void       *report_data;
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscErrorCode ierr = verify_open_file(file, path, journal, datasets, damaged, n_damaged);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  for (int which = 0; which < 2; which++)
    if (datasets[which] >= 0) (void)H5Dclose(datasets[which]);
  (void)H5Fclose(file);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
