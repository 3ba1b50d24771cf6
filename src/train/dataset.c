/* dataset.c — reading the campaign database for training, split, shuffle, augment,
 * normalise, dose re-sampling, subset selection.
 * MPI: dataset_open opens the HDF5 file collectively with the MPI-IO driver; reads are
 * independent hyperslabs. Nothing else here communicates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "checked_size.h"
#include "dataset.h"
#include "error_check.h"
#include "hdf5_attribute.h"
#include "timing.h"

const char *const normalize_mode_names[] = {"minmax", "standard", "NormalizeMode", "NORMALIZE_", NULL};

/* ---- opening ---- */

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
  PetscCheck(rank == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "database '%s': %s has %d dimensions, expected 3 ([N][ny][nx])", path, name, rank);
  size_t pixels;
  PetscCheck(dims[1] > 0 && dims[2] > 0 && !size_multiply_overflows(dims[1], dims[2], &pixels) && pixels <= (size_t)PETSC_MAX_INT && dims[0] <= (hsize_t)PETSC_MAX_INT,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "database '%s': %s is %llu x %llu x %llu; allowed up to %d images of at least 1 x 1 and at most %d pixels", path, name,
             (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2], (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

typedef struct {
  hid_t    group;
  hsize_t  count;
  PetscInt n;
  char   **names;
  int      capacity;
} ColumnScan;

/* H5Literate callback: note every 1-D numeric dataset of length `count`. */
static herr_t scan_column(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
  ColumnScan *scan = (ColumnScan *)data;
  H5O_info_t  object;
  (void)info;
  if (H5Oget_info_by_name(group, name, &object, H5P_DEFAULT) < 0 || object.type != H5O_TYPE_DATASET) return 0;
  hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
  if (dataset < 0) return 0;
  hid_t       space = H5Dget_space(dataset), type = H5Dget_type(dataset);
  H5T_class_t class = H5Tget_class(type);
  hsize_t     dims[4] = {0};
  int         rank = H5Sget_simple_extent_ndims(space);
  if (rank == 1) H5Sget_simple_extent_dims(space, dims, NULL);
  if (rank == 1 && dims[0] == scan->count && (class == H5T_INTEGER || class == H5T_FLOAT || class == H5T_ENUM)) {
    if (scan->n == scan->capacity) {
      scan->capacity = scan->capacity ? 2 * scan->capacity : 16;
      scan->names = realloc(scan->names, sizeof(char *) * scan->capacity);
    }
    scan->names[scan->n++] = strdup(name);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dataset);
  return 0;
}

static PetscErrorCode read_columns(Dataset *d, const char *group_name)
{
  ColumnScan scan = {0};
  htri_t     exists;

  PetscFunctionBeginUser;
  exists = H5Lexists(d->file, group_name, H5P_DEFAULT);
  if (exists <= 0) PetscFunctionReturn(0);
  scan.group = H5Gopen2(d->file, group_name, H5P_DEFAULT);
  if (scan.group < 0) PetscFunctionReturn(0); /* not a group */
  scan.count = (hsize_t)d->count;
  PetscCallHDF5(H5Literate(scan.group, H5_INDEX_NAME, H5_ITER_INC, NULL, scan_column, &scan), "listing the columns of group", d->path);
  if (scan.n > 0) {
    d->n_columns = scan.n;
    PetscCall(PetscCalloc1(scan.n, &d->column_names)); /* zeroed: dataset_destroy may meet a partial set */
    PetscCall(PetscCalloc1(scan.n, &d->columns));
    for (PetscInt c = 0; c < scan.n; c++) {
      hid_t column = H5Dopen2(scan.group, scan.names[c], H5P_DEFAULT);
      PetscCallHDF5(column, "opening a column", d->path);
      PetscErrorCode damaged = hdf5_dataset_check_storage(column, scan.names[c], d->path);
      if (damaged) H5Dclose(column);
      PetscCall(damaged);
      PetscCall(PetscStrallocpy(scan.names[c], &d->column_names[c]));
      PetscCall(PetscMalloc1(d->count, &d->columns[c]));
      PetscCallHDF5(H5Dread(column, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->columns[c]), "reading a metadata column", d->path);
      H5Dclose(column);
      free(scan.names[c]);
    }
    PetscCall(PetscStrncpy(d->column_group, group_name, sizeof d->column_group));
  }
  free(scan.names);
  H5Gclose(scan.group);
  PetscFunctionReturn(0);
}

static PetscErrorCode dataset_open_into(Dataset *d, MPI_Comm comm, const char *path, const char *column_group)
{
  hid_t   access;
  hsize_t dims[3], mask_dims[3];

  PetscFunctionBeginUser;
  {
    FILE       *probe = fopen(path, "rb"); /* a plain message for a missing file, before HDF5's */
    struct stat status;
    PetscCheckPointerErrno(probe, "cannot open the database", path);
    int is_file = fstat(fileno(probe), &status) == 0 && S_ISREG(status.st_mode);
    fclose(probe);
    PetscCheck(is_file, comm, PETSC_ERR_FILE_OPEN, "database '%s' is a directory or not a regular file", path);
  }
  PetscCheck(H5Fis_hdf5(path) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not an HDF5 file (expected a nanoforge database)", path);
  access = H5Pcreate(H5P_FILE_ACCESS);
  PetscCallHDF5(H5Pset_fapl_mpio(access, comm, MPI_INFO_NULL), "H5Pset_fapl_mpio", path);
  d->file = H5Fopen(path, H5F_ACC_RDONLY, access);
  H5Pclose(access);
  PetscCheck(d->file >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "cannot open the database '%s': damaged, truncated or not HDF5", path);
  PetscCheck(H5Lexists(d->file, "/data", H5P_DEFAULT) > 0 && H5Lexists(d->file, "/data/images", H5P_DEFAULT) > 0 && H5Lexists(d->file, "/data/images/data", H5P_DEFAULT) > 0,
             comm, PETSC_ERR_FILE_UNEXPECTED, "database '%s' has no images (/data/images/data): is it a nanoforge database?", path);
  PetscCheck(H5Lexists(d->file, "/data/masks", H5P_DEFAULT) > 0 && H5Lexists(d->file, "/data/masks/data", H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s' has no masks (/data/masks/data): training and evaluation need ground-truth masks", path);
  d->images = H5Dopen2(d->file, "/data/images/data", H5P_DEFAULT);
  PetscCallHDF5(d->images, "opening /data/images/data", path);
  d->masks = H5Dopen2(d->file, "/data/masks/data", H5P_DEFAULT);
  PetscCallHDF5(d->masks, "opening /data/masks/data", path);
  PetscCall(check_dataset_3d(d->images, "/data/images/data", path, dims));
  PetscCall(check_dataset_3d(d->masks, "/data/masks/data", path, mask_dims));
  PetscCall(hdf5_dataset_check_storage(d->images, "/data/images/data", path));
  PetscCall(hdf5_dataset_check_storage(d->masks, "/data/masks/data", path));
  PetscCheck(dims[0] == mask_dims[0] && dims[1] == mask_dims[1] && dims[2] == mask_dims[2], comm, PETSC_ERR_FILE_UNEXPECTED,
             "database '%s': images are %llu x %llu x %llu but masks are %llu x %llu x %llu; they must match", path, (unsigned long long)dims[0],
             (unsigned long long)dims[1], (unsigned long long)dims[2], (unsigned long long)mask_dims[0], (unsigned long long)mask_dims[1], (unsigned long long)mask_dims[2]);
  PetscCheck(dims[0] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "database '%s' holds no images", path);
  d->count = (PetscInt)dims[0];
  d->ny = (PetscInt)dims[1];
  d->nx = (PetscInt)dims[2];

  if (column_group && column_group[0]) {
    PetscCall(read_columns(d, column_group));
    PetscCheck(d->n_columns > 0, comm, PETSC_ERR_USER_INPUT, "-column_group %s: database '%s' has no per-image columns (1-D datasets of length %d) there", column_group,
               path, (int)d->count);
  } else {
    const char *groups[] = {"/metadata", "/data/metadata", "/data/images", "/data/parameters", "/data"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0] && d->n_columns == 0; g++) PetscCall(read_columns(d, groups[g]));
  }

  PetscCall(PetscMalloc1(d->count, &d->structure_id));
  const double *ids = dataset_column(d, "structure_id");
  if (ids) PetscCall(PetscStrncpy(d->structure_column, "structure_id", sizeof d->structure_column));
  else if ((ids = dataset_column(d, "unit_id"))) PetscCall(PetscStrncpy(d->structure_column, "unit_id", sizeof d->structure_column));
  for (PetscInt i = 0; i < d->count; i++) d->structure_id[i] = ids ? (int64_t)ids[i] : (int64_t)i;
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_open(MPI_Comm comm, const char *path, const char *column_group, Dataset **out)
{
  Dataset *d;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscCalloc1(1, &d));
  PetscCall(PetscStrncpy(d->path, path, sizeof d->path));
  d->comm = comm;
  d->file = d->images = d->masks = -1;
  /* HDF5's own error stack is silenced while the database is opened and checked: a damaged or
   * foreign file gets one error naming it, not pages of HDF5 diagnostics. */
  H5E_auto2_t report;
  void       *report_data;
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscErrorCode ierr = dataset_open_into(d, comm, path, column_group);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  if (ierr) PetscCall(dataset_destroy(&d)); /* a bad database leaks neither memory nor HDF5 handles */
  PetscCall(ierr);
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_destroy(Dataset **dataset)
{
  Dataset *d = *dataset;

  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  if (d->images >= 0) H5Dclose(d->images);
  if (d->masks >= 0) H5Dclose(d->masks);
  if (d->file >= 0) H5Fclose(d->file);
  for (PetscInt c = 0; c < d->n_columns; c++) {
    PetscCall(PetscFree(d->column_names[c]));
    PetscCall(PetscFree(d->columns[c]));
  }
  PetscCall(PetscFree(d->column_names));
  PetscCall(PetscFree(d->columns));
  PetscCall(PetscFree(d->structure_id));
  PetscCall(PetscFree(*dataset));
  PetscFunctionReturn(0);
}

const double *dataset_column(const Dataset *d, const char *name)
{
  for (PetscInt c = 0; c < d->n_columns; c++)
    if (!strcmp(d->column_names[c], name)) return d->columns[c];
  return NULL;
}

PetscErrorCode dataset_read(Dataset *d, const PetscInt *indices, PetscInt n, float *images, uint8_t *masks)
{
  hsize_t start[3] = {0, 0, 0}, count[3] = {1, (hsize_t)d->ny, (hsize_t)d->nx};
  hid_t   file_space, memory_space;
  size_t  pixels = (size_t)d->ny * d->nx;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_DB_READ, 0, 0, 0, 0));
  memory_space = H5Screate_simple(3, count, NULL);
  PetscCallHDF5(memory_space, "H5Screate_simple", d->path);
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(indices[k] >= 0 && indices[k] < d->count, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "image %d is outside database '%s' (%d images)", (int)indices[k],
               d->path, (int)d->count);
    start[0] = (hsize_t)indices[k];
    file_space = H5Dget_space(d->images);
    PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL), "selecting an image", d->path);
    PetscCallHDF5(H5Dread(d->images, H5T_NATIVE_FLOAT, memory_space, file_space, H5P_DEFAULT, images + k * pixels), "reading an image", d->path);
    H5Sclose(file_space);
    if (masks) {
      file_space = H5Dget_space(d->masks);
      PetscCallHDF5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL), "selecting a mask", d->path);
      PetscCallHDF5(H5Dread(d->masks, H5T_NATIVE_UINT8, memory_space, file_space, H5P_DEFAULT, masks + k * pixels), "reading a mask", d->path);
      H5Sclose(file_space);
      for (size_t p = 0; p < pixels; p++) masks[k * pixels + p] = masks[k * pixels + p] != 0;
    }
  }
  H5Sclose(memory_space);
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_READ, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---- subset selection ---- */

/* The conditions of `copy` (modified), each narrowing `selected`. */
static PetscErrorCode select_conditions(const Dataset *d, char *copy, PetscBool *selected)
{
  char *condition, *save = NULL;

  PetscFunctionBeginUser;
  for (condition = strtok_r(copy, ",", &save); condition; condition = strtok_r(NULL, ",", &save)) {
    static const char *operators[] = {">=", "<=", "==", "!=", ">", "<"};
    char              *at = NULL;
    int                op = -1;
    for (int o = 0; o < 6 && !at; o++)
      if ((at = strstr(condition, operators[o]))) op = o;
    PetscCheck(at && at != condition, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-select: condition '%s' is not COLUMN OP VALUE with OP one of >= <= == != > <", condition);
    char name[128] = {0};
    PetscCheck((size_t)(at - condition) < sizeof name, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-select: column name in '%s' too long", condition);
    memcpy(name, condition, (size_t)(at - condition));
    char *value_text = at + strlen(operators[op]), *end;
    double value = strtod(value_text, &end);
    PetscCheck(end != value_text && *end == '\0', PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-select: '%s' in condition '%s' is not a number", value_text, condition);
    const double *column = dataset_column(d, name);
    if (!column) {
      char list[2048] = "";
      for (PetscInt c = 0; c < d->n_columns; c++) {
        PetscCall(PetscStrlcat(list, c ? ", " : "", sizeof list));
        PetscCall(PetscStrlcat(list, d->column_names[c], sizeof list));
      }
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-select: database '%s' has no per-image column '%s'; columns%s%s: %s", d->path, name,
              d->column_group[0] ? " in " : "", d->column_group, d->n_columns ? list : "(none)");
    }
    for (PetscInt i = 0; i < d->count; i++) {
      double x = column[i];
      int    keep = op == 0 ? x >= value : op == 1 ? x <= value : op == 2 ? x == value : op == 3 ? x != value : op == 4 ? x > value : x < value;
      if (!keep) selected[i] = PETSC_FALSE;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_select(const Dataset *d, const char *spec, PetscBool *selected)
{
  char *copy;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < d->count; i++) selected[i] = PETSC_TRUE;
  if (!spec || !spec[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrallocpy(spec, &copy));
  PetscErrorCode ierr = select_conditions(d, copy, selected); /* the copy is freed on errors too */
  PetscCall(PetscFree(copy));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---- split and shuffle ---- */

static int compare_int64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

PetscErrorCode dataset_split(const Dataset *d, const PetscBool *selected, double fraction, uint64_t seed, PetscInt **train, PetscInt *n_train, PetscInt **validation,
                             PetscInt *n_validation)
{
  int64_t  *ids;
  PetscInt  n_ids = 0, n_distinct = 0, n_val_structures;
  RngStream stream;

  PetscFunctionBeginUser;
  PetscCheck(fraction >= 0 && fraction < 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-val_fraction %g: allowed 0 <= fraction < 1", fraction);
  PetscCall(PetscMalloc1(d->count, &ids));
  for (PetscInt i = 0; i < d->count; i++)
    if (!selected || selected[i]) ids[n_ids++] = d->structure_id[i];
  qsort(ids, (size_t)n_ids, sizeof *ids, compare_int64);
  for (PetscInt i = 0; i < n_ids; i++)
    if (i == 0 || ids[i] != ids[i - 1]) ids[n_distinct++] = ids[i];
  /* Draw which structures validate: shuffle the sorted distinct ids, take the first ones. */
  rng_stream_init(&stream, seed, 0, RNG_PURPOSE_SPLIT);
  for (PetscInt i = n_distinct - 1; i > 0; i--) {
    PetscInt j = (PetscInt)rng_below(&stream, (uint64_t)i + 1);
    int64_t  t = ids[i];
    ids[i] = ids[j], ids[j] = t;
  }
  n_val_structures = (PetscInt)floor(fraction * n_distinct + 0.5);
  if (fraction > 0 && n_val_structures == 0 && n_distinct >= 2) n_val_structures = 1;
  if (n_val_structures >= n_distinct && n_distinct > 0) n_val_structures = n_distinct - 1;
  qsort(ids, (size_t)n_val_structures, sizeof *ids, compare_int64);
  PetscCall(PetscMalloc1(d->count + 1, train));
  PetscCall(PetscMalloc1(d->count + 1, validation));
  *n_train = *n_validation = 0;
  for (PetscInt i = 0; i < d->count; i++) {
    if (selected && !selected[i]) continue;
    int64_t key = d->structure_id[i];
    if (n_val_structures && bsearch(&key, ids, (size_t)n_val_structures, sizeof *ids, compare_int64)) (*validation)[(*n_validation)++] = i;
    else (*train)[(*n_train)++] = i;
  }
  PetscCall(PetscFree(ids));
  PetscFunctionReturn(0);
}

void dataset_shuffle(const PetscInt *base, PetscInt n, uint64_t seed, PetscInt epoch, PetscInt *order)
{
  RngStream stream;
  rng_stream_init(&stream, seed, (uint64_t)epoch, RNG_PURPOSE_SHUFFLE);
  for (PetscInt i = 0; i < n; i++) order[i] = base[i];
  for (PetscInt i = n - 1; i > 0; i--) {
    PetscInt j = (PetscInt)rng_below(&stream, (uint64_t)i + 1), t = order[i];
    order[i] = order[j], order[j] = t;
  }
}

/* ---- augmentation ---- */

/* Source index of output pixel (y, x) under symmetry k (output has the same shape). */
static inline PetscInt dihedral_source(PetscInt y, PetscInt x, PetscInt ny, PetscInt nx, int k)
{
  if (k & 2) y = ny - 1 - y;
  if (k & 4) x = nx - 1 - x;
  if (k & 1) { PetscInt t = y; y = x; x = t; } /* square only */
  return y * nx + x;
}

void augment_dihedral_float(const float *in, PetscInt ny, PetscInt nx, int k, float *out)
{
  if (ny != nx) k &= 6;
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) out[y * nx + x] = in[dihedral_source(y, x, ny, nx, k)];
}

void augment_dihedral_mask(const uint8_t *in, PetscInt ny, PetscInt nx, int k, uint8_t *out)
{
  if (ny != nx) k &= 6;
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) out[y * nx + x] = in[dihedral_source(y, x, ny, nx, k)];
}

/* ---- normalisation and dose ---- */

void normalize_image(float *image, PetscInt count, NormalizeMode mode)
{
  if (mode == NORMALIZE_MINMAX) {
    float low = image[0], high = image[0];
    for (PetscInt i = 1; i < count; i++) low = fminf(low, image[i]), high = fmaxf(high, image[i]);
    float scale = high > low ? 1.0f / (high - low) : 0.0f;
    for (PetscInt i = 0; i < count; i++) image[i] = (image[i] - low) * scale;
  } else {
    double sum = 0, sum2 = 0;
    for (PetscInt i = 0; i < count; i++) sum += image[i];
    double mean = sum / count;
    for (PetscInt i = 0; i < count; i++) sum2 += (image[i] - mean) * (image[i] - mean);
    double deviation = sqrt(sum2 / count);
    float  scale = deviation > 0 ? (float)(1.0 / deviation) : 0.0f;
    for (PetscInt i = 0; i < count; i++) image[i] = (float)(image[i] - mean) * scale;
  }
}

void resample_dose(float *image, PetscInt count, double dose, double pixel_area, RngStream *stream)
{
  double sum = 0, electrons = dose * pixel_area;
  for (PetscInt i = 0; i < count; i++) sum += fmax(image[i], 0);
  double mean = sum / count;
  if (mean <= 0 || electrons <= 0) return;
  for (PetscInt i = 0; i < count; i++) image[i] = (float)((double)rng_poisson(stream, fmax(image[i], 0) / mean * electrons) / electrons);
}

/* ---- external labelled files ---- */

/* The shape of dataset `name` of a labelled set: rank checked before the dimensions are read
 * (dims has H5S_MAX_RANK entries anyway), numbers only. */
static PetscErrorCode labelled_set_shape(hid_t file, const char *name, const char *path, hid_t *set, int *rank, hsize_t dims[H5S_MAX_RANK])
{
  hid_t       space, type;
  H5T_class_t class;

  PetscFunctionBeginUser;
  *set = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(*set >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot open the dataset '%s'", path, name);
  space = H5Dget_space(*set);
  *rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (*rank >= 0 && *rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(space, dims, NULL);
  if (space >= 0) H5Sclose(space);
  PetscCheck(*rank >= 0 && *rank <= H5S_MAX_RANK, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot read the shape of '%s'", path, name);
  type  = H5Dget_type(*set);
  class = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type >= 0) H5Tclose(type);
  PetscCheck(class == H5T_INTEGER || class == H5T_FLOAT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': '%s' does not hold numbers (HDF5 type class %d)", path, name, (int)class);
  PetscCall(hdf5_dataset_check_storage(*set, name, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode labelled_set_read_from(hid_t file, const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx, float **images, float **maps, uint8_t **masks)
{
  hid_t   set = -1;
  hsize_t dims[H5S_MAX_RANK], map_dims[H5S_MAX_RANK];
  int     rank, map_rank;
  size_t  pixels, total, channels, map_values;
  herr_t  status;

  PetscFunctionBeginUser;
  PetscCheck(H5Lexists(file, "images", H5P_DEFAULT) > 0 && H5Lexists(file, "maps", H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s' has no 'images' and 'maps' datasets (the labelled-set layout) and no /data/images and /data/masks (a nanoforge database)", path);
  PetscCall(labelled_set_shape(file, "images", path, &set, &rank, dims));
  if (!(rank == 3 || (rank == 4 && dims[3] == 1))) {
    H5Dclose(set);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': images has %d dimensions; it must be [N][ny][nx] or [N][ny][nx][1]", path, rank);
  }
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 || size_multiply_overflows(dims[1], dims[2], &pixels) || pixels > (size_t)PETSC_MAX_INT || dims[0] > (hsize_t)PETSC_MAX_INT ||
      size_multiply_overflows(pixels, dims[0], &total) || total > (size_t)PETSC_MAX_INT) {
    H5Dclose(set);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': images are %llu x %llu x %llu; allowed 1 to %d images of at least 1 x 1 pixel, %d pixels in all", path,
            (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2], (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  }
  *count = (PetscInt)dims[0], *ny = (PetscInt)dims[1], *nx = (PetscInt)dims[2];
  PetscErrorCode ierr = checked_malloc(total, sizeof(float), "the images", path, images);
  if (ierr) H5Dclose(set);
  PetscCall(ierr);
  status = H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *images);
  H5Dclose(set);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot read the images", path);

  PetscCall(labelled_set_shape(file, "maps", path, &set, &map_rank, map_dims));
  if (!((map_rank == 3 || map_rank == 4) && map_dims[0] == dims[0] && map_dims[1] == dims[1] && map_dims[2] == dims[2] && (map_rank == 3 || map_dims[3] > 0))) {
    H5Dclose(set);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': maps must have the shape of images ([N][ny][nx], optionally [..][C]); images are %llu x %llu x %llu, maps have %d dimensions", path,
            (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2], map_rank);
  }
  channels = map_rank == 4 ? (size_t)map_dims[3] : 1;
  ierr     = checked_bytes(total, channels, 1, "the maps", path, &map_values);
  if (!ierr) ierr = checked_malloc(map_values, sizeof(float), "the maps", path, maps);
  if (ierr) H5Dclose(set);
  PetscCall(ierr);
  status = H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *maps);
  H5Dclose(set);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot read the maps", path);
  PetscCall(PetscMalloc1(total, masks));
  for (size_t p = 0; p < total; p++) {
    const float *map = *maps;
    if (channels == 1) (*masks)[p] = map[p] > 0.5f;
    else {
      size_t best = 0;
      for (size_t c = 1; c < channels; c++)
        if (map[p * channels + c] > map[p * channels + best]) best = c;
      (*masks)[p] = best != 0;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode labelled_set_read_hdf5(const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx, float **images, uint8_t **masks)
{
  hid_t       file;
  float      *maps = NULL;
  H5E_auto2_t report;
  void       *report_data;

  PetscFunctionBeginUser;
  *images = NULL, *masks = NULL;
  {
    FILE *probe = fopen(path, "rb");
    PetscCheckPointerErrno(probe, "cannot open the labelled set", path);
    fclose(probe);
  }
  /* HDF5's own error stack is silenced: a damaged file gets one error naming it. */
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file                = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscErrorCode ierr = file >= 0 ? labelled_set_read_from(file, path, count, ny, nx, images, &maps, masks) : 0;
  if (file >= 0) H5Fclose(file);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  PetscCall(PetscFree(maps));
  if (ierr || file < 0) {
    PetscCall(PetscFree(*images));
    PetscCall(PetscFree(*masks));
  }
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "cannot open the labelled set '%s': damaged, truncated or not HDF5", path);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
