/* polyhedra.h — ideal particle shapes (sphere, cube, octahedron, cuboctahedron, truncated
 * octahedron) and rods as Volumes in the crystal's frame.
 *
 *   PetscCall(particle_shape_polyhedron(au, "cuboctahedron", 15.0, centre, &shape));
 *   PetscCall(crystal_fill(au, shape, centre, 0, ATOM_CLASS_PARTICLE, atoms));
 *
 * Sizes are equivalent-sphere radii [Å], as in wulff.h; `centre` should be a lattice site.
 */
#pragma once
#include <petscsys.h>
#include "structure/crystal.h"
#include "structure/volume.h"

/* Ideal shapes by name: "sphere", "cube" ({100}), "octahedron" ({111}), "cuboctahedron"
 * ({100} and {111} meeting at vertices), "truncated_octahedron" (regular hexagons and
 * squares), "tetrahedron" is not offered (not centrosymmetric). Unknown name → error listing
 * particle_shape_names(). */
PetscErrorCode particle_shape_polyhedron(const Crystal *crystal, const char *name, double radius,
                                         const double centre[3], Volume **shape);
/* A rod (prism) along the crystal's c axis [001]: side facets are the {100} members
 * perpendicular to c (4 for cubic, 6 for hexagonal) at `half_width` Å, caps at ±length/2. */
PetscErrorCode particle_shape_rod(const Crystal *crystal, double half_width, double length, const double centre[3],
                                  Volume **shape);
/* "sphere,cube,octahedron,cuboctahedron,truncated_octahedron" */
const char *particle_shape_names(void);
