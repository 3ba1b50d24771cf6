/* test_particles.c — particle analysis: drawn disks and ellipses of known size (diameters and
 * axes within 2 %, centroids exact for symmetric shapes, physical units with unequal pixel
 * sizes), the border flag, 8- against 4-connectivity, min_area, small fixed masks whose
 * region properties are worked out by hand below (the formulas of particles.h, which are
 * scikit-image's regionprops), statistics, the CSV and the histogram PNG. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "train/particles.h"
#include "unit.h"

/* Set the pixels inside the ellipse of semi-axes a (along the rotated x) and b, centred at
 * (cx, cy), rotated by theta; x and y are scaled by sx, sy first (physical coordinates). */
static void draw_ellipse(uint8_t *mask, int ny, int nx, double cx, double cy, double a, double b, double theta,
                         double sx, double sy)
{
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double u = (x - cx) * sx, v = (y - cy) * sy;
      double p = u * cos(theta) + v * sin(theta), q = -u * sin(theta) + v * cos(theta);
      if (p * p / (a * a) + q * q / (b * b) <= 1) mask[y * nx + x] = 1;
    }
}

static void test_disk(void)
{
  enum { N = 101 };
  static uint8_t mask[N * N];
  ParticleTable *t = NULL;
  draw_ellipse(mask, N, N, 50, 50, 20, 20, 0, 1, 1);
  /* 2 Å pixels: a radius of 20 pixels is 4 nm, so the diameter is 8 nm. */
  UNIT_CALL(particle_table_create(mask, N, N, 2.0, 2.0, 8, 0, &t));
  if (!t) return;
  UNIT_CHECK(t->count == 1, "one disk gives %d particles", (int)t->count);
  const Particle *p = &t->particles[0];
  UNIT_CHECK_RELATIVE(p->diameter, 8.0, 0.02);
  UNIT_CHECK_RELATIVE(p->major_axis, 8.0, 0.02);
  UNIT_CHECK_RELATIVE(p->minor_axis, 8.0, 0.02);
  UNIT_CHECK_RELATIVE(p->area, p->pixels * 0.2 * 0.2, 1e-12);
  /* symmetric about pixel (50, 50): the centroid is exactly that pixel's centre */
  UNIT_CHECK(p->centroid_x == 50.0 * (2.0 / 10) && p->centroid_y == 50.0 * (2.0 / 10), "centroid %.17g %.17g",
             p->centroid_x, p->centroid_y);
  UNIT_CHECK(p->box_x0 == 30 && p->box_x1 == 71 && p->box_y0 == 30 && p->box_y1 == 71, "box %d %d %d %d",
             (int)p->box_x0, (int)p->box_y0, (int)p->box_x1, (int)p->box_y1);
  UNIT_CHECK(!p->touches_border, "an interior disk touches the border");
  UNIT_CHECK(!strcmp(particle_table_length_unit(t), "nm"), "unit %s", particle_table_length_unit(t));
  UNIT_CALL(particle_table_destroy(&t));
  UNIT_CHECK(t == NULL, "destroy leaves the pointer set");
}

static void test_ellipses(void)
{
  enum { NY = 120, NX = 160 };
  static uint8_t mask[NY * NX];
  ParticleTable *t = NULL;
  /* axis-aligned 2a = 60, 2b = 24 pixels, and one rotated by 30° with 2a = 50, 2b = 30 */
  draw_ellipse(mask, NY, NX, 40, 30, 30, 12, 0, 1, 1);
  draw_ellipse(mask, NY, NX, 110, 80, 25, 15, PETSC_PI / 6, 1, 1);
  UNIT_CALL(particle_table_create(mask, NY, NX, 0, 0, 8, 0, &t));
  if (!t) return;
  UNIT_CHECK(t->count == 2, "two ellipses give %d particles", (int)t->count);
  UNIT_CHECK(!strcmp(particle_table_length_unit(t), "px"), "uncalibrated unit %s", particle_table_length_unit(t));
  if (t->count == 2) {
    const Particle *a = &t->particles[0], *b = &t->particles[1];
    UNIT_CHECK_RELATIVE(a->major_axis, 60, 0.02);
    UNIT_CHECK_RELATIVE(a->minor_axis, 24, 0.02);
    UNIT_CHECK_RELATIVE(a->diameter, 2 * sqrt(30.0 * 12.0), 0.02); /* area π a b = π (d/2)² */
    UNIT_CHECK(a->centroid_x == 40 && a->centroid_y == 30, "centroid %.17g %.17g", a->centroid_x, a->centroid_y);
    UNIT_CHECK_RELATIVE(b->major_axis, 50, 0.02);
    UNIT_CHECK_RELATIVE(b->minor_axis, 30, 0.02);
    UNIT_CHECK_RELATIVE(b->diameter, 2 * sqrt(25.0 * 15.0), 0.02);
    /* point-symmetric about (110, 80): the centroid is exact */
    UNIT_CHECK(b->centroid_x == 110 && b->centroid_y == 80, "centroid %.17g %.17g", b->centroid_x, b->centroid_y);
  }
  UNIT_CALL(particle_table_destroy(&t));
}

/* Unequal pixel sizes: 1 Å along x, 2.5 Å along y. A circle of radius 30 Å in the specimen is
 * 60 pixels wide and 24 pixels high in the image; it must come out as a 6 nm circle. A wrong
 * scaling (one pixel size for both axes, or x and y swapped) makes it an ellipse. */
static void test_unequal_pixel_sizes(void)
{
  enum { NY = 60, NX = 100 };
  static uint8_t mask[NY * NX];
  ParticleTable *t = NULL;
  draw_ellipse(mask, NY, NX, 50, 30, 30, 30, 0, 1.0, 2.5);
  UNIT_CALL(particle_table_create(mask, NY, NX, 1.0, 2.5, 8, 0, &t));
  if (!t || t->count != 1) return;
  const Particle *p = &t->particles[0];
  UNIT_CHECK_RELATIVE(p->diameter, 6.0, 0.02);
  UNIT_CHECK_RELATIVE(p->major_axis, 6.0, 0.02);
  UNIT_CHECK_RELATIVE(p->minor_axis, 6.0, 0.02);
  UNIT_CHECK_ABSOLUTE(p->centroid_x, 50 * 0.1, 1e-12);
  UNIT_CHECK_ABSOLUTE(p->centroid_y, 30 * 0.25, 1e-12);
  UNIT_CALL(particle_table_destroy(&t));
}

static void test_border_flag(void)
{
  enum { N = 64 };
  static uint8_t mask[N * N];
  ParticleTable *t = NULL;
  draw_ellipse(mask, N, N, 3, 30, 8, 8, 0, 1, 1);  /* cut by the left edge */
  draw_ellipse(mask, N, N, 32, 32, 8, 8, 0, 1, 1); /* inside */
  draw_ellipse(mask, N, N, 55, 63, 5, 5, 0, 1, 1); /* cut by the bottom edge */
  draw_ellipse(mask, N, N, 55, 10, 5, 5, 0, 1, 1); /* inside, near the top right corner */
  UNIT_CALL(particle_table_create(mask, N, N, 0, 0, 8, 0, &t));
  if (!t) return;
  UNIT_CHECK(t->count == 4, "count %d", (int)t->count);
  /* raster order of first pixels: (55,5) row 5, (3,22) row 22, (32,24) row 24, (55,58) row 58 */
  const int expected[4] = {0, 1, 0, 1};
  for (int i = 0; i < 4 && t->count == 4; i++)
    UNIT_CHECK((int)t->particles[i].touches_border == expected[i], "particle %d (centroid %g, %g): border flag %d",
               (int)t->particles[i].id, t->particles[i].centroid_x, t->particles[i].centroid_y,
               (int)t->particles[i].touches_border);
  UNIT_CALL(particle_table_destroy(&t));
}

/* Two pixels touching at a corner: one particle with 8-connectivity, two with 4. */
static void test_connectivity(void)
{
  const uint8_t  mask[16] = {0, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 0, 0};
  ParticleTable *eight = NULL, *four = NULL;
  UNIT_CALL(particle_table_create(mask, 4, 4, 0, 0, 8, 0, &eight));
  UNIT_CALL(particle_table_create(mask, 4, 4, 0, 0, 4, 0, &four));
  if (!eight || !four) return;
  UNIT_CHECK(eight->count == 1 && eight->particles[0].pixels == 2, "8-connected: %d particles", (int)eight->count);
  UNIT_CHECK(four->count == 2 && four->particles[0].pixels == 1, "4-connected: %d particles", (int)four->count);
  /* the diagonal pair: x̄ = ȳ = 1.5, cxx = cyy = cxy = 0.25 → eigenvalues 0.5 and 0:
   * major 4 sqrt(0.5) = 2 sqrt(2), minor 0 (scikit-image adds no 1/12 for the pixel's extent) */
  UNIT_CHECK_RELATIVE(eight->particles[0].major_axis, 2 * sqrt(2.0), 1e-12);
  UNIT_CHECK_ABSOLUTE(eight->particles[0].minor_axis, 0, 1e-12);
  UNIT_CALL(particle_table_destroy(&eight));
  UNIT_CALL(particle_table_destroy(&four));
}

/* A 3-wide, 2-high rectangle at columns 1..3, rows 1..2 of a 5x6 mask, by hand:
 *   6 pixels; x̄ = (1+2+3)/3 = 2, ȳ = (1+2)/2 = 1.5;
 *   cxx = ((-1)² + 0² + 1²)/3 = 2/3, cyy = (0.5² + 0.5²)/2 = 1/4, cxy = 0;
 *   major = 4 sqrt(2/3) = 3.26598632..., minor = 4 sqrt(1/4) = 2;
 *   diameter = sqrt(4·6/π) = 2.76395319...; box x 1..4, y 1..3 (one past the end).
 * With pixels of 5 Å along x and 2 Å along y (0.5 nm, 0.2 nm): area 6·0.5·0.2 = 0.6 nm²,
 * centroid (1.0, 0.3) nm, cxx = 0.25·2/3 = 1/6, cyy = 0.04/4 = 0.01 → major 4 sqrt(1/6)
 * = 1.63299316..., minor 4·0.1 = 0.4 nm, diameter sqrt(2.4/π) = 0.87403874... nm. */
static void test_fixed_rectangle(void)
{
  uint8_t mask[30] = {0};
  for (int y = 1; y <= 2; y++)
    for (int x = 1; x <= 3; x++) mask[y * 6 + x] = 1;
  ParticleTable *t = NULL, *c = NULL;
  UNIT_CALL(particle_table_create(mask, 5, 6, 0, 0, 8, 0, &t));
  UNIT_CALL(particle_table_create(mask, 5, 6, 5.0, 2.0, 8, 0, &c));
  if (!t || !c || t->count != 1 || c->count != 1) return;
  const Particle *p = &t->particles[0], *q = &c->particles[0];
  UNIT_CHECK(p->pixels == 6 && p->area == 6, "pixels %d area %g", (int)p->pixels, p->area);
  UNIT_CHECK(p->centroid_x == 2 && p->centroid_y == 1.5, "centroid %g %g", p->centroid_x, p->centroid_y);
  UNIT_CHECK_RELATIVE(p->major_axis, 3.265986323710904, 1e-12);
  UNIT_CHECK_RELATIVE(p->minor_axis, 2.0, 1e-12);
  UNIT_CHECK_RELATIVE(p->diameter, 2.763953195770684, 1e-12);
  UNIT_CHECK(p->box_x0 == 1 && p->box_y0 == 1 && p->box_x1 == 4 && p->box_y1 == 3 && !p->touches_border,
             "box %d %d %d %d border %d", (int)p->box_x0, (int)p->box_y0, (int)p->box_x1, (int)p->box_y1,
             (int)p->touches_border);
  UNIT_CHECK_RELATIVE(q->area, 0.6, 1e-12);
  UNIT_CHECK_RELATIVE(q->centroid_x, 1.0, 1e-12);
  UNIT_CHECK_RELATIVE(q->centroid_y, 0.3, 1e-12);
  UNIT_CHECK_RELATIVE(q->major_axis, 1.632993161855452, 1e-12);
  UNIT_CHECK_RELATIVE(q->minor_axis, 0.4, 1e-12);
  UNIT_CHECK_RELATIVE(q->diameter, 0.87403874447366330, 1e-12);
  UNIT_CALL(particle_table_destroy(&t));
  UNIT_CALL(particle_table_destroy(&c));
}

/* An L of 4 pixels at (x, y) = (0,0), (0,1), (0,2), (1,2) in a 4x4 mask, by hand:
 *   x̄ = 1/4, ȳ = 5/4; cxx = (3·(1/4)² + (3/4)²)/4 = 3/16, cyy = ((5/4)² + (1/4)² + 2·(3/4)²)/4
 *   = 11/16, cxy = ((-1/4)(-5/4) + (-1/4)(-1/4) + (-1/4)(3/4) + (3/4)(3/4))/4 = 3/16;
 *   eigenvalues 7/16 ± sqrt((1/4)² + (3/16)²) = 7/16 ± 5/16 = 3/4 and 1/8;
 *   major = 4 sqrt(3/4) = 2 sqrt(3), minor = 4 sqrt(1/8) = sqrt(2). It touches the border.
 * (The same numbers from a separate plain-Python sum over the 4 points: 3.4641016151377544,
 * 1.4142135623730951.) A speck at (3, 0) before it in raster order is dropped by min_area 2,
 * and the L is renumbered 1. */
static void test_fixed_l_shape_and_min_area(void)
{
  uint8_t mask[16] = {0};
  mask[0 * 4 + 0] = mask[1 * 4 + 0] = mask[2 * 4 + 0] = mask[2 * 4 + 1] = 1;
  mask[0 * 4 + 3]                                                       = 1;
  ParticleTable *all = NULL, *t = NULL;
  UNIT_CALL(particle_table_create(mask, 4, 4, 0, 0, 8, 0, &all));
  UNIT_CALL(particle_table_create(mask, 4, 4, 0, 0, 8, 2, &t));
  if (!all || !t) return;
  UNIT_CHECK(all->count == 2 && all->dropped == 0, "without min_area: %d kept", (int)all->count);
  UNIT_CHECK(t->count == 1 && t->dropped == 1 && t->particle_pixels == 4, "min_area 2: %d kept %d dropped %d pixels",
             (int)t->count, (int)t->dropped, (int)t->particle_pixels);
  if (t->count != 1) return;
  const Particle *p = &t->particles[0];
  UNIT_CHECK(p->id == 1 && p->pixels == 4, "id %d pixels %d", (int)p->id, (int)p->pixels);
  UNIT_CHECK(p->centroid_x == 0.25 && p->centroid_y == 1.25, "centroid %g %g", p->centroid_x, p->centroid_y);
  UNIT_CHECK_RELATIVE(p->major_axis, 2 * sqrt(3.0), 1e-12);
  UNIT_CHECK_RELATIVE(p->minor_axis, sqrt(2.0), 1e-12);
  UNIT_CHECK(p->touches_border, "the L in the corner does not touch the border");
  UNIT_CALL(particle_table_destroy(&all));
  UNIT_CALL(particle_table_destroy(&t));
}

static void test_statistics(void)
{
  const double       even[4] = {4, 1, 3, 2}, odd[3] = {3, 10, 2};
  ParticleStatistics s;
  UNIT_CALL(particle_statistics(even, 4, &s));
  /* mean 2.5; sample sd sqrt((1.5² + 0.5² + 0.5² + 1.5²)/3) = sqrt(5/3) */
  UNIT_CHECK(s.count == 4 && s.mean == 2.5 && s.median == 2.5, "n %d mean %g median %g", (int)s.count, s.mean,
             s.median);
  UNIT_CHECK_RELATIVE(s.sd, sqrt(5.0 / 3.0), 1e-14);
  UNIT_CHECK(even[0] == 4 && even[1] == 1, "the values were reordered");
  UNIT_CALL(particle_statistics(odd, 3, &s));
  UNIT_CHECK(s.median == 3 && s.mean == 5, "median %g mean %g", s.median, s.mean);
  UNIT_CALL(particle_statistics(odd, 1, &s));
  UNIT_CHECK(s.mean == 3 && s.median == 3 && isnan(s.sd), "one value: mean %g median %g sd %g", s.mean, s.median, s.sd);
  UNIT_CALL(particle_statistics(NULL, 0, &s));
  UNIT_CHECK(isnan(s.mean) && isnan(s.median) && isnan(s.sd), "no values: %g %g %g", s.mean, s.median, s.sd);
}

/* The CSV: comment lines, the header with units, one row per particle with the table's values. */
static void test_csv(void)
{
  uint8_t mask[30] = {0};
  for (int y = 1; y <= 2; y++)
    for (int x = 1; x <= 3; x++) mask[y * 6 + x] = 1;
  mask[4 * 6 + 5]       = 1; /* a speck in the corner */
  ParticleTable *t      = NULL;
  char           path[] = "/tmp/nf_particles_XXXXXX", line[512];
  int            fd     = mkstemp(path);
  UNIT_CHECK(fd >= 0, "mkstemp");
  close(fd);
  UNIT_CALL(particle_table_create(mask, 5, 6, 5.0, 2.0, 8, 0, &t));
  if (!t) return;
  UNIT_CALL(particle_table_write_csv(t, "rect.tif", "nanoforge test", path));
  FILE *f = fopen(path, "r");
  UNIT_CHECK(f != NULL, "cannot read back %s", path);
  if (!f) return;
  int comments = 0, rows = 0, header = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '#')
      comments++;
    else if (!header)
      header = !strcmp(line, particle_table_csv_header(PETSC_TRUE));
    else
      rows++;
    if (rows == 1 && header && line[0] != '#')
      UNIT_CHECK(!strcmp(line, "1,0.6,0.874038744,1,0.3,1,1,4,3,1.63299316,0.4,0"), "first row '%s'", line);
    if (rows == 2) UNIT_CHECK(!strncmp(line, "2,0.1,", 6) && line[strlen(line) - 1] == '1', "second row '%s'", line);
  }
  fclose(f);
  UNIT_CHECK(comments == 4 && header && rows == 2, "%d comment lines, header %d, %d rows", comments, header, rows);
  UNIT_CHECK(strstr(particle_table_csv_header(PETSC_FALSE), "diameter_px"), "uncalibrated header lacks px units");
  UNIT_CHECK(access(path, F_OK) == 0, "file missing");
  unlink(path);
  UNIT_CALL(particle_table_destroy(&t));
}

static void test_histogram(void)
{
  const double  d[7]   = {3.0, 3.5, 4.0, 4.2, 4.4, 5.0, 8.0};
  char          path[] = "/tmp/nf_histogram_XXXXXX";
  unsigned char head[24];
  int           fd = mkstemp(path);
  close(fd);
  for (int n = 0; n <= 7; n += 7) {
    UNIT_CALL(particle_histogram_write_png(d, n, "nm", path));
    FILE *f = fopen(path, "rb");
    UNIT_CHECK(f && fread(head, 1, 24, f) == 24, "cannot read %s", path);
    if (f) fclose(f);
    /* PNG signature, then the IHDR width 640 and height 400 (big-endian) */
    UNIT_CHECK(!memcmp(head, "\x89PNG\r\n\x1a\n", 8) && head[18] == 0x02 && head[19] == 0x80 && head[22] == 0x01 &&
                 head[23] == 0x90,
               "%d values: not a 640x400 PNG", n);
  }
  unlink(path);
}

static void test_bad_arguments(void)
{
  uint8_t        mask[4] = {1, 0, 0, 1};
  ParticleTable *t       = NULL;
  UNIT_CALL_FAILS(particle_table_create(mask, 2, 2, 0, 0, 6, 0, &t));
  UNIT_CALL_FAILS(particle_table_create(mask, 2, 2, 0, 0, 8, -1, &t));
  UNIT_CALL_FAILS(particle_table_create(mask, 2, 2, 1.0, 0, 8, 0, &t));
  UNIT_CHECK(t == NULL, "a refused table was created");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_disk);
  UNIT_RUN(test_ellipses);
  UNIT_RUN(test_unequal_pixel_sizes);
  UNIT_RUN(test_border_flag);
  UNIT_RUN(test_connectivity);
  UNIT_RUN(test_fixed_rectangle);
  UNIT_RUN(test_fixed_l_shape_and_min_area);
  UNIT_RUN(test_statistics);
  UNIT_RUN(test_csv);
  UNIT_RUN(test_histogram);
  UNIT_RUN(test_bad_arguments);
  return UNIT_END();
}
