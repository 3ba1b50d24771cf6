/* wulff.h — Wulff and Winterbottom particle shapes as Volumes in the crystal's frame.
 *
 * Usage:
 *   SurfaceEnergy families[PARTICLE_SHAPE_MAX_FAMILIES];  PetscInt nfamilies;  Volume *shape;
 *   PetscCall(wulff_parse_energies("{111}:1.0,{100}:1.15", "-wulff_energies", &nfamilies, families));
 *   PetscCall(particle_shape_wulff(au, nfamilies, families, NULL, 20.0, centre, &shape)); // R_eq = 20 Å
 *   PetscCall(crystal_fill(au, shape, centre, 0, ATOM_CLASS_PARTICLE, atoms));
 *
 * Sizes are equivalent-sphere radii [Å]: the shape has the volume of a sphere of that
 * radius. Plane distances are measured from `centre`, which should be a lattice site (the
 * crystal origin passed to crystal_fill) so the shape is symmetric. Surface energies are
 * relative (any unit); only their ratios matter.
 */
#pragma once
#include <petscsys.h>
#include "structure/crystal.h"
#include "structure/volume.h"

#define PARTICLE_SHAPE_MAX_FAMILIES 16

/* Surface energy of one family of facets {hkl}. */
typedef struct {
  int    hkl[3];
  double energy; /* > 0 */
} SurfaceEnergy;

/* Winterbottom truncation: the particle sits on a support with its facet (hkl) down.
 * The truncation plane has outward normal along (hkl) at distance λ·Δγ from the Wulff centre,
 * where λ = h_i/γ_i is the Wulff scale and Δγ = γ_interface − γ_support (Winterbottom 1967).
 * Δγ must be > −γ_(hkl) (else the particle wets the support completely); Δγ >= γ_(hkl)
 * leaves the free Wulff shape. */
typedef struct {
  int    hkl[3];            /* facet in contact with the support (outward normal points into it) */
  double energy_difference; /* Δγ = γ_interface − γ_support, same unit as the surface energies */
} WulffTruncation;

/* Parse "{111}:1.0,{100}:1.15" (braces optional, "111:1" accepted; negative indices as
 * "{1-10}" or "{1,-1,0}"). Errors name `where`, the item and what is allowed. */
PetscErrorCode wulff_parse_energies(const char *spec, const char *where, PetscInt *nfamilies,
                                    SurfaceEnergy families[PARTICLE_SHAPE_MAX_FAMILIES]);
/* Wulff shape (optionally Winterbottom-truncated; truncation may be NULL) with the given
 * equivalent-sphere radius, centred on `centre`. Energies <= 0, or families that leave the
 * shape unbounded, → error. */
PetscErrorCode particle_shape_wulff(const Crystal *crystal, PetscInt nfamilies, const SurfaceEnergy *families,
                                    const WulffTruncation *truncation, double radius, const double centre[3],
                                    Volume **shape);
/* The same shape scaled so that crystal_fill (lattice origin at `centre`) gives the atom
 * count closest to `natoms` (bisection on the scale); *radius gets the equivalent radius. */
PetscErrorCode particle_shape_wulff_atoms(const Crystal *crystal, PetscInt nfamilies, const SurfaceEnergy *families,
                                          const WulffTruncation *truncation, PetscInt natoms, const double centre[3],
                                          Volume **shape, double *radius);
