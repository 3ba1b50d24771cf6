/* conv2d.h — 2-D convolution and the decoder's transposed convolution on NCHW float tensors.
 *
 * Serial C on OpenBLAS; no allocation inside (callers pass workspaces sized by the
 * *_workspace_count functions). Convolutions are im2col + cblas_sgemm (a 1×1 stride-1
 * convolution is one sgemm with no im2col); the input gradient is sgemm + col2im, the
 * weight gradient an sgemm of the output gradient with the (recomputed) im2col matrix.
 *
 * Gradient convention of every layer kernel (conv2d.h, batchnorm.h, activation.h, pooling.h;
 * "accumulate" flags, as BLAS beta): every backward kernel
 *   - ADDS parameter gradients into grad_weight / grad_bias / grad_gamma / grad_beta;
 *   - writes the input gradient: overwrite when accumulate == 0, add when accumulate == 1
 *     (a tensor consumed twice, e.g. a skip connection, receives the second one added).
 * A NULL grad_input skips the input gradient (first layer).
 *
 * Each fast kernel has a direct-loop reference (conv2d_ref.c) compared in tests. */
#pragma once
#include <petscsys.h>
#include <stddef.h>

/* ---------------- 2-D convolution (cross-correlation), square kernel, zero padding -------------- */
typedef struct {
  int batch, in_channels, out_channels;
  int height, width;         /* input size */
  int kernel;                /* k: 1 or 3 (any odd k works) */
  int stride;                /* 1 or 2 */
  int padding;               /* zero padding on every side, usually kernel/2 */
  int out_height, out_width; /* filled by conv2d_shape_init */
  int algorithm;             /* Conv2dAlgorithm; conv2d_shape_init sets CONV2D_ALGORITHM_AUTO */
} Conv2dShape;

/* How conv2d_forward/backward compute: AUTO picks Winograd F(2×2,3×3) (conv2d_winograd.c) for 3×3
 * stride-1 "same" convolutions with at least 32 input channels, where bench_conv measures it faster,
 * and im2col + sgemm for everything else; the others force one (tests and benchmarks compare them). */
typedef enum { CONV2D_ALGORITHM_AUTO = 0, CONV2D_ALGORITHM_IM2COL, CONV2D_ALGORITHM_WINOGRAD } Conv2dAlgorithm;

/* Fills out_height/out_width; checks the sizes make sense. */
PetscErrorCode conv2d_shape_init(Conv2dShape *shape, int batch, int in_channels, int out_channels, int height,
                                 int width, int kernel, int stride, int padding);
/* Floats of workspace the fast convolution needs (im2col of one image; 0 for 1×1 stride 1). */
size_t conv2d_workspace_count(const Conv2dShape *shape);
/* weight: [out_channels][in_channels][k][k]; bias: [out_channels] or NULL.
 * output: [batch][out_channels][out_height][out_width]. */
PetscErrorCode conv2d_forward(const Conv2dShape *shape, const float *input, const float *weight, const float *bias,
                              float *output, float *workspace);
PetscErrorCode conv2d_backward(const Conv2dShape *shape, const float *input, const float *weight,
                               const float *grad_output, float *grad_input, int accumulate, float *grad_weight,
                               float *grad_bias, float *workspace);
/* Winograd F(2×2,3×3) kernels (3×3, stride 1, padding 1 only), called by conv2d_forward/backward
 * when the shape's algorithm selects them; workspace: conv2d_winograd_workspace_count floats. */
int            conv2d_winograd_applies(const Conv2dShape *shape);
size_t         conv2d_winograd_workspace_count(const Conv2dShape *shape);
PetscErrorCode conv2d_winograd_forward(const Conv2dShape *shape, const float *input, const float *weight,
                                       const float *bias, float *output, float *workspace);
PetscErrorCode conv2d_winograd_backward(const Conv2dShape *shape, const float *input, const float *weight,
                                        const float *grad_output, float *grad_input, int accumulate, float *grad_weight,
                                        float *grad_bias, float *workspace);
/* Direct-loop references (double accumulation), same conventions. */
PetscErrorCode conv2d_forward_ref(const Conv2dShape *shape, const float *input, const float *weight, const float *bias,
                                  float *output);
PetscErrorCode conv2d_backward_ref(const Conv2dShape *shape, const float *input, const float *weight,
                                   const float *grad_output, float *grad_input, int accumulate, float *grad_weight,
                                   float *grad_bias);

/* ---------------- transposed convolution, kernel 2, stride 2 (decoder upsampling) ----------------
 * output (n, o, 2y+i, 2x+j) = bias[o] + sum_c input(n, c, y, x) * weight[c][o][i][j].
 * shape: batch, in_channels, out_channels, height, width of the INPUT; output is 2H × 2W.
 * workspace: transposed_conv_workspace_count floats. */
size_t         transposed_conv_workspace_count(int in_channels, int out_channels, int height, int width);
PetscErrorCode transposed_conv_forward(int batch, int in_channels, int out_channels, int height, int width,
                                       const float *input, const float *weight, const float *bias, float *output,
                                       float *workspace);
PetscErrorCode transposed_conv_backward(int batch, int in_channels, int out_channels, int height, int width,
                                        const float *input, const float *weight, const float *grad_output,
                                        float *grad_input, int accumulate, float *grad_weight, float *grad_bias,
                                        float *workspace);
PetscErrorCode transposed_conv_forward_ref(int batch, int in_channels, int out_channels, int height, int width,
                                           const float *input, const float *weight, const float *bias, float *output);
