/* atom_list.c — growable list of labelled atoms (see atom_list.h). */
#include "core/atom_list.h"

PetscErrorCode atom_list_create(PetscInt capacity, AtomList **out)
{
  AtomList *list;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&list));
  PetscCall(atom_list_reserve(list, capacity > 0 ? capacity : 16));
  *out = list;
  PetscFunctionReturn(0);
}

PetscErrorCode atom_list_destroy(AtomList **list)
{
  PetscFunctionBeginUser;
  if (!*list) PetscFunctionReturn(0);
  PetscCall(PetscFree((*list)->position));
  PetscCall(PetscFree((*list)->atomic_number));
  PetscCall(PetscFree((*list)->object_id));
  PetscCall(PetscFree((*list)->atom_class));
  PetscCall(PetscFree((*list)->occupancy));
  PetscCall(PetscFree((*list)->thermal_rms));
  PetscCall(PetscFree(*list));
  PetscFunctionReturn(0);
}

#define GROW(field, type)                                               \
  do {                                                                  \
    type *grown;                                                        \
    PetscCall(PetscMalloc1(new_capacity, &grown));                      \
    if (list->n) PetscCall(PetscArraycpy(grown, list->field, list->n)); \
    PetscCall(PetscFree(list->field));                                  \
    list->field = grown;                                                \
  } while (0)

PetscErrorCode atom_list_reserve(AtomList *list, PetscInt capacity)
{
  PetscFunctionBeginUser;
  if (capacity <= list->capacity) PetscFunctionReturn(0);
  PetscInt new_capacity = PetscMax(capacity, 2 * list->capacity);
  {
    double(*grown)[3];
    PetscCall(PetscMalloc1(new_capacity, &grown));
    if (list->n) PetscCall(PetscArraycpy(grown, list->position, list->n));
    PetscCall(PetscFree(list->position));
    list->position = grown;
  }
  GROW(atomic_number, int);
  GROW(object_id, int);
  GROW(atom_class, unsigned char);
  GROW(occupancy, float);
  GROW(thermal_rms, float);
  list->capacity = new_capacity;
  PetscFunctionReturn(0);
}

PetscErrorCode atom_list_append(AtomList *list, const double position[3], int atomic_number, int object_id,
                                AtomClass atom_class)
{
  PetscFunctionBeginUser;
  if (list->n == list->capacity) PetscCall(atom_list_reserve(list, list->n + 1));
  PetscInt i             = list->n++;
  list->position[i][0]   = position[0];
  list->position[i][1]   = position[1];
  list->position[i][2]   = position[2];
  list->atomic_number[i] = atomic_number;
  list->object_id[i]     = object_id;
  list->atom_class[i]    = (unsigned char)atom_class;
  list->occupancy[i]     = 1.0f;
  list->thermal_rms[i]   = 0.0f;
  PetscFunctionReturn(0);
}

PetscErrorCode atom_list_append_list(AtomList *list, const AtomList *other)
{
  PetscFunctionBeginUser;
  PetscCall(atom_list_reserve(list, list->n + other->n));
  PetscInt offset = list->n;
  PetscCall(PetscArraycpy(list->position + offset, other->position, other->n));
  PetscCall(PetscArraycpy(list->atomic_number + offset, other->atomic_number, other->n));
  PetscCall(PetscArraycpy(list->object_id + offset, other->object_id, other->n));
  PetscCall(PetscArraycpy(list->atom_class + offset, other->atom_class, other->n));
  PetscCall(PetscArraycpy(list->occupancy + offset, other->occupancy, other->n));
  PetscCall(PetscArraycpy(list->thermal_rms + offset, other->thermal_rms, other->n));
  list->n += other->n;
  PetscFunctionReturn(0);
}

PetscErrorCode atom_list_compact(AtomList *list, const PetscBool *keep)
{
  PetscInt kept = 0;
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < list->n; i++) {
    if (!keep[i]) continue;
    if (kept != i) {
      list->position[kept][0]   = list->position[i][0];
      list->position[kept][1]   = list->position[i][1];
      list->position[kept][2]   = list->position[i][2];
      list->atomic_number[kept] = list->atomic_number[i];
      list->object_id[kept]     = list->object_id[i];
      list->atom_class[kept]    = list->atom_class[i];
      list->occupancy[kept]     = list->occupancy[i];
      list->thermal_rms[kept]   = list->thermal_rms[i];
    }
    kept++;
  }
  list->n = kept;
  PetscFunctionReturn(0);
}

void atom_list_clear(AtomList *list) { list->n = 0; }

PetscBool atom_list_bounds(const AtomList *list, double lowest[3], double highest[3])
{
  if (list->n == 0) return PETSC_FALSE;
  for (int d = 0; d < 3; d++) lowest[d] = highest[d] = list->position[0][d];
  for (PetscInt i = 1; i < list->n; i++)
    for (int d = 0; d < 3; d++) {
      if (list->position[i][d] < lowest[d]) lowest[d] = list->position[i][d];
      if (list->position[i][d] > highest[d]) highest[d] = list->position[i][d];
    }
  return PETSC_TRUE;
}
