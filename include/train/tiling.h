/* tiling.h — applying a fixed-size model to images of any size: overlapping tiles, each
 * processed in batches by a callback, blended with weights that fall smoothly to the tile
 * edges inside the image (cosine or linear ramps over the overlap) and stay 1 at the image
 * border, then divided by the summed weight. An image smaller than a tile is mirror-padded.
 * With an identity callback the output equals the input (up to rounding): the test. */
#pragma once
#include <petscsys.h>

typedef enum { BLEND_COSINE = 0, BLEND_LINEAR = 1 } BlendMode;
extern const char *const blend_mode_names[]; /* "cosine", "linear" (PETSc enum list) */

/* Process `count` tiles [count][tile][tile] into outputs [count][tile][tile]. */
typedef PetscErrorCode (*TileFunction)(void *context, const float *tiles, int count, int tile, float *outputs);

/* Tile geometry and blending. */
typedef struct {
  int       tile;    /* tile side in pixels (a multiple of the network's 2^depth) */
  int       overlap; /* pixels shared by neighbouring tiles (0 <= overlap < tile) */
  int       batch;   /* tiles per callback */
  BlendMode blend;
} TilingConfig;

/* output [ny][nx]: the blended callback outputs for image [ny][nx]. */
PetscErrorCode tiling_apply(const TilingConfig *config, const float *image, PetscInt ny, PetscInt nx,
                            TileFunction function, void *context, float *output);
/* Tile start positions along one axis of length n (n >= tile): 0, step, ..., n - tile. */
PetscErrorCode tiling_starts(PetscInt n, int tile, int overlap, PetscInt *count, PetscInt **starts);
