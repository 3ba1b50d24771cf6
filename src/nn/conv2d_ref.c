/* conv2d_ref.c — slow, obviously correct direct loops for the convolutions, in double.
 * The unit tests compare the fast im2col/sgemm kernels against these on random input. */
#include <stdlib.h>
#include <string.h>
#include "nn/conv2d.h"

#define X_AT(x, s, n, c, y, xx) (x)[(((size_t)(n) * (s)->in_channels + (c)) * (s)->height + (y)) * (s)->width + (xx)]
#define Y_AT(y, s, n, o, oy, ox) \
  (y)[(((size_t)(n) * (s)->out_channels + (o)) * (s)->out_height + (oy)) * (s)->out_width + (ox)]
#define W_AT(w, s, o, c, i, j) (w)[(((size_t)(o) * (s)->in_channels + (c)) * (s)->kernel + (i)) * (s)->kernel + (j)]

PetscErrorCode conv2d_forward_ref(const Conv2dShape *s, const float *input, const float *weight, const float *bias,
                                  float *output)
{
  PetscFunctionBegin;
  for (int n = 0; n < s->batch; n++)
    for (int o = 0; o < s->out_channels; o++)
      for (int oy = 0; oy < s->out_height; oy++)
        for (int ox = 0; ox < s->out_width; ox++) {
          double sum = bias ? bias[o] : 0.0;
          for (int c = 0; c < s->in_channels; c++)
            for (int i = 0; i < s->kernel; i++)
              for (int j = 0; j < s->kernel; j++) {
                int iy = oy * s->stride - s->padding + i, ix = ox * s->stride - s->padding + j;
                if (iy < 0 || iy >= s->height || ix < 0 || ix >= s->width) continue;
                sum += (double)W_AT(weight, s, o, c, i, j) * X_AT(input, s, n, c, iy, ix);
              }
          Y_AT(output, s, n, o, oy, ox) = (float)sum;
        }
  PetscFunctionReturn(0);
}

PetscErrorCode conv2d_backward_ref(const Conv2dShape *s, const float *input, const float *weight,
                                   const float *grad_output, float *grad_input, int accumulate, float *grad_weight,
                                   float *grad_bias)
{
  size_t  in_count = (size_t)s->batch * s->in_channels * s->height * s->width;
  size_t  w_count  = (size_t)s->out_channels * s->in_channels * s->kernel * s->kernel;
  double *dx, *dw, *db;

  PetscFunctionBegin;
  PetscCall(PetscCalloc3(in_count, &dx, w_count, &dw, (size_t)s->out_channels, &db));
  for (int n = 0; n < s->batch; n++)
    for (int o = 0; o < s->out_channels; o++)
      for (int oy = 0; oy < s->out_height; oy++)
        for (int ox = 0; ox < s->out_width; ox++) {
          double g = Y_AT(grad_output, s, n, o, oy, ox);
          db[o] += g;
          for (int c = 0; c < s->in_channels; c++)
            for (int i = 0; i < s->kernel; i++)
              for (int j = 0; j < s->kernel; j++) {
                int iy = oy * s->stride - s->padding + i, ix = ox * s->stride - s->padding + j;
                if (iy < 0 || iy >= s->height || ix < 0 || ix >= s->width) continue;
                W_AT(dw, s, o, c, i, j) += g * X_AT(input, s, n, c, iy, ix);
                X_AT(dx, s, n, c, iy, ix) += g * W_AT(weight, s, o, c, i, j);
              }
        }
  if (grad_input)
    for (size_t i = 0; i < in_count; i++) grad_input[i] = (float)((accumulate ? grad_input[i] : 0.0) + dx[i]);
  if (grad_weight)
    for (size_t i = 0; i < w_count; i++) grad_weight[i] += (float)dw[i];
  if (grad_bias)
    for (int o = 0; o < s->out_channels; o++) grad_bias[o] += (float)db[o];
  PetscCall(PetscFree3(dx, dw, db));
  PetscFunctionReturn(0);
}

PetscErrorCode transposed_conv_forward_ref(int batch, int in_channels, int out_channels, int height, int width,
                                           const float *input, const float *weight, const float *bias, float *output)
{
  PetscFunctionBegin;
  for (int n = 0; n < batch; n++)
    for (int o = 0; o < out_channels; o++)
      for (int oy = 0; oy < 2 * height; oy++)
        for (int ox = 0; ox < 2 * width; ox++) {
          double sum = bias ? bias[o] : 0.0;
          int    y = oy / 2, x = ox / 2, i = oy % 2, j = ox % 2;
          for (int c = 0; c < in_channels; c++)
            sum += (double)input[(((size_t)n * in_channels + c) * height + y) * width + x] *
                   weight[(((size_t)c * out_channels + o) * 2 + i) * 2 + j];
          output[(((size_t)n * out_channels + o) * 2 * height + oy) * 2 * width + ox] = (float)sum;
        }
  PetscFunctionReturn(0);
}
