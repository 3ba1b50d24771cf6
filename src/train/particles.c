/* particles.c — connected particles of a mask and their region properties (see particles.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/error_check.h"
#include "core/picture.h"
#include "train/particles.h"

/* Label the connected foreground components 1, 2, ... in raster order of their first pixel
 * (labels[p] = 0 for background), with an explicit stack so a large particle cannot overflow the
 * call stack. */
static PetscErrorCode label_components(const uint8_t *mask, PetscInt ny, PetscInt nx, int connectivity,
                                       PetscInt *labels, PetscInt *n_labels)
{
  static const int dy[8] = {-1, 1, 0, 0, -1, -1, 1, 1}, dx[8] = {0, 0, -1, 1, -1, 1, -1, 1};
  PetscInt        *stack, n                                   = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(ny * nx, &stack));
  memset(labels, 0, sizeof(PetscInt) * (size_t)(ny * nx));
  for (PetscInt start = 0; start < ny * nx; start++) {
    if (!mask[start] || labels[start]) continue;
    PetscInt top  = 0;
    stack[top++]  = start;
    labels[start] = ++n;
    while (top) {
      PetscInt p = stack[--top], y = p / nx, x = p % nx;
      for (int k = 0; k < connectivity; k++) {
        PetscInt yy = y + dy[k], xx = x + dx[k];
        if (yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
        PetscInt q = yy * nx + xx;
        if (mask[q] && !labels[q]) labels[q] = n, stack[top++] = q;
      }
    }
  }
  *n_labels = n;
  PetscCall(PetscFree(stack));
  PetscFunctionReturn(0);
}

/* First pass: pixel count, centroid (in pixels for now), bounding box and border contact. */
static void first_moments(const PetscInt *labels, PetscInt ny, PetscInt nx, PetscInt n_labels, Particle *particles)
{
  for (PetscInt l = 0; l < n_labels; l++)
    particles[l] = (Particle){.id = l + 1, .box_x0 = nx, .box_y0 = ny, .box_x1 = 0, .box_y1 = 0};
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      PetscInt l = labels[y * nx + x];
      if (!l) continue;
      Particle *p = &particles[l - 1];
      p->pixels++;
      p->centroid_x += (double)x, p->centroid_y += (double)y;
      p->box_x0 = PetscMin(p->box_x0, x), p->box_x1 = PetscMax(p->box_x1, x + 1);
      p->box_y0 = PetscMin(p->box_y0, y), p->box_y1 = PetscMax(p->box_y1, y + 1);
    }
  for (PetscInt l = 0; l < n_labels; l++) {
    Particle *p = &particles[l];
    p->centroid_x /= (double)p->pixels, p->centroid_y /= (double)p->pixels;
    p->touches_border = p->box_x0 == 0 || p->box_y0 == 0 || p->box_x1 == nx || p->box_y1 == ny;
  }
}

/* Second pass: central second moments about the centroid (two passes rather than sums of x²,
 * which lose digits to cancellation far from the origin), scaled to physical lengths, then the
 * axes from the eigenvalues of the 2x2 moment matrix. */
static PetscErrorCode second_moments(const PetscInt *labels, PetscInt ny, PetscInt nx, PetscInt n_labels, double sx,
                                     double sy, Particle *particles)
{
  double *moments; /* [n_labels][3]: cxx, cyy, cxy in pixels² */

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(3 * n_labels, &moments));
  for (PetscInt y = 0; y < ny; y++)
    for (PetscInt x = 0; x < nx; x++) {
      PetscInt l = labels[y * nx + x];
      if (!l) continue;
      const Particle *p = &particles[l - 1];
      double          u = (double)x - p->centroid_x, v = (double)y - p->centroid_y;
      moments[3 * (l - 1) + 0] += u * u, moments[3 * (l - 1) + 1] += v * v, moments[3 * (l - 1) + 2] += u * v;
    }
  for (PetscInt l = 0; l < n_labels; l++) {
    Particle *p   = &particles[l];
    double    cxx = sx * sx * moments[3 * l] / p->pixels, cyy = sy * sy * moments[3 * l + 1] / p->pixels;
    double    cxy      = sx * sy * moments[3 * l + 2] / p->pixels;
    double    half_sum = 0.5 * (cxx + cyy), root = sqrt(0.25 * (cxx - cyy) * (cxx - cyy) + cxy * cxy);
    p->major_axis = 4 * sqrt(half_sum + root);
    p->minor_axis = 4 * sqrt(fmax(half_sum - root, 0)); /* rounding can make a zero eigenvalue -1e-17 */
    p->area       = (double)p->pixels * sx * sy;
    p->diameter   = sqrt(4 * p->area / PETSC_PI);
    p->centroid_x *= sx, p->centroid_y *= sy;
  }
  PetscCall(PetscFree(moments));
  PetscFunctionReturn(0);
}

/* Drop the particles smaller than min_area and number the rest 1, 2, ... in their order. */
static void drop_small(ParticleTable *t, PetscInt n_labels)
{
  t->count = 0, t->particle_pixels = 0, t->dropped = 0;
  for (PetscInt l = 0; l < n_labels; l++) {
    if (t->particles[l].area < t->min_area) {
      t->dropped++;
      continue;
    }
    t->particles[t->count]    = t->particles[l];
    t->particles[t->count].id = t->count + 1;
    t->particle_pixels += t->particles[l].pixels;
    t->count++;
  }
}

PetscErrorCode particle_table_create(const uint8_t *mask, PetscInt ny, PetscInt nx, double pixel_size_x,
                                     double pixel_size_y, int connectivity, double min_area, ParticleTable **table)
{
  ParticleTable *t;
  PetscInt      *labels, n_labels;

  PetscFunctionBeginUser;
  PetscCheck(ny > 0 && nx > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "particle analysis: empty mask %dx%d",
             (int)nx, (int)ny);
  PetscCheck(connectivity == 4 || connectivity == 8, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "particle analysis: connectivity %d; allowed 4 or 8", connectivity);
  PetscCheck((pixel_size_x > 0 && pixel_size_y > 0) || (pixel_size_x == 0 && pixel_size_y == 0), PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "particle analysis: pixel size %g x %g Å; allowed both > 0, or both 0",
             pixel_size_x, pixel_size_y);
  PetscCheck(min_area >= 0 && isfinite(min_area), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "particle analysis: min_area %g; allowed a finite area >= 0", min_area);
  PetscCall(PetscNew(&t));
  *t = (ParticleTable){.ny           = ny,
                       .nx           = nx,
                       .pixel_size_x = pixel_size_x,
                       .pixel_size_y = pixel_size_y,
                       .connectivity = connectivity,
                       .min_area     = min_area};
  /* Å → nm: lengths are reported in nm, the unit particle sizes are quoted in. */
  double sx = pixel_size_x > 0 ? pixel_size_x / 10 : 1, sy = pixel_size_y > 0 ? pixel_size_y / 10 : 1;
  PetscCall(PetscMalloc1(ny * nx, &labels));
  PetscCall(label_components(mask, ny, nx, connectivity, labels, &n_labels));
  PetscCall(PetscMalloc1(n_labels + 1, &t->particles));
  first_moments(labels, ny, nx, n_labels, t->particles);
  PetscCall(second_moments(labels, ny, nx, n_labels, sx, sy, t->particles));
  drop_small(t, n_labels);
  PetscCall(PetscFree(labels));
  *table = t;
  PetscFunctionReturn(0);
}

PetscErrorCode particle_table_destroy(ParticleTable **table)
{
  PetscFunctionBeginUser;
  if (!*table) PetscFunctionReturn(0);
  PetscCall(PetscFree((*table)->particles));
  PetscCall(PetscFree(*table));
  PetscFunctionReturn(0);
}

PetscBool particle_table_calibrated(const ParticleTable *table)
{
  return table->pixel_size_x > 0 && table->pixel_size_y > 0 ? PETSC_TRUE : PETSC_FALSE;
}

const char *particle_table_length_unit(const ParticleTable *table)
{
  return particle_table_calibrated(table) ? "nm" : "px";
}

void particle_table_diameters(const ParticleTable *table, double *diameters)
{
  for (PetscInt i = 0; i < table->count; i++) diameters[i] = table->particles[i].diameter;
}

const char *particle_table_csv_header(PetscBool calibrated)
{
  return calibrated ? "id,area_nm2,diameter_nm,centroid_x_nm,centroid_y_nm,box_x0_px,box_y0_px,box_x1_px,box_y1_px,"
                      "major_axis_nm,minor_axis_nm,touches_border"
                    : "id,area_px2,diameter_px,centroid_x_px,centroid_y_px,box_x0_px,box_y0_px,box_x1_px,box_y1_px,"
                      "major_axis_px,minor_axis_px,touches_border";
}

/* The '#' lines above the column header: what was measured, and in which units. */
static int write_csv_preamble(FILE *file, const ParticleTable *t, const char *source, const char *provenance)
{
  int failed = 0;
  if (provenance) failed |= fprintf(file, "# %s\n", provenance) < 0;
  if (source) failed |= fprintf(file, "# source: %s (%dx%d pixels)\n", source, (int)t->nx, (int)t->ny) < 0;
  if (particle_table_calibrated(t))
    failed |= fprintf(file, "# units: nm and nm^2 (pixel size x %.9g A, y %.9g A); boxes in pixels\n", t->pixel_size_x,
                      t->pixel_size_y) < 0;
  else
    failed |= fprintf(file, "# units: pixels and pixels^2 (uncalibrated: no pixel size known)\n") < 0;
  failed |= fprintf(file,
                    "# %d-connected particles; %d kept, %d smaller than min_area %g dropped; centroid from the centre "
                    "of the top-left pixel, y down; axes 4 sqrt(eigenvalues of the second central moments)\n",
                    t->connectivity, (int)t->count, (int)t->dropped, t->min_area) < 0;
  return failed;
}

PetscErrorCode particle_table_write_csv(const ParticleTable *table, const char *source, const char *provenance,
                                        const char *path)
{
  char temporary[PETSC_MAX_PATH_LEN + 16];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp%d", path, (int)getpid()));
  FILE *file = fopen(temporary, "w");
  PetscCheckPointerErrno(file, "cannot create the particle table", temporary);
  int failed = write_csv_preamble(file, table, source, provenance);
  failed |= fprintf(file, "%s\n", particle_table_csv_header(particle_table_calibrated(table))) < 0;
  for (PetscInt i = 0; i < table->count && !failed; i++) {
    const Particle *p = &table->particles[i];
    failed |= fprintf(file, "%d,%.9g,%.9g,%.9g,%.9g,%d,%d,%d,%d,%.9g,%.9g,%d\n", (int)p->id, p->area, p->diameter,
                      p->centroid_x, p->centroid_y, (int)p->box_x0, (int)p->box_y0, (int)p->box_x1, (int)p->box_y1,
                      p->major_axis, p->minor_axis, p->touches_border ? 1 : 0) < 0;
  }
  if (fclose(file) != 0 || failed) {
    unlink(temporary);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the particle table '%s'", temporary);
  }
  PetscCallErrno(rename(temporary, path), "cannot rename the particle table onto", path);
  PetscFunctionReturn(0);
}

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

PetscErrorCode particle_statistics(const double *values, PetscInt count, ParticleStatistics *s)
{
  double *sorted, sum = 0, squares = 0;

  PetscFunctionBeginUser;
  *s = (ParticleStatistics){count, NAN, NAN, NAN};
  if (count == 0) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < count; i++) sum += values[i];
  s->mean = sum / (double)count;
  for (PetscInt i = 0; i < count; i++) squares += (values[i] - s->mean) * (values[i] - s->mean);
  if (count > 1) s->sd = sqrt(squares / (double)(count - 1));
  PetscCall(PetscMalloc1(count, &sorted));
  memcpy(sorted, values, sizeof(double) * (size_t)count);
  qsort(sorted, (size_t)count, sizeof(double), compare_doubles);
  s->median = count % 2 ? sorted[count / 2] : 0.5 * (sorted[count / 2 - 1] + sorted[count / 2]);
  PetscCall(PetscFree(sorted));
  PetscFunctionReturn(0);
}

/* ---- the histogram picture ---- */

enum {
  HISTOGRAM_WIDTH  = 640,
  HISTOGRAM_HEIGHT = 400,
  PLOT_LEFT        = 70,
  PLOT_TOP         = 50,
  PLOT_RIGHT       = 610,
  PLOT_BOTTOM      = 340
};

static void fill_rectangle(unsigned char *rgb, int x0, int y0, int x1, int y1, const unsigned char colour[3])
{
  for (int y = PetscMax(y0, 0); y < PetscMin(y1, HISTOGRAM_HEIGHT); y++)
    for (int x = PetscMax(x0, 0); x < PetscMin(x1, HISTOGRAM_WIDTH); x++)
      memcpy(rgb + 3 * ((size_t)y * HISTOGRAM_WIDTH + x), colour, 3);
}

/* Counts per bin over [low, high] (the largest value falls in the last bin). */
static void bin_counts(const double *values, PetscInt count, int bins, double low, double high, PetscInt *counts)
{
  for (int b = 0; b < bins; b++) counts[b] = 0;
  for (PetscInt i = 0; i < count; i++) {
    int b = (int)((values[i] - low) / (high - low) * bins);
    counts[PetscMin(PetscMax(b, 0), bins - 1)]++;
  }
}

/* Axes, value labels at both ends of each axis, the title and the axis names. */
static PetscErrorCode histogram_axes(unsigned char *rgb, PetscInt count, const char *unit, double low, double high,
                                     PetscInt tallest)
{
  const unsigned char black[3] = {0, 0, 0};
  char                text[96];

  PetscFunctionBeginUser;
  fill_rectangle(rgb, PLOT_LEFT - 2, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM + 2, black);
  fill_rectangle(rgb, PLOT_LEFT - 2, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM + 2, black);
  PetscCall(PetscSNPrintf(text, sizeof text, "particle diameters: %d particles", (int)count));
  PetscCall(picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_LEFT, 15, 2, text, black));
  if (count == 0) {
    PetscCall(
      picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_LEFT + 150, 180, 2, "no particles", black));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(text, sizeof text, "%.3g", low));
  PetscCall(
    picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_LEFT - 3, PLOT_BOTTOM + 8, 1, text, black));
  PetscCall(PetscSNPrintf(text, sizeof text, "%.3g", high));
  PetscCall(picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_RIGHT - 6 * (int)strlen(text),
                              PLOT_BOTTOM + 8, 1, text, black));
  PetscCall(PetscSNPrintf(text, sizeof text, "equivalent-circle diameter (%s)", unit));
  PetscCall(picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3,
                              (PLOT_LEFT + PLOT_RIGHT) / 2 - 3 * (int)strlen(text), PLOT_BOTTOM + 30, 1, text, black));
  PetscCall(PetscSNPrintf(text, sizeof text, "%d", (int)tallest));
  PetscCall(picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_LEFT - 8 - 6 * (int)strlen(text),
                              PLOT_TOP - 3, 1, text, black));
  PetscCall(
    picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, PLOT_LEFT - 14, PLOT_BOTTOM - 3, 1, "0", black));
  PetscCall(
    picture_draw_text(rgb, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, 8, (PLOT_TOP + PLOT_BOTTOM) / 2, 1, "count", black));
  PetscFunctionReturn(0);
}

PetscErrorCode particle_histogram_write_png(const double *diameters, PetscInt count, const char *unit, const char *path)
{
  const unsigned char blue[3] = {31, 119, 180};
  unsigned char      *rgb;
  PetscInt           *counts, tallest = 0;
  double              low = INFINITY, high = -INFINITY;
  int                 bins = (int)PetscMin(40, PetscMax(1, (PetscInt)ceil(sqrt((double)count))));

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)3 * HISTOGRAM_WIDTH * HISTOGRAM_HEIGHT, &rgb, bins, &counts));
  memset(rgb, 255, (size_t)3 * HISTOGRAM_WIDTH * HISTOGRAM_HEIGHT);
  for (PetscInt i = 0; i < count; i++) low = fmin(low, diameters[i]), high = fmax(high, diameters[i]);
  if (count && !(high > low)) low -= 0.5, high += 0.5; /* one size only: a bin of width 1 around it */
  if (count) bin_counts(diameters, count, bins, low, high, counts);
  for (int b = 0; b < bins && count; b++) tallest = PetscMax(tallest, counts[b]);
  PetscCall(histogram_axes(rgb, count, unit, low, high, tallest));
  for (int b = 0; b < bins && count; b++) {
    int x0  = PLOT_LEFT + b * (PLOT_RIGHT - PLOT_LEFT) / bins,
        x1  = PLOT_LEFT + (b + 1) * (PLOT_RIGHT - PLOT_LEFT) / bins;
    int top = PLOT_BOTTOM - (int)((double)counts[b] / (double)tallest * (PLOT_BOTTOM - PLOT_TOP));
    fill_rectangle(rgb, x0 + 1, top, x1 - 1, PLOT_BOTTOM, blue); /* a pixel of gap between bars */
  }
  PetscCall(picture_write_png(path, HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT, 3, rgb));
  PetscCall(PetscFree2(rgb, counts));
  PetscFunctionReturn(0);
}
