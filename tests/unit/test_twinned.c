/* test_twinned.c — Mackay icosahedra and decahedra: magic counts, bond lengths, truncations. */
#include "structure/twinned_particles.h"
#include "unit.h"

static const double zero[3] = {0, 0, 0};

/* Smallest and largest nearest-neighbour distance over all atoms. */
static void neighbour_range(const AtomList *atoms, double *shortest, double *longest)
{
  *shortest = INFINITY;
  *longest  = 0;
  for (PetscInt i = 0; i < atoms->n; i++) {
    double best = INFINITY;
    for (PetscInt j = 0; j < atoms->n; j++) {
      if (i == j) continue;
      double dx = atoms->position[i][0] - atoms->position[j][0], dy = atoms->position[i][1] - atoms->position[j][1],
             dz = atoms->position[i][2] - atoms->position[j][2];
      best      = PetscMin(best, sqrt(dx * dx + dy * dy + dz * dz));
    }
    *shortest = PetscMin(*shortest, best);
    *longest  = PetscMax(*longest, best);
  }
}

static void test_icosahedron_magic_counts(void)
{
  const PetscInt expect[] = {1, 13, 55, 147, 309, 561};
  Crystal       *au;
  UNIT_CALL(crystal_create_material("Au", &au));
  for (PetscInt k = 1; k <= 6; k++) {
    AtomList *atoms;
    UNIT_CALL(atom_list_create(0, &atoms));
    UNIT_CALL(twinned_icosahedron(au, k, zero, 1, ATOM_CLASS_PARTICLE, atoms));
    UNIT_CHECK(atoms->n == expect[k - 1], "%" PetscInt_FMT " shells: %" PetscInt_FMT " atoms, expected %" PetscInt_FMT,
               k, atoms->n, expect[k - 1]);
    UNIT_CHECK(twinned_icosahedron_count(k) == expect[k - 1], "formula");
    if (k == 4) {
      double lo, hi, d = 4.07825 / sqrt(2.0);
      neighbour_range(atoms, &lo, &hi);
      /* radial bonds −2.5 %, tangential +2.5 % around the bulk distance */
      UNIT_CHECK(lo > 0.97 * d && hi < 1.03 * d, "neighbour distances %g..%g, bulk %g", lo, hi, d);
    }
    UNIT_CALL(atom_list_destroy(&atoms));
  }
  AtomList *atoms;
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL_FAILS(twinned_icosahedron(au, 0, zero, 1, ATOM_CLASS_PARTICLE, atoms));
  Crystal *nacl;
  UNIT_CALL(crystal_create_material("NaCl", &nacl));
  UNIT_CALL_FAILS(twinned_icosahedron(nacl, 3, zero, 1, ATOM_CLASS_PARTICLE, atoms));
  UNIT_CALL(crystal_destroy(&nacl));
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(crystal_destroy(&au));
}

static void test_decahedron_magic_counts(void)
{
  const PetscInt expect[] = {1, 7, 23, 54, 105, 181};
  Crystal       *au;
  UNIT_CALL(crystal_create_material("Au", &au));
  for (PetscInt k = 1; k <= 6; k++) {
    AtomList *atoms;
    UNIT_CALL(atom_list_create(0, &atoms));
    UNIT_CALL(twinned_decahedron(au, k, 0, 0, zero, 1, ATOM_CLASS_PARTICLE, atoms));
    UNIT_CHECK(atoms->n == expect[k - 1], "k = %" PetscInt_FMT ": %" PetscInt_FMT " atoms, expected %" PetscInt_FMT, k,
               atoms->n, expect[k - 1]);
    UNIT_CHECK(twinned_decahedron_count(k) == expect[k - 1], "formula");
    if (k == 5) {
      double lo, hi, d = 4.07825 / sqrt(2.0);
      neighbour_range(atoms, &lo, &hi);
      UNIT_CHECK(lo > 0.985 * d && hi < 1.0 + 1e-9 * d + d, "neighbour distances %g..%g, bulk %g", lo, hi, d);
    }
    UNIT_CALL(atom_list_destroy(&atoms));
  }
  UNIT_CALL(crystal_destroy(&au));
}

/* Ino truncation removes the equatorial edge rows; Marks notches remove twin-boundary atoms. */
static void test_decahedron_truncations(void)
{
  Crystal  *au;
  AtomList *regular, *ino, *marks;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(atom_list_create(0, &regular));
  UNIT_CALL(atom_list_create(0, &ino));
  UNIT_CALL(atom_list_create(0, &marks));
  UNIT_CALL(twinned_decahedron(au, 6, 0, 0, zero, 0, ATOM_CLASS_PARTICLE, regular));
  UNIT_CALL(twinned_decahedron(au, 6, 1, 0, zero, 0, ATOM_CLASS_PARTICLE, ino));
  UNIT_CALL(twinned_decahedron(au, 6, 1, 1, zero, 0, ATOM_CLASS_PARTICLE, marks));
  /* Ino 1 removes the 5 equatorial edges (6 atoms each, shared vertices counted once): 5·6 − 5 = 25. */
  UNIT_CHECK(ino->n == regular->n - 25, "Ino: %" PetscInt_FMT " atoms, regular %" PetscInt_FMT, ino->n, regular->n);
  /* Marks 1 removes, at each of the 5 twin boundaries, the outermost atom row on the twin plane
   * (b = q, c = 0 with a = 0..N−q: 2 atoms for N = 5, q = 4). */
  UNIT_CHECK(marks->n == ino->n - 10, "Marks: %" PetscInt_FMT " atoms, Ino %" PetscInt_FMT, marks->n, ino->n);
  UNIT_CALL_FAILS(twinned_decahedron(au, 6, 6, 0, zero, 0, ATOM_CLASS_PARTICLE, marks));
  UNIT_CALL_FAILS(twinned_decahedron(au, 6, 1, 5, zero, 0, ATOM_CLASS_PARTICLE, marks));
  UNIT_CALL(atom_list_destroy(&regular));
  UNIT_CALL(atom_list_destroy(&ino));
  UNIT_CALL(atom_list_destroy(&marks));
  UNIT_CALL(crystal_destroy(&au));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_icosahedron_magic_counts);
  UNIT_RUN(test_decahedron_magic_counts);
  UNIT_RUN(test_decahedron_truncations);
  return UNIT_END();
}
