/* resample.c — the resampler of resample.h as two separable passes (along x, then along y),
 * each with the weights of every output pixel computed once per axis. resample_ref.c computes
 * the same from the definition; test_resample.c compares them. */
#include <math.h>
#include "train/resample.h"

/* The weights of one axis: output pixel i takes taps[i] input pixels from first[i] on, with
 * weights weight[i * width .. i * width + taps[i] - 1]. */
typedef struct {
  PetscInt  n_out, width;
  PetscInt *first, *taps;
  double   *weight;
} AxisWeights;

/* Area average (s > 1) or linear interpolation (s <= 1), as resample.h defines them. */
static PetscErrorCode axis_weights_create(PetscInt n_in, PetscInt n_out, AxisWeights *a)
{
  double s = (double)n_in / (double)n_out;
  PetscFunctionBeginUser;
  a->n_out = n_out;
  a->width = s > 1 ? (PetscInt)ceil(s) + 1 : 2;
  PetscCall(PetscMalloc3(n_out, &a->first, n_out, &a->taps, (size_t)n_out * a->width, &a->weight));
  for (PetscInt i = 0; i < n_out; i++) {
    double *w = a->weight + i * a->width;
    if (s > 1) {
      double   start = i * s, end = PetscMin((i + 1) * s, (double)n_in);
      PetscInt k0 = (PetscInt)floor(start), k1 = PetscMin((PetscInt)ceil(end), n_in); /* pixels k0 .. k1-1 */
      a->first[i] = k0;
      a->taps[i]  = PetscMin(k1 - k0, a->width);
      for (PetscInt t = 0; t < a->taps[i]; t++) w[t] = (fmin(k0 + t + 1.0, end) - fmax((double)(k0 + t), start)) / s;
    } else {
      double   centre = fmin(fmax((i + 0.5) * s - 0.5, 0), (double)(n_in - 1));
      PetscInt k0     = PetscMin((PetscInt)floor(centre), n_in - 1);
      double   f      = centre - k0;
      a->first[i]     = k0;
      a->taps[i]      = k0 + 1 < n_in ? 2 : 1;
      w[0]            = 1 - f;
      w[1]            = f;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode axis_weights_destroy(AxisWeights *a)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(a->first, a->taps, a->weight));
  PetscFunctionReturn(0);
}

PetscErrorCode resample_image(const float *in, PetscInt ny, PetscInt nx, PetscInt out_ny, PetscInt out_nx, float *out)
{
  AxisWeights ax, ay;
  double     *rows, *sum; /* rows [ny][out_nx]: resampled along x; sum [out_nx]: one output row */
  PetscFunctionBeginUser;
  PetscCheck(ny >= 1 && nx >= 1 && out_ny >= 1 && out_nx >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "resample %dx%d to %dx%d: allowed sizes >= 1", (int)nx, (int)ny, (int)out_nx, (int)out_ny);
  PetscCall(axis_weights_create(nx, out_nx, &ax));
  PetscCall(axis_weights_create(ny, out_ny, &ay));
  PetscCall(PetscMalloc2((size_t)ny * out_nx, &rows, out_nx, &sum));
  for (PetscInt k = 0; k < ny; k++)
    for (PetscInt j = 0; j < out_nx; j++) {
      const float  *row = in + k * nx + ax.first[j];
      const double *w   = ax.weight + j * ax.width;
      double        v   = 0;
      for (PetscInt t = 0; t < ax.taps[j]; t++) v += w[t] * row[t];
      rows[k * out_nx + j] = v;
    }
  for (PetscInt i = 0; i < out_ny; i++) {
    const double *w = ay.weight + i * ay.width;
    for (PetscInt j = 0; j < out_nx; j++) sum[j] = 0;
    for (PetscInt t = 0; t < ay.taps[i]; t++) {
      const double *row = rows + (ay.first[i] + t) * out_nx;
      for (PetscInt j = 0; j < out_nx; j++) sum[j] += w[t] * row[j];
    }
    for (PetscInt j = 0; j < out_nx; j++) out[i * out_nx + j] = (float)sum[j];
  }
  PetscCall(PetscFree2(rows, sum));
  PetscCall(axis_weights_destroy(&ax));
  PetscCall(axis_weights_destroy(&ay));
  PetscFunctionReturn(0);
}

PetscInt resample_length(PetscInt n, double pixel_size, double target_size)
{
  double length = (double)n * pixel_size / target_size;
  return length < 1.5 ? 1 : (PetscInt)floor(length + 0.5);
}
