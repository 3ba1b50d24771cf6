/* test_nn_layers.c — every nn kernel against a direct-loop reference and against
 * central finite differences of a random linear functional L = Σ r·y. */
#include <stdint.h>
#include "nn/tensor.h"
#include "unit.h"
#include "nn/conv2d.h"
#include "nn/batchnorm.h"
#include "nn/activation.h"
#include "nn/pooling.h"
#include "nn/loss.h"
#include "core/rng.h"

static RngStream test_rng;

static void random_fill(float *x, size_t n, double scale)
{
  for (size_t i = 0; i < n; i++) x[i] = (float)(scale * rng_normal(&test_rng));
}

static double max_abs(const float *x, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
}

static double max_abs_difference(const float *a, const float *b, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
  return m;
}

/* A layer under test: forward(ctx) fills ctx's output from ctx's current inputs. */
typedef PetscErrorCode (*ForwardFunction)(void *context);

static double functional(ForwardFunction forward, void *context, const float *output, const float *r, size_t n)
{
  double sum = 0;
  if (forward(context)) return NAN;
  for (size_t i = 0; i < n; i++) sum += (double)r[i] * output[i];
  return sum;
}

/* Compares analytic[i] with (L(x+h) - L(x-h)) / 2h for up to 24 spread entries of x.
 * Tolerance: 1e-2 relative to max(|analytic|, 1e-2 · max|analytic over all|). Returns max rel error. */
static double finite_difference_check(ForwardFunction forward, void *context, const float *output, const float *r,
                                      size_t n_output, float *x, const float *analytic, size_t n_x, double h)
{
  double worst = 0, scale = 1e-2 * max_abs(analytic, n_x) + 1e-6;
  size_t stride = n_x > 24 ? n_x / 24 : 1;
  for (size_t i = 0; i < n_x; i += stride) {
    float saved    = x[i];
    x[i]           = saved + (float)h;
    double plus    = functional(forward, context, output, r, n_output);
    x[i]           = saved - (float)h;
    double minus   = functional(forward, context, output, r, n_output);
    x[i]           = saved;
    double numeric = (plus - minus) / (2 * ((double)(saved + (float)h) - saved));
    double error   = fabs(numeric - analytic[i]) / fmax(fabs(analytic[i]), scale);
    worst          = fmax(worst, error);
  }
  (void)functional(forward, context, output, r, n_output);
  return worst;
}

/* ---------------------------------------------------------------- convolution */
typedef struct {
  Conv2dShape s;
  float      *x, *w, *b, *y, *ws;
} ConvCase;

static PetscErrorCode conv_case_forward(void *c)
{
  ConvCase *k = (ConvCase *)c;
  return conv2d_forward(&k->s, k->x, k->w, k->b, k->y, k->ws);
}

static void conv_one(int batch, int cin, int cout, int h, int w, int kernel, int stride, int padding, int algorithm,
                     const char *label)
{
  ConvCase k;
  size_t   nx, nw, ny;
  float   *y_ref, *r, *dx, *dw, *db, *dx_ref, *dw_ref, *db_ref;

  UNIT_CALL(conv2d_shape_init(&k.s, batch, cin, cout, h, w, kernel, stride, padding));
  k.s.algorithm = algorithm;
  nx            = (size_t)batch * cin * h * w;
  nw            = (size_t)cout * cin * kernel * kernel;
  ny            = (size_t)batch * cout * k.s.out_height * k.s.out_width;
  UNIT_CALL(tensor_alloc(nx, &k.x));
  UNIT_CALL(tensor_alloc(nw, &k.w));
  UNIT_CALL(tensor_alloc(cout, &k.b));
  UNIT_CALL(tensor_alloc(ny, &k.y));
  UNIT_CALL(tensor_alloc(conv2d_workspace_count(&k.s), &k.ws));
  UNIT_CALL(tensor_alloc(ny, &y_ref));
  UNIT_CALL(tensor_alloc(ny, &r));
  UNIT_CALL(tensor_alloc(nx, &dx));
  UNIT_CALL(tensor_alloc(nw, &dw));
  UNIT_CALL(tensor_alloc(cout, &db));
  UNIT_CALL(tensor_alloc(nx, &dx_ref));
  UNIT_CALL(tensor_alloc(nw, &dw_ref));
  UNIT_CALL(tensor_alloc(cout, &db_ref));
  random_fill(k.x, nx, 1);
  random_fill(k.w, nw, 0.3);
  random_fill(k.b, cout, 0.3);
  random_fill(r, ny, 1);
  /* fast vs reference: forward, backward (and accumulate = 1 adds) */
  UNIT_CALL(conv2d_forward(&k.s, k.x, k.w, k.b, k.y, k.ws));
  UNIT_CALL(conv2d_forward_ref(&k.s, k.x, k.w, k.b, y_ref));
  double fe = max_abs_difference(k.y, y_ref, ny) / max_abs(y_ref, ny);
  UNIT_CHECK(fe < 1e-5, "%s: forward differs from the reference by %g (relative)", label, fe);
  UNIT_CALL(conv2d_backward(&k.s, k.x, k.w, r, dx, 0, dw, db, k.ws));
  UNIT_CALL(conv2d_backward_ref(&k.s, k.x, k.w, r, dx_ref, 0, dw_ref, db_ref));
  double ex = max_abs_difference(dx, dx_ref, nx) / max_abs(dx_ref, nx);
  double ew = max_abs_difference(dw, dw_ref, nw) / max_abs(dw_ref, nw);
  double eb = max_abs_difference(db, db_ref, cout) / max_abs(db_ref, cout);
  UNIT_CHECK(ex < 1e-5 && ew < 1e-5 && eb < 1e-5, "%s: backward differs from the reference: dx %g dw %g db %g", label,
             ex, ew, eb);
  UNIT_CALL(conv2d_backward(&k.s, k.x, k.w, r, dx, 1, NULL, NULL, k.ws));
  for (size_t i = 0; i < nx; i++) dx_ref[i] *= 2;
  ex = max_abs_difference(dx, dx_ref, nx) / max_abs(dx_ref, nx);
  UNIT_CHECK(ex < 1e-5, "%s: accumulate=1 input gradient is not the sum (%g)", label, ex);
  /* finite differences (dw, db hold one backward's sums: reset them) */
  memset(dw, 0, sizeof(float) * nw);
  memset(db, 0, sizeof(float) * cout);
  UNIT_CALL(conv2d_backward(&k.s, k.x, k.w, r, dx, 0, dw, db, k.ws));
  double gx = finite_difference_check(conv_case_forward, &k, k.y, r, ny, k.x, dx, nx, 1e-2);
  double gw = finite_difference_check(conv_case_forward, &k, k.y, r, ny, k.w, dw, nw, 1e-2);
  double gb = finite_difference_check(conv_case_forward, &k, k.y, r, ny, k.b, db, cout, 1e-2);
  UNIT_CHECK(gx < 1e-2 && gw < 1e-2 && gb < 1e-2, "%s: finite differences: dx %g dw %g db %g", label, gx, gw, gb);
  tensor_free(&k.x);
  tensor_free(&k.w);
  tensor_free(&k.b);
  tensor_free(&k.y);
  tensor_free(&k.ws);
  tensor_free(&y_ref);
  tensor_free(&r);
  tensor_free(&dx);
  tensor_free(&dw);
  tensor_free(&db);
  tensor_free(&dx_ref);
  tensor_free(&dw_ref);
  tensor_free(&db_ref);
}

/* Every 3×3 stride-1 case runs with both fast algorithms: im2col + sgemm and Winograd F(2×2,3×3). */
static void conv_both(int batch, int cin, int cout, int h, int w, const char *label)
{
  char name[96];
  snprintf(name, sizeof name, "%s im2col", label);
  conv_one(batch, cin, cout, h, w, 3, 1, 1, CONV2D_ALGORITHM_IM2COL, name);
  snprintf(name, sizeof name, "%s winograd", label);
  conv_one(batch, cin, cout, h, w, 3, 1, 1, CONV2D_ALGORITHM_WINOGRAD, name);
}
static void test_conv3x3_matches_reference_and_finite_differences(void) { conv_both(2, 3, 4, 7, 6, "3x3"); }
static void test_conv3x3_narrowing_matches_reference(void) { conv_both(2, 6, 3, 5, 7, "3x3 6->3 odd sizes"); }
static void test_conv3x3_single_pixel_rows_match_reference(void) { conv_both(1, 2, 2, 1, 5, "3x3 on 1x5"); }
static void test_conv1x1_matches_reference_and_finite_differences(void)
{
  conv_one(2, 5, 3, 4, 6, 1, 1, 0, CONV2D_ALGORITHM_AUTO, "1x1");
}
static void test_conv3x3_stride2_matches_reference(void)
{
  conv_one(2, 2, 3, 8, 6, 3, 2, 1, CONV2D_ALGORITHM_AUTO, "3x3/2");
}
static void test_conv_large_random_matches_reference(void) { conv_both(1, 16, 32, 24, 20, "16->32 24x20"); }
/* im2col: 128 channels × 9 × 64 columns, bands of 14 rows (2^20 floats of columns), 32 rows = 14 + 14 + 4;
 * Winograd: 16·144·32 floats per tile row, bands of 3 tile rows, 16 tile rows = 5·3 + 1 */
static void test_conv_in_row_bands_matches_reference(void) { conv_both(1, 128, 16, 32, 64, "128->16 in bands"); }
static void test_conv_winograd_requires_3x3_same(void)
{
  Conv2dShape s;
  float       x[16] = {0}, wt[9] = {0}, y[16];
  UNIT_CALL(conv2d_shape_init(&s, 1, 1, 1, 4, 4, 3, 2, 1));
  s.algorithm = CONV2D_ALGORITHM_WINOGRAD;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscErrorCode ierr = conv2d_forward(&s, x, wt, NULL, y, NULL);
  PetscPopErrorHandler();
  UNIT_CHECK(ierr != 0, "Winograd on a stride-2 convolution was accepted");
}

/* ---------------------------------------------------------------- transposed convolution */
typedef struct {
  int    n, ci, co, h, w;
  float *x, *wt, *b, *y, *ws;
} TransposedCase;

static PetscErrorCode transposed_case_forward(void *c)
{
  TransposedCase *k = (TransposedCase *)c;
  return transposed_conv_forward(k->n, k->ci, k->co, k->h, k->w, k->x, k->wt, k->b, k->y, k->ws);
}

static void test_transposed_conv(void)
{
  TransposedCase k = {2, 3, 4, 3, 5, NULL, NULL, NULL, NULL, NULL};
  size_t nx = (size_t)k.n * k.ci * k.h * k.w, nw = (size_t)k.ci * k.co * 4, ny = (size_t)k.n * k.co * 4 * k.h * k.w;
  float *y_ref, *r, *dx, *dw, *db;
  UNIT_CALL(tensor_alloc(nx, &k.x));
  UNIT_CALL(tensor_alloc(nw, &k.wt));
  UNIT_CALL(tensor_alloc(k.co, &k.b));
  UNIT_CALL(tensor_alloc(ny, &k.y));
  UNIT_CALL(tensor_alloc(transposed_conv_workspace_count(k.ci, k.co, k.h, k.w), &k.ws));
  UNIT_CALL(tensor_alloc(ny, &y_ref));
  UNIT_CALL(tensor_alloc(ny, &r));
  UNIT_CALL(tensor_alloc(nx, &dx));
  UNIT_CALL(tensor_alloc(nw, &dw));
  UNIT_CALL(tensor_alloc(k.co, &db));
  random_fill(k.x, nx, 1);
  random_fill(k.wt, nw, 0.5);
  random_fill(k.b, k.co, 0.5);
  random_fill(r, ny, 1);
  UNIT_CALL(transposed_case_forward(&k));
  UNIT_CALL(transposed_conv_forward_ref(k.n, k.ci, k.co, k.h, k.w, k.x, k.wt, k.b, y_ref));
  double fe = max_abs_difference(k.y, y_ref, ny) / max_abs(y_ref, ny);
  UNIT_CHECK(fe < 1e-5, "forward differs from the reference by %g", fe);
  UNIT_CALL(transposed_conv_backward(k.n, k.ci, k.co, k.h, k.w, k.x, k.wt, r, dx, 0, dw, db, k.ws));
  double gx = finite_difference_check(transposed_case_forward, &k, k.y, r, ny, k.x, dx, nx, 1e-2);
  double gw = finite_difference_check(transposed_case_forward, &k, k.y, r, ny, k.wt, dw, nw, 1e-2);
  double gb = finite_difference_check(transposed_case_forward, &k, k.y, r, ny, k.b, db, k.co, 1e-2);
  UNIT_CHECK(gx < 1e-2 && gw < 1e-2 && gb < 1e-2, "finite differences: dx %g dw %g db %g", gx, gw, gb);
  tensor_free(&k.x);
  tensor_free(&k.wt);
  tensor_free(&k.b);
  tensor_free(&k.y);
  tensor_free(&k.ws);
  tensor_free(&y_ref);
  tensor_free(&r);
  tensor_free(&dx);
  tensor_free(&dw);
  tensor_free(&db);
}

/* ---------------------------------------------------------------- batch norm */
typedef struct {
  BatchNorm bn;
  float    *x, *gamma, *beta, *rm, *rv, *y, *mean, *istd;
} BatchNormCase;

static PetscErrorCode batchnorm_case_forward(void *c)
{
  BatchNormCase *k = (BatchNormCase *)c;
  return batchnorm_forward(&k->bn, k->x, k->gamma, k->beta, k->rm, k->rv, PETSC_TRUE, k->y, k->mean, k->istd);
}

/* a reducer as if an identical second replica existed: every sum doubles */
static PetscErrorCode twin_reducer(void *context, double *values, int count)
{
  (void)context;
  for (int i = 0; i < count; i++) values[i] *= 2;
  return 0;
}

static void test_batchnorm(void)
{
  BatchNormCase k;
  double        scratch[64];
  int           n = 3, C = 4, h = 3, w = 5;
  size_t        nx = (size_t)n * C * h * w;
  float        *r, *dx, *dg, *db, *y2, *dx2;
  memset(&k, 0, sizeof(k));
  k.bn = (BatchNorm){n, C, h, w, 0.1f, 1e-5f, NULL, NULL, scratch, PETSC_FALSE};
  UNIT_CALL(tensor_alloc(nx, &k.x));
  UNIT_CALL(tensor_alloc(nx, &k.y));
  UNIT_CALL(tensor_alloc(nx, &r));
  UNIT_CALL(tensor_alloc(nx, &dx));
  UNIT_CALL(tensor_alloc(nx, &y2));
  UNIT_CALL(tensor_alloc(nx, &dx2));
  UNIT_CALL(tensor_alloc(C, &k.gamma));
  UNIT_CALL(tensor_alloc(C, &k.beta));
  UNIT_CALL(tensor_alloc(C, &k.rm));
  UNIT_CALL(tensor_alloc(C, &k.rv));
  UNIT_CALL(tensor_alloc(C, &k.mean));
  UNIT_CALL(tensor_alloc(C, &k.istd));
  UNIT_CALL(tensor_alloc(C, &dg));
  UNIT_CALL(tensor_alloc(C, &db));
  random_fill(k.x, nx, 2);
  random_fill(r, nx, 1);
  for (int c = 0; c < C; c++) k.gamma[c] = 1.0f + 0.3f * c, k.beta[c] = 0.1f * c, k.rv[c] = 1;
  for (size_t i = 0; i < nx; i++) k.x[i] += 3; /* a non-zero mean */
  UNIT_CALL(batchnorm_case_forward(&k));
  /* output per channel has mean beta and standard deviation gamma */
  for (int c = 0; c < C; c++) {
    double s = 0, q = 0;
    for (int b = 0; b < n; b++)
      for (int i = 0; i < h * w; i++) {
        double v = k.y[((size_t)b * C + c) * h * w + i];
        s += v;
        q += v * v;
      }
    double mean = s / (n * h * w), sd = sqrt(q / (n * h * w) - mean * mean);
    UNIT_CHECK_ABSOLUTE(mean, k.beta[c], 1e-5);
    UNIT_CHECK_RELATIVE(sd, k.gamma[c], 1e-3);
  }
  UNIT_CALL(batchnorm_backward(&k.bn, k.x, NULL, k.gamma, k.mean, k.istd, r, dx, 0, dg, db));
  double gx = finite_difference_check(batchnorm_case_forward, &k, k.y, r, nx, k.x, dx, nx, 1e-2);
  double gg = finite_difference_check(batchnorm_case_forward, &k, k.y, r, nx, k.gamma, dg, C, 1e-2);
  double gb = finite_difference_check(batchnorm_case_forward, &k, k.y, r, nx, k.beta, db, C, 1e-2);
  UNIT_CHECK(gx < 1e-2 && gg < 1e-2 && gb < 1e-2, "finite differences: dx %g dgamma %g dbeta %g", gx, gg, gb);
  /* the synchronised path with a twin replica gives the same normalisation and input gradient */
  k.bn.reducer = twin_reducer;
  UNIT_CALL(batchnorm_forward(&k.bn, k.x, k.gamma, k.beta, k.rm, k.rv, PETSC_TRUE, y2, k.mean, k.istd));
  UNIT_CALL(batchnorm_backward(&k.bn, k.x, NULL, k.gamma, k.mean, k.istd, r, dx2, 0, dg, db));
  UNIT_CHECK(max_abs_difference(k.y, y2, nx) < 1e-5, "reduced forward differs by %g", max_abs_difference(k.y, y2, nx));
  UNIT_CHECK(max_abs_difference(dx, dx2, nx) < 1e-5 * max_abs(dx, nx), "reduced backward differs by %g",
             max_abs_difference(dx, dx2, nx));
  /* one update of the running averages from (0, 1): mean·0.1 and 0.9 + 0.1·unbiased variance */
  k.bn.reducer = NULL;
  for (int c = 0; c < C; c++) k.rm[c] = 0, k.rv[c] = 1;
  UNIT_CALL(batchnorm_case_forward(&k));
  for (int c = 0; c < C; c++) {
    double s = 0, q = 0, m = (double)n * h * w;
    for (int b = 0; b < n; b++)
      for (int i = 0; i < h * w; i++) {
        double v = k.x[((size_t)b * C + c) * h * w + i];
        s += v;
        q += v * v;
      }
    double mean = s / m, var = (q / m - mean * mean) * m / (m - 1);
    UNIT_CHECK_RELATIVE(k.rm[c], 0.1 * mean, 1e-5);
    UNIT_CHECK_RELATIVE(k.rv[c], 0.9 + 0.1 * var, 1e-5);
  }
  /* the fused ReLU equals ReLU of the plain output */
  UNIT_CALL(batchnorm_forward(&k.bn, k.x, k.gamma, k.beta, k.rm, k.rv, PETSC_FALSE, k.y, k.mean, k.istd));
  k.bn.relu = PETSC_TRUE;
  UNIT_CALL(batchnorm_forward(&k.bn, k.x, k.gamma, k.beta, k.rm, k.rv, PETSC_FALSE, y2, k.mean, k.istd));
  int relu_mismatch = 0;
  for (size_t i = 0; i < nx; i++) relu_mismatch += y2[i] != (k.y[i] > 0 ? k.y[i] : 0.0f);
  UNIT_CHECK(relu_mismatch == 0, "fused ReLU differs at %d of %zu values", relu_mismatch, nx);
  /* fused ReLU backward equals the plain backward of the masked gradient */
  float dg2[16] = {0}, db2[16] = {0};
  UNIT_CALL(batchnorm_backward(&k.bn, k.x, y2, k.gamma, k.mean, k.istd, r, dx, 0, dg, db));
  for (size_t i = 0; i < nx; i++) r[i] = y2[i] > 0 ? r[i] : 0.0f;
  memset(dg, 0, sizeof(float) * C);
  memset(db, 0, sizeof(float) * C);
  UNIT_CALL(batchnorm_backward(&k.bn, k.x, y2, k.gamma, k.mean, k.istd, r, dx, 0, dg, db));
  UNIT_CALL(batchnorm_backward(&k.bn, k.x, NULL, k.gamma, k.mean, k.istd, r, dx2, 0, dg2, db2));
  UNIT_CHECK(max_abs_difference(dx, dx2, nx) <= 1e-6 * max_abs(dx2, nx), "fused ReLU backward differs by %g",
             max_abs_difference(dx, dx2, nx));
  UNIT_CHECK(max_abs_difference(dg, dg2, C) <= 1e-6 * max_abs(dg2, C) &&
               max_abs_difference(db, db2, C) <= 1e-6 * max_abs(db2, C),
             "fused ReLU parameter gradients differ");
  tensor_free(&k.x);
  tensor_free(&k.y);
  tensor_free(&r);
  tensor_free(&dx);
  tensor_free(&y2);
  tensor_free(&dx2);
  tensor_free(&k.gamma);
  tensor_free(&k.beta);
  tensor_free(&k.rm);
  tensor_free(&k.rv);
  tensor_free(&k.mean);
  tensor_free(&k.istd);
  tensor_free(&dg);
  tensor_free(&db);
}

/* ---------------------------------------------------------------- ReLU, pooling, upsampling, concat */
typedef struct {
  int            kind; /* 0 relu, 1 pool, 2 upsample, 3 concat */
  int            n, c, h, w;
  float         *x, *x2, *y;
  unsigned char *argmax;
} SimpleCase;

static PetscErrorCode simple_case_forward(void *context)
{
  SimpleCase *k = (SimpleCase *)context;
  switch (k->kind) {
  case 0:
    relu_forward((size_t)k->n * k->c * k->h * k->w, k->x, k->y);
    return 0;
  case 1:
    return maxpool_forward(k->n, k->c, k->h, k->w, k->x, k->y, k->argmax);
  case 2:
    return upsample_forward(k->n, k->c, k->h, k->w, k->x, k->y);
  default:
    return concat_forward(k->n, k->c, 2, (size_t)k->h * k->w, k->x, k->x2, k->y);
  }
}

static void test_relu_pool_upsample_concat(void)
{
  const char *names[] = {"relu", "maxpool", "upsample", "concat"};
  for (int kind = 0; kind < 4; kind++) {
    SimpleCase k  = {kind, 2, 3, 4, 6, NULL, NULL, NULL, NULL};
    size_t     nx = (size_t)k.n * k.c * k.h * k.w, nx2 = (size_t)k.n * 2 * k.h * k.w;
    size_t     ny = kind == 1 ? nx / 4 : kind == 2 ? nx * 4 : kind == 3 ? nx + nx2 : nx;
    float     *r, *dx, *dx2;
    UNIT_CALL(tensor_alloc(nx, &k.x));
    UNIT_CALL(tensor_alloc(nx2, &k.x2));
    UNIT_CALL(tensor_alloc(ny, &k.y));
    UNIT_CALL(tensor_alloc(ny, &r));
    UNIT_CALL(tensor_alloc(nx, &dx));
    UNIT_CALL(tensor_alloc(nx2, &dx2));
    k.argmax = (unsigned char *)malloc(ny);
    /* distinct values at least 0.05 apart, none near 0: no kink inside ±h */
    for (size_t i = 0; i < nx; i++) k.x[i] = (float)(((i * 37) % nx) * 0.05 - nx * 0.025 + 0.025);
    random_fill(k.x2, nx2, 1);
    random_fill(r, ny, 1);
    UNIT_CALL(simple_case_forward(&k));
    if (kind == 0) relu_backward(nx, k.y, r, dx, 0);
    if (kind == 1) UNIT_CALL(maxpool_backward(k.n, k.c, k.h, k.w, k.argmax, r, dx, 0));
    if (kind == 2) UNIT_CALL(upsample_backward(k.n, k.c, k.h, k.w, r, dx, 0));
    if (kind == 3) UNIT_CALL(concat_backward(k.n, k.c, 2, (size_t)k.h * k.w, r, dx, 0, dx2, 0));
    double g = finite_difference_check(simple_case_forward, &k, k.y, r, ny, k.x, dx, nx, 1e-2);
    UNIT_CHECK(g < 1e-2, "%s: finite-difference error %g", names[kind], g);
    if (kind == 3) {
      double g2 = finite_difference_check(simple_case_forward, &k, k.y, r, ny, k.x2, dx2, nx2, 1e-2);
      UNIT_CHECK(g2 < 1e-2, "concat second input: finite-difference error %g", g2);
    }
    tensor_free(&k.x);
    tensor_free(&k.x2);
    tensor_free(&k.y);
    tensor_free(&r);
    tensor_free(&dx);
    tensor_free(&dx2);
    free(k.argmax);
  }
}

/* ---------------------------------------------------------------- losses */
typedef struct {
  LossKind kind;
  UNetHead head;
  int      n, h, w;
  float   *logits, *prob;
  uint8_t *mask;
  float    loss[1];
  double   baseline; /* subtracted so the float output keeps the digits of small changes */
} LossCase;

static PetscErrorCode loss_case_forward(void *context)
{
  LossCase *k = (LossCase *)context;
  size_t    P = (size_t)k->h * k->w;
  double    loss;
  for (int b = 0; b < k->n; b++)
    for (size_t i = 0; i < P; i++) {
      if (k->head == UNET_HEAD_SOFTMAX2) {
        double d                     = (double)k->logits[(b * 2 + 1) * P + i] - k->logits[(b * 2) * P + i];
        k->prob[(b * 2 + 1) * P + i] = (float)(1 / (1 + exp(-d)));
        k->prob[(b * 2) * P + i]     = (float)(1 / (1 + exp(d)));
      } else
        k->prob[b * P + i] = (float)(1 / (1 + exp(-(double)k->logits[b * P + i])));
    }
  PetscCall(loss_compute(k->kind, k->head, k->prob, k->mask, k->n, k->h, k->w, &loss, NULL));
  k->loss[0] = (float)(loss - k->baseline);
  return 0;
}

static void test_losses(void)
{
  for (int head = 0; head < 2; head++)
    for (int kind = 0; kind < 3; kind++) {
      LossCase k = {(LossKind)kind, (UNetHead)head, 2, 4, 5, NULL, NULL, NULL, {0}, 0};
      int      C = head == 0 ? 2 : 1;
      size_t   P = (size_t)k.h * k.w, nl = (size_t)k.n * C * P;
      float   *grad, one                 = 1;
      double   loss;
      UNIT_CALL(tensor_alloc(nl, &k.logits));
      UNIT_CALL(tensor_alloc(nl, &k.prob));
      UNIT_CALL(tensor_alloc(nl, &grad));
      k.mask = (uint8_t *)malloc((size_t)k.n * P);
      random_fill(k.logits, nl, 1.5);
      for (size_t i = 0; i < (size_t)k.n * P; i++) k.mask[i] = rng_below(&test_rng, 2);
      UNIT_CALL(loss_case_forward(&k));
      UNIT_CALL(loss_compute(k.kind, k.head, k.prob, k.mask, k.n, k.h, k.w, &loss, grad));
      UNIT_CHECK(loss > 0 && loss < 5, "%s loss %g", loss_kind_name(k.kind), loss);
      k.baseline = loss;
      double g   = finite_difference_check(loss_case_forward, &k, k.loss, &one, 1, k.logits, grad, nl, 3e-3);
      UNIT_CHECK(g < 1e-2, "%s, %s head: finite-difference error %g", loss_kind_name(k.kind),
                 head ? "sigmoid" : "softmax2", g);
      tensor_free(&k.logits);
      tensor_free(&k.prob);
      tensor_free(&grad);
      free(k.mask);
    }
}

/* perfect predictions give zero cross-entropy and zero Dice loss */
static void test_loss_perfect_prediction(void)
{
  float   prob[2 * 4];
  uint8_t mask[4] = {0, 1, 1, 0};
  double  loss;
  for (int i = 0; i < 4; i++) prob[4 + i] = mask[i], prob[i] = 1 - mask[i];
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY_DICE, UNET_HEAD_SOFTMAX2, prob, mask, 1, 2, 2, &loss, NULL));
  UNIT_CHECK_ABSOLUTE(loss, 0.0, 1e-12);
  for (int i = 0; i < 4; i++) prob[4 + i] = 0.5f, prob[i] = 0.5f;
  UNIT_CALL(loss_compute(LOSS_CROSS_ENTROPY, UNET_HEAD_SOFTMAX2, prob, mask, 1, 2, 2, &loss, NULL));
  UNIT_CHECK_RELATIVE(loss, log(2.0), 1e-7);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  rng_stream_init(&test_rng, 2024, 0, RNG_PURPOSE_TEST);
  UNIT_RUN(test_conv3x3_matches_reference_and_finite_differences);
  UNIT_RUN(test_conv3x3_narrowing_matches_reference);
  UNIT_RUN(test_conv3x3_single_pixel_rows_match_reference);
  UNIT_RUN(test_conv1x1_matches_reference_and_finite_differences);
  UNIT_RUN(test_conv3x3_stride2_matches_reference);
  UNIT_RUN(test_conv_large_random_matches_reference);
  UNIT_RUN(test_conv_in_row_bands_matches_reference);
  UNIT_RUN(test_conv_winograd_requires_3x3_same);
  UNIT_RUN(test_transposed_conv);
  UNIT_RUN(test_batchnorm);
  UNIT_RUN(test_relu_pool_upsample_concat);
  UNIT_RUN(test_losses);
  UNIT_RUN(test_loss_perfect_prediction);
  return UNIT_END();
}
