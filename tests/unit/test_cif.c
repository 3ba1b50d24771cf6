/* test_cif.c — the CIF reader: rocksalt NaCl with the 192 Fm-3m operations, wurtzite ZnO with
 * _space_group_symop_operation_xyz, uncertainties, inconsistent or broken files, and the
 * choice of a data block in a file with several. */
#include <unistd.h>
#include "structure/crystal.h"
#include "structure/crystal_fill.h"
#include "structure/polyhedra.h"
#include "structure/volume.h"
#include "unit.h"

static char directory[256];

static void write_file(const char *name, const char *text, char *path)
{
  snprintf(path, 512, "%s/%s", directory, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* NaCl with all 192 operations of Fm-3m (48 signed permutations × 4 centring translations). */
static void test_rocksalt(void)
{
  char  *text = malloc(20000), path[512];
  size_t n    = 0;
  n += (size_t)sprintf(
    text + n,
    "# rock salt\ndata_NaCl\n_cell_length_a 5.6402(3)\n_cell_length_b 5.6402(3)\n_cell_length_c 5.6402(3)\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90.0\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'F m -3 m'\n"
    "loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n");
  const int   perm[6][3]     = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const char *centring[4][3] = {{"", "", ""}, {"", "+1/2", "+1/2"}, {"+1/2", "", "+1/2"}, {"+1/2", "+1/2", ""}};
  int         id             = 1;
  for (int c = 0; c < 4; c++)
    for (int p = 0; p < 6; p++)
      for (int s = 0; s < 8; s++) {
        n += (size_t)sprintf(text + n, "%d '", id++);
        for (int k = 0; k < 3; k++)
          n += (size_t)sprintf(text + n, "%s%s%c%s", k ? "," : "", (s >> k) & 1 ? "-" : "", "xyz"[perm[p][k]],
                               centring[c][k]);
        n += (size_t)sprintf(text + n, "'\n");
      }
  n += (size_t)sprintf(
    text + n,
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
    "Na1 Na1+ 0 0 0 1.0\nCl1 Cl1- 0.5 0.5 0.5(0) 1\n");
  write_file("nacl.cif", text, path);
  free(text);
  Crystal *nacl, *builtin;
  UNIT_CALL(crystal_create_from_cif(path, &nacl));
  UNIT_CHECK(nacl->nsites == 8, "%" PetscInt_FMT " atoms per cell, expected 8", nacl->nsites);
  PetscInt na = 0, cl = 0;
  for (PetscInt s = 0; s < nacl->nsites; s++) {
    na += nacl->site[s].atomic_number == 11;
    cl += nacl->site[s].atomic_number == 17;
  }
  UNIT_CHECK(na == 4 && cl == 4, "%" PetscInt_FMT " Na, %" PetscInt_FMT " Cl", na, cl);
  UNIT_CHECK_ABSOLUTE(nacl->length[0], 5.6402, 1e-12);
  UNIT_CHECK(nacl->npoint_operations == 48, "Laue group m-3m: %" PetscInt_FMT " operations", nacl->npoint_operations);
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(nacl), 5.6402 / 2, 1e-12);
  /* the same sphere as the built-in rocksalt */
  UNIT_CALL(crystal_create_material("NaCl", &builtin));
  Volume  *ball;
  PetscInt from_cif, from_table;
  UNIT_CALL(volume_create_sphere((double[3]){0, 0, 0}, 12, &ball));
  UNIT_CALL(crystal_fill_count(nacl, ball, (double[3]){0, 0, 0}, &from_cif));
  UNIT_CALL(crystal_fill_count(builtin, ball, (double[3]){0, 0, 0}, &from_table));
  UNIT_CHECK(from_cif == from_table && from_cif > 300, "CIF %" PetscInt_FMT " atoms, table %" PetscInt_FMT, from_cif,
             from_table);
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&builtin));
  UNIT_CALL(crystal_destroy(&nacl));
}

static void test_wurtzite(void)
{
  char path[512];
  write_file(
    "zno.cif",
    "data_ZnO\n_cell_length_a 3.2496\n_cell_length_b 3.2496\n_cell_length_c 5.2042\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
    "loop_\n_space_group_symop_operation_xyz\n'x, y, z'\n'-y, x-y, z'\n'-x+y, -x, z'\n'-x, -y, z+1/2'\n'y, -x+y, z+1/2'\n'x-y, x, z+1/2'\n"
    "'-y, -x, z'\n'-x+y, y, z'\n'x, x-y, z'\n'y, x, z+1/2'\n'x-y, -y, z+1/2'\n'-x, -x+y, z+1/2'\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nZn1 0.33333 0.66667 0.0\nO1 1/3 2/3 0.3819\n",
    path);
  Crystal *zno;
  /* "1/3" is not a CIF number: the reader must say so */
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &zno));
  write_file(
    "zno.cif",
    "data_ZnO\n_cell_length_a 3.2496\n_cell_length_b 3.2496\n_cell_length_c 5.2042\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
    "loop_\n_space_group_symop_operation_xyz\n'x, y, z'\n'-y, x-y, z'\n'-x+y, -x, z'\n'-x, -y, z+1/2'\n'y, -x+y, z+1/2'\n'x-y, x, z+1/2'\n"
    "'-y, -x, z'\n'-x+y, y, z'\n'x, x-y, z'\n'y, x, z+1/2'\n'x-y, -y, z+1/2'\n'-x, -x+y, z+1/2'\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nZn1 0.333333 0.666667 0.0\nO1 0.333333 0.666667 0.3819(2)\n",
    path);
  UNIT_CALL(crystal_create_from_cif(path, &zno));
  UNIT_CHECK(zno->nsites == 4, "%" PetscInt_FMT " atoms per cell, expected 4", zno->nsites);
  UNIT_CHECK(zno->npoint_operations == 24, "Laue group 6/mmm: %" PetscInt_FMT, zno->npoint_operations);
  double a = 3.2496, c = 5.2042, u = 0.3819, basal = sqrt(a * a / 3 + (0.5 - u) * (0.5 - u) * c * c);
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(zno), PetscMin(u * c, basal), 1e-4);
  UNIT_CALL(crystal_destroy(&zno));
}

static void test_broken_files(void)
{
  char        path[512];
  Crystal    *c = NULL;
  const char *head =
    "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n";
  char text[2048];
  snprintf(
    text, sizeof text, "%s",
    "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 0 0 0\n");
  write_file("nocell.cif", text, path);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
  snprintf(
    text, sizeof text,
    "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 0 0 0\nAu2 0.5 0.5\n",
    head);
  write_file("short.cif", text, path);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
  snprintf(text, sizeof text,
           "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nXq1 0 0 0\n", head);
  write_file("element.cif", text, path);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
  snprintf(
    text, sizeof text,
    "%sloop_\n_symmetry_equiv_pos_as_xyz\n'x,y'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 0 0 0\n",
    head);
  write_file("symop.cif", text, path);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
  snprintf(
    text, sizeof text,
    "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nAu1 0 0 0 1\nAg1 0 0 0 1\n",
    head);
  write_file("overlap.cif", text, path);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
  snprintf(
    text, sizeof text,
    "%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nAu1 0 0 0 0.5\nAg1 0 0 0 0.5\n",
    head);
  write_file("mixed.cif", text, path);
  UNIT_CALL(crystal_create_from_cif(path, &c));
  /* no operations listed: the cubic cell's holohedry (48) expands the families */
  UNIT_CHECK(c && c->nsites == 2 && c->npoint_operations == 48 && c->family_from_metric,
             "mixed site: %" PetscInt_FMT " sites", c ? c->nsites : -1);
  UNIT_CALL(crystal_destroy(&c));
  snprintf(path, sizeof path, "%s/does-not-exist.cif", directory);
  UNIT_CALL_FAILS(crystal_create_from_cif(path, &c));
}

static PetscErrorCode cif_refusal(const char *path)
{
  Crystal *c = NULL;
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode code = crystal_create_from_cif(path, &c);
  (void)PetscPopErrorHandler();
  if (c) crystal_destroy(&c);
  return c ? 0 : code;
}

/* What a CIF may ask for is bounded before allocating: the old reader took any number of
 * symmetry operations and expanded sites x operations into a quadratic duplicate search (hours
 * for a few MB of file), and read a directory as a 2^63-byte file. */
static void test_hostile_cif(void)
{
  char        path[512];
  const char *head =
    "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n";
  size_t capacity = 2000000, n = 0;
  char  *text;
  PetscMalloc1(capacity, &text);
  n += (size_t)snprintf(text + n, capacity - n, "%sloop_\n_symmetry_equiv_pos_as_xyz\n", head);
  for (int o = 0; o < 193; o++) n += (size_t)snprintf(text + n, capacity - n, "'x,y,z'\n");
  snprintf(text + n, capacity - n,
           "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 0 0 0\n");
  write_file("ops.cif", text, path);
  PetscErrorCode code = cif_refusal(path);
  UNIT_CHECK(code == PETSC_ERR_FILE_UNEXPECTED, "193 symmetry operations: error %d, expected %d", (int)code,
             (int)PETSC_ERR_FILE_UNEXPECTED);
  n = (size_t)snprintf(
    text, capacity,
    "%sloop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n",
    head);
  for (int site = 0; site < 50001; site++)
    n += (size_t)snprintf(text + n, capacity - n, "Au%d %.6f %.6f 0.1\n", site, (site % 223) / 223.0,
                          (site / 223) / 225.0);
  write_file("sites.cif", text, path);
  code = cif_refusal(path);
  UNIT_CHECK(code == PETSC_ERR_FILE_UNEXPECTED, "50001 sites x 2 operations: error %d, expected %d", (int)code,
             (int)PETSC_ERR_FILE_UNEXPECTED);
  PetscFree(text);
  code = cif_refusal(directory);
  UNIT_CHECK(code == PETSC_ERR_FILE_OPEN, "a directory: error %d, expected %d", (int)code, (int)PETSC_ERR_FILE_OPEN);
}

/* A CIF with the identity alone (P1: gold written out as its 4 cell atoms, with no
 * operations or with only 'x,y,z') must still give bounded polyhedra: the Laue group is
 * then the lattice's holohedry, flagged as such, and the cuboctahedron and the {111}
 * family equal the built-in fcc gold's. With real operations (P-1) the group is theirs. */
static void test_identity_only_uses_holohedry(void)
{
  char        path[512], text[2048];
  const char *head =
    "data_AuP1\n_cell_length_a 4.07825\n_cell_length_b 4.07825\n_cell_length_c 4.07825\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n";
  const char *sites =
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 0 0 0\nAu2 0.5 0.5 0\nAu3 0.5 0 0.5\nAu4 0 0.5 0.5\n";
  const char *ops[3] = {"", "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n",
                        "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n"};
  Crystal    *builtin, *c;
  Volume     *shape;
  PetscInt    from_table, from_cif, n;
  int         members[CRYSTAL_MAX_POINT_OPERATIONS][3];
  UNIT_CALL(crystal_create_material("Au", &builtin));
  UNIT_CALL(particle_shape_polyhedron(builtin, "cuboctahedron", 10, (double[3]){0, 0, 0}, &shape));
  UNIT_CALL(crystal_fill_count(builtin, shape, (double[3]){0, 0, 0}, &from_table));
  UNIT_CALL(volume_destroy(&shape));
  for (int k = 0; k < 3; k++) {
    snprintf(text, sizeof text, "%s%s%s", head, ops[k], sites);
    write_file("gold_p1.cif", text, path);
    UNIT_CALL(crystal_create_from_cif(path, &c));
    UNIT_CHECK(c->ncif_operations == k, "case %d: %" PetscInt_FMT " operations read", k, c->ncif_operations);
    if (k < 2) {
      UNIT_CHECK(c->family_from_metric && c->npoint_operations == 48,
                 "case %d: identity only must give the cubic holohedry, got %" PetscInt_FMT " operations", k,
                 c->npoint_operations);
      UNIT_CALL(crystal_family(c, (int[3]){1, 1, 1}, &n, members));
      UNIT_CHECK(n == 8, "case %d: {111} has %" PetscInt_FMT " members, expected 8", k, n);
      UNIT_CALL(particle_shape_polyhedron(c, "cuboctahedron", 10, (double[3]){0, 0, 0}, &shape));
      UNIT_CALL(crystal_fill_count(c, shape, (double[3]){0, 0, 0}, &from_cif));
      UNIT_CHECK(from_cif == from_table && from_cif > 100,
                 "case %d: cuboctahedron from the P1 CIF %" PetscInt_FMT " atoms, built-in %" PetscInt_FMT, k, from_cif,
                 from_table);
      UNIT_CALL(volume_destroy(&shape));
    } else
      UNIT_CHECK(!c->family_from_metric && c->npoint_operations == 2,
                 "P-1: %" PetscInt_FMT " operations, expected 2 (from the file)", c->npoint_operations);
    UNIT_CALL(crystal_destroy(&c));
  }
  UNIT_CALL(crystal_destroy(&builtin));
}

/* A file with two data blocks (fcc Au, then fcc Cu): the first by default, either by name
 * (without regard to case), and an unknown name is a user error naming the file, the name
 * and the blocks there are. */
static void test_data_blocks(void)
{
  char        path[512], text[2048], headerless[512];
  const char *cell =
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_equiv_pos_as_xyz 'x,y,z'\n";
  const char *sites =
    "loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n%s 0 0 0\n%s 0.5 0.5 0\n%s 0.5 0 0.5\n%s 0 0.5 0.5\n";
  char gold[512], copper[512];
  snprintf(gold, sizeof gold, sites, "Au", "Au", "Au", "Au");
  snprintf(copper, sizeof copper, sites, "Cu", "Cu", "Cu", "Cu");
  snprintf(text, sizeof text,
           "# two phases\ndata_gold\n_cell_length_a 4.0782\n_cell_length_b 4.0782\n_cell_length_c 4.0782\n%s%s\n"
           "data_Copper_RT\n_cell_length_a 3.6149\n_cell_length_b 3.6149\n_cell_length_c 3.6149\n%s%s",
           cell, gold, cell, copper);
  write_file("two_blocks.cif", text, path);
  struct {
    const char *block;
    double      a;
    int         z;
  } cases[] = {
    {NULL, 4.0782, 79}, {"", 4.0782, 79}, {"gold", 4.0782, 79}, {"Copper_RT", 3.6149, 29}, {"COPPER_rt", 3.6149, 29}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    Crystal *c = NULL;
    UNIT_CALL(crystal_create_from_cif_block(path, cases[k].block, &c));
    if (!c) continue;
    PetscInt wrong = 0;
    for (PetscInt s = 0; s < c->nsites; s++) wrong += c->site[s].atomic_number != cases[k].z;
    UNIT_CHECK(c->nsites == 4 && wrong == 0, "block '%s': %" PetscInt_FMT " sites, %" PetscInt_FMT " not Z=%d",
               cases[k].block ? cases[k].block : "(null)", c->nsites, wrong, cases[k].z);
    UNIT_CHECK_ABSOLUTE(c->length[0], cases[k].a, 1e-12);
    UNIT_CALL(crystal_destroy(&c));
  }
  /* unknown name: PETSC_ERR_USER_INPUT with the file, the name and the blocks */
  Crystal       *c        = NULL;
  const char    *specific = NULL;
  PetscErrorCode ierr;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = crystal_create_from_cif_block(path, "silver", &c);
  PetscPopErrorHandler();
  UNIT_CHECK(ierr == PETSC_ERR_USER_INPUT && !c, "unknown block: error %d, expected PETSC_ERR_USER_INPUT (%d)",
             (int)ierr, (int)PETSC_ERR_USER_INPUT);
  PetscErrorMessage(ierr, NULL, (char **)&specific);
  UNIT_CHECK(specific && strstr(specific, path) && strstr(specific, "'silver'") && strstr(specific, "gold, Copper_RT"),
             "message: %s", specific ? specific : "(none)");
  /* a file without data_ headers is one block, read without a name and not by any name */
  snprintf(text, sizeof text, "_cell_length_a 4.0782\n_cell_length_b 4.0782\n_cell_length_c 4.0782\n%s%s", cell, gold);
  write_file("headerless.cif", text, headerless);
  UNIT_CALL(crystal_create_from_cif_block(headerless, NULL, &c));
  UNIT_CHECK(c && c->nsites == 4, "headerless file: %" PetscInt_FMT " sites", c ? c->nsites : -1);
  UNIT_CALL(crystal_destroy(&c));
  UNIT_CALL_FAILS(crystal_create_from_cif_block(headerless, "gold", &c));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(directory, sizeof directory, "/tmp/nanoforge-test-cif-XXXXXX");
  if (!mkdtemp(directory)) return 1;
  UNIT_RUN(test_rocksalt);
  UNIT_RUN(test_wurtzite);
  UNIT_RUN(test_broken_files);
  UNIT_RUN(test_hostile_cif);
  UNIT_RUN(test_identity_only_uses_holohedry);
  UNIT_RUN(test_data_blocks);
  char command[512];
  snprintf(command, sizeof command, "rm -rf '%s'", directory);
  if (system(command)) printf("could not remove %s\n", directory);
  return UNIT_END();
}
