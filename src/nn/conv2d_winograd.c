/* conv2d_winograd.c — 3×3 stride-1 "same" convolutions by Winograd's minimal filtering
 * F(2×2, 3×3) (Lavin & Gray, CVPR 2016): 16 multiplications per 2×2 output tile and channel
 * pair instead of 36, i.e. 2.25× fewer sgemm FLOPs than im2col.
 *
 * For a 4×4 input tile d (rows/columns 2t-1 .. 2t+2, zero outside the image), a 3×3 kernel g
 * and the 2×2 output tile Y:
 *     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
 *     Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],
 *     Aᵀ = [1 1 1 0; 0 1 -1 -1].
 * Summed over input channels this is, for each of the 16 tile positions ξ, one sgemm
 *     M[ξ] (Cout × tiles) = U[ξ] (Cout × Cin) · V[ξ] (Cin × tiles),   U = G g Gᵀ, V = Bᵀ d B.
 * Backward:
 *   input gradient  = the same forward with the 180°-rotated, channel-transposed kernel (stride 1,
 *                     same padding: the exact transpose of the forward);
 *   weight gradient = Gᵀ [ Σ_tiles (A dY Aᵀ)[ξ] · V[ξ]ᵀ ] G (the chain rule through the formula
 *                     above; again one sgemm per ξ).
 * Tiles are processed in bands of tile rows so V and M stay in cache between transform and sgemm.
 * The im2col kernels in conv2d.c stay as the fallback and, with conv2d_ref.c, as references. */
#include <string.h>
#include <cblas.h>
#include "nn/conv2d.h"

int conv2d_winograd_applies(const Conv2dShape *s) { return s->kernel == 3 && s->stride == 1 && s->padding == 1; }

static int tile_rows(const Conv2dShape *s) { return (s->out_height + 1) / 2; }
static int tile_cols(const Conv2dShape *s) { return (s->out_width + 1) / 2; }

/* Tile rows per band: V and M of a band (16·(Cin + Cout)·tiles floats) near 1 MB, the L2 size of
 * one core here (measured against 256 kB and 4 MB bands in bench_nn). */
static int band_tile_rows(const Conv2dShape *s)
{
  const size_t per_row = (size_t)16 * (s->in_channels + s->out_channels) * tile_cols(s);
  size_t       rows    = ((size_t)1 << 18) / per_row;
  if (rows < 1) rows = 1;
  if (rows > (size_t)tile_rows(s)) rows = (size_t)tile_rows(s);
  return (int)rows;
}

size_t conv2d_winograd_workspace_count(const Conv2dShape *s)
{
  const size_t ci = (size_t)s->in_channels, co = (size_t)s->out_channels;
  const size_t tiles = (size_t)band_tile_rows(s) * tile_cols(s), cmax = ci > co ? ci : co;
  /* rotated kernel (9·Ci·Co), transformed kernels U and dU (16·Ci·Co each), a band's V and M
   * (16·max(Ci, Co)·tiles each: they swap roles in the input-gradient pass), rows (8·TW + 8) */
  return 41 * ci * co + 32 * cmax * tiles + 8 * (size_t)tile_cols(s) + 8;
}

/* U[ξ][o][c] = (G g[o][c] Gᵀ)[ξ] for a weight [Cout][Cin][3][3]. */
static void transform_kernels(int cout, int cin, const float *weight, float *U)
{
  const size_t plane = (size_t)cout * cin;
  for (int o = 0; o < cout; o++)
    for (int c = 0; c < cin; c++) {
      const float *g = weight + ((size_t)o * cin + c) * 9;
      float        t[4][3], u[4][4];
      for (int j = 0; j < 3; j++) { /* t = G g */
        t[0][j] = g[j];
        t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        t[3][j] = g[6 + j];
      }
      for (int i = 0; i < 4; i++) { /* u = t Gᵀ */
        u[i][0] = t[i][0];
        u[i][1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        u[i][2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        u[i][3] = t[i][2];
      }
      for (int xi = 0; xi < 16; xi++) U[xi * plane + (size_t)o * cin + c] = u[xi / 4][xi % 4];
    }
}

/* V[ξ][c][t] = (Bᵀ d B)[ξ] for the tiles of tile rows [ty0, ty0 + nty) of one image x[C][H][W].
 * row[4][2·TW + 2] holds the four input rows of a tile row, zero-padded on both sides. */
static void transform_input(int channels, int H, int W, int TW, const float *x, int ty0, int nty, float *V, float *row)
{
  const int    RW = 2 * TW + 2;
  const size_t nt = (size_t)nty * TW, plane = (size_t)channels * nt;
  for (int c = 0; c < channels; c++) {
    const float *xc = x + (size_t)c * H * W;
    for (int ty = ty0; ty < ty0 + nty; ty++) {
      for (int i = 0; i < 4; i++) {
        float *r  = row + (size_t)i * RW;
        int    iy = 2 * ty - 1 + i;
        memset(r, 0, sizeof(float) * RW);
        if (iy >= 0 && iy < H) memcpy(r + 1, xc + (size_t)iy * W, sizeof(float) * W);
      }
      /* rows of Bᵀ d, in place: d0 - d2, d1 + d2, d2 - d1, d1 - d3 */
      float *r0 = row, *r1 = row + RW, *r2 = row + 2 * RW, *r3 = row + 3 * RW;
      for (int k = 0; k < RW; k++) {
        float a = r0[k], b = r1[k], cc = r2[k], d = r3[k];
        r0[k] = a - cc;
        r1[k] = b + cc;
        r2[k] = cc - b;
        r3[k] = b - d;
      }
      float *v = V + (size_t)c * nt + (size_t)(ty - ty0) * TW;
      for (int i = 0; i < 4; i++) {
        const float *r  = row + (size_t)i * RW;
        float       *v0 = v + (size_t)(4 * i + 0) * plane, *v1 = v + (size_t)(4 * i + 1) * plane;
        float       *v2 = v + (size_t)(4 * i + 2) * plane, *v3 = v + (size_t)(4 * i + 3) * plane;
        for (int tx = 0; tx < TW; tx++) {
          const float *e = r + 2 * tx;
          v0[tx]         = e[0] - e[2];
          v1[tx]         = e[1] + e[2];
          v2[tx]         = e[2] - e[1];
          v3[tx]         = e[1] - e[3];
        }
      }
    }
  }
}

/* y (tile rows [ty0, ty0 + nty) of one image [C][OH][OW]) = (or +=) Aᵀ M A + bias. */
static void transform_output(int channels, int OH, int OW, int TW, const float *M, int ty0, int nty, const float *bias,
                             int accumulate, float *y, float *row)
{
  const size_t nt = (size_t)nty * TW, plane = (size_t)channels * nt;
  float       *s0 = row, *s1 = row + 4 * TW;
  for (int o = 0; o < channels; o++) {
    const float b  = bias ? bias[o] : 0.0f;
    float      *yo = y + (size_t)o * OH * OW;
    for (int ty = ty0; ty < ty0 + nty; ty++) {
      const float *m = M + (size_t)o * nt + (size_t)(ty - ty0) * TW;
      /* s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 (rows of Aᵀ M), for the 4 columns j of every tile */
      for (int j = 0; j < 4; j++) {
        const float *m0 = m + (size_t)j * plane, *m1 = m + (size_t)(4 + j) * plane;
        const float *m2 = m + (size_t)(8 + j) * plane, *m3 = m + (size_t)(12 + j) * plane;
        float       *a = s0 + (size_t)j * TW, *c = s1 + (size_t)j * TW;
        for (int tx = 0; tx < TW; tx++) {
          a[tx] = m0[tx] + m1[tx] + m2[tx];
          c[tx] = m1[tx] - m2[tx] - m3[tx];
        }
      }
      for (int i = 0; i < 2; i++) {
        int oy = 2 * ty + i;
        if (oy >= OH) break;
        const float *s    = i ? s1 : s0;
        float       *out  = yo + (size_t)oy * OW;
        const int    full = OW / 2; /* tiles whose two columns are both inside */
        if (accumulate)
          for (int tx = 0; tx < full; tx++) {
            out[2 * tx] += s[tx] + s[TW + tx] + s[2 * TW + tx] + b;
            out[2 * tx + 1] += s[TW + tx] - s[2 * TW + tx] - s[3 * TW + tx] + b;
          }
        else
          for (int tx = 0; tx < full; tx++) {
            out[2 * tx]     = s[tx] + s[TW + tx] + s[2 * TW + tx] + b;
            out[2 * tx + 1] = s[TW + tx] - s[2 * TW + tx] - s[3 * TW + tx] + b;
          }
        if (full < TW) { /* odd width: the last tile's first column only */
          float v       = s[full] + s[TW + full] + s[2 * TW + full] + b;
          out[2 * full] = accumulate ? out[2 * full] + v : v;
        }
      }
    }
  }
}

/* dM[ξ][o][t] = (A dY Aᵀ)[ξ] for tile rows [ty0, ty0 + nty) of one output gradient [C][OH][OW]
 * (zero outside the image). */
static void transform_output_gradient(int channels, int OH, int OW, int TW, const float *dy, int ty0, int nty,
                                      float *dM, float *row)
{
  const int    RW = 2 * TW;
  const size_t nt = (size_t)nty * TW, plane = (size_t)channels * nt;
  for (int o = 0; o < channels; o++) {
    const float *dyo = dy + (size_t)o * OH * OW;
    for (int ty = ty0; ty < ty0 + nty; ty++) {
      float *q0 = row, *q1 = row + RW;
      for (int i = 0; i < 2; i++) {
        float *q  = i ? q1 : q0;
        int    oy = 2 * ty + i;
        memset(q, 0, sizeof(float) * RW);
        if (oy < OH) memcpy(q, dyo + (size_t)oy * OW, sizeof(float) * OW);
      }
      /* rows of A dY: q0, q0 + q1, q0 - q1, -q1; then the same on columns */
      float *d = dM + (size_t)o * nt + (size_t)(ty - ty0) * TW;
      for (int a = 0; a < 4; a++) {
        float      *d0 = d + (size_t)(4 * a) * plane, *d1 = d + (size_t)(4 * a + 1) * plane;
        float      *d2 = d + (size_t)(4 * a + 2) * plane, *d3 = d + (size_t)(4 * a + 3) * plane;
        const float sa = (a == 3) ? 0.0f : 1.0f, sb = (a == 0) ? 0.0f : (a == 2 || a == 3) ? -1.0f : 1.0f;
        for (int tx = 0; tx < TW; tx++) {
          float r0 = sa * q0[2 * tx] + sb * q1[2 * tx];
          float r1 = sa * q0[2 * tx + 1] + sb * q1[2 * tx + 1];
          d0[tx]   = r0;
          d1[tx]   = r0 + r1;
          d2[tx]   = r0 - r1;
          d3[tx]   = -r1;
        }
      }
    }
  }
}

/* output (= or +=) conv(input, kernels already transformed into U) + bias, for every image. */
static void winograd_apply(const Conv2dShape *s, const float *input, const float *U, const float *bias, int accumulate,
                           float *output, float *V, float *M, float *row)
{
  const int    ci = s->in_channels, co = s->out_channels, TW = tile_cols(s), TH = tile_rows(s);
  const int    band = band_tile_rows(s);
  const size_t in_n = (size_t)ci * s->height * s->width, out_n = (size_t)co * s->out_height * s->out_width;
  for (int n = 0; n < s->batch; n++)
    for (int ty0 = 0; ty0 < TH; ty0 += band) {
      const int nty = ty0 + band < TH ? band : TH - ty0, nt = nty * TW;
      transform_input(ci, s->height, s->width, TW, input + n * in_n, ty0, nty, V, row);
      for (int xi = 0; xi < 16; xi++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, co, nt, ci, 1.0f, U + (size_t)xi * co * ci, ci,
                    V + (size_t)xi * ci * nt, nt, 0.0f, M + (size_t)xi * co * nt, nt);
      transform_output(co, s->out_height, s->out_width, TW, M, ty0, nty, bias, accumulate, output + n * out_n, row);
    }
}

/* Workspace layout: [rotated kernel 9·Ci·Co][U 16·Ci·Co][dU 16·Ci·Co][V][M][row]. */
typedef struct {
  float *rotated, *U, *dU, *V, *M, *row;
} WinogradWorkspace;

static WinogradWorkspace split_workspace(const Conv2dShape *s, float *workspace)
{
  const size_t      ci = (size_t)s->in_channels, co = (size_t)s->out_channels;
  const size_t      tiles = (size_t)band_tile_rows(s) * tile_cols(s);
  const size_t      cmax  = ci > co ? ci : co;
  WinogradWorkspace w;
  w.rotated = workspace;
  w.U       = w.rotated + 9 * ci * co;
  w.dU      = w.U + 16 * ci * co;
  w.V       = w.dU + 16 * ci * co;
  w.M       = w.V + 16 * cmax * tiles;
  w.row     = w.M + 16 * cmax * tiles;
  return w;
}

PetscErrorCode conv2d_winograd_forward(const Conv2dShape *s, const float *input, const float *weight, const float *bias,
                                       float *output, float *workspace)
{
  PetscFunctionBegin;
  PetscCheck(conv2d_winograd_applies(s), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Winograd F(2x2,3x3) needs a 3x3 kernel, stride 1, padding 1 (got %d, %d, %d)", s->kernel, s->stride,
             s->padding);
  WinogradWorkspace w = split_workspace(s, workspace);
  transform_kernels(s->out_channels, s->in_channels, weight, w.U);
  winograd_apply(s, input, w.U, bias, 0, output, w.V, w.M, w.row);
  PetscFunctionReturn(0);
}

PetscErrorCode conv2d_winograd_backward(const Conv2dShape *s, const float *input, const float *weight,
                                        const float *grad_output, float *grad_input, int accumulate, float *grad_weight,
                                        float *grad_bias, float *workspace)
{
  const int    ci = s->in_channels, co = s->out_channels, TW = tile_cols(s), TH = tile_rows(s);
  const int    band = band_tile_rows(s);
  const size_t in_n = (size_t)ci * s->height * s->width, P = (size_t)s->out_height * s->out_width, out_n = co * P;

  PetscFunctionBegin;
  PetscCheck(conv2d_winograd_applies(s), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Winograd F(2x2,3x3) needs a 3x3 kernel, stride 1, padding 1 (got %d, %d, %d)", s->kernel, s->stride,
             s->padding);
  WinogradWorkspace w = split_workspace(s, workspace);
  if (grad_bias)
    for (int n = 0; n < s->batch; n++)
      for (int o = 0; o < co; o++) {
        const float *d   = grad_output + n * out_n + (size_t)o * P;
        float        sum = 0;
        for (size_t i = 0; i < P; i++) sum += d[i];
        grad_bias[o] += sum;
      }
  if (grad_weight) {
    memset(w.dU, 0, sizeof(float) * 16 * (size_t)ci * co);
    for (int n = 0; n < s->batch; n++)
      for (int ty0 = 0; ty0 < TH; ty0 += band) {
        const int nty = ty0 + band < TH ? band : TH - ty0, nt = nty * TW;
        transform_input(ci, s->height, s->width, TW, input + n * in_n, ty0, nty, w.V, w.row);
        transform_output_gradient(co, s->out_height, s->out_width, TW, grad_output + n * out_n, ty0, nty, w.M, w.row);
        for (int xi = 0; xi < 16; xi++) /* dU[ξ] += dM[ξ] · V[ξ]ᵀ */
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, co, ci, nt, 1.0f, w.M + (size_t)xi * co * nt, nt,
                      w.V + (size_t)xi * ci * nt, nt, 1.0f, w.dU + (size_t)xi * co * ci, ci);
      }
    /* grad_weight[o][c] += Gᵀ dU[·][o][c] G */
    const size_t plane = (size_t)co * ci;
    for (size_t oc = 0; oc < plane; oc++) {
      float u[4][4], t[3][4];
      for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = w.dU[xi * plane + oc];
      for (int j = 0; j < 4; j++) { /* t = Gᵀ u */
        t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
        t[1][j] = 0.5f * (u[1][j] - u[2][j]);
        t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
      }
      float *g = grad_weight + oc * 9;
      for (int i = 0; i < 3; i++) { /* g += t G */
        g[3 * i + 0] += t[i][0] + 0.5f * (t[i][1] + t[i][2]);
        g[3 * i + 1] += 0.5f * (t[i][1] - t[i][2]);
        g[3 * i + 2] += 0.5f * (t[i][1] + t[i][2]) + t[i][3];
      }
    }
  }
  if (grad_input) {
    /* the input gradient: a forward convolution Cout → Cin of dY with W'[c][o][i][j] = W[o][c][2-i][2-j] */
    Conv2dShape back;
    PetscCall(conv2d_shape_init(&back, s->batch, co, ci, s->out_height, s->out_width, 3, 1, 1));
    for (int c = 0; c < ci; c++)
      for (int o = 0; o < co; o++)
        for (int k = 0; k < 9; k++)
          w.rotated[((size_t)c * co + o) * 9 + k] = weight[((size_t)o * ci + c) * 9 + (8 - k)];
    transform_kernels(ci, co, w.rotated, w.U);
    winograd_apply(&back, grad_output, w.U, NULL, accumulate, grad_input, w.V, w.M, w.row);
  }
  PetscFunctionReturn(0);
}
