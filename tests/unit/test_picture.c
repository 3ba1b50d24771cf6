/* test_picture.c — PNG writing (atomic, readable back with libpng) and bitmap text. */
#include <png.h>
#include <unistd.h>
#include "core/picture.h"
#include "unit.h"

static int count_lit(const unsigned char *pixels, int n)
{
  int lit = 0;
  for (int i = 0; i < n; i++) lit += pixels[i] != 0;
  return lit;
}

static void test_text_glyphs(void)
{
  unsigned char canvas[20 * 10] = {0}, white = 255;
  /* '1' is 00100 01100 00100 00100 00100 00100 01110: 10 lit pixels */
  UNIT_CALL(picture_draw_text(canvas, 20, 10, 1, 0, 0, 1, "1", &white));
  UNIT_CHECK(count_lit(canvas, 200) == 10, "'1' lit %d pixels, expected 10", count_lit(canvas, 200));
  UNIT_CHECK(canvas[0 * 20 + 2] == 255 && canvas[6 * 20 + 1] == 255 && canvas[6 * 20 + 3] == 255 && canvas[0] == 0,
             "'1' drawn in the wrong place");
  unsigned char big[40 * 20] = {0};
  UNIT_CALL(picture_draw_text(big, 40, 20, 1, 0, 0, 2, "1", &white));
  UNIT_CHECK(count_lit(big, 800) == 40, "'1' at scale 2 lit %d pixels, expected 40", count_lit(big, 800));
  unsigned char lower[20 * 10] = {0}, upper[20 * 10] = {0};
  UNIT_CALL(picture_draw_text(lower, 20, 10, 1, 1, 1, 1, "e", &white));
  UNIT_CALL(picture_draw_text(upper, 20, 10, 1, 1, 1, 1, "E", &white));
  UNIT_CHECK(!memcmp(lower, upper, sizeof lower), "lower case must be drawn as upper case");
  unsigned char clipped[4 * 4] = {0};
  UNIT_CALL(picture_draw_text(clipped, 4, 4, 1, -2, -3, 1, "8", &white)); /* partly outside: clipped, no overrun */
  UNIT_CHECK(count_lit(clipped, 16) > 0, "a clipped glyph must still draw its visible part");
}

static void test_png_round_trip(void)
{
  char path[] = "/tmp/nanoforge-test-picture-XXXXXX";
  int  fd     = mkstemp(path);
  UNIT_CHECK(fd >= 0, "mkstemp");
  close(fd);
  unsigned char rgb[3 * 7 * 5];
  for (int i = 0; i < 3 * 7 * 5; i++) rgb[i] = (unsigned char)(i * 7);
  UNIT_CALL(picture_write_png(path, 7, 5, 3, rgb));
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  UNIT_CHECK(png_image_begin_read_from_file(&image, path), "libpng cannot read the file back");
  image.format = PNG_FORMAT_RGB;
  unsigned char back[3 * 7 * 5];
  UNIT_CHECK(image.width == 7 && image.height == 5, "size %ux%u", image.width, image.height);
  UNIT_CHECK(png_image_finish_read(&image, NULL, back, 0, NULL), "libpng read failed");
  UNIT_CHECK(!memcmp(rgb, back, sizeof rgb), "pixels differ after a round trip");
  UNIT_CALL_FAILS(picture_write_png(path, 7, 5, 2, rgb));
  UNIT_CALL_FAILS(picture_write_png("/nonexistent-folder/x.png", 7, 5, 3, rgb));
  unlink(path);
}

static void test_grey_mapping(void)
{
  float         values[5] = {-1, 0, 1, 2, 3};
  unsigned char grey[5];
  UNIT_CALL(picture_grey_from_floats(values, 5, 0, 100, grey));
  UNIT_CHECK(grey[0] == 0 && grey[4] == 255 && grey[2] == 128, "min-max mapping gave %d %d %d", grey[0], grey[2],
             grey[4]);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_text_glyphs);
  UNIT_RUN(test_png_round_trip);
  UNIT_RUN(test_grey_mapping);
  return UNIT_END();
}
