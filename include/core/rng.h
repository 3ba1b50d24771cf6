/* rng.h — reproducible counter-based random numbers (Philox4x32-10).
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as
 * 1, 2, 3", SC'11) maps a 128-bit counter and a 64-bit key to 128 random bits.
 * A stream is keyed by (seed, work-unit id, purpose): the numbers a work unit
 * sees depend on nothing else, so a sample is identical whatever the rank count,
 * the scheduling order, or whether the campaign was interrupted and resumed.
 *
 * Layout: key = seed (64 bits); counter = (block index, purpose, unit id low, unit id high).
 * Each block gives four 32-bit words; the block index counts up within a stream.
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>

/* What a stream is used for. Distinct purposes of one unit never share numbers.
 * Append new purposes at the end: changing a value changes every sampled result. */
typedef enum {
  RNG_PURPOSE_PLAN           = 1,  /* drawing a unit's structure and imaging parameters */
  RNG_PURPOSE_STRUCTURE      = 2,  /* random choices while building a structure (defects, placement) */
  RNG_PURPOSE_ORIENTATION    = 3,  /* random rotations */
  RNG_PURPOSE_SUPPORT        = 4,  /* amorphous support atom positions */
  RNG_PURPOSE_PHONON         = 5,  /* frozen-phonon displacements */
  RNG_PURPOSE_DETECTOR_NOISE = 6,  /* dose (Poisson) and readout noise */
  RNG_PURPOSE_IMAGING        = 7,  /* per-image imaging-condition draws */
  RNG_PURPOSE_SHUFFLE        = 8,  /* training-set shuffle per epoch */
  RNG_PURPOSE_AUGMENT        = 9,  /* training augmentations */
  RNG_PURPOSE_WEIGHT_INIT    = 10, /* network weight initialisation */
  RNG_PURPOSE_SPLIT          = 11, /* train/validation split */
  RNG_PURPOSE_READOUT_NOISE  = 12, /* detector readout noise, one number per pixel (rng_uniform_at) */
  RNG_PURPOSE_TEST           = 99  /* unit tests */
} RngPurpose;

/* One independent stream of random numbers. A plain value: copy it to fork a stream. */
typedef struct {
  uint32_t key[2];           /* the seed */
  uint32_t counter[4];       /* block index, purpose, unit id (low, high) */
  uint32_t block[4];         /* the current block of output */
  int      used;             /* words of `block` already handed out (4 = empty) */
  int      has_spare_normal; /* Box–Muller gives normals in pairs */
  double   spare_normal;
} RngStream;

/* The bare Philox4x32-10 bijection, exposed for the known-answer test. */
void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/* A stream for (seed, unit, purpose), positioned at its first number. */
void rng_stream_init(RngStream *stream, uint64_t seed, uint64_t unit, uint32_t purpose);

uint32_t rng_uint32(RngStream *stream);
uint64_t rng_uint64(RngStream *stream);
/* Uniform on the open interval (0, 1), 53 random bits: never 0, so log() is safe. */
double rng_uniform(RngStream *stream);
/* Uniform integer in [0, n), without modulo bias. n > 0. */
uint64_t rng_below(RngStream *stream, uint64_t n);
/* Standard normal N(0, 1) by Box–Muller. */
double rng_normal(RngStream *stream);
/* Poisson variate with the given mean >= 0: inversion below mean 10, Hörmann's PTRS
 * transformed rejection (1993) above, so large means (high doses) stay exact and fast; from 2^50
 * the normal limit (rounded, capped at 1.8e19 so it fits). */
uint64_t rng_poisson(RngStream *stream, double mean);
/* Random access: uniform number `index` on (0, 1) (52 bits, never 0 or 1) of the sequence (seed, unit, purpose),
 * from the Philox block of counter (index, purpose, unit low, unit high). No state: pixel p of an
 * image draws number p, so one pixel's draw depends on nothing but its own key and index. */
double rng_uniform_at(uint64_t seed, uint64_t unit, uint32_t purpose, uint32_t index);
/* The standard normal quantile Φ⁻¹(u), u in (0, 1): Acklam's rational approximation refined by
 * one Halley step on erfc, relative error below 1e-14; increasing in u. */
double rng_normal_quantile(double u);
/* The Poisson quantile: the smallest k with P(X <= k) >= u for X ~ Poisson(mean), u in (0, 1).
 * Inversion, so for a fixed u the count never decreases as the mean grows and a tiny change of
 * the mean changes the count by at most one, and only for a tiny set of u. Exact summation of
 * the CDF below mean 64 (from k = 0, or the upper tail from the top for u > 0.9); from 64, the uniform asymptotic expansion of the quantile
 * (Temme 1979, as in Giles, ACM TOMS 42 (2016) Algorithm 955) to order 1/mean, whose error in the
 * continuous quantile is O(mean^-3/2) (below 1e-3 counts at 64, 1e-6 at 1e4): a count is off by
 * one only for u that close to a step. Capped at 1.8e19. Mean <= 0 (or NaN) gives 0. */
uint64_t rng_poisson_quantile(double u, double mean);
/* Uniformly random rotation (Haar measure on SO(3)) from a uniform unit quaternion
 * (Shoemake 1992). R acts on column vectors: r' = R r; R is row-major R[row][col]. */
void rng_rotation(RngStream *stream, double rotation[3][3]);
/* Uniform point on the unit sphere. */
void rng_unit_vector(RngStream *stream, double v[3]);
