/* crystal_fill.h — fill a Volume with a crystal's atoms: the step that joins a lattice
 * (crystal.h) to a particle shape (volume.h). Kept apart from both so that neither header
 * needs the other's type (volume.h uses Crystal for Miller planes; no cycle).
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"
#include "structure/crystal.h"
#include "structure/volume.h"

/* Append every atom of the crystal (lattice origin placed at `origin`) that lies inside
 * `volume` (volume_contains) to `atoms`, with the given object id and class and the site
 * occupancy. Cost is linear in the atoms enumerated: the lattice-index box is taken from
 * the volume's bounding box. Fails if the volume is unbounded or empty. */
PetscErrorCode crystal_fill(const Crystal *crystal, const Volume *volume, const double origin[3], int object_id,
                            AtomClass atom_class, AtomList *atoms);
/* Slow, obviously correct reference (src/structure/crystal_fill_ref.c): tests every site in the
 * index cube |i|,|j|,|k| <= half_range around `origin`, in the same order as crystal_fill. */
PetscErrorCode crystal_fill_ref(const Crystal *crystal, const Volume *volume, const double origin[3],
                                PetscInt half_range, int object_id, AtomClass atom_class, AtomList *atoms);
/* Number of atoms crystal_fill would append (no allocation). */
PetscErrorCode crystal_fill_count(const Crystal *crystal, const Volume *volume, const double origin[3],
                                  PetscInt *count);
