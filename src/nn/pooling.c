/* pooling.c — 2×2 max pooling (stride 2) and 2× nearest-neighbour upsampling. */
#include <string.h>
#include "nn/pooling.h"

PetscErrorCode maxpool_forward(int batch, int channels, int height, int width, const float *input, float *output,
                               unsigned char *argmax)
{
  const int OH = height / 2, OW = width / 2;

  PetscFunctionBegin;
  PetscCheck(height % 2 == 0 && width % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "2×2 max pooling needs even sizes, got %d×%d", height, width);
  for (size_t plane = 0; plane < (size_t)batch * channels; plane++) {
    const float   *x = input + plane * height * width;
    float         *y = output + plane * OH * OW;
    unsigned char *a = argmax + plane * OH * OW;
    for (int oy = 0; oy < OH; oy++) {
      const float *r0 = x + (size_t)(2 * oy) * width, *r1 = r0 + width;
      for (int ox = 0; ox < OW; ox++) {
        /* first maximum wins ties, in the order (0,0), (0,1), (1,0), (1,1) */
        float         best = r0[2 * ox];
        unsigned char k    = 0;
        if (r0[2 * ox + 1] > best) best = r0[2 * ox + 1], k = 1;
        if (r1[2 * ox] > best) best = r1[2 * ox], k = 2;
        if (r1[2 * ox + 1] > best) best = r1[2 * ox + 1], k = 3;
        y[oy * OW + ox] = best;
        a[oy * OW + ox] = k;
      }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode maxpool_backward(int batch, int channels, int height, int width, const unsigned char *argmax,
                                const float *grad_output, float *grad_input, int accumulate)
{
  const int OH = height / 2, OW = width / 2;

  PetscFunctionBegin;
  for (size_t plane = 0; plane < (size_t)batch * channels; plane++) {
    const float         *dy = grad_output + plane * OH * OW;
    const unsigned char *a  = argmax + plane * OH * OW;
    float               *dx = grad_input + plane * height * width;
    if (!accumulate) memset(dx, 0, sizeof(float) * height * width);
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        int k = a[oy * OW + ox];
        dx[(size_t)(2 * oy + (k >> 1)) * width + 2 * ox + (k & 1)] += dy[oy * OW + ox];
      }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode upsample_forward(int batch, int channels, int height, int width, const float *input, float *output)
{
  PetscFunctionBegin;
  for (size_t plane = 0; plane < (size_t)batch * channels; plane++) {
    const float *x = input + plane * height * width;
    float       *y = output + plane * 4 * height * width;
    for (int yy = 0; yy < height; yy++) {
      float *r0 = y + (size_t)(2 * yy) * 2 * width, *r1 = r0 + 2 * width;
      for (int xx = 0; xx < width; xx++) r0[2 * xx] = r0[2 * xx + 1] = x[(size_t)yy * width + xx];
      memcpy(r1, r0, sizeof(float) * 2 * width);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode upsample_backward(int batch, int channels, int height, int width, const float *grad_output,
                                 float *grad_input, int accumulate)
{
  PetscFunctionBegin;
  for (size_t plane = 0; plane < (size_t)batch * channels; plane++) {
    const float *dy = grad_output + plane * 4 * height * width;
    float       *dx = grad_input + plane * height * width;
    for (int yy = 0; yy < height; yy++) {
      const float *r0 = dy + (size_t)(2 * yy) * 2 * width, *r1 = r0 + 2 * width;
      for (int xx = 0; xx < width; xx++) {
        float g = r0[2 * xx] + r0[2 * xx + 1] + r1[2 * xx] + r1[2 * xx + 1];
        if (accumulate)
          dx[(size_t)yy * width + xx] += g;
        else
          dx[(size_t)yy * width + xx] = g;
      }
    }
  }
  PetscFunctionReturn(0);
}
