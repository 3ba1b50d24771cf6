/* tiling.c — overlapping tiles with smooth blending for segmenting large micrographs. */
#include <math.h>
#include "core/error_check.h"
#include "train/tiling.h"

const char *const blend_mode_names[] = {"cosine", "linear", "BlendMode", "BLEND_", NULL};

PetscErrorCode tiling_starts(PetscInt n, int tile, int overlap, PetscInt *count, PetscInt **starts)
{
  PetscFunctionBeginUser;
  PetscCheck(tile > 0 && overlap >= 0 && overlap < tile, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-overlap %d with -tile %d: allowed 0 <= overlap < tile", overlap, tile);
  PetscCheck(n >= tile, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "axis of %d pixels is shorter than a tile (%d)", (int)n,
             tile);
  PetscInt step = tile - overlap, k = 1 + (n - tile + step - 1) / step; /* enough tiles to reach the end */
  PetscCall(PetscMalloc1(k, starts));
  for (PetscInt i = 0; i < k; i++)
    (*starts)[i] = PetscMin(i * step, n - tile); /* the last one is pushed back to end at n */
  *count = k;
  PetscFunctionReturn(0);
}

/* Weight of position i in a tile along one axis: ramps over `overlap` pixels at an edge that
 * has a neighbour (not at the image border). Strictly positive, so every pixel is covered. */
static double axis_weight(int i, int tile, int overlap, int ramp_low, int ramp_high, BlendMode blend)
{
  double w = 1;
  if (overlap > 0) {
    double low = ramp_low ? (i + 0.5) / overlap : 1, high = ramp_high ? (tile - i - 0.5) / overlap : 1;
    w = fmin(1, fmin(low, high));
  }
  return blend == BLEND_COSINE ? 0.5 - 0.5 * cos(M_PI * w) : w;
}

/* Index into an axis of n >= 1 pixels for position i >= 0 of the mirror-padded axis: reflect
 * at the edges without repeating the edge pixel (0 1 .. n-1 n-2 .. 1 0 1 ..), for any i, so an
 * image much smaller than a tile is still read only inside its bounds. */
static PetscInt mirror_index(PetscInt i, PetscInt n)
{
  if (n == 1) return 0;
  PetscInt period = 2 * (n - 1), k = i % period;
  return k < n ? k : period - k;
}

PetscErrorCode tiling_apply(const TilingConfig *c, const float *image, PetscInt ny, PetscInt nx, TileFunction function,
                            void *context, float *output)
{
  PetscInt py = PetscMax(ny, c->tile), px = PetscMax(nx, c->tile); /* padded size */
  PetscInt n_y, n_x, *start_y, *start_x;
  float   *padded, *tiles, *outputs;
  double  *sum, *weight_sum;
  size_t   tile_pixels = (size_t)c->tile * c->tile;

  PetscFunctionBeginUser;
  PetscCheck(c->batch > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "tile batch %d: must be positive", c->batch);
  PetscCheck(c->tile > 0 && c->overlap >= 0 && c->overlap < c->tile, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-overlap %d with -tile %d: allowed 0 <= overlap < tile", c->overlap, c->tile);
  PetscCheck(ny > 0 && nx > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "an image of %d x %d pixels cannot be tiled: it needs at least 1 x 1", (int)ny, (int)nx);
  PetscCall(PetscMalloc1((size_t)py * px, &padded));
  /* Mirror padding for images smaller than a tile. */
  for (PetscInt y = 0; y < py; y++)
    for (PetscInt x = 0; x < px; x++)
      padded[(size_t)y * px + x] = image[(size_t)mirror_index(y, ny) * nx + mirror_index(x, nx)];
  PetscCall(tiling_starts(py, c->tile, c->overlap, &n_y, &start_y));
  PetscCall(tiling_starts(px, c->tile, c->overlap, &n_x, &start_x));
  PetscCall(PetscMalloc2(tile_pixels * c->batch, &tiles, tile_pixels * c->batch, &outputs));
  PetscCall(PetscCalloc2((size_t)py * px, &sum, (size_t)py * px, &weight_sum));
  PetscInt total = n_y * n_x;
  for (PetscInt first = 0; first < total; first += c->batch) {
    int count = (int)PetscMin(c->batch, total - first);
    for (int t = 0; t < count; t++) {
      PetscInt y0 = start_y[(first + t) / n_x], x0 = start_x[(first + t) % n_x];
      for (int y = 0; y < c->tile; y++)
        PetscCall(PetscArraycpy(tiles + t * tile_pixels + (size_t)y * c->tile, padded + (y0 + y) * px + x0, c->tile));
    }
    PetscCall(function(context, tiles, count, c->tile, outputs));
    for (int t = 0; t < count; t++) {
      PetscInt ty = (first + t) / n_x, tx = (first + t) % n_x, y0 = start_y[ty], x0 = start_x[tx];
      for (int y = 0; y < c->tile; y++) {
        double wy = axis_weight(y, c->tile, c->overlap, ty > 0, ty < n_y - 1, c->blend);
        for (int x = 0; x < c->tile; x++) {
          double w = wy * axis_weight(x, c->tile, c->overlap, tx > 0, tx < n_x - 1, c->blend);
          sum[(y0 + y) * px + x0 + x] += w * outputs[t * tile_pixels + (size_t)y * c->tile + x];
          weight_sum[(y0 + y) * px + x0 + x] += w;
        }
      }
    }
  }
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      PetscAssert(weight_sum[y * px + x] > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "pixel (%d, %d) not covered by any tile",
                  (int)y, (int)x);
      output[y * nx + x] = (float)(sum[y * px + x] / weight_sum[y * px + x]);
    }
  PetscCall(PetscFree2(sum, weight_sum));
  PetscCall(PetscFree2(tiles, outputs));
  PetscCall(PetscFree(start_y));
  PetscCall(PetscFree(start_x));
  PetscCall(PetscFree(padded));
  PetscFunctionReturn(0);
}
