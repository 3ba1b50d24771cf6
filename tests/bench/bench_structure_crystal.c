/* bench_structure_crystal.c — one core: filling a 32.5 Å-radius Au sphere (8583 atoms), the
 * same sphere with 1 twin and 2 stacking faults, a Wulff particle of the same size, and a
 * 10-shell Mackay icosahedron. Prints the best of -repeats runs per case.
 *   build/bench/bench_structure_crystal [-repeats N]
 */
#include <math.h>
#include "structure/crystal_fill.h"
#include "structure/wulff.h"
#include "structure/planar_defects.h"
#include "structure/twinned_particles.h"

typedef enum { CASE_SPHERE, CASE_DEFECTS, CASE_WULFF, CASE_ICOSAHEDRON } Case;

static PetscErrorCode run_case(const Crystal *au, Case which, PetscInt *natoms)
{
  const double zero[3] = {0, 0, 0};
  Volume      *v       = NULL;
  AtomList    *atoms;
  PetscFunctionBeginUser;
  PetscCall(atom_list_create(9000, &atoms));
  if (which == CASE_SPHERE) {
    PetscCall(volume_create_sphere(zero, 32.5, &v));
    PetscCall(crystal_fill(au, v, zero, 0, ATOM_CLASS_PARTICLE, atoms));
  } else if (which == CASE_DEFECTS) {
    PlanarDefects *p;
    PetscCall(volume_create_sphere(zero, 32.5, &v));
    PetscCall(planar_defects_create(au, (int[3]){1, 1, 1}, zero, &p));
    PetscCall(planar_defects_add(p, PLANAR_DEFECT_TWIN, -4));
    PetscCall(planar_defects_add(p, PLANAR_DEFECT_STACKING_FAULT, 1));
    PetscCall(planar_defects_add(p, PLANAR_DEFECT_STACKING_FAULT, 6));
    PetscCall(planar_defects_fill(p, v, 0, ATOM_CLASS_PARTICLE, atoms));
    PetscCall(planar_defects_destroy(&p));
  } else if (which == CASE_WULFF) {
    SurfaceEnergy f[PARTICLE_SHAPE_MAX_FAMILIES];
    PetscInt      n;
    PetscCall(wulff_parse_energies("{111}:1.0,{100}:1.15,{110}:1.25", "bench", &n, f));
    PetscCall(particle_shape_wulff(au, n, f, NULL, 32.5, zero, &v));
    PetscCall(crystal_fill(au, v, zero, 0, ATOM_CLASS_PARTICLE, atoms));
  } else {
    PetscCall(twinned_icosahedron(au, 10, zero, 0, ATOM_CLASS_PARTICLE, atoms));
  }
  *natoms = atoms->n;
  PetscCall(volume_destroy(&v));
  PetscCall(atom_list_destroy(&atoms));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt    repeats = 20;
  Crystal    *au;
  const char *names[] = {"Au sphere R = 32.5 Å", "same + 1 twin + 2 stacking faults",
                         "Wulff {111}/{100}/{110}, R_eq = 32.5 Å", "Mackay icosahedron, 10 shells"};
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeats", &repeats, NULL));
  PetscCall(crystal_create_material("Au", &au));
  PetscCall(
    PetscPrintf(PETSC_COMM_SELF, "structure (crystal side), best of %" PetscInt_FMT " runs, one core\n", repeats));
  for (int c = 0; c < 4; c++) {
    double   best   = INFINITY;
    PetscInt natoms = 0;
    for (PetscInt r = 0; r < repeats; r++) {
      PetscLogDouble t0, t1;
      PetscCall(PetscTime(&t0));
      PetscCall(run_case(au, (Case)c, &natoms));
      PetscCall(PetscTime(&t1));
      best = PetscMin(best, t1 - t0);
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-42s %8" PetscInt_FMT " atoms  %8.3f ms  (%.1f Matoms/s)\n", names[c],
                          natoms, 1e3 * best, natoms / best / 1e6));
  }
  PetscCall(crystal_destroy(&au));
  PetscCall(PetscFinalize());
  return 0;
}
