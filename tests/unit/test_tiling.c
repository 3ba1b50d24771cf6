/* test_tiling.c — tiles cover every pixel; an identity model is reproduced exactly after
 * blending (any image size, both blends, images smaller than a tile); a model that adds a
 * per-tile constant shows the blend is a convex combination. */
#include "tiling.h"
#include "unit.h"

static int calls;

static PetscErrorCode identity(void *context, const float *tiles, int count, int tile, float *outputs)
{
  (void)context;
  calls++;
  PetscCall(PetscArraycpy(outputs, tiles, (size_t)count * tile * tile));
  return 0;
}

/* Output = tile index + 1 everywhere: blended values must lie between neighbouring indices. */
static PetscErrorCode tile_number(void *context, const float *tiles, int count, int tile, float *outputs)
{
  int *next = (int *)context;
  (void)tiles;
  for (int t = 0; t < count; t++, (*next)++)
    for (int i = 0; i < tile * tile; i++) outputs[(size_t)t * tile * tile + i] = (float)(*next + 1);
  return 0;
}

static void test_starts(void)
{
  PetscInt n, *s = NULL;
  UNIT_CALL(tiling_starts(100, 32, 8, &n, &s));
  UNIT_CHECK(n == 4 && s[0] == 0 && s[1] == 24 && s[2] == 48 && s[3] == 68, "starts %d: %d %d %d %d", (int)n, (int)s[0], (int)s[1], (int)s[2], (int)s[3]);
  PetscFree(s);
  UNIT_CALL(tiling_starts(32, 32, 8, &n, &s));
  UNIT_CHECK(n == 1 && s[0] == 0, "one tile expected, got %d", (int)n);
  PetscFree(s);
  UNIT_CALL_FAILS(tiling_starts(100, 32, 32, &n, &s));
}

static void test_identity(void)
{
  const PetscInt sizes[][2] = {{100, 77}, {64, 64}, {20, 45}, {7, 9}};
  for (int blend = 0; blend < 2; blend++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      PetscInt ny = sizes[k][0], nx = sizes[k][1];
      float   *image, *output;
      PetscMalloc2(ny * nx, &image, ny * nx, &output);
      for (PetscInt i = 0; i < ny * nx; i++) image[i] = (float)sin(0.37 * i) * 10 + (float)(i % 13);
      TilingConfig c = {32, 8, 3, (BlendMode)blend};
      calls = 0;
      UNIT_CALL(tiling_apply(&c, image, ny, nx, identity, NULL, output));
      double worst = 0;
      for (PetscInt i = 0; i < ny * nx; i++) worst = fmax(worst, fabs(output[i] - image[i]));
      UNIT_CHECK(worst < 1e-5, "identity model, %dx%d, blend %d: max error %g", (int)ny, (int)nx, blend, worst);
      PetscFree2(image, output);
    }
}

/* Mirror padding, the slow obvious way: walk along the axis, turning at either end. */
static PetscInt mirror_walk(PetscInt i, PetscInt n)
{
  PetscInt at = 0, step = 1;
  for (PetscInt k = 0; k < i && n > 1; k++) {
    if (at + step < 0 || at + step >= n) step = -step;
    at += step;
  }
  return at;
}

typedef struct {
  const float *image;
  PetscInt     ny, nx;
  int          mismatches, tiles;
} PaddingCheck;

/* Compares each tile with the reference padding of the image (an image smaller than a tile
 * gives one tile at the origin), then acts as the identity. */
static PetscErrorCode compare_padding(void *context, const float *tiles, int count, int tile, float *outputs)
{
  PaddingCheck *check = (PaddingCheck *)context;
  for (int t = 0; t < count; t++, check->tiles++)
    for (int y = 0; y < tile; y++)
      for (int x = 0; x < tile; x++)
        if (tiles[((size_t)t * tile + y) * tile + x] != check->image[mirror_walk(y, check->ny) * check->nx + mirror_walk(x, check->nx)]) check->mismatches++;
  PetscCall(PetscArraycpy(outputs, tiles, (size_t)count * tile * tile));
  return 0;
}

/* Images much smaller than a tile (the old padding reflected once and then read past the
 * image: 5x5 and 7x9 under a 32-pixel tile read stray memory); 1x1 and 1xN included. */
static void test_tiny_images(void)
{
  const PetscInt sizes[][2] = {{5, 5}, {7, 9}, {1, 1}, {1, 6}, {3, 2}, {2, 31}};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    PetscInt ny = sizes[k][0], nx = sizes[k][1];
    float    image[64], output[64];
    for (PetscInt i = 0; i < ny * nx; i++) image[i] = (float)(i + 1);
    PaddingCheck check = {image, ny, nx, 0, 0};
    TilingConfig c     = {32, 8, 2, BLEND_COSINE};
    UNIT_CALL(tiling_apply(&c, image, ny, nx, compare_padding, &check, output));
    UNIT_CHECK(check.tiles == 1 && check.mismatches == 0, "%dx%d image: %d tiles, %d padded pixels differ from the reference mirror padding", (int)ny, (int)nx,
               check.tiles, check.mismatches);
    double worst = 0;
    for (PetscInt i = 0; i < ny * nx; i++) worst = fmax(worst, fabs(output[i] - image[i]));
    UNIT_CHECK(worst == 0, "%dx%d image through the identity: max error %g", (int)ny, (int)nx, worst);
  }
  /* An image with no pixels is refused before anything is allocated or read. */
  float        pixel = 0;
  TilingConfig c     = {32, 8, 2, BLEND_COSINE};
  UNIT_CALL_FAILS(tiling_apply(&c, &pixel, 0, 0, identity, NULL, &pixel));
  UNIT_CALL_FAILS(tiling_apply(&c, &pixel, 5, 0, identity, NULL, &pixel));
}

static void test_blend_convex(void)
{
  float image[80 * 80], output[80 * 80];
  for (int i = 0; i < 80 * 80; i++) image[i] = 0;
  TilingConfig c = {32, 8, 4, BLEND_COSINE}; /* starts 0, 24, 48 */
  int          next = 0;
  UNIT_CALL(tiling_apply(&c, image, 80, 80, tile_number, &next, output));
  UNIT_CHECK(next == 9, "expected 3x3 = 9 tiles, got %d", next);
  UNIT_CHECK(output[0] == 1.0f && output[80 * 80 - 1] == 9.0f, "corners %g %g", output[0], output[80 * 80 - 1]);
  /* Across the overlap between tiles 1 and 2 (first row, columns 24..31) values rise monotonically from 1 to 2. */
  int monotone = 1;
  for (int x = 22; x < 34; x++) monotone &= output[x + 1] >= output[x] && output[x] >= 1 && output[x] <= 2;
  UNIT_CHECK(monotone, "blend across the overlap is not a monotone ramp from 1 to 2");
  UNIT_CHECK(output[27] > 1.2f && output[27] < 1.8f, "middle of the overlap %g should mix both tiles", output[27]);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_starts);
  UNIT_RUN(test_identity);
  UNIT_RUN(test_blend_convex);
  UNIT_RUN(test_tiny_images);
  return UNIT_END();
}
