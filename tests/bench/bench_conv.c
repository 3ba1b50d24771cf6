/* bench_conv.c — every 3×3 convolution of the reference U-Net (256×256, batch 8, base 16,
 * depth 4) timed with im2col + sgemm and with Winograd F(2×2,3×3), forward and backward
 * (input and weight gradients), in the same run; prints each time and the ratio.
 *
 *   OPENBLAS_NUM_THREADS=1 build/bench/bench_conv [-size 256] [-batch 8] [-repeat 3]
 */
#include <petscsys.h>
#include <petsctime.h>
#include "nn/tensor.h"
#include "nn/conv2d.h"
#include "core/rng.h"

static double seconds(void)
{
  PetscLogDouble t;
  PetscTime(&t);
  return (double)t;
}

typedef struct {
  int cin, cout, size;
} Layer;

/* best of `repeat` runs of forward and of backward, in seconds */
static PetscErrorCode time_layer(const Layer *l, int batch, int algorithm, int repeat, float *x, float *w, float *y,
                                 float *dx, float *dw, double *forward, double *backward)
{
  Conv2dShape s;
  float      *ws;

  PetscFunctionBegin;
  PetscCall(conv2d_shape_init(&s, batch, l->cin, l->cout, l->size, l->size, 3, 1, 1));
  s.algorithm = algorithm;
  PetscCall(tensor_alloc(conv2d_workspace_count(&s), &ws));
  *forward = *backward = 1e30;
  for (int r = 0; r < repeat + 1; r++) { /* the first run warms caches and pages */
    double t0 = seconds();
    PetscCall(conv2d_forward(&s, x, w, NULL, y, ws));
    double t1 = seconds();
    PetscCall(conv2d_backward(&s, x, w, y, dx, 0, dw, NULL, ws));
    double t2 = seconds();
    if (r > 0) {
      *forward  = PetscMin(*forward, t1 - t0);
      *backward = PetscMin(*backward, t2 - t1);
    }
  }
  PetscCall(tensor_free(&ws));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt  size = 256, batch = 8, repeat = 3;
  RngStream rng;
  Layer     layers[32];
  int       nlayers = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-size", &size, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &batch, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  /* the reference U-Net's 3×3 convolutions: encoder, bottleneck, decoder (input = [up, skip]) */
  for (int l = 0; l <= 4; l++) {
    int ch = 16 << l, in = l == 0 ? 1 : 8 << l;
    layers[nlayers++] = (Layer){in, ch, (int)size >> l};
    layers[nlayers++] = (Layer){ch, ch, (int)size >> l};
  }
  for (int l = 3; l >= 0; l--) {
    int ch            = 16 << l;
    layers[nlayers++] = (Layer){2 * ch, ch, (int)size >> l};
    layers[nlayers++] = (Layer){ch, ch, (int)size >> l};
  }
  size_t most = 0, most_w = 0;
  for (int i = 0; i < nlayers; i++) {
    size_t a = (size_t)batch * (layers[i].cin > layers[i].cout ? layers[i].cin : layers[i].cout) * layers[i].size *
               layers[i].size;
    size_t b = (size_t)9 * layers[i].cin * layers[i].cout;
    most     = a > most ? a : most;
    most_w   = b > most_w ? b : most_w;
  }
  float *x, *w, *y, *dx, *dw;
  PetscCall(tensor_alloc(most, &x));
  PetscCall(tensor_alloc(most, &y));
  PetscCall(tensor_alloc(most, &dx));
  PetscCall(tensor_alloc(most_w, &w));
  PetscCall(tensor_alloc(most_w, &dw));
  rng_stream_init(&rng, 1, 0, RNG_PURPOSE_WEIGHT_INIT);
  for (size_t i = 0; i < most; i++) x[i] = (float)rng_normal(&rng);
  for (size_t i = 0; i < most_w; i++) w[i] = (float)(0.1 * rng_normal(&rng));

  double total[2][2] = {{0, 0}, {0, 0}};
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "3x3 convolutions, batch %d, best of %d (ms); ratio = im2col / winograd\n",
                        (int)batch, (int)repeat));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %9s %9s %9s %9s %7s %7s\n", "layer", "fwd i2c", "fwd wino", "bwd i2c",
                        "bwd wino", "fwd x", "bwd x"));
  for (int i = 0; i < nlayers; i++) {
    double f[2], b[2];
    PetscCall(time_layer(&layers[i], (int)batch, CONV2D_ALGORITHM_IM2COL, (int)repeat, x, w, y, dx, dw, &f[0], &b[0]));
    PetscCall(
      time_layer(&layers[i], (int)batch, CONV2D_ALGORITHM_WINOGRAD, (int)repeat, x, w, y, dx, dw, &f[1], &b[1]));
    for (int a = 0; a < 2; a++) {
      total[a][0] += f[a];
      total[a][1] += b[a];
    }
    char name[32];
    snprintf(name, sizeof name, "%d->%d %dx%d", layers[i].cin, layers[i].cout, layers[i].size, layers[i].size);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f\n", name, 1e3 * f[0], 1e3 * f[1],
                          1e3 * b[0], 1e3 * b[1], f[0] / f[1], b[0] / b[1]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-16s %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f\n", "all", 1e3 * total[0][0],
                        1e3 * total[1][0], 1e3 * total[0][1], 1e3 * total[1][1], total[0][0] / total[1][0],
                        total[0][1] / total[1][1]));
  PetscCall(tensor_free(&x));
  PetscCall(tensor_free(&y));
  PetscCall(tensor_free(&dx));
  PetscCall(tensor_free(&w));
  PetscCall(tensor_free(&dw));
  PetscCall(PetscFinalize());
  return 0;
}
