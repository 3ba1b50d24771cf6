/* twinned_particles.h — multiply twinned particles built from strained fcc tetrahedral grains:
 * Mackay icosahedra (20 grains) and Ino/Marks decahedra (5 grains).
 *
 * Usage:
 *   PetscCall(twinned_icosahedron(au, 3, centre, 0, ATOM_CLASS_PARTICLE, atoms));   // 55 atoms
 *   PetscCall(twinned_decahedron(au, 3, 0, 0, centre, 0, ATOM_CLASS_PARTICLE, atoms)); // 23 atoms
 *
 * Shell convention (used by `nanoforge build -shells k`): k is the number of atoms along an
 * edge of the particle. Icosahedron with k shells: 1, 13, 55, 147, 309, 561 atoms for
 * k = 1..6, i.e. (10k³ − 15k² + 11k − 3)/3. Regular decahedron with k atoms per edge:
 * (5k³ + k)/6 = 1, 7, 23, 54, 105, 181 for k = 1..6.
 *
 * Geometry: the crystal must be monatomic (one species; fcc expected); its nearest-neighbour
 * distance d sets the scale. Icosahedron: a 5-fold axis along +z, intra-shell (tangential)
 * and radial neighbour distances straddle d (their mean is d: radial −2.5 %, tangential
 * +2.5 %). Decahedron: the 5-fold axis along +z with axial spacing d; equatorial neighbours
 * at distance d; the remaining bonds shortened by 1.3 % (closing the 7.35° gap).
 * The particle is centred on `centre`.
 */
#pragma once
#include <petscsys.h>
#include "structure/crystal.h"

/* Atom counts of the regular series (for tests and sizing). */
PetscInt twinned_icosahedron_count(PetscInt shells);
PetscInt twinned_decahedron_count(PetscInt edge_atoms);

/* Mackay icosahedron with `shells` >= 1. */
PetscErrorCode twinned_icosahedron(const Crystal *crystal, PetscInt shells, const double centre[3], int object_id,
                                   AtomClass atom_class, AtomList *atoms);
/* Decahedron with `axis_atoms` = k >= 1 atoms along the 5-fold axis (k atoms per edge when
 * regular). `ino` >= 0: {100} facets parallel to the axis cut `ino` atomic rows off each of
 * the 5 equatorial edges (Ino 1969; 0 = none), so each {100} facet is ino+1 atoms tall.
 * `marks` >= 0: re-entrant {111} notches `marks` rows deep at the 5 twin boundaries
 * (Marks 1984; 0 = none; needs marks <= k−1−ino). Ino 0, Marks 0 = the regular decahedron. */
PetscErrorCode twinned_decahedron(const Crystal *crystal, PetscInt axis_atoms, PetscInt ino, PetscInt marks,
                                  const double centre[3], int object_id, AtomClass atom_class, AtomList *atoms);
