/* test_volume_hull.c — the Quickhull convex hull (convex_hull.c) against the brute-force
 * reference (volume_ref.c): the same planes (count, normals, distances) and the same answer of
 * volume_contains for 10^4 random points, on random clouds, on degenerate clouds (coplanar
 * points: a cube's corners and face centres, a 5×5×5 grid; duplicates; grids jittered just
 * beyond the tolerance), and the errors for flat clouds. A 2000-point cloud, too large for the reference, is checked on its own. */
#include "core/rng.h"
#include "unit.h"
#include "structure/volume.h"

#define N_TEST_POINTS 10000

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* Every plane of `a` has one of `b` with the same normal and distance, and the counts agree. */
static int same_planes(const Volume *a, const Volume *b, double scale)
{
  if (a->nplanes != b->nplanes) return 0;
  for (PetscInt i = 0; i < a->nplanes; i++) {
    int found = 0;
    for (PetscInt j = 0; j < b->nplanes && !found; j++)
      found = dot3(a->plane[i].normal, b->plane[j].normal) > 1 - 1e-9 &&
              fabs(a->plane[i].distance - b->plane[j].distance) < 1e-7 * scale;
    if (!found) return 0;
  }
  return 1;
}

/* Both hulls of the cloud: same planes, same membership of random points in the cloud's box
 * grown by 10 % on every side; *nplanes returns the count. */
static void compare_hulls(const char *what, PetscInt n, const double (*points)[3], uint64_t seed, PetscInt *nplanes)
{
  Volume   *fast = NULL, *slow = NULL;
  RngStream stream;
  double    lower[3] = {1e300, 1e300, 1e300}, upper[3] = {-1e300, -1e300, -1e300}, scale = 0;
  for (PetscInt p = 0; p < n; p++)
    for (int d = 0; d < 3; d++) {
      lower[d] = PetscMin(lower[d], points[p][d]);
      upper[d] = PetscMax(upper[d], points[p][d]);
      scale    = PetscMax(scale, fabs(points[p][d]));
    }
  UNIT_CALL(volume_create(&fast));
  UNIT_CALL(volume_create(&slow));
  UNIT_CALL(volume_add_convex_hull(fast, n, points));
  UNIT_CALL(volume_add_convex_hull_reference(slow, n, points));
  *nplanes = fast->nplanes;
  UNIT_CHECK(same_planes(fast, slow, scale + 1),
             "%s (%" PetscInt_FMT " points): %" PetscInt_FMT " planes, reference %" PetscInt_FMT " (or they differ)",
             what, n, fast->nplanes, slow->nplanes);
  rng_stream_init(&stream, seed, 0, RNG_PURPOSE_TEST);
  PetscInt differ = 0, inside = 0;
  for (int t = 0; t < N_TEST_POINTS; t++) {
    double x[3];
    for (int d = 0; d < 3; d++) x[d] = lower[d] + (upper[d] - lower[d]) * (1.2 * rng_uniform(&stream) - 0.1);
    PetscBool in = volume_contains(fast, x);
    differ += in != volume_contains(slow, x);
    inside += in;
  }
  UNIT_CHECK(differ == 0, "%s: %" PetscInt_FMT " of %d test points inside one hull only", what, differ, N_TEST_POINTS);
  UNIT_CHECK(inside > 0 && inside < N_TEST_POINTS,
             "%s: %" PetscInt_FMT " of %d test points inside: the test says nothing", what, inside, N_TEST_POINTS);
  volume_destroy(&fast);
  volume_destroy(&slow);
}

static void rigid_motion(RngStream *stream, PetscInt n, double (*points)[3])
{
  double R[3][3], shift[3] = {10 * rng_normal(stream), 10 * rng_normal(stream), 10 * rng_normal(stream)};
  rng_rotation(stream, R);
  for (PetscInt p = 0; p < n; p++) {
    double x[3] = {points[p][0], points[p][1], points[p][2]};
    for (int i = 0; i < 3; i++) points[p][i] = R[i][0] * x[0] + R[i][1] * x[1] + R[i][2] * x[2] + shift[i];
  }
}

static void test_random_clouds(void)
{
  static const PetscInt sizes[] = {50, 120, 300, 500};
  double(*points)[3];
  RngStream stream;
  rng_stream_init(&stream, 7, 1, RNG_PURPOSE_TEST);
  UNIT_CALL(PetscMalloc1(500, &points));
  for (int s = 0; s < 4; s++) {
    PetscInt n = sizes[s], nplanes;
    /* in a ball of radius 20 Å (hull of a few dozen facets) */
    for (PetscInt p = 0; p < n; p++) {
      double u[3], r = 20 * cbrt(rng_uniform(&stream));
      rng_unit_vector(&stream, u);
      for (int d = 0; d < 3; d++) points[p][d] = 5 + r * u[d];
    }
    compare_hulls("ball", n, (const double(*)[3])points, 100 + s, &nplanes);
    UNIT_CHECK(nplanes > 20, "ball of %" PetscInt_FMT " points: only %" PetscInt_FMT " facets", n, nplanes);
    /* in an elongated box, not centred on the origin */
    for (PetscInt p = 0; p < n; p++)
      for (int d = 0; d < 3; d++) points[p][d] = (d + 1) * 10 * rng_uniform(&stream) - 30;
    compare_hulls("box", n, (const double(*)[3])points, 200 + s, &nplanes);
  }
  /* on a sphere: every point is a vertex, a triangulated hull has 2n - 4 facets */
  for (PetscInt p = 0; p < 200; p++) {
    rng_unit_vector(&stream, points[p]);
    for (int d = 0; d < 3; d++) points[p][d] *= 15;
  }
  PetscInt nplanes;
  compare_hulls("sphere", 200, (const double(*)[3])points, 300, &nplanes);
  UNIT_CHECK(nplanes == 2 * 200 - 4, "sphere of 200 points: %" PetscInt_FMT " facets, expected 396", nplanes);
  PetscFree(points);
}

/* A cube's 8 corners, 6 face centres, 12 edge midpoints and its centre (each face holds 9
 * points in one plane, each edge 3 in a line), moved rigidly so that nothing is axis-aligned. */
static void test_cube_coplanar(void)
{
  double    points[27][3], measure;
  PetscInt  n = 0, nplanes;
  RngStream stream;
  Volume   *v;
  for (int i = -1; i <= 1; i++)
    for (int j = -1; j <= 1; j++)
      for (int k = -1; k <= 1; k++) {
        int nonzero = (i != 0) + (j != 0) + (k != 0);
        if (nonzero == 1 || nonzero == 3) {
          points[n][0] = 2 * i;
          points[n][1] = 2 * j;
          points[n][2] = 2 * k;
          n++;
        } /* face centres, corners */
      }
  UNIT_CHECK(n == 14, "%" PetscInt_FMT " corner and face-centre points", n);
  compare_hulls("cube corners + face centres", n, (const double(*)[3])points, 400, &nplanes);
  UNIT_CHECK(nplanes == 6, "cube corners + face centres: %" PetscInt_FMT " planes, expected 6", nplanes);
  rng_stream_init(&stream, 8, 1, RNG_PURPOSE_TEST);
  rigid_motion(&stream, n, points);
  compare_hulls("moved cube corners + face centres", n, (const double(*)[3])points, 401, &nplanes);
  UNIT_CHECK(nplanes == 6, "moved cube: %" PetscInt_FMT " planes, expected 6", nplanes);
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_convex_hull(v, n, (const double(*)[3])points));
  UNIT_CALL(volume_polyhedron_measure(v, &measure));
  UNIT_CHECK_RELATIVE(measure, 64, 1e-9);
  volume_destroy(&v);
  /* all 27 points of the 3×3×3 arrangement, in a scrambled order */
  n = 0;
  for (int c = 0; c < 27; c++) {
    int m        = (c * 10) % 27; /* 10 is coprime to 27: a permutation */
    points[n][0] = 2 * (m % 3 - 1);
    points[n][1] = 2 * (m / 3 % 3 - 1);
    points[n][2] = 2 * (m / 9 - 1);
    n++;
  }
  rigid_motion(&stream, n, points);
  compare_hulls("3x3x3 points", n, (const double(*)[3])points, 402, &nplanes);
  UNIT_CHECK(nplanes == 6, "3x3x3 points: %" PetscInt_FMT " planes, expected 6", nplanes);
}

/* A 5×5×5 grid (rows of 5 collinear points, planes of 25) plus a cloud with every point
 * repeated three times. */
static void test_grid_and_duplicates(void)
{
  double    grid[125][3], cloud[240][3];
  PetscInt  nplanes;
  RngStream stream;
  rng_stream_init(&stream, 9, 1, RNG_PURPOSE_TEST);
  for (int c = 0; c < 125; c++) {
    grid[c][0] = 1.5 * (c % 5);
    grid[c][1] = 2.5 * (c / 5 % 5);
    grid[c][2] = 0.5 * (c / 25);
  }
  compare_hulls("5x5x5 grid", 125, (const double(*)[3])grid, 500, &nplanes);
  UNIT_CHECK(nplanes == 6, "5x5x5 grid: %" PetscInt_FMT " planes, expected 6", nplanes);
  rigid_motion(&stream, 125, grid);
  compare_hulls("moved 5x5x5 grid", 125, (const double(*)[3])grid, 501, &nplanes);
  UNIT_CHECK(nplanes == 6, "moved 5x5x5 grid: %" PetscInt_FMT " planes, expected 6", nplanes);
  for (int p = 0; p < 80; p++) {
    double u[3], r = 10 * cbrt(rng_uniform(&stream));
    rng_unit_vector(&stream, u);
    for (int copy = 0; copy < 3; copy++)
      for (int d = 0; d < 3; d++) cloud[copy * 80 + p][d] = r * u[d];
  }
  compare_hulls("duplicated cloud", 240, (const double(*)[3])cloud, 502, &nplanes);
  PetscInt unique_planes;
  compare_hulls("the same cloud once", 80, (const double(*)[3])cloud, 502, &unique_planes);
  UNIT_CHECK(nplanes == unique_planes, "duplicates change the hull: %" PetscInt_FMT " planes against %" PetscInt_FMT,
             nplanes, unique_planes);
}

/* Grids jittered by 10^-8..10^-6 Å, moved rigidly: nearly coplanar points just beyond the
 * merging tolerance, where slivers and near-flat triangles abound (the reference then finds
 * extra supporting planes through edges, so only the inside test is compared). No point may
 * lie outside a plane, and the inside test must agree with the reference. */
static void test_jittered_grids(void)
{
  double    grid[216][3], worst = 0;
  RngStream stream;
  PetscInt  differ = 0;
  rng_stream_init(&stream, 11, 1, RNG_PURPOSE_TEST);
  for (int trial = 0; trial < 12; trial++) {
    int    g = 4 + trial % 3, n = g * g * g;
    double jitter = pow(10, -8 + (trial % 5) * 0.5), lower[3] = {1e300, 1e300, 1e300},
           upper[3] = {-1e300, -1e300, -1e300};
    Volume *fast, *slow;
    for (int c = 0; c < n; c++) {
      grid[c][0] = c % g + jitter * rng_normal(&stream);
      grid[c][1] = c / g % g + jitter * rng_normal(&stream);
      grid[c][2] = c / (g * g) + jitter * rng_normal(&stream);
    }
    rigid_motion(&stream, n, grid);
    UNIT_CALL(volume_create(&fast));
    UNIT_CALL(volume_create(&slow));
    UNIT_CALL(volume_add_convex_hull(fast, n, (const double(*)[3])grid));
    UNIT_CALL(volume_add_convex_hull_reference(slow, n, (const double(*)[3])grid));
    for (PetscInt i = 0; i < fast->nplanes; i++)
      for (int p = 0; p < n; p++)
        worst = PetscMax(worst, dot3(fast->plane[i].normal, grid[p]) - fast->plane[i].distance);
    for (int p = 0; p < n; p++)
      for (int d = 0; d < 3; d++) {
        lower[d] = PetscMin(lower[d], grid[p][d]);
        upper[d] = PetscMax(upper[d], grid[p][d]);
      }
    for (int t = 0; t < 1000; t++) {
      double x[3];
      for (int d = 0; d < 3; d++) x[d] = lower[d] + (upper[d] - lower[d]) * (1.2 * rng_uniform(&stream) - 0.1);
      differ += volume_contains(fast, x) != volume_contains(slow, x);
    }
    volume_destroy(&fast);
    volume_destroy(&slow);
  }
  UNIT_CHECK(worst < 1e-9, "a grid point lies %g Å outside a hull plane", worst);
  UNIT_CHECK(differ == 0, "%" PetscInt_FMT " of 12000 test points inside one hull only", differ);
}

static void test_flat_clouds_fail(void)
{
  double  square[6][3] = {{0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}, {0.5, 0.5, 1}, {0.2, 0.7, 1}};
  double  line[5][3]   = {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {-1, -1, -1}};
  double  same[4][3]   = {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}};
  Volume *v;
  UNIT_CALL(volume_create(&v));
  UNIT_CALL_FAILS(volume_add_convex_hull(v, 6, (const double(*)[3])square));
  UNIT_CALL_FAILS(volume_add_convex_hull_reference(v, 6, (const double(*)[3])square));
  UNIT_CALL_FAILS(volume_add_convex_hull(v, 5, (const double(*)[3])line));
  UNIT_CALL_FAILS(volume_add_convex_hull(v, 4, (const double(*)[3])same));
  UNIT_CALL_FAILS(volume_add_convex_hull(v, 3, (const double(*)[3])square));
  UNIT_CHECK(v->nplanes == 0, "a failed hull left %" PetscInt_FMT " planes", v->nplanes);
  volume_destroy(&v);
}

/* 2000 points on a sphere (too many for the reference): every point inside every plane,
 * every plane through >= 3 points (so each is a supporting plane), and 2n - 4 of them. */
static void test_large_sphere(void)
{
  const PetscInt n = 2000;
  double(*points)[3];
  RngStream stream;
  Volume   *v;
  rng_stream_init(&stream, 10, 1, RNG_PURPOSE_TEST);
  UNIT_CALL(PetscMalloc1(n, &points));
  for (PetscInt p = 0; p < n; p++) {
    rng_unit_vector(&stream, points[p]);
    for (int d = 0; d < 3; d++) points[p][d] = 30 * points[p][d] + 4;
  }
  UNIT_CALL(volume_create(&v));
  UNIT_CALL(volume_add_convex_hull(v, n, (const double(*)[3])points));
  UNIT_CHECK(v->nplanes == 2 * n - 4, "%" PetscInt_FMT " facets, expected %" PetscInt_FMT, v->nplanes, 2 * n - 4);
  double   worst = 0;
  PetscInt thin  = 0;
  for (PetscInt i = 0; i < v->nplanes; i++) {
    PetscInt on = 0;
    for (PetscInt p = 0; p < n; p++) {
      double s = dot3(v->plane[i].normal, points[p]) - v->plane[i].distance;
      worst    = PetscMax(worst, s);
      on += fabs(s) < 1e-9;
    }
    thin += on < 3;
  }
  UNIT_CHECK(worst < 1e-9, "a point lies %g Å outside a hull plane", worst);
  UNIT_CHECK(thin == 0, "%" PetscInt_FMT " planes pass through fewer than 3 points", thin);
  volume_destroy(&v);
  PetscFree(points);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_random_clouds);
  UNIT_RUN(test_cube_coplanar);
  UNIT_RUN(test_grid_and_duplicates);
  UNIT_RUN(test_jittered_grids);
  UNIT_RUN(test_flat_clouds_fail);
  UNIT_RUN(test_large_sphere);
  return UNIT_END();
}
