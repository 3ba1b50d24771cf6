/* batchnorm.h — batch normalisation (optionally fused with ReLU) on NCHW float tensors (serial C, no allocation inside).
 * Backward kernels follow the gradient convention written at the top of conv2d.h. */
#pragma once
#include <petscsys.h>
#include <stddef.h>

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
  int              batch, channels, height, width;
  float            momentum; /* running-average update weight, 0.1 */
  float            epsilon;  /* 1e-5 */
  BatchNormReducer reducer;  /* NULL: local statistics only */
  void            *reducer_context;
  double          *scratch; /* 2*channels + 1 doubles (owned by the caller) */
  PetscBool        relu;    /* forward only: apply ReLU to the output in the same pass (the backward
                       pass expects grad_output already masked by output > 0) */
} BatchNorm;

PetscErrorCode batchnorm_forward(const BatchNorm *bn, const float *input, const float *gamma, const float *beta,
                                 float *running_mean, float *running_var, PetscBool training, float *output,
                                 float *saved_mean, float *saved_inverse_std);
/* Training-mode backward (batch statistics). When the forward pass had bn->relu set, pass its
 * output as relu_output: grad_output is then masked by relu_output > 0 on the fly (no separate
 * ReLU pass); otherwise pass NULL. */
PetscErrorCode batchnorm_backward(const BatchNorm *bn, const float *input, const float *relu_output, const float *gamma,
                                  const float *saved_mean, const float *saved_inverse_std, const float *grad_output,
                                  float *grad_input, int accumulate, float *grad_gamma, float *grad_beta);
