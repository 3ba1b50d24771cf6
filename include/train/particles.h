/* particles.h — particle analysis of a binary mask (serial): the connected particles of the
 * mask and, for each, the sizes and positions a microscopist reports (area, equivalent-circle
 * diameter, centroid, bounding box, major and minor axis, border contact), as a table written to
 * CSV; statistics over many particles, and a size-histogram PNG.
 *
 * Connectivity: particles are 8-connected by default (pixels touching at an edge or a corner are
 * one particle), as scikit-image's label() and MATLAB's bwlabel use by default for 2-D
 * foreground: a thin particle edge or a neck one pixel wide runs diagonally as often as straight,
 * and 4-connectivity would cut such a particle into pieces and count specks along its rim.
 * 4-connectivity is available for comparison.
 *
 * Definitions (the same as scikit-image's regionprops, with pixel spacing; verified against its
 * source, skimage/measure/_moments.py and _regionprops.py):
 *   - a pixel is a point at its centre: pixel (column i, row j) is at x = i·sx, y = j·sy, with sx
 *     and sy the pixel sizes; the origin is the centre of the top-left pixel, y points down;
 *   - area = pixel count · sx · sy; equivalent-circle diameter = sqrt(4 · area / π);
 *   - centroid = mean position of the particle's pixels;
 *   - axes: the normalised second central moments form C = [[cxx, cxy], [cxy, cyy]]
 *     (cxx = mean of (x - x̄)², cxy = mean of (x - x̄)(y - ȳ), ...); with λ1 ≥ λ2 its
 *     eigenvalues, major = 4·sqrt(λ1), minor = 4·sqrt(λ2): the axes of the ellipse with the same
 *     second moments (a filled ellipse of semi-axes a, b has λ = a²/4, b²/4).
 *     scikit-image adds nothing for the extent of a pixel, so a 1-pixel-wide line has minor axis
 *     0; MATLAB's regionprops adds 1/12 (the variance of a unit square) to cxx and cyy. We follow
 *     scikit-image, so tables agree with the tool most Python users check against.
 * Pixel sizes are given in Å per pixel; 0 for both means uncalibrated: lengths are then in
 * pixels and areas in pixels², and the CSV's header says so. Calibrated lengths are in nm. */
#pragma once
#include <stdint.h>
#include <petscsys.h>

/* One particle: one row of the table. Lengths in nm (pixels when uncalibrated). */
typedef struct {
  PetscInt  id;             /* 1, 2, ... in raster order of each particle's first pixel */
  PetscInt  pixels;         /* number of foreground pixels */
  double    area;           /* nm² (pixels² when uncalibrated) */
  double    diameter;       /* equivalent-circle diameter sqrt(4 area / π) */
  double    centroid_x;     /* from the centre of the top-left pixel, to the right */
  double    centroid_y;     /* from the centre of the top-left pixel, downwards */
  PetscInt  box_x0, box_y0; /* bounding box in pixels: first column and row ... */
  PetscInt  box_x1, box_y1; /* ... and one past the last (as scikit-image's bbox) */
  double    major_axis;     /* 4 sqrt(largest eigenvalue of the second central moments) */
  double    minor_axis;     /* 4 sqrt(smallest eigenvalue) */
  PetscBool touches_border; /* a pixel in the first or last row or column: size is a lower bound */
} Particle;

/* The particles of one mask, and what was measured on the way. */
typedef struct {
  PetscInt  ny, nx;          /* mask size: rows, columns */
  double    pixel_size_x;    /* Å per pixel along x (columns); 0: uncalibrated */
  double    pixel_size_y;    /* Å per pixel along y (rows); 0: uncalibrated */
  int       connectivity;    /* 4 or 8 */
  double    min_area;        /* particles with a smaller area were dropped (same unit as area) */
  PetscInt  dropped;         /* how many were dropped */
  PetscInt  count;           /* particles kept */
  PetscInt  particle_pixels; /* foreground pixels of the kept particles */
  Particle *particles;       /* [count] */
} ParticleTable;

/* Summary statistics of a set of diameters. */
typedef struct {
  PetscInt count;  /* number of values */
  double   mean;   /* NaN when count is 0 */
  double   median; /* middle value, or the mean of the two middle values; NaN when count is 0 */
  double   sd;     /* sample standard deviation (divisor count - 1); NaN when count < 2 */
} ParticleStatistics;

/* The particles of `mask` ([ny][nx], non-zero = foreground). pixel_size_x/y in Å per pixel: both
 * > 0 (calibrated, lengths in nm) or both 0 (uncalibrated, pixels). connectivity 4 or 8.
 * Particles of area < min_area (nm², or pixels² when uncalibrated; 0 keeps all) are dropped. */
PetscErrorCode particle_table_create(const uint8_t *mask, PetscInt ny, PetscInt nx, double pixel_size_x,
                                     double pixel_size_y, int connectivity, double min_area, ParticleTable **table);
PetscErrorCode particle_table_destroy(ParticleTable **table);
/* True when the table's lengths are in nm (pixel sizes given), false when in pixels. */
PetscBool particle_table_calibrated(const ParticleTable *table);
/* "nm" or "px": the unit of the table's lengths. */
const char *particle_table_length_unit(const ParticleTable *table);
/* The kept particles' diameters, in table order, into diameters[table->count]. */
void particle_table_diameters(const ParticleTable *table, double *diameters);
/* CSV: '#' comment lines (`provenance` if not NULL, `source`, the units, pixel sizes,
 * connectivity and min_area), then the column header with the units in the names
 * (id,area_nm2,diameter_nm,...; _px2/_px when uncalibrated), then one row per particle.
 * Written to a temporary name and renamed, so the path holds a whole table or nothing new. */
PetscErrorCode particle_table_write_csv(const ParticleTable *table, const char *source, const char *provenance,
                                        const char *path);
/* The column header line of particle_table_write_csv (no newline), for a calibrated table or not. */
const char *particle_table_csv_header(PetscBool calibrated);

/* Mean, median and sample standard deviation of values[count] (values are not changed). */
PetscErrorCode particle_statistics(const double *values, PetscInt count, ParticleStatistics *statistics);
/* A PNG histogram of the diameters (`unit`: "nm" or "px") with about sqrt(count) bins (at most
 * 40) between the smallest and largest value, axes labelled; with no diameters, empty axes
 * saying so. Written to a temporary name and renamed (picture_write_png). */
PetscErrorCode particle_histogram_write_png(const double *diameters, PetscInt count, const char *unit,
                                            const char *path);
