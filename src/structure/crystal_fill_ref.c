/* crystal_fill_ref.c — the reference for crystal_fill: no bounding box, no index-box arithmetic;
 * every site of a fixed cube of cells is tested (crystal_fill.h). */
#include "structure/crystal_fill.h"
#include "structure/volume.h"

PetscErrorCode crystal_fill_ref(const Crystal *crystal, const Volume *volume, const double origin[3],
                                PetscInt half_range, int object_id, AtomClass atom_class, AtomList *atoms)
{
  PetscFunctionBeginUser;
  for (PetscInt k = -half_range; k <= half_range; k++)
    for (PetscInt j = -half_range; j <= half_range; j++)
      for (PetscInt i = -half_range; i <= half_range; i++)
        for (PetscInt s = 0; s < crystal->nsites; s++) {
          double f[3] = {i + crystal->site[s].fractional[0], j + crystal->site[s].fractional[1],
                         k + crystal->site[s].fractional[2]},
                 x[3];
          crystal_cartesian(crystal, f, x);
          for (int d = 0; d < 3; d++) x[d] += origin[d];
          if (!volume_contains(volume, x)) continue;
          PetscCall(atom_list_append(atoms, x, crystal->site[s].atomic_number, object_id, atom_class));
          atoms->occupancy[atoms->n - 1] = (float)crystal->site[s].occupancy;
        }
  PetscFunctionReturn(0);
}
