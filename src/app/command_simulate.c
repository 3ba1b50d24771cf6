/* command_simulate.c — `nanoforge simulate`: one structure → exit waves (multislice,
 * frozen phonons) → images under one or more imaging conditions (the exit waves are reused)
 * → detector → ground-truth mask → one EMD v0.2 HDF5 file (+ optional PNG preview).
 *
 * On one rank everything is serial. On several (mpirun -np g), every rank builds the same
 * structure and grid, the exit waves are computed by all of them with slab-distributed FFTs
 * (exit_waves_compute_mpi, for fields of view too large for one rank), and rank 0 forms the
 * images, the mask and the file. Outputs are written under temporary names and renamed at the
 * end, so an error leaves no partial file. MPI: one broadcast (this file uses MPI). */
#include <math.h>
#include <string.h>
#include "checked_size.h"
#include "commands.h"
#include "detector.h"
#include "emd_file.h"
#include "error_check.h"
#include "ground_truth.h"
#include "multislice.h"
#include "optics.h"
#include "options.h"
#include "output_file.h"
#include "picture.h"
#include "plan.h"
#include "potential.h"
#include "provenance.h"
#include "simulation_grid.h"
#include "structure_io.h"
#include "structure_recipe.h"
#include "timing.h"

typedef struct {
  char                 structure[PETSC_MAX_PATH_LEN]; /* -structure */
  char                 output[PETSC_MAX_PATH_LEN];    /* -o */
  char                 png[PETSC_MAX_PATH_LEN];       /* -png, "" = none */
  PetscBool            save_exit_wave, save_potential, save_labels;
  PetscInt             n_conditions;                  /* -n_conditions */
  PetscInt64           seed;                          /* -seed */
  PetscInt64           unit;                          /* -unit (stream id of this simulation; 40 bits) */
  SimulationGrid       grid;
  ImagingDistributions imaging;
  GroundTruthOptions   mask;
  StructureRecipeDistributions recipe;                /* used when no -structure is given */
} SimulateOptions;

static PetscErrorCode read_options(MPI_Comm comm, SimulateOptions *o)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof *o));
  PetscCall(PetscStrncpy(o->output, "sim.h5", sizeof o->output));
  o->n_conditions = 1;
  simulation_grid_defaults(&o->grid);
  PetscOptionsBegin(comm, NULL, "nanoforge simulate: HRTEM image(s) and ground-truth mask of one structure", NULL);
  PetscCall(PetscOptionsString("-structure", "Structure file (XYZ, extended XYZ, Prismatic); a structure without a cell is centred in -cell. Without it the structure is built from the structure options (-material, -shape, ...)", NULL, o->structure, o->structure, sizeof o->structure, NULL));
  PetscCall(PetscOptionsString("-o", "Output HDF5 file (EMD v0.2)", NULL, o->output, o->output, sizeof o->output, NULL));
  PetscCall(PetscOptionsString("-png", "Preview PNG: image (condition 0) and mask side by side", NULL, o->png, o->png, sizeof o->png, NULL));
  PetscCall(PetscOptionsBool("-save_exit_wave", "Also store the complex exit waves on the simulation grid (/data/exit_wave)", NULL, o->save_exit_wave, &o->save_exit_wave, NULL));
  PetscCall(PetscOptionsBool("-save_potential", "Also store the projected potential of all atoms on the simulation grid (/data/potential) [V·Å]", NULL, o->save_potential, &o->save_potential, NULL));
  PetscCall(PetscOptionsBool("-save_labels", "Also store a label image: 0 background, 1 particle, 2 support, 3 other (/data/labels)", NULL, o->save_labels, &o->save_labels, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-n_conditions", "Imaging conditions drawn from the imaging distributions, all from the same exit waves", 1, 100000, &o->n_conditions, NULL));
  PetscCall(options_seed(PetscOptionsObject, &o->seed));
  PetscCall(options_integer64(PetscOptionsObject, "-unit", "Work-unit id keying the random streams (phonons, imaging draws, noise)", 0, PLAN_MAX_UNIT_ID, &o->unit, NULL));
  PetscCall(simulation_grid_options_read(PetscOptionsObject, &o->grid));
  PetscCall(imaging_options_read(PetscOptionsObject, &o->imaging));
  PetscCall(ground_truth_options_read(PetscOptionsObject, &o->mask));
  PetscCall(structure_recipe_options_read(PetscOptionsObject, &o->recipe));
  PetscOptionsEnd();
  PetscCheck(o->n_conditions >= 1 && o->n_conditions <= 100000, comm, PETSC_ERR_USER_INPUT, "-n_conditions %" PetscInt_FMT " is not allowed: use 1..100000", o->n_conditions);
  if (o->n_conditions > 1) {
    PetscCheck(distribution_is_constant(&o->imaging.parameter[IMAGING_DETECTOR_PIXEL]) && distribution_is_constant(&o->imaging.parameter[IMAGING_IMAGE_SIZE]), comm,
               PETSC_ERR_USER_INPUT, "-detector_pixel '%s' and -image_size '%s' must be fixed numbers when -n_conditions > 1 (all images of one file share a shape)",
               o->imaging.parameter[IMAGING_DETECTOR_PIXEL].spec, o->imaging.parameter[IMAGING_IMAGE_SIZE].spec);
  }
  PetscFunctionReturn(0);
}

/* A structure without a cell (plain XYZ) is centred in the simulation cell; one with a cell is
 * used as it is. A structure without any particle-class atom (plain XYZ carries no labels) has
 * all its atoms labelled particle, so the mask shows the whole structure. */
static PetscErrorCode prepare_structure(const SimulateOptions *o, AtomList *atoms, PetscBool *relabelled)
{
  double    lowest[3], highest[3];
  PetscBool has_cell = PETSC_FALSE, has_particle = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCheck(atoms->n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "the structure (%s) has no atoms", o->structure[0] ? o->structure : "built from the structure options");
  for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) if (atoms->cell[a][b] != 0) has_cell = PETSC_TRUE;
  if (!has_cell && o->grid.cell[0] > 0 && o->grid.cell[1] > 0 && o->grid.cell[2] > 0) {
    atom_list_bounds(atoms, lowest, highest);
    for (PetscInt i = 0; i < atoms->n; i++)
      for (int d = 0; d < 3; d++) atoms->position[i][d] += 0.5 * o->grid.cell[d] - 0.5 * (lowest[d] + highest[d]);
  }
  for (PetscInt i = 0; i < atoms->n; i++) if (atoms->atom_class[i] == ATOM_CLASS_PARTICLE) has_particle = PETSC_TRUE;
  *relabelled = !has_particle;
  if (!has_particle) for (PetscInt i = 0; i < atoms->n; i++) atoms->atom_class[i] = ATOM_CLASS_PARTICLE;
  PetscFunctionReturn(0);
}

/* Everything the file holds. */
typedef struct {
  PetscInt           n_conditions;
  ImagingConditions *conditions;
  double            *values;     /* [n_conditions][IMAGING_PARAMETER_COUNT] drawn option values */
  DetectorGeometry   geometry;
  float             *images;     /* [n_conditions][ny][nx] */
  unsigned char     *mask;       /* [ny][nx] */
  unsigned char     *labels;     /* [ny][nx] or NULL */
  ExitWaves         *exit_waves;
  float             *potential;  /* [grid ny][grid nx] or NULL */
  PetscInt           n_atoms, n_particle_atoms;
  PetscBool          relabelled;
  char               recipe[512];  /* description of the built structure ("" when read from a file) */
} SimulationResult;

static PetscErrorCode write_contents(const SimulateOptions *o, const SimulationResult *r, EmdFile *file)
{
  const SimulationGrid   *g = &o->grid;
  const DetectorGeometry *d = &r->geometry;
  PetscFunctionBeginUser;
  {
    EmdDimension dims[3] = {{"condition", "[index]", 1.0}, {"y", "[Å]", d->pixel[1]}, {"x", "[Å]", d->pixel[0]}};
    hsize_t      shape[3] = {(hsize_t)r->n_conditions, (hsize_t)d->ny, (hsize_t)d->nx};
    if (r->n_conditions == 1) PetscCall(emd_file_add_data(file, "image", EMD_FLOAT32, 2, shape + 1, dims + 1, r->images));
    else PetscCall(emd_file_add_data(file, "image", EMD_FLOAT32, 3, shape, dims, r->images));
    PetscCall(emd_file_add_data(file, "mask", EMD_UINT8, 2, shape + 1, dims + 1, r->mask));
    if (r->labels) PetscCall(emd_file_add_data(file, "labels", EMD_UINT8, 2, shape + 1, dims + 1, r->labels));
  }
  if (o->save_exit_wave) {
    EmdDimension dims[4] = {{"phonon_configuration", "[index]", 1.0}, {"y", "[Å]", g->sampling[1]}, {"x", "[Å]", g->sampling[0]}, {"real_imaginary", "[index]", 1.0}};
    hsize_t      shape[4] = {(hsize_t)r->exit_waves->n_configs, (hsize_t)g->ny, (hsize_t)g->nx, 2};
    PetscCall(emd_file_add_data(file, "exit_wave", EMD_FLOAT32, 4, shape, dims, (const float *)r->exit_waves->wave));
  }
  if (r->potential) {
    EmdDimension dims[2] = {{"y", "[Å]", g->sampling[1]}, {"x", "[Å]", g->sampling[0]}};
    hsize_t      shape[2] = {(hsize_t)g->ny, (hsize_t)g->nx};
    PetscCall(emd_file_add_data(file, "potential", EMD_FLOAT32, 2, shape, dims, r->potential));
  }
  /* Parameters: the structure, the grid, every imaging value drawn, the detector, the mask. */
  PetscCall(emd_file_add_parameter_string(file, "structure", o->structure[0] ? o->structure : r->recipe));
  PetscCall(emd_file_add_parameter(file, "atoms", (double)r->n_atoms, "1"));
  PetscCall(emd_file_add_parameter(file, "particle_atoms", (double)r->n_particle_atoms, "1"));
  PetscCall(emd_file_add_parameter_string(file, "particle_class", r->relabelled ? "all atoms (the structure file has no class labels)" : "atoms of class particle"));
  PetscCall(emd_file_add_parameter(file, "seed", (double)o->seed, "1"));
  PetscCall(emd_file_add_parameter(file, "unit", (double)o->unit, "1"));
  PetscCall(emd_file_add_parameter(file, "cell_x", g->cell[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "cell_y", g->cell[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "cell_z", g->cell[2], "Å"));
  PetscCall(emd_file_add_parameter(file, "grid_nx", (double)g->nx, "pixel"));
  PetscCall(emd_file_add_parameter(file, "grid_ny", (double)g->ny, "pixel"));
  PetscCall(emd_file_add_parameter(file, "sampling_requested", g->requested_sampling, "Å"));
  PetscCall(emd_file_add_parameter(file, "sampling_x", g->sampling[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "sampling_y", g->sampling[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "slice_thickness", g->slice_thickness, "Å"));
  PetscCall(emd_file_add_parameter(file, "slices", (double)g->n_slices, "1"));
  PetscCall(emd_file_add_parameter(file, "voltage", g->voltage, "kV"));
  PetscCall(emd_file_add_parameter(file, "wavelength", g->wavelength, "Å"));
  PetscCall(emd_file_add_parameter(file, "interaction_constant", g->interaction_constant, "rad/(V·Å)"));
  PetscCall(emd_file_add_parameter(file, "band_limit", g->band_limit, "fraction of Nyquist"));
  PetscCall(emd_file_add_parameter(file, "beam_tilt_x", g->beam_tilt[0], "mrad"));
  PetscCall(emd_file_add_parameter(file, "beam_tilt_y", g->beam_tilt[1], "mrad"));
  PetscCall(emd_file_add_parameter(file, "fp_configs", (double)g->fp_configs, "1"));
  PetscCall(emd_file_add_parameter(file, "focal_points", (double)o->imaging.focal_points, "1"));
  PetscCall(emd_file_add_parameter(file, "conditions", (double)r->n_conditions, "1"));
  for (int p = 0; p < IMAGING_PARAMETER_COUNT; p++) {
    double *column;
    char    spec_name[128];
    PetscCall(PetscMalloc1(r->n_conditions, &column));
    for (PetscInt c = 0; c < r->n_conditions; c++) column[c] = r->values[c * IMAGING_PARAMETER_COUNT + p];
    if (r->n_conditions == 1) PetscCall(emd_file_add_parameter(file, imaging_parameter_info[p].name, column[0], imaging_parameter_info[p].units));
    else PetscCall(emd_file_add_parameter_array(file, imaging_parameter_info[p].name, r->n_conditions, column, imaging_parameter_info[p].units));
    PetscCall(PetscFree(column));
    PetscCall(PetscSNPrintf(spec_name, sizeof spec_name, "%s_distribution", imaging_parameter_info[p].name));
    PetscCall(emd_file_add_parameter_string(file, spec_name, o->imaging.parameter[p].spec));
  }
  {
    double *spread;
    PetscCall(PetscMalloc1(r->n_conditions, &spread));
    for (PetscInt c = 0; c < r->n_conditions; c++) spread[c] = r->conditions[c].focal_spread;
    if (r->n_conditions == 1) PetscCall(emd_file_add_parameter(file, "focal_spread_total", spread[0], "Å"));
    else PetscCall(emd_file_add_parameter_array(file, "focal_spread_total", r->n_conditions, spread, "Å"));
    PetscCall(PetscFree(spread));
  }
  PetscCall(emd_file_add_parameter(file, "detector_pixel_x", d->pixel[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "detector_pixel_y", d->pixel[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "image_nx", (double)d->nx, "pixel"));
  PetscCall(emd_file_add_parameter(file, "image_ny", (double)d->ny, "pixel"));
  PetscCall(emd_file_add_parameter(file, "image_offset_x", d->offset[0] * d->pixel[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "image_offset_y", d->offset[1] * d->pixel[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "mask_threshold", o->mask.threshold, "V·Å"));
  PetscCall(emd_file_add_parameter(file, "mask_closing", o->mask.closing_radius, "Å"));
  PetscCall(emd_file_add_parameter(file, "mask_fill_holes", (double)o->mask.fill_holes, "1"));
  PetscCall(emd_file_add_parameter_string(file, "defocus_convention", "positive defocus = underfocus; C10 = -defocus; Krivanek C_nm in Å, phi_nm in degrees"));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_preview(const char *path, const SimulationResult *r)
{
  const PetscInt nx = r->geometry.nx, ny = r->geometry.ny;
  unsigned char *grey, *pixels;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nx * ny, &grey, 2 * nx * ny, &pixels));
  PetscCall(picture_grey_from_floats(r->images, nx * ny, 0.5, 99.5, grey));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      pixels[j * 2 * nx + i]      = grey[j * nx + i];
      pixels[j * 2 * nx + nx + i] = r->mask[j * nx + i] ? 255 : 0;
    }
  PetscCall(picture_write_png(path, (int)(2 * nx), (int)ny, 1, pixels));
  PetscCall(PetscFree2(grey, pixels));
  PetscFunctionReturn(0);
}

/* Write the HDF5 file (temporary name) and the preview, then rename the HDF5 file into place;
 * on any error the temporary is removed. */
static PetscErrorCode write_outputs(MPI_Comm comm, const SimulateOptions *o, const SimulationResult *r)
{
  Provenance    *provenance;
  EmdFile       *file = NULL;
  PetscErrorCode error;
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_DB_WRITE, 0, 0, 0, 0));
  PetscCall(provenance_create(comm, &provenance));
  error = emd_file_create(o->output, provenance, &file);
  if (!error) error = write_contents(o, r, file);
  if (!error && o->png[0]) error = write_preview(o->png, r);
  if (!error) error = emd_file_commit(file);
  PetscCall(emd_file_destroy(&file));
  PetscCall(provenance_destroy(&provenance));
  PetscCall(error);
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_WRITE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode simulate(MPI_Comm comm, SimulateOptions *o)
{
  AtomList        *atoms = NULL;
  SimulationResult r;
  Lens            *lens;
  float           *intensity;
  double           lowest, highest, start, times[4];
  PetscMPIInt      rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMemzero(&r, sizeof r));
  PetscCall(PetscTime(&start));
  PetscCall(PetscLogEventBegin(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  if (o->structure[0]) PetscCall(structure_read(o->structure, STRUCTURE_FORMAT_AUTO, &atoms));
  else {
    /* The same recipe, seed and unit give the same atoms as `build` and the campaign. */
    StructureRecipe recipe;
    PetscCall(structure_recipe_sample(&o->recipe, (uint64_t)o->seed, (uint64_t)o->unit, &recipe));
    PetscCall(structure_recipe_describe(&recipe, r.recipe, sizeof r.recipe));
    PetscCall(atom_list_create(0, &atoms));
    PetscCall(structure_recipe_build(&recipe, (uint64_t)o->seed, (uint64_t)o->unit, atoms));
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  PetscCall(prepare_structure(o, atoms, &r.relabelled));
  r.n_atoms = atoms->n;
  for (PetscInt i = 0; i < atoms->n; i++) r.n_particle_atoms += atoms->atom_class[i] == ATOM_CLASS_PARTICLE;

  /* The grid must carry the largest aperture angle any condition can draw. */
  distribution_range(&o->imaging.parameter[IMAGING_APERTURE], &lowest, &highest);
  PetscCall(simulation_grid_setup(&o->grid, atoms, isfinite(highest) ? highest : 0.0));

  {
    /* Before any allocation: would this unit fit the memory limit? (Condition 0 fixes the image
     * shape of every condition.) */
    ImagingConditions first;
    DetectorGeometry  geometry;
    char              what[256];
    PetscCall(imaging_sample(&o->imaging, (uint64_t)o->seed, (uint64_t)o->unit, 0, &first, NULL));
    PetscCall(detector_geometry(&first, o->grid.nx, o->grid.ny, o->grid.sampling[0], o->grid.sampling[1], &geometry));
    PetscCall(PetscSNPrintf(what, sizeof what, "simulate (grid %" PetscInt_FMT "x%" PetscInt_FMT ", %" PetscInt_FMT " phonon configuration(s), %" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT ")",
                            o->grid.nx, o->grid.ny, PetscMax(o->grid.fp_configs, 1), o->n_conditions, geometry.nx, geometry.ny));
    /* + the potential of -save_potential and the label image: one grid and one image more */
    const double bytes = simulation_memory_estimate(&o->grid, o->n_conditions + 1, (PetscInt64)geometry.nx * geometry.ny, PETSC_FALSE) + 4.0 * (double)o->grid.nx * (double)o->grid.ny;
    size_t       limit;
    PetscCall(memory_limit_bytes(&limit));
    /* All ranks agree before any fails, so the error is collective: one line, no rank waiting. */
    double worst = bytes / (double)limit;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, comm));
    PetscCheck(worst <= 1, comm, PETSC_ERR_MEM,
               "%s needs an estimated %.3g GB per rank, more than the memory limit of %.3g GB (-memory_limit; default the machine's memory): use a coarser -sampling, a smaller -cell or fewer -fp_configs",
               what, bytes / 1e9, bytes / 1e9 / worst);
  }
  r.n_conditions = o->n_conditions;
  PetscCall(PetscMalloc2(r.n_conditions, &r.conditions, r.n_conditions * IMAGING_PARAMETER_COUNT, &r.values));
  for (PetscInt c = 0; c < r.n_conditions; c++)
    PetscCall(imaging_sample(&o->imaging, (uint64_t)o->seed, (uint64_t)o->unit, (int)c, &r.conditions[c], r.values + c * IMAGING_PARAMETER_COUNT));
  PetscCall(detector_geometry(&r.conditions[0], o->grid.nx, o->grid.ny, o->grid.sampling[0], o->grid.sampling[1], &r.geometry));

  /* FFTW_MEASURE picks plans by timing: the per-host wisdom cache (default) makes every later run
   * reuse this run's plans, so the same seed gives the same bits (docs/physics.md). */
  if (rank == 0) PetscCall(simulation_grid_wisdom_default(&o->grid)); /* rank 0's cache; the others read none */
  PetscCallMPI(MPI_Bcast(o->grid.fftw_wisdom, (int)sizeof o->grid.fftw_wisdom, MPI_CHAR, 0, comm));
  PetscCall(PetscTime(&times[0]));
  if (size > 1) { /* reads, broadcasts and writes back rank 0's wisdom itself */
    PetscCall(exit_waves_compute_mpi(comm, &o->grid, atoms, o->grid.fp_configs, (uint64_t)o->seed, (uint64_t)o->unit, &r.exit_waves));
  } else {
    PetscCall(simulation_grid_wisdom_import(o->grid.fftw_wisdom));
    PetscCall(exit_waves_compute(&o->grid, atoms, o->grid.fp_configs, (uint64_t)o->seed, (uint64_t)o->unit, &r.exit_waves));
  }
  PetscCall(PetscTime(&times[1]));
  if (rank != 0) { /* the other ranks only shared the exit waves' FFTs */
    PetscCall(exit_waves_destroy(&r.exit_waves));
    PetscCall(PetscFree2(r.conditions, r.values));
    PetscCall(atom_list_destroy(&atoms));
    PetscFunctionReturn(0);
  }

  /* Lens and detector per condition, from the same exit waves. */
  {
    const PetscInt  n = o->grid.nx * o->grid.ny;
    fftwf_complex **waves;
    PetscCall(PetscMalloc1(r.exit_waves->n_configs, &waves));
    for (PetscInt w = 0; w < r.exit_waves->n_configs; w++) waves[w] = r.exit_waves->wave + w * n;
    PetscCall(lens_create(o->grid.nx, o->grid.ny, o->grid.sampling[0], o->grid.sampling[1], o->grid.wavelength, &lens));
    PetscCall(lens_set_exit_waves(lens, r.exit_waves->n_configs, (const fftwf_complex *const *)waves));
    PetscCall(PetscFree(waves));
    PetscCall(detector_plan(o->grid.nx, o->grid.ny, r.geometry.field_nx, r.geometry.field_ny));
    PetscCall(PetscMalloc1(n, &intensity));
    PetscCall(PetscMalloc1(r.n_conditions * r.geometry.nx * r.geometry.ny, &r.images));
    for (PetscInt c = 0; c < r.n_conditions; c++) {
      PetscCall(lens_image(lens, &r.conditions[c], intensity));
      PetscCall(detector_image(&r.conditions[c], &r.geometry, o->grid.nx, o->grid.ny, intensity, (uint64_t)o->seed, (uint64_t)o->unit, (int)c,
                               r.images + c * r.geometry.nx * r.geometry.ny));
    }
    PetscCall(lens_destroy(&lens));
    PetscCall(PetscFree(intensity));
    PetscCall(simulation_grid_wisdom_export(o->grid.fftw_wisdom)); /* now with the lens and detector plans */
  }
  PetscCall(PetscTime(&times[2]));
  PetscCall(PetscMalloc1(r.geometry.nx * r.geometry.ny, &r.mask));
  PetscCall(ground_truth_mask(&o->grid, atoms, ATOM_CLASS_PARTICLE, &o->mask, &r.geometry, r.mask));
  if (o->save_labels) {
    PetscCall(PetscMalloc1(r.geometry.nx * r.geometry.ny, &r.labels));
    PetscCall(ground_truth_labels(&o->grid, atoms, &o->mask, &r.geometry, r.labels));
  }
  if (o->save_potential) {
    PetscCall(PetscMalloc1(o->grid.nx * o->grid.ny, &r.potential));
    PetscCall(projected_potential_compute(&o->grid, atoms, NULL, r.potential));
  }
  PetscCall(PetscTime(&times[3]));
  PetscCall(write_outputs(PETSC_COMM_SELF, o, &r));

  {
    double   end, mask_fraction = 0;
    PetscCall(PetscTime(&end));
    for (PetscInt p = 0; p < r.geometry.nx * r.geometry.ny; p++) mask_fraction += r.mask[p];
    mask_fraction /= (double)(r.geometry.nx * r.geometry.ny);
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "simulate: %" PetscInt_FMT " atoms (%" PetscInt_FMT " particle%s), grid %" PetscInt_FMT "x%" PetscInt_FMT " at %.4g Å, %" PetscInt_FMT " slices, %" PetscInt_FMT " phonon configuration(s), %g kV\n"
                          "simulate: %" PetscInt_FMT " image(s) %" PetscInt_FMT "x%" PetscInt_FMT " at %.4g Å/pixel; mask covers %.1f%%\n"
                          "simulate: time %.2f s (exit waves %.2f s on %d rank%s, lens+detector %.3f s = %.1f images/s, mask %.3f s, write %.3f s)\n"
                          "simulate: wrote %s%s%s\n",
                          r.n_atoms, r.n_particle_atoms, r.relabelled ? ": no class labels in the file, all atoms" : "", o->grid.nx, o->grid.ny, o->grid.sampling[0],
                          o->grid.n_slices, r.exit_waves->n_configs, o->grid.voltage, r.n_conditions, r.geometry.nx, r.geometry.ny, r.geometry.pixel[0],
                          100 * mask_fraction, end - start, times[1] - times[0], (int)size, size > 1 ? "s" : "", times[2] - times[1], r.n_conditions / PetscMax(times[2] - times[1], 1e-9),
                          times[3] - times[2], end - times[3], o->output, o->png[0] ? " and " : "", o->png));
  }
  PetscCall(exit_waves_destroy(&r.exit_waves));
  PetscCall(PetscFree2(r.conditions, r.values));
  PetscCall(PetscFree(r.images));
  PetscCall(PetscFree(r.mask));
  PetscCall(PetscFree(r.labels));
  PetscCall(PetscFree(r.potential));
  PetscCall(atom_list_destroy(&atoms));
  PetscFunctionReturn(0);
}

/* Before any work: no output may be an input, or replace a file of another kind. */
static PetscErrorCode check_outputs(MPI_Comm comm, const SimulateOptions *o)
{
  char                   options_file[PETSC_MAX_PATH_LEN];
  const OutputFileOutput outputs[] = {{"-o", o->output, &output_file_kind_hdf5}, {"-png", o->png, &output_file_kind_png}};
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  const OutputFileInput inputs[] = {{"-structure", o->structure}, {"-cif", o->recipe.cif}, {"-fftw_wisdom", o->grid.fftw_wisdom}, {"-options_file", options_file}, {"-png", o->png}};
  PetscCall(output_file_check_all(comm, 1, outputs, 5, inputs)); /* -o against everything else */
  PetscCall(output_file_check_all(comm, 1, outputs + 1, 4, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode command_simulate(MPI_Comm comm)
{
  SimulateOptions *o;
  PetscBool        help;
  int              rank;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&o));
  PetscCall(read_options(comm, o));
  PetscCall(options_help_requested(&help));
  if (help) {
    PetscCall(PetscFree(o));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscErrorCode ierr = options_check_unused(comm);
  if (!ierr) ierr = check_outputs(comm, o);
  if (ierr) PetscCall(PetscFree(o)); /* refused before any work */
  PetscCall(ierr);
  PetscCall(simulate(comm, o)); /* every rank shares the exit waves' FFTs; rank 0 does the rest */
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscFree(o));
  PetscFunctionReturn(0);
}
