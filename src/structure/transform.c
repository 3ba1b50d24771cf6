/* transform.c — rotations (zone axis, Euler, random, mistilt) and affine maps of atom lists (transform.h). */
#include <math.h>
#include "structure/transform.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static void   cross3(const double a[3], const double b[3], double c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

void transform_multiply(const double a[3][3], const double b[3][3], double c[3][3])
{
  double t[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) c[i][j] = t[i][j];
}

void transform_axis_angle(const double axis[3], double angle, double R[3][3])
{
  double l = sqrt(dot3(axis, axis)), x = axis[0] / l, y = axis[1] / l, z = axis[2] / l;
  double c = cos(angle), s = sin(angle), t = 1 - c;
  R[0][0] = t * x * x + c;
  R[0][1] = t * x * y - s * z;
  R[0][2] = t * x * z + s * y;
  R[1][0] = t * x * y + s * z;
  R[1][1] = t * y * y + c;
  R[1][2] = t * y * z - s * x;
  R[2][0] = t * x * z - s * y;
  R[2][1] = t * y * z + s * x;
  R[2][2] = t * z * z + c;
}

PetscErrorCode transform_zone_axis(const Crystal *crystal, const int uvw[3], double in_plane_angle, double R[3][3])
{
  PetscFunctionBeginUser;
  PetscCheck(uvw[0] || uvw[1] || uvw[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "zone axis [000] names no direction");
  double d[3], z[3], x[3], y[3];
  crystal_direction(crystal, (double[3]){uvw[0], uvw[1], uvw[2]}, d);
  double l = sqrt(dot3(d, d));
  for (int i = 0; i < 3; i++) z[i] = d[i] / l;
  /* reference in-plane direction: the a axis, or b when a ∥ [uvw] */
  for (int axis = 0; axis < 3; axis++) {
    const double *a = crystal->lattice[axis];
    double        p = dot3(a, z);
    for (int i = 0; i < 3; i++) x[i] = a[i] - p * z[i];
    double lx = sqrt(dot3(x, x));
    if (lx > 1e-6 * sqrt(dot3(a, a))) {
      for (int i = 0; i < 3; i++) x[i] /= lx;
      break;
    }
  }
  cross3(z, x, y);
  /* Rows x, y, z map the crystal frame onto the lab frame (x→+x, z→+z). */
  double B[3][3] = {{x[0], x[1], x[2]}, {y[0], y[1], y[2]}, {z[0], z[1], z[2]}}, T[3][3];
  transform_axis_angle((double[3]){0, 0, 1}, in_plane_angle, T);
  transform_multiply(T, B, R);
  PetscFunctionReturn(0);
}

void transform_euler(double phi1, double Phi, double phi2, double R[3][3])
{
  double A[3][3], B[3][3], C[3][3];
  transform_axis_angle((double[3]){0, 0, 1}, phi1, A);
  transform_axis_angle((double[3]){1, 0, 0}, Phi, B);
  transform_axis_angle((double[3]){0, 0, 1}, phi2, C);
  transform_multiply(A, B, R);
  transform_multiply(R, C, R);
}

void transform_random(RngStream *rng, double R[3][3]) { rng_rotation(rng, R); }

void transform_mistilt(RngStream *rng, double rms_angle, double R[3][3])
{
  double phi = 2 * M_PI * rng_uniform(rng), angle = rms_angle * rng_normal(rng), T[3][3];
  transform_axis_angle((double[3]){cos(phi), sin(phi), 0}, angle, T);
  transform_multiply(T, R, R);
}

static PetscErrorCode apply_affine(AtomList *atoms, const double M[3][3], const double centre[3], const double shift[3],
                                   PetscBool cell)
{
  PetscFunctionBeginUser;
  double c[3] = {0, 0, 0};
  if (centre)
    for (int i = 0; i < 3; i++) c[i] = centre[i];
  for (PetscInt a = 0; a < atoms->n; a++) {
    double *p = atoms->position[a], r[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
    for (int i = 0; i < 3; i++) p[i] = M[i][0] * r[0] + M[i][1] * r[1] + M[i][2] * r[2] + c[i] + shift[i];
  }
  if (cell)
    for (int v = 0; v < 3; v++) {
      double r[3] = {atoms->cell[v][0], atoms->cell[v][1], atoms->cell[v][2]};
      for (int i = 0; i < 3; i++) atoms->cell[v][i] = M[i][0] * r[0] + M[i][1] * r[1] + M[i][2] * r[2];
    }
  PetscFunctionReturn(0);
}

PetscErrorCode transform_rotate(AtomList *atoms, const double R[3][3], const double centre[3])
{
  PetscFunctionBeginUser;
  double det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
               R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
  PetscCheck(fabs(det - 1) < 1e-6, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "transform_rotate: matrix determinant %g; a rotation has 1", det);
  PetscCall(apply_affine(atoms, R, centre, (double[3]){0, 0, 0}, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode transform_translate(AtomList *atoms, const double shift[3])
{
  const double identity[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  PetscFunctionBeginUser;
  PetscCall(apply_affine(atoms, identity, NULL, shift, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode transform_reflect(AtomList *atoms, const double normal[3], const double point[3])
{
  PetscFunctionBeginUser;
  double l = sqrt(dot3(normal, normal));
  PetscCheck(l > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "reflection plane normal (%g, %g, %g) must be non-zero",
             normal[0], normal[1], normal[2]);
  double n[3] = {normal[0] / l, normal[1] / l, normal[2] / l}, M[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) M[i][j] = (i == j) - 2 * n[i] * n[j];
  PetscCall(apply_affine(atoms, M, point, (double[3]){0, 0, 0}, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode transform_strain(AtomList *atoms, const double strain[3][3], const double centre[3])
{
  PetscFunctionBeginUser;
  double M[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) M[i][j] = (i == j) + strain[i][j];
  double det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
               M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  PetscCheck(det > 0.1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "strain: det(I + strain) = %g; a strain this large inverts or crushes the structure (allowed det > 0.1)",
             det);
  PetscCall(apply_affine(atoms, M, centre, (double[3]){0, 0, 0}, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode transform_centroid(const AtomList *atoms, double centroid[3])
{
  PetscFunctionBeginUser;
  PetscCheck(atoms->n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "centroid of an empty atom list");
  for (int i = 0; i < 3; i++) centroid[i] = 0;
  for (PetscInt a = 0; a < atoms->n; a++)
    for (int i = 0; i < 3; i++) centroid[i] += atoms->position[a][i];
  for (int i = 0; i < 3; i++) centroid[i] /= atoms->n;
  PetscFunctionReturn(0);
}
