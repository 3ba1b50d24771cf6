/* resample_ref.c — the slow, obvious resampler (resample.h): every output pixel is the sum over
 * every input pixel of the product of its two axis weights, each computed from the definition.
 * O(output pixels × input pixels): for tests only. */
#include <math.h>
#include "train/resample.h"

/* The weight of input pixel k in output pixel i along an axis of n_in → n_out pixels. */
static double axis_weight(PetscInt k, PetscInt i, PetscInt n_in, PetscInt n_out)
{
  double s = (double)n_in / (double)n_out;
  if (s > 1) { /* the share of output interval [i s, (i + 1) s) that pixel [k, k + 1) covers */
    double overlap = fmin((double)k + 1, (i + 1) * s) - fmax((double)k, i * s);
    return overlap > 0 ? overlap / s : 0;
  }
  double centre = fmin(fmax((i + 0.5) * s - 0.5, 0), (double)(n_in - 1));
  return fmax(0, 1 - fabs((double)k - centre));
}

PetscErrorCode resample_image_ref(const float *in, PetscInt ny, PetscInt nx, PetscInt out_ny, PetscInt out_nx,
                                  float *out)
{
  PetscFunctionBeginUser;
  PetscCheck(ny >= 1 && nx >= 1 && out_ny >= 1 && out_nx >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "resample %dx%d to %dx%d: allowed sizes >= 1", (int)nx, (int)ny, (int)out_nx, (int)out_ny);
  for (PetscInt i = 0; i < out_ny; i++)
    for (PetscInt j = 0; j < out_nx; j++) {
      double sum = 0;
      for (PetscInt k = 0; k < ny; k++) {
        double wy = axis_weight(k, i, ny, out_ny);
        for (PetscInt l = 0; l < nx && wy > 0; l++) sum += wy * axis_weight(l, j, nx, out_nx) * in[k * nx + l];
      }
      out[i * out_nx + j] = (float)sum;
    }
  PetscFunctionReturn(0);
}
