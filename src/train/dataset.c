/* dataset.c — reading the campaign database for training, split, shuffle, augment,
 * normalise, dose re-sampling, subset selection.
 * MPI: dataset_open opens the database collectively (database_reader.h, MPI-IO); reads are
 * independent hyperslabs. Nothing else here communicates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/checked_size.h"
#include "train/dataset.h"
#include "core/error_check.h"
#include "core/hdf5_attribute.h"
#include "core/timing.h"

const char *const split_grouping_names[] = {"structure", "image", "SplitGrouping", "SPLIT_BY_", NULL};
const char *const normalize_mode_names[] = {"minmax", "standard", "NormalizeMode", "NORMALIZE_", NULL};

/* ---- opening ---- */

/* Every column as double (the selector's values), and the structure ids as int64 when the
 * database has them. */
static PetscErrorCode load_columns(Dataset *d)
{
  DatabaseReader *r = d->reader;

  PetscFunctionBeginUser;
  d->n_columns = r->n_columns;
  PetscCall(PetscCalloc1(d->n_columns + 1, &d->columns)); /* zeroed: dataset_destroy may meet a partial set */
  for (PetscInt c = 0; c < d->n_columns; c++) {
    PetscCall(PetscMalloc1(d->count, &d->columns[c]));
    PetscCall(database_reader_read_column(r, r->column_names[c], DATABASE_FLOAT64, 0, d->count, d->columns[c]));
  }
  PetscCall(PetscMalloc1(d->count, &d->structure_id));
  PetscCall(PetscMalloc1(d->count, &d->image_index));
  for (PetscInt i = 0; i < d->count; i++) d->image_index[i] = i;
  d->has_structure_id = database_reader_column_index(r, DATABASE_STRUCTURE_ID) >= 0;
  if (d->has_structure_id)
    PetscCall(database_reader_read_column(r, DATABASE_STRUCTURE_ID, DATABASE_INT64, 0, d->count, d->structure_id));
  else
    for (PetscInt i = 0; i < d->count; i++) d->structure_id[i] = i;
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_open(MPI_Comm comm, const char *path, const char *column_group, Dataset **out)
{
  Dataset *d;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscCalloc1(1, &d));
  PetscCall(PetscStrncpy(d->path, path, sizeof d->path));
  d->comm             = comm;
  PetscErrorCode ierr = database_reader_open(comm, path, column_group, &d->reader);
  if (!ierr) {
    d->count = d->reader->count, d->ny = d->reader->ny, d->nx = d->reader->nx;
    d->column_names = d->reader->column_names;
    PetscCall(PetscStrncpy(d->column_group, d->reader->column_group, sizeof d->column_group));
    ierr = load_columns(d);
  }
  if (ierr) PetscCall(dataset_destroy(&d));
  PetscCall(ierr);
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode dataset_destroy(Dataset **dataset)
{
  Dataset *d = *dataset;

  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  for (PetscInt c = 0; d->columns && c < d->n_columns; c++) PetscCall(PetscFree(d->columns[c]));
  PetscCall(PetscFree(d->columns));
  PetscCall(PetscFree(d->structure_id));
  PetscCall(PetscFree(d->image_index));
  PetscCall(database_reader_close(&d->reader));
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
  PetscFunctionBeginUser;
  PetscCall(database_reader_read_indices(d->reader, indices, n, images, masks));
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
    char              *at          = NULL;
    int                op          = -1;
    for (int o = 0; o < 6 && !at; o++)
      if ((at = strstr(condition, operators[o]))) op = o;
    PetscCheck(at && at != condition, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "-select: condition '%s' is not COLUMN OP VALUE with OP one of >= <= == != > <", condition);
    char name[128] = {0};
    PetscCheck((size_t)(at - condition) < sizeof name, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "-select: column name in '%s' too long", condition);
    memcpy(name, condition, (size_t)(at - condition));
    char  *value_text = at + strlen(operators[op]), *end;
    double value      = strtod(value_text, &end);
    PetscCheck(end != value_text && *end == '\0', PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "-select: '%s' in condition '%s' is not a number", value_text, condition);
    const double *column = dataset_column(d, name);
    if (!column) {
      char list[2048] = "";
      for (PetscInt c = 0; c < d->n_columns; c++) {
        PetscCall(PetscStrlcat(list, c ? ", " : "", sizeof list));
        PetscCall(PetscStrlcat(list, d->column_names[c], sizeof list));
      }
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
              "-select: database '%s' has no per-image column '%s'; columns%s%s: %s", d->path, name,
              d->column_group[0] ? " in " : "", d->column_group, d->n_columns ? list : "(none)");
    }
    for (PetscInt i = 0; i < d->count; i++) {
      double x    = column[i];
      int    keep = op == 0   ? x >= value
                    : op == 1 ? x <= value
                    : op == 2 ? x == value
                    : op == 3 ? x != value
                    : op == 4 ? x > value
                              : x < value;
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

PetscErrorCode dataset_split(const Dataset *d, const PetscBool *selected, const DatasetSplitRule *rule,
                             PetscInt **train, PetscInt *n_train, PetscInt **validation, PetscInt *n_validation)
{
  const double   fraction = rule->validation_fraction;
  const uint64_t seed     = rule->seed;
  const int64_t *group    = d->structure_id;
  int64_t       *ids;
  PetscInt       n_ids = 0, n_distinct = 0, n_val_structures;
  RngStream      stream;

  PetscFunctionBeginUser;
  PetscCheck(fraction >= 0 && fraction < 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-val_fraction %g: allowed 0 <= fraction < 1", fraction);
  /* Every rank of the dataset's communicator decides the same, so the error is raised on all. */
  PetscCheck(
    rule->grouping == SPLIT_BY_IMAGE || d->has_structure_id || fraction == 0, d->comm, PETSC_ERR_USER_INPUT,
    "database '%s' has no structure id column (%s/%s), so images of one structure could land on both sides of the train/validation split (leakage); give -split_by image to split by image anyway",
    d->path, DATABASE_METADATA_GROUP, DATABASE_STRUCTURE_ID);
  if (rule->grouping == SPLIT_BY_IMAGE) group = d->image_index;
  PetscCall(PetscMalloc1(d->count, &ids));
  for (PetscInt i = 0; i < d->count; i++)
    if (!selected || selected[i]) ids[n_ids++] = group[i];
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
    int64_t key = group[i];
    if (n_val_structures && bsearch(&key, ids, (size_t)n_val_structures, sizeof *ids, compare_int64))
      (*validation)[(*n_validation)++] = i;
    else
      (*train)[(*n_train)++] = i;
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
  if (k & 1) {
    PetscInt t = y;
    y          = x;
    x          = t;
  } /* square only */
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
    float  scale     = deviation > 0 ? (float)(1.0 / deviation) : 0.0f;
    for (PetscInt i = 0; i < count; i++) image[i] = (float)(image[i] - mean) * scale;
  }
}

void resample_dose(float *image, PetscInt count, double dose, double pixel_area, RngStream *stream)
{
  double sum = 0, electrons = dose * pixel_area;
  for (PetscInt i = 0; i < count; i++) sum += fmax(image[i], 0);
  double mean = sum / count;
  if (mean <= 0 || electrons <= 0) return;
  for (PetscInt i = 0; i < count; i++)
    image[i] = (float)((double)rng_poisson(stream, fmax(image[i], 0) / mean * electrons) / electrons);
}

/* ---- external labelled files ---- */

/* The shape of dataset `name` of a labelled set: rank checked before the dimensions are read
 * (dims has H5S_MAX_RANK entries anyway), numbers only. */
static PetscErrorCode labelled_set_shape(hid_t file, const char *name, const char *path, hid_t *set, int *rank,
                                         hsize_t dims[H5S_MAX_RANK])
{
  hid_t space, type;
  H5T_class_t class;

  PetscFunctionBeginUser;
  *set = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(*set >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot open the dataset '%s'", path, name);
  space = H5Dget_space(*set);
  *rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (*rank >= 0 && *rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(space, dims, NULL);
  if (space >= 0) H5Sclose(space);
  PetscCheck(*rank >= 0 && *rank <= H5S_MAX_RANK, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': cannot read the shape of '%s'", path, name);
  type  = H5Dget_type(*set);
  class = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type >= 0) H5Tclose(type);
  PetscCheck(class == H5T_INTEGER || class == H5T_FLOAT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': '%s' does not hold numbers (HDF5 type class %d)", path, name, (int)class);
  PetscCall(hdf5_dataset_check_storage(*set, name, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode labelled_set_read_from(hid_t file, const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx,
                                             float **images, float **maps, uint8_t **masks)
{
  hid_t   set = -1;
  hsize_t dims[H5S_MAX_RANK], map_dims[H5S_MAX_RANK];
  int     rank, map_rank;
  size_t  pixels, total, channels, map_values;
  herr_t  status;

  PetscFunctionBeginUser;
  PetscCheck(
    H5Lexists(file, "images", H5P_DEFAULT) > 0 && H5Lexists(file, "maps", H5P_DEFAULT) > 0, PETSC_COMM_SELF,
    PETSC_ERR_FILE_UNEXPECTED,
    "'%s' has no 'images' and 'maps' datasets (the labelled-set layout) and no /data/images and /data/masks (a nanoforge database)",
    path);
  PetscCall(labelled_set_shape(file, "images", path, &set, &rank, dims));
  if (!(rank == 3 || (rank == 4 && dims[3] == 1))) {
    H5Dclose(set);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "'%s': images has %d dimensions; it must be [N][ny][nx] or [N][ny][nx][1]", path, rank);
  }
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0 || size_multiply_overflows(dims[1], dims[2], &pixels) ||
      pixels > (size_t)PETSC_MAX_INT || dims[0] > (hsize_t)PETSC_MAX_INT ||
      size_multiply_overflows(pixels, dims[0], &total) || total > (size_t)PETSC_MAX_INT) {
    H5Dclose(set);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "'%s': images are %llu x %llu x %llu; allowed 1 to %d images of at least 1 x 1 pixel, %d pixels in all",
            path, (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2],
            (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  }
  *count = (PetscInt)dims[0], *ny = (PetscInt)dims[1], *nx = (PetscInt)dims[2];
  PetscErrorCode ierr = checked_malloc(total, sizeof(float), "the images", path, images);
  if (ierr) H5Dclose(set);
  PetscCall(ierr);
  status = H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *images);
  H5Dclose(set);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot read the images", path);

  PetscCall(labelled_set_shape(file, "maps", path, &set, &map_rank, map_dims));
  if (!((map_rank == 3 || map_rank == 4) && map_dims[0] == dims[0] && map_dims[1] == dims[1] &&
        map_dims[2] == dims[2] && (map_rank == 3 || map_dims[3] > 0))) {
    H5Dclose(set);
    SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "'%s': maps must have the shape of images ([N][ny][nx], optionally [..][C]); images are %llu x %llu x %llu, maps have %d dimensions",
      path, (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2], map_rank);
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
    if (channels == 1)
      (*masks)[p] = map[p] > 0.5f;
    else {
      size_t best = 0;
      for (size_t c = 1; c < channels; c++)
        if (map[p * channels + c] > map[p * channels + best]) best = c;
      (*masks)[p] = best != 0;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode labelled_set_read_hdf5(const char *path, PetscInt *count, PetscInt *ny, PetscInt *nx, float **images,
                                      uint8_t **masks)
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
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "cannot open the labelled set '%s': damaged, truncated or not HDF5", path);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
