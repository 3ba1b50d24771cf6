/* conv2d.c — convolution as im2col + cblas_sgemm, forward and backward, and the 2×2/2
 * transposed convolution as one sgemm + scatter.
 *
 * Per image: col[K = Cin·k·k][OH·OW] is the im2col matrix, out[Cout][OH·OW] = W[Cout][K] · col.
 * Backward: dW += dY · colᵀ ; dcol = Wᵀ · dY ; dX = col2im(dcol). A 1×1 stride-1 convolution
 * needs no im2col: the image itself is the column matrix. */
#include <string.h>
#include <cblas.h>
#include "nn/conv2d.h"

PetscErrorCode conv2d_shape_init(Conv2dShape *shape, int batch, int in_channels, int out_channels, int height,
                                 int width, int kernel, int stride, int padding)
{
  PetscFunctionBegin;
  PetscCheck(batch > 0 && in_channels > 0 && out_channels > 0 && height > 0 && width > 0, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "convolution sizes must be positive (batch %d, channels %d→%d, %d×%d)", batch,
             in_channels, out_channels, height, width);
  PetscCheck(kernel > 0 && stride > 0 && padding >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "convolution kernel %d, stride %d, padding %d: kernel and stride must be positive", kernel, stride,
             padding);
  shape->batch        = batch;
  shape->in_channels  = in_channels;
  shape->out_channels = out_channels;
  shape->height       = height;
  shape->width        = width;
  shape->kernel       = kernel;
  shape->stride       = stride;
  shape->padding      = padding;
  shape->algorithm    = CONV2D_ALGORITHM_AUTO;
  shape->out_height   = (height + 2 * padding - kernel) / stride + 1;
  shape->out_width    = (width + 2 * padding - kernel) / stride + 1;
  PetscCheck(shape->out_height > 0 && shape->out_width > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "convolution kernel %d larger than the padded %d×%d input", kernel, height, width);
  PetscFunctionReturn(0);
}

static int conv2d_is_pointwise(const Conv2dShape *s) { return s->kernel == 1 && s->stride == 1 && s->padding == 0; }

/* Stride 1 and "same" padding: the input gradient is itself a convolution of the output
 * gradient with the 180°-rotated, channel-transposed kernel. Its sgemm has inner dimension
 * Cout·k² instead of Cout (much better arithmetic intensity) and needs no col2im. */
static int conv2d_is_same_stride1(const Conv2dShape *s) { return s->stride == 1 && 2 * s->padding == s->kernel - 1; }

/* Rows per band: the column block (max(Cin, Cout)·k² × rows·OW floats) stays near 4 MB (inside L3; measured faster than 1 MB or 256 kB bands). */
static int conv2d_band_rows(const Conv2dShape *s)
{
  if (!conv2d_is_same_stride1(s)) return s->out_height; /* strided: whole image, col2im path */
  const size_t kk       = (size_t)s->kernel * s->kernel;
  const size_t channels = (size_t)(s->in_channels > s->out_channels ? s->in_channels : s->out_channels);
  size_t       rows     = ((size_t)1 << 20) / (channels * kk * (size_t)s->out_width);
  if (rows < 1) rows = 1;
  if (rows > (size_t)s->out_height) rows = (size_t)s->out_height;
  return (int)rows;
}

/* AUTO: Winograd from 32 input channels on. With fewer, its 16 sgemms have an inner dimension
 * of Cin < 32 (im2col's is 9·Cin) and the tile transforms dominate: bench_conv measured it
 * 0.29–0.99× im2col forward (0.65–1.11× backward) for 1→16, 16→16 and 16→32, and 1.05–1.9× for
 * every layer with Cin ≥ 32. */
static int conv2d_uses_winograd(const Conv2dShape *s)
{
  if (!conv2d_winograd_applies(s)) return 0;
  switch (s->algorithm) {
  case CONV2D_ALGORITHM_WINOGRAD:
    return 1;
  case CONV2D_ALGORITHM_IM2COL:
    return 0;
  default:
    return s->in_channels >= 32;
  }
}

size_t conv2d_workspace_count(const Conv2dShape *s)
{
  if (conv2d_uses_winograd(s)) return conv2d_winograd_workspace_count(s);
  if (conv2d_is_pointwise(s)) return 0;
  const size_t kk = (size_t)s->kernel * s->kernel;
  if (!conv2d_is_same_stride1(s)) return (size_t)s->in_channels * kk * (size_t)s->out_height * s->out_width;
  /* a band of columns of the input or of the output gradient, then the rotated kernel */
  size_t channels = (size_t)(s->in_channels > s->out_channels ? s->in_channels : s->out_channels);
  return channels * kk * (size_t)conv2d_band_rows(s) * s->out_width + (size_t)s->in_channels * s->out_channels * kk;
}

/* Output rows [oy0, oy1) of one image: col[(c·k + ki)·k + kj][(oy - oy0)·OW + ox] =
 * x[c][oy·s - p + ki][ox·s - p + kj] (0 outside). A band of rows keeps the column matrix in
 * cache between im2col and sgemm instead of streaming 9× the image through memory. */
static void im2col_rows(const Conv2dShape *s, const float *x, float *col, int oy0, int oy1)
{
  const int    k = s->kernel, H = s->height, W = s->width, OW = s->out_width;
  const int    st = s->stride, p = s->padding;
  const size_t band = (size_t)(oy1 - oy0) * OW;
  for (int c = 0; c < s->in_channels; c++) {
    const float *xc = x + (size_t)c * H * W;
    for (int ki = 0; ki < k; ki++) {
      for (int kj = 0; kj < k; kj++) {
        float *row = col + ((size_t)(c * k + ki) * k + kj) * band;
        /* output columns whose input column ix = ox·st - p + kj lies in [0, W) */
        int ox_lo = 0;
        while (ox_lo < OW && ox_lo * st - p + kj < 0) ox_lo++;
        int ox_hi = OW;
        while (ox_hi > ox_lo && (ox_hi - 1) * st - p + kj >= W) ox_hi--;
        for (int oy = oy0; oy < oy1; oy++) {
          float *r  = row + (size_t)(oy - oy0) * OW;
          int    iy = oy * st - p + ki;
          if (iy < 0 || iy >= H) {
            memset(r, 0, sizeof(float) * OW);
            continue;
          }
          const float *xr = xc + (size_t)iy * W;
          for (int ox = 0; ox < ox_lo; ox++) r[ox] = 0;
          if (st == 1)
            memcpy(r + ox_lo, xr + ox_lo - p + kj, sizeof(float) * (size_t)(ox_hi - ox_lo));
          else
            for (int ox = ox_lo; ox < ox_hi; ox++) r[ox] = xr[ox * st - p + kj];
          for (int ox = ox_hi; ox < OW; ox++) r[ox] = 0;
        }
      }
    }
  }
}

static void im2col(const Conv2dShape *s, const float *x, float *col) { im2col_rows(s, x, col, 0, s->out_height); }

/* One image: x[c][iy][ix] += col[...] for every (ki, kj) that read it (x zeroed by the caller). */
static void col2im(const Conv2dShape *s, const float *col, float *x)
{
  const int k = s->kernel, H = s->height, W = s->width, OH = s->out_height, OW = s->out_width;
  const int st = s->stride, p = s->padding;
  for (int c = 0; c < s->in_channels; c++) {
    float *xc = x + (size_t)c * H * W;
    for (int ki = 0; ki < k; ki++) {
      for (int kj = 0; kj < k; kj++) {
        const float *row   = col + ((size_t)(c * k + ki) * k + kj) * OH * OW;
        int          ox_lo = 0;
        while (ox_lo < OW && ox_lo * st - p + kj < 0) ox_lo++;
        int ox_hi = OW;
        while (ox_hi > ox_lo && (ox_hi - 1) * st - p + kj >= W) ox_hi--;
        for (int oy = 0; oy < OH; oy++) {
          int iy = oy * st - p + ki;
          if (iy < 0 || iy >= H) continue;
          const float *r  = row + (size_t)oy * OW;
          float       *xr = xc + (size_t)iy * W;
          if (st == 1) {
            float *dst = xr - p + kj;
            for (int ox = ox_lo; ox < ox_hi; ox++) dst[ox] += r[ox];
          } else
            for (int ox = ox_lo; ox < ox_hi; ox++) xr[ox * st - p + kj] += r[ox];
        }
      }
    }
  }
}

PetscErrorCode conv2d_forward(const Conv2dShape *s, const float *input, const float *weight, const float *bias,
                              float *output, float *workspace)
{
  const int    K = s->in_channels * s->kernel * s->kernel;
  const int    P = s->out_height * s->out_width, OW = s->out_width;
  const size_t in_n = (size_t)s->in_channels * s->height * s->width, out_n = (size_t)s->out_channels * P;
  const int    rows = conv2d_band_rows(s);

  PetscFunctionBegin;
  PetscCheck(s->algorithm != CONV2D_ALGORITHM_WINOGRAD || conv2d_winograd_applies(s), PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG, "Winograd convolution requested for a %dx%d stride-%d kernel", s->kernel, s->kernel,
             s->stride);
  if (conv2d_uses_winograd(s)) {
    PetscCall(conv2d_winograd_forward(s, input, weight, bias, output, workspace));
    PetscFunctionReturn(0);
  }
  for (int n = 0; n < s->batch; n++) {
    const float *x = input + n * in_n;
    float       *y = output + n * out_n;
    if (conv2d_is_pointwise(s)) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->out_channels, P, K, 1.0f, weight, K, x, P, 0.0f, y, P);
    } else {
      for (int oy0 = 0; oy0 < s->out_height; oy0 += rows) {
        int oy1  = oy0 + rows < s->out_height ? oy0 + rows : s->out_height;
        int band = (oy1 - oy0) * OW;
        im2col_rows(s, x, workspace, oy0, oy1);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->out_channels, band, K, 1.0f, weight, K, workspace,
                    band, 0.0f, y + (size_t)oy0 * OW, P);
      }
    }
    if (bias)
      for (int o = 0; o < s->out_channels; o++) {
        float *yo = y + (size_t)o * P;
        for (int i = 0; i < P; i++) yo[i] += bias[o];
      }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode conv2d_backward(const Conv2dShape *s, const float *input, const float *weight, const float *grad_output,
                               float *grad_input, int accumulate, float *grad_weight, float *grad_bias,
                               float *workspace)
{
  const int    K    = s->in_channels * s->kernel * s->kernel;
  const int    P    = s->out_height * s->out_width;
  const size_t in_n = (size_t)s->in_channels * s->height * s->width, out_n = (size_t)s->out_channels * P;
  const int    pointwise = conv2d_is_pointwise(s);
  const int    rotated   = !pointwise && conv2d_is_same_stride1(s);
  const int    k = s->kernel, KO = s->out_channels * k * k;
  Conv2dShape  back; /* the input-gradient convolution: Cout → Cin channels */
  float       *rotated_weight = NULL;

  PetscFunctionBegin;
  if (conv2d_uses_winograd(s)) {
    PetscCall(conv2d_winograd_backward(s, input, weight, grad_output, grad_input, accumulate, grad_weight, grad_bias,
                                       workspace));
    PetscFunctionReturn(0);
  }
  if (rotated && grad_input) {
    PetscCall(conv2d_shape_init(&back, 1, s->out_channels, s->in_channels, s->out_height, s->out_width, k, 1,
                                k - 1 - s->padding));
    /* W'[c][(o·k + i)·k + j] = W[o][c][k-1-i][k-1-j], after the larger of the two column blocks */
    rotated_weight = workspace + (size_t)(K > KO ? K : KO) * conv2d_band_rows(s) * s->out_width;
    for (int c = 0; c < s->in_channels; c++)
      for (int o = 0; o < s->out_channels; o++)
        for (int i = 0; i < k; i++)
          for (int j = 0; j < k; j++)
            rotated_weight[(size_t)c * KO + (o * k + i) * k + j] =
              weight[(((size_t)o * s->in_channels + c) * k + (k - 1 - i)) * k + (k - 1 - j)];
  }
  for (int n = 0; n < s->batch; n++) {
    const float *x  = input + n * in_n;
    const float *dy = grad_output + n * out_n;
    if (grad_bias)
      for (int o = 0; o < s->out_channels; o++) {
        const float *d   = dy + (size_t)o * P;
        float        sum = 0;
        for (int i = 0; i < P; i++) sum += d[i];
        grad_bias[o] += sum;
      }
    if (pointwise) {
      if (grad_weight)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->out_channels, K, P, 1.0f, dy, P, x, P, 1.0f,
                    grad_weight, K);
      if (grad_input)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, s->out_channels, 1.0f, weight, K, dy, P,
                    accumulate ? 1.0f : 0.0f, grad_input + n * in_n, P);
    } else if (rotated) {
      const int rows = conv2d_band_rows(s), OW = s->out_width;
      for (int oy0 = 0; oy0 < s->out_height; oy0 += rows) {
        int oy1  = oy0 + rows < s->out_height ? oy0 + rows : s->out_height;
        int band = (oy1 - oy0) * OW;
        if (grad_weight) {
          im2col_rows(s, x, workspace, oy0, oy1);
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->out_channels, K, band, 1.0f, dy + (size_t)oy0 * OW, P,
                      workspace, band, 1.0f, grad_weight, K);
        }
        if (grad_input) {
          im2col_rows(&back, dy, workspace, oy0, oy1);
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->in_channels, band, KO, 1.0f, rotated_weight, KO,
                      workspace, band, accumulate ? 1.0f : 0.0f, grad_input + n * in_n + (size_t)oy0 * OW, P);
        }
      }
    } else {
      if (grad_weight) {
        im2col(s, x, workspace);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->out_channels, K, P, 1.0f, dy, P, workspace, P, 1.0f,
                    grad_weight, K);
      }
      if (grad_input) {
        float *dx = grad_input + n * in_n;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, s->out_channels, 1.0f, weight, K, dy, P, 0.0f,
                    workspace, P);
        if (!accumulate) memset(dx, 0, sizeof(float) * in_n);
        col2im(s, workspace, dx);
      }
    }
  }
  PetscFunctionReturn(0);
}

/* ---------------- transposed convolution 2×2, stride 2 ---------------- */
size_t transposed_conv_workspace_count(int in_channels, int out_channels, int height, int width)
{
  (void)in_channels;
  return (size_t)out_channels * 4 * height * width;
}

PetscErrorCode transposed_conv_forward(int batch, int in_channels, int out_channels, int height, int width,
                                       const float *input, const float *weight, const float *bias, float *output,
                                       float *workspace)
{
  const int    P = height * width, O4 = out_channels * 4, W2 = 2 * width;
  const size_t in_n = (size_t)in_channels * P, out_n = (size_t)out_channels * 4 * P;

  PetscFunctionBegin;
  for (int n = 0; n < batch; n++) {
    /* tmp[(o·2 + i)·2 + j][p] = Σ_c W[c][o][i][j] x[c][p]  — W is Cin × (Cout·4) row-major */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O4, P, in_channels, 1.0f, weight, O4, input + n * in_n, P,
                0.0f, workspace, P);
    float *y = output + n * out_n;
    for (int o = 0; o < out_channels; o++) {
      const float b = bias ? bias[o] : 0.0f;
      for (int i = 0; i < 2; i++)
        for (int yy = 0; yy < height; yy++) {
          float       *row = y + ((size_t)o * 2 * height + 2 * yy + i) * W2;
          const float *t0  = workspace + ((size_t)(o * 2 + i) * 2 + 0) * P + (size_t)yy * width;
          const float *t1  = workspace + ((size_t)(o * 2 + i) * 2 + 1) * P + (size_t)yy * width;
          for (int xx = 0; xx < width; xx++) {
            row[2 * xx]     = t0[xx] + b;
            row[2 * xx + 1] = t1[xx] + b;
          }
        }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode transposed_conv_backward(int batch, int in_channels, int out_channels, int height, int width,
                                        const float *input, const float *weight, const float *grad_output,
                                        float *grad_input, int accumulate, float *grad_weight, float *grad_bias,
                                        float *workspace)
{
  const int    P = height * width, O4 = out_channels * 4, W2 = 2 * width;
  const size_t in_n = (size_t)in_channels * P, out_n = (size_t)out_channels * 4 * P;

  PetscFunctionBegin;
  for (int n = 0; n < batch; n++) {
    const float *dy = grad_output + n * out_n;
    for (int o = 0; o < out_channels; o++) {
      double sum = 0;
      for (int i = 0; i < 2; i++)
        for (int yy = 0; yy < height; yy++) {
          const float *row = dy + ((size_t)o * 2 * height + 2 * yy + i) * W2;
          float       *t0  = workspace + ((size_t)(o * 2 + i) * 2 + 0) * P + (size_t)yy * width;
          float       *t1  = workspace + ((size_t)(o * 2 + i) * 2 + 1) * P + (size_t)yy * width;
          for (int xx = 0; xx < width; xx++) {
            t0[xx] = row[2 * xx];
            t1[xx] = row[2 * xx + 1];
            sum += (double)row[2 * xx] + row[2 * xx + 1];
          }
        }
      if (grad_bias) grad_bias[o] += (float)sum;
    }
    if (grad_weight)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in_channels, O4, P, 1.0f, input + n * in_n, P, workspace, P,
                  1.0f, grad_weight, O4);
    if (grad_input)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in_channels, P, O4, 1.0f, weight, O4, workspace, P,
                  accumulate ? 1.0f : 0.0f, grad_input + n * in_n, P);
  }
  PetscFunctionReturn(0);
}
