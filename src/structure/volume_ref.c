/* volume_ref.c — the slow, obviously correct convex hull (volume_add_convex_hull_reference in
 * volume.h), kept to check the fast one (convex_hull.c) in tests/unit/test_volume_hull.c.
 *
 * Every triple of points spans a candidate plane; it is a facet plane when no point lies on
 * its far side (within a tolerance); planes found again from another triple of the same
 * facet are dropped. O(n^3) triples, each checked against up to n points: O(n^4) at worst
 * (the check stops at the first point on each side, so random clouds cost less). */
#include <math.h>
#include "structure/volume.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static void   cross3(const double a[3], const double b[3], double c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

PetscErrorCode volume_add_convex_hull_reference(Volume *volume, PetscInt npoints, const double (*points)[3])
{
  PetscFunctionBeginUser;
  PetscCheck(npoints >= 4, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points; needs at least 4", npoints);
  double scale = 0;
  for (PetscInt i = 0; i < npoints; i++) scale = PetscMax(scale, sqrt(dot3(points[i], points[i])));
  const double tol = 1e-9 * (scale + 1);
  Volume      *hull;
  PetscCall(volume_create(&hull));
  for (PetscInt i = 0; i < npoints; i++)
    for (PetscInt j = i + 1; j < npoints; j++)
      for (PetscInt k = j + 1; k < npoints; k++) {
        double u[3], v[3], n[3];
        for (int d = 0; d < 3; d++) {
          u[d] = points[j][d] - points[i][d];
          v[d] = points[k][d] - points[i][d];
        }
        cross3(u, v, n);
        double length = sqrt(dot3(n, n));
        if (length < 1e-12 * (scale * scale + 1)) continue;
        for (int d = 0; d < 3; d++) n[d] /= length;
        double   h     = dot3(n, points[i]);
        PetscInt above = 0, below = 0;
        for (PetscInt m = 0; m < npoints && !(above && below); m++) {
          double s = dot3(n, points[m]) - h;
          if (s > tol)
            above++;
          else if (s < -tol)
            below++;
        }
        if (above && below) continue;
        if (above) {
          for (int d = 0; d < 3; d++) n[d] = -n[d];
          h = -h;
        }
        PetscBool duplicate = PETSC_FALSE;
        for (PetscInt p = 0; p < hull->nplanes && !duplicate; p++)
          duplicate = dot3(hull->plane[p].normal, n) > 1 - 1e-9 && fabs(hull->plane[p].distance - h) < tol * 10;
        if (!duplicate) PetscCall(volume_add_plane_at_distance(hull, n, h));
      }
  PetscCheck(hull->nplanes >= 4, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "convex hull of %" PetscInt_FMT " points: the points are coplanar", npoints);
  PetscCall(volume_intersect(volume, hull));
  PetscCall(volume_destroy(&hull));
  PetscFunctionReturn(0);
}
