/* bench_nn.c — U-Net training and inference speed on the reference configuration
 * (256×256, batch 8, base 16, depth 4) and the fraction of the machine's sgemm rate the
 * convolutions reach. The conv rate counts direct-convolution FLOPs (9·Cin·Cout multiply-adds per
 * output pixel) over all step time: Winograd layers do 2.25× fewer, so this is an
 * effective rate. Threads: OPENBLAS_NUM_THREADS as given.
 *
 *   OPENBLAS_NUM_THREADS=2 build/bench/bench_nn [-size 256] [-batch 8] [-base 16] [-depth 4]
 *        [-steps 3] [-residual] [-upsample]
 */
#include <stdint.h>
#include <time.h>
#include <cblas.h>
#include <petscsys.h>
#include <petsctime.h>
#include "nn/unet.h"
#include "nn/loss.h"
#include "nn/optimizer.h"
#include "core/rng.h"

static double seconds(void)
{
  PetscLogDouble t;
  PetscTime(&t);
  return (double)t;
}

/* CPU time of the whole process (all threads): on a shared machine, wall time includes
 * waiting for other users; images per CPU-second at 1 thread is the load-independent figure. */
static double cpu_seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * t.tv_nsec;
}

static PetscErrorCode sgemm_rate(int n, double *gflops, double *gflops_per_cpu_second)
{
  float *a, *b, *c;
  double best = 1e30, best_cpu = 1e30;

  PetscFunctionBegin;
  PetscCall(tensor_alloc((size_t)n * n, &a));
  PetscCall(tensor_alloc((size_t)n * n, &b));
  PetscCall(tensor_alloc((size_t)n * n, &c));
  for (size_t i = 0; i < (size_t)n * n; i++) a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
  for (int rep = 0; rep < 4; rep++) {
    double t = seconds(), u = cpu_seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    t = seconds() - t;
    u = cpu_seconds() - u;
    if (rep > 0 && t < best) best = t; /* first run warms up threads and pages */
    if (rep > 0 && u < best_cpu) best_cpu = u;
  }
  *gflops                = 2.0 * n * n * (double)n / best * 1e-9;
  *gflops_per_cpu_second = 2.0 * n * n * (double)n / best_cpu * 1e-9;
  PetscCall(tensor_free(&a));
  PetscCall(tensor_free(&b));
  PetscCall(tensor_free(&c));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt        size = 256, batch = 8, base = 16, depth = 4, steps = 3;
  PetscBool       residual = PETSC_FALSE, upsample = PETSC_FALSE;
  UNetConfig      config;
  OptimizerConfig oc;
  UNet           *net;
  Optimizer      *opt;
  float          *images, *prob, *grad;
  uint8_t        *masks;
  RngStream       rng;
  double          cpu_train = 0, cpu_inference = 0, cpu0 = 0, gemm_cpu = 0;
  double          gemm = 0, loss, t_forward = 0, t_backward = 0, t_loss = 0, t_optimizer = 0, t_inference = 0;
  const char     *threads = getenv("OPENBLAS_NUM_THREADS");

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-size", &size, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-batch", &batch, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-base", &base, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-depth", &depth, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-residual", &residual, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-upsample", &upsample, NULL));

  PetscCall(sgemm_rate(2048, &gemm, &gemm_cpu));
  unet_config_default(&config);
  config.depth        = (int)depth;
  config.base_filters = (int)base;
  config.block        = residual ? UNET_BLOCK_RESIDUAL : UNET_BLOCK_PLAIN;
  config.decoder      = upsample ? UNET_DECODER_UPSAMPLE : UNET_DECODER_TRANSPOSED;
  PetscCall(unet_create(&config, (int)size, (int)size, (int)batch, 1, &net));
  optimizer_config_default(OPTIMIZER_ADAM, &oc);
  PetscCall(optimizer_create(&oc, unet_parameter_count(net), &opt));
  size_t pixels = (size_t)batch * size * size;
  PetscCall(tensor_alloc(pixels, &images));
  PetscCall(tensor_alloc(2 * pixels, &prob));
  PetscCall(tensor_alloc(2 * pixels, &grad));
  PetscCall(PetscMalloc1(pixels, &masks));
  rng_stream_init(&rng, 1, 0, RNG_PURPOSE_TEST);
  for (size_t i = 0; i < pixels; i++) {
    images[i] = (float)rng_normal(&rng);
    masks[i]  = (uint8_t)(images[i] > 0.5f);
  }

  for (PetscInt s = -1; s < steps; s++) { /* step -1 warms up (first-touch of every workspace) */
    if (s == 0) cpu0 = cpu_seconds();
    double t0 = seconds();
    PetscCall(unet_zero_gradients(net));
    PetscCall(unet_forward(net, images, (int)batch, PETSC_TRUE, prob));
    double t1 = seconds();
    PetscCall(
      loss_compute(LOSS_CROSS_ENTROPY_DICE, config.head, prob, masks, (int)batch, (int)size, (int)size, &loss, grad));
    double t2 = seconds();
    PetscCall(unet_backward(net, grad));
    double t3 = seconds();
    PetscCall(optimizer_step(opt, unet_parameters(net), unet_gradients(net), 1e-3));
    double t4 = seconds();
    if (s >= 0) t_forward += t1 - t0, t_loss += t2 - t1, t_backward += t3 - t2, t_optimizer += t4 - t3;
  }
  cpu_train = cpu_seconds() - cpu0;
  for (PetscInt s = -1; s < steps; s++) {
    if (s == 0) cpu0 = cpu_seconds();
    double t0 = seconds();
    PetscCall(unet_forward(net, images, (int)batch, PETSC_FALSE, prob));
    if (s >= 0) t_inference += seconds() - t0;
  }
  cpu_inference    = cpu_seconds() - cpu0;
  double step_time = (t_forward + t_loss + t_backward + t_optimizer) / steps;
  double inference = t_inference / steps;
  double flops     = unet_convolution_flops(net, (int)batch); /* forward; backward = 2× */
  char   text[256];
  unet_config_describe(&config, text, sizeof(text));
  printf("bench_nn: OPENBLAS_NUM_THREADS=%s, %s, %zu parameters, %dx%d batch %d, %d timed steps\n",
         threads ? threads : "(unset)", text, unet_parameter_count(net), (int)size, (int)size, (int)batch, (int)steps);
  printf("  sgemm 2048^3                : %8.1f GFLOP/s\n", gemm);
  printf("  training step               : %8.3f s  (forward %.3f, loss %.3f, backward %.3f, optimizer %.3f)\n",
         step_time, t_forward / steps, t_loss / steps, t_backward / steps, t_optimizer / steps);
  printf("  training                    : %8.2f images/s\n", batch / step_time);
  printf("  inference                   : %8.2f images/s  (%.3f s per batch)\n", batch / inference, inference);
  printf("  convolution GFLOP per image : %8.3f forward, %.3f training step\n", flops / batch * 1e-9,
         3 * flops / batch * 1e-9);
  printf("  conv rate, training         : %8.1f GFLOP/s = %.0f%% of sgemm (direct-conv FLOPs / all step time)\n",
         3 * flops / step_time * 1e-9, 100 * 3 * flops / step_time * 1e-9 / gemm);
  printf("  conv rate, inference        : %8.1f GFLOP/s = %.0f%% of sgemm\n", flops / inference * 1e-9,
         100 * flops / inference * 1e-9 / gemm);
  printf("  CPU time (all threads)      : training %.2f images per CPU-second, inference %.2f\n",
         batch * steps / cpu_train, batch * steps / cpu_inference);
  printf(
    "  per CPU-second (load-proof) : sgemm %.1f GFLOP, conv training %.1f GFLOP = %.0f%%, inference %.1f GFLOP = %.0f%%\n",
    gemm_cpu, 3 * flops * steps / cpu_train * 1e-9, 100 * 3 * flops * steps / cpu_train * 1e-9 / gemm_cpu,
    flops * steps / cpu_inference * 1e-9, 100 * flops * steps / cpu_inference * 1e-9 / gemm_cpu);
  printf("  final loss %.4f\n", loss);
  PetscCall(unet_destroy(&net));
  PetscCall(optimizer_destroy(&opt));
  PetscCall(tensor_free(&images));
  PetscCall(tensor_free(&prob));
  PetscCall(tensor_free(&grad));
  PetscCall(PetscFree(masks));
  PetscCall(PetscFinalize());
  return 0;
}
