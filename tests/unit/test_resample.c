/* test_resample.c — the resampler (resample.h): a constant stays constant; a linear ramp
 * shrunk by 2 equals the ramp at the output centres (area average of a linear function) and
 * enlarged by 2 equals it between the outermost centres and the end values beyond them; a
 * checkerboard of period 2 shrunk by 2 is its mean (the anti-aliasing a point sampler lacks);
 * enlarging by 2 then shrinking by 2 gives back a smooth image; and the fast separable version
 * equals the reference on random images for shrinking, enlarging, mixed and odd factors.
 *
 * `test_resample --mask-iou A.png B.png` is a helper of tests/integration/test_segment_scale.sh:
 * mask B (0/255) is brought to A's grid with this resampler and both are thresholded at 127.5;
 * it prints "iou <intersection / union> differing <pixels> of <pixels>". */
#include "train/micrograph.h"
#include "train/resample.h"
#include "unit.h"

static double worst_difference(const float *a, const float *b, PetscInt n)
{
  double worst = 0;
  for (PetscInt i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
  return worst;
}

static void test_constant(void)
{
  const PetscInt sizes[][4] = {{30, 20, 15, 10}, {15, 10, 30, 20}, {17, 13, 5, 29}, {8, 8, 8, 8}, {7, 9, 1, 1}};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    PetscInt ny = sizes[k][0], nx = sizes[k][1], my = sizes[k][2], mx = sizes[k][3];
    float   *in, *out;
    PetscMalloc2(ny * nx, &in, my * mx, &out);
    for (PetscInt i = 0; i < ny * nx; i++) in[i] = 3.25f;
    UNIT_CALL(resample_image(in, ny, nx, my, mx, out));
    double worst = 0;
    for (PetscInt i = 0; i < my * mx; i++) worst = fmax(worst, fabs(out[i] - 3.25));
    UNIT_CHECK(worst < 1e-5, "%dx%d -> %dx%d: a constant 3.25 changed by up to %g", (int)nx, (int)ny, (int)mx, (int)my,
               worst);
    PetscFree2(in, out);
  }
}

/* Ramp value at input pixel coordinates (y, x). */
static double ramp(double y, double x) { return 2.0 + 0.5 * x - 0.25 * y; }

static void test_ramp(void)
{
  const PetscInt ny = 12, nx = 16;
  float          in[12 * 16], half[6 * 8], twice[24 * 32];
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) in[y * nx + x] = (float)ramp((double)y, (double)x);
  /* shrink by 2: output pixel i covers input pixels 2i, 2i+1, centre 2i + 0.5 */
  UNIT_CALL(resample_image(in, ny, nx, ny / 2, nx / 2, half));
  double worst = 0;
  for (PetscInt i = 0; i < ny / 2; i++)
    for (PetscInt j = 0; j < nx / 2; j++)
      worst = fmax(worst, fabs(half[i * nx / 2 + j] - ramp(2 * i + 0.5, 2 * j + 0.5)));
  UNIT_CHECK(worst < 1e-5, "ramp shrunk by 2: max error %g against the ramp at 2i + 0.5", worst);
  /* enlarge by 2: output centre i is at input (i + 0.5)/2 - 0.5, held at 0 and n - 1 beyond */
  UNIT_CALL(resample_image(in, ny, nx, 2 * ny, 2 * nx, twice));
  worst = 0;
  for (PetscInt i = 0; i < 2 * ny; i++)
    for (PetscInt j = 0; j < 2 * nx; j++) {
      double y = fmin(fmax((i + 0.5) / 2 - 0.5, 0), ny - 1.0), x = fmin(fmax((j + 0.5) / 2 - 0.5, 0), nx - 1.0);
      worst = fmax(worst, fabs(twice[i * 2 * nx + j] - ramp(y, x)));
    }
  UNIT_CHECK(worst < 1e-5, "ramp enlarged by 2: max error %g against the ramp at (i + 0.5)/2 - 0.5", worst);
  UNIT_CHECK(fabs(twice[1 * 2 * nx + 5] - ramp(0.25, 2.25)) < 1e-5,
             "pixel (1, 5) of the enlarged ramp: %g, expected %g", (double)twice[1 * 2 * nx + 5], ramp(0.25, 2.25));
}

/* A point sampler (or plain bilinear) would return one colour of the checkerboard. */
static void test_checkerboard(void)
{
  const PetscInt n = 32;
  float          in[32 * 32], out[16 * 16], coarse[8 * 8];
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) in[y * n + x] = (x + y) % 2 ? 10.0f : 2.0f;
  UNIT_CALL(resample_image(in, n, n, n / 2, n / 2, out));
  double worst = 0;
  for (PetscInt i = 0; i < n * n / 4; i++) worst = fmax(worst, fabs(out[i] - 6.0));
  UNIT_CHECK(worst < 1e-5, "checkerboard 2/10 shrunk by its period: max distance %g from the mean 6", worst);
  /* a non-integer factor (32 -> 12, s = 8/3) still averages it to within one partial pixel's share */
  UNIT_CALL(resample_image(in, n, n, 12, 12, coarse));
  worst = 0;
  for (PetscInt i = 0; i < 64; i++) worst = fmax(worst, fabs(coarse[i] - 6.0));
  UNIT_CHECK(worst < 8.0 * 0.25, "checkerboard shrunk by 8/3: max distance %g from the mean 6 (allowed < 2)", worst);
}

static void test_round_trip(void)
{
  const PetscInt n = 40;
  float          in[40 * 40], up[80 * 80], back[40 * 40];
  for (PetscInt y = 0; y < n; y++)
    for (PetscInt x = 0; x < n; x++) in[y * n + x] = (float)(sin(0.3 * x) * cos(0.2 * y) + 0.01 * x * y);
  UNIT_CALL(resample_image(in, n, n, 2 * n, 2 * n, up));
  UNIT_CALL(resample_image(up, 2 * n, 2 * n, n, n, back));
  double worst = 0;
  for (PetscInt y = 1; y < n - 1; y++)
    for (PetscInt x = 1; x < n - 1; x++) worst = fmax(worst, fabs(back[y * n + x] - in[y * n + x]));
  /* enlarging then averaging pairs is a [1, 6, 1]/8 smoothing per axis: error about |laplacian f|/8, here
   * at most (0.3^2 + 0.2^2)/8 = 0.016 */
  UNIT_CHECK(worst < 0.02, "enlarged by 2 then shrunk by 2: max interior error %g (allowed 0.02)", worst);
  UNIT_CHECK(worst > 0, "the round trip is a smoothing, not the identity: error exactly 0 means no resampling");
}

static void test_against_reference(void)
{
  const PetscInt sizes[][4] = {{24, 30, 12, 10}, {10, 12, 25, 31}, {21, 16, 8, 40}, {9, 9, 9, 9}, {33, 17, 7, 3}};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    PetscInt ny = sizes[k][0], nx = sizes[k][1], my = sizes[k][2], mx = sizes[k][3];
    float   *in, *fast, *slow;
    PetscMalloc3(ny * nx, &in, my * mx, &fast, my * mx, &slow);
    unsigned state = 12345u + (unsigned)k;
    for (PetscInt i = 0; i < ny * nx; i++) {
      state = state * 1664525u + 1013904223u;
      in[i] = (float)(state >> 8) / (float)(1u << 24) * 100.0f - 50.0f;
    }
    UNIT_CALL(resample_image(in, ny, nx, my, mx, fast));
    UNIT_CALL(resample_image_ref(in, ny, nx, my, mx, slow));
    double worst = worst_difference(fast, slow, my * mx);
    UNIT_CHECK(worst < 1e-4, "%dx%d -> %dx%d: fast and reference differ by %g", (int)nx, (int)ny, (int)mx, (int)my,
               worst);
    PetscFree3(in, fast, slow);
  }
}

static void test_lengths(void)
{
  UNIT_CHECK(resample_length(1000, 0.1, 0.2) == 500, "1000 pixels of 0.1 at 0.2: %d",
             (int)resample_length(1000, 0.1, 0.2));
  UNIT_CHECK(resample_length(300, 0.2, 0.1) == 600, "300 pixels of 0.2 at 0.1: %d",
             (int)resample_length(300, 0.2, 0.1));
  UNIT_CHECK(resample_length(101, 0.1, 0.2) == 51, "101 pixels of 0.1 at 0.2 (50.5 rounds up): %d",
             (int)resample_length(101, 0.1, 0.2));
  UNIT_CHECK(resample_length(3, 0.1, 10) == 1, "at least one pixel: %d", (int)resample_length(3, 0.1, 10));
  UNIT_CALL_FAILS(resample_image(NULL, 0, 4, 2, 2, NULL));
}

static int mask_iou(const char *reference_path, const char *other_path)
{
  Micrograph *a = NULL, *b = NULL;
  float      *b_on_a;
  if (micrograph_read(reference_path, 0, &a) || micrograph_read(other_path, 0, &b)) return 1;
  size_t n = (size_t)a->ny * a->nx, intersection = 0, union_ = 0, differing = 0;
  if (PetscMalloc1(n, &b_on_a) || resample_image(b->pixels, b->ny, b->nx, a->ny, a->nx, b_on_a)) return 1;
  for (size_t i = 0; i < n; i++) {
    int in_a = a->pixels[i] > 127.5f, in_b = b_on_a[i] > 127.5f;
    intersection += in_a && in_b, union_ += in_a || in_b, differing += in_a != in_b;
  }
  printf("iou %.4f differing %zu of %zu\n", union_ ? (double)intersection / (double)union_ : 1.0, differing, n);
  PetscFree(b_on_a);
  micrograph_destroy(&a);
  micrograph_destroy(&b);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc == 4 && !strcmp(argv[1], "--mask-iou")) {
    if (PetscInitialize(NULL, NULL, NULL, NULL)) return 1;
    int status = mask_iou(argv[2], argv[3]);
    return PetscFinalize() || status;
  }
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_constant);
  UNIT_RUN(test_ramp);
  UNIT_RUN(test_checkerboard);
  UNIT_RUN(test_round_trip);
  UNIT_RUN(test_against_reference);
  UNIT_RUN(test_lengths);
  return UNIT_END();
}
