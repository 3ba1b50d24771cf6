/* picture.h — writing PNG pictures for people to look at (previews, montages, plots).
 * Pictures are 8-bit; data stays in HDF5. */
#pragma once
#include <petscsys.h>

/* Write a PNG: channels 1 (grey), 3 (RGB) or 4 (RGBA); rows top to bottom. The file is
 * written to a temporary name and renamed, so a failure leaves nothing behind. */
PetscErrorCode picture_write_png(const char *path, int width, int height, int channels, const unsigned char *pixels);
/* Map floats to 0..255 grey linearly between their minimum and maximum (or between
 * the given percentiles, 0 and 100 for min-max), for display. */
PetscErrorCode picture_grey_from_floats(const float *values, PetscInt count, double low_percentile,
                                        double high_percentile, unsigned char *grey);
/* Draw `text` with its top-left corner at (x, y) in a 5x7 bitmap font magnified `scale`
 * times (6*scale pixels per character); lower case is drawn as upper case (but 'x'),
 * characters without a glyph leave a gap. `colour` has `channels` bytes. */
PetscErrorCode picture_draw_text(unsigned char *pixels, int width, int height, int channels, int x, int y, int scale,
                                 const char *text, const unsigned char *colour);
