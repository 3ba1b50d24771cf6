/* structure_recipe.h — the bridge from options to atoms, used by `build`, `simulate` and
 * the campaign: one Distribution per structure parameter, a concrete recipe drawn from
 * them for a work unit, and the deterministic build of that recipe.
 *
 * Usage:
 *   StructureRecipeDistributions d;  StructureRecipe r;  AtomList *atoms;
 *   PetscOptionsBegin(comm, NULL, "...", NULL);
 *   PetscCall(structure_recipe_options_read(PetscOptionsObject, &d));
 *   PetscOptionsEnd();
 *   PetscCall(structure_recipe_sample(&d, seed, unit, &r));    // RNG_PURPOSE_PLAN
 *   PetscCall(atom_list_create(0, &atoms));
 *   PetscCall(structure_recipe_build(&r, seed, unit, atoms));  // same r, seed, unit → same atoms bit for bit
 *
 * Options (every one marked [D] takes a distribution spec: 20, uniform:10,30, choice:Au,Ag, ...):
 *   -material [D]          built-in material (Au, Ag, Pt, Pd, Cu, ..., CdSe, ZnO, MgO) or a .cif file
 *                          whose path is under 32 characters                                          (Au)
 *   -cif FILE              material from a CIF file, any path length; excludes -material                ()
 *   -cif_block NAME        the data block of the -cif file to read (data_NAME)                 (the first)
 *   -shape [D]             sphere wulff cube octahedron cuboctahedron truncated_octahedron rod
 *                          icosahedron decahedron none                                                 (sphere)
 *   -radius [D]            sphere radius; equivalent-sphere radius of polyhedra and Wulff shapes;
 *                          half width of rods [Å]                                                      (20)
 *   -shells [D]            icosahedron shells / decahedron atoms per edge (1→1, 2→13, 3→55 atoms)       (3)
 *   -ino, -marks [D]       decahedron Ino {100} truncation and Marks re-entrance, in atomic rows       (0)
 *   -aspect_ratio [D]      rod length / width                                                          (3)
 *   -wulff_energies        surface energies per family, e.g. {111}:1.0,{100}:1.15
 *   -interface_facet       h,k,l of the Wulff facet resting on the support (Winterbottom truncation;
 *                          0,0,0 = none). The facet is turned to face the support (−z), the zone
 *                          axis is then not used; -inplane_angle and -mistilt still apply.
 *   -interface_energy [D]  Δγ = γ_interface − γ_support, in the unit of -wulff_energies            (0)
 *   -twins [D], -stacking_faults [D]   planar defects in single-crystal shapes                         (0)
 *   -defect_plane          plane family of the defects, h,k,l ({111} for cubic; hexagonal: 0,0,1)
 *   -defect_separation [D] minimum distance between defects [layers]                                   (2)
 *   -rotation [D]          zone (zone axis on the beam) or random (uniform SO(3))                     (zone)
 *   -zone_axis             u,v,w, or random (one of 100 110 111 211), or choice:110,111,1-10           (0,0,1)
 *   -inplane_angle [D]     rotation about the beam after the zone axis [mrad]                          (0)
 *   -mistilt [D]           rms tilt of the zone axis away from the beam [mrad]                         (0)
 *   -support [D]           none amorphous_carbon sinx sio2 graphene mos2                               (none)
 *   -support_size          x,y,z [Å], fixed numbers (not distributions; vary the thickness with
 *                          -support_thickness)                                                         (100,100,30)
 *   -support_thickness [D] support z size [Å]; 0 = the z of -support_size (lets thickness vary)      (0)
 *   -support_density [D]   [g/cm³]; 0 = the support's own (a-C 2.2, SiNx 3.1, SiO2 2.2)                (0)
 *   -support_min_distance [D]  hard-core distance of a one-species support [Å]; 0 = default (1.4)     (0)
 *   -embedding_depth [D]   how deep the particle's lowest atom sinks below the support top [Å]; on a
 *                          sheet (graphene, MoS2) use a negative value, e.g. -2.5, to rest on it     (2)
 *   -placement_jitter [D]  uniform lateral offset of the particle from the support centre, ± [Å]      (0)
 *   -interface_distance    minimum distance between atoms of different objects [Å]                     (1.4)
 *   -thermal_rms           per-species rms displacement overrides, e.g. Au:0.0886,C:0.1 [Å]
 *                          (default: room-temperature table; 0.08 Å where unknown)
 * Without a support the particle is centred on the origin and the structure has no cell.
 * With one, the support fills [0, size) periodic in x and y, the particle sits on its top
 * at the centre, and the cell is the support box (z up to the highest atom + 2 Å; everything
 * is lifted so that no atom lies below z = 0).
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include "structure/amorphous_support.h"
#include "core/atom_list.h"
#include "core/distribution.h"

#define STRUCTURE_RECIPE_TEXT_LEN 256
#define STRUCTURE_RECIPE_PATH_LEN PETSC_MAX_PATH_LEN

typedef struct {
  Distribution material, shape, radius, shells, ino, marks, aspect_ratio;
  Distribution twins, stacking_faults, defect_separation;
  Distribution rotation, inplane_angle, mistilt;
  Distribution support, support_density, support_min_distance, embedding_depth, placement_jitter;
  Distribution zone_axis;          /* labels "110", "1-10"; a fixed u,v,w gives a one-entry choice */
  Distribution interface_energy;   /* Winterbottom Δγ */
  Distribution support_thickness;  /* [Å], 0 = support_size[2] */
  int          interface_facet[3]; /* h, k, l; 0,0,0 = no truncation */
  char         wulff_energies[STRUCTURE_RECIPE_TEXT_LEN]; /* "{111}:1.0,{100}:1.15" */
  int          defect_plane[3];                        /* h, k, l; 0,0,0 = by crystal ({111} cubic, (001) hexagonal) */
  double       support_size[3];                        /* [Å] */
  double       interface_distance;                     /* [Å] */
  char         thermal_rms[STRUCTURE_RECIPE_TEXT_LEN]; /* overrides "Au:0.0886,C:0.1" */
  char         cif[STRUCTURE_RECIPE_PATH_LEN];         /* -cif FILE, "" = none (material from -material) */
  char         cif_block[STRUCTURE_RECIPE_TEXT_LEN];   /* -cif_block NAME: data block of cif[], "" = the first */
} StructureRecipeDistributions;

/* One concrete structure. */
typedef struct {
  char
    material[DISTRIBUTION_LABEL_LEN]; /* material name or CIF path; with cif[]: the file's base name (for messages) */
  char        cif[STRUCTURE_RECIPE_PATH_LEN];       /* CIF file from -cif, "" = none; when set it gives the crystal */
  char        cif_block[STRUCTURE_RECIPE_TEXT_LEN]; /* its data block from -cif_block, "" = the first */
  char        shape[DISTRIBUTION_LABEL_LEN];
  double      radius; /* [Å] */
  PetscInt    shells, ino, marks;
  double      aspect_ratio;
  char        wulff_energies[STRUCTURE_RECIPE_TEXT_LEN];
  PetscInt    twins, stacking_faults, defect_separation;
  int         defect_plane[3];
  int         interface_facet[3]; /* Winterbottom facet on the support; 0,0,0 = none */
  double      interface_energy;   /* Winterbottom Δγ */
  PetscBool   random_rotation;    /* uniform SO(3) instead of a zone axis */
  int         zone_axis[3];
  double      inplane_angle; /* [mrad] */
  double      mistilt;       /* rms [mrad] */
  SupportKind support;
  double      support_size[3];      /* [Å] */
  double      support_density;      /* [g/cm³], 0 = default */
  double      support_min_distance; /* [Å], 0 = default */
  double      embedding_depth;      /* [Å] */
  double      placement_jitter;     /* [Å] */
  double      interface_distance;   /* [Å] */
  char        thermal_rms[STRUCTURE_RECIPE_TEXT_LEN];
} StructureRecipe;

/* A numeric description of a recipe, for database columns. */
typedef struct {
  const char *name;  /* "radius" */
  const char *units; /* "Å", "" */
  double      value;
} StructureRecipeColumn;

#define STRUCTURE_RECIPE_MAX_COLUMNS 32

/* Read every structure option (inside PetscOptionsBegin/End). Bad specs → errors naming the option. */
PetscErrorCode structure_recipe_options_read(PetscOptionItems             *PetscOptionsObject,
                                             StructureRecipeDistributions *distributions);
/* Draw one recipe for (seed, unit) from the stream RNG_PURPOSE_PLAN, in a fixed order. */
PetscErrorCode structure_recipe_sample(const StructureRecipeDistributions *distributions, uint64_t seed, uint64_t unit,
                                       StructureRecipe *recipe);
/* Build the atoms (appended to `atoms`, which should be empty). Deterministic in
 * (recipe, seed, unit): orientation then placement jitter from RNG_PURPOSE_ORIENTATION, defects
 * from RNG_PURPOSE_STRUCTURE, the support from RNG_PURPOSE_SUPPORT. */
PetscErrorCode structure_recipe_build(const StructureRecipe *recipe, uint64_t seed, uint64_t unit, AtomList *atoms);
/* For a CIF material, one line saying how Miller families {hkl} are expanded: by the Laue
 * group of the file's symmetry operations, or by the lattice's holohedry when the file
 * lists the identity alone. Empty text for built-in materials and for -shape none. */
PetscErrorCode structure_recipe_symmetry_note(const StructureRecipe *recipe, char *text, size_t size);
/* One line such as "Au sphere r=20.00 Å, twins 1, faults 2, zone [110], support amorphous_carbon 100x100x30 Å". */
PetscErrorCode structure_recipe_describe(const StructureRecipe *recipe, char *text, size_t size);
/* The recipe's numeric columns (name, units, value), at most STRUCTURE_RECIPE_MAX_COLUMNS;
 * the names and their order are the same for every recipe. Labels (material, shape,
 * support) are given as indices: shape in structure_recipe_shape_names(), support as SupportKind. */
PetscErrorCode structure_recipe_columns(const StructureRecipe *recipe, PetscInt *count,
                                        StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS]);
/* "sphere,wulff,cube,octahedron,cuboctahedron,truncated_octahedron,rod,icosahedron,decahedron,none" */
const char *structure_recipe_shape_names(void);
