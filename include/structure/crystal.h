/* crystal.h — periodic crystals: lattice, basis, built-in materials, CIF input (filling
 * a Volume with the crystal's atoms: crystal_fill.h).
 *
 * Usage:
 *   Crystal *au;  Volume *ball;  AtomList *atoms;
 *   PetscCall(crystal_create_material("Au", &au));                 // fcc, a = 4.07825 Å
 *   PetscCall(volume_create_sphere((double[3]){0, 0, 0}, 20.0, &ball));
 *   PetscCall(atom_list_create(0, &atoms));
 *   PetscCall(crystal_fill(au, ball, (double[3]){0, 0, 0}, 0, ATOM_CLASS_PARTICLE, atoms)); // 1985 atoms
 *   PetscCall(crystal_destroy(&au));
 *
 * Conventions: lengths in Å, cell angles in degrees. Lattice vectors are the ROWS of
 * `lattice` (row 0 = a, row 1 = b, row 2 = c): a along +x, b in the xy plane, c completing
 * a right-handed cell (the standard crystallographic setting, for every cell shape — nothing
 * is transposed for non-cubic cells). A site with fractional coordinates f sits at the
 * Cartesian row vector  r = f[0]*a + f[1]*b + f[2]*c.
 * The reciprocal rows satisfy lattice[i] · reciprocal[j] = δ_ij (no 2π factor), so the plane
 * (hkl) has normal h*a* + k*b* + l*c* and spacing d = 1/|h*a* + k*b* + l*c*|.
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"

#define CRYSTAL_MAX_POINT_OPERATIONS 48

/* One atom of the basis. */
typedef struct {
  int    atomic_number; /* Z */
  double fractional[3]; /* fractional coordinates in [0, 1) */
  double occupancy;     /* site occupancy in (0, 1] */
} CrystalSite;

typedef struct Crystal {
  char         name[64];         /* material, prototype or CIF file name (for messages) */
  char         prototype[16];    /* "fcc", "bcc", "hcp", "diamond", "rocksalt", "zincblende", "wurtzite", or "" */
  double       length[3];        /* a, b, c [Å] */
  double       angle[3];         /* α, β, γ [degrees] */
  double       lattice[3][3];    /* lattice vectors as rows [Å] */
  double       reciprocal[3][3]; /* reciprocal vectors as rows, lattice[i]·reciprocal[j] = δ_ij [1/Å] */
  double       cell_volume;      /* [Å³] */
  PetscInt     nsites;           /* atoms in the basis (conventional cell) */
  CrystalSite *site;             /* [nsites] */
  /* Laue group used to expand Miller families {hkl}: integer matrices W acting on fractional
   * column vectors; a family is { h·W }. It is the lattice's holohedry (all integer matrices
   * that keep the metric), intersected with the CIF's rotations (plus inversion) for CIF input.
   * Cubic: 48, hexagonal: 24, triclinic: 2. */
  PetscInt npoint_operations;
  int      point_operation[CRYSTAL_MAX_POINT_OPERATIONS][3][3];
  /* CIF input only: how many symmetry operations the file listed (0: none), and whether
   * the Laue group above is the lattice's holohedry because the file gave the identity
   * alone (P1, or a structure written out in full): {hkl} families are then expanded by
   * the metric symmetry of the cell, which may be higher than the structure's. */
  PetscInt  ncif_operations;
  PetscBool family_from_metric;
} Crystal;

/* A crystal from cell parameters (Å, degrees) and a basis (copied). Fails (naming `name`) on
 * non-positive lengths, angles that give no cell, an empty basis, bad Z or occupancy. */
PetscErrorCode crystal_create_from_cell(const char *name, const double length[3], const double angle_degrees[3],
                                        PetscInt nsites, const CrystalSite *sites, Crystal **crystal);
/* A prototype structure: "fcc", "bcc", "hcp", "diamond" take species[0]; "rocksalt",
 * "zincblende", "wurtzite" take species[0] (cation) and species[1] (anion). `c` is used by
 * hcp and wurtzite only (c <= 0: ideal c = a·sqrt(8/3)); wurtzite uses the ideal u = 3/8.
 * Unknown prototype → error listing the allowed ones. */
PetscErrorCode crystal_create_prototype(const char *prototype, const int species[], double a, double c,
                                        Crystal **crystal);
/* A built-in material (case-insensitive): Au Ag Pt Pd Cu Ni Al Pb Fe W Mo Cr Si Ge C(diamond)
 * Mg Ti Zn Co CdSe ZnO ZnS GaN MgO NaCl GaAs CdS ... (crystal_material_names() lists them).
 * Unknown name → error listing the allowed ones. */
PetscErrorCode crystal_create_material(const char *material, Crystal **crystal);
/* Comma-separated list of the built-in material names. */
const char *crystal_material_names(void);
/* Read the first data block of a CIF file (src/structure/cif.c): cell, symmetry operations
 * (_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz), atom sites
 * (_atom_site_type_symbol or _label, fract_x/y/z, occupancy; "0.123(4)" uncertainties
 * accepted). Sites are expanded by the operations, duplicates (< 0.01 Å) removed.
 * Miller families use the Laue group of the operations; a file with the identity alone
 * gets the lattice's holohedry instead (family_from_metric). Errors name the file and line. */
PetscErrorCode crystal_create_from_cif(const char *filename, Crystal **crystal);
/* The same from the data block data_`block` (names compared without regard to case; NULL or
 * "": the first block, as crystal_create_from_cif reads). A name the file does not hold is
 * PETSC_ERR_USER_INPUT, naming the file and listing its blocks. */
PetscErrorCode crystal_create_from_cif_block(const char *filename, const char *block, Crystal **crystal);
PetscErrorCode crystal_destroy(Crystal **crystal);

/* Cartesian vector of a lattice direction [uvw]: u*a + v*b + w*c. */
void crystal_direction(const Crystal *crystal, const double uvw[3], double cartesian[3]);
/* Fractional → Cartesian position. */
void crystal_cartesian(const Crystal *crystal, const double fractional[3], double cartesian[3]);
/* Unit normal (Cartesian) of the plane (hkl): direction of h*a* + k*b* + l*c*. */
void crystal_plane_normal(const Crystal *crystal, const int hkl[3], double normal[3]);
/* Interplanar spacing d_hkl = 1/|h*a* + k*b* + l*c*| [Å] (geometric; d_200 = d_100/2). */
double crystal_d_spacing(const Crystal *crystal, const int hkl[3]);
/* Distinct members of the family {hkl} under the crystal's Laue group (including -hkl);
 * at most CRYSTAL_MAX_POINT_OPERATIONS. {111} of a cubic crystal → 8, {100} → 6. */
PetscErrorCode crystal_family(const Crystal *crystal, const int hkl[3], PetscInt *nmembers, int members[][3]);
/* Shortest distance between two atoms of the infinite crystal [Å]. */
double crystal_nearest_neighbour_distance(const Crystal *crystal);
