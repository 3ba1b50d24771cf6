/* twinned_particles.c — Mackay icosahedra and Ino/Marks decahedra from strained tetrahedral
 * fcc grains (twinned_particles.h).
 *
 * An fcc tetrahedron with corner O and edge vectors e1, e2, e3 holds the sites
 * O + a e1 + b e2 + c e3 (a, b, c >= 0 integers). Mapping the regular tetrahedron's edges onto
 * those of a Mackay icosahedron's 20 tetrahedra, or a decahedron's 5, is the homogeneous strain
 * of each grain; shared faces (the twin planes) are shared sites and are merged. */
#include <math.h>
#include "structure/twinned_particles.h"

PetscInt twinned_icosahedron_count(PetscInt shells)
{
  if (shells < 1) return 0;
  return (10 * shells * shells * shells - 15 * shells * shells + 11 * shells - 3) / 3;
}

PetscInt twinned_decahedron_count(PetscInt k)
{
  if (k < 1) return 0;
  return (5 * k * k * k + k) / 6;
}

static PetscErrorCode monatomic_scale(const Crystal *crystal, const char *what, int *z, double *d)
{
  PetscFunctionBeginUser;
  for (PetscInt s = 1; s < crystal->nsites; s++)
    PetscCheck(crystal->site[s].atomic_number == crystal->site[0].atomic_number, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s of %s: multiply twinned particles need a one-element (fcc) crystal", what, crystal->name);
  *z = crystal->site[0].atomic_number;
  *d = crystal_nearest_neighbour_distance(crystal);
  PetscFunctionReturn(0);
}

typedef struct {
  double key[3];
  double x[3];
} Point;

static int compare_points(const void *pa, const void *pb)
{
  const Point *a = pa, *b = pb;
  for (int i = 0; i < 3; i++) {
    if (a->key[i] < b->key[i]) return -1;
    if (a->key[i] > b->key[i]) return 1;
  }
  return 0;
}

/* Sort and merge sites that coincide (to 0.1 mÅ; the grid is offset so exact lattice values sit
 * mid-bin), then append them with the given labels. */
static PetscErrorCode append_unique(Point *points, PetscInt n, const double centre[3], int z, int object_id,
                                    AtomClass atom_class, AtomList *atoms)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++)
    for (int d = 0; d < 3; d++) points[i].key[d] = floor(points[i].x[d] * 1e4 + 0.5123);
  qsort(points, (size_t)n, sizeof *points, compare_points);
  PetscCall(atom_list_reserve(atoms, atoms->n + n));
  for (PetscInt i = 0; i < n; i++) {
    if (i && !compare_points(&points[i], &points[i - 1])) continue;
    double x[3] = {points[i].x[0] + centre[0], points[i].x[1] + centre[1], points[i].x[2] + centre[2]};
    PetscCall(atom_list_append(atoms, x, z, object_id, atom_class));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode twinned_icosahedron(const Crystal *crystal, PetscInt shells, const double centre[3], int object_id,
                                   AtomClass atom_class, AtomList *atoms)
{
  int    z = 0;
  double d = 0;
  PetscFunctionBeginUser;
  PetscCheck(shells >= 1 && shells <= 200, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "icosahedron: %" PetscInt_FMT " shells; allowed 1..200", shells);
  PetscCall(monatomic_scale(crystal, "icosahedron", &z, &d));
  /* 12 vertices at radius r1 (one shell), 5-fold axis along z; edge/radius = 1/sin(72°). */
  const double edge_ratio = 1.0 / sin(0.4 * M_PI), r1 = 2 * d / (1 + edge_ratio);
  double       v[12][3];
  v[0][0] = v[0][1] = 0;
  v[0][2]           = r1;
  v[11][0] = v[11][1] = 0;
  v[11][2]            = -r1;
  for (int k = 0; k < 5; k++) {
    double up = 2 * M_PI * k / 5, low = up + M_PI / 5, h = r1 / sqrt(5.0), rho = 2 * r1 / sqrt(5.0);
    v[1 + k][0] = rho * cos(up);
    v[1 + k][1] = rho * sin(up);
    v[1 + k][2] = h;
    v[6 + k][0] = rho * cos(low);
    v[6 + k][1] = rho * sin(low);
    v[6 + k][2] = -h;
  }
  int face[20][3];
  for (int k = 0; k < 5; k++) {
    int u0 = 1 + k, u1 = 1 + (k + 1) % 5, l0 = 6 + k, l1 = 6 + (k + 1) % 5;
    face[4 * k][0]     = 0;
    face[4 * k][1]     = u0;
    face[4 * k][2]     = u1;
    face[4 * k + 1][0] = 11;
    face[4 * k + 1][1] = l0;
    face[4 * k + 1][2] = l1;
    face[4 * k + 2][0] = u0;
    face[4 * k + 2][1] = u1;
    face[4 * k + 2][2] = l0;
    face[4 * k + 3][0] = l0;
    face[4 * k + 3][1] = l1;
    face[4 * k + 3][2] = u1;
  }
  PetscInt n = 0, capacity = 20 * shells * (shells + 1) * (shells + 2) / 6 + 1;
  Point   *points;
  PetscCall(PetscMalloc1(capacity, &points));
  for (int f = 0; f < 20; f++)
    for (PetscInt a = 0; a < shells; a++)
      for (PetscInt b = 0; a + b < shells; b++)
        for (PetscInt c = 0; a + b + c < shells; c++) {
          for (int i = 0; i < 3; i++)
            points[n].x[i] = a * v[face[f][0]][i] + b * v[face[f][1]][i] + c * v[face[f][2]][i];
          n++;
        }
  PetscCall(append_unique(points, n, centre, z, object_id, atom_class, atoms));
  PetscCall(PetscFree(points));
  PetscFunctionReturn(0);
}

PetscErrorCode twinned_decahedron(const Crystal *crystal, PetscInt axis_atoms, PetscInt ino, PetscInt marks,
                                  const double centre[3], int object_id, AtomClass atom_class, AtomList *atoms)
{
  int    z = 0;
  double d = 0;
  PetscFunctionBeginUser;
  PetscCheck(axis_atoms >= 1 && axis_atoms <= 400, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "decahedron: %" PetscInt_FMT " atoms along the axis; allowed 1..400", axis_atoms);
  PetscInt N = axis_atoms - 1;
  PetscCheck(ino >= 0 && ino <= N, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "decahedron: Ino truncation %" PetscInt_FMT "; allowed 0..%" PetscInt_FMT " (axis atoms − 1)", ino, N);
  PetscInt q = N - ino;
  PetscCheck(marks >= 0 && marks <= q, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "decahedron: Marks re-entrance %" PetscInt_FMT "; allowed 0..%" PetscInt_FMT
             " (axis atoms − 1 − Ino truncation)",
             marks, q);
  PetscCall(monatomic_scale(crystal, "decahedron", &z, &d));
  /* Axis step u = d ẑ; grain edge vectors w_i reach the equatorial vertices; equatorial
   * neighbours are d apart, which puts w_i at 0.9867 d (the closing strain). */
  const double rho = d / (2 * sin(M_PI / 5));
  double       w[5][3];
  for (int i = 0; i < 5; i++) {
    w[i][0] = rho * cos(2 * M_PI * i / 5);
    w[i][1] = rho * sin(2 * M_PI * i / 5);
    w[i][2] = 0.5 * d;
  }
  PetscInt n = 0, capacity = 5 * (N + 1) * (N + 2) * (N + 3) / 6 + 1;
  Point   *points;
  PetscCall(PetscMalloc1(capacity, &points));
  for (int g = 0; g < 5; g++) {
    const double *e1 = w[g], *e2 = w[(g + 1) % 5];
    for (PetscInt a = 0; a <= N; a++)
      for (PetscInt b = 0; a + b <= N && b <= q - marks; b++)
        for (PetscInt c = 0; a + b + c <= N && b + c <= q && c <= q - marks; c++) {
          points[n].x[0] = b * e1[0] + c * e2[0];
          points[n].x[1] = b * e1[1] + c * e2[1];
          points[n].x[2] = a * d + (b + c) * 0.5 * d - 0.5 * N * d;
          n++;
        }
  }
  PetscCall(append_unique(points, n, centre, z, object_id, atom_class, atoms));
  PetscCall(PetscFree(points));
  PetscFunctionReturn(0);
}
