/* test_unit_pipeline.c — the per-unit pipeline shared by simulate and campaign (serial):
 * the one centring rule, the relabelling of unlabelled files, and that what the pipeline keeps
 * across units (the lens, its buffers) changes no bit of a unit's images and masks. */
#include <stdio.h>
#include <unistd.h>
#include "campaign/unit_pipeline.h"
#include "unit.h"

/* Options for a pipeline, as a command would read them. */
static PetscErrorCode pipeline_from_options(const char *options, PetscInt n_conditions, UnitPipeline **p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, options));
  PetscCall(unit_pipeline_create(5, n_conditions, p));
  PetscOptionsBegin(PETSC_COMM_SELF, NULL, "test", NULL);
  PetscCall(unit_pipeline_options_read(PetscOptionsObject, *p));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* A 4-atom XYZ file (no cell, no class labels), far from the origin. */
static void write_cluster(const char *path)
{
  FILE *f = fopen(path, "w");
  UNIT_CHECK(f, "cannot write %s", path);
  if (!f) return;
  fprintf(f, "4\ncluster\nAu 30 40 50\nAu 32.04 42.04 50\nAu 32.04 40 52.04\nAu 30 42.04 52.04\n");
  fclose(f);
}

static void test_centring_rule(void)
{
  UnitPipeline *p;
  char          path[] = "/tmp/test_unit_pipeline_XXXXXX";
  double        lowest[3], highest[3];
  const int     fd = mkstemp(path);
  UNIT_CHECK(fd >= 0, "mkstemp failed");
  if (fd < 0) return;
  close(fd);
  write_cluster(path);
  /* With -cell: centred in the cell (the cluster's box midpoint at the cell's centre). */
  UNIT_CALL(pipeline_from_options("-cell 12,14,8 -sampling 0.2 -slice_thickness 2", 1, &p));
  UNIT_CALL(PetscStrncpy(p->structure_file, path, sizeof p->structure_file));
  UNIT_CALL(unit_pipeline_build(p, 0));
  UNIT_CHECK(atom_list_bounds(p->atoms, lowest, highest), "no bounds");
  UNIT_CHECK_ABSOLUTE(0.5 * (lowest[0] + highest[0]), 6.0, 1e-12);
  UNIT_CHECK_ABSOLUTE(0.5 * (lowest[1] + highest[1]), 7.0, 1e-12);
  UNIT_CHECK_ABSOLUTE(0.5 * (lowest[2] + highest[2]), 4.0, 1e-12);
  /* A file without class labels: every atom is made particle, so the mask shows the structure. */
  UNIT_CHECK(p->relabelled, "an unlabelled file was not relabelled");
  for (PetscInt i = 0; i < p->atoms->n; i++)
    UNIT_CHECK(p->atoms->atom_class[i] == ATOM_CLASS_PARTICLE, "atom %d is not particle", (int)i);
  UNIT_CALL(unit_pipeline_destroy(&p));
  UNIT_CHECK(p == NULL, "destroy must NULL the pointer");
  /* Without -cell a structure without a cell of its own cannot be placed: an error. */
  UNIT_CALL(pipeline_from_options("-sampling 0.2 -slice_thickness 2", 1, &p));
  UNIT_CALL(PetscStrncpy(p->structure_file, path, sizeof p->structure_file));
  UNIT_CALL_FAILS(unit_pipeline_build(p, 0));
  UNIT_CALL(unit_pipeline_destroy(&p));
  unlink(path);
}

/* Images and masks of one unit through a pipeline. */
static PetscErrorCode unit_images(UnitPipeline *p, PetscInt unit, float *images, uint8_t *masks)
{
  PetscFunctionBeginUser;
  PetscCall(unit_pipeline_build(p, unit));
  PetscCall(unit_pipeline_exit_waves(p, PETSC_COMM_SELF));
  PetscCall(unit_pipeline_images(p, 24, 24, images, masks));
  PetscFunctionReturn(0);
}

static void test_state_kept_across_units_changes_nothing(void)
{
  const char *options =
    "-material Au -radius 4 -rotation random -support amorphous_carbon -support_size 12,12,8 -sampling 0.25 -slice_thickness 2 "
    "-defocus uniform:-50,50 -dose 500 -detector_pixel 0.4 -image_size 24 -fftw_wisdom none";
  const size_t  n = 2 * 24 * 24;
  UnitPipeline *p;
  float         first[2 * 24 * 24], other[2 * 24 * 24], again[2 * 24 * 24];
  uint8_t       first_masks[2 * 24 * 24], other_masks[2 * 24 * 24], again_masks[2 * 24 * 24];
  PetscInt      particle_pixels = 0;
  /* Unit 1 from a fresh pipeline, then unit 0 and unit 1 from one pipeline (the lens and its
   * buffers hold unit 0 when unit 1 comes). */
  UNIT_CALL(pipeline_from_options(options, 2, &p));
  UNIT_CALL(unit_pipeline_build(p, 0));
  UNIT_CALL(
    unit_pipeline_prepare(p, PETSC_COMM_SELF, NULL)); /* "none": no wisdom file, as simulate -fftw_wisdom none */
  UNIT_CALL(unit_images(p, 1, first, first_masks));
  UNIT_CALL(unit_pipeline_destroy(&p));
  UNIT_CALL(pipeline_from_options(options, 2, &p));
  UNIT_CALL(unit_images(p, 0, other, other_masks));
  UNIT_CALL(unit_images(p, 1, again, again_masks));
  UNIT_CHECK(memcmp(first, again, n * sizeof(float)) == 0,
             "unit 1's images after unit 0 differ from a fresh pipeline's");
  UNIT_CHECK(memcmp(first_masks, again_masks, n) == 0, "unit 1's masks after unit 0 differ from a fresh pipeline's");
  UNIT_CHECK(memcmp(first, other, n * sizeof(float)) != 0, "units 0 and 1 gave the same images: nothing was tested");
  /* Both conditions share the detector geometry: one mask, copied, and not empty. */
  UNIT_CHECK(memcmp(first_masks, first_masks + n / 2, n / 2) == 0, "the two conditions' masks differ");
  for (size_t i = 0; i < n / 2; i++) particle_pixels += first_masks[i];
  UNIT_CHECK(particle_pixels > 10, "the mask has %d particle pixels", (int)particle_pixels);
  UNIT_CALL(unit_pipeline_destroy(&p));
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_centring_rule);
  UNIT_RUN(test_state_kept_across_units_changes_nothing);
  return UNIT_END();
}
