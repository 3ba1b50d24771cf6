/* picture.c — PNG output through libpng (see picture.h). */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/error_check.h"
#include "core/picture.h"

PetscErrorCode picture_write_png(const char *path, int width, int height, int channels, const unsigned char *pixels)
{
  char temporary[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCheck(channels == 1 || channels == 3 || channels == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "PNG '%s': %d channels; allowed 1, 3 or 4", path, channels);
  PetscCheck(width > 0 && height > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PNG '%s': empty picture %dx%d", path,
             width, height);
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp%d", path, (int)getpid()));
  FILE *file = fopen(temporary, "wb");
  PetscCheckPointerErrno(file, "cannot create picture", temporary);
  png_structp png  = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop   info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    fclose(file);
    unlink(temporary);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "libpng failed writing '%s'", path);
  }
  png_init_io(png, file);
  int color_type = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA;
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int row = 0; row < height; row++) png_write_row(png, (png_const_bytep)(pixels + (size_t)row * width * channels));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  int closed = fclose(file);
  if (closed) unlink(temporary);
  PetscCheck(closed == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write picture '%s': %s", temporary,
             strerror(errno));
  PetscCallErrno(rename(temporary, path), "cannot rename picture into place", path);
  PetscFunctionReturn(0);
}

static int compare_floats(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

PetscErrorCode picture_grey_from_floats(const float *values, PetscInt count, double low_percentile,
                                        double high_percentile, unsigned char *grey)
{
  double low, high;
  PetscFunctionBeginUser;
  if (count <= 0) PetscFunctionReturn(0);
  if (low_percentile <= 0.0 && high_percentile >= 100.0) {
    low = high = values[0];
    for (PetscInt i = 1; i < count; i++) {
      low  = PetscMin(low, values[i]);
      high = PetscMax(high, values[i]);
    }
  } else {
    float *sorted;
    PetscCall(PetscMalloc1(count, &sorted));
    PetscCall(PetscArraycpy(sorted, values, count));
    qsort(sorted, (size_t)count, sizeof *sorted, compare_floats);
    low  = sorted[(PetscInt)(PetscMax(0.0, low_percentile) / 100.0 * (count - 1))];
    high = sorted[(PetscInt)(PetscMin(100.0, high_percentile) / 100.0 * (count - 1))];
    PetscCall(PetscFree(sorted));
  }
  double scale = high > low ? 255.0 / (high - low) : 0.0;
  for (PetscInt i = 0; i < count; i++) {
    double v = (values[i] - low) * scale;
    grey[i]  = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
  }
  PetscFunctionReturn(0);
}

/* ---- text: a 5x7 bitmap font (upper case, digits, a little punctuation) ---- */

typedef struct {
  char          character;
  unsigned char rows[7]; /* 5 bits a row, most significant bit on the left */
} Glyph;

static const Glyph font_5x7[] = {
  {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}}, {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
  {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}}, {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
  {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}}, {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
  {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}}, {'/', {0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10}},
  {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
  {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
  {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
  {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
  {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
  {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}}, {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
  {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}}, {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
  {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}}, {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
  {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}}, {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
  {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}}, {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
  {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}}, {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
  {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}}, {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
  {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}}, {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
  {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
  {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}}, {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
  {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}}, {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
  {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}}, {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
  {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}}, {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
  {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}}, {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
  {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}}, {'x', {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}},
  {'|', {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
};

PetscErrorCode picture_draw_text(unsigned char *pixels, int width, int height, int channels, int x, int y, int scale,
                                 const char *text, const unsigned char *colour)
{
  PetscFunctionBeginUser;
  PetscCheck(channels >= 1 && channels <= 4 && scale >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "picture_draw_text: %d channels, scale %d", channels, scale);
  for (const char *p = text; *p; p++, x += 6 * scale) {
    char         c     = (*p >= 'a' && *p <= 'z' && *p != 'x') ? (char)(*p - 'a' + 'A') : *p;
    const Glyph *glyph = NULL;
    for (size_t g = 0; g < sizeof font_5x7 / sizeof font_5x7[0]; g++)
      if (font_5x7[g].character == c) glyph = &font_5x7[g];
    if (!glyph) continue; /* space and characters without a glyph leave a gap */
    for (int row = 0; row < 7; row++)
      for (int column = 0; column < 5; column++) {
        if (!(glyph->rows[row] & (0x10 >> column))) continue;
        for (int sy = 0; sy < scale; sy++)
          for (int sx = 0; sx < scale; sx++) {
            int px = x + column * scale + sx, py = y + row * scale + sy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            memcpy(pixels + ((size_t)py * width + px) * channels, colour, (size_t)channels);
          }
      }
  }
  PetscFunctionReturn(0);
}
