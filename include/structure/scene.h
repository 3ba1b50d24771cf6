/* scene.h — putting objects together: particles on supports, with priorities, bounds,
 * interface clean-up, labels and thermal vibration amplitudes.
 *
 * Usage:
 *   Scene *scene;
 *   PetscCall(scene_create(&scene));
 *   PetscCall(scene_add_object(scene, "support", 2, ATOM_CLASS_SUPPORT, support_atoms, NULL, NULL));
 *   PetscCall(scene_add_object(scene, "particle", 1, ATOM_CLASS_PARTICLE, particle_atoms, shape, NULL));
 *   PetscCall(scene_set_bounds(scene, lower, upper, (SceneBoundary[3]){SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_OPEN}));
 *   PetscCall(scene_resolve(scene));            // wrap, overlaps, close pairs, clip
 *   PetscCall(scene_to_atom_list(scene, atoms)); // hand-off to the simulator
 *   PetscCall(scene_destroy(&scene));
 *
 * Rules (Construction Zone's, with its interface flaw fixed):
 *   priority   lower number wins. An atom of object B inside the region of object A is
 *              removed when priority(A) < priority(B); with equal priorities each object
 *              loses its atoms inside the other's region. The region of an object is its
 *              Volume when it has one, else the set of points within overlap_distance of
 *              its atoms.
 *   interface  after that, no two atoms of different objects are closer than
 *              interface_distance: objects are visited by (priority, index) and an atom is
 *              removed when a kept atom of an earlier-visited object is too close, so the
 *              lower-priority object's atom goes (czone leaves Au–C pairs 0.95 Å apart).
 *   bounds     per axis: open, clip (atoms outside [lower, upper) removed) or periodic
 *              (positions wrapped into [lower, upper), distances by the minimum image).
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"
#include "core/elements.h"
#include "core/rng.h"
#include "structure/volume.h"

#define SCENE_MAX_OBJECTS 64
#define SCENE_NAME_LEN    64

typedef enum {
  SCENE_BOUNDARY_OPEN = 0, /* no bound */
  SCENE_BOUNDARY_CLIP,     /* atoms outside [lower, upper) are removed */
  SCENE_BOUNDARY_PERIODIC  /* wrapped into [lower, upper); minimum-image distances */
} SceneBoundary;

/* One object of the scene. */
typedef struct {
  char      name[SCENE_NAME_LEN]; /* for summaries ("particle", "support") */
  int       priority;             /* lower number wins overlaps */
  AtomClass atom_class;           /* label of all its atoms */
  AtomList *atoms;                /* owned copy of the atoms */
  Volume   *volume;               /* owned copy of its region, or NULL (region judged by distance) */
  PetscInt  n_added;              /* atoms when added (for summaries) */
} SceneObject;

typedef struct {
  PetscInt      n_objects;
  SceneObject   object[SCENE_MAX_OBJECTS];
  double        lower[3], upper[3];             /* bounds [Å] (used where boundary is not OPEN) */
  SceneBoundary boundary[3];                    /* per axis */
  double        overlap_distance;               /* region of an object without a Volume [Å]; default 1.0 */
  double        interface_distance;             /* minimum distance across objects [Å]; default 1.4, 0 = off */
  double        thermal_rms[ELEMENT_MAX_Z + 1]; /* rms displacement per Z [Å]; < 0 keeps the atom's own (default) */
} Scene;

PetscErrorCode scene_create(Scene **scene);
PetscErrorCode scene_destroy(Scene **scene);
/* Add a copy of `atoms` (and of `volume`, may be NULL) as a new object; its atoms get
 * the object's index as object_id and `atom_class`. `index` (may be NULL) returns it. */
PetscErrorCode scene_add_object(Scene *scene, const char *name, int priority, AtomClass atom_class,
                                const AtomList *atoms, const Volume *volume, PetscInt *index);
PetscErrorCode scene_set_bounds(Scene *scene, const double lower[3], const double upper[3],
                                const SceneBoundary boundary[3]);
/* rms displacement [Å] of every atom with atomic number z (>= 0). */
PetscErrorCode scene_set_thermal_rms(Scene *scene, int z, double rms);

/* The steps of scene_resolve, usable one by one. */
PetscErrorCode scene_wrap_periodic(Scene *scene);
PetscErrorCode scene_remove_overlaps(Scene *scene);
PetscErrorCode scene_remove_close_pairs(Scene *scene);
PetscErrorCode scene_clip(Scene *scene);
/* wrap, overlaps, close pairs, clip, in that order. */
PetscErrorCode scene_resolve(Scene *scene);

/* Append every object's atoms to `atoms` (object_id = object index, class, per-species
 * thermal rms). Sets the cell: the bounds' box on bounded axes (periodic flags from the
 * bounds), and on an open z axis the height from 0 to the highest atom + 2 Å, when the
 * scene has bounds in x and y; no cell otherwise. */
PetscErrorCode scene_to_atom_list(const Scene *scene, AtomList *atoms);
/* scene_ref.c: the same steps by brute force over every pair (slow, obviously correct),
 * for the unit test that compares them with the cell-grid versions. */
PetscErrorCode scene_remove_overlaps_ref(Scene *scene);
PetscErrorCode scene_remove_close_pairs_ref(Scene *scene);
/* Smallest distance between atoms of different objects (minimum image on periodic
 * axes), by brute force: for tests and summaries of small scenes. */
PetscErrorCode scene_closest_interface_pair(const Scene *scene, double *distance);

/* Place a particle on a surface: translate `particle` so that its lowest atom lies
 * `embedding_depth` Å below `surface_height` (the support's top) and its x–y centroid at
 * `centre_xy` plus a uniform jitter in [-jitter, jitter] per axis drawn from `rng`.
 * `shift` returns the translation (apply it to the particle's Volume too). */
PetscErrorCode scene_place_on_surface(AtomList *particle, double surface_height, const double centre_xy[2],
                                      double embedding_depth, double jitter, RngStream *rng, double shift[3]);
