/* volume.h — convex regions of space: the intersection of spheres, half-spaces and
 * cylinders. Particle shapes are Volumes; crystal_fill() keeps the lattice sites inside.
 *
 * Usage:
 *   Volume *v;
 *   PetscCall(volume_create_sphere((double[3]){0, 0, 0}, 20.0, &v));        // a ball, or
 *   PetscCall(volume_create(&v));                                          // everything, then cut:
 *   PetscCall(volume_add_miller_family(v, au, (int[3]){1, 1, 1}, 10.0, origin, PETSC_TRUE)); // 8 planes
 *   PetscCall(volume_add_miller_family(v, au, (int[3]){1, 0, 0}, 10.0, origin, PETSC_TRUE)); // 6 planes
 *   PetscBool in = volume_contains(v, x);
 *   PetscCall(volume_bounding_box(v, lower, upper));   // vertex enumeration; planes-only works
 *   PetscCall(volume_destroy(&v));
 *
 * Inside test, with VOLUME_TOLERANCE = 1e-5 Å (so atoms exactly on a facet are kept):
 *   plane:    n·x <= distance + tol      (n the unit OUTWARD normal)
 *   sphere:   |x - centre| < radius + tol
 *   cylinder: distance from the axis line < radius + tol, |(x - point)·axis| <= half_length + tol
 */
#pragma once
#include <petscsys.h>

#define VOLUME_TOLERANCE 1e-5

#include "structure/crystal.h"

typedef struct Volume Volume; /* also forward-declared in crystal.h (C11 allows the repeat) */

typedef struct {
  double normal[3];
  double distance;
} VolumePlane; /* n·x <= distance, |n| = 1 */
typedef struct {
  double centre[3];
  double radius;
} VolumeSphere;
typedef struct {
  double point[3];
  double axis[3];
  double radius;
  double half_length;
} VolumeCylinder; /* |axis| = 1; half_length <= 0: infinite */

struct Volume {
  PetscInt        nplanes, plane_capacity;
  VolumePlane    *plane;
  PetscInt        nspheres, sphere_capacity;
  VolumeSphere   *sphere;
  PetscInt        ncylinders, cylinder_capacity;
  VolumeCylinder *cylinder;
};
/* An unbounded volume (all of space); add pieces to cut it down. */
PetscErrorCode volume_create(Volume **volume);
PetscErrorCode volume_create_sphere(const double centre[3], double radius, Volume **volume);
/* A deep copy. */
PetscErrorCode volume_duplicate(const Volume *volume, Volume **copy);
PetscErrorCode volume_destroy(Volume **volume);

PetscErrorCode volume_add_sphere(Volume *volume, const double centre[3], double radius);
/* Half-space behind the plane through `point` with outward normal `normal` (any length > 0). */
PetscErrorCode volume_add_plane(Volume *volume, const double normal[3], const double point[3]);
/* Half-space n̂·x <= distance (n̂ = normal normalised). */
PetscErrorCode volume_add_plane_at_distance(Volume *volume, const double normal[3], double distance);
/* The plane (hkl) of `crystal` at `distance` Å from `origin` (where the crystal's lattice
 * origin is placed). With snap, the distance moves to the nearest plane that holds atoms
 * (heights (k + h·f_site)·d_hkl, so fcc (100) snaps to multiples of a/2). */
PetscErrorCode volume_add_miller_plane(Volume *volume, const Crystal *crystal, const int hkl[3], double distance,
                                       const double origin[3], PetscBool snap);
/* Every member of the family {hkl} (crystal_family) at the same distance. */
PetscErrorCode volume_add_miller_family(Volume *volume, const Crystal *crystal, const int hkl[3], double distance,
                                        const double origin[3], PetscBool snap);
/* Cylinder of `radius` around the axis through `centre`; length > 0 adds the two caps at
 * ±length/2 from centre, length <= 0 leaves it infinite. */
PetscErrorCode volume_add_cylinder(Volume *volume, const double centre[3], const double axis[3], double radius,
                                   double length);
/* Axis-aligned box lower <= x <= upper (6 planes). */
PetscErrorCode volume_add_box(Volume *volume, const double lower[3], const double upper[3]);
/* Convex hull of the points (>= 4, not coplanar): one plane per hull facet, coplanar
 * triangles merged (a cube's corners and face centres give 6 planes). Quickhull
 * (src/structure/convex_hull.c): expected O(n log n), O(n^2) at worst. Its side tests are
 * exact (points rounded to 2^-40 × the cloud's extent, 128-bit determinants), so no point
 * lies outside a plane by more than that rounding; duplicates and points on a facet are
 * fine; triangles within 1e-9 × the cloud's size of one plane make one facet. 2000 random
 * points in a ball take 0.5 ms, 20000 take 5 ms (tests/bench/bench_structure.c). */
PetscErrorCode volume_add_convex_hull(Volume *volume, PetscInt npoints, const double (*points)[3]);
/* The same planes by brute force (src/structure/volume_ref.c): every triple of points is a
 * candidate facet, kept when no point lies beyond it. O(n^4) at worst: the reference that
 * tests/unit/test_volume_hull.c checks volume_add_convex_hull against, for small clouds. */
PetscErrorCode volume_add_convex_hull_reference(Volume *volume, PetscInt npoints, const double (*points)[3]);
/* volume ← volume ∩ other. */
PetscErrorCode volume_intersect(Volume *volume, const Volume *other);
PetscErrorCode volume_translate(Volume *volume, const double shift[3]);
/* Move the volume rigidly: every point x goes to linear·x + shift (linear must be orthogonal:
 * a rotation or reflection; error otherwise). */
PetscErrorCode volume_transform(Volume *volume, const double linear[3][3], const double shift[3]);

PetscBool volume_contains(const Volume *volume, const double x[3]);
/* Axis-aligned bounding box: planes by vertex enumeration (every 3 planes intersected, kept
 * if inside all the others), intersected with the boxes of spheres and finite cylinders.
 * Fails (PETSC_ERR_USER_INPUT) if the volume is empty or unbounded. */
PetscErrorCode volume_bounding_box(const Volume *volume, double lower[3], double upper[3]);
/* Vertices of the polyhedron formed by the planes alone (duplicates merged); *vertices is
 * PetscMalloc'ed (free with PetscFree). Fails if that polyhedron is unbounded or empty. */
PetscErrorCode volume_polyhedron_vertices(const Volume *volume, PetscInt *nvertices, double (**vertices)[3]);
/* Measure [Å³] of the polyhedron formed by the planes alone (spheres and cylinders ignored). */
PetscErrorCode volume_polyhedron_measure(const Volume *volume, double *measure);
