/* picture.c — PNG output through libpng (see picture.h). */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "error_check.h"
#include "picture.h"

PetscErrorCode picture_write_png(const char *path, int width, int height, int channels, const unsigned char *pixels)
{
  char temporary[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCheck(channels == 1 || channels == 3 || channels == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PNG '%s': %d channels; allowed 1, 3 or 4", path, channels);
  PetscCheck(width > 0 && height > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "PNG '%s': empty picture %dx%d", path, width, height);
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
  png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int row = 0; row < height; row++) png_write_row(png, (png_const_bytep)(pixels + (size_t)row * width * channels));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  int closed = fclose(file);
  if (closed) unlink(temporary);
  PetscCheck(closed == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write picture '%s': %s", temporary, strerror(errno));
  PetscCallErrno(rename(temporary, path), "cannot rename picture into place", path);
  PetscFunctionReturn(0);
}

static int compare_floats(const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

PetscErrorCode picture_grey_from_floats(const float *values, PetscInt count, double low_percentile, double high_percentile, unsigned char *grey)
{
  double low, high;
  PetscFunctionBeginUser;
  if (count <= 0) PetscFunctionReturn(0);
  if (low_percentile <= 0.0 && high_percentile >= 100.0) {
    low = high = values[0];
    for (PetscInt i = 1; i < count; i++) { low = PetscMin(low, values[i]); high = PetscMax(high, values[i]); }
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
    grey[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
  }
  PetscFunctionReturn(0);
}
