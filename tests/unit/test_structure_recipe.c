/* test_structure_recipe.c — options → recipe → atoms: sampling per unit, bit-identical
 * builds, the particle on its support without close Au–C pairs, columns, bad input. */
#include "structure/structure_recipe.h"
#include "unit.h"

static PetscErrorCode read_distributions(StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_SELF, NULL, "test", NULL);
  PetscCall(structure_recipe_options_read(PetscOptionsObject, d));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static void set_options(const char *options)
{
  UNIT_CALL(PetscOptionsClear(NULL));
  UNIT_CALL(PetscOptionsInsertString(NULL, options));
}

static void test_sampling(void)
{
  StructureRecipeDistributions d;
  StructureRecipe              a, b, c;
  int                          seen_au = 0, seen_ag = 0;
  set_options(
    "-material choice:Au,Ag -shape choice:sphere,cuboctahedron -radius uniform:10,20 -rotation random -support amorphous_carbon -zone_axis random -support_thickness uniform:20,40");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 7, 3, &a));
  UNIT_CALL(structure_recipe_sample(&d, 7, 3, &b));
  UNIT_CHECK(!memcmp(&a, &b, sizeof a), "the same (seed, unit) drew different recipes");
  for (uint64_t unit = 0; unit < 40; unit++) {
    UNIT_CALL(structure_recipe_sample(&d, 7, unit, &c));
    seen_au += !strcmp(c.material, "Au");
    seen_ag += !strcmp(c.material, "Ag");
    UNIT_CHECK(c.radius >= 10 && c.radius < 20, "radius %g outside uniform:10,20", c.radius);
    UNIT_CHECK(c.random_rotation && c.support == SUPPORT_AMORPHOUS_CARBON, "fixed labels not kept");
    UNIT_CHECK(c.support_size[0] == 100 && c.support_size[2] >= 20 && c.support_size[2] < 40,
               "support size %g x %g x %g", c.support_size[0], c.support_size[1], c.support_size[2]);
  }
  UNIT_CHECK(seen_au + seen_ag == 40 && seen_au > 5 && seen_ag > 5, "Au %d, Ag %d of 40 draws", seen_au, seen_ag);
  UNIT_CALL(PetscOptionsClear(NULL));
}

static void test_build_reproducible_and_clean_interface(void)
{
  StructureRecipeDistributions d;
  StructureRecipe              r;
  AtomList                    *a, *b, *c;
  set_options(
    "-material Au -shape sphere -radius 9 -twins 1 -stacking_faults 1 -rotation random -mistilt 5 -support amorphous_carbon -support_size 40,40,15 "
    "-embedding_depth 3 -placement_jitter 2");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 11, 0, &r));
  UNIT_CALL(atom_list_create(0, &a));
  UNIT_CALL(atom_list_create(0, &b));
  UNIT_CALL(atom_list_create(0, &c));
  UNIT_CALL(structure_recipe_build(&r, 11, 0, a));
  UNIT_CALL(structure_recipe_build(&r, 11, 0, b));
  UNIT_CALL(structure_recipe_build(&r, 11, 1, c));
  UNIT_CHECK(a->n == b->n && !memcmp(a->position, b->position, sizeof(double) * 3 * a->n) &&
               !memcmp(a->atomic_number, b->atomic_number, sizeof(int) * a->n) &&
               !memcmp(a->object_id, b->object_id, sizeof(int) * a->n) &&
               !memcmp(a->thermal_rms, b->thermal_rms, sizeof(float) * a->n),
             "same recipe, seed and unit gave different atoms");
  UNIT_CHECK(a->n != c->n || memcmp(a->position, c->position, sizeof(double) * 3 * a->n),
             "another unit gave the same atoms");
  /* No Au–C pair closer than the interface distance (minimum image in x and y). */
  double   closest = 1e9;
  PetscInt n_gold = 0, n_carbon = 0;
  for (PetscInt i = 0; i < a->n; i++) {
    if (a->atomic_number[i] != 79) {
      n_carbon++;
      continue;
    }
    n_gold++;
    UNIT_CHECK(a->atom_class[i] == ATOM_CLASS_PARTICLE && a->object_id[i] == 0,
               "Au atom %" PetscInt_FMT " labelled %d/%d", i, a->atom_class[i], a->object_id[i]);
    for (PetscInt j = 0; j < a->n; j++) {
      if (a->atomic_number[j] != 6) continue;
      double r2 = 0;
      for (int k = 0; k < 3; k++) {
        double t = a->position[j][k] - a->position[i][k];
        if (k < 2) t -= 40 * round(t / 40);
        r2 += t * t;
      }
      if (r2 < closest * closest) closest = sqrt(r2);
    }
  }
  UNIT_CHECK(n_gold > 100 && n_carbon > 1000, "%" PetscInt_FMT " Au and %" PetscInt_FMT " C atoms", n_gold, n_carbon);
  UNIT_CHECK(closest >= 1.4 && closest < 2.5,
             "closest Au–C pair %g Å (allowed >= 1.4; an embedded particle touches carbon)", closest);
  UNIT_CHECK(a->cell[0][0] == 40 && a->cell[1][1] == 40 && a->periodic[0] && a->periodic[1],
             "cell not the support box");
  UNIT_CALL(atom_list_destroy(&a));
  UNIT_CALL(atom_list_destroy(&b));
  UNIT_CALL(atom_list_destroy(&c));
  UNIT_CALL(PetscOptionsClear(NULL));
}

/* A multiply twinned particle has no Volume: its region is judged by distance, and
 * must still leave no support atom inside it when it is embedded deep in the support. */
static void test_embedded_icosahedron_is_empty_of_carbon(void)
{
  StructureRecipeDistributions d;
  StructureRecipe              r;
  AtomList                    *atoms;
  double                       centre[3] = {0, 0, 0}, radius = 0;
  PetscInt                     n_gold = 0, inside = 0;
  set_options(
    "-material Au -shape icosahedron -shells 5 -support amorphous_carbon -support_size 40,40,30 -embedding_depth 12");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 2, 0, &r));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(structure_recipe_build(&r, 2, 0, atoms));
  for (PetscInt i = 0; i < atoms->n; i++)
    if (atoms->atomic_number[i] == 79) {
      for (int k = 0; k < 3; k++) centre[k] += atoms->position[i][k];
      n_gold++;
    }
  UNIT_CHECK(n_gold == 309, "%" PetscInt_FMT " Au atoms; a 5-shell icosahedron has 309", n_gold);
  for (int k = 0; k < 3; k++) centre[k] /= PetscMax(n_gold, 1);
  for (PetscInt i = 0; i < atoms->n; i++)
    if (atoms->atomic_number[i] == 79) {
      double r2 = 0;
      for (int k = 0; k < 3; k++) r2 += (atoms->position[i][k] - centre[k]) * (atoms->position[i][k] - centre[k]);
      radius = PetscMax(radius, sqrt(r2));
    }
  /* the inscribed sphere of an icosahedron is 0.79 of its circumscribed one */
  for (PetscInt i = 0; i < atoms->n; i++)
    if (atoms->atomic_number[i] == 6) {
      double r2 = 0;
      for (int k = 0; k < 3; k++) r2 += (atoms->position[i][k] - centre[k]) * (atoms->position[i][k] - centre[k]);
      inside += sqrt(r2) < 0.75 * radius;
    }
  UNIT_CHECK(inside == 0, "%" PetscInt_FMT " C atoms inside the embedded icosahedron (radius %g Å)", inside, radius);
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(PetscOptionsClear(NULL));
}

/* Winterbottom: the truncated {111} facet is turned onto the support, so the particle
 * rests on a flat layer of atoms and is flatter than the free Wulff shape. */
static void particle_extent(const char *options, double *height, double *width, PetscInt *bottom_layer)
{
  StructureRecipeDistributions d;
  StructureRecipe              r;
  AtomList                    *atoms;
  double                       low[3] = {1e9, 1e9, 1e9}, high[3] = {-1e9, -1e9, -1e9};
  set_options(options);
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 1, 0, &r));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(structure_recipe_build(&r, 1, 0, atoms));
  for (PetscInt i = 0; i < atoms->n; i++)
    if (atoms->atom_class[i] == ATOM_CLASS_PARTICLE)
      for (int k = 0; k < 3; k++)
        low[k] = PetscMin(low[k], atoms->position[i][k]), high[k] = PetscMax(high[k], atoms->position[i][k]);
  *bottom_layer = 0;
  for (PetscInt i = 0; i < atoms->n; i++)
    *bottom_layer += atoms->atom_class[i] == ATOM_CLASS_PARTICLE && atoms->position[i][2] < low[2] + 0.3;
  *height = high[2] - low[2];
  *width  = PetscMax(high[0] - low[0], high[1] - low[1]);
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(PetscOptionsClear(NULL));
}

static void test_winterbottom_facet_down(void)
{
  double   height_free, width_free, height_cut, width_cut;
  PetscInt bottom_free, bottom_cut;
  particle_extent(
    "-shape wulff -radius 15 -support graphene -support_size 60,60,3 -interface_facet 1,1,1 -interface_energy 5",
    &height_free, &width_free, &bottom_free);
  particle_extent(
    "-shape wulff -radius 15 -support graphene -support_size 60,60,3 -interface_facet 1,1,1 -interface_energy -0.6",
    &height_cut, &width_cut, &bottom_cut);
  /* Δγ >= γ111 leaves the free shape, still with its {111} facet down */
  UNIT_CHECK(bottom_free >= 19 && bottom_cut > bottom_free,
             "bottom layers: free %" PetscInt_FMT ", truncated %" PetscInt_FMT " atoms", bottom_free, bottom_cut);
  UNIT_CHECK(height_cut / width_cut < 0.85 * height_free / width_free, "height/width: truncated %g, free %g",
             height_cut / width_cut, height_free / width_free);
}

static void test_columns_and_describe(void)
{
  StructureRecipeDistributions d;
  StructureRecipe              r;
  StructureRecipeColumn        columns[STRUCTURE_RECIPE_MAX_COLUMNS];
  PetscInt                     n;
  char                         text[512];
  set_options("-material Pt -shape icosahedron -shells 4 -zone_axis 1,-1,0");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 1, 0, &r));
  UNIT_CHECK(r.zone_axis[0] == 1 && r.zone_axis[1] == -1 && r.zone_axis[2] == 0, "zone axis [%d %d %d]", r.zone_axis[0],
             r.zone_axis[1], r.zone_axis[2]);
  UNIT_CALL(structure_recipe_columns(&r, &n, columns));
  UNIT_CHECK(n == 25 && !strcmp(columns[1].name, "radius") && !strcmp(columns[2].name, "shells") &&
               columns[2].value == 4,
             "columns: %" PetscInt_FMT ", %s = %g", n, columns[2].name, columns[2].value);
  UNIT_CALL(structure_recipe_describe(&r, text, sizeof text));
  UNIT_CHECK(strstr(text, "Pt icosahedron 4 shells") != NULL, "description '%s'", text);
  UNIT_CALL(PetscOptionsClear(NULL));
}

static void test_bad_input(void)
{
  StructureRecipeDistributions d;
  const char                  *bad[] = {"-material Unobtainium",   "-shape blob", "-support carpet",
                                        "-zone_axis 1,1",          "-radius -3",  "-rotation sideways",
                                        "-thermal_rms Au:1,Xx:0.1"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    set_options(bad[k]);
    if (k + 1 < sizeof bad / sizeof bad[0]) UNIT_CALL_FAILS(read_distributions(&d));
  }
  /* -thermal_rms is checked when built */
  StructureRecipe r;
  AtomList       *atoms;
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 1, 0, &r));
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL_FAILS(structure_recipe_build(&r, 1, 0, atoms));
  /* nothing to build */
  set_options("-shape none");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 1, 0, &r));
  UNIT_CALL_FAILS(structure_recipe_build(&r, 1, 0, atoms));
  /* a particle wider than its periodic support */
  set_options("-shape sphere -radius 30 -support graphene -support_size 40,40,5");
  UNIT_CALL(read_distributions(&d));
  UNIT_CALL(structure_recipe_sample(&d, 1, 0, &r));
  UNIT_CALL_FAILS(structure_recipe_build(&r, 1, 0, atoms));
  UNIT_CALL(atom_list_destroy(&atoms));
  UNIT_CALL(PetscOptionsClear(NULL));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_sampling);
  UNIT_RUN(test_build_reproducible_and_clean_interface);
  UNIT_RUN(test_embedded_icosahedron_is_empty_of_carbon);
  UNIT_RUN(test_winterbottom_facet_down);
  UNIT_RUN(test_columns_and_describe);
  UNIT_RUN(test_bad_input);
  return UNIT_END();
}
