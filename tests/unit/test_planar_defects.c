/* test_planar_defects.c — twins mirror the lattice, stacking faults shift it by a/6<112>, I1
 * faults in wurtzite, no like-on-like layers, seeded random placement, bad input. */
#include "structure/crystal_fill.h"
#include "structure/planar_defects.h"
#include "unit.h"

static const double zero[3] = {0, 0, 0};

/* Is x a site of the perfect fcc lattice (origin at 0, cube edge a)? */
static PetscBool fcc_site(const double x[3], double a)
{
  int twice[3];
  for (int i = 0; i < 3; i++) {
    double f = 2 * x[i] / a;
    twice[i] = (int)lround(f);
    if (fabs(f - twice[i]) > 1e-6) return PETSC_FALSE;
  }
  return (twice[0] + twice[1] + twice[2]) % 2 == 0;
}

/* No two adjacent layers (heights differing by one spacing) share an in-plane site. */
static PetscBool adjacent_layers_differ(const AtomList *atoms, const PlanarDefects *p, int z)
{
  for (PetscInt i = 0; i < atoms->n; i++)
    for (PetscInt j = 0; j < atoms->n; j++) {
      if (atoms->atomic_number[i] != z || atoms->atomic_number[j] != z) continue;
      double v[3] = {atoms->position[j][0] - atoms->position[i][0], atoms->position[j][1] - atoms->position[i][1],
                     atoms->position[j][2] - atoms->position[i][2]};
      double h    = v[0] * p->normal[0] + v[1] * p->normal[1] + v[2] * p->normal[2];
      if (fabs(h - p->spacing) > 1e-6) continue;
      double q2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - h * h;
      if (q2 < 0.01) return PETSC_FALSE;
    }
  return PETSC_TRUE;
}

static void test_twin_mirrors(void)
{
  Crystal       *au;
  Volume        *ball;
  PlanarDefects *p;
  AtomList      *atoms;
  const double   a = 4.07825;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(volume_create_sphere(zero, 15, &ball));
  UNIT_CALL(planar_defects_create(au, (int[3]){1, 1, 1}, zero, &p));
  UNIT_CHECK_RELATIVE(p->spacing, a / sqrt(3.0), 1e-12);
  UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_TWIN, 0));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(planar_defects_fill(p, ball, 0, ATOM_CLASS_PARTICLE, atoms));
  PetscInt below = 0, on = 0, above = 0, above_perfect = 0;
  for (PetscInt i = 0; i < atoms->n; i++) {
    double *x = atoms->position[i], h = (x[0] + x[1] + x[2]) / sqrt(3.0);
    if (h < -1e-6) {
      below++;
      UNIT_CHECK(fcc_site(x, a), "atom below the twin plane off the lattice");
    } else if (h < 1e-6) {
      on++;
      UNIT_CHECK(fcc_site(x, a), "atom on the twin plane off the lattice");
    } else {
      above++;
      double m[3];
      for (int d = 0; d < 3; d++) m[d] = x[d] - 2 * h * (1 / sqrt(3.0));
      UNIT_CHECK(fcc_site(m, a), "mirror image of an atom above the twin is not a lattice site");
      if (fcc_site(x, a)) above_perfect++;
    }
  }
  /* the sphere is mirror-symmetric about the twin plane through its centre */
  UNIT_CHECK(above == below && atoms->n == 2 * below + on,
             "below %" PetscInt_FMT " on %" PetscInt_FMT " above %" PetscInt_FMT, below, on, above);
  UNIT_CHECK(above_perfect < above / 2,
             "%" PetscInt_FMT " of %" PetscInt_FMT " twinned atoms still on the parent lattice", above_perfect, above);
  UNIT_CHECK(adjacent_layers_differ(atoms, p, 79), "like layers adjacent");
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(planar_defects_destroy(&p));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&au));
}

static void test_stacking_fault_shift(void)
{
  Crystal       *au;
  Volume        *ball;
  PlanarDefects *p;
  AtomList      *atoms;
  const double   a = 4.07825;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(volume_create_sphere(zero, 12, &ball));
  UNIT_CALL(planar_defects_create(au, (int[3]){1, 1, 1}, zero, &p));
  UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_STACKING_FAULT, 1));
  const double *s = p->shift[1], n[3] = {1 / sqrt(3.0), 1 / sqrt(3.0), 1 / sqrt(3.0)};
  /* a/6<112>: length a/sqrt(6), in the plane, components ±a/6 and ∓a/3 */
  UNIT_CHECK_RELATIVE(sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]), a / sqrt(6.0), 1e-9);
  UNIT_CHECK_ABSOLUTE(s[0] * n[0] + s[1] * n[1] + s[2] * n[2], 0, 1e-12);
  double sorted[3] = {fabs(s[0]), fabs(s[1]), fabs(s[2])};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (sorted[j] < sorted[i]) {
        double t  = sorted[i];
        sorted[i] = sorted[j];
        sorted[j] = t;
      }
  UNIT_CHECK(fabs(sorted[0] - a / 6) < 1e-9 && fabs(sorted[1] - a / 6) < 1e-9 && fabs(sorted[2] - a / 3) < 1e-9,
             "shift (%g %g %g) is not a/6<112>", s[0], s[1], s[2]);
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(planar_defects_fill(p, ball, 0, ATOM_CLASS_PARTICLE, atoms));
  PetscInt shifted = 0;
  for (PetscInt i = 0; i < atoms->n; i++) {
    double *x = atoms->position[i], h = (x[0] + x[1] + x[2]) / sqrt(3.0);
    if (h <= p->boundary[0])
      UNIT_CHECK(fcc_site(x, a), "atom below the fault off the lattice");
    else {
      double y[3] = {x[0] - s[0], x[1] - s[1], x[2] - s[2]};
      UNIT_CHECK(fcc_site(y, a) && !fcc_site(x, a), "atom above the fault not shifted by the partial");
      shifted++;
    }
  }
  UNIT_CHECK(shifted > 100, "%" PetscInt_FMT " shifted atoms", shifted);
  /* the boundary lies midway between layers 1 and 2 */
  UNIT_CHECK_RELATIVE(p->boundary[0], 1.5 * p->spacing, 1e-9);
  UNIT_CHECK(adjacent_layers_differ(atoms, p, 79), "like layers adjacent");
  /* twin + fault composition and an I1 request on fcc (a lattice translation: no fault) */
  UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_TWIN, -2));
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(planar_defects_fill(p, ball, 0, ATOM_CLASS_PARTICLE, atoms));
  UNIT_CHECK(adjacent_layers_differ(atoms, p, 79), "like layers adjacent after twin + fault");
  UNIT_CALL_FAILS(planar_defects_add(p, PLANAR_DEFECT_I1_FAULT, 3));
  UNIT_CALL_FAILS(planar_defects_add(p, PLANAR_DEFECT_TWIN, 1));
  UNIT_CHECK(p->ndefects == 2, "failed adds must not change the defects");
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(planar_defects_destroy(&p));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&au));
}

/* Stacking letter (0 = A, 1 = B, 2 = C) of a cation in hexagonal in-plane coordinates. */
static int hex_letter(const Crystal *c, const double x[3])
{
  double f0 = x[0] * c->reciprocal[0][0] + x[1] * c->reciprocal[0][1],
         f1 = x[0] * c->reciprocal[1][0] + x[1] * c->reciprocal[1][1];
  f0 -= floor(f0 + 1e-6);
  f1 -= floor(f1 + 1e-6);
  if (fabs(f0) < 1e-4 && fabs(f1) < 1e-4) return 0;
  if (fabs(f0 - 1. / 3) < 1e-4 && fabs(f1 - 2. / 3) < 1e-4) return 1;
  if (fabs(f0 - 2. / 3) < 1e-4 && fabs(f1 - 1. / 3) < 1e-4) return 2;
  return -1;
}

static void test_wurtzite_i1(void)
{
  Crystal       *cdse;
  Volume        *box;
  PlanarDefects *p;
  AtomList      *atoms;
  UNIT_CALL(crystal_create_material("CdSe", &cdse));
  UNIT_CALL(volume_create(&box));
  UNIT_CALL(volume_add_box(box, (double[3]){-8, -8, -0.1}, (double[3]){8, 8, 6 * 7.0109 - 1}));
  UNIT_CALL(planar_defects_create(cdse, (int[3]){0, 0, 1}, zero, &p));
  UNIT_CHECK_RELATIVE(p->spacing, 7.0109 / 2, 1e-12);
  UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_I1_FAULT, 5));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(planar_defects_fill(p, box, 0, ATOM_CLASS_PARTICLE, atoms));
  /* letters of the Cd layers 0..11: ABABAB then CBCBCB (I1: ABAB|CBCB) */
  int letter[12];
  for (int k = 0; k < 12; k++) letter[k] = -2;
  for (PetscInt i = 0; i < atoms->n; i++) {
    if (atoms->atomic_number[i] != 48) continue;
    double k     = atoms->position[i][2] / p->spacing;
    int    layer = (int)lround(k);
    UNIT_CHECK(fabs(k - layer) < 1e-6 && layer >= 0 && layer < 12, "Cd atom off the layers at z = %g",
               atoms->position[i][2]);
    if (layer < 0 || layer >= 12) continue;
    int l = hex_letter(cdse, atoms->position[i]);
    UNIT_CHECK(letter[layer] == -2 || letter[layer] == l, "layer %d mixes letters", layer);
    letter[layer] = l;
  }
  for (int k = 0; k < 12; k++) UNIT_CHECK(letter[k] >= 0, "layer %d letter %d", k, letter[k]);
  for (int k = 0; k < 11; k++) UNIT_CHECK(letter[k] != letter[k + 1], "layers %d and %d alike", k, k + 1);
  /* I1 (ABAB|CBCB, or its mirror ABAB|ACAC): exactly one layer in a cubic environment
   * (neighbours below and above differ), right at the fault; all three letters occur */
  int cubic = 0, where = -1, seen[3] = {0, 0, 0};
  for (int k = 0; k < 12; k++)
    if (letter[k] >= 0) seen[letter[k]] = 1;
  for (int k = 1; k < 11; k++)
    if (letter[k - 1] != letter[k + 1]) {
      cubic++;
      where = k;
    }
  UNIT_CHECK(cubic == 1 && (where == 5 || where == 6) && seen[0] && seen[1] && seen[2],
             "%d cubic layers (at %d); letters %d%d%d%d%d%d%d%d%d%d%d%d", cubic, where, letter[0], letter[1], letter[2],
             letter[3], letter[4], letter[5], letter[6], letter[7], letter[8], letter[9], letter[10], letter[11]);
  /* the cut runs through the wide Cd–Se gap (axial bonds), not inside a bilayer */
  double cut = p->boundary[0] - 5 * p->spacing;
  UNIT_CHECK(cut > 0 && cut < 0.376 * 7.0109, "cut at %g Å above the Cd layer", cut);
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(planar_defects_destroy(&p));
  UNIT_CALL(volume_destroy(&box));
  UNIT_CALL(crystal_destroy(&cdse));
}

/* Number of neighbours of atom i closer than `reach`. */
static PetscInt coordination(const AtomList *atoms, PetscInt i, double reach)
{
  PetscInt n = 0;
  for (PetscInt j = 0; j < atoms->n; j++) {
    double dx = atoms->position[i][0] - atoms->position[j][0], dy = atoms->position[i][1] - atoms->position[j][1],
           dz = atoms->position[i][2] - atoms->position[j][2];
    if (j != i && dx * dx + dy * dy + dz * dz < reach * reach) n++;
  }
  return n;
}

/* Other stackings — rocksalt MgO {111}, hcp Mg (001), wurtzite CdSe (001): a twin and a fault
 * keep every interior atom's bulk coordination and no pair closer than 0.85 d_nn; a basal
 * mirror twin in wurtzite (an inversion domain that breaks bonds) is refused. */
static void test_other_crystals(void)
{
  const char *names[3]     = {"MgO", "Mg", "CdSe"};
  const int   planes[3][3] = {{1, 1, 1}, {0, 0, 1}, {0, 0, 1}};
  for (int m = 0; m < 3; m++) {
    Crystal       *c;
    Volume        *ball;
    PlanarDefects *p;
    AtomList      *atoms, *perfect;
    UNIT_CALL(crystal_create_material(names[m], &c));
    double nn = crystal_nearest_neighbour_distance(c);
    UNIT_CALL(volume_create_sphere(zero, 14, &ball));
    UNIT_CALL(atom_list_create(0, &perfect));
    UNIT_CALL(crystal_fill(c, ball, zero, 0, ATOM_CLASS_PARTICLE, perfect));
    PetscInt bulk = -1;
    for (PetscInt i = 0; i < perfect->n; i++)
      if (fabs(perfect->position[i][0]) + fabs(perfect->position[i][1]) + fabs(perfect->position[i][2]) < 1e-9)
        bulk = coordination(perfect, i, 1.1 * nn);
    UNIT_CHECK(bulk == (m == 0 ? 6 : m == 1 ? 12 : 4), "%s: bulk coordination %" PetscInt_FMT, names[m], bulk);
    UNIT_CALL(planar_defects_create(c, planes[m], zero, &p));
    if (m < 2)
      UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_TWIN, -2));
    else
      UNIT_CALL_FAILS(planar_defects_add(p, PLANAR_DEFECT_TWIN, -2));
    UNIT_CALL(planar_defects_add(p, m == 2 ? PLANAR_DEFECT_I1_FAULT : PLANAR_DEFECT_STACKING_FAULT, 1));
    if (m == 2) UNIT_CALL(planar_defects_add(p, PLANAR_DEFECT_STACKING_FAULT, -2));
    UNIT_CALL(atom_list_create(0, &atoms));
    UNIT_CALL(planar_defects_fill(p, ball, 0, ATOM_CLASS_PARTICLE, atoms));
    UNIT_CHECK(fabs((double)atoms->n - perfect->n) < 0.1 * perfect->n,
               "%s: %" PetscInt_FMT " atoms, perfect %" PetscInt_FMT, names[m], atoms->n, perfect->n);
    double   dmin  = INFINITY;
    PetscInt wrong = 0, interior = 0;
    for (PetscInt i = 0; i < atoms->n; i++) {
      double *x = atoms->position[i];
      for (PetscInt j = i + 1; j < atoms->n; j++) {
        double dx = x[0] - atoms->position[j][0], dy = x[1] - atoms->position[j][1], dz = x[2] - atoms->position[j][2];
        dmin = PetscMin(dmin, dx * dx + dy * dy + dz * dz);
      }
      if (sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) < 14 - 1.2 * nn - 0.5) {
        interior++;
        if (coordination(atoms, i, 1.1 * nn) != bulk) wrong++;
      }
    }
    UNIT_CHECK(sqrt(dmin) > 0.85 * nn, "%s: atoms %g Å apart", names[m], sqrt(dmin));
    UNIT_CHECK(wrong == 0 && interior > 50,
               "%s: %" PetscInt_FMT " of %" PetscInt_FMT
               " interior atoms with a coordination other than %" PetscInt_FMT,
               names[m], wrong, interior, bulk);
    UNIT_CALL(atom_list_destroy(&atoms));
    UNIT_CALL(atom_list_destroy(&perfect));
    UNIT_CALL(planar_defects_destroy(&p));
    UNIT_CALL(volume_destroy(&ball));
    UNIT_CALL(crystal_destroy(&c));
  }
}

static void fill_random(uint64_t seed, AtomList **atoms, PetscInt *layers)
{
  Crystal       *au;
  Volume        *ball;
  PlanarDefects *p;
  RngStream      rng;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(volume_create_sphere(zero, 32.5, &ball));
  UNIT_CALL(planar_defects_create(au, (int[3]){1, 1, 1}, zero, &p));
  rng_stream_init(&rng, seed, 7, RNG_PURPOSE_STRUCTURE);
  UNIT_CALL(planar_defects_place_random(p, ball, &rng, 3, 2.0 / 3.0, PLANAR_DEFECT_STACKING_FAULT, 3));
  UNIT_CHECK(p->ndefects == 3, "%" PetscInt_FMT " defects", p->ndefects);
  for (PetscInt j = 0; j < p->ndefects; j++) layers[j] = p->layer[j];
  for (PetscInt j = 1; j < p->ndefects; j++)
    UNIT_CHECK(p->layer[j] - p->layer[j - 1] >= 3, "defects %" PetscInt_FMT " layers apart",
               p->layer[j] - p->layer[j - 1]);
  UNIT_CALL(atom_list_create(0, atoms));
  UNIT_CALL(planar_defects_fill(p, ball, 0, ATOM_CLASS_PARTICLE, *atoms));
  UNIT_CALL(planar_defects_destroy(&p));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&au));
}

static void test_random_placement_reproducible(void)
{
  AtomList *a, *b, *c;
  PetscInt  la[3], lb[3], lc[3];
  fill_random(42, &a, la);
  fill_random(42, &b, lb);
  fill_random(43, &c, lc);
  UNIT_CHECK(a->n == b->n && !memcmp(a->position, b->position, sizeof(double) * 3 * a->n),
             "same seed, different structures");
  UNIT_CHECK(la[0] != lc[0] || la[1] != lc[1] || la[2] != lc[2], "seeds 42 and 43 gave the same layers");
  UNIT_CHECK(llabs((long long)a->n - 8583) < 200, "%" PetscInt_FMT " atoms", a->n);
  UNIT_CALL(atom_list_destroy(&a));
  UNIT_CALL(atom_list_destroy(&b));
  UNIT_CALL(atom_list_destroy(&c));
}

static void test_bad_input(void)
{
  Crystal       *au;
  Volume        *ball;
  PlanarDefects *p;
  RngStream      rng;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(volume_create_sphere(zero, 6, &ball));
  UNIT_CALL(planar_defects_create(au, (int[3]){1, 1, 1}, zero, &p));
  rng_stream_init(&rng, 1, 0, RNG_PURPOSE_STRUCTURE);
  /* a 6 Å sphere has 7 layers (−3..3), 5 interior: 3 defects 3 apart need 7 */
  UNIT_CALL_FAILS(planar_defects_place_random(p, ball, &rng, 3, 0.5, PLANAR_DEFECT_STACKING_FAULT, 3));
  UNIT_CALL(planar_defects_place_random(p, ball, &rng, 2, 0.5, PLANAR_DEFECT_STACKING_FAULT, 2));
  UNIT_CALL_FAILS(planar_defects_place_random(p, ball, &rng, 1, 1.5, PLANAR_DEFECT_STACKING_FAULT, 2));
  UNIT_CALL_FAILS(planar_defects_place_random(p, ball, &rng, 1, 0.5, PLANAR_DEFECT_TWIN, 2));
  UNIT_CALL_FAILS(planar_defects_add(p, (PlanarDefectType)9, 0));
  UNIT_CALL(planar_defects_destroy(&p));
  UNIT_CALL_FAILS(planar_defects_create(au, (int[3]){0, 0, 0}, zero, &p));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(crystal_destroy(&au));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_twin_mirrors);
  UNIT_RUN(test_stacking_fault_shift);
  UNIT_RUN(test_wurtzite_i1);
  UNIT_RUN(test_other_crystals);
  UNIT_RUN(test_random_placement_reproducible);
  UNIT_RUN(test_bad_input);
  return UNIT_END();
}
