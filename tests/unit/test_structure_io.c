/* test_structure_io.c — write then read back XYZ, extended XYZ and Prismatic; reader
 * errors; no partial file on error; the picture. */
#include <unistd.h>
#include "structure/structure_io.h"
#include "unit.h"

static char folder[256];

static void sample(AtomList **atoms)
{
  UNIT_CALL(atom_list_create(0, atoms));
  for (int i = 0; i < 50; i++) {
    double r[3] = {0.123456 * i, -3.5 + 0.25 * i, 10.0 / (i + 1)};
    UNIT_CALL(atom_list_append(*atoms, r, i % 2 ? 79 : 6, i % 3, i % 2 ? ATOM_CLASS_PARTICLE : ATOM_CLASS_SUPPORT));
    (*atoms)->thermal_rms[i] = 0.01f * (i % 7);
    (*atoms)->occupancy[i]   = i % 5 ? 1.0f : 0.5f;
  }
  (*atoms)->cell[0][0] = 20;
  (*atoms)->cell[1][0] = -10, (*atoms)->cell[1][1] = 17.320508; /* hexagonal: rows are vectors */
  (*atoms)->cell[2][2]  = 30;
  (*atoms)->periodic[0] = (*atoms)->periodic[1] = PETSC_TRUE;
}

static void compare(const AtomList *a, const AtomList *b, PetscBool labels, PetscBool extras)
{
  UNIT_CHECK(a->n == b->n, "%" PetscInt_FMT " atoms read back, %" PetscInt_FMT " written", b->n, a->n);
  if (a->n != b->n) return;
  for (PetscInt i = 0; i < a->n; i++) {
    UNIT_CHECK(a->atomic_number[i] == b->atomic_number[i], "atom %" PetscInt_FMT ": Z %d vs %d", i, b->atomic_number[i],
               a->atomic_number[i]);
    for (int d = 0; d < 3; d++) UNIT_CHECK_ABSOLUTE(b->position[i][d], a->position[i][d], 1e-6);
    if (labels) {
      UNIT_CHECK(a->object_id[i] == b->object_id[i] && a->atom_class[i] == b->atom_class[i],
                 "atom %" PetscInt_FMT ": labels differ", i);
    }
    if (extras) {
      UNIT_CHECK_ABSOLUTE(b->thermal_rms[i], a->thermal_rms[i], 1e-5);
      UNIT_CHECK_ABSOLUTE(b->occupancy[i], a->occupancy[i], 1e-4);
    }
  }
}

static void test_xyz_round_trip(void)
{
  AtomList *atoms, *back;
  char      path[300];
  sample(&atoms);
  snprintf(path, sizeof path, "%s/a.xyz", folder);
  UNIT_CALL(structure_write(path, STRUCTURE_FORMAT_AUTO, atoms, "nanoforge test \"quoted\"\nsecond line"));
  FILE *file      = fopen(path, "r");
  char  first[64] = "";
  UNIT_CHECK(file && fgets(first, sizeof first, file) && atoi(first) == 50, "first line '%s' is not the atom count 50",
             first);
  if (file) fclose(file);
  UNIT_CALL(structure_read(path, STRUCTURE_FORMAT_AUTO, &back));
  if (back) compare(atoms, back, PETSC_FALSE, PETSC_FALSE);
  UNIT_CALL(atom_list_destroy(&back));
  UNIT_CALL(atom_list_destroy(&atoms));
}

static void test_extended_xyz_round_trip(void)
{
  AtomList *atoms, *back;
  char      path[300];
  sample(&atoms);
  snprintf(path, sizeof path, "%s/a.extxyz", folder);
  UNIT_CALL(structure_write(path, STRUCTURE_FORMAT_AUTO, atoms, "provenance"));
  UNIT_CALL(structure_read(path, STRUCTURE_FORMAT_AUTO, &back));
  compare(atoms, back, PETSC_TRUE, PETSC_TRUE);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) UNIT_CHECK_ABSOLUTE(back->cell[i][j], atoms->cell[i][j], 1e-6);
  UNIT_CHECK(back->periodic[0] && back->periodic[1] && !back->periodic[2], "pbc read back wrong");
  UNIT_CALL(atom_list_destroy(&back));
  UNIT_CALL(atom_list_destroy(&atoms));
}

static void test_prismatic_round_trip(void)
{
  AtomList *atoms, *back;
  char      path[300], line[256];
  sample(&atoms);
  atoms->cell[1][0] = 0; /* Prismatic cells are orthogonal */
  snprintf(path, sizeof path, "%s/a.prismatic", folder);
  UNIT_CALL(structure_write(path, STRUCTURE_FORMAT_AUTO, atoms, "provenance"));
  UNIT_CALL(structure_read(path, STRUCTURE_FORMAT_AUTO, &back));
  compare(atoms, back, PETSC_FALSE, PETSC_TRUE);
  UNIT_CHECK_ABSOLUTE(back->cell[1][1], 17.320508, 1e-6);
  /* The last line is the terminator -1, the third is "Z x y z occupancy u_rms". */
  FILE *file      = fopen(path, "r");
  int   n_lines   = 0;
  char  last[256] = "", third[256] = "";
  while (file && fgets(line, sizeof line, file)) {
    if (++n_lines == 3) strcpy(third, line);
    strcpy(last, line);
  }
  if (file) fclose(file);
  UNIT_CHECK(!strcmp(last, "-1\n"), "last line '%s'", last);
  UNIT_CHECK(!strncmp(third, "6 0.000000 -3.500000 10.000000 0.5000 0.00000", 45), "third line '%s'", third);
  UNIT_CHECK(n_lines == 50 + 3, "%d lines", n_lines);
  UNIT_CALL(atom_list_destroy(&back));
  UNIT_CALL(atom_list_destroy(&atoms));
}

static void write_text(const char *path, const char *text)
{
  FILE *file = fopen(path, "w");
  fputs(text, file);
  fclose(file);
}

static void test_reader_errors(void)
{
  AtomList *atoms = NULL;
  char      path[300];
  snprintf(path, sizeof path, "%s/bad.xyz", folder);
  write_text(path, "2\ncomment\nAu 0 0 0\nXx 1 1 1\n"); /* unknown element */
  UNIT_CALL_FAILS(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  write_text(path, "3\ncomment\nAu 0 0 0\nAu 1 1 1\n"); /* truncated */
  UNIT_CALL_FAILS(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  write_text(path, "1\ncomment\nAu 0 zero 0\n"); /* not a number */
  UNIT_CALL_FAILS(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  write_text(path, "c\n 10 10 10\n79 1 1 1 1 0.1\n"); /* Prismatic without -1 */
  UNIT_CALL_FAILS(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  write_text(path, "c\n 10 10 10\n79 1 1 1 1 0.1\n6 2 2 2 1 0.05\n-1\n");
  UNIT_CALL(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  UNIT_CHECK(atoms && atoms->n == 2 && atoms->atomic_number[1] == 6, "Prismatic file read wrong");
  UNIT_CALL(atom_list_destroy(&atoms));
  snprintf(path, sizeof path, "%s/missing.xyz", folder);
  UNIT_CALL_FAILS(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
}

/* structure_read must refuse the `size` bytes `text` with error `expected` and no atoms. */
static void expect_xyz_refused(const char *text, size_t size, PetscErrorCode expected, const char *what)
{
  AtomList *atoms = NULL;
  char      path[300];
  snprintf(path, sizeof path, "%s/hostile.exyz", folder);
  FILE *file = fopen(path, "wb");
  fwrite(text, 1, size, file), fclose(file);
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(code == expected && !atoms, "%s: error %d, expected %d", what, (int)code, (int)expected);
  if (atoms) atom_list_destroy(&atoms);
}

/* Hostile structure files. The old reader ended lines at NUL bytes it had not counted (heap
 * overflow of its line array, then a hang), added 2 to an atom count of LONG_MAX (SIGSEGV),
 * took y and z of a pos of width 1 from fields the line did not have, and read counts with
 * atoi (undefined beyond int). */
static void test_hostile_structures(void)
{
  static const char nul[] = "3\ncomment\nAu 0 0 0\0Au 1 1 1\0Au 2 2 2\0Au 3 3 3\0Au 4 4 4\nAu 5 5 5\n";
  expect_xyz_refused(nul, sizeof nul - 1, PETSC_ERR_FILE_UNEXPECTED, "NUL bytes between atoms");
  static const char huge[] = "9223372036854775807\ncomment\nAu 0 0 0\n";
  expect_xyz_refused(huge, sizeof huge - 1, PETSC_ERR_FILE_UNEXPECTED, "atom count LONG_MAX");
  static const char narrow[] = "1\nProperties=species:S:1:pos:R:1\nAu 1.0\n";
  expect_xyz_refused(narrow, sizeof narrow - 1, PETSC_ERR_FILE_UNEXPECTED, "pos of width 1");
  static const char wide[] = "1\nProperties=species:S:1:pos:R:3:x:R:99999999999\nAu 1 2 3\n";
  expect_xyz_refused(wide, sizeof wide - 1, PETSC_ERR_FILE_UNEXPECTED, "a property of width 99999999999");
  static const char many[] =
    "1\nProperties=species:S:1:pos:R:3:a:R:9:b:R:9:c:R:9:d:R:9:e:R:9:f:R:9:g:R:9:h:R:9\nAu 1 2 3\n";
  expect_xyz_refused(many, sizeof many - 1, PETSC_ERR_FILE_UNEXPECTED, "76 columns");
  static const char object[] = "1\nProperties=species:S:1:pos:R:3:object_id:I:1\nAu 1 2 3 99999999999\n";
  expect_xyz_refused(object, sizeof object - 1, PETSC_ERR_FILE_UNEXPECTED, "object_id beyond 32 bits");
  static const char fine[] = "1\nProperties=species:S:1:pos:R:3:object_id:I:1\nAu 1 2 3 7\n"; /* the control */
  AtomList         *atoms  = NULL;
  char              path[300];
  snprintf(path, sizeof path, "%s/fine.exyz", folder);
  FILE *file = fopen(path, "wb");
  fwrite(fine, 1, sizeof fine - 1, file), fclose(file);
  UNIT_CALL(structure_read(path, STRUCTURE_FORMAT_AUTO, &atoms));
  UNIT_CHECK(atoms && atoms->n == 1 && atoms->object_id[0] == 7 && atoms->position[0][2] == 3,
             "the valid extended XYZ control read wrong");
  if (atoms) atom_list_destroy(&atoms);
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL); /* a directory given as a structure file */
  PetscErrorCode code = structure_read(folder, STRUCTURE_FORMAT_AUTO, &atoms);
  (void)PetscPopErrorHandler();
  UNIT_CHECK(code == PETSC_ERR_FILE_OPEN && !atoms, "a directory: error %d, expected %d", (int)code,
             (int)PETSC_ERR_FILE_OPEN);
}

static void test_no_partial_file(void)
{
  AtomList *atoms;
  char      path[300];
  sample(&atoms);
  atoms->atomic_number[10] = 200; /* cannot be written */
  snprintf(path, sizeof path, "%s/partial.xyz", folder);
  UNIT_CALL_FAILS(structure_write(path, STRUCTURE_FORMAT_AUTO, atoms, NULL));
  UNIT_CHECK(access(path, F_OK) != 0, "a partial file was left at %s", path);
  snprintf(path, sizeof path, "%s/a.unknown", folder);
  atoms->atomic_number[10] = 6;
  UNIT_CALL_FAILS(structure_write(path, STRUCTURE_FORMAT_AUTO, atoms, NULL));
  UNIT_CALL(atom_list_destroy(&atoms));
}

static void test_picture(void)
{
  AtomList     *atoms;
  char          path[300];
  unsigned char header[8] = {0};
  sample(&atoms);
  snprintf(path, sizeof path, "%s/a.png", folder);
  UNIT_CALL(structure_write_picture(path, atoms, 200));
  FILE *file = fopen(path, "rb");
  UNIT_CHECK(file && fread(header, 1, 8, file) == 8 && header[1] == 'P' && header[2] == 'N' && header[3] == 'G',
             "no PNG written");
  if (file) fclose(file);
  UNIT_CALL(atom_list_destroy(&atoms));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(folder, sizeof folder, "/tmp/nanoforge-test-structure-io.XXXXXX");
  if (!mkdtemp(folder)) return 1;
  UNIT_RUN(test_xyz_round_trip);
  UNIT_RUN(test_extended_xyz_round_trip);
  UNIT_RUN(test_prismatic_round_trip);
  UNIT_RUN(test_reader_errors);
  UNIT_RUN(test_hostile_structures);
  UNIT_RUN(test_no_partial_file);
  UNIT_RUN(test_picture);
  char command[300];
  snprintf(command, sizeof command, "rm -rf '%s'", folder);
  if (system(command)) return 1;
  return UNIT_END();
}
