/* synthetic.c — a small labelled synthetic database, written through the campaign's writer
 * (database.h, on PETSC_COMM_SELF):
 * noisy bright or dark disks on a textured background, with their exact masks. Used by the
 * train tests before (and independently of) a real campaign. */
#include <math.h>
#include "db/database.h"
#include "train/dataset.h"
#include "plan/plan.h"
#include "core/provenance.h"

/* One structure's images and masks (n_conditions of them), its radius and each image's dose. */
static void draw_structure(PetscInt s, PetscInt n_conditions, PetscInt size, uint64_t seed, float *images,
                           uint8_t *masks, double *radius, double *dose)
{
  const size_t pixels = (size_t)size * size;
  RngStream    shape;
  double       cx[4], cy[4], r[4];
  int          disks;
  rng_stream_init(&shape, seed, (uint64_t)s, RNG_PURPOSE_STRUCTURE);
  disks = 1 + (int)rng_below(&shape, 3);
  for (int k = 0; k < disks; k++) {
    r[k]  = size * (0.08 + 0.07 * rng_uniform(&shape));
    cx[k] = r[k] + (size - 2 * r[k]) * rng_uniform(&shape);
    cy[k] = r[k] + (size - 2 * r[k]) * rng_uniform(&shape);
  }
  *radius = r[0];
  for (PetscInt c = 0; c < n_conditions; c++) {
    PetscInt  i = s * n_conditions + c;
    RngStream noise;
    rng_stream_init(&noise, seed, (uint64_t)i, RNG_PURPOSE_DETECTOR_NOISE);
    double contrast  = (c % 2 ? -0.6 : 0.6) * (0.7 + 0.6 * rng_uniform(&noise));
    double electrons = 20 + 80 * rng_uniform(&noise); /* per pixel */
    dose[c]          = electrons * 10;
    for (PetscInt y = 0; y < size; y++)
      for (PetscInt x = 0; x < size; x++) {
        double intensity = 1 + 0.1 * sin(0.9 * x + 0.3 * s) * cos(0.7 * y); /* background texture */
        int    inside    = 0;
        for (int k = 0; k < disks; k++) {
          double d = hypot(x + 0.5 - cx[k], y + 0.5 - cy[k]);
          if (d < r[k]) inside = 1;
          intensity +=
            contrast * 0.5 * (1 + tanh((r[k] - d) / 1.0)) * (1 + 0.2 * cos(2.1 * x + 1.3 * y)); /* lattice fringes */
        }
        intensity                         = fmax(intensity, 0.05);
        images[c * pixels + y * size + x] = (float)((double)rng_poisson(&noise, intensity * electrons) / electrons);
        masks[c * pixels + y * size + x]  = (uint8_t)inside;
      }
  }
}

PetscErrorCode dataset_write_synthetic(const char *path, PetscInt n_structures, PetscInt n_conditions, PetscInt size,
                                       uint64_t seed, PetscBool with_masks)
{
  const size_t   pixels = (size_t)size * size;
  DatabaseLayout layout = {.n_structures        = n_structures,
                           .n_conditions        = n_conditions,
                           .ny                  = size,
                           .nx                  = size,
                           .n_structure_columns = 1,
                           .n_image_columns     = 1};
  Plan          *plan;
  Provenance    *provenance;
  Database      *database;
  float         *images;
  uint8_t       *masks;
  double         radius, *dose;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(layout.structure_columns[0], "radius", DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout.image_columns[0], "dose", DATABASE_NAME_LEN));
  PetscCall(plan_create((PetscInt64)seed, n_structures, n_conditions, "-synthetic", &plan));
  PetscCall(provenance_create(PETSC_COMM_SELF, &provenance));
  PetscCall(database_create(PETSC_COMM_SELF, path, &layout, plan, provenance, &database));
  PetscCall(PetscMalloc3(pixels * n_conditions, &images, pixels * n_conditions, &masks, n_conditions, &dose));
  for (PetscInt s = 0; s < n_structures; s++) {
    DatabaseUnit unit = {
      .unit = s, .images = images, .masks = masks, .structure_values = &radius, .image_values = dose};
    draw_structure(s, n_conditions, size, seed, images, masks, &radius, dose);
    PetscCall(database_write_unit(database, &unit, PETSC_FALSE));
  }
  PetscCall(PetscFree3(images, masks, dose));
  PetscCall(database_close(&database));
  PetscCall(provenance_destroy(&provenance));
  PetscCall(plan_destroy(&plan));
  if (!with_masks) PetscCall(database_remove_part(path, DATABASE_MASKS_GROUP));
  PetscFunctionReturn(0);
}
