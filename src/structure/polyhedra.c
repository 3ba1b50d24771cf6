/* polyhedra.c — ideal particle shapes: sphere, cube, octahedron, cuboctahedron, truncated
 * octahedron, rods (polyhedra.h). The polyhedra are Wulff shapes with the energy ratios
 * that make the named solid in a cubic crystal. */
#include <math.h>
#include "structure/polyhedra.h"
#include "structure/wulff.h"

static const char shape_names[] = "sphere,cube,octahedron,cuboctahedron,truncated_octahedron";

const char *particle_shape_names(void) { return shape_names; }

PetscErrorCode particle_shape_polyhedron(const Crystal *crystal, const char *name, double radius,
                                         const double centre[3], Volume **shape)
{
  SurfaceEnergy f[2] = {{{1, 0, 0}, 1.0}, {{1, 1, 1}, 1.0}};
  PetscInt      n = 0, first = 0;
  PetscBool     match;
  PetscFunctionBeginUser;
  *shape = NULL;
  PetscCheck(radius > 0 && isfinite(radius), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "shape %s: radius %g Å; must be > 0", name, radius);
  PetscCall(PetscStrcasecmp(name, "sphere", &match));
  if (match) {
    PetscCall(volume_create_sphere(centre, radius, shape));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrcasecmp(name, "cube", &match));
  if (match) n = 1;
  PetscCall(PetscStrcasecmp(name, "octahedron", &match));
  if (match) {
    n     = 1;
    first = 1;
  }
  /* cuboctahedron: vertices (±1, ±1, 0): {100} at 1, {111} at 2/√3 */
  PetscCall(PetscStrcasecmp(name, "cuboctahedron", &match));
  if (match) {
    n           = 2;
    f[1].energy = 2 / sqrt(3.0);
  }
  /* truncated octahedron: vertices permutations of (0, ±1, ±2): {100} at 2, {111} at √3 */
  PetscCall(PetscStrcasecmp(name, "truncated_octahedron", &match));
  if (match) {
    n           = 2;
    f[1].energy = sqrt(3.0) / 2;
  }
  PetscCheck(n, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown particle shape \"%s\"; allowed: %s (plus wulff, rod, icosahedron, decahedron in build)", name,
             shape_names);
  PetscCall(particle_shape_wulff(crystal, n, f + first, NULL, radius, centre, shape));
  PetscFunctionReturn(0);
}

PetscErrorCode particle_shape_rod(const Crystal *crystal, double half_width, double length, const double centre[3],
                                  Volume **shape)
{
  int      members[CRYSTAL_MAX_POINT_OPERATIONS][3];
  PetscInt n, sides = 0;
  PetscFunctionBeginUser;
  *shape = NULL;
  PetscCheck(half_width > 0 && length > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "rod: half width %g Å and length %g Å must be > 0", half_width, length);
  PetscCall(crystal_family(crystal, (int[3]){1, 0, 0}, &n, members));
  PetscCall(volume_create(shape));
  for (PetscInt m = 0; m < n; m++) {
    if (members[m][2] != 0) continue; /* normal ⊥ c  ⇔  l = 0 */
    PetscCall(volume_add_miller_plane(*shape, crystal, members[m], half_width, centre, PETSC_FALSE));
    sides++;
  }
  PetscCheck(sides >= 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "rod of %s: only %" PetscInt_FMT " {100} facets are parallel to c", crystal->name, sides);
  double c[3], l = 0;
  for (int i = 0; i < 3; i++) l += crystal->lattice[2][i] * crystal->lattice[2][i];
  for (int i = 0; i < 3; i++) c[i] = crystal->lattice[2][i] / sqrt(l);
  double h = c[0] * centre[0] + c[1] * centre[1] + c[2] * centre[2];
  PetscCall(volume_add_plane_at_distance(*shape, c, h + 0.5 * length));
  PetscCall(volume_add_plane_at_distance(*shape, (double[3]){-c[0], -c[1], -c[2]}, -h + 0.5 * length));
  PetscFunctionReturn(0);
}
