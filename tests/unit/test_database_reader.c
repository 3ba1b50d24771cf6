/* test_database_reader.c — the database written by database_create/database_write_unit and
 * read back by database_reader: columns listed with their stored types, range and index reads
 * equal to what was written, a missing column and a wrong type refused with the column's name,
 * the EMD version attributes as 32-bit integers.
 *
 * Also a tool for the integration tests:  test_database_reader --remove-structure-id PATH
 * removes the structure id column of a database and exits. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "db/database_reader.h"
#include "unit.h"

#define STRUCTURES 3
#define CONDITIONS 2
#define SIDE       4
#define PIXELS     (SIDE * SIDE)

static char database_path[PETSC_MAX_PATH_LEN];

/* Image i (= s·CONDITIONS + c), pixel p: 100 i + p; mask (i + p) odd; radius s + 0.5; dose 10 s + c. */
static PetscErrorCode write_known_database(const char *path)
{
  DatabaseLayout layout = {.n_structures        = STRUCTURES,
                           .n_conditions        = CONDITIONS,
                           .ny                  = SIDE,
                           .nx                  = SIDE,
                           .n_structure_columns = 1,
                           .n_image_columns     = 1};
  Plan          *plan;
  Provenance    *provenance;
  Database      *database;
  float          images[CONDITIONS * PIXELS];
  uint8_t        masks[CONDITIONS * PIXELS];
  double         radius, dose[CONDITIONS];

  PetscFunctionBeginUser;
  strcpy(layout.structure_columns[0], "radius");
  strcpy(layout.image_columns[0], "dose");
  PetscCall(plan_create(9, STRUCTURES, CONDITIONS, "-test", &plan));
  PetscCall(provenance_create(PETSC_COMM_SELF, &provenance));
  PetscCall(database_create(PETSC_COMM_SELF, path, &layout, plan, provenance, &database));
  for (PetscInt s = 0; s < STRUCTURES; s++) {
    for (PetscInt c = 0; c < CONDITIONS; c++) {
      PetscInt i = s * CONDITIONS + c;
      dose[c]    = 10.0 * s + c;
      for (int p = 0; p < PIXELS; p++)
        images[c * PIXELS + p] = (float)(100 * i + p), masks[c * PIXELS + p] = (uint8_t)((i + p) % 2);
    }
    radius            = s + 0.5;
    DatabaseUnit unit = {
      .unit = s, .images = images, .masks = masks, .structure_values = &radius, .image_values = dose};
    PetscCall(database_write_unit(database, &unit, PETSC_FALSE));
  }
  PetscCall(database_close(&database));
  PetscCall(provenance_destroy(&provenance));
  PetscCall(plan_destroy(&plan));
  PetscFunctionReturn(0);
}

static void test_columns_and_types(void)
{
  DatabaseReader *r = NULL;
  UNIT_CALL(database_reader_open(PETSC_COMM_SELF, database_path, NULL, &r));
  if (!r) return;
  const char *names[] = {DATABASE_CONDITION_INDEX, "dose", DATABASE_IMAGE_SEED, "radius", DATABASE_STRUCTURE_ID};
  const DatabaseColumnType types[] = {DATABASE_INT64, DATABASE_FLOAT64, DATABASE_INT64, DATABASE_FLOAT64,
                                      DATABASE_INT64};
  UNIT_CHECK(r->n_columns == 5, "%d columns, expected 5", (int)r->n_columns);
  for (int c = 0; c < 5 && c < r->n_columns; c++)
    UNIT_CHECK(!strcmp(r->column_names[c], names[c]) && r->column_types[c] == types[c],
               "column %d: %s (%s), expected %s (%s)", c, r->column_names[c],
               database_column_type_names[r->column_types[c]], names[c], database_column_type_names[types[c]]);
  UNIT_CHECK(!strcmp(r->column_group, DATABASE_METADATA_GROUP), "columns found in '%s'", r->column_group);
  UNIT_CHECK(r->count == STRUCTURES * CONDITIONS && r->ny == SIDE && r->nx == SIDE, "shape %d x %d x %d", (int)r->count,
             (int)r->ny, (int)r->nx);
  UNIT_CALL(database_reader_close(&r));
  UNIT_CHECK(r == NULL, "close sets NULL");
}

static void test_range_reads(void)
{
  DatabaseReader *r = NULL;
  float           images[4 * PIXELS];
  uint8_t         masks[4 * PIXELS];
  int64_t         ids[3], conditions[3];
  double          dose[3];
  UNIT_CALL(database_reader_open(PETSC_COMM_SELF, database_path, NULL, &r));
  if (!r) return;
  UNIT_CALL(database_reader_read_range(r, 1, 4, images, masks));
  int wrong = 0;
  for (int k = 0; k < 4; k++)
    for (int p = 0; p < PIXELS; p++)
      wrong += images[k * PIXELS + p] != (float)(100 * (k + 1) + p) || masks[k * PIXELS + p] != (k + 1 + p) % 2;
  UNIT_CHECK(wrong == 0, "%d of %d pixels of images 1..4 differ from what was written", wrong, 4 * PIXELS);
  PetscInt which[2] = {5, 0};
  UNIT_CALL(database_reader_read_indices(r, which, 2, images, NULL));
  UNIT_CHECK(images[3] == 503 && images[PIXELS + 3] == 3, "indices 5, 0: pixel 3 = %g, %g; expected 503, 3", images[3],
             images[PIXELS + 3]);
  UNIT_CALL(database_reader_read_column(r, DATABASE_STRUCTURE_ID, DATABASE_INT64, 2, 3, ids));
  UNIT_CALL(database_reader_read_column(r, DATABASE_CONDITION_INDEX, DATABASE_INT64, 2, 3, conditions));
  UNIT_CALL(database_reader_read_column(r, "dose", DATABASE_FLOAT64, 2, 3, dose));
  UNIT_CHECK(ids[0] == 1 && ids[1] == 1 && ids[2] == 2, "structure ids of rows 2..4: %lld %lld %lld, expected 1 1 2",
             (long long)ids[0], (long long)ids[1], (long long)ids[2]);
  UNIT_CHECK(conditions[0] == 0 && conditions[1] == 1 && conditions[2] == 0,
             "condition indices of rows 2..4: %lld %lld %lld", (long long)conditions[0], (long long)conditions[1],
             (long long)conditions[2]);
  UNIT_CHECK(dose[0] == 10 && dose[1] == 11 && dose[2] == 20, "dose of rows 2..4: %g %g %g, expected 10 11 20", dose[0],
             dose[1], dose[2]);
  UNIT_CALL_FAILS(database_reader_read_range(r, 4, 3, images, masks)); /* rows 4..6 of 6 */
  UNIT_CALL(database_reader_close(&r));
}

/* The error of `call` is `expected` and its message holds `needle`. */
static void expect_refusal(PetscErrorCode code, PetscErrorCode expected, const char *needle, const char *what)
{
  const char *text = NULL;
  (void)PetscErrorMessage(code, NULL, (char **)&text);
  UNIT_CHECK(code == expected && text && strstr(text, needle),
             "%s: error %d (expected %d), message '%s' should hold '%s'", what, (int)code, (int)expected,
             text ? text : "", needle);
}

static void test_refusals(void)
{
  DatabaseReader *r = NULL;
  int64_t         values[2];
  UNIT_CALL(database_reader_open(PETSC_COMM_SELF, database_path, NULL, &r));
  if (!r) return;
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode missing = database_reader_read_column(r, "thickness", DATABASE_FLOAT64, 0, 2, values);
  expect_refusal(missing, PETSC_ERR_FILE_UNEXPECTED, "'thickness'", "a missing column");
  PetscErrorCode wrong_type = database_reader_read_column(r, "dose", DATABASE_INT64, 0, 2, values);
  expect_refusal(wrong_type, PETSC_ERR_FILE_UNEXPECTED, "column 'dose' holds float64",
                 "a float64 column read as int64");
  (void)PetscPopErrorHandler();
  UNIT_CHECK(database_reader_column_index(r, "radius") == 3 && database_reader_column_index(r, "thickness") == -1,
             "column_index of radius / thickness");
  UNIT_CALL(database_reader_close(&r));
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode absent = database_reader_open(PETSC_COMM_SELF, "/nonexistent/db.h5", NULL, &r);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(absent != 0 && r == NULL, "opening a missing file: error %d", (int)absent);
}

/* Every writer stores version_major/minor as 32-bit integers (they were 3 types before). */
static void test_emd_version_type(void)
{
  hid_t file = H5Fopen(database_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  for (int which = 0; which < 2; which++) {
    hid_t attribute = H5Aopen(file, which ? "version_minor" : "version_major", H5P_DEFAULT),
          type      = H5Aget_type(attribute);
    int value       = -1;
    H5Aread(attribute, H5T_NATIVE_INT, &value);
    UNIT_CHECK(H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 4 &&
                 value == (which ? DATABASE_EMD_VERSION_MINOR : DATABASE_EMD_VERSION_MAJOR),
               "version attribute %d: class %d size %zu value %d", which, (int)H5Tget_class(type), H5Tget_size(type),
               value);
    H5Tclose(type), H5Aclose(attribute);
  }
  H5Fclose(file);
}

int main(int argc, char **argv)
{
  if (argc == 3 && !strcmp(argv[1], "--remove-structure-id")) {
    PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
    PetscCall(database_remove_part(argv[2], DATABASE_METADATA_GROUP "/" DATABASE_STRUCTURE_ID));
    PetscCall(PetscFinalize());
    return 0;
  }
  UNIT_BEGIN(argc, argv);
  snprintf(database_path, sizeof database_path, "/tmp/nf_test_database_reader_%d.h5", (int)getpid());
  if (write_known_database(database_path)) printf("FAIL writing the database\n");
  UNIT_RUN(test_columns_and_types);
  UNIT_RUN(test_range_reads);
  UNIT_RUN(test_refusals);
  UNIT_RUN(test_emd_version_type);
  remove(database_path);
  return UNIT_END();
}
