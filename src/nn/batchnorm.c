/* batchnorm.c — batch normalisation (Ioffe & Szegedy 2015) over (N, H, W) per channel.
 * Sums are in double; the optional reducer turns the sums into global ones (sync BN). */
#include <math.h>
#include <string.h>
#include "nn/batchnorm.h"

/* Plane sums as OpenMP SIMD reductions (-fopenmp-simd: vector lanes, no threads). A plain float
 * accumulator is a serial chain of dependent adds that the compiler may not reorder without
 * -ffast-math; with the ReLU mask as a branch it made the backward pass 8x slower than the
 * forward one in perf. The lane order is fixed by the binary, so results stay reproducible. */

/* Σ x, Σ x² over one plane */
static void plane_sums(const float *x, size_t P, float *sum, float *sum_squares)
{
  float fs = 0, fq = 0;
#pragma omp simd reduction(+ : fs, fq)
  for (size_t i = 0; i < P; i++) {
    fs += x[i];
    fq += x[i] * x[i];
  }
  *sum         = fs;
  *sum_squares = fq;
}

/* Σ g, Σ g·(x - mean)·istd over one plane, g = dy (masked by y > 0 when y is given) */
static void plane_gradient_sums(const float *x, const float *dy, const float *y, size_t P, float mean, float istd,
                                float *sum, float *sum_xhat)
{
  float fs = 0, fq = 0;
  if (y) {
#pragma omp simd reduction(+ : fs, fq)
    for (size_t i = 0; i < P; i++) {
      float d = dy[i], g = y[i] > 0 ? d : 0.0f; /* unconditional load: a blend, not a branch */
      fs += g;
      fq += g * ((x[i] - mean) * istd);
    }
  } else {
#pragma omp simd reduction(+ : fs, fq)
    for (size_t i = 0; i < P; i++) {
      fs += dy[i];
      fq += dy[i] * ((x[i] - mean) * istd);
    }
  }
  *sum      = fs;
  *sum_xhat = fq;
}

PetscErrorCode batchnorm_forward(const BatchNorm *bn, const float *input, const float *gamma, const float *beta,
                                 float *running_mean, float *running_var, PetscBool training, float *output,
                                 float *saved_mean, float *saved_inverse_std)
{
  const int    C = bn->channels;
  const size_t P = (size_t)bn->height * bn->width;

  PetscFunctionBegin;
  if (training) {
    double *sum = bn->scratch, *sumsq = bn->scratch + C;
    for (int c = 0; c < C; c++) {
      double s = 0, q = 0;
      for (int n = 0; n < bn->batch; n++) {
        float fs, fq; /* float partial sums per plane, double across planes */
        plane_sums(input + ((size_t)n * C + c) * P, P, &fs, &fq);
        s += fs;
        q += fq;
      }
      sum[c]   = s;
      sumsq[c] = q;
    }
    bn->scratch[2 * C] = (double)bn->batch * (double)P;
    if (bn->reducer) PetscCall(bn->reducer(bn->reducer_context, bn->scratch, 2 * C + 1));
    const double count = bn->scratch[2 * C];
    for (int c = 0; c < C; c++) {
      double mean = sum[c] / count;
      double var  = sumsq[c] / count - mean * mean;
      if (var < 0) var = 0;
      saved_mean[c]        = (float)mean;
      saved_inverse_std[c] = (float)(1.0 / sqrt(var + bn->epsilon));
      double unbiased      = count > 1 ? var * count / (count - 1) : var;
      running_mean[c]      = (float)((1.0 - bn->momentum) * running_mean[c] + bn->momentum * mean);
      running_var[c]       = (float)((1.0 - bn->momentum) * running_var[c] + bn->momentum * unbiased);
    }
  } else {
    for (int c = 0; c < C; c++) {
      saved_mean[c]        = running_mean[c];
      saved_inverse_std[c] = (float)(1.0 / sqrt((double)running_var[c] + bn->epsilon));
    }
  }
  for (int n = 0; n < bn->batch; n++)
    for (int c = 0; c < C; c++) {
      const float  scale = gamma[c] * saved_inverse_std[c];
      const float  shift = beta[c] - saved_mean[c] * scale;
      const float *x     = input + ((size_t)n * C + c) * P;
      float       *y     = output + ((size_t)n * C + c) * P;
      if (bn->relu)
        for (size_t i = 0; i < P; i++) {
          float v = x[i] * scale + shift;
          y[i]    = v > 0 ? v : 0.0f;
        }
      else
        for (size_t i = 0; i < P; i++) y[i] = x[i] * scale + shift;
    }
  PetscFunctionReturn(0);
}

PetscErrorCode batchnorm_backward(const BatchNorm *bn, const float *input, const float *relu_output, const float *gamma,
                                  const float *saved_mean, const float *saved_inverse_std, const float *grad_output,
                                  float *grad_input, int accumulate, float *grad_gamma, float *grad_beta)
{
  const int    C      = bn->channels;
  const size_t P      = (size_t)bn->height * bn->width;
  double      *sum_dy = bn->scratch, *sum_dy_xhat = bn->scratch + C;

  PetscFunctionBegin;
  for (int c = 0; c < C; c++) {
    double      s = 0, q = 0;
    const float mean = saved_mean[c], istd = saved_inverse_std[c];
    for (int n = 0; n < bn->batch; n++) {
      const size_t plane = ((size_t)n * C + c) * P;
      float        fs, fq;
      plane_gradient_sums(input + plane, grad_output + plane, relu_output ? relu_output + plane : NULL, P, mean, istd,
                          &fs, &fq);
      s += fs;
      q += fq;
    }
    sum_dy[c]      = s;
    sum_dy_xhat[c] = q;
  }
  /* parameter gradients are this replica's share (the gradient all-reduce sums them) */
  for (int c = 0; c < C; c++) {
    grad_beta[c] += (float)sum_dy[c];
    grad_gamma[c] += (float)sum_dy_xhat[c];
  }
  if (!grad_input) PetscFunctionReturn(0);
  bn->scratch[2 * C] = (double)bn->batch * (double)P;
  if (bn->reducer) PetscCall(bn->reducer(bn->reducer_context, bn->scratch, 2 * C + 1));
  const double count = bn->scratch[2 * C];
  for (int c = 0; c < C; c++) {
    const float mean = saved_mean[c], istd = saved_inverse_std[c];
    const float a  = gamma[c] * istd;
    const float mb = (float)(sum_dy[c] / count), mq = (float)(sum_dy_xhat[c] / count);
    for (int n = 0; n < bn->batch; n++) {
      const float *x  = input + ((size_t)n * C + c) * P;
      const float *dy = grad_output + ((size_t)n * C + c) * P;
      float       *dx = grad_input + ((size_t)n * C + c) * P;
      if (relu_output) {
        const float *y = relu_output + ((size_t)n * C + c) * P;
        if (accumulate)
          for (size_t i = 0; i < P; i++) {
            float d = dy[i], g = y[i] > 0 ? d : 0.0f;
            dx[i] += a * (g - mb - (x[i] - mean) * istd * mq);
          }
        else
          for (size_t i = 0; i < P; i++) {
            float d = dy[i], g = y[i] > 0 ? d : 0.0f;
            dx[i] = a * (g - mb - (x[i] - mean) * istd * mq);
          }
      } else if (accumulate)
        for (size_t i = 0; i < P; i++) dx[i] += a * (dy[i] - mb - (x[i] - mean) * istd * mq);
      else
        for (size_t i = 0; i < P; i++) dx[i] = a * (dy[i] - mb - (x[i] - mean) * istd * mq);
    }
  }
  PetscFunctionReturn(0);
}
