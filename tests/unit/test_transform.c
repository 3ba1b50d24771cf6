/* test_transform.c — zone-axis rotations, Euler angles, mistilt, reflection, strain. */
#include "structure/transform.h"
#include "unit.h"

static void apply(const double R[3][3], const double v[3], double out[3])
{
  for (int i = 0; i < 3; i++) out[i] = R[i][0] * v[0] + R[i][1] * v[1] + R[i][2] * v[2];
}

static void check_rotation(const double R[3][3])
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double s = 0;
      for (int k = 0; k < 3; k++) s += R[k][i] * R[k][j];
      UNIT_CHECK_ABSOLUTE(s, i == j, 1e-12);
    }
  double det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
               R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
  UNIT_CHECK_ABSOLUTE(det, 1, 1e-12);
}

static void test_zone_axis(void)
{
  Crystal *au, *mg;
  double   R[3][3], d[3], z[3];
  UNIT_CALL(crystal_create_material("Au", &au));
  UNIT_CALL(crystal_create_material("Mg", &mg));
  const int axes[4][3] = {{1, 1, 0}, {1, 1, 1}, {0, 0, 1}, {1, -1, 2}};
  for (int c = 0; c < 2; c++)
    for (int a = 0; a < 4; a++) {
      const Crystal *x = c ? mg : au;
      UNIT_CALL(transform_zone_axis(x, axes[a], 0.3, R));
      check_rotation(R);
      crystal_direction(x, (double[3]){axes[a][0], axes[a][1], axes[a][2]}, d);
      apply((const double(*)[3])R, d, z);
      double l = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      UNIT_CHECK(fabs(z[0]) < 1e-12 * l && fabs(z[1]) < 1e-12 * l && fabs(z[2] - l) < 1e-12 * l,
                 "[%d%d%d] → (%g %g %g)", axes[a][0], axes[a][1], axes[a][2], z[0], z[1], z[2]);
    }
  /* hexagonal [100] is the a axis (not transposed): along z it must come from (a, 0, 0) */
  UNIT_CALL(transform_zone_axis(mg, (int[3]){1, 0, 0}, 0, R));
  apply((const double(*)[3])R, (double[3]){1, 0, 0}, z);
  UNIT_CHECK_ABSOLUTE(z[2], 1, 1e-12);
  /* in-plane angle 0: the a axis (⊥ [001]) lies along +x */
  UNIT_CALL(transform_zone_axis(au, (int[3]){0, 0, 1}, 0, R));
  apply((const double(*)[3])R, (double[3]){1, 0, 0}, z);
  UNIT_CHECK(fabs(z[0] - 1) < 1e-12, "a axis → (%g %g %g)", z[0], z[1], z[2]);
  UNIT_CALL_FAILS(transform_zone_axis(au, (int[3]){0, 0, 0}, 0, R));
  UNIT_CALL(crystal_destroy(&au));
  UNIT_CALL(crystal_destroy(&mg));
}

static void test_euler_and_random(void)
{
  double R[3][3], v[3];
  transform_euler(M_PI / 2, 0, 0, R);
  apply((const double(*)[3])R, (double[3]){1, 0, 0}, v);
  UNIT_CHECK(fabs(v[1] - 1) < 1e-12, "Rz(90°) x → (%g %g %g)", v[0], v[1], v[2]);
  transform_euler(0.3, 0.7, 1.1, R);
  check_rotation((const double(*)[3])R);
  /* Bunge: R·z = (sinφ1 sinΦ, −cosφ1 sinΦ, cosΦ) */
  apply((const double(*)[3])R, (double[3]){0, 0, 1}, v);
  UNIT_CHECK(fabs(v[0] - sin(0.3) * sin(0.7)) < 1e-12 && fabs(v[1] + cos(0.3) * sin(0.7)) < 1e-12 &&
               fabs(v[2] - cos(0.7)) < 1e-12,
             "R z = (%g %g %g)", v[0], v[1], v[2]);
  RngStream rng;
  rng_stream_init(&rng, 5, 0, RNG_PURPOSE_ORIENTATION);
  double mean_cos = 0;
  for (int i = 0; i < 2000; i++) {
    double M[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    transform_mistilt(&rng, 0.01, M);
    mean_cos += (1 - M[2][2]) / 2000; /* 1 − cos θ ≈ θ²/2, mean σ²/2 */
  }
  UNIT_CHECK_RELATIVE(mean_cos, 0.5e-4, 0.1);
}

static void test_affine(void)
{
  AtomList *atoms;
  UNIT_CALL(atom_list_create(0, &atoms));
  UNIT_CALL(atom_list_append(atoms, (double[3]){1, 2, 3}, 79, 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(atom_list_append(atoms, (double[3]){-1, 0, 5}, 79, 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(transform_reflect(atoms, (double[3]){0, 0, 2}, (double[3]){0, 0, 4}));
  UNIT_CHECK(fabs(atoms->position[0][2] - 5) < 1e-12 && fabs(atoms->position[1][2] - 3) < 1e-12, "reflection");
  UNIT_CALL(transform_translate(atoms, (double[3]){1, 1, 1}));
  UNIT_CHECK(fabs(atoms->position[0][0] - 2) < 1e-12, "translation");
  double strain[3][3] = {{0.01, 0, 0}, {0, 0, 0}, {0, 0, -0.02}}, c[3];
  UNIT_CALL(transform_centroid(atoms, c));
  UNIT_CALL(transform_strain(atoms, strain, c));
  UNIT_CHECK_ABSOLUTE(atoms->position[0][0] - atoms->position[1][0], 2 * 1.01, 1e-12);
  UNIT_CHECK_ABSOLUTE(atoms->position[0][2] - atoms->position[1][2], 2 * 0.98, 1e-12);
  double crush[3][3] = {{-0.95, 0, 0}, {0, 0, 0}, {0, 0, 0}}, R[3][3];
  UNIT_CALL_FAILS(transform_strain(atoms, crush, c));
  transform_axis_angle((double[3]){0, 0, 1}, M_PI, R);
  UNIT_CALL(transform_rotate(atoms, R, c));
  UNIT_CHECK_ABSOLUTE(atoms->position[0][0] - atoms->position[1][0], -2 * 1.01, 1e-12);
  UNIT_CALL(atom_list_destroy(&atoms));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_zone_axis);
  UNIT_RUN(test_euler_and_random);
  UNIT_RUN(test_affine);
  return UNIT_END();
}
