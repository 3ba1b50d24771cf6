/* atom_list.h — a list of atoms with per-atom labels: what the structure module builds
 * and the simulator consumes (in memory, no file in between).
 *
 * Frame: lengths in Å; the beam travels along +z; positions are Cartesian row vectors.
 * The cell (when set) is given by its three lattice vectors as rows of `cell`.
 */
#pragma once
#include <petscsys.h>

typedef enum {
  ATOM_CLASS_PARTICLE = 1, /* the thing a segmentation network must find */
  ATOM_CLASS_SUPPORT  = 2, /* amorphous or crystalline support */
  ATOM_CLASS_OTHER    = 3  /* anything else (contamination, ligands) */
} AtomClass;

typedef struct {
  PetscInt n;                   /* number of atoms */
  PetscInt capacity;            /* allocated entries */
  double (*position)[3];        /* [n][3] Cartesian positions [Å] */
  int           *atomic_number; /* [n] Z, 1..103 */
  int           *object_id;     /* [n] scene object the atom belongs to (0-based) */
  unsigned char *atom_class;    /* [n] AtomClass */
  float         *occupancy;     /* [n] site occupancy in (0, 1] */
  float         *thermal_rms;   /* [n] rms thermal displacement per direction [Å] (frozen phonons) */
  double         cell[3][3];    /* lattice vectors as rows [Å]; all zero when no cell is set */
  PetscBool      periodic[3];   /* periodic along each cell vector */
} AtomList;

PetscErrorCode atom_list_create(PetscInt capacity, AtomList **list);
PetscErrorCode atom_list_destroy(AtomList **list);
/* Make room for at least `capacity` atoms (amortised growth). */
PetscErrorCode atom_list_reserve(AtomList *list, PetscInt capacity);
/* Append one atom with occupancy 1 and thermal_rms 0. */
PetscErrorCode atom_list_append(AtomList *list, const double position[3], int atomic_number, int object_id,
                                AtomClass atom_class);
/* Append all atoms of `other`. */
PetscErrorCode atom_list_append_list(AtomList *list, const AtomList *other);
/* Keep atoms whose keep[i] is true, in order. */
PetscErrorCode atom_list_compact(AtomList *list, const PetscBool *keep);
/* Empty the list, keeping its memory. */
void atom_list_clear(AtomList *list);
/* Axis-aligned bounds of the positions; false when empty. */
PetscBool atom_list_bounds(const AtomList *list, double lowest[3], double highest[3]);
