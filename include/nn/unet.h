/* unet.h — a U-Net for 1-channel images (Ronneberger et al. 2015), optionally with a
 * ResNet-18-style encoder of basic residual blocks (He et al. 2016), as in the published
 * nanoparticle-segmentation study. Serial C on OpenBLAS: no MPI, no database knowledge.
 *
 * Architecture (depth D, base filters F, level l = 0..D-1 has F·2^l channels at H/2^l):
 *   encoder l : block(in → F·2^l)  → skip_l ; 2×2 max pool (plain)
 *   bottleneck: block(F·2^(D-1) → F·2^D) at H/2^D
 *   decoder l : up (transposed conv 2×2/2, or nearest ×2 + conv 3×3), F·2^(l+1) → F·2^l;
 *               concat [up, skip_l]; block(2F·2^l → F·2^l)     (l = D-1 .. 0)
 *   head      : 1×1 conv F → 2 (softmax) or F → 1 (sigmoid)
 *   plain block    = (conv3×3 → BN → ReLU) × 2
 *   residual encoder = a ResNet-18 stage per level: two basic blocks, each conv3×3-BN-ReLU-
 *                    conv3×3-BN + shortcut (identity, or 1×1 conv + BN when channels or resolution
 *                    change), add, ReLU; levels l ≥ 1 and the bottleneck downsample by a stride-2
 *                    first conv and projection instead of max pooling (no 7×7 stem); the decoder
 *                    uses plain blocks, as common ResNet-encoder U-Nets do
 *
 * Memory: ALL trainable parameters live in ONE contiguous float buffer and ALL gradients in
 * ONE buffer of the same layout (unet_parameters / unet_gradients). Layers hold offsets into
 * them. Parameters are laid out in BACKWARD order: during unet_backward the gradients become
 * final from offset 0 upwards, so gradient buckets [0, k) can be all-reduced while the rest of
 * the backward pass still runs (see unet_set_gradient_hook). Batch-norm running statistics
 * are a separate contiguous buffer of non-trained state (unet_batchnorm_state).
 *
 * Each step of training, the caller does:
 *   unet_zero_gradients(net);
 *   unet_forward(net, images, batch, PETSC_TRUE, probabilities);
 *   loss_compute(kind, head, probabilities, masks, batch, H, W, &loss, grad_logits);
 *   unet_backward(net, grad_logits);          // adds into unet_gradients(net)
 *   (all-reduce / average the gradient buffer)
 *   optimizer_step(opt, unet_parameters(net), unet_gradients(net), learning_rate);
 */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <petscsys.h>
#include "nn/batchnorm.h" /* BatchNormReducer */

typedef enum { UNET_BLOCK_PLAIN = 0, UNET_BLOCK_RESIDUAL = 1 } UNetBlock;
typedef enum { UNET_DECODER_TRANSPOSED = 0, UNET_DECODER_UPSAMPLE = 1 } UNetDecoder;
typedef enum { UNET_HEAD_SOFTMAX2 = 0, UNET_HEAD_SIGMOID = 1 } UNetHead;

/* The architecture. Two networks with equal configs have equal parameter layouts. */
typedef struct {
  int         depth;        /* number of 2×2 poolings; image sides must be divisible by 2^depth */
  int         base_filters; /* channels at full resolution */
  UNetBlock   block;        /* plain or residual */
  UNetDecoder decoder;      /* transposed convolution or upsample + conv */
  UNetHead    head;         /* 2-class softmax or 1-channel sigmoid */
  int         in_channels;  /* 1 for micrographs */
  PetscBool   batchnorm;    /* PETSC_TRUE: BN after every 3×3 conv; PETSC_FALSE: conv bias instead */
} UNetConfig;

/* depth 4, base 16, plain, transposed, softmax2, 1 channel, batch norm. */
void unet_config_default(UNetConfig *config);
/* Checks the ranges (depth 1..8, base 1..1024, ...) with messages naming the value. */
PetscErrorCode unet_config_check(const UNetConfig *config);
/* "depth 4, base 16, plain blocks, transposed decoder, softmax2 head, 1 input channel, batch norm" */
void unet_config_describe(const UNetConfig *config, char *text, size_t size);
/* Channels of the output: 2 for softmax2, 1 for sigmoid. */
int unet_config_output_channels(const UNetConfig *config);

typedef struct UNet UNet;

/* Builds the network and allocates its workspaces for batches of up to max_batch images
 * of height × width (divisible by 2^depth). Weights: He (Kaiming) normal init, std
 * sqrt(2 / fan_in), from RngStream(seed, unit 0, RNG_PURPOSE_WEIGHT_INIT): same seed →
 * same weights on every rank. BN gamma = 1, beta = 0; biases 0; running mean 0, var 1. */
PetscErrorCode unet_create(const UNetConfig *config, int height, int width, int max_batch, uint64_t seed, UNet **net);
PetscErrorCode unet_destroy(UNet **net);
/* Without building the network: its parameter and batch-norm state counts (what a model file
 * must hold for this config) and an estimate of the bytes unet_create and training would use
 * for batches of max_batch images of height × width. Any pointer may be NULL. */
PetscErrorCode unet_estimate(const UNetConfig *config, int height, int width, int max_batch, size_t *parameter_count,
                             size_t *bn_state_count, double *bytes);
/* Re-allocates workspaces for another image size / batch (e.g. segmentation tiles); the
 * parameters, gradients and BN state are kept. Cheap if the size did not change. */
PetscErrorCode unet_resize(UNet *net, int height, int width, int max_batch);

const UNetConfig *unet_config(const UNet *net);
void              unet_size(const UNet *net, int *height, int *width, int *max_batch);

/* Forward pass. images: [batch][in_channels][H][W]; probabilities: [batch][out_channels][H][W]
 * (softmax over the 2 channels, or the sigmoid). training: batch statistics (and running
 * averages updated) vs running statistics. batch <= max_batch. Keeps the activations for
 * unet_backward. */
PetscErrorCode unet_forward(UNet *net, const float *images, int batch, PetscBool training, float *probabilities);
/* Backward pass of the last (training) forward. grad_logits: gradient of the loss with
 * respect to the head's PRE-activation outputs, [batch][out_channels][H][W], as returned by
 * loss_compute. ADDS into the gradient buffer (call unet_zero_gradients first). */
PetscErrorCode unet_backward(UNet *net, const float *grad_logits);
PetscErrorCode unet_zero_gradients(UNet *net);

/* The buffers (length unet_parameter_count). Writable: the optimizer and the all-reduce work
 * on them in place. */
size_t unet_parameter_count(const UNet *net);
float *unet_parameters(UNet *net);
float *unet_gradients(UNet *net);
/* BN running means and variances (non-trained state), length unet_batchnorm_state_count. */
size_t unet_batchnorm_state_count(const UNet *net);
float *unet_batchnorm_state(UNet *net);

/* Called during unet_backward each time more gradients are final: ready = number of leading
 * floats of the gradient buffer that no later part of this backward pass will change
 * (monotone, ends at unet_parameter_count). Use it to start all-reduces of finished buckets.
 * NULL removes the hook. */
typedef PetscErrorCode (*UNetGradientHook)(void *context, size_t ready);
void unet_set_gradient_hook(UNet *net, UNetGradientHook hook, void *context);
/* Synchronised batch norm for data parallelism (see BatchNormReducer in batchnorm.h). */
void unet_set_batchnorm_reducer(UNet *net, BatchNormReducer reducer, void *context);

/* Floating-point operations (multiply-add = 2) of the convolutions (incl. transposed and
 * 1×1) in one forward pass of `batch` images at the current size; backward is 2× this. */
double unet_convolution_flops(const UNet *net, int batch);
/* One line per layer (kind, shape, parameter offset and count) to `stream`. */
PetscErrorCode unet_print(const UNet *net, FILE *stream);
