/* amorphous_support_ref.c — the slow, obviously-correct check of an amorphous slab:
 * every pair, minimum image in x and y. Used by the unit test to verify the cell-list
 * RSA in amorphous_support.c. */
#include <math.h>
#include "structure/amorphous_support.h"

static int species_index(const AmorphousSupportSpec *spec, int atomic_number)
{
  for (int s = 0; s < spec->n_species; s++)
    if (spec->atomic_number[s] == atomic_number) return s;
  return -1;
}

PetscErrorCode amorphous_support_check_ref(const AmorphousSupportSpec *spec, const AtomList *atoms, PetscInt first,
                                           PetscInt count, double *smallest_ratio, PetscInt *violations)
{
  PetscFunctionBeginUser;
  *smallest_ratio = INFINITY;
  *violations     = 0;
  for (PetscInt i = first; i < first + count; i++) {
    int si = species_index(spec, atoms->atomic_number[i]);
    PetscCheck(si >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "atom %" PetscInt_FMT " has Z = %d, not a species of the support", i, atoms->atomic_number[i]);
    for (PetscInt j = i + 1; j < first + count; j++) {
      int    sj = species_index(spec, atoms->atomic_number[j]);
      double r[3];
      PetscCheck(sj >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "atom %" PetscInt_FMT " has Z = %d, not a species of the support", j, atoms->atomic_number[j]);
      for (int d = 0; d < 3; d++) r[d] = atoms->position[j][d] - atoms->position[i][d];
      for (int d = 0; d < 2; d++) r[d] -= spec->size[d] * round(r[d] / spec->size[d]);
      double ratio = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) / spec->min_distance[si][sj];
      if (ratio < *smallest_ratio) *smallest_ratio = ratio;
      if (ratio < 1 - 1e-12) (*violations)++;
    }
  }
  PetscFunctionReturn(0);
}
