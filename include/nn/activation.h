/* activation.h — ReLU, element-wise sum and channel concatenation on NCHW float tensors (serial C, no allocation inside).
 * Backward kernels follow the gradient convention written at the top of conv2d.h. */
#pragma once
#include <petscsys.h>
#include <stddef.h>

/* ---------------- ReLU (in place allowed: output may equal input) ---------------- */
void relu_forward(size_t count, const float *input, float *output);
/* Uses the OUTPUT (y > 0), so it works after an in-place forward. grad_input may equal grad_output. */
void relu_backward(size_t count, const float *output, const float *grad_output, float *grad_input, int accumulate);

/* ---------------- element-wise sum (residual shortcut) ---------------- */
void add_forward(size_t count, const float *a, const float *b, float *output);

/* ---------------- channel concatenation: output = [a (channels_a), b (channels_b)] ---------------- */
PetscErrorCode concat_forward(int batch, int channels_a, int channels_b, size_t spatial, const float *a, const float *b,
                              float *output);
/* grad_a / grad_b may be NULL (not needed). */
PetscErrorCode concat_backward(int batch, int channels_a, int channels_b, size_t spatial, const float *grad_output,
                               float *grad_a, int accumulate_a, float *grad_b, int accumulate_b);
