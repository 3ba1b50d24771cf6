/* pooling.h — 2×2 max pooling and 2× nearest-neighbour upsampling on NCHW float tensors (serial C, no allocation inside).
 * Backward kernels follow the gradient convention written at the top of conv2d.h. */
#pragma once
#include <petscsys.h>
#include <stddef.h>

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
