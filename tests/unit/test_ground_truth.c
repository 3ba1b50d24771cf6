/* test_ground_truth.c — closing against brute force, hole filling, masks of real atoms. */
#include <math.h>
#include <stdlib.h>
#include "unit.h"
#include "sim/ground_truth.h"
#include "sim/potential.h"
#include "core/rng.h"

/* Brute-force closing with the same ellipse (dilation: any set pixel within; erosion: every
 * pixel within, inside the image, set). */
static void close_brute_force(PetscInt nx, PetscInt ny, double rx, double ry, const unsigned char *in,
                              unsigned char *out)
{
  unsigned char *dilated = malloc(nx * ny);
  PetscInt       hx = (PetscInt)ceil(rx), hy = (PetscInt)ceil(ry);
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      int any = 0;
      for (PetscInt b = -hy; b <= hy && !any; b++)
        for (PetscInt a = -hx; a <= hx && !any; a++) {
          if ((a / rx) * (a / rx) + (b / ry) * (b / ry) > 1 + 1e-12) continue;
          if (i + a < 0 || i + a >= nx || j + b < 0 || j + b >= ny) continue;
          any = in[(j + b) * nx + i + a];
        }
      dilated[j * nx + i] = (unsigned char)any;
    }
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      int all = 1;
      for (PetscInt b = -hy; b <= hy && all; b++)
        for (PetscInt a = -hx; a <= hx && all; a++) {
          if ((a / rx) * (a / rx) + (b / ry) * (b / ry) > 1 + 1e-12) continue;
          if (i + a < 0 || i + a >= nx || j + b < 0 || j + b >= ny) continue;
          all = dilated[(j + b) * nx + i + a];
        }
      out[j * nx + i] = (unsigned char)all;
    }
  free(dilated);
}

static void test_closing_matches_brute_force(void)
{
  PetscInt       nx = 41, ny = 33;
  unsigned char *mask = malloc(nx * ny), *expected = malloc(nx * ny);
  RngStream      s;
  rng_stream_init(&s, 5, 0, RNG_PURPOSE_TEST);
  const double radii[3][2] = {{3.2, 3.2}, {2.5, 4.1}, {1.0, 1.0}};
  for (int r = 0; r < 3; r++) {
    for (PetscInt p = 0; p < nx * ny; p++) mask[p] = rng_uniform(&s) < 0.08;
    close_brute_force(nx, ny, radii[r][0], radii[r][1], mask, expected);
    UNIT_CALL(ground_truth_close(nx, ny, radii[r][0], radii[r][1], mask));
    PetscInt differ = 0, set = 0;
    for (PetscInt p = 0; p < nx * ny; p++) {
      differ += mask[p] != expected[p];
      set += expected[p];
    }
    UNIT_CHECK(differ == 0, "radius %g,%g: %" PetscInt_FMT " pixels differ from brute force", radii[r][0], radii[r][1],
               differ);
    UNIT_CHECK(set > 0 && set < nx * ny, "degenerate case (%" PetscInt_FMT " set)", set);
  }
  free(mask);
  free(expected);
}

static void test_fill_holes(void)
{
  PetscInt      n = 30;
  unsigned char mask[900];
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) {
      double r        = hypot(i - 15, j - 15);
      mask[j * n + i] = (r > 6 && r < 9) || (i == 0 && j < 5); /* ring + a border bar */
    }
  UNIT_CALL(ground_truth_fill_holes(n, n, mask));
  UNIT_CHECK(mask[15 * n + 15] == 1, "centre of the ring not filled");
  UNIT_CHECK(mask[1 * n + 1] == 0 && mask[29 * n + 29] == 0, "background outside filled");
  PetscInt count = 0;
  for (PetscInt p = 0; p < n * n; p++) count += mask[p];
  PetscInt expected = 5;
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < n; i++) expected += hypot(i - 15, j - 15) < 9;
  UNIT_CHECK(count == expected, "filled %" PetscInt_FMT " pixels, expected %" PetscInt_FMT, count, expected);
}

static void grid_for(double cell, double sampling, SimulationGrid *grid)
{
  simulation_grid_defaults(grid);
  grid->cell[0] = grid->cell[1] = grid->cell[2] = cell;
  grid->requested_sampling                      = sampling;
  grid->slice_thickness                         = 1;
  grid->voltage                                 = 300;
}

/* One Au atom: the default threshold gives a disk of the documented radius, centred on the atom. */
static void test_single_atom(void)
{
  SimulationGrid     grid;
  AtomList          *atoms;
  GroundTruthOptions o = {5.0, 0.0, PETSC_TRUE};
  ImagingConditions  c;
  DetectorGeometry   g;
  const double       position[3] = {6.0, 7.0, 5.0};
  grid_for(12, 0.05, &grid);
  UNIT_CALL(atom_list_create(1, &atoms));
  UNIT_CALL(atom_list_append(atoms, position, 79, 0, ATOM_CLASS_PARTICLE));
  UNIT_CALL(simulation_grid_setup(&grid, atoms, 0));
  PetscMemzero(&c, sizeof c);
  c.detector_pixel = 0.1;
  UNIT_CALL(detector_geometry(&c, grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], &g));
  unsigned char *mask = malloc(g.nx * g.ny);
  UNIT_CALL(ground_truth_mask(&grid, atoms, ATOM_CLASS_PARTICLE, &o, &g, mask));
  double count = 0, cx = 0, cy = 0;
  for (PetscInt j = 0; j < g.ny; j++)
    for (PetscInt i = 0; i < g.nx; i++)
      if (mask[j * g.nx + i]) {
        count++;
        cx += i * g.pixel[0];
        cy += j * g.pixel[1];
      }
  double radius = sqrt(count * g.pixel[0] * g.pixel[1] / M_PI);
  printf("# Au atom mask radius at %g V·Å: %.3f Å\n", o.threshold, radius);
  UNIT_CHECK(radius > 1.3 && radius < 1.7, "Au atom mask radius %g Å, documented about 1.4 Å", radius);
  UNIT_CHECK(fabs(cx / count - 6.0) < 0.05 && fabs(cy / count - 7.0) < 0.05, "mask centre %g,%g, atom at 6,7",
             cx / count, cy / count);
  /* The support class has no atoms: empty mask. */
  UNIT_CALL(ground_truth_mask(&grid, atoms, ATOM_CLASS_SUPPORT, &o, &g, mask));
  PetscInt any = 0;
  for (PetscInt p = 0; p < g.nx * g.ny; p++) any += mask[p];
  UNIT_CHECK(any == 0, "empty class gave %" PetscInt_FMT " pixels", any);
  UNIT_CALL(atom_list_destroy(&atoms));
  free(mask);
}

/* A 6×6 block of Au columns 2.04 Å apart with carbon support atoms around: the particle mask is
 * one solid region covering the block (closing bridges the columns), carbon is not in it, and
 * the label image marks carbon as support. */
static void test_particle_block(void)
{
  SimulationGrid     grid;
  AtomList          *atoms;
  GroundTruthOptions o = {5.0, 1.5, PETSC_TRUE};
  ImagingConditions  c;
  DetectorGeometry   g;
  RngStream          s;
  grid_for(24, 0.1, &grid);
  UNIT_CALL(atom_list_create(64, &atoms));
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 6; b++)
      for (int z = 0; z < 3; z++) {
        double p[3] = {7 + 2.04 * a, 7 + 2.04 * b, 8 + 4.08 * z};
        UNIT_CALL(atom_list_append(atoms, p, 79, 0, ATOM_CLASS_PARTICLE));
      }
  rng_stream_init(&s, 9, 0, RNG_PURPOSE_TEST);
  for (int k = 0; k < 60; k++) {
    double p[3] = {24 * rng_uniform(&s), 24 * rng_uniform(&s), 1 + 3 * rng_uniform(&s)};
    if (p[0] > 5 && p[0] < 20 && p[1] > 5 && p[1] < 20) continue;
    UNIT_CALL(atom_list_append(atoms, p, 6, 1, ATOM_CLASS_SUPPORT));
  }
  UNIT_CALL(simulation_grid_setup(&grid, atoms, 0));
  PetscMemzero(&c, sizeof c);
  c.detector_pixel = 0.2;
  c.image_size     = 100;
  UNIT_CALL(detector_geometry(&c, grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], &g));
  unsigned char *mask = malloc(g.nx * g.ny), *labels = malloc(g.nx * g.ny);
  UNIT_CALL(ground_truth_mask(&grid, atoms, ATOM_CLASS_PARTICLE, &o, &g, mask));
  /* Every pixel inside the block of column centres is particle; pixels 3 Å outside are not. */
  PetscInt holes = 0, outside = 0;
  for (PetscInt j = 0; j < g.ny; j++)
    for (PetscInt i = 0; i < g.nx; i++) {
      double x = (i + g.offset[0]) * g.pixel[0], y = (j + g.offset[1]) * g.pixel[1];
      int    in_block = x >= 7 && x <= 7 + 5 * 2.04 && y >= 7 && y <= 7 + 5 * 2.04;
      int    far      = x < 4 || x > 10 + 5 * 2.04 || y < 4 || y > 10 + 5 * 2.04;
      holes += in_block && !mask[j * g.nx + i];
      outside += far && mask[j * g.nx + i];
    }
  UNIT_CHECK(holes == 0, "%" PetscInt_FMT " pixels inside the particle are not in the mask", holes);
  UNIT_CHECK(outside == 0, "%" PetscInt_FMT " pixels 3 Å outside the particle are in the mask", outside);
  UNIT_CALL(ground_truth_labels(&grid, atoms, &o, &g, labels));
  PetscInt particle = 0, support = 0, mismatch = 0;
  for (PetscInt p = 0; p < g.nx * g.ny; p++) {
    particle += labels[p] == ATOM_CLASS_PARTICLE;
    support += labels[p] == ATOM_CLASS_SUPPORT;
    mismatch += (labels[p] == ATOM_CLASS_PARTICLE) != (mask[p] == 1);
  }
  UNIT_CHECK(mismatch == 0 && particle > 0 && support > 0,
             "labels: %" PetscInt_FMT " particle, %" PetscInt_FMT " support, %" PetscInt_FMT " disagree with the mask",
             particle, support, mismatch);
  UNIT_CALL(atom_list_destroy(&atoms));
  free(mask);
  free(labels);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_closing_matches_brute_force);
  UNIT_RUN(test_fill_holes);
  UNIT_RUN(test_single_atom);
  UNIT_RUN(test_particle_block);
  return UNIT_END();
}
