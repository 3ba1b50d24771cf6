/* database_reader.c — the one reader of the campaign database (layout in database.h).
 * MPI and HDF5 are used in this file: the file is opened collectively with the MPI-IO
 * driver; every read is an independent hyperslab. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/checked_size.h"
#include "db/database_reader.h"
#include "core/error_check.h"
#include "core/hdf5_attribute.h"
#include "core/timing.h"

static PetscErrorCode check_dataset_3d(hid_t dataset, const char *name, const char *path, hsize_t dims[3])
{
  hid_t space;
  int   rank;

  PetscFunctionBeginUser;
  space = H5Dget_space(dataset);
  PetscCallHDF5(space, "H5Dget_space", path);
  rank = H5Sget_simple_extent_ndims(space);
  if (rank == 3) H5Sget_simple_extent_dims(space, dims, NULL); /* only then: dims has 3 entries */
  H5Sclose(space);
  PetscCheck(rank == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s': %s has %d dimensions, expected 3 ([N][ny][nx])", path, name, rank);
  size_t pixels;
  PetscCheck(dims[1] > 0 && dims[2] > 0 && !size_multiply_overflows(dims[1], dims[2], &pixels) &&
               pixels <= (size_t)PETSC_MAX_INT && dims[0] <= (hsize_t)PETSC_MAX_INT,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s': %s is %llu x %llu x %llu; allowed up to %d images of at least 1 x 1 and at most %d pixels",
             path, name, (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2],
             (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

typedef struct {
  hsize_t             count;
  PetscInt            n;
  char              **names;
  DatabaseColumnType *types;
  int                 capacity;
} ColumnScan;

/* H5Literate callback (names in increasing order): note every 1-D numeric dataset of length `count`. */
static herr_t scan_column(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
  ColumnScan *scan = (ColumnScan *)data;
  H5O_info_t  object;
  (void)info;
  if (H5Oget_info_by_name(group, name, &object, H5P_DEFAULT) < 0 || object.type != H5O_TYPE_DATASET) return 0;
  hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
  if (dataset < 0) return 0;
  hid_t space = H5Dget_space(dataset), type = H5Dget_type(dataset);
  H5T_class_t class = H5Tget_class(type);
  hsize_t dims[4]   = {0};
  int     rank      = H5Sget_simple_extent_ndims(space);
  if (rank == 1) H5Sget_simple_extent_dims(space, dims, NULL);
  if (rank == 1 && dims[0] == scan->count && (class == H5T_INTEGER || class == H5T_FLOAT || class == H5T_ENUM)) {
    if (scan->n == scan->capacity) {
      scan->capacity = scan->capacity ? 2 * scan->capacity : 16;
      scan->names    = realloc(scan->names, sizeof(char *) * scan->capacity);
      scan->types    = realloc(scan->types, sizeof(DatabaseColumnType) * scan->capacity);
    }
    scan->types[scan->n]   = class == H5T_FLOAT ? DATABASE_FLOAT64 : DATABASE_INT64;
    scan->names[scan->n++] = strdup(name);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dataset);
  return 0;
}

/* The columns of `group_name` (none when it is absent or not a group). */
static PetscErrorCode list_columns(DatabaseReader *r, const char *group_name)
{
  ColumnScan scan = {0};
  hid_t      group;

  PetscFunctionBeginUser;
  if (H5Lexists(r->file, group_name, H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  if ((group = H5Gopen2(r->file, group_name, H5P_DEFAULT)) < 0) PetscFunctionReturn(0);
  scan.count    = (hsize_t)r->count;
  herr_t status = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, scan_column, &scan);
  H5Gclose(group);
  PetscCheck(status >= 0 && (scan.n == 0 || (scan.names && scan.types)), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s': cannot list the columns of %s", r->path, group_name);
  if (scan.n > 0) {
    r->n_columns = scan.n;
    PetscCall(PetscCalloc1(scan.n, &r->column_names));
    PetscCall(PetscMalloc1(scan.n, &r->column_types));
    for (PetscInt c = 0; c < scan.n; c++) {
      PetscCall(PetscStrallocpy(scan.names[c], &r->column_names[c]));
      r->column_types[c] = scan.types[c];
      free(scan.names[c]);
    }
    PetscCall(PetscStrncpy(r->column_group, group_name, sizeof r->column_group));
  }
  free(scan.names);
  free(scan.types);
  PetscFunctionReturn(0);
}

/* A plain message for a missing file or a folder, before HDF5's. */
static PetscErrorCode check_regular_file(MPI_Comm comm, const char *path)
{
  FILE       *probe = fopen(path, "rb");
  struct stat status;
  PetscFunctionBeginUser;
  PetscCheckPointerErrno(probe, "cannot open the database", path);
  int is_file = fstat(fileno(probe), &status) == 0 && S_ISREG(status.st_mode);
  fclose(probe);
  PetscCheck(is_file, comm, PETSC_ERR_FILE_OPEN, "database '%s' is a directory or not a regular file", path);
  PetscCheck(H5Fis_hdf5(path) > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "'%s' is not an HDF5 file (expected a nanoforge database)", path);
  PetscFunctionReturn(0);
}

/* Images and masks: present, 3-D, of one shape, not empty. */
static PetscErrorCode open_images_and_masks(DatabaseReader *r)
{
  hsize_t     dims[3], mask_dims[3];
  const char *path = r->path;
  MPI_Comm    comm = r->comm;

  PetscFunctionBeginUser;
  PetscCheck(H5Lexists(r->file, DATABASE_DATA_GROUP, H5P_DEFAULT) > 0 &&
               H5Lexists(r->file, DATABASE_IMAGES_GROUP, H5P_DEFAULT) > 0 &&
               H5Lexists(r->file, DATABASE_IMAGES, H5P_DEFAULT) > 0,
             comm, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s' has no images (" DATABASE_IMAGES "): is it a nanoforge database?", path);
  PetscCheck(H5Lexists(r->file, DATABASE_MASKS_GROUP, H5P_DEFAULT) > 0 &&
               H5Lexists(r->file, DATABASE_MASKS, H5P_DEFAULT) > 0,
             comm, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s' has no masks (" DATABASE_MASKS "): training and evaluation need ground-truth masks", path);
  PetscCallHDF5(r->images = H5Dopen2(r->file, DATABASE_IMAGES, H5P_DEFAULT), "opening " DATABASE_IMAGES, path);
  PetscCallHDF5(r->masks = H5Dopen2(r->file, DATABASE_MASKS, H5P_DEFAULT), "opening " DATABASE_MASKS, path);
  PetscCall(check_dataset_3d(r->images, DATABASE_IMAGES, path, dims));
  PetscCall(check_dataset_3d(r->masks, DATABASE_MASKS, path, mask_dims));
  PetscCall(hdf5_dataset_check_storage(r->images, DATABASE_IMAGES, path));
  PetscCall(hdf5_dataset_check_storage(r->masks, DATABASE_MASKS, path));
  PetscCheck(dims[0] == mask_dims[0] && dims[1] == mask_dims[1] && dims[2] == mask_dims[2], comm,
             PETSC_ERR_FILE_UNEXPECTED,
             "database '%s': images are %llu x %llu x %llu but masks are %llu x %llu x %llu; they must match", path,
             (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2],
             (unsigned long long)mask_dims[0], (unsigned long long)mask_dims[1], (unsigned long long)mask_dims[2]);
  PetscCheck(dims[0] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "database '%s' holds no images", path);
  r->count = (PetscInt)dims[0];
  r->ny    = (PetscInt)dims[1];
  r->nx    = (PetscInt)dims[2];
  PetscFunctionReturn(0);
}

/* Å per unit of an axis: "[Å]" as database.c writes it, "[nm]" from other EMD writers; 0 else. */
static double angstrom_per_axis_unit(const char *units)
{
  if (!strcmp(units, "[Å]") || !strcmp(units, "Å")) return 1;
  if (!strcmp(units, "[nm]") || !strcmp(units, "nm")) return 10;
  return 0;
}

/* The pixel size from the images' x axis (dim3: pixel centres); 0 when it is absent, in pixels
 * or other units, or has fewer than two entries. */
static PetscErrorCode read_pixel_size(DatabaseReader *r)
{
  char      units[32] = "";
  PetscBool found     = PETSC_FALSE;
  double    centres[2];
  hid_t     axis, space, memory;
  PetscFunctionBeginUser;
  r->pixel_size = 0;
  if (H5Lexists(r->file, DATABASE_IMAGES_GROUP, H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  if (H5Lexists(r->file, DATABASE_IMAGES_GROUP "/dim3", H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  PetscCallHDF5(axis = H5Dopen2(r->file, DATABASE_IMAGES_GROUP "/dim3", H5P_DEFAULT), "open dim3", r->path);
  PetscErrorCode ierr = hdf5_attribute_read_string(axis, "units", units, sizeof units, &found, r->path);
  /* an untrusted file's compact axis may hold fewer bytes than its shape says (hdf5_attribute.h) */
  if (!ierr) ierr = hdf5_dataset_check_storage(axis, DATABASE_IMAGES_GROUP "/dim3", r->path);
  double scale = found ? angstrom_per_axis_unit(units) : 0;
  space        = H5Dget_space(axis);
  if (!ierr && scale > 0 && space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
      H5Sget_simple_extent_npoints(space) >= 2) {
    const hsize_t start[1] = {0}, count[1] = {2};
    memory = H5Screate_simple(1, count, NULL);
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dread(axis, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, centres) >= 0 &&
        isfinite(centres[1] - centres[0]) && centres[1] > centres[0])
      r->pixel_size = scale * (centres[1] - centres[0]);
    H5Sclose(memory);
  }
  if (space >= 0) H5Sclose(space);
  H5Dclose(axis);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode open_into(DatabaseReader *r, const char *column_group)
{
  hid_t access;

  PetscFunctionBeginUser;
  PetscCall(check_regular_file(r->comm, r->path));
  PetscCallHDF5(access = H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", r->path);
  PetscCallHDF5(H5Pset_fapl_mpio(access, r->comm, MPI_INFO_NULL), "H5Pset_fapl_mpio", r->path);
  r->file = H5Fopen(r->path, H5F_ACC_RDONLY, access);
  H5Pclose(access);
  PetscCheck(r->file >= 0, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "cannot open the database '%s': damaged, truncated or not HDF5", r->path);
  PetscCall(open_images_and_masks(r));
  PetscCall(read_pixel_size(r));
  if (column_group && column_group[0]) {
    PetscCall(list_columns(r, column_group));
    PetscCheck(r->n_columns > 0, r->comm, PETSC_ERR_USER_INPUT,
               "-column_group %s: database '%s' has no per-image columns (1-D datasets of length %d) there",
               column_group, r->path, (int)r->count);
  } else {
    /* Ours first; the others are where other EMD writers keep per-image parameters. */
    const char *groups[] = {DATABASE_METADATA_GROUP, "/data/metadata", "/data/images", "/data/parameters",
                            DATABASE_DATA_GROUP};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0] && r->n_columns == 0; g++)
      PetscCall(list_columns(r, groups[g]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode database_reader_open(MPI_Comm comm, const char *path, const char *column_group, DatabaseReader **out)
{
  DatabaseReader *r;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscCalloc1(1, &r));
  PetscCall(PetscStrncpy(r->path, path, sizeof r->path));
  r->comm = comm;
  r->file = r->images = r->masks = -1;
  /* HDF5's own error stack stays quiet: a damaged file gets one error naming it. */
  H5E_auto2_t report;
  void       *report_data;
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscErrorCode ierr = open_into(r, column_group);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  if (ierr) PetscCall(database_reader_close(&r));
  PetscCall(ierr);
  *out = r;
  PetscFunctionReturn(0);
}

PetscErrorCode database_reader_close(DatabaseReader **reader)
{
  DatabaseReader *r = *reader;

  PetscFunctionBeginUser;
  if (!r) PetscFunctionReturn(0);
  if (r->images >= 0) H5Dclose(r->images);
  if (r->masks >= 0) H5Dclose(r->masks);
  if (r->file >= 0) H5Fclose(r->file);
  for (PetscInt c = 0; c < r->n_columns; c++) PetscCall(PetscFree(r->column_names[c]));
  PetscCall(PetscFree(r->column_names));
  PetscCall(PetscFree(r->column_types));
  PetscCall(PetscFree(*reader));
  PetscFunctionReturn(0);
}

PetscInt database_reader_column_index(const DatabaseReader *r, const char *name)
{
  for (PetscInt c = 0; c < r->n_columns; c++)
    if (!strcmp(r->column_names[c], name)) return c;
  return -1;
}

/* "a (int64), b (float64), ..." for messages. */
static PetscErrorCode column_list(const DatabaseReader *r, char *list, size_t size)
{
  PetscFunctionBeginUser;
  list[0] = 0;
  for (PetscInt c = 0; c < r->n_columns; c++) {
    char entry[128];
    PetscCall(PetscSNPrintf(entry, sizeof entry, "%s%s (%s)", c ? ", " : "", r->column_names[c],
                            database_column_type_names[r->column_types[c]]));
    PetscCall(PetscStrlcat(list, entry, size));
  }
  if (!r->n_columns) PetscCall(PetscStrncpy(list, "(none)", size));
  PetscFunctionReturn(0);
}

PetscErrorCode database_reader_read_column(const DatabaseReader *r, const char *name, DatabaseColumnType type,
                                           PetscInt first, PetscInt n, void *values)
{
  const PetscInt c = database_reader_column_index(r, name);
  char           list[2048], path[512];
  hid_t          column, file_space, memory_space;

  PetscFunctionBeginUser;
  if (c < 0) {
    PetscCall(column_list(r, list, sizeof list));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "database '%s' has no column '%s'; columns%s%s: %s", r->path,
            name, r->column_group[0] ? " in " : "", r->column_group, list);
  }
  PetscCheck(
    !(type == DATABASE_INT64 && r->column_types[c] == DATABASE_FLOAT64), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
    "database '%s': column '%s' holds float64, this reader needs int64 (the layout of database.h)", r->path, name);
  PetscCheck(first >= 0 && n >= 0 && first + n <= r->count, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "database '%s': rows %d..%d of column '%s' are outside 0..%d", r->path, (int)first, (int)(first + n - 1),
             name, (int)r->count - 1);
  if (n == 0) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", r->column_group, name));
  PetscCallHDF5(column = H5Dopen2(r->file, path, H5P_DEFAULT), "opening a column", r->path);
  PetscErrorCode damaged = hdf5_dataset_check_storage(column, name, r->path);
  if (damaged) H5Dclose(column);
  PetscCall(damaged);
  hsize_t start[1] = {(hsize_t)first}, extent[1] = {(hsize_t)n};
  PetscCallHDF5(file_space = H5Dget_space(column), "H5Dget_space", r->path);
  PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, extent, NULL),
                "selecting rows of a column", r->path);
  PetscCallHDF5(memory_space = H5Screate_simple(1, extent, NULL), "H5Screate_simple", r->path);
  herr_t status = H5Dread(column, type == DATABASE_INT64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, memory_space,
                          file_space, H5P_DEFAULT, values);
  H5Sclose(memory_space);
  H5Sclose(file_space);
  H5Dclose(column);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "database '%s': cannot read column '%s'", r->path,
             name);
  PetscFunctionReturn(0);
}

/* n consecutive rows from `first` of images (and masks) into the k-th place of the outputs. */
static PetscErrorCode read_rows(DatabaseReader *r, PetscInt first, PetscInt n, float *images, uint8_t *masks)
{
  hsize_t start[3] = {(hsize_t)first, 0, 0}, count[3] = {(hsize_t)n, (hsize_t)r->ny, (hsize_t)r->nx};
  hid_t   file_space, memory_space;
  size_t  values = (size_t)n * r->ny * r->nx;

  PetscFunctionBeginUser;
  PetscCheck(first >= 0 && n >= 0 && first + n <= r->count, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "images %d..%d are outside database '%s' (%d images)", (int)first, (int)(first + n - 1), r->path,
             (int)r->count);
  PetscCallHDF5(memory_space = H5Screate_simple(3, count, NULL), "H5Screate_simple", r->path);
  for (int which = 0; which < 2; which++) {
    if (which == 1 && !masks) break;
    hid_t dataset = which ? r->masks : r->images;
    PetscCallHDF5(file_space = H5Dget_space(dataset), "H5Dget_space", r->path);
    PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL), "selecting images",
                  r->path);
    PetscCallHDF5(H5Dread(dataset, which ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT, memory_space, file_space, H5P_DEFAULT,
                          which ? (void *)masks : (void *)images),
                  which ? "reading masks" : "reading images", r->path);
    H5Sclose(file_space);
  }
  H5Sclose(memory_space);
  if (masks)
    for (size_t p = 0; p < values; p++) masks[p] = masks[p] != 0;
  PetscFunctionReturn(0);
}

PetscErrorCode database_reader_read_range(DatabaseReader *r, PetscInt first, PetscInt n, float *images, uint8_t *masks)
{
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_DB_READ, 0, 0, 0, 0));
  if (n > 0) PetscCall(read_rows(r, first, n, images, masks));
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_READ, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode database_reader_read_indices(DatabaseReader *r, const PetscInt *indices, PetscInt n, float *images,
                                            uint8_t *masks)
{
  const size_t pixels = (size_t)r->ny * r->nx;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_DB_READ, 0, 0, 0, 0));
  for (PetscInt k = 0; k < n; k++)
    PetscCall(read_rows(r, indices[k], 1, images + k * pixels, masks ? masks + k * pixels : NULL));
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_READ, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode database_is_database(const char *path, PetscBool *is_database)
{
  H5E_auto2_t report;
  void       *report_data;
  hid_t       file;

  PetscFunctionBeginUser;
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file         = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  *is_database = file >= 0 && H5Lexists(file, DATABASE_DATA_GROUP, H5P_DEFAULT) > 0 &&
                     H5Lexists(file, DATABASE_IMAGES_GROUP, H5P_DEFAULT) > 0
                   ? PETSC_TRUE
                   : PETSC_FALSE;
  if (file >= 0) H5Fclose(file);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  PetscFunctionReturn(0);
}
