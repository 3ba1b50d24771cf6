/* scene.c — objects with priorities, bounds and interface clean-up (see scene.h). */
#include <math.h>
#include <string.h>
#include "structure/scene.h"

PetscErrorCode scene_create(Scene **out)
{
  Scene *scene;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&scene));
  scene->overlap_distance   = 1.0;
  scene->interface_distance = 1.4;
  for (int z = 0; z <= ELEMENT_MAX_Z; z++) scene->thermal_rms[z] = -1;
  *out = scene;
  PetscFunctionReturn(0);
}

PetscErrorCode scene_destroy(Scene **scene)
{
  PetscFunctionBeginUser;
  if (!*scene) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < (*scene)->n_objects; k++) {
    PetscCall(atom_list_destroy(&(*scene)->object[k].atoms));
    if ((*scene)->object[k].volume) PetscCall(volume_destroy(&(*scene)->object[k].volume));
  }
  PetscCall(PetscFree(*scene));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_add_object(Scene *scene, const char *name, int priority, AtomClass atom_class,
                                const AtomList *atoms, const Volume *volume, PetscInt *index)
{
  PetscFunctionBeginUser;
  PetscCheck(scene->n_objects < SCENE_MAX_OBJECTS, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "scene: object '%s' would be number %d; at most %d objects", name, (int)scene->n_objects + 1,
             SCENE_MAX_OBJECTS);
  PetscInt     k      = scene->n_objects;
  SceneObject *object = &scene->object[k];
  PetscCall(PetscMemzero(object, sizeof *object));
  PetscCall(PetscStrncpy(object->name, name, sizeof object->name));
  object->priority   = priority;
  object->atom_class = atom_class;
  PetscCall(atom_list_create(atoms->n, &object->atoms));
  PetscCall(atom_list_append_list(object->atoms, atoms));
  for (PetscInt i = 0; i < atoms->n; i++) {
    object->atoms->object_id[i]  = (int)k;
    object->atoms->atom_class[i] = (unsigned char)atom_class;
  }
  if (volume) PetscCall(volume_duplicate(volume, &object->volume));
  object->n_added = atoms->n;
  scene->n_objects++;
  if (index) *index = k;
  PetscFunctionReturn(0);
}

PetscErrorCode scene_set_bounds(Scene *scene, const double lower[3], const double upper[3],
                                const SceneBoundary boundary[3])
{
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscCheck(boundary[d] == SCENE_BOUNDARY_OPEN || upper[d] > lower[d], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "scene bounds along %c: [%g, %g) is empty", "xyz"[d], lower[d], upper[d]);
    scene->lower[d]    = lower[d];
    scene->upper[d]    = upper[d];
    scene->boundary[d] = boundary[d];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode scene_set_thermal_rms(Scene *scene, int z, double rms)
{
  PetscFunctionBeginUser;
  PetscCheck(z >= 1 && z <= ELEMENT_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "thermal rms: atomic number %d; allowed 1..%d", z, ELEMENT_MAX_Z);
  PetscCheck(rms >= 0 && rms < 2, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "thermal rms of Z = %d: %g Å; allowed [0, 2)",
             z, rms);
  scene->thermal_rms[z] = rms;
  PetscFunctionReturn(0);
}

PetscErrorCode scene_wrap_periodic(Scene *scene)
{
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    if (scene->boundary[d] != SCENE_BOUNDARY_PERIODIC) continue;
    double low = scene->lower[d], length = scene->upper[d] - scene->lower[d];
    for (PetscInt k = 0; k < scene->n_objects; k++) {
      AtomList *atoms = scene->object[k].atoms;
      for (PetscInt i = 0; i < atoms->n; i++) {
        double x = atoms->position[i][d] - low;
        x -= length * floor(x / length);
        if (x >= length) x = 0; /* rounding of values just below 0 */
        atoms->position[i][d] = low + x;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* ---- a cell grid over the scene for "is any inserted point within r of x?" ---- */

typedef struct {
  double    origin[3], length[3], inverse[3], radius2;
  int       n[3];
  PetscBool periodic[3];
  int      *head; /* [cells] last inserted point, -1 when empty */
  int      *next; /* [points] */
  const double (*position)[3];
} PointGrid;

/* Grid over the scene's periodic box on periodic axes and over [low, high] elsewhere,
 * cells no smaller than `radius`, at most about 8 cells per point (sparse scenes get
 * larger cells). `position` holds every point that may be inserted (count of them). */
static PetscErrorCode grid_create(const Scene *scene, const double low[3], const double high[3], double radius,
                                  PetscInt count, const double (*position)[3], PointGrid *grid)
{
  PetscFunctionBeginUser;
  double cell = radius;
  for (;;) {
    double cells = 1;
    for (int d = 0; d < 3; d++) {
      grid->periodic[d] = scene->boundary[d] == SCENE_BOUNDARY_PERIODIC ? PETSC_TRUE : PETSC_FALSE;
      grid->origin[d]   = grid->periodic[d] ? scene->lower[d] : low[d];
      grid->length[d]   = grid->periodic[d] ? scene->upper[d] - scene->lower[d] : PetscMax(high[d] - low[d], 1e-9);
      grid->n[d]        = (int)PetscMax(1.0, floor(grid->length[d] / cell));
      if (grid->n[d] > 4096) grid->n[d] = 4096;
      grid->inverse[d] = grid->n[d] / grid->length[d];
      cells *= grid->n[d];
    }
    if (cells <= 8.0 * count + 4096) break;
    cell *= 1.5;
  }
  grid->radius2  = radius * radius;
  grid->position = position;
  size_t n_cells = (size_t)grid->n[0] * grid->n[1] * grid->n[2];
  PetscCall(PetscMalloc1(n_cells, &grid->head));
  PetscCall(PetscMalloc1(count + 1, &grid->next));
  for (size_t c = 0; c < n_cells; c++) grid->head[c] = -1;
  PetscFunctionReturn(0);
}

static PetscErrorCode grid_destroy(PointGrid *grid)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(grid->head));
  PetscCall(PetscFree(grid->next));
  PetscFunctionReturn(0);
}

static inline int grid_coordinate(const PointGrid *grid, int d, double x)
{
  double t = (x - grid->origin[d]) * grid->inverse[d];
  int    c = (int)floor(t);
  if (grid->periodic[d]) {
    c %= grid->n[d];
    if (c < 0) c += grid->n[d];
    return c;
  }
  return c < 0 ? 0 : c >= grid->n[d] ? grid->n[d] - 1 : c;
}

static void grid_insert(PointGrid *grid, int point)
{
  const double *x = grid->position[point];
  size_t c = ((size_t)grid_coordinate(grid, 2, x[2]) * grid->n[1] + grid_coordinate(grid, 1, x[1])) * grid->n[0] +
             grid_coordinate(grid, 0, x[0]);
  grid->next[point] = grid->head[c];
  grid->head[c]     = point;
}

/* True when an inserted point lies closer than the grid's radius to x. Points outside the
 * grid's range on an open axis live in the edge cells, so edge cells are searched
 * whenever x is within one radius of them. */
static PetscBool grid_any_within(const PointGrid *grid, const double x[3])
{
  int lo[3], hi[3];
  for (int d = 0; d < 3; d++) {
    double r = sqrt(grid->radius2);
    if (grid->periodic[d]) {
      int c    = grid_coordinate(grid, d, x[d]);
      int span = (int)ceil(r * grid->inverse[d]);
      lo[d]    = c - span;
      hi[d]    = c + span;
      if (hi[d] - lo[d] + 1 > grid->n[d]) lo[d] = 0, hi[d] = grid->n[d] - 1;
    } else {
      lo[d] = grid_coordinate(grid, d, x[d] - r);
      hi[d] = grid_coordinate(grid, d, x[d] + r);
    }
  }
  for (int cz = lo[2]; cz <= hi[2]; cz++) {
    int zz = grid->periodic[2] ? ((cz % grid->n[2]) + grid->n[2]) % grid->n[2] : cz;
    for (int cy = lo[1]; cy <= hi[1]; cy++) {
      int yy = grid->periodic[1] ? ((cy % grid->n[1]) + grid->n[1]) % grid->n[1] : cy;
      for (int cx = lo[0]; cx <= hi[0]; cx++) {
        int xx = grid->periodic[0] ? ((cx % grid->n[0]) + grid->n[0]) % grid->n[0] : cx;
        for (int j = grid->head[((size_t)zz * grid->n[1] + yy) * grid->n[0] + xx]; j >= 0; j = grid->next[j]) {
          double r2 = 0;
          for (int d = 0; d < 3; d++) {
            double t = grid->position[j][d] - x[d];
            if (grid->periodic[d]) t -= grid->length[d] * round(t / grid->length[d]);
            r2 += t * t;
          }
          if (r2 < grid->radius2) return PETSC_TRUE;
        }
      }
    }
  }
  return PETSC_FALSE;
}

/* All atoms of the scene in one array, with the object each belongs to. */
typedef struct {
  PetscInt n;
  double (*position)[3];
  int       *object;
  PetscInt  *offset; /* [n_objects + 1] first atom of each object */
  PetscBool *keep;
  double     low[3], high[3];
} Flat;

static PetscErrorCode flat_create(const Scene *scene, Flat *flat)
{
  PetscFunctionBeginUser;
  flat->n = 0;
  PetscCall(PetscMalloc1(scene->n_objects + 1, &flat->offset));
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    flat->offset[k] = flat->n;
    flat->n += scene->object[k].atoms->n;
  }
  flat->offset[scene->n_objects] = flat->n;
  PetscCall(PetscMalloc1(flat->n + 1, &flat->position));
  PetscCall(PetscMalloc1(flat->n + 1, &flat->object));
  PetscCall(PetscMalloc1(flat->n + 1, &flat->keep));
  for (int d = 0; d < 3; d++) flat->low[d] = 0, flat->high[d] = 1;
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    const AtomList *atoms = scene->object[k].atoms;
    for (PetscInt i = 0; i < atoms->n; i++) {
      PetscInt f = flat->offset[k] + i;
      for (int d = 0; d < 3; d++) {
        flat->position[f][d] = atoms->position[i][d];
        if (f == 0 || atoms->position[i][d] < flat->low[d]) flat->low[d] = atoms->position[i][d];
        if (f == 0 || atoms->position[i][d] > flat->high[d]) flat->high[d] = atoms->position[i][d];
      }
      flat->object[f] = (int)k;
      flat->keep[f]   = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* Keep, in each object, the atoms flagged in flat->keep. */
static PetscErrorCode flat_apply(Scene *scene, const Flat *flat)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < scene->n_objects; k++)
    PetscCall(atom_list_compact(scene->object[k].atoms, flat->keep + flat->offset[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode flat_destroy(Flat *flat)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(flat->position));
  PetscCall(PetscFree(flat->object));
  PetscCall(PetscFree(flat->offset));
  PetscCall(PetscFree(flat->keep));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_remove_overlaps(Scene *scene)
{
  Flat flat;
  PetscFunctionBeginUser;
  if (scene->n_objects < 2) PetscFunctionReturn(0);
  PetscCall(flat_create(scene, &flat));
  for (PetscInt a = 0; a < scene->n_objects; a++) {
    const SceneObject *winner = &scene->object[a];
    PointGrid          grid;
    PetscBool          have_grid = PETSC_FALSE;
    for (PetscInt b = 0; b < scene->n_objects; b++) {
      if (b == a || winner->priority > scene->object[b].priority) continue;
      if (!winner->volume && !have_grid) {
        PetscCheck(scene->overlap_distance > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                   "scene: object '%s' has no volume and the overlap distance is %g Å; allowed > 0", winner->name,
                   scene->overlap_distance);
        PetscCall(grid_create(scene, flat.low, flat.high, scene->overlap_distance, flat.n,
                              (const double(*)[3])flat.position, &grid));
        for (PetscInt f = flat.offset[a]; f < flat.offset[a + 1]; f++) grid_insert(&grid, (int)f);
        have_grid = PETSC_TRUE;
      }
      /* The region of `winner` is judged on its atoms as added (flat.position), not on what
       * survives, so equal priorities remove each other's atoms symmetrically. */
      for (PetscInt f = flat.offset[b]; f < flat.offset[b + 1]; f++) {
        if (!flat.keep[f]) continue;
        PetscBool inside =
          winner->volume ? volume_contains(winner->volume, flat.position[f]) : grid_any_within(&grid, flat.position[f]);
        if (inside) flat.keep[f] = PETSC_FALSE;
      }
    }
    if (have_grid) PetscCall(grid_destroy(&grid));
  }
  PetscCall(flat_apply(scene, &flat));
  PetscCall(flat_destroy(&flat));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_remove_close_pairs(Scene *scene)
{
  Flat      flat;
  PointGrid grid;
  PetscInt  order[SCENE_MAX_OBJECTS];
  PetscFunctionBeginUser;
  if (scene->n_objects < 2 || scene->interface_distance <= 0) PetscFunctionReturn(0);
  PetscCall(flat_create(scene, &flat));
  /* visit order: priority, then index (stable insertion sort) */
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    PetscInt j = k;
    while (j > 0 && scene->object[order[j - 1]].priority > scene->object[k].priority) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = k;
  }
  PetscCall(grid_create(scene, flat.low, flat.high, scene->interface_distance, flat.n,
                        (const double(*)[3])flat.position, &grid));
  for (PetscInt v = 0; v < scene->n_objects; v++) {
    PetscInt k = order[v];
    /* The grid holds only earlier objects' kept atoms here, so an atom never clashes
     * with its own object. */
    if (v > 0)
      for (PetscInt f = flat.offset[k]; f < flat.offset[k + 1]; f++)
        if (flat.keep[f] && grid_any_within(&grid, flat.position[f])) flat.keep[f] = PETSC_FALSE;
    for (PetscInt f = flat.offset[k]; f < flat.offset[k + 1]; f++)
      if (flat.keep[f]) grid_insert(&grid, (int)f);
  }
  PetscCall(grid_destroy(&grid));
  PetscCall(flat_apply(scene, &flat));
  PetscCall(flat_destroy(&flat));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_clip(Scene *scene)
{
  PetscBool *keep;
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    AtomList *atoms = scene->object[k].atoms;
    PetscCall(PetscMalloc1(atoms->n + 1, &keep));
    for (PetscInt i = 0; i < atoms->n; i++) {
      keep[i] = PETSC_TRUE;
      for (int d = 0; d < 3; d++)
        if (scene->boundary[d] == SCENE_BOUNDARY_CLIP &&
            (atoms->position[i][d] < scene->lower[d] || atoms->position[i][d] >= scene->upper[d]))
          keep[i] = PETSC_FALSE;
    }
    PetscCall(atom_list_compact(atoms, keep));
    PetscCall(PetscFree(keep));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode scene_resolve(Scene *scene)
{
  PetscFunctionBeginUser;
  PetscCall(scene_wrap_periodic(scene));
  PetscCall(scene_remove_overlaps(scene));
  PetscCall(scene_remove_close_pairs(scene));
  PetscCall(scene_clip(scene));
  PetscFunctionReturn(0);
}

PetscErrorCode scene_to_atom_list(const Scene *scene, AtomList *atoms)
{
  PetscInt total = 0;
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < scene->n_objects; k++) total += scene->object[k].atoms->n;
  PetscCall(atom_list_reserve(atoms, atoms->n + total));
  for (PetscInt k = 0; k < scene->n_objects; k++) {
    PetscInt first = atoms->n;
    PetscCall(atom_list_append_list(atoms, scene->object[k].atoms));
    for (PetscInt i = first; i < atoms->n; i++) {
      atoms->object_id[i]  = (int)k;
      atoms->atom_class[i] = (unsigned char)scene->object[k].atom_class;
      int z                = atoms->atomic_number[i];
      if (z >= 1 && z <= ELEMENT_MAX_Z && scene->thermal_rms[z] >= 0)
        atoms->thermal_rms[i] = (float)scene->thermal_rms[z];
    }
  }
  if (scene->boundary[0] != SCENE_BOUNDARY_OPEN && scene->boundary[1] != SCENE_BOUNDARY_OPEN) {
    double low[3], high[3];
    PetscCall(PetscMemzero(atoms->cell, sizeof atoms->cell));
    for (int d = 0; d < 3; d++) {
      if (scene->boundary[d] != SCENE_BOUNDARY_OPEN)
        atoms->cell[d][d] = scene->upper[d] - scene->lower[d];
      else
        atoms->cell[d][d] = atom_list_bounds(atoms, low, high) ? PetscMax(high[d], 0) + 2.0 : 2.0;
      atoms->periodic[d] = scene->boundary[d] == SCENE_BOUNDARY_PERIODIC ? PETSC_TRUE : PETSC_FALSE;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode scene_closest_interface_pair(const Scene *scene, double *distance)
{
  PetscFunctionBeginUser;
  double best = INFINITY;
  for (PetscInt a = 0; a < scene->n_objects; a++)
    for (PetscInt b = a + 1; b < scene->n_objects; b++) {
      const AtomList *p = scene->object[a].atoms, *q = scene->object[b].atoms;
      for (PetscInt i = 0; i < p->n; i++)
        for (PetscInt j = 0; j < q->n; j++) {
          double r2 = 0;
          for (int d = 0; d < 3; d++) {
            double t = q->position[j][d] - p->position[i][d];
            if (scene->boundary[d] == SCENE_BOUNDARY_PERIODIC) {
              double length = scene->upper[d] - scene->lower[d];
              t -= length * round(t / length);
            }
            r2 += t * t;
          }
          if (r2 < best) best = r2;
        }
    }
  *distance = sqrt(best);
  PetscFunctionReturn(0);
}

PetscErrorCode scene_place_on_surface(AtomList *particle, double surface_height, const double centre_xy[2],
                                      double embedding_depth, double jitter, RngStream *rng, double shift[3])
{
  double low[3], high[3], centroid[2] = {0, 0};
  PetscFunctionBeginUser;
  PetscCheck(jitter >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "placement jitter %g Å; allowed >= 0", jitter);
  if (!atom_list_bounds(particle, low, high)) {
    shift[0] = shift[1] = shift[2] = 0;
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < particle->n; i++) {
    centroid[0] += particle->position[i][0];
    centroid[1] += particle->position[i][1];
  }
  centroid[0] /= particle->n;
  centroid[1] /= particle->n;
  for (int d = 0; d < 2; d++) {
    double offset = 0;
    if (jitter > 0) offset = (2 * rng_uniform(rng) - 1) * jitter;
    shift[d] = centre_xy[d] + offset - centroid[d];
  }
  shift[2] = surface_height - embedding_depth - low[2];
  for (PetscInt i = 0; i < particle->n; i++)
    for (int d = 0; d < 3; d++) particle->position[i][d] += shift[d];
  PetscFunctionReturn(0);
}
