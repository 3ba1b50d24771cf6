/* transform.h — orienting and placing structures: rotations (zone axis, Euler, random,
 * mistilt), translation, reflection, homogeneous strain, applied to an AtomList.
 *
 * Usage:
 *   double R[3][3];
 *   PetscCall(transform_zone_axis(au, (int[3]){1, 1, 0}, 0.0, R));  // [110] along the beam
 *   PetscCall(transform_rotate(atoms, R, centre));
 *   transform_mistilt(&rng, 0.005, R);  ...                          // 5 mrad rms tilt
 *
 * Rotation matrices act on column vectors (r' = R r) and are row-major R[row][col], as
 * rng_rotation(). Angles in radians. The beam is +z.
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"
#include "structure/crystal.h"
#include "core/rng.h"

/* R bringing the lattice direction u*a + v*b + w*c onto +z, followed by a rotation by
 * `in_plane_angle` about z. Before that turn, the crystal's a axis (or b, when a ∥ [uvw])
 * projected perpendicular to [uvw] lies along +x. [000] → error. */
PetscErrorCode transform_zone_axis(const Crystal *crystal, const int uvw[3], double in_plane_angle,
                                   double rotation[3][3]);
/* Active rotation from Bunge Euler angles (z–x′–z″ intrinsic): R = Rz(phi1) · Rx(Phi) · Rz(phi2). */
void transform_euler(double phi1, double Phi, double phi2, double rotation[3][3]);
/* Rotation by `angle` about the unit `axis` (right hand). */
void transform_axis_angle(const double axis[3], double angle, double rotation[3][3]);
/* Uniformly random rotation (Haar measure): rng_rotation. */
void transform_random(RngStream *rng, double rotation[3][3]);
/* Small random tilt of the beam direction: rotation about a uniformly random axis in the xy
 * plane by an angle drawn from N(0, rms_angle²). rotation ← tilt · rotation. */
void transform_mistilt(RngStream *rng, double rms_angle, double rotation[3][3]);
/* c = a · b (3×3). c may alias a or b. */
void transform_multiply(const double a[3][3], const double b[3][3], double c[3][3]);

/* r ← R (r − centre) + centre for every atom (centre NULL = origin). Also rotates the cell rows. */
PetscErrorCode transform_rotate(AtomList *atoms, const double rotation[3][3], const double centre[3]);
/* r ← r + shift. */
PetscErrorCode transform_translate(AtomList *atoms, const double shift[3]);
/* Mirror through the plane with normal `normal` (any length > 0) through `point`. */
PetscErrorCode transform_reflect(AtomList *atoms, const double normal[3], const double point[3]);
/* Homogeneous strain: r ← (I + strain)(r − centre) + centre (strain need not be symmetric;
 * every eigenvalue of I + strain must be positive enough to keep det > 0). */
PetscErrorCode transform_strain(AtomList *atoms, const double strain[3][3], const double centre[3]);
/* Centroid of the atoms (unweighted). */
PetscErrorCode transform_centroid(const AtomList *atoms, double centroid[3]);
