/* resample.h — an image brought onto a grid of another pixel size, covering the same field of
 * view: the micrograph to the model's pixel size before prediction, and the probability map
 * back to the micrograph's grid after it. Serial.
 *
 * Geometry: output pixel i of n_out along an axis of n_in input pixels covers the input
 * interval [i s, (i + 1) s) in pixel-edge coordinates, s = n_in / n_out; its centre is at input
 * pixel coordinate (i + 0.5) s - 0.5. Each axis is treated on its own:
 *   s > 1 (shrinking): the area average of the input over that interval (a box filter of width
 *         s, the anti-aliasing: a pattern finer than an output pixel becomes its mean);
 *   s <= 1 (enlarging or the same size): linear interpolation between the two nearest pixel
 *         centres, constant beyond the outermost centres.
 * Both are weighted means with non-negative weights summing to 1: a constant stays constant
 * and values stay within the input's range. */
#pragma once
#include <petscsys.h>

/* out [out_ny][out_nx] from in [ny][nx] (separable passes with precomputed weights; in and out
 * must not overlap). Sizes must be >= 1. */
PetscErrorCode resample_image(const float *in, PetscInt ny, PetscInt nx, PetscInt out_ny, PetscInt out_nx, float *out);
/* The same result computed the slow, obvious way (each output pixel from each input pixel's
 * weight, evaluated from the definition above): the reference resample_image is tested
 * against. */
PetscErrorCode resample_image_ref(const float *in, PetscInt ny, PetscInt nx, PetscInt out_ny, PetscInt out_nx,
                                  float *out);
/* The number of pixels an axis of n pixels of size `pixel_size` takes at `target_size` (the
 * same length, rounded to the nearest whole pixel, at least 1). */
PetscInt resample_length(PetscInt n, double pixel_size, double target_size);
