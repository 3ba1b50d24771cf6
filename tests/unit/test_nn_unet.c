/* test_nn_unet.c — the whole U-Net: gradients of every architecture variant against finite
 * differences, the gradient-ready hook, seeding, resizing, and overfitting 4 small images. */
#include <pthread.h>
#include <stdint.h>
#include "nn/tensor.h"
#include "unit.h"
#include "nn/unet.h"
#include "nn/loss.h"
#include "nn/optimizer.h"
#include "core/rng.h"

/* 4 images of bright disks on a noisy background, and their masks. */
static void make_disks(int n, int h, int w, float *images, uint8_t *masks, uint64_t seed)
{
  RngStream rng;
  rng_stream_init(&rng, seed, 1, RNG_PURPOSE_TEST);
  for (int b = 0; b < n; b++) {
    double cy = h * (0.3 + 0.4 * rng_uniform(&rng)), cx = w * (0.3 + 0.4 * rng_uniform(&rng));
    double radius = h * (0.12 + 0.12 * rng_uniform(&rng));
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int inside                            = (y - cy) * (y - cy) + (x - cx) * (x - cx) < radius * radius;
        masks[(size_t)b * h * w + y * w + x]  = (uint8_t)inside;
        images[(size_t)b * h * w + y * w + x] = (float)(inside ? 1.0 : 0.0) + (float)(0.3 * rng_normal(&rng));
      }
  }
}

static double network_loss(UNet *net, const float *images, const uint8_t *masks, int n, int h, int w, float *prob,
                           LossKind kind)
{
  double loss = NAN;
  if (unet_forward(net, images, n, PETSC_TRUE, prob)) return NAN;
  if (loss_compute(kind, unet_config(net)->head, prob, masks, n, h, w, &loss, NULL)) return NAN;
  return loss;
}

/* Finite differences (h = 3e-4, float forward) on 40 parameters spread over the buffer: error
 * relative to max(|g|, 5% of the largest |g|), as float rounding limits tiny gradients. */
static void gradient_check(const UNetConfig *config, const char *label)
{
  const int n = 2, h = 16, w = 16, C = unet_config_output_channels(config);
  UNet     *net;
  float    *images, *prob, *grad_logits, *analytic;
  uint8_t  *masks;
  double    loss;
  UNIT_CALL(unet_create(config, h, w, n, 7, &net));
  size_t count = unet_parameter_count(net);
  UNIT_CALL(tensor_alloc((size_t)n * h * w, &images));
  UNIT_CALL(tensor_alloc((size_t)n * C * h * w, &prob));
  UNIT_CALL(tensor_alloc((size_t)n * C * h * w, &grad_logits));
  UNIT_CALL(tensor_alloc(count, &analytic));
  masks = (uint8_t *)malloc((size_t)n * h * w);
  make_disks(n, h, w, images, masks, 3);
  UNIT_CALL(unet_zero_gradients(net));
  UNIT_CALL(unet_forward(net, images, n, PETSC_TRUE, prob));
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, config->head, prob, masks, n, h, w, &loss, grad_logits));
  UNIT_CALL(unet_backward(net, grad_logits));
  memcpy(analytic, unet_gradients(net), sizeof(float) * count);
  double scale = 0;
  for (size_t i = 0; i < count; i++) scale = fmax(scale, fabs(analytic[i]));
  float *p   = unet_parameters(net);
  int    bad = 0, checked = 0;
  double worst = 0;
  for (size_t i = 0; i < count; i += count / 40 + 1) {
    float  saved   = p[i];
    double hstep   = 3e-4;
    p[i]           = saved + (float)hstep;
    double plus    = network_loss(net, images, masks, n, h, w, prob, LOSS_CROSS_ENTROPY_DICE);
    p[i]           = saved - (float)hstep;
    double minus   = network_loss(net, images, masks, n, h, w, prob, LOSS_CROSS_ENTROPY_DICE);
    p[i]           = saved;
    double numeric = (plus - minus) / ((double)(saved + (float)hstep) - (double)(saved - (float)hstep));
    double error   = fabs(numeric - analytic[i]) / fmax(fabs(analytic[i]), 5e-2 * scale);
    worst          = fmax(worst, error);
    if (error > 2e-2) {
      bad++;
      printf("    param %zu: analytic %.6g numeric %.6g (scale %.3g)\n", i, analytic[i], numeric, scale);
    }
    checked++;
  }
  /* a ReLU or max-pool kink inside ±h can spoil one difference quotient; allow one of 40 */
  UNIT_CHECK(bad <= 1, "%s: %d of %d parameters off by more than 2%% (worst %g)", label, bad, checked, worst);
  printf("  %s: %zu parameters, %d checked, worst relative error %.2e\n", label, count, checked, worst);
  unet_destroy(&net);
  tensor_free(&images);
  tensor_free(&prob);
  tensor_free(&grad_logits);
  tensor_free(&analytic);
  free(masks);
}

static void test_gradients_plain_transposed(void)
{
  UNetConfig c;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  gradient_check(&c, "plain/transposed/softmax2");
}

static void test_gradients_residual_upsample_sigmoid(void)
{
  UNetConfig c;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  c.block        = UNET_BLOCK_RESIDUAL;
  c.decoder      = UNET_DECODER_UPSAMPLE;
  c.head         = UNET_HEAD_SIGMOID;
  gradient_check(&c, "residual/upsample/sigmoid");
}

static void test_gradients_without_batchnorm(void)
{
  UNetConfig c;
  unet_config_default(&c);
  c.depth        = 1;
  c.base_filters = 4;
  c.batchnorm    = PETSC_FALSE;
  c.block        = UNET_BLOCK_RESIDUAL;
  gradient_check(&c, "residual/no batch norm");
}

/* the hook reports monotone prefixes that are final when reported */
typedef struct {
  UNet  *net;
  float *snapshot;
  size_t last, calls;
} HookRecord;

static PetscErrorCode record_hook(void *context, size_t ready)
{
  HookRecord *r = (HookRecord *)context;
  PetscCheck(ready > r->last, PETSC_COMM_SELF, PETSC_ERR_PLIB, "hook not monotone: %zu after %zu", ready, r->last);
  memcpy(r->snapshot + r->last, unet_gradients(r->net) + r->last, sizeof(float) * (ready - r->last));
  r->last = ready;
  r->calls++;
  return 0;
}

static void test_gradient_hook_prefixes_are_final(void)
{
  UNetConfig c;
  HookRecord r = {0};
  const int  n = 2, h = 16, w = 16;
  float     *images, *prob, *grad;
  uint8_t   *masks;
  double     loss;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  c.block        = UNET_BLOCK_RESIDUAL;
  UNIT_CALL(unet_create(&c, h, w, n, 5, &r.net));
  UNIT_CALL(tensor_alloc(unet_parameter_count(r.net), &r.snapshot));
  UNIT_CALL(tensor_alloc((size_t)n * h * w, &images));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &prob));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &grad));
  masks = (uint8_t *)malloc((size_t)n * h * w);
  make_disks(n, h, w, images, masks, 4);
  unet_set_gradient_hook(r.net, record_hook, &r);
  UNIT_CALL(unet_zero_gradients(r.net));
  UNIT_CALL(unet_forward(r.net, images, n, PETSC_TRUE, prob));
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, c.head, prob, masks, n, h, w, &loss, grad));
  UNIT_CALL(unet_backward(r.net, grad));
  UNIT_CHECK(r.last == unet_parameter_count(r.net), "last ready %zu of %zu", r.last, unet_parameter_count(r.net));
  UNIT_CHECK(r.calls > 10, "only %zu hook calls", r.calls);
  UNIT_CHECK(!memcmp(r.snapshot, unet_gradients(r.net), sizeof(float) * unet_parameter_count(r.net)),
             "a gradient changed after the hook declared it final");
  unet_destroy(&r.net);
  tensor_free(&r.snapshot);
  tensor_free(&images);
  tensor_free(&prob);
  tensor_free(&grad);
  free(masks);
}

static void test_seed_determines_weights_and_resize_keeps_results(void)
{
  UNetConfig c;
  UNet      *a, *b, *d;
  float     *images, *pa, *pb;
  uint8_t   *masks;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  UNIT_CALL(unet_create(&c, 64, 64, 2, 11, &a));
  UNIT_CALL(unet_create(&c, 32, 32, 3, 11, &b));
  UNIT_CALL(unet_create(&c, 32, 32, 3, 12, &d));
  size_t count = unet_parameter_count(a);
  UNIT_CHECK(!memcmp(unet_parameters(a), unet_parameters(b), sizeof(float) * count), "same seed, different weights");
  UNIT_CHECK(memcmp(unet_parameters(a), unet_parameters(d), sizeof(float) * count), "different seeds, same weights");
  UNIT_CALL(unet_resize(a, 32, 32, 3));
  UNIT_CALL(tensor_alloc(3 * 32 * 32, &images));
  UNIT_CALL(tensor_alloc(3 * 2 * 32 * 32, &pa));
  UNIT_CALL(tensor_alloc(3 * 2 * 32 * 32, &pb));
  masks = (uint8_t *)malloc(3 * 32 * 32);
  make_disks(3, 32, 32, images, masks, 6);
  UNIT_CALL(unet_forward(a, images, 3, PETSC_FALSE, pa));
  UNIT_CALL(unet_forward(b, images, 3, PETSC_FALSE, pb));
  UNIT_CHECK(!memcmp(pa, pb, sizeof(float) * 3 * 2 * 32 * 32), "resized network differs from one built at that size");
  /* a size not divisible by 2^depth is refused */
  UNIT_CALL_FAILS(unet_resize(a, 30, 32, 1));
  /* backward after an inference forward is refused */
  UNIT_CALL_FAILS(unet_backward(a, pa));
  unet_destroy(&a);
  unet_destroy(&b);
  unet_destroy(&d);
  tensor_free(&images);
  tensor_free(&pa);
  tensor_free(&pb);
  free(masks);
}

/* a batch smaller than the network's maximum gives the same bits as a network sized for it */
static void test_partial_batch_equals_exact_batch(void)
{
  UNetConfig c;
  UNet      *big, *exact;
  const int  n = 2, h = 16, w = 16;
  float     *images, *prob_big, *prob_exact, *grad;
  uint8_t   *masks;
  double     loss;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  c.decoder      = UNET_DECODER_UPSAMPLE;
  UNIT_CALL(unet_create(&c, h, w, 5, 21, &big));
  UNIT_CALL(unet_create(&c, h, w, n, 21, &exact));
  UNIT_CALL(tensor_alloc((size_t)n * h * w, &images));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &prob_big));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &prob_exact));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &grad));
  masks = (uint8_t *)malloc((size_t)n * h * w);
  make_disks(n, h, w, images, masks, 9);
  UNet  *nets[2]  = {big, exact};
  float *probs[2] = {prob_big, prob_exact};
  for (int k = 0; k < 2; k++) {
    UNIT_CALL(unet_zero_gradients(nets[k]));
    UNIT_CALL(unet_forward(nets[k], images, n, PETSC_TRUE, probs[k]));
    UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, c.head, probs[k], masks, n, h, w, &loss, grad));
    UNIT_CALL(unet_backward(nets[k], grad));
  }
  size_t count = unet_parameter_count(big);
  UNIT_CHECK(!memcmp(prob_big, prob_exact, sizeof(float) * n * 2 * h * w), "probabilities differ");
  UNIT_CHECK(!memcmp(unet_gradients(big), unet_gradients(exact), sizeof(float) * count), "gradients differ");
  UNIT_CHECK(
    !memcmp(unet_batchnorm_state(big), unet_batchnorm_state(exact), sizeof(float) * unet_batchnorm_state_count(big)),
    "running statistics differ");
  FILE *sink = fopen("/dev/null", "w");
  UNIT_CALL(unet_print(big, sink));
  fclose(sink);
  UNIT_CALL_FAILS(unet_forward(exact, images, 3, PETSC_TRUE, prob_exact)); /* more than max_batch */
  unet_destroy(&big);
  unet_destroy(&exact);
  tensor_free(&images);
  tensor_free(&prob_big);
  tensor_free(&prob_exact);
  tensor_free(&grad);
  free(masks);
}

/* Synchronised batch norm: two replicas (threads) with batch 4 each, whose reducer sums over both,
 * give the same probabilities, averaged gradients and running statistics as one network with batch 8
 * (what MPI_Allreduce does for the train module). */
typedef struct {
  pthread_barrier_t barrier;
  double            slot[2][4096];
} TwinReduction;

typedef struct {
  TwinReduction *shared;
  int            id;
  UNet          *net;
  const float   *images;
  const uint8_t *masks;
  float         *prob, *grad;
  PetscErrorCode status;
} Replica;

static PetscErrorCode twin_sum(void *context, double *values, int count)
{
  Replica *r = (Replica *)context;
  memcpy(r->shared->slot[r->id], values, sizeof(double) * count);
  pthread_barrier_wait(&r->shared->barrier);
  for (int i = 0; i < count; i++) values[i] = r->shared->slot[0][i] + r->shared->slot[1][i];
  pthread_barrier_wait(&r->shared->barrier); /* nobody overwrites a slot before both have read */
  return 0;
}

static void *replica_step(void *argument)
{
  Replica *r = (Replica *)argument;
  double   loss;
  r->status = unet_zero_gradients(r->net);
  if (!r->status) r->status = unet_forward(r->net, r->images, 4, PETSC_TRUE, r->prob);
  if (!r->status)
    r->status = loss_compute(LOSS_CROSS_ENTROPY_DICE, UNET_HEAD_SOFTMAX2, r->prob, r->masks, 4, 16, 16, &loss, r->grad);
  if (!r->status) r->status = unet_backward(r->net, r->grad);
  return NULL;
}

static void test_synchronised_batchnorm_two_replicas_equal_one(void)
{
  UNetConfig    c;
  UNet         *whole;
  TwinReduction shared;
  Replica       replica[2];
  pthread_t     thread[2];
  const int     n = 8, h = 16, w = 16, P = h * w;
  float        *images, *prob, *grad, *prob_r, *grad_r;
  uint8_t      *masks;
  double        loss;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 4;
  c.block        = UNET_BLOCK_RESIDUAL;
  UNIT_CALL(unet_create(&c, h, w, n, 31, &whole));
  UNIT_CALL(tensor_alloc((size_t)n * P, &images));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * P, &prob));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * P, &grad));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * P, &prob_r));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * P, &grad_r));
  masks = (uint8_t *)malloc((size_t)n * P);
  make_disks(n, h, w, images, masks, 10);
  UNIT_CALL(unet_zero_gradients(whole));
  UNIT_CALL(unet_forward(whole, images, n, PETSC_TRUE, prob));
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, c.head, prob, masks, n, h, w, &loss, grad));
  UNIT_CALL(unet_backward(whole, grad));
  pthread_barrier_init(&shared.barrier, NULL, 2);
  for (int k = 0; k < 2; k++) {
    replica[k] = (Replica){&shared,
                           k,
                           NULL,
                           images + (size_t)k * 4 * P,
                           masks + (size_t)k * 4 * P,
                           prob_r + (size_t)k * 4 * 2 * P,
                           grad_r + (size_t)k * 4 * 2 * P,
                           0};
    UNIT_CALL(unet_create(&c, h, w, 4, 31, &replica[k].net));
    unet_set_batchnorm_reducer(replica[k].net, twin_sum, &replica[k]);
  }
  for (int k = 0; k < 2; k++) pthread_create(&thread[k], NULL, replica_step, &replica[k]);
  for (int k = 0; k < 2; k++) pthread_join(thread[k], NULL);
  pthread_barrier_destroy(&shared.barrier);
  UNIT_CHECK(replica[0].status == 0 && replica[1].status == 0, "replica errors %d %d", replica[0].status,
             replica[1].status);
  double dp = 0, dg = 0, scale = 0, ds = 0;
  for (size_t i = 0; i < (size_t)n * 2 * P; i++) dp = fmax(dp, fabs((double)prob[i] - prob_r[i]));
  size_t       count = unet_parameter_count(whole);
  const float *g = unet_gradients(whole), *g0 = unet_gradients(replica[0].net), *g1 = unet_gradients(replica[1].net);
  for (size_t i = 0; i < count; i++) {
    dg    = fmax(dg, fabs(g[i] - 0.5 * ((double)g0[i] + g1[i])));
    scale = fmax(scale, fabs(g[i]));
  }
  const float *s = unet_batchnorm_state(whole), *s0 = unet_batchnorm_state(replica[0].net);
  for (size_t i = 0; i < unet_batchnorm_state_count(whole); i++)
    ds = fmax(ds, fabs((double)s[i] - s0[i]) / fmax(1.0, fabs(s[i])));
  printf("  2 replicas x 4 vs 1 x 8: probabilities %.2e, averaged gradients %.2e of max %.3g, running stats %.2e\n", dp,
         dg, scale, ds);
  UNIT_CHECK(dp < 1e-5, "probabilities differ by %g", dp);
  UNIT_CHECK(dg < 1e-4 * scale, "averaged gradients differ by %g (max %g)", dg, scale);
  UNIT_CHECK(ds < 1e-5, "running statistics differ by %g", ds);
  unet_destroy(&whole);
  unet_destroy(&replica[0].net);
  unet_destroy(&replica[1].net);
  tensor_free(&images);
  tensor_free(&prob);
  tensor_free(&grad);
  tensor_free(&prob_r);
  tensor_free(&grad_r);
  free(masks);
}

/* 4 images of 32×32 disks: Adam lr 1e-2 drives cross-entropy + Dice to near zero. */
static void test_overfits_four_images(void)
{
  UNetConfig      c;
  OptimizerConfig oc;
  Optimizer      *opt;
  UNet           *net;
  const int       n = 4, h = 32, w = 32, steps = 150;
  float          *images, *prob, *grad;
  uint8_t        *masks;
  double          loss = NAN, first = NAN;
  unet_config_default(&c);
  c.depth        = 2;
  c.base_filters = 8;
  UNIT_CALL(unet_create(&c, h, w, n, 1, &net));
  optimizer_config_default(OPTIMIZER_ADAM, &oc);
  oc.learning_rate = 1e-2;
  UNIT_CALL(optimizer_create(&oc, unet_parameter_count(net), &opt));
  UNIT_CALL(tensor_alloc((size_t)n * h * w, &images));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &prob));
  UNIT_CALL(tensor_alloc((size_t)n * 2 * h * w, &grad));
  masks = (uint8_t *)malloc((size_t)n * h * w);
  make_disks(n, h, w, images, masks, 8);
  for (int s = 0; s < steps; s++) {
    UNIT_CALL(unet_zero_gradients(net));
    UNIT_CALL(unet_forward(net, images, n, PETSC_TRUE, prob));
    UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, c.head, prob, masks, n, h, w, &loss, grad));
    UNIT_CALL(unet_backward(net, grad));
    UNIT_CALL(optimizer_step(opt, unet_parameters(net), unet_gradients(net), oc.learning_rate));
    if (s == 0) first = loss;
  }
  /* inference with the running statistics also segments the training images */
  double eval_loss;
  UNIT_CALL(unet_forward(net, images, n, PETSC_FALSE, prob));
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, c.head, prob, masks, n, h, w, &eval_loss, NULL));
  int wrong = 0;
  for (int b = 0; b < n; b++)
    for (int i = 0; i < h * w; i++)
      wrong += (prob[((size_t)b * 2 + 1) * h * w + i] > 0.5f) != masks[(size_t)b * h * w + i];
  printf("  loss %.4f -> %.4f after %d Adam steps; inference-mode loss %.4f, %d of %d pixels wrong\n", first, loss,
         steps, eval_loss, wrong, n * h * w);
  UNIT_CHECK(loss < 0.03, "training loss %g after %d steps (started at %g)", loss, steps, first);
  UNIT_CHECK(wrong <= 8, "%d pixels wrong in inference mode", wrong);
  unet_destroy(&net);
  optimizer_destroy(&opt);
  tensor_free(&images);
  tensor_free(&prob);
  tensor_free(&grad);
  free(masks);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_gradients_plain_transposed);
  UNIT_RUN(test_gradients_residual_upsample_sigmoid);
  UNIT_RUN(test_gradients_without_batchnorm);
  UNIT_RUN(test_gradient_hook_prefixes_are_final);
  UNIT_RUN(test_seed_determines_weights_and_resize_keeps_results);
  UNIT_RUN(test_partial_batch_equals_exact_batch);
  UNIT_RUN(test_synchronised_batchnorm_two_replicas_equal_one);
  UNIT_RUN(test_overfits_four_images);
  return UNIT_END();
}
