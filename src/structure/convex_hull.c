/* convex_hull.c — volume_add_convex_hull (volume.h): the convex hull of a point cloud as
 * half-spaces, by Quickhull (Barber, Dobkin & Huhdanpaa, ACM TOMS 22, 1996).
 *
 * The hull is kept as triangles with neighbour links. Every point not yet on the hull sits in
 * the outside set of one triangle it lies beyond. The farthest point of a triangle's set is
 * added: the triangles it sees (found by a walk from that triangle, so they form one patch)
 * are removed, a fan of triangles joins the point to the patch's boundary (the horizon), and
 * the removed triangles' points are handed to the fan or dropped as inside. Expected
 * O(n log n), O(n^2) at worst. The brute-force reference is volume_ref.c.
 *
 * Robustness: the side tests ("is p beyond triangle abc?") are exact. The points are rounded
 * to a grid of 2^-40 × the cloud's extent and the 3×3 determinant is computed in 128-bit
 * integers, so the triangulation is exactly convex for the rounded points: no rounding can
 * make a horizon that is not one loop or a facet that cuts the hull. Duplicates and points on
 * a facet are never beyond it and are dropped. A tolerance is used only at the end, to merge
 * the triangles of one facet (a cube face is two or more triangles): from the largest
 * triangle of each facet (an exact hull face, so no point lies beyond its plane) the
 * neighbouring triangles whose vertices lie within 1e-9 × the cloud's size of its plane join
 * it; the facet keeps that triangle's normal and the offset of its outermost vertex. Merging
 * against the seed, not pairwise, keeps a chain of slivers from bending one plane round an
 * edge. */
#include <math.h>
#include "structure/volume.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static void   cross3(const double a[3], const double b[3], double c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

typedef struct {
  PetscInt  vertex[3];    /* point indices, counter-clockwise seen from outside */
  PetscInt  neighbour[3]; /* triangle across the edge vertex[e] → vertex[(e + 1) % 3] */
  double    normal[3];    /* unit outward normal (from the points as given) */
  double    offset;       /* normal·x on the plane */
  double    area;         /* |(b - a) × (c - a)|: a facet takes its largest triangle's normal */
  PetscInt  outside;      /* first point of the outside set (linked through Hull.next), -1: empty */
  PetscInt  visit;        /* number of the last insertion that looked at it */
  PetscBool visible;      /* seen from the point being added (valid when visit is current) */
  PetscBool alive;        /* still on the hull */
} HullFace;

typedef long long GridPoint[3]; /* a point rounded to the grid: |coordinates| <= 2^40 */

typedef struct {
  const double (*point)[3];
  GridPoint *grid; /* the points rounded, for the exact side tests */
  PetscInt   npoints;
  double     tolerance; /* facet merging only [Å] */
  HullFace  *face;
  PetscInt   nfaces, face_capacity;
  PetscInt  *next;                 /* outside-set links, per point */
  PetscInt  *stack, *horizon_face; /* walk stack; visible triangle of each horizon edge */
  PetscInt  *horizon_edge;         /* its edge index */
  PetscInt  *fan_face;             /* new triangle of each horizon edge */
  PetscInt   list_capacity;        /* of the four lists above */
  PetscInt  *fan_by_start;         /* per point: the new triangle whose horizon edge starts there, -1 */
} Hull;

static double face_distance(const Hull *hull, PetscInt f, PetscInt p)
{
  return dot3(hull->face[f].normal, hull->point[p]) - hull->face[f].offset;
}

/* Exact (b - a) × (c - a) of grid points: differences < 2^41, products < 2^82. */
static void grid_cross(const Hull *hull, PetscInt a, PetscInt b, PetscInt c, __int128 n[3])
{
  const long long *A = hull->grid[a], *B = hull->grid[b], *C = hull->grid[c];
  long long        u[3] = {B[0] - A[0], B[1] - A[1], B[2] - A[2]}, v[3] = {C[0] - A[0], C[1] - A[1], C[2] - A[2]};
  n[0] = (__int128)u[1] * v[2] - (__int128)u[2] * v[1];
  n[1] = (__int128)u[2] * v[0] - (__int128)u[0] * v[2];
  n[2] = (__int128)u[0] * v[1] - (__int128)u[1] * v[0];
}

/* Sign of ((b - a) × (c - a))·(p - a), exactly: > 0 when p lies beyond the triangle abc
 * (counter-clockwise seen from outside). |n| < 2^83, |p - a| < 2^41: the sum stays < 2^126. */
static int orientation(const Hull *hull, PetscInt a, PetscInt b, PetscInt c, PetscInt p)
{
  __int128         n[3];
  const long long *A = hull->grid[a], *P = hull->grid[p];
  grid_cross(hull, a, b, c, n);
  __int128 s = n[0] * (P[0] - A[0]) + n[1] * (P[1] - A[1]) + n[2] * (P[2] - A[2]);
  return (s > 0) - (s < 0);
}

static PetscBool beyond(const Hull *hull, PetscInt f, PetscInt p)
{
  const PetscInt *v = hull->face[f].vertex;
  return orientation(hull, v[0], v[1], v[2], p) > 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode grow(PetscInt **array, PetscInt count, PetscInt capacity)
{
  PetscInt *copy;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(capacity, &copy));
  if (count) PetscCall(PetscArraycpy(copy, *array, count));
  PetscCall(PetscFree(*array));
  *array = copy;
  PetscFunctionReturn(0);
}

static PetscErrorCode ensure_list_capacity(Hull *hull, PetscInt needed)
{
  PetscFunctionBeginUser;
  if (needed <= hull->list_capacity) PetscFunctionReturn(0);
  PetscInt capacity = PetscMax(2 * hull->list_capacity, needed);
  PetscCall(grow(&hull->stack, hull->list_capacity, capacity));
  PetscCall(grow(&hull->horizon_face, hull->list_capacity, capacity));
  PetscCall(grow(&hull->horizon_edge, hull->list_capacity, capacity));
  PetscCall(grow(&hull->fan_face, hull->list_capacity, capacity));
  hull->list_capacity = capacity;
  PetscFunctionReturn(0);
}

static PetscErrorCode add_face(Hull *hull, PetscInt a, PetscInt b, PetscInt c, PetscInt *index)
{
  PetscFunctionBeginUser;
  if (hull->nfaces == hull->face_capacity) {
    HullFace *copy;
    hull->face_capacity = hull->face_capacity ? 2 * hull->face_capacity : 64;
    PetscCall(PetscMalloc1(hull->face_capacity, &copy));
    if (hull->nfaces) PetscCall(PetscArraycpy(copy, hull->face, hull->nfaces));
    PetscCall(PetscFree(hull->face));
    hull->face = copy;
  }
  HullFace     *f  = &hull->face[hull->nfaces];
  const double *pa = hull->point[a], *pb = hull->point[b], *pc = hull->point[c];
  __int128      exact[3];
  grid_cross(hull, a, b, c, exact);
  PetscCheck(exact[0] || exact[1] || exact[2], PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "convex hull: degenerate triangle (%" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT ")", a, b, c);
  /* The normal of the rounded points, not of the points as given: no rounded point lies
   * beyond a hull triangle's plane then, so none as given lies beyond it by more than the
   * rounding; the plane of a thin sliver as given could be tilted far off. */
  for (int d = 0; d < 3; d++) f->normal[d] = (double)exact[d];
  f->area = sqrt(dot3(f->normal, f->normal));
  for (int d = 0; d < 3; d++) f->normal[d] /= f->area;
  /* the offset from the centroid: the same for the three vertices up to rounding */
  f->offset    = dot3(f->normal, pa) / 3 + dot3(f->normal, pb) / 3 + dot3(f->normal, pc) / 3;
  f->vertex[0] = a;
  f->vertex[1] = b;
  f->vertex[2] = c;
  for (int e = 0; e < 3; e++) f->neighbour[e] = -1;
  f->outside = -1;
  f->visit   = 0;
  f->visible = PETSC_FALSE;
  f->alive   = PETSC_TRUE;
  *index     = hull->nfaces++;
  PetscFunctionReturn(0);
}

/* Put point p in the outside set of the first of `count` triangles it lies beyond; a point
 * beyond none is inside (or on) the hull and dropped. */
static void assign_point(Hull *hull, PetscInt p, const PetscInt *faces, PetscInt count)
{
  for (PetscInt i = 0; i < count; i++)
    if (beyond(hull, faces[i], p)) {
      hull->next[p]                = hull->face[faces[i]].outside;
      hull->face[faces[i]].outside = p;
      return;
    }
}

/* Four points spanning a tetrahedron as large as cheaply found: the extreme point in x, the
 * point farthest from it, the point farthest from their line, the point farthest from the
 * plane of the three; degeneracy is decided exactly on the grid. */
static PetscErrorCode initial_simplex(Hull *hull, PetscInt simplex[4])
{
  const double(*x)[3] = hull->point;
  PetscInt n = hull->npoints, i0 = 0, i1 = -1, i2 = -1, i3 = -1;
  double   best = -1, dir[3];
  PetscFunctionBeginUser;
  for (PetscInt p = 1; p < n; p++)
    if (x[p][0] < x[i0][0]) i0 = p;
  for (PetscInt p = 0; p < n; p++) {
    double r[3] = {x[p][0] - x[i0][0], x[p][1] - x[i0][1], x[p][2] - x[i0][2]}, s = dot3(r, r);
    if (s > best) {
      best = s;
      i1   = p;
    }
  }
  if (hull->grid[i1][0] == hull->grid[i0][0] && hull->grid[i1][1] == hull->grid[i0][1] &&
      hull->grid[i1][2] == hull->grid[i0][2])
    for (PetscInt p = 0; p < n; p++)
      if (hull->grid[p][0] != hull->grid[i0][0] || hull->grid[p][1] != hull->grid[i0][1] ||
          hull->grid[p][2] != hull->grid[i0][2])
        i1 = p;
  PetscCheck(hull->grid[i1][0] != hull->grid[i0][0] || hull->grid[i1][1] != hull->grid[i0][1] ||
               hull->grid[i1][2] != hull->grid[i0][2],
             PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "convex hull of %" PetscInt_FMT " points: the points all coincide",
             n);
  for (int d = 0; d < 3; d++) dir[d] = x[i1][d] - x[i0][d];
  best = -1;
  for (PetscInt p = 0; p < n; p++) {
    double r[3] = {x[p][0] - x[i0][0], x[p][1] - x[i0][1], x[p][2] - x[i0][2]}, c[3];
    cross3(dir, r, c);
    if (dot3(c, c) > best) {
      best = dot3(c, c);
      i2   = p;
    }
  }
  __int128 line[3];
  grid_cross(hull, i0, i1, i2, line);
  for (PetscInt p = 0; p < n && !(line[0] || line[1] || line[2]);
       p++) { /* nearly collinear as given: any point off the line */
    i2 = p;
    grid_cross(hull, i0, i1, i2, line);
  }
  PetscCheck(line[0] || line[1] || line[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points: the points are collinear", n);
  double normal[3] = {(double)line[0], (double)line[1], (double)line[2]};
  best             = -1;
  for (PetscInt p = 0; p < n; p++) {
    double r[3] = {x[p][0] - x[i0][0], x[p][1] - x[i0][1], x[p][2] - x[i0][2]}, s = fabs(dot3(normal, r));
    if (s > best) {
      best = s;
      i3   = p;
    }
  }
  for (PetscInt p = 0; p < n && !orientation(hull, i0, i1, i2, i3); p++) i3 = p;
  PetscCheck(orientation(hull, i0, i1, i2, i3), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points: the points are coplanar", n);
  simplex[0] = i0;
  simplex[1] = i1;
  simplex[2] = i2;
  simplex[3] = i3;
  PetscFunctionReturn(0);
}

/* The tetrahedron's four triangles, outward, linked; every other point to an outside set. */
static PetscErrorCode start_hull(Hull *hull)
{
  PetscInt s[4], f[4];
  PetscFunctionBeginUser;
  PetscCall(initial_simplex(hull, s));
  if (orientation(hull, s[0], s[1], s[2], s[3]) > 0) {
    PetscInt t = s[1];
    s[1]       = s[2];
    s[2]       = t;
  } /* now s3 lies behind triangle (s0, s1, s2) */
  PetscCall(add_face(hull, s[0], s[1], s[2], &f[0]));
  PetscCall(add_face(hull, s[0], s[3], s[1], &f[1]));
  PetscCall(add_face(hull, s[1], s[3], s[2], &f[2]));
  PetscCall(add_face(hull, s[2], s[3], s[0], &f[3]));
  /* link: the edge a → b of one triangle is b → a of its neighbour */
  for (int i = 0; i < 4; i++)
    for (int e = 0; e < 3; e++) {
      PetscInt a = hull->face[f[i]].vertex[e], b = hull->face[f[i]].vertex[(e + 1) % 3];
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 3; k++)
          if (hull->face[f[j]].vertex[k] == b && hull->face[f[j]].vertex[(k + 1) % 3] == a)
            hull->face[f[i]].neighbour[e] = f[j];
      PetscCheck(hull->face[f[i]].neighbour[e] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "convex hull: tetrahedron not closed");
    }
  for (PetscInt p = 0; p < hull->npoints; p++)
    if (p != s[0] && p != s[1] && p != s[2] && p != s[3]) assign_point(hull, p, f, 4);
  PetscFunctionReturn(0);
}

/* Add the farthest point of triangle f's outside set to the hull. */
static PetscErrorCode add_point(Hull *hull, PetscInt f, PetscInt stamp)
{
  PetscInt eye = -1, nvisible = 0, nhorizon = 0;
  double   far = -INFINITY;
  PetscFunctionBeginUser;
  for (PetscInt p = hull->face[f].outside; p >= 0; p = hull->next[p]) {
    double d = face_distance(hull, f, p);
    if (d > far) {
      far = d;
      eye = p;
    }
  }
  /* the triangles the eye sees, by a walk from f; each visible-to-hidden edge is on the horizon */
  PetscCall(ensure_list_capacity(hull, 1));
  hull->stack[nvisible++] = f;
  hull->face[f].visit     = stamp;
  hull->face[f].visible   = PETSC_TRUE;
  for (PetscInt i = 0; i < nvisible; i++) {
    PetscInt g = hull->stack[i];
    for (int e = 0; e < 3; e++) {
      PetscInt h = hull->face[g].neighbour[e];
      if (hull->face[h].visit != stamp) {
        hull->face[h].visit   = stamp;
        hull->face[h].visible = beyond(hull, h, eye);
        if (hull->face[h].visible) {
          PetscCall(ensure_list_capacity(hull, nvisible + 1));
          hull->stack[nvisible++] = h;
        }
      }
      if (!hull->face[h].visible) {
        PetscCall(ensure_list_capacity(hull, nhorizon + 1));
        hull->horizon_face[nhorizon] = g;
        hull->horizon_edge[nhorizon] = e;
        nhorizon++;
      }
    }
  }
  /* The horizon is one closed loop (the side tests are exact); checked all the same, as a
   * broken hull must be an error, never a wrong answer. */
  for (PetscInt j = 0; j < nhorizon; j++) {
    PetscInt start = hull->face[hull->horizon_face[j]].vertex[hull->horizon_edge[j]];
    PetscCheck(hull->fan_by_start[start] < 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "convex hull: the horizon of point %" PetscInt_FMT " is not a simple loop", eye);
    hull->fan_by_start[start] = j;
  }
  {
    PetscInt j = 0, steps = 0;
    do {
      PetscInt end = hull->face[hull->horizon_face[j]].vertex[(hull->horizon_edge[j] + 1) % 3];
      j            = hull->fan_by_start[end];
      steps++;
    } while (j > 0 && steps <= nhorizon);
    if (j != 0 || steps != nhorizon) {
      for (PetscInt k = 0; k < nhorizon; k++)
        hull->fan_by_start[hull->face[hull->horizon_face[k]].vertex[hull->horizon_edge[k]]] = -1;
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB,
              "convex hull: the horizon of point %" PetscInt_FMT " is not a simple loop", eye);
    }
  }
  /* the fan: horizon edge a → b gives triangle (a, b, eye), outward as the triangle it replaces */
  for (PetscInt j = 0; j < nhorizon; j++) {
    PetscInt g = hull->horizon_face[j], e = hull->horizon_edge[j], a = hull->face[g].vertex[e],
             b = hull->face[g].vertex[(e + 1) % 3], hidden = hull->face[g].neighbour[e], made;
    PetscCall(add_face(hull, a, b, eye, &made));
    hull->fan_face[j]             = made;
    hull->face[made].visit        = stamp;
    hull->face[made].neighbour[0] = hidden;
    for (int k = 0; k < 3; k++)
      if (hull->face[hidden].vertex[k] == b && hull->face[hidden].vertex[(k + 1) % 3] == a)
        hull->face[hidden].neighbour[k] = made;
  }
  for (PetscInt j = 0; j < nhorizon; j++) {
    PetscInt g = hull->horizon_face[j], e = hull->horizon_edge[j], b = hull->face[g].vertex[(e + 1) % 3];
    PetscInt next_fan = hull->fan_face[hull->fan_by_start[b]], made = hull->fan_face[j];
    hull->face[made].neighbour[1]     = next_fan; /* edge b → eye is eye → b of the next triangle */
    hull->face[next_fan].neighbour[2] = made;
  }
  for (PetscInt j = 0; j < nhorizon; j++)
    hull->fan_by_start[hull->face[hull->horizon_face[j]].vertex[hull->horizon_edge[j]]] = -1;
  /* the removed triangles' points go to the fan (a point outside the new hull sees one of its
   * triangles) or are inside */
  for (PetscInt i = 0; i < nvisible; i++) {
    HullFace *g = &hull->face[hull->stack[i]];
    g->alive    = PETSC_FALSE;
    for (PetscInt p = g->outside, next; p >= 0; p = next) {
      next = hull->next[p];
      if (p != eye) assign_point(hull, p, hull->fan_face, nhorizon);
    }
    g->outside = -1;
  }
  PetscFunctionReturn(0);
}

/* One plane per facet. Triangles are taken largest first; each not yet in a facet starts
 * one and gathers, across edges, the triangles whose three vertices lie within the tolerance
 * of its plane. A facet keeps its first triangle's normal and the largest n·x of its
 * vertices, so no vertex lies outside. */
static PetscErrorCode facets_to_planes(Hull *hull, Volume *planes)
{
  PetscInt *order, *facet, nalive = 0;
  double   *area;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(hull->nfaces, &order, hull->nfaces, &facet, hull->nfaces, &area));
  PetscCall(ensure_list_capacity(hull, hull->nfaces));
  for (PetscInt f = 0; f < hull->nfaces; f++) {
    facet[f] = -1;
    if (!hull->face[f].alive) continue;
    order[nalive]  = f;
    area[nalive++] = -hull->face[f].area; /* ascending sort: largest first */
  }
  PetscCall(PetscSortRealWithArrayInt(nalive, area, order));
  for (PetscInt i = 0; i < nalive; i++) {
    PetscInt seed = order[i], nstack = 0;
    if (facet[seed] >= 0) continue;
    const double *n      = hull->face[seed].normal;
    double        offset = hull->face[seed].offset, outermost = -INFINITY;
    facet[seed]           = seed;
    hull->stack[nstack++] = seed;
    for (PetscInt k = 0; k < nstack; k++) {
      const HullFace *F = &hull->face[hull->stack[k]];
      for (int e = 0; e < 3; e++) outermost = PetscMax(outermost, dot3(n, hull->point[F->vertex[e]]));
      for (int e = 0; e < 3; e++) {
        PetscInt        g = F->neighbour[e];
        const HullFace *G = &hull->face[g];
        if (facet[g] >= 0) continue;
        PetscBool flat = dot3(n, G->normal) > 0 ? PETSC_TRUE : PETSC_FALSE; /* never the far side of a thin slab */
        for (int v = 0; v < 3; v++) flat = flat && fabs(dot3(n, hull->point[G->vertex[v]]) - offset) <= hull->tolerance;
        if (!flat) continue;
        facet[g]              = seed;
        hull->stack[nstack++] = g;
      }
    }
    PetscCall(volume_add_plane_at_distance(planes, n, outermost));
  }
  PetscCall(PetscFree3(order, facet, area));
  PetscFunctionReturn(0);
}

static PetscErrorCode build_hull(Hull *hull, Volume *planes)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(hull->npoints, &hull->next, hull->npoints, &hull->fan_by_start));
  for (PetscInt p = 0; p < hull->npoints; p++) hull->fan_by_start[p] = -1;
  PetscCall(start_hull(hull));
  /* new triangles are appended, so one pass in index order reaches every outside set */
  PetscInt stamp = 0;
  for (PetscInt f = 0; f < hull->nfaces; f++)
    if (hull->face[f].alive && hull->face[f].outside >= 0) PetscCall(add_point(hull, f, ++stamp));
  PetscCall(facets_to_planes(hull, planes));
  PetscCheck(planes->nplanes >= 4, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points: the points are coplanar", hull->npoints);
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_convex_hull(Volume *volume, PetscInt npoints, const double (*points)[3])
{
  Hull    hull;
  Volume *planes;
  PetscFunctionBeginUser;
  PetscCheck(npoints >= 4, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points; needs at least 4", npoints);
  double lower[3] = {INFINITY, INFINITY, INFINITY}, upper[3] = {-INFINITY, -INFINITY, -INFINITY}, scale = 0;
  for (PetscInt p = 0; p < npoints; p++) {
    PetscCheck(isfinite(points[p][0]) && isfinite(points[p][1]) && isfinite(points[p][2]), PETSC_COMM_SELF,
               PETSC_ERR_USER_INPUT, "convex hull: point %" PetscInt_FMT " = (%g, %g, %g) is not finite", p,
               points[p][0], points[p][1], points[p][2]);
    scale = PetscMax(scale, sqrt(dot3(points[p], points[p])));
    for (int d = 0; d < 3; d++) {
      lower[d] = PetscMin(lower[d], points[p][d]);
      upper[d] = PetscMax(upper[d], points[p][d]);
    }
  }
  double extent[3] = {upper[0] - lower[0], upper[1] - lower[1], upper[2] - lower[2]};
  PetscCall(PetscMemzero(&hull, sizeof hull));
  hull.point   = points;
  hull.npoints = npoints;
  /* rounding in n·x grows with |x|, the geometry with the cloud's extent */
  hull.tolerance = 1e-9 * (scale + sqrt(dot3(extent, extent)));
  /* the grid: 2^40 steps across the largest half-extent, so differences stay below 2^41 */
  double half = 0.5 * PetscMax(extent[0], PetscMax(extent[1], extent[2])),
         step = half > 0 ? half / (double)(1LL << 40) : 1;
  PetscCall(PetscMalloc1(npoints, &hull.grid));
  for (PetscInt p = 0; p < npoints; p++)
    for (int d = 0; d < 3; d++) hull.grid[p][d] = llround((points[p][d] - 0.5 * (lower[d] + upper[d])) / step);
  PetscCall(volume_create(&planes));
  PetscErrorCode ierr = build_hull(&hull, planes);
  PetscCall(PetscFree(hull.grid));
  PetscCall(PetscFree(hull.face));
  PetscCall(PetscFree2(hull.next, hull.fan_by_start));
  PetscCall(PetscFree(hull.stack));
  PetscCall(PetscFree(hull.horizon_face));
  PetscCall(PetscFree(hull.horizon_edge));
  PetscCall(PetscFree(hull.fan_face));
  if (!ierr) PetscCall(volume_intersect(volume, planes));
  PetscCall(volume_destroy(&planes));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
