/* test_crystal.c — lattices, prototypes, materials, families, crystal_fill counts. */
#include "structure/crystal.h"
#include "structure/crystal_fill.h"
#include "core/rng.h"
#include "structure/volume.h"
#include "unit.h"

static const double zero[3] = {0, 0, 0};

/* fcc Au spheres centred on a lattice site: the shell-count series of the issue. */
static void test_gold_sphere_counts(void)
{
  const double   radius[] = {10, 15, 20, 25, 32.5};
  const PetscInt expect[] = {249, 887, 1985, 3925, 8583};
  Crystal       *au;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CHECK_ABSOLUTE(au->length[0], 4.07825, 1e-12);
  for (int i = 0; i < 5; i++) {
    Volume   *ball;
    AtomList *atoms;
    UNIT_CALL(volume_create_sphere(zero, radius[i], &ball));
    UNIT_CALL(atom_list_create(0, &atoms));
    UNIT_CALL(crystal_fill(au, ball, zero, 3, ATOM_CLASS_PARTICLE, atoms));
    UNIT_CHECK(atoms->n == expect[i], "R = %g: %" PetscInt_FMT " atoms, expected %" PetscInt_FMT, radius[i], atoms->n,
               expect[i]);
    PetscInt count;
    UNIT_CALL(crystal_fill_count(au, ball, zero, &count));
    UNIT_CHECK(count == expect[i], "count %" PetscInt_FMT, count);
    for (PetscInt a = 0; a < atoms->n; a++) {
      double *x = atoms->position[a];
      UNIT_CHECK(sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) < radius[i] + 1e-5, "atom outside");
      UNIT_CHECK(atoms->atomic_number[a] == 79 && atoms->object_id[a] == 3, "labels");
    }
    UNIT_CALL(atom_list_destroy(&atoms));
    UNIT_CALL(volume_destroy(&ball));
  }
  UNIT_CALL(crystal_destroy(&au));
}

/* The 5-shell cuboctahedron: {111} at 5.1 d111 and {100} at 5.1 d200 → 561 atoms, with or without snapping. */
static void test_cuboctahedron_561(void)
{
  Crystal *au;
  UNIT_CALL(crystal_create_material("Au", &au));
  const int h111[3] = {1, 1, 1}, h200[3] = {2, 0, 0}, h100[3] = {1, 0, 0};
  UNIT_CHECK_RELATIVE(crystal_d_spacing(au, h111), 4.07825 / sqrt(3.0), 1e-12);
  UNIT_CHECK_RELATIVE(crystal_d_spacing(au, h200), 4.07825 / 2, 1e-12);
  for (int snap = 0; snap < 2; snap++) {
    Volume *v;
    UNIT_CALL(volume_create(&v));
    UNIT_CALL(volume_add_miller_family(v, au, h111, 5.1 * crystal_d_spacing(au, h111), zero, (PetscBool)snap));
    UNIT_CALL(volume_add_miller_family(v, au, h100, 5.1 * crystal_d_spacing(au, h200), zero, (PetscBool)snap));
    UNIT_CHECK(v->nplanes == 14, "%" PetscInt_FMT " planes, expected 8 + 6", v->nplanes);
    PetscInt n;
    UNIT_CALL(crystal_fill_count(au, v, zero, &n));
    UNIT_CHECK(n == 561, "snap %d: %" PetscInt_FMT " atoms, expected 561", snap, n);
    UNIT_CALL(volume_destroy(&v));
  }
  UNIT_CALL(crystal_destroy(&au));
}

/* Lattice vectors are rows in the standard setting; hexagonal cells are not transposed. */
static void test_hexagonal_cells(void)
{
  Crystal *mg, *zno;
  UNIT_CALL(crystal_create_material("Mg", &mg));
  double a = 3.2094, c = 5.2108;
  UNIT_CHECK_ABSOLUTE(mg->lattice[0][0], a, 1e-12);
  UNIT_CHECK_ABSOLUTE(mg->lattice[0][1], 0, 1e-12);
  UNIT_CHECK_ABSOLUTE(mg->lattice[1][0], -a / 2, 1e-9);
  UNIT_CHECK_ABSOLUTE(mg->lattice[1][1], a * sqrt(3.0) / 2, 1e-9);
  UNIT_CHECK_ABSOLUTE(mg->lattice[2][2], c, 1e-9);
  UNIT_CHECK_ABSOLUTE(mg->lattice[2][0], 0, 1e-9);
  /* hcp Mg: 6 in-plane neighbours at a, 6 out-of-plane at sqrt(a²/3 + c²/4) = 3.1961 Å. */
  double out = sqrt(a * a / 3 + c * c / 4);
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(mg), PetscMin(a, out), 1e-9);
  Volume   *ball;
  AtomList *atoms;
  UNIT_CALL(volume_create_sphere(zero, 3.3, &ball));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(crystal_fill(mg, ball, zero, 0, ATOM_CLASS_PARTICLE, atoms));
  PetscInt near_a = 0, near_out = 0;
  for (PetscInt i = 0; i < atoms->n; i++) {
    double r = sqrt(atoms->position[i][0] * atoms->position[i][0] + atoms->position[i][1] * atoms->position[i][1] +
                    atoms->position[i][2] * atoms->position[i][2]);
    if (fabs(r - a) < 1e-6) near_a++;
    if (fabs(r - out) < 1e-6) near_out++;
  }
  UNIT_CHECK(atoms->n == 13 && near_a == 6 && near_out == 6,
             "hcp shell: %" PetscInt_FMT " atoms, %" PetscInt_FMT " at a, %" PetscInt_FMT " at %g", atoms->n, near_a,
             near_out, out);
  /* wurtzite ZnO: Zn–O bond along c is u·c; tetrahedral neighbours at sqrt(a²/3 + (1/2 − u)² c²). */
  UNIT_CALL(crystal_create_material("ZnO", &zno));
  double u = 0.3819, za = 3.2496, zc = 5.2042;
  double axial = u * zc, basal = sqrt(za * za / 3 + (0.5 - u) * (0.5 - u) * zc * zc);
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(zno), PetscMin(axial, basal), 1e-9);
  UNIT_CHECK(zno->npoint_operations == 24 && mg->npoint_operations == 24,
             "hexagonal Laue group has %" PetscInt_FMT " operations", zno->npoint_operations);
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&mg));
  UNIT_CALL(crystal_destroy(&zno));
}

static void test_reciprocal_and_families(void)
{
  const double length[3] = {4.1, 5.3, 6.7}, angle[3] = {81, 97, 104};
  CrystalSite  site = {29, {0.1, 0.2, 0.3}, 1};
  Crystal     *tri, *au, *fe;
  UNIT_CALL(crystal_create_from_cell("triclinic", length, angle, 1, &site, &tri));
  for (int i = 0; i < 3; i++) {
    UNIT_CHECK_RELATIVE(sqrt(tri->lattice[i][0] * tri->lattice[i][0] + tri->lattice[i][1] * tri->lattice[i][1] +
                             tri->lattice[i][2] * tri->lattice[i][2]),
                        length[i], 1e-12);
    for (int j = 0; j < 3; j++) {
      double s = tri->lattice[i][0] * tri->reciprocal[j][0] + tri->lattice[i][1] * tri->reciprocal[j][1] +
                 tri->lattice[i][2] * tri->reciprocal[j][2];
      UNIT_CHECK_ABSOLUTE(s, i == j, 1e-12);
    }
  }
  /* angle between b and c is alpha */
  double bc = 0;
  for (int d = 0; d < 3; d++) bc += tri->lattice[1][d] * tri->lattice[2][d];
  UNIT_CHECK_ABSOLUTE(acos(bc / (length[1] * length[2])) * 180 / M_PI, 81, 1e-9);
  UNIT_CHECK(tri->npoint_operations == 2, "triclinic: %" PetscInt_FMT " operations", tri->npoint_operations);
  UNIT_CALL(crystal_create_material("au", &au));
  UNIT_CHECK(au->npoint_operations == 48, "cubic: %" PetscInt_FMT, au->npoint_operations);
  int      members[48][3];
  PetscInt n;
  UNIT_CALL(crystal_family(au, (int[3]){1, 1, 1}, &n, members));
  UNIT_CHECK(n == 8, "{111}: %" PetscInt_FMT, n);
  UNIT_CALL(crystal_family(au, (int[3]){1, 0, 0}, &n, members));
  UNIT_CHECK(n == 6, "{100}: %" PetscInt_FMT, n);
  UNIT_CALL(crystal_family(au, (int[3]){1, 1, 0}, &n, members));
  UNIT_CHECK(n == 12, "{110}: %" PetscInt_FMT, n);
  UNIT_CALL(crystal_family(au, (int[3]){3, 2, 1}, &n, members));
  UNIT_CHECK(n == 48, "{321}: %" PetscInt_FMT, n);
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(au), 4.07825 / sqrt(2.0), 1e-12);
  UNIT_CALL(crystal_create_material("Fe", &fe));
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(fe), 2.8665 * sqrt(3.0) / 2, 1e-12);
  UNIT_CALL(crystal_destroy(&fe));
  const char *names[]  = {"Ag", "Pt", "Pd", "Cu", "Ni", "Si", "CdSe", "MgO"};
  const int   nsites[] = {4, 4, 4, 4, 4, 8, 4, 8};
  for (int i = 0; i < 8; i++) {
    Crystal *m;
    UNIT_CALL(crystal_create_material(names[i], &m));
    UNIT_CHECK(m->nsites == nsites[i], "%s has %" PetscInt_FMT " sites", names[i], m->nsites);
    UNIT_CALL(crystal_destroy(&m));
  }
  /* Si diamond: nearest neighbours at a·sqrt(3)/4 */
  Crystal *si;
  UNIT_CALL(crystal_create_prototype("diamond", (int[1]){14}, 5.431, 0, &si));
  UNIT_CHECK_ABSOLUTE(crystal_nearest_neighbour_distance(si), 5.431 * sqrt(3.0) / 4, 1e-12);
  UNIT_CALL(crystal_destroy(&si));
  UNIT_CALL(crystal_destroy(&au));
  UNIT_CALL(crystal_destroy(&tri));
}

static void test_bad_input(void)
{
  Crystal    *c    = NULL;
  CrystalSite site = {79, {0, 0, 0}, 1};
  UNIT_CALL_FAILS(crystal_create_material("Unobtainium", &c));
  UNIT_CALL_FAILS(crystal_create_prototype("bct", (int[1]){79}, 4, 0, &c));
  UNIT_CALL_FAILS(crystal_create_prototype("fcc", (int[1]){79}, -4, 0, &c));
  UNIT_CALL_FAILS(crystal_create_from_cell("bad", (double[3]){1, 1, 1}, (double[3]){90, 90, 200}, 1, &site, &c));
  UNIT_CALL_FAILS(crystal_create_from_cell("bad", (double[3]){1, 1, 1}, (double[3]){10, 10, 170}, 1, &site, &c));
  UNIT_CALL_FAILS(crystal_create_from_cell("bad", (double[3]){1, 1, 1}, (double[3]){90, 90, 90}, 0, &site, &c));
  site.atomic_number = 0;
  UNIT_CALL_FAILS(crystal_create_from_cell("bad", (double[3]){1, 1, 1}, (double[3]){90, 90, 90}, 1, &site, &c));
  UNIT_CHECK(c == NULL, "no crystal on failure");
  Crystal *au;
  Volume  *open;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(volume_create(&open));
  UNIT_CALL(volume_add_plane_at_distance(open, (double[3]){0, 0, 1}, 5));
  AtomList *atoms;
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL_FAILS(crystal_fill(au, open, zero, 0, ATOM_CLASS_PARTICLE, atoms));
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(volume_destroy(&open));
  UNIT_CALL(crystal_destroy(&au));
}

/* crystal_fill against the brute-force reference on random triclinic cells, origins and shapes. */
static void test_fill_matches_reference(void)
{
  RngStream rng;
  rng_stream_init(&rng, 11, 0, RNG_PURPOSE_TEST);
  for (int trial = 0; trial < 12; trial++) {
    double      length[3] = {2.5 + 3 * rng_uniform(&rng), 2.5 + 3 * rng_uniform(&rng), 2.5 + 3 * rng_uniform(&rng)};
    double      angle[3]  = {70 + 40 * rng_uniform(&rng), 70 + 40 * rng_uniform(&rng), 70 + 40 * rng_uniform(&rng)};
    CrystalSite sites[2]  = {{26, {rng_uniform(&rng), rng_uniform(&rng), rng_uniform(&rng)}, 1},
                             {8, {rng_uniform(&rng), rng_uniform(&rng), rng_uniform(&rng)}, 0.5}};
    Crystal    *c;
    Volume     *v;
    double      origin[3] = {4 * rng_uniform(&rng) - 2, 4 * rng_uniform(&rng) - 2, 4 * rng_uniform(&rng) - 2};
    double      centre[3] = {6 * rng_uniform(&rng) - 3, 6 * rng_uniform(&rng) - 3, 6 * rng_uniform(&rng) - 3};
    UNIT_CALL(crystal_create_from_cell("random", length, angle, 2, sites, &c));
    if (!c) continue;
    UNIT_CALL(volume_create(&v));
    if (trial % 3 == 0) UNIT_CALL(volume_add_sphere(v, centre, 5 + 8 * rng_uniform(&rng)));
    if (trial % 3 == 1)
      UNIT_CALL(
        volume_add_cylinder(v, centre, (double[3]){rng_normal(&rng), rng_normal(&rng), rng_normal(&rng)}, 4, 14));
    /* a random convex polyhedron: 12 random half-spaces around the centre, bounded by a box */
    for (int p = 0; p < 12; p++) {
      double n[3];
      rng_unit_vector(&rng, n);
      double point[3] = {centre[0] + 9 * n[0], centre[1] + 9 * n[1], centre[2] + 9 * n[2]};
      UNIT_CALL(volume_add_plane(v, n, point));
    }
    if (trial % 3 == 2)
      UNIT_CALL(volume_add_box(v, (double[3]){centre[0] - 8, centre[1] - 8, centre[2] - 8},
                               (double[3]){centre[0] + 8, centre[1] + 8, centre[2] + 8}));
    AtomList *fast, *slow;
    UNIT_CALL(atom_list_create(0, &fast));
    UNIT_CALL(atom_list_create(0, &slow));
    UNIT_CALL(crystal_fill(c, v, origin, 1, ATOM_CLASS_PARTICLE, fast));
    UNIT_CALL(crystal_fill_ref(c, v, origin, 30, 1, ATOM_CLASS_PARTICLE, slow));
    UNIT_CHECK(fast->n == slow->n && fast->n > 0, "trial %d: fill %" PetscInt_FMT " atoms, reference %" PetscInt_FMT,
               trial, fast->n, slow->n);
    /* same sets: every fast atom is in the reference list */
    for (PetscInt a = 0; a < fast->n && fast->n == slow->n; a++) {
      PetscBool found = PETSC_FALSE;
      for (PetscInt b = 0; b < slow->n && !found; b++)
        found = fast->atomic_number[a] == slow->atomic_number[b] &&
                fabs(fast->position[a][0] - slow->position[b][0]) < 1e-9 &&
                fabs(fast->position[a][1] - slow->position[b][1]) < 1e-9 &&
                fabs(fast->position[a][2] - slow->position[b][2]) < 1e-9 && fast->occupancy[a] == slow->occupancy[b];
      UNIT_CHECK(found, "trial %d: atom %" PetscInt_FMT " not in the reference", trial, a);
    }
    UNIT_CALL(atom_list_destroy(&fast));
    UNIT_CALL(atom_list_destroy(&slow));
    UNIT_CALL(volume_destroy(&v));
    UNIT_CALL(crystal_destroy(&c));
  }
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_gold_sphere_counts);
  UNIT_RUN(test_cuboctahedron_561);
  UNIT_RUN(test_hexagonal_cells);
  UNIT_RUN(test_reciprocal_and_families);
  UNIT_RUN(test_bad_input);
  UNIT_RUN(test_fill_matches_reference);
  return UNIT_END();
}
