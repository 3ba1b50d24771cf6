/* amorphous_support.h — supports under a nanoparticle: amorphous slabs made by random
 * sequential addition (RSA) with hard-core minimum distances, and crystalline sheets
 * (graphene, MoS2).
 *
 * RSA: atoms are proposed at uniformly random positions inside the slab
 * [origin, origin + size) and kept when no earlier atom lies closer than the
 * minimum distance of the pair's species. The slab is periodic in x and y: distances
 * use the minimum image across the periodic edges, so tiling the slab never puts two
 * atoms closer than d_min. z is bounded (free surfaces). A cell list with cells no
 * smaller than the largest minimum distance keeps the cost linear in the volume.
 *
 * Unlike Construction Zone, the requested seed, density and origin are honoured:
 * the slab holds round(density × volume) atoms exactly, drawn from the stream
 * (seed, unit, RNG_PURPOSE_SUPPORT), and lies where it was asked to.
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "core/atom_list.h"

#define AMORPHOUS_MAX_SPECIES 4

/* Random sequential addition saturates (jams) at a packing fraction of about 0.38 in
 * 3-D (Talbot, Tarjus, Schaaf); random close packing is 0.64. Above the RSA jamming
 * limit the density cannot be reached by this method at all. */
#define AMORPHOUS_RSA_JAMMING_FRACTION 0.38

/* Amorphous carbon defaults: 2.2 g/cm³ = 0.1103 atoms/Å³, d_min 1.4 Å. */
#define AMORPHOUS_CARBON_DENSITY      0.1103
#define AMORPHOUS_CARBON_MIN_DISTANCE 1.4

typedef enum {
  SUPPORT_NONE = 0,
  SUPPORT_AMORPHOUS_CARBON, /* a-C, 2.2 g/cm³ */
  SUPPORT_SILICON_NITRIDE,  /* amorphous Si3N4 (SiNx membranes), 3.1 g/cm³ */
  SUPPORT_SILICA,           /* amorphous SiO2, 2.2 g/cm³ */
  SUPPORT_GRAPHENE,         /* one graphene sheet (crystalline) */
  SUPPORT_MOS2              /* one 2H-MoS2 layer (crystalline) */
} SupportKind;

/* An amorphous slab to build. */
typedef struct {
  int      n_species;                            /* 1..AMORPHOUS_MAX_SPECIES */
  int      atomic_number[AMORPHOUS_MAX_SPECIES]; /* Z of each species */
  double   fraction[AMORPHOUS_MAX_SPECIES];      /* number fraction of each species (normalised on use) */
  double   min_distance[AMORPHOUS_MAX_SPECIES][AMORPHOUS_MAX_SPECIES]; /* hard-core distance per pair [Å], symmetric */
  double   density;                                                    /* atoms per Å³ (all species) */
  double   origin[3];                                                  /* lowest corner of the slab [Å] */
  double   size[3];                                                    /* slab edges along x, y, z [Å] */
  PetscInt max_attempts; /* consecutive rejected proposals before giving up on one atom */
} AmorphousSupportSpec;

/* The parameters of a support kind ("amorphous_carbon", "sinx", "sio2", "graphene",
 * "mos2", "none"); the error names `option` and lists the allowed names. */
PetscErrorCode support_kind_from_name(const char *name, const char *option, SupportKind *kind);
const char    *support_kind_name(SupportKind kind);

/* Fill `spec` with the default composition, density and minimum distances of an
 * amorphous kind, the given slab size and origin. */
PetscErrorCode amorphous_support_spec_default(SupportKind kind, const double size[3], const double origin[3],
                                              AmorphousSupportSpec *spec);

/* Mass density [g/cm³] of a spec (from its number density and composition). */
double amorphous_support_mass_density(const AmorphousSupportSpec *spec);
/* Number density [atoms/Å³] that gives `grams_per_cm3` with the spec's composition. */
double amorphous_support_number_density(const AmorphousSupportSpec *spec, double grams_per_cm3);

/* Append the slab's atoms to `atoms` (class SUPPORT, the given object id). Sets the
 * list's cell to the slab box, periodic in x and y, when the list was empty.
 * Errors: a density beyond the RSA jamming limit for the minimum distances, or a slab
 * too small for the minimum image (edge < 2 d_min), or max_attempts exhausted — each
 * message names the density, the minimum distance and the limit. */
PetscErrorCode amorphous_support_build(const AmorphousSupportSpec *spec, uint64_t seed, uint64_t unit, int object_id,
                                       AtomList *atoms);

/* O(N²) reference check (amorphous_support_ref.c): the smallest pair distance ratio
 * d / d_min(pair) over atoms [first, first + count) of `atoms`, with the minimum image
 * in x and y of the spec's slab; `violations` counts pairs with ratio < 1 - 1e-12. */
PetscErrorCode amorphous_support_check_ref(const AmorphousSupportSpec *spec, const AtomList *atoms, PetscInt first,
                                           PetscInt count, double *smallest_ratio, PetscInt *violations);

/* Append a crystalline sheet (SUPPORT_GRAPHENE or SUPPORT_MOS2) covering about
 * size[0] × size[1] with its lowest atoms at origin[2]. The sheet uses its rectangular
 * (orthohexagonal) cell, repeated a whole number of times so it is periodic in x and y;
 * `actual_size` returns the repeated extent (may differ from size by < one cell). */
PetscErrorCode crystalline_support_build(SupportKind kind, const double size[3], const double origin[3], int object_id,
                                         AtomList *atoms, double actual_size[3]);
