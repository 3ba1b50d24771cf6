/* test_dataset.c — the training data module on a small synthetic database of the campaign
 * layout: reading, split by structure (no leak), shuffle, the 8 dihedral symmetries,
 * normalisation, dose re-sampling, the subset selector, bad databases.
 *
 * Also a tool for the integration tests:  test_dataset --write-synthetic PATH STRUCTURES
 * CONDITIONS SIZE SEED [nomasks|nostructureid]  writes a synthetic database (without its
 * masks, or without its structure id column) and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "db/database.h"
#include "train/dataset.h"
#include "unit.h"

static char database_path[PETSC_MAX_PATH_LEN];

static void test_open_and_read(void)
{
  Dataset *d = NULL;
  UNIT_CALL(dataset_open(PETSC_COMM_SELF, database_path, NULL, &d));
  if (!d) return;
  UNIT_CHECK(d->count == 24 && d->ny == 32 && d->nx == 32, "count %d ny %d nx %d", (int)d->count, (int)d->ny,
             (int)d->nx);
  UNIT_CHECK(!strcmp(d->column_group, "/metadata"), "columns found in '%s'", d->column_group);
  UNIT_CHECK(d->has_structure_id, "the structure id column was not found");
  UNIT_CHECK(d->structure_id[5] == 2 && d->structure_id[23] == 11, "structure ids %lld %lld",
             (long long)d->structure_id[5], (long long)d->structure_id[23]);
  float    images[2 * 32 * 32];
  uint8_t  masks[2 * 32 * 32];
  PetscInt which[2] = {3, 17};
  UNIT_CALL(dataset_read(d, which, 2, images, masks));
  int    ones = 0, particle_mean_differs = 0;
  double inside = 0, outside = 0;
  for (int p = 0; p < 32 * 32; p++) {
    ones += masks[p];
    if (masks[p])
      inside += images[p];
    else
      outside += images[p];
  }
  particle_mean_differs = ones > 0 && fabs(inside / ones - outside / (1024 - ones)) > 0.2;
  UNIT_CHECK(ones > 10 && ones < 900, "mask of image 3 has %d particle pixels", ones);
  UNIT_CHECK(particle_mean_differs, "particle pixels should differ in mean intensity: in %g out %g", inside / ones,
             outside / (1024 - ones));
  UNIT_CALL(dataset_destroy(&d));
  UNIT_CHECK(d == NULL, "destroy sets NULL");
}

static void test_split_no_leak(void)
{
  Dataset  *d = NULL;
  PetscInt *train, *validation, n_train, n_validation;
  UNIT_CALL(dataset_open(PETSC_COMM_SELF, database_path, NULL, &d));
  if (!d) return;
  UNIT_CALL(dataset_split(d, NULL, &(DatasetSplitRule){.seed = 7, .validation_fraction = 0.25}, &train, &n_train,
                          &validation, &n_validation));
  UNIT_CHECK(n_train + n_validation == 24, "%d + %d images", (int)n_train, (int)n_validation);
  UNIT_CHECK(n_validation == 6, "validation should hold 3 of 12 structures = 6 images, has %d",
             (int)n_validation); /* 0.25 × 12 */
  for (PetscInt a = 0; a < n_train; a++)
    for (PetscInt b = 0; b < n_validation; b++)
      UNIT_CHECK(d->structure_id[train[a]] != d->structure_id[validation[b]], "structure %lld is in both splits",
                 (long long)d->structure_id[train[a]]);
  for (PetscInt a = 1; a < n_train; a++) UNIT_CHECK(train[a] > train[a - 1], "train list not ascending");
  /* Deterministic in the seed, and another seed another split. */
  PetscInt *train2, *validation2, n2, m2, same = 1;
  UNIT_CALL(dataset_split(d, NULL, &(DatasetSplitRule){.seed = 7, .validation_fraction = 0.25}, &train2, &n2,
                          &validation2, &m2));
  for (PetscInt b = 0; b < m2; b++) same &= validation2[b] == validation[b];
  UNIT_CHECK(same && m2 == n_validation, "same seed gave another split");
  UNIT_CALL(PetscFree(train2));
  UNIT_CALL(PetscFree(validation2));
  int differs = 0;
  for (uint64_t seed = 8; seed < 12; seed++) {
    UNIT_CALL(dataset_split(d, NULL, &(DatasetSplitRule){.seed = seed, .validation_fraction = 0.25}, &train2, &n2,
                            &validation2, &m2));
    for (PetscInt b = 0; b < m2 && b < n_validation; b++) differs |= validation2[b] != validation[b];
    UNIT_CALL(PetscFree(train2));
    UNIT_CALL(PetscFree(validation2));
  }
  UNIT_CHECK(differs, "four other seeds all gave the same split");
  UNIT_CALL(PetscFree(train));
  UNIT_CALL(PetscFree(validation));
  /* With a selection: only selected images appear. */
  PetscBool selected[24];
  UNIT_CALL(dataset_select(d, "condition_index==0", selected));
  UNIT_CALL(dataset_split(d, selected, &(DatasetSplitRule){.seed = 7, .validation_fraction = 0.5}, &train, &n_train,
                          &validation, &n_validation));
  UNIT_CHECK(n_train == 6 && n_validation == 6, "selected split %d + %d, expected 6 + 6", (int)n_train,
             (int)n_validation);
  for (PetscInt a = 0; a < n_train; a++) UNIT_CHECK(train[a] % 2 == 0, "unselected image %d in split", (int)train[a]);
  UNIT_CALL(PetscFree(train));
  UNIT_CALL(PetscFree(validation));
  UNIT_CALL(dataset_destroy(&d));
}

/* Without the structure id column a structure split is refused (leakage), naming the file and
 * -split_by; an image split is made on request, and it does split images of one structure. */
static void test_split_without_structure_id(void)
{
  char      path[PETSC_MAX_PATH_LEN + 32], message[1024] = "";
  Dataset  *d     = NULL;
  PetscInt *train = NULL, *validation = NULL, n_train = 0, n_validation = 0;
  snprintf(path, sizeof path, "%s.noid.h5", database_path);
  UNIT_CALL(dataset_write_synthetic(path, 6, 2, 16, 1, PETSC_TRUE));
  UNIT_CALL(database_remove_part(path, DATABASE_METADATA_GROUP "/" DATABASE_STRUCTURE_ID));
  UNIT_CALL(dataset_open(PETSC_COMM_SELF, path, NULL, &d));
  if (!d) return;
  UNIT_CHECK(!d->has_structure_id, "a removed structure id column was found");
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = dataset_split(d, NULL, &(DatasetSplitRule){.seed = 7, .validation_fraction = 0.5}, &train,
                                      &n_train, &validation, &n_validation);
  (void)PetscPopErrorHandler();
  const char *text = NULL;
  (void)PetscErrorMessage(code, NULL, (char **)&text);
  if (text) snprintf(message, sizeof message, "%s", text);
  UNIT_CHECK(code == PETSC_ERR_USER_INPUT, "structure split without the column: error %d, expected %d", (int)code,
             (int)PETSC_ERR_USER_INPUT);
  UNIT_CHECK(strstr(message, path) && strstr(message, "-split_by image") && strstr(message, "leakage"),
             "the refusal should name the file, -split_by image and leakage: '%s'", message);
  UNIT_CALL(dataset_split(d, NULL,
                          &(DatasetSplitRule){.seed = 7, .validation_fraction = 0.5, .grouping = SPLIT_BY_IMAGE},
                          &train, &n_train, &validation, &n_validation));
  UNIT_CHECK(n_train == 6 && n_validation == 6, "image split of 12 images at 0.5: %d + %d", (int)n_train,
             (int)n_validation);
  int split_structures = 0; /* images 2s and 2s+1 show structure s */
  for (PetscInt b = 0; b < n_validation; b++)
    for (PetscInt a = 0; a < n_train; a++) split_structures += train[a] / 2 == validation[b] / 2;
  UNIT_CHECK(split_structures > 0,
             "an image split of 6 structures x 2 images kept every structure on one side (seed 7)");
  UNIT_CALL(PetscFree(train));
  UNIT_CALL(PetscFree(validation));
  UNIT_CALL(dataset_destroy(&d));
  remove(path);
}

static void test_select(void)
{
  Dataset  *d = NULL;
  PetscBool selected[24];
  UNIT_CALL(dataset_open(PETSC_COMM_SELF, database_path, NULL, &d));
  if (!d) return;
  const double *dose = dataset_column(d, "dose");
  UNIT_CHECK(dose != NULL, "dose column missing");
  UNIT_CALL(dataset_select(d, "dose>=400,dose<800", selected));
  int expected = 0, got = 0;
  for (int i = 0; i < 24; i++) {
    expected += dose[i] >= 400 && dose[i] < 800;
    got += selected[i] == PETSC_TRUE;
    UNIT_CHECK((selected[i] == PETSC_TRUE) == (dose[i] >= 400 && dose[i] < 800), "image %d dose %g", i, dose[i]);
  }
  UNIT_CHECK(got == expected && got > 0 && got < 24, "selected %d of 24", got);
  UNIT_CALL_FAILS(dataset_select(d, "thickness<50", selected));
  UNIT_CALL_FAILS(dataset_select(d, "dose~5", selected));
  UNIT_CALL_FAILS(dataset_select(d, "dose>=abc", selected));
  UNIT_CALL(dataset_destroy(&d));
}

static void test_shuffle(void)
{
  PetscInt base[50], a[50], b[50], c[50];
  for (int i = 0; i < 50; i++) base[i] = 3 * i + 1;
  dataset_shuffle(base, 50, 5, 2, a);
  dataset_shuffle(base, 50, 5, 2, b);
  dataset_shuffle(base, 50, 5, 3, c);
  int same = 1, same_next = 1, seen[151] = {0}, moved = 0;
  for (int i = 0; i < 50; i++) {
    same &= a[i] == b[i];
    same_next &= a[i] == c[i];
    seen[a[i]]++;
    moved += a[i] != base[i];
  }
  UNIT_CHECK(same, "same seed and epoch gave another order");
  UNIT_CHECK(!same_next, "epochs 2 and 3 gave the same order");
  UNIT_CHECK(moved > 40, "only %d of 50 entries moved", moved);
  for (int i = 0; i < 50; i++)
    UNIT_CHECK(seen[3 * i + 1] == 1, "entry %d appears %d times", 3 * i + 1, seen[3 * i + 1]);
}

static void test_dihedral(void)
{
  enum { N = 5 };
  float   in[N * N], out[8][N * N], back[N * N];
  uint8_t mask[N * N], mask_out[N * N];
  for (int i = 0; i < N * N; i++) in[i] = (float)i, mask[i] = (uint8_t)i;
  for (int k = 0; k < 8; k++) {
    augment_dihedral_float(in, N, N, k, out[k]);
    augment_dihedral_mask(mask, N, N, k, mask_out);
    for (int i = 0; i < N * N; i++)
      UNIT_CHECK(mask_out[i] == (uint8_t)out[k][i], "mask and image transformed differently, k %d", k);
  }
  /* All 8 distinct. */
  for (int k = 0; k < 8; k++)
    for (int l = k + 1; l < 8; l++)
      UNIT_CHECK(memcmp(out[k], out[l], sizeof out[k]) != 0, "symmetries %d and %d are equal", k, l);
  /* Known values: k=2 flips rows (out[0][0] = in[N-1][0]); k=1 transposes (out[0][1] = in[1][0]). */
  UNIT_CHECK(out[2][0] == (float)((N - 1) * N), "row flip: %g", out[2][0]);
  UNIT_CHECK(out[1][1] == (float)N, "transpose: %g", out[1][1]);
  /* Each flip is its own inverse; transpose too. */
  for (int k = 1; k < 8; k <<= 1) {
    augment_dihedral_float(out[k], N, N, k, back);
    UNIT_CHECK(memcmp(back, in, sizeof in) == 0, "symmetry %d applied twice is not the identity", k);
  }
  /* Rectangle: transpose bit ignored, shape-preserving. */
  float rect[6] = {0, 1, 2, 3, 4, 5}, r[6];
  augment_dihedral_float(rect, 2, 3, 7, r);
  UNIT_CHECK(r[0] == 5 && r[5] == 0, "rectangle rotation by 180: %g %g", r[0], r[5]);
}

static void test_normalize_and_dose(void)
{
  float x[1000];
  for (int i = 0; i < 1000; i++) x[i] = (float)(3 + 2 * sin(i * 0.37));
  float y[1000];
  memcpy(y, x, sizeof x);
  normalize_image(y, 1000, NORMALIZE_MINMAX);
  float lo = 1, hi = 0;
  for (int i = 0; i < 1000; i++) lo = fminf(lo, y[i]), hi = fmaxf(hi, y[i]);
  UNIT_CHECK(lo == 0.0f && hi == 1.0f, "minmax range %g..%g", lo, hi);
  memcpy(y, x, sizeof x);
  normalize_image(y, 1000, NORMALIZE_STANDARD);
  double s = 0, s2 = 0;
  for (int i = 0; i < 1000; i++) s += y[i], s2 += (double)y[i] * y[i];
  UNIT_CHECK_ABSOLUTE(s / 1000, 0, 1e-5);
  UNIT_CHECK_ABSOLUTE(s2 / 1000, 1, 1e-4);
  float flat[4] = {2, 2, 2, 2};
  normalize_image(flat, 4, NORMALIZE_STANDARD);
  UNIT_CHECK(flat[0] == 0 && flat[3] == 0, "constant image should become 0");
  /* Dose re-sampling: mean stays 1 (in units of the mean), variance ≈ 1/(dose·area) for a flat image. */
  RngStream stream;
  rng_stream_init(&stream, 1, 0, RNG_PURPOSE_TEST);
  static float z[20000];
  for (int i = 0; i < 20000; i++) z[i] = 5.0f;
  resample_dose(z, 20000, 100, 0.25, &stream); /* 25 electrons per pixel */
  double m = 0, v = 0;
  for (int i = 0; i < 20000; i++) m += z[i];
  m /= 20000;
  for (int i = 0; i < 20000; i++) v += (z[i] - m) * (z[i] - m);
  v /= 20000;
  UNIT_CHECK_ABSOLUTE(m, 1.0, 0.01);
  UNIT_CHECK_RELATIVE(v, 1.0 / 25, 0.05);
}

static void test_bad_databases(void)
{
  char     path[PETSC_MAX_PATH_LEN + 32];
  Dataset *d = NULL;
  snprintf(path, sizeof path, "%s.nomasks.h5", database_path);
  UNIT_CALL(dataset_write_synthetic(path, 2, 1, 16, 1, PETSC_FALSE));
  UNIT_CALL_FAILS(dataset_open(PETSC_COMM_SELF, path, NULL, &d));
  UNIT_CALL_FAILS(dataset_open(PETSC_COMM_SELF, "/nonexistent/db.h5", NULL, &d));
  UNIT_CALL_FAILS(dataset_open(PETSC_COMM_SELF, database_path, "/nowhere", &d));
  FILE *f = fopen(path, "w"); /* not HDF5 */
  if (f) fputs("garbage\n", f), fclose(f);
  UNIT_CALL_FAILS(dataset_open(PETSC_COMM_SELF, path, NULL, &d));
  remove(path);
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL); /* a directory: a plain message, no HDF5 dump */
  PetscErrorCode code = dataset_open(PETSC_COMM_SELF, "/tmp", NULL, &d);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(code == PETSC_ERR_FILE_OPEN && !d, "a directory as the database: error %d, expected %d", (int)code,
             (int)PETSC_ERR_FILE_OPEN);
}

static void test_labelled_hdf5(void)
{
  char    path[PETSC_MAX_PATH_LEN + 32];
  hsize_t dims[4] = {2, 4, 4, 2};
  float   images[32], maps[64];
  for (int i = 0; i < 32; i++) {
    images[i]       = (float)i;
    maps[2 * i]     = (i % 3 == 0) ? 0.9f : 0.1f; /* background channel */
    maps[2 * i + 1] = 1 - maps[2 * i];
  }
  snprintf(path, sizeof path, "%s.labelled.h5", database_path);
  hid_t file  = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(3, dims, NULL),
        set   = H5Dcreate2(file, "images", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, images);
  H5Dclose(set), H5Sclose(space);
  space = H5Screate_simple(4, dims, NULL),
  set   = H5Dcreate2(file, "maps", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, maps);
  H5Dclose(set), H5Sclose(space), H5Fclose(file);
  PetscInt count, ny, nx;
  float   *read_images = NULL;
  uint8_t *masks       = NULL;
  UNIT_CALL(labelled_set_read_hdf5(path, &count, &ny, &nx, &read_images, &masks));
  UNIT_CHECK(count == 2 && ny == 4 && nx == 4, "shape %d %d %d", (int)count, (int)ny, (int)nx);
  if (masks) {
    for (int i = 0; i < 32; i++) UNIT_CHECK(masks[i] == (i % 3 != 0), "mask %d = %d", i, masks[i]);
    UNIT_CHECK(read_images[31] == 31, "image value %g", read_images[31]);
  }
  UNIT_CALL(PetscFree(read_images));
  UNIT_CALL(PetscFree(masks));
  remove(path);
}

/* A labelled set with `images` and `maps` of the given shapes (never written: HDF5 allocates
 * contiguous storage late, so huge shapes cost nothing). */
static void write_labelled_shapes(const char *path, int rank, const hsize_t *dims, int map_rank,
                                  const hsize_t *map_dims)
{
  hid_t file  = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(rank, dims, NULL),
        set   = H5Dcreate2(file, "images", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(set), H5Sclose(space);
  space = H5Screate_simple(map_rank, map_dims, NULL),
  set   = H5Dcreate2(file, "maps", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(set), H5Sclose(space), H5Fclose(file);
}

static void expect_labelled_refused(const char *path, const char *what)
{
  PetscInt count, ny, nx;
  float   *images = NULL;
  uint8_t *masks  = NULL;
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = labelled_set_read_hdf5(path, &count, &ny, &nx, &images, &masks);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(code == PETSC_ERR_FILE_UNEXPECTED && !images && !masks, "%s: error %d, expected %d, and no outputs", what,
             (int)code, (int)PETSC_ERR_FILE_UNEXPECTED);
}

/* The old reader read the dimensions of `images` into a 4-entry array before checking the
 * rank (rank 32: the program counter became 0x424242424242 through evaluate -data), and took
 * 0-sized images and a map with 0 channels. */
static void test_hostile_labelled(void)
{
  char    path[PETSC_MAX_PATH_LEN + 32];
  hsize_t dims[32], fine[3] = {2, 4, 4}, empty[3] = {2, 0, 4}, no_channels[4] = {2, 4, 4, 0},
                    huge[3] = {1 << 16, 1 << 16, 1 << 16};
  for (int d = 0; d < 32; d++) dims[d] = 1;
  dims[15] = 0x424242424242ULL;
  snprintf(path, sizeof path, "%s.hostile.h5", database_path);
  write_labelled_shapes(path, 32, dims, 32, dims);
  expect_labelled_refused(path, "images and maps of rank 32");
  write_labelled_shapes(path, 3, empty, 3, empty);
  expect_labelled_refused(path, "images of 2 x 0 x 4");
  write_labelled_shapes(path, 3, fine, 4, no_channels);
  expect_labelled_refused(path, "maps with 0 channels");
  write_labelled_shapes(path, 3, huge, 3, huge);
  expect_labelled_refused(path, "2^48 pixels");
  write_labelled_shapes(path, 3, fine, 32, dims);
  expect_labelled_refused(path, "maps of rank 32");
  remove(path);
}

int main(int argc, char **argv)
{
  if (argc >= 7 && !strcmp(argv[1], "--write-synthetic")) {
    PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
    PetscCall(dataset_write_synthetic(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), (uint64_t)atoll(argv[6]),
                                      !(argc > 7 && !strcmp(argv[7], "nomasks"))));
    if (argc > 7 && !strcmp(argv[7], "nostructureid"))
      PetscCall(database_remove_part(argv[2], DATABASE_METADATA_GROUP "/" DATABASE_STRUCTURE_ID));
    PetscCall(PetscFinalize());
    return 0;
  }
  UNIT_BEGIN(argc, argv);
  snprintf(database_path, sizeof database_path, "/tmp/nf_test_dataset_%d.h5", (int)getpid());
  if (dataset_write_synthetic(database_path, 12, 2, 32, 3, PETSC_TRUE)) printf("FAIL writing the synthetic database\n");
  UNIT_RUN(test_open_and_read);
  UNIT_RUN(test_split_no_leak);
  UNIT_RUN(test_split_without_structure_id);
  UNIT_RUN(test_select);
  UNIT_RUN(test_shuffle);
  UNIT_RUN(test_dihedral);
  UNIT_RUN(test_normalize_and_dose);
  UNIT_RUN(test_bad_databases);
  UNIT_RUN(test_labelled_hdf5);
  UNIT_RUN(test_hostile_labelled);
  remove(database_path);
  return UNIT_END();
}
