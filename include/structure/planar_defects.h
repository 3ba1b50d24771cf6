/* planar_defects.h — twin planes and stacking faults in a crystal, built while filling a Volume.
 *
 * Usage (fcc particle with 1 twin and 2 stacking faults on {111}):
 *   PlanarDefects *defects;  RngStream rng;
 *   rng_stream_init(&rng, seed, unit, RNG_PURPOSE_STRUCTURE);
 *   PetscCall(planar_defects_create(au, (int[3]){1, 1, 1}, origin, &defects));
 *   PetscCall(planar_defects_add(defects, PLANAR_DEFECT_TWIN, 0));        // explicit, or random:
 *   PetscCall(planar_defects_place_random(defects, shape, &rng, 3, 2.0 / 3, PLANAR_DEFECT_STACKING_FAULT, 2));
 *   PetscCall(planar_defects_fill(defects, shape, 0, ATOM_CLASS_PARTICLE, atoms));  // instead of crystal_fill
 *   PetscCall(planar_defects_destroy(&defects));
 *
 * Model: the atomic layers normal to (hkl) are numbered k (layer 0 holds the lattice origin
 * `origin`; a layer is a plane of species-0 atoms, spacing d between consecutive layers).
 * A defect at layer k changes everything above it (larger n·x):
 *   TWIN:           the crystal above is the mirror image of the crystal below, mirrored
 *                   through layer k (ABCABC → ABCBA…).
 *   STACKING_FAULT: everything above a gap over layer k is shifted by the in-plane partial
 *                   vector (a/6⟨112⟩ for fcc {111}: ABC|ABC → ABC|BCA…, intrinsic fault).
 *   I1_FAULT:       (hexagonal stacking, e.g. wurtzite (001)) everything above a gap is
 *                   translated by ± the full vector between adjacent layers (ABAB|CBCB).
 * Each defect is checked, and for faults the gap between atomic planes (widest first) and the
 * sign ± are chosen, so that no layer lands on a like layer: across the defect plane every
 * atom keeps its bulk number of neighbours (within 1.1 d_nn) and no pair comes closer than
 * 0.85 d_nn (a like-on-like fcc or hcp layer is 0.816 d_nn away). No valid choice → error
 * (e.g. I1 in fcc, or a basal mirror twin in wurtzite, which would break bonds).
 * Defects compose in order of height.
 */
#pragma once
#include <petscsys.h>
#include "structure/crystal.h"
#include "structure/volume.h"
#include "core/rng.h"

#define PLANAR_DEFECTS_MAX 64

typedef enum { PLANAR_DEFECT_TWIN = 1, PLANAR_DEFECT_STACKING_FAULT = 2, PLANAR_DEFECT_I1_FAULT = 3 } PlanarDefectType;

typedef struct {
  const Crystal   *crystal;       /* not owned: must outlive this object */
  int              hkl[3];        /* plane family member used */
  double           normal[3];     /* unit normal of (hkl), Cartesian */
  double           origin[3];     /* where the lattice origin sits (as in crystal_fill) */
  double           spacing;       /* distance between consecutive layers [Å] */
  double           layer0_height; /* n·x of layer 0 */
  PetscInt         ndefects;
  PlanarDefectType type[PLANAR_DEFECTS_MAX]; /* sorted by layer */
  PetscInt         layer[PLANAR_DEFECTS_MAX];
  /* Derived (planar_defects_add / _place_random keep them current): region r lies between
   * boundary[r-1] and boundary[r] (heights n·x); its atoms are linear·y + shift for perfect
   * lattice positions y (crystal at `origin`). Region 0 is the undisturbed crystal. */
  double boundary[PLANAR_DEFECTS_MAX];
  double linear[PLANAR_DEFECTS_MAX + 1][3][3];
  double shift[PLANAR_DEFECTS_MAX + 1][3];
} PlanarDefects;

/* Defects on the plane (hkl) of `crystal` with the lattice origin at `origin`. */
PetscErrorCode planar_defects_create(const Crystal *crystal, const int hkl[3], const double origin[3],
                                     PlanarDefects **defects);
PetscErrorCode planar_defects_destroy(PlanarDefects **defects);
/* Add one defect at layer k (any integer; two defects on one layer → error). */
PetscErrorCode planar_defects_add(PlanarDefects *defects, PlanarDefectType type, PetscInt layer);
/* Lowest and highest layer holding atoms of the perfect crystal inside `volume`. */
PetscErrorCode planar_defects_layer_range(const PlanarDefects *defects, const Volume *volume, PetscInt *lowest,
                                          PetscInt *highest);
/* czone's fccMixedTwinSF: `count` defects on distinct layers strictly inside the particle
 * (between its lowest and highest layer), any two at least `min_separation` (>= 1) layers
 * apart, all such arrangements equally likely; each is a fault (`fault_type`) with probability
 * `fault_fraction`, else a twin. More defects than the layers allow → error. */
PetscErrorCode planar_defects_place_random(PlanarDefects *defects, const Volume *volume, RngStream *rng, PetscInt count,
                                           double fault_fraction, PlanarDefectType fault_type, PetscInt min_separation);
/* Like crystal_fill, for the defected crystal: appends the atoms inside `volume`. */
PetscErrorCode planar_defects_fill(const PlanarDefects *defects, const Volume *volume, int object_id,
                                   AtomClass atom_class, AtomList *atoms);
