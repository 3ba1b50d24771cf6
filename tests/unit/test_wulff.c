/* test_wulff.c — energy parsing, Wulff/Winterbottom sizing, ideal polyhedra, bad energies. */
#include "structure/crystal_fill.h"
#include "structure/wulff.h"
#include "structure/polyhedra.h"
#include "unit.h"

static const double zero[3] = {0, 0, 0};

static void test_parse(void)
{
  SurfaceEnergy f[PARTICLE_SHAPE_MAX_FAMILIES];
  PetscInt      n;
  UNIT_CALL(wulff_parse_energies("{111}:1.0,{100}:1.15", "-energies", &n, f));
  UNIT_CHECK(n == 2 && f[0].hkl[0] == 1 && f[0].hkl[2] == 1 && f[1].hkl[1] == 0 && f[1].energy == 1.15,
             "parsed %" PetscInt_FMT, n);
  UNIT_CALL(wulff_parse_energies("{1-10}:0.9, 111:1,{1,0,-2}:2", "-energies", &n, f));
  UNIT_CHECK(n == 3 && f[0].hkl[1] == -1 && f[1].hkl[2] == 1 && f[2].hkl[2] == -2 && f[2].energy == 2,
             "parsed %" PetscInt_FMT, n);
  UNIT_CALL_FAILS(wulff_parse_energies("{111}:-1", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("{111}:0", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("{11}:1", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("{111:1", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("{111}", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("", "-energies", &n, f));
  UNIT_CALL_FAILS(wulff_parse_energies("{000}:1", "-energies", &n, f));
}

static void test_wulff_sizing(void)
{
  Crystal      *au;
  SurfaceEnergy f[PARTICLE_SHAPE_MAX_FAMILIES];
  PetscInt      n;
  Volume       *v;
  double        measure;
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(wulff_parse_energies("{111}:1.0,{100}:1.15", "test", &n, f));
  UNIT_CALL(particle_shape_wulff(au, n, f, NULL, 20, zero, &v));
  UNIT_CHECK(v->nplanes == 14, "%" PetscInt_FMT " planes", v->nplanes);
  UNIT_CALL(volume_polyhedron_measure(v, &measure));
  UNIT_CHECK_RELATIVE(measure, 4.0 / 3.0 * M_PI * 8000, 1e-9);
  /* energy ratio = distance ratio */
  UNIT_CHECK_RELATIVE(v->plane[8].distance / v->plane[0].distance, 1.15, 1e-12);
  /* atoms ≈ measure / atomic volume */
  PetscInt count;
  UNIT_CALL(crystal_fill_count(au, v, zero, &count));
  double expected = measure / (pow(4.07825, 3) / 4);
  UNIT_CHECK(fabs(count - expected) < 0.05 * expected, "%" PetscInt_FMT " atoms, ≈ %g expected", count, expected);
  UNIT_CALL(volume_destroy(&v));
  /* sized by atom count */
  double radius;
  UNIT_CALL(particle_shape_wulff_atoms(au, n, f, NULL, 1000, zero, &v, &radius));
  UNIT_CALL(crystal_fill_count(au, v, zero, &count));
  UNIT_CALL(volume_destroy(&v));
  /* centred shapes grow by whole facet layers: the count must be the closest one reachable,
   * i.e. no closer than the counts just below and just above the chosen radius */
  for (int side = -1; side <= 1; side += 2) {
    PetscInt other;
    UNIT_CALL(particle_shape_wulff(au, n, f, NULL, radius + side * 1e-5, zero, &v));
    UNIT_CALL(crystal_fill_count(au, v, zero, &other));
    UNIT_CHECK(llabs((long long)count - 1000) <= llabs((long long)other - 1000),
               "%" PetscInt_FMT " atoms for 1000 requested, %" PetscInt_FMT " at R %+g", count, other, side * 1e-5);
    UNIT_CALL(volume_destroy(&v));
  }
  UNIT_CHECK(count > 700 && count < 1300, "%" PetscInt_FMT " atoms for 1000 requested (R = %g)", count, radius);
  /* Winterbottom: Δγ = −0.5 γ111 puts the (111)-down plane at half the free distance on the other side */
  WulffTruncation t = {{-1, -1, -1}, -0.5};
  UNIT_CALL(particle_shape_wulff(au, n, f, &t, 20, zero, &v));
  UNIT_CHECK(v->nplanes == 15, "%" PetscInt_FMT " planes", v->nplanes);
  UNIT_CALL(volume_polyhedron_measure(v, &measure));
  UNIT_CHECK_RELATIVE(measure, 4.0 / 3.0 * M_PI * 8000, 1e-9);
  double lambda = v->plane[0].distance; /* γ111 = 1 */
  UNIT_CHECK_RELATIVE(v->plane[14].distance, -0.5 * lambda, 1e-12);
  UNIT_CHECK(!volume_contains(v, zero), "the centre is cut off by a negative Δγ");
  UNIT_CALL(volume_destroy(&v));
  /* complete wetting (Δγ <= −γ) and unbounded families fail */
  t.energy_difference = -1.2;
  UNIT_CALL_FAILS(particle_shape_wulff(au, n, f, &t, 20, zero, &v));
  Crystal *mg;
  UNIT_CALL(crystal_create_material("Mg", &mg));
  UNIT_CALL(wulff_parse_energies("{100}:1.0", "test", &n, f));
  UNIT_CALL_FAILS(particle_shape_wulff(mg, n, f, NULL, 20, zero, &v));
  UNIT_CALL(wulff_parse_energies("{100}:1.0,{001}:1.2", "test", &n, f));
  UNIT_CALL(particle_shape_wulff(mg, n, f, NULL, 20, zero, &v));
  UNIT_CHECK(v->nplanes == 8, "hexagonal prism: %" PetscInt_FMT " planes", v->nplanes);
  UNIT_CALL(volume_destroy(&v));
  f[0].energy = -1;
  UNIT_CALL_FAILS(particle_shape_wulff(mg, n, f, NULL, 20, zero, &v));
  UNIT_CALL(crystal_destroy(&mg));
  UNIT_CALL(crystal_destroy(&au));
}

static void test_ideal_polyhedra(void)
{
  const char    *names[]    = {"cube", "octahedron", "cuboctahedron", "truncated_octahedron"};
  const PetscInt vertices[] = {8, 6, 12, 24};
  Crystal       *au;
  UNIT_CALL(crystal_create_material("Au", &au));
  for (int i = 0; i < 4; i++) {
    Volume  *v;
    PetscInt nv;
    double(*x)[3], measure;
    UNIT_CALL(particle_shape_polyhedron(au, names[i], 15, zero, &v));
    UNIT_CALL(volume_polyhedron_vertices(v, &nv, &x));
    UNIT_CHECK(nv == vertices[i], "%s: %" PetscInt_FMT " vertices, expected %" PetscInt_FMT, names[i], nv, vertices[i]);
    UNIT_CALL(volume_polyhedron_measure(v, &measure));
    UNIT_CHECK_RELATIVE(measure, 4.0 / 3.0 * M_PI * 15 * 15 * 15, 1e-9);
    UNIT_CALL(PetscFree(x));
    UNIT_CALL(volume_destroy(&v));
  }
  /* cube of half-edge h: measure (2h)³ exactly */
  Volume *v;
  UNIT_CALL(particle_shape_polyhedron(au, "cube", 10, zero, &v));
  UNIT_CHECK_RELATIVE(pow(2 * v->plane[0].distance, 3), 4.0 / 3.0 * M_PI * 1000, 1e-12);
  UNIT_CALL(volume_destroy(&v));
  /* rods: square prism in cubic Au, hexagonal prism in Mg */
  UNIT_CALL(particle_shape_rod(au, 8, 40, zero, &v));
  double lower[3], upper[3];
  UNIT_CALL(volume_bounding_box(v, lower, upper));
  UNIT_CHECK(v->nplanes == 6 && fabs(upper[0] - 8) < 1e-9 && fabs(upper[2] - 20) < 1e-9, "rod box %g %g", upper[0],
             upper[2]);
  UNIT_CALL(volume_destroy(&v));
  Crystal *mg;
  UNIT_CALL(crystal_create_material("Mg", &mg));
  UNIT_CALL(particle_shape_rod(mg, 8, 40, zero, &v));
  UNIT_CHECK(v->nplanes == 8, "hexagonal rod: %" PetscInt_FMT " planes", v->nplanes);
  UNIT_CALL(volume_destroy(&v));
  UNIT_CALL(particle_shape_polyhedron(au, "sphere", 10, zero, &v));
  PetscInt count;
  UNIT_CALL(crystal_fill_count(au, v, zero, &count));
  UNIT_CHECK(count == 249, "sphere: %" PetscInt_FMT, count);
  UNIT_CALL(volume_destroy(&v));
  UNIT_CALL_FAILS(particle_shape_polyhedron(au, "dodecahedron", 10, zero, &v));
  UNIT_CALL_FAILS(particle_shape_polyhedron(au, "cube", -1, zero, &v));
  UNIT_CALL(crystal_destroy(&mg));
  UNIT_CALL(crystal_destroy(&au));
}

static void test_volume_pieces(void)
{
  Volume *v;
  double  lower[3], upper[3];
  /* planes only: a tetrahedron-like open shape must be bounded or fail cleanly */
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_plane(v, (double[3]){1, 1, 1}, (double[3]){1, 0, 0}));
  UNIT_CALL(volume_add_plane(v, (double[3]){-1, 0, 0}, zero));
  UNIT_CALL(volume_add_plane(v, (double[3]){0, -1, 0}, zero));
  UNIT_CALL_FAILS(volume_bounding_box(v, lower, upper));
  UNIT_CALL(volume_add_plane(v, (double[3]){0, 0, -1}, zero));
  UNIT_CALL(volume_bounding_box(v, lower, upper));
  UNIT_CHECK(fabs(upper[0] - 1) < 1e-9 && fabs(upper[2] - 1) < 1e-9 && fabs(lower[1]) < 1e-9, "tetrahedron box");
  double measure;
  UNIT_CALL(volume_polyhedron_measure(v, &measure));
  UNIT_CHECK_RELATIVE(measure, 1.0 / 6.0, 1e-12);
  UNIT_CALL(volume_destroy(&v));
  /* a finite tilted cylinder and a box */
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_cylinder(v, (double[3]){1, 2, 3}, (double[3]){0, 0, 1}, 2, 10));
  UNIT_CALL(volume_bounding_box(v, lower, upper));
  UNIT_CHECK(fabs(lower[0] + 1) < 1e-12 && fabs(upper[2] - 8) < 1e-12, "cylinder box");
  UNIT_CHECK(volume_contains(v, (double[3]){2.9, 2, 7.9}) && !volume_contains(v, (double[3]){3.1, 2, 5}) &&
               !volume_contains(v, (double[3]){1, 2, 8.1}),
             "cylinder inside");
  UNIT_CALL(volume_add_box(v, (double[3]){0, 0, 0}, (double[3]){10, 10, 5}));
  UNIT_CALL(volume_bounding_box(v, lower, upper));
  UNIT_CHECK(fabs(lower[0]) < 1e-12 && fabs(upper[2] - 5) < 1e-12, "box ∩ cylinder");
  UNIT_CALL(volume_destroy(&v));
  /* convex hull of a cube's corners plus an interior point */
  double pts[9][3];
  for (int c = 0; c < 8; c++)
    for (int d = 0; d < 3; d++) pts[c][d] = (c >> d) & 1 ? 2 : -2;
  pts[8][0] = pts[8][1] = pts[8][2] = 0.5;
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_convex_hull(v, 9, (const double(*)[3])pts));
  UNIT_CHECK(v->nplanes == 6, "hull planes %" PetscInt_FMT, v->nplanes);
  UNIT_CALL(volume_polyhedron_measure(v, &measure));
  UNIT_CHECK_RELATIVE(measure, 64, 1e-12);
  UNIT_CALL(volume_destroy(&v));
  /* a rigid motion moves the inside with it: x inside v  ⇔  R x + t inside moved v */
  {
    Volume *moved;
    double  R[3][3] = {{0, -1, 0}, {1, 0, 0}, {0, 0, 1}}, t[3] = {3, -2, 1},
           skew[3][3] = {{1, 0.1, 0}, {0, 1, 0}, {0, 0, 1}};
    UNIT_CALL(volume_create(&v));
    UNIT_CALL(volume_add_sphere(v, (double[3]){1, 0, 0}, 4));
    UNIT_CALL(volume_add_plane_at_distance(v, (double[3]){1, 1, 0}, 1));
    UNIT_CALL(volume_add_cylinder(v, zero, (double[3]){0, 1, 1}, 3, 6));
    UNIT_CALL(volume_duplicate(v, &moved));
    UNIT_CALL(volume_transform(moved, (const double(*)[3])R, t));
    PetscInt agree = 0;
    for (int i = 0; i < 1000; i++) {
      double x[3] = {-5 + 10 * ((i * 37) % 101) / 100.0, -5 + 10 * ((i * 53) % 97) / 96.0,
                     -5 + 10 * ((i * 71) % 89) / 88.0},
             y[3];
      for (int d = 0; d < 3; d++) y[d] = R[d][0] * x[0] + R[d][1] * x[1] + R[d][2] * x[2] + t[d];
      agree += volume_contains(v, x) == volume_contains(moved, y);
    }
    UNIT_CHECK(agree == 1000, "%" PetscInt_FMT " of 1000 points agree", agree);
    UNIT_CALL_FAILS(volume_transform(moved, (const double(*)[3])skew, t));
    UNIT_CALL(volume_destroy(&moved));
    UNIT_CALL(volume_destroy(&v));
  }
  /* empty: two disjoint half-spaces */
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_plane_at_distance(v, (double[3]){0, 0, 1}, -1));
  UNIT_CALL(volume_add_plane_at_distance(v, (double[3]){0, 0, -1}, -1));
  UNIT_CALL(volume_add_sphere(v, zero, 5));
  UNIT_CALL_FAILS(volume_bounding_box(v, lower, upper));
  UNIT_CALL(volume_destroy(&v));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_parse);
  UNIT_RUN(test_wulff_sizing);
  UNIT_RUN(test_ideal_polyhedra);
  UNIT_RUN(test_volume_pieces);
  return UNIT_END();
}
