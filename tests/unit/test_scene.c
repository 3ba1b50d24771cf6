/* test_scene.c — priorities, overlap removal, minimum distance across interfaces,
 * periodic bounds, clipping, labels, thermal rms, placement on a support. */
#include "structure/amorphous_support.h"
#include "structure/scene.h"
#include "unit.h"

static void line_of_atoms(AtomList **atoms, int n, double x0, double step, int z)
{
  UNIT_CALL(atom_list_create(0, atoms));
  for (int i = 0; i < n; i++) {
    double r[3] = {x0 + i * step, 0, 0};
    UNIT_CALL(atom_list_append(*atoms, r, z, 0, ATOM_CLASS_OTHER));
  }
}

/* A: x = 0, 2, 4 (priority 1); B: x = 4.5, 6.5, 8.5 (priority 2). With the distance region
 * (overlap 1 Å) B loses x = 4.5 only; A keeps everything. */
static void test_priority_lower_number_wins(void)
{
  AtomList *a, *b;
  Scene    *scene;
  line_of_atoms(&a, 3, 0, 2, 79);
  line_of_atoms(&b, 3, 4.5, 2, 6);
  UNIT_CALL(scene_create(&scene));
  scene->interface_distance = 0;
  UNIT_CALL(scene_add_object(scene, "a", 1, ATOM_CLASS_PARTICLE, a, NULL, NULL));
  UNIT_CALL(scene_add_object(scene, "b", 2, ATOM_CLASS_SUPPORT, b, NULL, NULL));
  UNIT_CALL(scene_remove_overlaps(scene));
  UNIT_CHECK(scene->object[0].atoms->n == 3, "winner lost atoms: %" PetscInt_FMT, scene->object[0].atoms->n);
  UNIT_CHECK(scene->object[1].atoms->n == 2 && scene->object[1].atoms->position[0][0] == 6.5,
             "loser kept %" PetscInt_FMT " atoms", scene->object[1].atoms->n);
  UNIT_CALL(scene_destroy(&scene));
  /* Swap the priorities: now A loses x = 4. */
  UNIT_CALL(scene_create(&scene));
  scene->interface_distance = 0;
  UNIT_CALL(scene_add_object(scene, "a", 5, ATOM_CLASS_PARTICLE, a, NULL, NULL));
  UNIT_CALL(scene_add_object(scene, "b", 2, ATOM_CLASS_SUPPORT, b, NULL, NULL));
  UNIT_CALL(scene_remove_overlaps(scene));
  UNIT_CHECK(scene->object[0].atoms->n == 2 && scene->object[1].atoms->n == 3,
             "swapped priorities: %" PetscInt_FMT " and %" PetscInt_FMT " atoms", scene->object[0].atoms->n,
             scene->object[1].atoms->n);
  UNIT_CALL(scene_destroy(&scene));
  /* Equal priorities delete each other's atoms in the overlap: both lose one. */
  UNIT_CALL(scene_create(&scene));
  scene->interface_distance = 0;
  UNIT_CALL(scene_add_object(scene, "a", 3, ATOM_CLASS_PARTICLE, a, NULL, NULL));
  UNIT_CALL(scene_add_object(scene, "b", 3, ATOM_CLASS_SUPPORT, b, NULL, NULL));
  UNIT_CALL(scene_remove_overlaps(scene));
  UNIT_CHECK(scene->object[0].atoms->n == 2 && scene->object[1].atoms->n == 2,
             "equal priorities: %" PetscInt_FMT " and %" PetscInt_FMT " atoms", scene->object[0].atoms->n,
             scene->object[1].atoms->n);
  UNIT_CALL(scene_destroy(&scene));
  UNIT_CALL(atom_list_destroy(&a));
  UNIT_CALL(atom_list_destroy(&b));
}

/* With a Volume, the winner's region is its volume: every support atom inside the sphere goes. */
static void test_overlap_by_volume(void)
{
  AtomList            *support, *particle;
  AmorphousSupportSpec spec;
  Scene               *scene;
  Volume              *ball;
  double               size[3] = {30, 30, 30}, origin[3] = {-15, -15, -15}, centre[3] = {1, -2, 3};
  PetscInt             inside = 0;
  UNIT_CALL(amorphous_support_spec_default(SUPPORT_AMORPHOUS_CARBON, size, origin, &spec));
  UNIT_CALL(atom_list_create(0, &support));
  UNIT_CALL(amorphous_support_build(&spec, 3, 0, 0, support));
  UNIT_CALL(volume_create_sphere(centre, 8.0, &ball));
  UNIT_CALL(atom_list_create(0, &particle));
  UNIT_CALL(atom_list_append(particle, centre, 79, 0, ATOM_CLASS_PARTICLE));
  for (PetscInt i = 0; i < support->n; i++) {
    double r2 = 0;
    for (int d = 0; d < 3; d++) r2 += (support->position[i][d] - centre[d]) * (support->position[i][d] - centre[d]);
    inside += r2 < 64;
  }
  UNIT_CALL(scene_create(&scene));
  scene->interface_distance = 0;
  UNIT_CALL(scene_add_object(scene, "support", 2, ATOM_CLASS_SUPPORT, support, NULL, NULL));
  UNIT_CALL(scene_add_object(scene, "particle", 1, ATOM_CLASS_PARTICLE, particle, ball, NULL));
  UNIT_CALL(scene_remove_overlaps(scene));
  UNIT_CHECK(inside > 100, "only %" PetscInt_FMT " support atoms inside the ball", inside);
  UNIT_CHECK(scene->object[0].atoms->n == support->n - inside,
             "support kept %" PetscInt_FMT " of %" PetscInt_FMT " atoms; expected %" PetscInt_FMT,
             scene->object[0].atoms->n, support->n, support->n - inside);
  UNIT_CHECK(scene->object[1].atoms->n == 1, "particle lost its atom");
  UNIT_CALL(scene_destroy(&scene));
  UNIT_CALL(volume_destroy(&ball));
  UNIT_CALL(atom_list_destroy(&support));
  UNIT_CALL(atom_list_destroy(&particle));
}

/* A dense "particle" (simple cubic Au, 2.9 Å spacing) touching a carbon slab: after
 * scene_resolve no Au–C pair is closer than the interface distance, and all Au atoms stay. */
static void test_interface_distance(void)
{
  AtomList            *support, *particle, *all;
  AmorphousSupportSpec spec;
  Scene               *scene;
  double               size[3] = {24, 24, 12}, origin[3] = {0, 0, 0}, closest;
  SceneBoundary        boundary[3] = {SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_OPEN};
  double               upper[3]    = {24, 24, 0};
  UNIT_CALL(amorphous_support_spec_default(SUPPORT_AMORPHOUS_CARBON, size, origin, &spec));
  UNIT_CALL(atom_list_create(0, &support));
  UNIT_CALL(amorphous_support_build(&spec, 11, 2, 0, support));
  UNIT_CALL(atom_list_create(0, &particle));
  for (int i = -2; i <= 2; i++)
    for (int j = -2; j <= 2; j++)
      for (int k = 0; k < 4; k++) {
        /* the lowest layer sits 1 Å inside the slab and the block crosses the periodic edge at x = 0 */
        double r[3] = {1.0 + 2.9 * i, 12 + 2.9 * j, 11 + 2.9 * k};
        UNIT_CALL(atom_list_append(particle, r, 79, 0, ATOM_CLASS_PARTICLE));
      }
  UNIT_CALL(scene_create(&scene));
  scene->overlap_distance = 0.5; /* small, so the interface step does the work */
  UNIT_CALL(scene_add_object(scene, "support", 2, ATOM_CLASS_SUPPORT, support, NULL, NULL));
  UNIT_CALL(scene_add_object(scene, "particle", 1, ATOM_CLASS_PARTICLE, particle, NULL, NULL));
  UNIT_CALL(scene_set_bounds(scene, origin, upper, boundary));
  UNIT_CALL(scene_wrap_periodic(scene));
  UNIT_CALL(scene_remove_overlaps(scene));
  UNIT_CALL(scene_closest_interface_pair(scene, &closest));
  UNIT_CHECK(closest < 1.0, "the test scene has no close pairs before the interface step (closest %g Å)", closest);
  UNIT_CALL(scene_remove_close_pairs(scene));
  UNIT_CALL(scene_closest_interface_pair(scene, &closest));
  UNIT_CHECK(closest >= 1.4, "Au–C pair %g Å apart after resolving (minimum 1.4 Å)", closest);
  UNIT_CHECK(scene->object[1].atoms->n == particle->n,
             "the particle (winner) lost atoms: %" PetscInt_FMT " of %" PetscInt_FMT, scene->object[1].atoms->n,
             particle->n);
  /* wrapped into [0, 24) */
  for (PetscInt i = 0; i < scene->object[1].atoms->n; i++)
    UNIT_CHECK(scene->object[1].atoms->position[i][0] >= 0 && scene->object[1].atoms->position[i][0] < 24,
               "x = %g not wrapped", scene->object[1].atoms->position[i][0]);
  /* hand-off: labels, thermal rms per species, cell */
  UNIT_CALL(scene_set_thermal_rms(scene, 79, 0.085));
  UNIT_CALL(scene_set_thermal_rms(scene, 6, 0.1));
  UNIT_CALL(atom_list_create(0, &all));
  UNIT_CALL(scene_to_atom_list(scene, all));
  UNIT_CHECK(all->n == scene->object[0].atoms->n + scene->object[1].atoms->n, "hand-off has %" PetscInt_FMT " atoms",
             all->n);
  for (PetscInt i = 0; i < all->n; i++) {
    PetscBool gold = all->atomic_number[i] == 79;
    UNIT_CHECK(all->object_id[i] == (gold ? 1 : 0) &&
                 all->atom_class[i] == (gold ? ATOM_CLASS_PARTICLE : ATOM_CLASS_SUPPORT),
               "atom %" PetscInt_FMT " labels", i);
    UNIT_CHECK(all->thermal_rms[i] == (gold ? 0.085f : 0.1f), "atom %" PetscInt_FMT " thermal rms %g", i,
               (double)all->thermal_rms[i]);
  }
  UNIT_CHECK(all->cell[0][0] == 24 && all->cell[1][1] == 24 && all->periodic[0] && !all->periodic[2], "cell");
  UNIT_CALL(atom_list_destroy(&all));
  UNIT_CALL(scene_destroy(&scene));
  UNIT_CALL(atom_list_destroy(&support));
  UNIT_CALL(atom_list_destroy(&particle));
}

static void test_clip_and_place(void)
{
  AtomList     *a;
  Scene        *scene;
  RngStream     rng;
  double        lower[3] = {0, 0, 0}, upper[3] = {10, 10, 10}, shift[3], low[3], high[3], centre[2] = {50, 40};
  SceneBoundary boundary[3] = {SCENE_BOUNDARY_CLIP, SCENE_BOUNDARY_CLIP, SCENE_BOUNDARY_OPEN};
  line_of_atoms(&a, 8, -1.5, 2, 29); /* x = -1.5 .. 12.5 */
  UNIT_CALL(scene_create(&scene));
  UNIT_CALL(scene_add_object(scene, "a", 1, ATOM_CLASS_OTHER, a, NULL, NULL));
  UNIT_CALL(scene_set_bounds(scene, lower, upper, boundary));
  UNIT_CALL(scene_resolve(scene));
  UNIT_CHECK(scene->object[0].atoms->n == 5, "clip kept %" PetscInt_FMT " atoms, expected 5 (x = 0.5 .. 8.5)",
             scene->object[0].atoms->n);
  UNIT_CALL(scene_destroy(&scene));
  rng_stream_init(&rng, 1, 2, RNG_PURPOSE_STRUCTURE);
  UNIT_CALL(scene_place_on_surface(a, 30.0, centre, 2.5, 3.0, &rng, shift));
  atom_list_bounds(a, low, high);
  UNIT_CHECK_ABSOLUTE(low[2], 27.5, 1e-12);
  UNIT_CHECK(fabs((low[0] + high[0]) / 2 - 50) <= 3 && fabs(a->position[0][1] - 40) <= 3,
             "centroid not within the jitter of the centre");
  UNIT_CALL(atom_list_destroy(&a));
}

/* The cell-grid steps against the brute-force reference on random scenes: four objects,
 * equal and different priorities, one with a Volume, periodic x and y, open z. */
static void make_random_scene(uint64_t unit, Scene **scene)
{
  RngStream     rng;
  SceneBoundary boundary[3] = {SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_OPEN};
  double        lower[3] = {0, 0, 0}, upper[3] = {17, 13, 0}, centre[3] = {2, 12, 4};
  int           priority[4] = {2, 1, 2, 3};
  Volume       *ball;
  rng_stream_init(&rng, 77, unit, RNG_PURPOSE_TEST);
  UNIT_CALL(scene_create(scene));
  UNIT_CALL(scene_set_bounds(*scene, lower, upper, boundary));
  (*scene)->overlap_distance   = 0.9;
  (*scene)->interface_distance = 1.7;
  UNIT_CALL(volume_create_sphere(centre, 3.5, &ball));
  for (int k = 0; k < 4; k++) {
    AtomList *atoms;
    UNIT_CALL(atom_list_create(0, &atoms));
    for (int i = 0; i < 150; i++) {
      double r[3] = {17 * rng_uniform(&rng), 13 * rng_uniform(&rng), 8 * rng_uniform(&rng)};
      UNIT_CALL(atom_list_append(atoms, r, 6 + k, 0, ATOM_CLASS_OTHER));
    }
    UNIT_CALL(scene_add_object(*scene, "random", priority[k], ATOM_CLASS_OTHER, atoms, k == 1 ? ball : NULL, NULL));
    UNIT_CALL(atom_list_destroy(&atoms));
  }
  UNIT_CALL(volume_destroy(&ball));
}

static void test_grid_steps_match_reference(void)
{
  for (uint64_t unit = 0; unit < 5; unit++) {
    Scene   *fast, *slow;
    PetscInt removed = 0;
    make_random_scene(unit, &fast);
    make_random_scene(unit, &slow);
    UNIT_CALL(scene_remove_overlaps(fast));
    UNIT_CALL(scene_remove_overlaps_ref(slow));
    for (PetscInt k = 0; k < 4; k++) {
      removed += 150 - fast->object[k].atoms->n;
      UNIT_CHECK(fast->object[k].atoms->n == slow->object[k].atoms->n,
                 "unit %d object %d after overlaps: %" PetscInt_FMT " atoms, reference %" PetscInt_FMT, (int)unit,
                 (int)k, fast->object[k].atoms->n, slow->object[k].atoms->n);
    }
    UNIT_CALL(scene_remove_close_pairs(fast));
    UNIT_CALL(scene_remove_close_pairs_ref(slow));
    for (PetscInt k = 0; k < 4; k++) {
      const AtomList *a = fast->object[k].atoms, *b = slow->object[k].atoms;
      UNIT_CHECK(a->n == b->n && !memcmp(a->position, b->position, sizeof(double) * 3 * a->n),
                 "unit %d object %d after close pairs: %" PetscInt_FMT " atoms, reference %" PetscInt_FMT, (int)unit,
                 (int)k, a->n, b->n);
    }
    double closest;
    UNIT_CALL(scene_closest_interface_pair(fast, &closest));
    UNIT_CHECK(closest >= 1.7, "closest pair across objects %g Å", closest);
    UNIT_CHECK(removed > 50, "only %" PetscInt_FMT " atoms removed by overlaps: the test does not exercise them",
               removed);
    UNIT_CALL(scene_destroy(&fast));
    UNIT_CALL(scene_destroy(&slow));
  }
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_priority_lower_number_wins);
  UNIT_RUN(test_overlap_by_volume);
  UNIT_RUN(test_interface_distance);
  UNIT_RUN(test_clip_and_place);
  UNIT_RUN(test_grid_steps_match_reference);
  return UNIT_END();
}
