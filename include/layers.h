/* layers.h — forward and backward kernels of the U-Net's layers on NCHW float tensors.
 *
 * Serial C on OpenBLAS; no allocation inside (callers pass workspaces sized by the
 * *_workspace_count functions). Convolutions are im2col + cblas_sgemm (a 1×1 stride-1
 * convolution is one sgemm with no im2col); the input gradient is sgemm + col2im, the
 * weight gradient an sgemm of the output gradient with the (recomputed) im2col matrix.
 *
 * Gradient convention ("accumulate" flags, as BLAS beta): every backward kernel
 *   - ADDS parameter gradients into grad_weight / grad_bias / grad_gamma / grad_beta;
 *   - writes the input gradient: overwrite when accumulate == 0, add when accumulate == 1
 *     (a tensor consumed twice, e.g. a skip connection, receives the second one added).
 * A NULL grad_input skips the input gradient (first layer).
 *
 * Each fast kernel has a direct-loop reference (conv2d_ref.c) compared in tests. */
#pragma once
#include "tensor.h"

/* ---------------- 2-D convolution (cross-correlation), square kernel, zero padding -------------- */
typedef struct {
  int batch, in_channels, out_channels;
  int height, width;   /* input size */
  int kernel;          /* k: 1 or 3 (any odd k works) */
  int stride;          /* 1 or 2 */
  int padding;         /* zero padding on every side, usually kernel/2 */
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
                                        const float *grad_output, float *grad_input, int accumulate,
                                        float *grad_weight, float *grad_bias, float *workspace);
/* Direct-loop references (double accumulation), same conventions. */
PetscErrorCode conv2d_forward_ref(const Conv2dShape *shape, const float *input, const float *weight,
                                  const float *bias, float *output);
PetscErrorCode conv2d_backward_ref(const Conv2dShape *shape, const float *input, const float *weight,
                                   const float *grad_output, float *grad_input, int accumulate,
                                   float *grad_weight, float *grad_bias);

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
                                           const float *input, const float *weight, const float *bias,
                                           float *output);

/* ---------------- batch normalisation over (N, H, W) per channel ----------------
 * Training: batch statistics (biased variance) normalise; running averages are updated
 * running = (1 - momentum) * running + momentum * batch (unbiased variance), as PyTorch.
 * Inference: running statistics. saved_mean / saved_inverse_std [channels] keep what the
 * backward pass needs (it recomputes x̂ from the input rather than storing it).
 *
 * Data parallelism: if `reducer` is non-NULL it is called in training mode with
 *   forward : values = [sum x (C), sum x² (C), element count (1)]   (2C + 1 doubles)
 *   backward: values = [sum dy (C), sum dy·x̂ (C), element count (1)]  (2C + 1 doubles)
 * and must replace them by their sum over all replicas (MPI_Allreduce SUM): the result is
 * synchronised batch norm, so R ranks × batch B equal 1 rank × batch R·B. */
typedef PetscErrorCode (*BatchNormReducer)(void *context, double *values, int count);

typedef struct {
  int    batch, channels, height, width;
  float  momentum;  /* running-average update weight, 0.1 */
  float  epsilon;   /* 1e-5 */
  BatchNormReducer reducer;  /* NULL: local statistics only */
  void  *reducer_context;
  double *scratch;  /* 2*channels + 1 doubles (owned by the caller) */
  PetscBool relu;   /* forward only: apply ReLU to the output in the same pass (the backward
                       pass expects grad_output already masked by output > 0) */
} BatchNorm;

PetscErrorCode batchnorm_forward(const BatchNorm *bn, const float *input, const float *gamma, const float *beta,
                                 float *running_mean, float *running_var, PetscBool training, float *output,
                                 float *saved_mean, float *saved_inverse_std);
/* Training-mode backward (batch statistics). When the forward pass had bn->relu set, pass its
 * output as relu_output: grad_output is then masked by relu_output > 0 on the fly (no separate
 * ReLU pass); otherwise pass NULL. */
PetscErrorCode batchnorm_backward(const BatchNorm *bn, const float *input, const float *relu_output, const float *gamma,
                                  const float *saved_mean, const float *saved_inverse_std,
                                  const float *grad_output, float *grad_input, int accumulate, float *grad_gamma,
                                  float *grad_beta);

/* ---------------- ReLU (in place allowed: output may equal input) ---------------- */
void relu_forward(size_t count, const float *input, float *output);
/* Uses the OUTPUT (y > 0), so it works after an in-place forward. grad_input may equal grad_output. */
void relu_backward(size_t count, const float *output, const float *grad_output, float *grad_input, int accumulate);

/* ---------------- element-wise sum (residual shortcut) ---------------- */
void add_forward(size_t count, const float *a, const float *b, float *output);

/* ---------------- 2×2 max pooling, stride 2 (H, W even) ----------------
 * argmax[n][c][y][x] (one byte per OUTPUT element) records 0..3 = which of the 4 inputs won. */
PetscErrorCode maxpool_forward(int batch, int channels, int height, int width, const float *input, float *output,
                               unsigned char *argmax);
PetscErrorCode maxpool_backward(int batch, int channels, int height, int width, const unsigned char *argmax,
                                const float *grad_output, float *grad_input, int accumulate);

/* ---------------- 2× nearest-neighbour upsampling (input H × W → 2H × 2W) ---------------- */
PetscErrorCode upsample_forward(int batch, int channels, int height, int width, const float *input, float *output);
PetscErrorCode upsample_backward(int batch, int channels, int height, int width, const float *grad_output,
                                 float *grad_input, int accumulate);

/* ---------------- channel concatenation: output = [a (channels_a), b (channels_b)] ---------------- */
PetscErrorCode concat_forward(int batch, int channels_a, int channels_b, size_t spatial, const float *a,
                              const float *b, float *output);
/* grad_a / grad_b may be NULL (not needed). */
PetscErrorCode concat_backward(int batch, int channels_a, int channels_b, size_t spatial, const float *grad_output,
                               float *grad_a, int accumulate_a, float *grad_b, int accumulate_b);
