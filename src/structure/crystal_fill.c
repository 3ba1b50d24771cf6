/* crystal_fill.c — the atoms of a crystal inside a Volume (crystal_fill.h). */
#include <math.h>
#include "structure/crystal_fill.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* Lattice-index box covering the volume's bounding box, for a crystal whose origin is at `origin`. */
static PetscErrorCode index_box(const Crystal *crystal, const Volume *volume, const double origin[3], PetscInt lo[3],
                                PetscInt hi[3])
{
  double lower[3], upper[3];
  PetscFunctionBeginUser;
  PetscCall(volume_bounding_box(volume, lower, upper));
  double fmin[3] = {INFINITY, INFINITY, INFINITY}, fmax[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (int corner = 0; corner < 8; corner++) {
    double x[3];
    for (int i = 0; i < 3; i++) x[i] = ((corner >> i) & 1 ? upper[i] : lower[i]) - origin[i];
    for (int j = 0; j < 3; j++) {
      double f = dot3(x, crystal->reciprocal[j]);
      fmin[j]  = PetscMin(fmin[j], f);
      fmax[j]  = PetscMax(fmax[j], f);
    }
  }
  for (int j = 0; j < 3; j++) {
    PetscCheck(fmax[j] - fmin[j] < 1e7, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "crystal %s: the volume to fill spans %g cells; too large", crystal->name, fmax[j] - fmin[j]);
    lo[j] = (PetscInt)floor(fmin[j]) - 1; /* sites have fractional coordinates in [0, 1) */
    hi[j] = (PetscInt)ceil(fmax[j]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode fill(const Crystal *crystal, const Volume *volume, const double origin[3], int object_id,
                           AtomClass atom_class, AtomList *atoms, PetscInt *count)
{
  PetscInt lo[3], hi[3], n = 0;
  PetscFunctionBeginUser;
  PetscCall(index_box(crystal, volume, origin, lo, hi));
  double site_offset[64][3], (*offsets)[3] = site_offset;
  if (crystal->nsites > 64) PetscCall(PetscMalloc1(crystal->nsites, &offsets));
  for (PetscInt s = 0; s < crystal->nsites; s++) {
    crystal_cartesian(crystal, crystal->site[s].fractional, offsets[s]);
    for (int i = 0; i < 3; i++) offsets[s][i] += origin[i];
  }
  const double(*L)[3] = crystal->lattice;
  for (PetscInt k = lo[2]; k <= hi[2]; k++)
    for (PetscInt j = lo[1]; j <= hi[1]; j++)
      for (PetscInt i = lo[0]; i <= hi[0]; i++) {
        double cell[3];
        for (int d = 0; d < 3; d++) cell[d] = i * L[0][d] + j * L[1][d] + k * L[2][d];
        for (PetscInt s = 0; s < crystal->nsites; s++) {
          double x[3] = {cell[0] + offsets[s][0], cell[1] + offsets[s][1], cell[2] + offsets[s][2]};
          if (!volume_contains(volume, x)) continue;
          n++;
          if (atoms) {
            PetscCall(atom_list_append(atoms, x, crystal->site[s].atomic_number, object_id, atom_class));
            atoms->occupancy[atoms->n - 1] = (float)crystal->site[s].occupancy;
          }
        }
      }
  if (offsets != site_offset) PetscCall(PetscFree(offsets));
  if (count) *count = n;
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_fill(const Crystal *crystal, const Volume *volume, const double origin[3], int object_id,
                            AtomClass atom_class, AtomList *atoms)
{
  PetscFunctionBeginUser;
  PetscCall(fill(crystal, volume, origin, object_id, atom_class, atoms, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_fill_count(const Crystal *crystal, const Volume *volume, const double origin[3], PetscInt *count)
{
  PetscFunctionBeginUser;
  PetscCall(fill(crystal, volume, origin, 0, ATOM_CLASS_PARTICLE, NULL, count));
  PetscFunctionReturn(0);
}
