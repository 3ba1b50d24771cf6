/* scene_ref.c — slow, obviously-correct versions of the scene's cell-grid steps (every
 * pair, minimum image on periodic axes), for the unit test that compares them. */
#include <math.h>
#include "structure/scene.h"

static double distance_squared(const Scene *scene, const double a[3], const double b[3])
{
  double r2 = 0;
  for (int d = 0; d < 3; d++) {
    double t = b[d] - a[d];
    if (scene->boundary[d] == SCENE_BOUNDARY_PERIODIC) {
      double length = scene->upper[d] - scene->lower[d];
      t -= length * round(t / length);
    }
    r2 += t * t;
  }
  return r2;
}

/* keep[k] (one array per object) of the atoms that survive. */
static PetscErrorCode apply(Scene *scene, PetscBool **keep)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    PetscCall(atom_list_compact(scene->object[k].atoms, keep[k]));
    PetscCall(PetscFree(keep[k]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode all_kept(const Scene *scene, PetscBool **keep)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    PetscCall(PetscMalloc1(scene->object[k].atoms->n + 1, &keep[k]));
    for (PetscInt i = 0; i < scene->object[k].atoms->n; i++) keep[k][i] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode scene_remove_overlaps_ref(Scene *scene)
{
  PetscBool *keep[SCENE_MAX_OBJECTS];
  double     r2 = scene->overlap_distance * scene->overlap_distance;
  PetscFunctionBeginUser;
  PetscCall(all_kept(scene, keep));
  for (PetscInt a = 0; a < scene->n_objects; a++)
    for (PetscInt b = 0; b < scene->n_objects; b++) {
      const SceneObject *winner = &scene->object[a], *loser = &scene->object[b];
      if (a == b || winner->priority > loser->priority) continue;
      for (PetscInt j = 0; j < loser->atoms->n; j++) {
        PetscBool inside = PETSC_FALSE;
        if (winner->volume)
          inside = volume_contains(winner->volume, loser->atoms->position[j]);
        else
          for (PetscInt i = 0; i < winner->atoms->n && !inside; i++)
            inside = distance_squared(scene, winner->atoms->position[i], loser->atoms->position[j]) < r2;
        if (inside) keep[b][j] = PETSC_FALSE;
      }
    }
  PetscCall(apply(scene, keep));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_remove_close_pairs_ref(Scene *scene)
{
  PetscBool *keep[SCENE_MAX_OBJECTS], visited[SCENE_MAX_OBJECTS] = {PETSC_FALSE};
  double     r2 = scene->interface_distance * scene->interface_distance;
  PetscFunctionBeginUser;
  if (scene->n_objects < 2 || scene->interface_distance <= 0) PetscFunctionReturn(0);
  PetscCall(all_kept(scene, keep));
  for (PetscInt v = 0; v < scene->n_objects; v++) {
    /* next object to visit: lowest priority number, then lowest index */
    PetscInt k = -1;
    for (PetscInt c = 0; c < scene->n_objects; c++)
      if (!visited[c] && (k < 0 || scene->object[c].priority < scene->object[k].priority)) k = c;
    for (PetscInt i = 0; i < scene->object[k].atoms->n; i++)
      for (PetscInt e = 0; e < scene->n_objects && keep[k][i]; e++) {
        if (!visited[e]) continue;
        for (PetscInt j = 0; j < scene->object[e].atoms->n; j++)
          if (keep[e][j] &&
              distance_squared(scene, scene->object[e].atoms->position[j], scene->object[k].atoms->position[i]) < r2) {
            keep[k][i] = PETSC_FALSE;
            break;
          }
      }
    visited[k] = PETSC_TRUE;
  }
  PetscCall(apply(scene, keep));
  PetscFunctionReturn(0);
}
