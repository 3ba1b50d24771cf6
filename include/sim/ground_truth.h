/* ground_truth.h — pixel-exact labels at the detector pixel size, from the atoms alone.
 *
 * The mask of a class (the particle) is where the projected potential of that class's
 * atoms — summed over the whole thickness (projected_potential_compute, potential.h),
 * computed directly on the detector pixels and cropped like the image — exceeds
 * -mask_threshold [V·Å], then closed with a disk of radius -mask_closing [Å]
 * (dilation then erosion, exact Euclidean distances) and with its holes filled, so a
 * particle is one solid region even where its columns are far apart. The default
 * threshold, 5 V·Å, puts the edge of an isolated Au atom's mask about 1.4 Å from its
 * centre (close to the metallic radius, 1.44 Å) at 0.1 Å pixels (docs/physics.md). Serial; no MPI.
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"
#include "sim/simulation_grid.h"
#include "sim/detector.h"

typedef struct {
  double    threshold;      /* projected potential above which a pixel belongs to the class [V·Å] */
  double    closing_radius; /* radius of the closing disk [Å]; 0 = no closing */
  PetscBool fill_holes;     /* fill regions of background not connected to the image border */
} GroundTruthOptions;

/* Read -mask_threshold [V·Å] (default 5), -mask_closing [Å] (default 1.5), -mask_fill_holes
 * (default true) inside a PetscOptionsBegin/End block. */
PetscErrorCode ground_truth_options_read(PetscOptionItems *PetscOptionsObject, GroundTruthOptions *options);

/* Threshold, close and fill a potential [ny][nx] with pixels of pixel[0] × pixel[1] Å:
 * mask[ny][nx] = 1 inside, 0 outside. */
PetscErrorCode ground_truth_mask_from_potential(PetscInt nx, PetscInt ny, const double pixel[2], const float *potential,
                                                const GroundTruthOptions *options, unsigned char *mask);

/* Binary closing of mask[ny][nx] with a disk of radius `radius_x` pixels along x and
 * `radius_y` along y (an ellipse in pixels = a disk in Å), by exact Euclidean distance transforms. */
PetscErrorCode ground_truth_close(PetscInt nx, PetscInt ny, double radius_x, double radius_y, unsigned char *mask);
/* Set to 1 every 0-pixel not 4-connected to the image border. */
PetscErrorCode ground_truth_fill_holes(PetscInt nx, PetscInt ny, unsigned char *mask);

/* Mask [geometry->ny][geometry->nx] of the atoms of class `atom_class` on the detector
 * pixels of `geometry`, for a set-up simulation grid. A class with no atoms gives all 0. */
PetscErrorCode ground_truth_mask(const SimulationGrid *grid, const AtomList *atoms, AtomClass atom_class,
                                 const GroundTruthOptions *options, const DetectorGeometry *geometry,
                                 unsigned char *mask);

/* Label image [geometry->ny][geometry->nx]: 0 background, else the AtomClass of the pixel's
 * mask (particle over other over support where masks overlap). */
PetscErrorCode ground_truth_labels(const SimulationGrid *grid, const AtomList *atoms, const GroundTruthOptions *options,
                                   const DetectorGeometry *geometry, unsigned char *labels);
