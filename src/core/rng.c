/* rng.c — Philox4x32-10 and the variates built on it. See rng.h. */
#include <math.h>
#include "core/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u /* golden ratio */
#define PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
    uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
    uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    uint32_t n1 = (uint32_t)p1;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    uint32_t n3 = (uint32_t)p0;
    c0          = n0;
    c1          = n1;
    c2          = n2;
    c3          = n3;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

void rng_stream_init(RngStream *stream, uint64_t seed, uint64_t unit, uint32_t purpose)
{
  stream->key[0]           = (uint32_t)seed;
  stream->key[1]           = (uint32_t)(seed >> 32);
  stream->counter[0]       = 0;
  stream->counter[1]       = purpose;
  stream->counter[2]       = (uint32_t)unit;
  stream->counter[3]       = (uint32_t)(unit >> 32);
  stream->used             = 4;
  stream->has_spare_normal = 0;
  stream->spare_normal     = 0.0;
}

uint32_t rng_uint32(RngStream *stream)
{
  if (stream->used == 4) {
    philox4x32_10(stream->counter, stream->key, stream->block);
    stream->counter[0]++; /* 2^32 blocks = 2^34 words per stream: far beyond any unit's needs */
    stream->used = 0;
  }
  return stream->block[stream->used++];
}

uint64_t rng_uint64(RngStream *stream)
{
  uint64_t high = rng_uint32(stream);
  return (high << 32) | rng_uint32(stream);
}

double rng_uniform(RngStream *stream)
{
  /* 53 bits, shifted by half a step: values k/2^53 + 2^-54, all inside (0, 1). */
  return ((double)(rng_uint64(stream) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t rng_below(RngStream *stream, uint64_t n)
{
  /* Rejection of the incomplete top range removes modulo bias. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng_uint64(stream);
  while (x >= limit);
  return x % n;
}

double rng_normal(RngStream *stream)
{
  if (stream->has_spare_normal) {
    stream->has_spare_normal = 0;
    return stream->spare_normal;
  }
  double radius            = sqrt(-2.0 * log(rng_uniform(stream)));
  double angle             = 2.0 * M_PI * rng_uniform(stream);
  stream->spare_normal     = radius * sin(angle);
  stream->has_spare_normal = 1;
  return radius * cos(angle);
}

/* Hörmann, "The transformed rejection method for generating Poisson random
 * variables", Insurance: Mathematics and Economics 12 (1993) 39–45 (PTRS). */
static uint64_t poisson_ptrs(RngStream *stream, double mean)
{
  double sqrt_mean = sqrt(mean), log_mean = log(mean);
  double b             = 0.931 + 2.53 * sqrt_mean;
  double a             = -0.059 + 0.02483 * b;
  double inverse_alpha = 1.1239 + 1.1328 / (b - 3.4);
  double v_r           = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    double u  = rng_uniform(stream) - 0.5;
    double v  = rng_uniform(stream);
    double us = 0.5 - fabs(u);
    double k  = floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return (uint64_t)k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (log(v) + log(inverse_alpha) - log(a / (us * us) + b) <= -mean + k * log_mean - lgamma(k + 1.0))
      return (uint64_t)k;
  }
}

uint64_t rng_poisson(RngStream *stream, double mean)
{
  if (!(mean > 0.0)) return 0;
  /* Above 2^50 the rejection sampler loses integer precision and near 2^64 its result no longer
   * fits: there the normal limit is exact to far below one count in 10^7. */
  if (mean >= 1125899906842624.0) {
    double k = floor(mean + sqrt(mean) * rng_normal(stream) + 0.5);
    return k >= 1.8e19 ? (uint64_t)1.8e19 : (uint64_t)k;
  }
  if (mean >= 10.0) return poisson_ptrs(stream, mean);
  /* Inversion: walk the CDF from k = 0. */
  double   u           = rng_uniform(stream);
  double   probability = exp(-mean), cumulative = probability;
  uint64_t k = 0;
  while (u > cumulative && k < 1000) {
    k++;
    probability *= mean / (double)k;
    cumulative += probability;
  }
  return k;
}

double rng_uniform_at(uint64_t seed, uint64_t unit, uint32_t purpose, uint32_t index)
{
  const uint32_t key[2]     = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  const uint32_t counter[4] = {index, purpose, (uint32_t)unit, (uint32_t)(unit >> 32)};
  uint32_t       block[4];
  philox4x32_10(counter, key, block);
  /* 52 bits, shifted by half a step: k/2^52 + 2^-53, all exactly representable inside (0, 1).
   * (53 bits shifted so would round the top value, 1 - 2^-54, to 1.) */
  const uint64_t bits = ((uint64_t)block[0] << 32) | block[1];
  return ((double)(bits >> 12) + 0.5) * 0x1.0p-52;
}

/* Acklam, "An algorithm for computing the inverse normal cumulative distribution function"
 * (2003): relative error 1.15e-9, then one Halley step with erfc brings it to machine precision. */
double rng_normal_quantile(double u)
{
  static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                              1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                              6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                              -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                              3.754408661907416e+00};
  const double        low  = 0.02425;
  double              x;
  /* Upper half by symmetry: 1 - u is exact there, and the Halley step below needs Φ(x) − u
   * without the cancellation of Φ(x) ≈ 1. */
  if (u > 0.5) return -rng_normal_quantile(1.0 - u);
  if (u < low) {
    double q = sqrt(-2.0 * log(u));
    x        = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    double q = u - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  /* Halley: e = Φ(x) − u, Φ(x) = erfc(−x/√2)/2. */
  double e    = 0.5 * erfc(-x / M_SQRT2) - u;
  double step = e * sqrt(2.0 * M_PI) * exp(0.5 * x * x);
  return x - step / (1.0 + 0.5 * x * step);
}

uint64_t rng_poisson_quantile(double u, double mean)
{
  if (!(mean > 0.0)) return 0;
  if (mean < 64.0 && u > 0.9) {
    /* The upper tail, summed from the top: near u = 1 the CDF summed from 0 rounds to a total
     * just below 1 and stalls, which would make the count jump about with the mean. 1 - u is
     * exact here, and terms below 1e-40 (far under the smallest 1 - u, 2^-54) are left out. */
    double p[512];
    int    top  = 0, k;
    double tail = 0.0, q = 1.0 - u;
    p[0] = exp(-mean);
    while (top < 511 && (top <= mean || p[top] > 1e-40)) {
      p[top + 1] = p[top] * mean / (top + 1);
      top++;
    }
    /* The smallest k with P(X > k) <= 1 - u. */
    for (k = top; k > 0 && tail + p[k] <= q; k--) tail += p[k];
    return (uint64_t)k;
  }
  if (mean < 64.0) {
    /* Sum the CDF from k = 0 (exp(-64) is far from underflow); u <= 0.9 is reached long
     * before rounding matters. */
    double   probability = exp(-mean), cumulative = probability;
    uint64_t k = 0;
    while (u > cumulative) {
      k++;
      probability *= mean / (double)k;
      cumulative += probability;
    }
    return k;
  }
  /* x = mean + √mean w + (1/3 + w²/6) + (−w/36 − w³/72)/√mean + (−8/405 + 7w²/810 + w⁴/270)/mean,
   * k = floor(x). dx/dmean > 0 for every w this generator reaches (|w| < 8.3) when mean >= 64. */
  const double w = rng_normal_quantile(u), w2 = w * w, root = sqrt(mean);
  const double x = mean + root * w + (1.0 / 3.0 + w2 / 6.0) + (-w / 36.0 - w * w2 / 72.0) / root +
                   (-8.0 / 405.0 + 7.0 * w2 / 810.0 + w2 * w2 / 270.0) / mean;
  if (x >= 1.8e19) return (uint64_t)1.8e19; /* also u = 1 (x = +inf) */
  if (!(x > 0.0)) return 0;
  return (uint64_t)floor(x);
}

void rng_rotation(RngStream *stream, double rotation[3][3])
{
  double u1 = rng_uniform(stream), u2 = rng_uniform(stream), u3 = rng_uniform(stream);
  double s1 = sqrt(1.0 - u1), s2 = sqrt(u1);
  double x = s1 * sin(2.0 * M_PI * u2), y = s1 * cos(2.0 * M_PI * u2);
  double z = s2 * sin(2.0 * M_PI * u3), w = s2 * cos(2.0 * M_PI * u3);
  rotation[0][0] = 1 - 2 * (y * y + z * z);
  rotation[0][1] = 2 * (x * y - z * w);
  rotation[0][2] = 2 * (x * z + y * w);
  rotation[1][0] = 2 * (x * y + z * w);
  rotation[1][1] = 1 - 2 * (x * x + z * z);
  rotation[1][2] = 2 * (y * z - x * w);
  rotation[2][0] = 2 * (x * z - y * w);
  rotation[2][1] = 2 * (y * z + x * w);
  rotation[2][2] = 1 - 2 * (x * x + y * y);
}

void rng_unit_vector(RngStream *stream, double v[3])
{
  double z   = 2.0 * rng_uniform(stream) - 1.0;
  double phi = 2.0 * M_PI * rng_uniform(stream);
  double r   = sqrt(fmax(0.0, 1.0 - z * z));
  v[0]       = r * cos(phi);
  v[1]       = r * sin(phi);
  v[2]       = z;
}
