/* test_tiling.c — tiles cover every pixel; an identity model is reproduced exactly after
 * blending (any image size, both blends, images smaller than a tile); a model that adds a
 * per-tile constant shows the blend is a convex combination, and two constant tiles give the
 * raised-cosine (or linear) profile computed here from its formula. */
#include "train/tiling.h"
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
  UNIT_CHECK(n == 4 && s[0] == 0 && s[1] == 24 && s[2] == 48 && s[3] == 68, "starts %d: %d %d %d %d", (int)n, (int)s[0],
             (int)s[1], (int)s[2], (int)s[3]);
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
      calls          = 0;
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
        if (tiles[((size_t)t * tile + y) * tile + x] !=
            check->image[mirror_walk(y, check->ny) * check->nx + mirror_walk(x, check->nx)])
          check->mismatches++;
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
    UNIT_CHECK(check.tiles == 1 && check.mismatches == 0,
               "%dx%d image: %d tiles, %d padded pixels differ from the reference mirror padding", (int)ny, (int)nx,
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
  TilingConfig c    = {32, 8, 4, BLEND_COSINE}; /* starts 0, 24, 48 */
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

/* Two tiles (32 pixels, overlap 8) side by side along one axis, the first giving 1 everywhere and
 * the second 2: across the overlap the output is 1 + the second tile's share of the weight. The
 * two ramps sample u = (j + 0.5) / overlap and 1 - u, so with the raised-cosine weight
 * sin²(πu/2) (= 0.5 - 0.5 cos πu) and its mirror cos²(πu/2), which sum to 1, the share is
 * sin²(π (j + 0.5) / 16); with the linear ramp it is (j + 0.5) / 8. The two differ by up to
 * 0.05 here, far above float rounding, so a swapped blend fails. Both axes are checked. */
static void test_blend_profile(void)
{
  const int overlap = 8, first_overlap = 24; /* tile starts 0 and 24 on a 56-pixel axis */
  for (int blend = 0; blend < 2; blend++)
    for (int along_y = 0; along_y < 2; along_y++) {
      PetscInt ny = along_y ? 56 : 32, nx = along_y ? 32 : 56;
      float    image[56 * 32], output[56 * 32];
      for (int i = 0; i < 56 * 32; i++) image[i] = 0;
      TilingConfig c    = {32, overlap, 4, (BlendMode)blend};
      int          next = 0;
      UNIT_CALL(tiling_apply(&c, image, ny, nx, tile_number, &next, output));
      UNIT_CHECK(next == 2, "%s blend along %c: expected 2 tiles, got %d", blend_mode_names[blend], along_y ? 'y' : 'x',
                 next);
      double worst    = 0;
      int    worst_at = -1;
      for (int k = 0; k < 56; k++) {
        double expected;
        if (k < first_overlap)
          expected = 1;
        else if (k >= first_overlap + overlap)
          expected = 2;
        else {
          double u = (k - first_overlap + 0.5) / overlap;
          expected = 1 + ((BlendMode)blend == BLEND_COSINE ? pow(sin(M_PI * u / 2), 2) : u);
        }
        for (int across = 0; across < 32; across++) {
          float  got   = along_y ? output[k * nx + across] : output[across * nx + k];
          double error = fabs(got - expected);
          if (error > worst) worst = error, worst_at = k;
        }
      }
      UNIT_CHECK(worst < 1e-6, "%s blend along %c: output differs from the expected profile by %g at position %d",
                 blend_mode_names[blend], along_y ? 'y' : 'x', worst, worst_at);
    }
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_starts);
  UNIT_RUN(test_identity);
  UNIT_RUN(test_blend_convex);
  UNIT_RUN(test_blend_profile);
  UNIT_RUN(test_tiny_images);
  return UNIT_END();
}
