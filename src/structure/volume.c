/* volume.c — convex volumes: spheres, half-spaces, cylinders; inside test, bounding boxes by
 * vertex enumeration, polyhedron measure (volume.h). */
#include <math.h>
#include "structure/volume.h"

#define BIG_BOX 1.0e6 /* Å: stand-in for infinity when enumerating vertices of open polyhedra */

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static void   cross3(const double a[3], const double b[3], double c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

PetscErrorCode volume_create(Volume **out)
{
  PetscFunctionBeginUser;
  PetscCall(PetscNew(out));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_create_sphere(const double centre[3], double radius, Volume **out)
{
  PetscFunctionBeginUser;
  PetscCall(volume_create(out));
  PetscCall(volume_add_sphere(*out, centre, radius));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_destroy(Volume **volume)
{
  PetscFunctionBeginUser;
  if (!*volume) PetscFunctionReturn(0);
  PetscCall(PetscFree((*volume)->plane));
  PetscCall(PetscFree((*volume)->sphere));
  PetscCall(PetscFree((*volume)->cylinder));
  PetscCall(PetscFree(*volume));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_duplicate(const Volume *volume, Volume **copy)
{
  PetscFunctionBeginUser;
  PetscCall(volume_create(copy));
  PetscCall(volume_intersect(*copy, volume));
  PetscFunctionReturn(0);
}

#define PUSH(array, count, capacity, type, value)               \
  do {                                                          \
    if ((count) == (capacity)) {                                \
      PetscInt grown_ = (capacity) ? 2 * (capacity) : 8;        \
      type    *copy_;                                           \
      PetscCall(PetscMalloc1(grown_, &copy_));                  \
      if (count) PetscCall(PetscArraycpy(copy_, array, count)); \
      PetscCall(PetscFree(array));                              \
      array    = copy_;                                         \
      capacity = grown_;                                        \
    }                                                           \
    (array)[(count)++] = (value);                               \
  } while (0)

PetscErrorCode volume_add_sphere(Volume *volume, const double centre[3], double radius)
{
  PetscFunctionBeginUser;
  PetscCheck(radius > 0 && isfinite(radius), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "sphere radius %g Å; must be > 0",
             radius);
  VolumeSphere s = {{centre[0], centre[1], centre[2]}, radius};
  PUSH(volume->sphere, volume->nspheres, volume->sphere_capacity, VolumeSphere, s);
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_plane_at_distance(Volume *volume, const double normal[3], double distance)
{
  PetscFunctionBeginUser;
  double length = sqrt(dot3(normal, normal));
  PetscCheck(length > 0 && isfinite(length) && isfinite(distance), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "plane with normal (%g, %g, %g) and distance %g: the normal must be non-zero and finite", normal[0],
             normal[1], normal[2], distance);
  VolumePlane p = {{normal[0] / length, normal[1] / length, normal[2] / length}, distance};
  PUSH(volume->plane, volume->nplanes, volume->plane_capacity, VolumePlane, p);
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_plane(Volume *volume, const double normal[3], const double point[3])
{
  PetscFunctionBeginUser;
  double length = sqrt(dot3(normal, normal));
  PetscCheck(length > 0 && isfinite(length), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "plane normal (%g, %g, %g) must be non-zero", normal[0], normal[1], normal[2]);
  PetscCall(volume_add_plane_at_distance(volume, normal, dot3(normal, point) / length));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_miller_plane(Volume *volume, const Crystal *crystal, const int hkl[3], double distance,
                                       const double origin[3], PetscBool snap)
{
  PetscFunctionBeginUser;
  PetscCheck(hkl[0] || hkl[1] || hkl[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Miller indices (000) name no plane");
  double normal[3], d = crystal_d_spacing(crystal, hkl);
  crystal_plane_normal(crystal, hkl, normal);
  if (snap) {
    /* Atoms of site s lie on planes at heights (k + h·f_s)·d from the lattice origin. */
    double t = distance / d, best = INFINITY;
    for (PetscInt s = 0; s < crystal->nsites; s++) {
      const double *f = crystal->site[s].fractional;
      double        v = hkl[0] * f[0] + hkl[1] * f[1] + hkl[2] * f[2];
      v -= floor(v);
      double candidate = round(t - v) + v;
      if (fabs(candidate - t) < fabs(best - t)) best = candidate;
    }
    distance = best * d;
  }
  PetscCall(volume_add_plane_at_distance(volume, normal, distance + dot3(normal, origin)));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_miller_family(Volume *volume, const Crystal *crystal, const int hkl[3], double distance,
                                        const double origin[3], PetscBool snap)
{
  int      members[CRYSTAL_MAX_POINT_OPERATIONS][3];
  PetscInt n;
  PetscFunctionBeginUser;
  PetscCall(crystal_family(crystal, hkl, &n, members));
  for (PetscInt m = 0; m < n; m++)
    PetscCall(volume_add_miller_plane(volume, crystal, members[m], distance, origin, snap));
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_cylinder(Volume *volume, const double centre[3], const double axis[3], double radius,
                                   double length)
{
  PetscFunctionBeginUser;
  double a = sqrt(dot3(axis, axis));
  PetscCheck(a > 0 && isfinite(a), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "cylinder axis (%g, %g, %g) must be non-zero",
             axis[0], axis[1], axis[2]);
  PetscCheck(radius > 0 && isfinite(radius), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "cylinder radius %g Å; must be > 0",
             radius);
  VolumeCylinder c = {
    {centre[0], centre[1], centre[2]}, {axis[0] / a, axis[1] / a, axis[2] / a}, radius, length > 0 ? 0.5 * length : 0};
  PUSH(volume->cylinder, volume->ncylinders, volume->cylinder_capacity, VolumeCylinder, c);
  PetscFunctionReturn(0);
}

PetscErrorCode volume_add_box(Volume *volume, const double lower[3], const double upper[3])
{
  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++) {
    PetscCheck(upper[i] > lower[i], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "box: upper %c = %g must exceed lower %c = %g", "xyz"[i], upper[i], "xyz"[i], lower[i]);
    double n[3] = {0, 0, 0};
    n[i]        = 1;
    PetscCall(volume_add_plane_at_distance(volume, n, upper[i]));
    n[i] = -1;
    PetscCall(volume_add_plane_at_distance(volume, n, -lower[i]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode volume_intersect(Volume *volume, const Volume *other)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < other->nplanes; i++)
    PUSH(volume->plane, volume->nplanes, volume->plane_capacity, VolumePlane, other->plane[i]);
  for (PetscInt i = 0; i < other->nspheres; i++)
    PUSH(volume->sphere, volume->nspheres, volume->sphere_capacity, VolumeSphere, other->sphere[i]);
  for (PetscInt i = 0; i < other->ncylinders; i++)
    PUSH(volume->cylinder, volume->ncylinders, volume->cylinder_capacity, VolumeCylinder, other->cylinder[i]);
  PetscFunctionReturn(0);
}

PetscErrorCode volume_translate(Volume *volume, const double shift[3])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < volume->nplanes; i++) volume->plane[i].distance += dot3(volume->plane[i].normal, shift);
  for (PetscInt i = 0; i < volume->nspheres; i++)
    for (int d = 0; d < 3; d++) volume->sphere[i].centre[d] += shift[d];
  for (PetscInt i = 0; i < volume->ncylinders; i++)
    for (int d = 0; d < 3; d++) volume->cylinder[i].point[d] += shift[d];
  PetscFunctionReturn(0);
}

PetscErrorCode volume_transform(Volume *volume, const double L[3][3], const double shift[3])
{
  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double s = L[0][i] * L[0][j] + L[1][i] * L[1][j] + L[2][i] * L[2][j];
      PetscCheck(fabs(s - (i == j)) < 1e-9, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "volume_transform: the linear part is not orthogonal");
    }
#define APPLY(v, out) \
  for (int i_ = 0; i_ < 3; i_++) (out)[i_] = L[i_][0] * (v)[0] + L[i_][1] * (v)[1] + L[i_][2] * (v)[2]
  for (PetscInt k = 0; k < volume->nplanes; k++) {
    double n[3];
    APPLY(volume->plane[k].normal, n);
    for (int i = 0; i < 3; i++) volume->plane[k].normal[i] = n[i];
    volume->plane[k].distance += dot3(n, shift);
  }
  for (PetscInt k = 0; k < volume->nspheres; k++) {
    double c[3];
    APPLY(volume->sphere[k].centre, c);
    for (int i = 0; i < 3; i++) volume->sphere[k].centre[i] = c[i] + shift[i];
  }
  for (PetscInt k = 0; k < volume->ncylinders; k++) {
    double p[3], a[3];
    APPLY(volume->cylinder[k].point, p);
    APPLY(volume->cylinder[k].axis, a);
    for (int i = 0; i < 3; i++) {
      volume->cylinder[k].point[i] = p[i] + shift[i];
      volume->cylinder[k].axis[i]  = a[i];
    }
  }
#undef APPLY
  PetscFunctionReturn(0);
}

PetscBool volume_contains(const Volume *volume, const double x[3])
{
  for (PetscInt i = 0; i < volume->nspheres; i++) {
    const VolumeSphere *s  = &volume->sphere[i];
    double              dx = x[0] - s->centre[0], dy = x[1] - s->centre[1], dz = x[2] - s->centre[2];
    double              r = s->radius + VOLUME_TOLERANCE;
    if (dx * dx + dy * dy + dz * dz >= r * r) return PETSC_FALSE;
  }
  for (PetscInt i = 0; i < volume->nplanes; i++)
    if (dot3(volume->plane[i].normal, x) > volume->plane[i].distance + VOLUME_TOLERANCE) return PETSC_FALSE;
  for (PetscInt i = 0; i < volume->ncylinders; i++) {
    const VolumeCylinder *c     = &volume->cylinder[i];
    double                d[3]  = {x[0] - c->point[0], x[1] - c->point[1], x[2] - c->point[2]};
    double                along = dot3(d, c->axis), r = c->radius + VOLUME_TOLERANCE;
    if (c->half_length > 0 && fabs(along) > c->half_length + VOLUME_TOLERANCE) return PETSC_FALSE;
    if (dot3(d, d) - along * along >= r * r) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Vertices of {n_i·x <= d_i} ∩ big box; *touches_box[axis] says the polyhedron reaches the big box. */
static PetscErrorCode enumerate_vertices(const Volume *volume, PetscInt *nvertices, double (**vertices)[3],
                                         PetscBool open[3])
{
  PetscInt     np = volume->nplanes + 6, n = 0, capacity = 64;
  VolumePlane *p;
  double(*v)[3];
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(np, &p));
  for (PetscInt i = 0; i < volume->nplanes; i++) p[i] = volume->plane[i];
  for (int i = 0; i < 6; i++) {
    VolumePlane b          = {{0, 0, 0}, BIG_BOX};
    b.normal[i / 2]        = i % 2 ? -1 : 1;
    p[volume->nplanes + i] = b;
  }
  PetscCall(PetscMalloc1(capacity, &v));
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt j = i + 1; j < np; j++) {
      double nij[3];
      cross3(p[i].normal, p[j].normal, nij);
      if (dot3(nij, nij) < 1e-20) continue;
      for (PetscInt k = j + 1; k < np; k++) {
        double det = dot3(p[k].normal, nij);
        if (fabs(det) < 1e-10) continue;
        /* x = (d_i (n_j × n_k) + d_j (n_k × n_i) + d_k (n_i × n_j)) / det */
        double njk[3], nki[3], x[3];
        cross3(p[j].normal, p[k].normal, njk);
        cross3(p[k].normal, p[i].normal, nki);
        for (int d = 0; d < 3; d++)
          x[d] = (p[i].distance * njk[d] + p[j].distance * nki[d] + p[k].distance * nij[d]) / det;
        PetscBool inside = PETSC_TRUE;
        for (PetscInt m = 0; m < np && inside; m++)
          if (dot3(p[m].normal, x) > p[m].distance + 1e-7 * (1 + fabs(p[m].distance))) inside = PETSC_FALSE;
        if (!inside) continue;
        PetscBool seen = PETSC_FALSE;
        for (PetscInt m = 0; m < n && !seen; m++)
          seen = fabs(v[m][0] - x[0]) < 1e-7 && fabs(v[m][1] - x[1]) < 1e-7 && fabs(v[m][2] - x[2]) < 1e-7;
        if (seen) continue;
        if (n == capacity) {
          double(*grown)[3];
          PetscCall(PetscMalloc1(2 * capacity, &grown));
          PetscCall(PetscArraycpy(grown, v, n));
          PetscCall(PetscFree(v));
          v = grown;
          capacity *= 2;
        }
        for (int d = 0; d < 3; d++) v[n][d] = x[d];
        n++;
      }
    }
  for (int d = 0; d < 3; d++) open[d] = PETSC_FALSE;
  for (PetscInt m = 0; m < n; m++)
    for (int d = 0; d < 3; d++)
      if (fabs(v[m][d]) > 0.5 * BIG_BOX) open[d] = PETSC_TRUE;
  PetscCall(PetscFree(p));
  *nvertices = n;
  *vertices  = v;
  PetscFunctionReturn(0);
}

PetscErrorCode volume_polyhedron_vertices(const Volume *volume, PetscInt *nvertices, double (**vertices)[3])
{
  PetscBool open[3];
  PetscFunctionBeginUser;
  PetscCall(enumerate_vertices(volume, nvertices, vertices, open));
  if (*nvertices == 0 || open[0] || open[1] || open[2]) PetscCall(PetscFree(*vertices));
  PetscCheck(*nvertices > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "the %" PetscInt_FMT " bounding planes enclose nothing (empty shape)", volume->nplanes);
  PetscCheck(!open[0] && !open[1] && !open[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "the %" PetscInt_FMT " bounding planes leave the shape unbounded (open along %s%s%s)", volume->nplanes,
             open[0] ? "x" : "", open[1] ? "y" : "", open[2] ? "z" : "");
  PetscFunctionReturn(0);
}

PetscErrorCode volume_bounding_box(const Volume *volume, double lower[3], double upper[3])
{
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    lower[d] = -INFINITY;
    upper[d] = INFINITY;
  }
  if (volume->nplanes) {
    PetscInt n;
    double(*v)[3];
    PetscBool open[3];
    PetscCall(enumerate_vertices(volume, &n, &v, open));
    if (n == 0) PetscCall(PetscFree(v));
    PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the %" PetscInt_FMT " bounding planes enclose nothing (empty shape)", volume->nplanes);
    for (int d = 0; d < 3; d++) {
      if (open[d]) continue;
      lower[d] = INFINITY;
      upper[d] = -INFINITY;
      for (PetscInt m = 0; m < n; m++) {
        lower[d] = PetscMin(lower[d], v[m][d]);
        upper[d] = PetscMax(upper[d], v[m][d]);
      }
    }
    PetscCall(PetscFree(v));
  }
  for (PetscInt i = 0; i < volume->nspheres; i++)
    for (int d = 0; d < 3; d++) {
      lower[d] = PetscMax(lower[d], volume->sphere[i].centre[d] - volume->sphere[i].radius);
      upper[d] = PetscMin(upper[d], volume->sphere[i].centre[d] + volume->sphere[i].radius);
    }
  for (PetscInt i = 0; i < volume->ncylinders; i++) {
    const VolumeCylinder *c = &volume->cylinder[i];
    for (int d = 0; d < 3; d++) {
      double radial = c->radius * sqrt(PetscMax(0.0, 1 - c->axis[d] * c->axis[d]));
      if (c->half_length <= 0 && fabs(c->axis[d]) > 1e-12) continue;
      double reach = (c->half_length > 0 ? c->half_length * fabs(c->axis[d]) : 0) + radial;
      lower[d]     = PetscMax(lower[d], c->point[d] - reach);
      upper[d]     = PetscMin(upper[d], c->point[d] + reach);
    }
  }
  for (int d = 0; d < 3; d++) {
    PetscCheck(isfinite(lower[d]) && isfinite(upper[d]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the volume is unbounded along %c (add planes, a sphere, a box or a finite cylinder)", "xyz"[d]);
    PetscCheck(upper[d] >= lower[d], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the volume is empty (its pieces do not overlap along %c)", "xyz"[d]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode volume_polyhedron_measure(const Volume *volume, double *measure)
{
  PetscInt n;
  double(*v)[3], centre[3] = {0, 0, 0}, total = 0;
  PetscFunctionBeginUser;
  PetscCall(volume_polyhedron_vertices(volume, &n, &v));
  for (PetscInt m = 0; m < n; m++)
    for (int d = 0; d < 3; d++) centre[d] += v[m][d] / n;
  PetscInt *on;
  double   *angle;
  PetscCall(PetscMalloc2(n, &on, n, &angle));
  for (PetscInt i = 0; i < volume->nplanes; i++) {
    const VolumePlane *p    = &volume->plane[i];
    PetscInt           k    = 0;
    double             c[3] = {0, 0, 0};
    for (PetscInt m = 0; m < n; m++)
      if (fabs(dot3(p->normal, v[m]) - p->distance) < 1e-6 * (1 + fabs(p->distance))) on[k++] = m;
    if (k < 3) continue;
    /* Skip a plane repeated earlier (same face counted once). */
    PetscBool repeated = PETSC_FALSE;
    for (PetscInt j = 0; j < i && !repeated; j++)
      repeated =
        dot3(volume->plane[j].normal, p->normal) > 1 - 1e-12 && fabs(volume->plane[j].distance - p->distance) < 1e-9;
    if (repeated) continue;
    for (PetscInt q = 0; q < k; q++)
      for (int d = 0; d < 3; d++) c[d] += v[on[q]][d] / k;
    double e1[3], e2[3], r0[3] = {v[on[0]][0] - c[0], v[on[0]][1] - c[1], v[on[0]][2] - c[2]};
    double l = sqrt(dot3(r0, r0));
    for (int d = 0; d < 3; d++) e1[d] = r0[d] / l;
    cross3(p->normal, e1, e2);
    for (PetscInt q = 0; q < k; q++) {
      double r[3] = {v[on[q]][0] - c[0], v[on[q]][1] - c[1], v[on[q]][2] - c[2]};
      angle[q]    = atan2(dot3(r, e2), dot3(r, e1));
    }
    /* insertion sort of the face's vertices by angle */
    for (PetscInt a = 1; a < k; a++)
      for (PetscInt b = a; b > 0 && angle[b] < angle[b - 1]; b--) {
        double t     = angle[b];
        angle[b]     = angle[b - 1];
        angle[b - 1] = t;
        PetscInt u   = on[b];
        on[b]        = on[b - 1];
        on[b - 1]    = u;
      }
    double area = 0;
    for (PetscInt q = 0; q < k; q++) {
      const double *a = v[on[q]], *b = v[on[(q + 1) % k]];
      double ra[3] = {a[0] - c[0], a[1] - c[1], a[2] - c[2]}, rb[3] = {b[0] - c[0], b[1] - c[1], b[2] - c[2]}, x[3];
      cross3(ra, rb, x);
      area += 0.5 * dot3(x, p->normal);
    }
    total += area * (p->distance - dot3(p->normal, centre)) / 3;
  }
  PetscCall(PetscFree2(on, angle));
  PetscCall(PetscFree(v));
  *measure = total;
  PetscFunctionReturn(0);
}
