/* work_unit.c — one work unit: a structure and its M images, from the options alone.
 *
 *   recipe  = structure_recipe_sample(seed, unit)        (RNG_PURPOSE_PLAN)
 *   atoms   = structure_recipe_build(recipe, seed, unit)
 *   grid    = simulation grid set up for those atoms
 *   waves   = exit waves of the frozen-phonon configurations (computed once, reused by all M)
 *   for c in 0..M-1:
 *     conditions = imaging_sample(seed, unit, c)          (RNG_PURPOSE_IMAGING)
 *     intensity  = lens_image(waves, conditions)
 *     image[c]   = detector_image(intensity, seed, unit, c)
 *     mask[c]    = ground_truth_mask(particle atoms, detector geometry)
 *
 * Every random number is keyed by (seed, unit, purpose): no state crosses units, so a
 * unit's rows are the same whichever rank computes them and in whatever order.
 * MPI: the group communicator goes to the distributed exit-wave computation; the atom counts
 * of -save_atoms are summed and the FFTW wisdom is broadcast here (this file uses MPI). */
#include <math.h>
#include <stdlib.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "checked_size.h"
#include "error_check.h"
#include "campaign.h"
#include "detector.h"
#include "ground_truth.h"
#include "multislice.h"
#include "optics.h"
#include "simulation_grid.h"
#include "structure_recipe.h"
#include "timing.h"

struct WorkUnitPipeline {
  PetscInt64                   seed;
  PetscInt                     n_conditions;
  StructureRecipeDistributions structure;    /* structure options */
  SimulationGrid               grid;         /* template, set up per unit */
  ImagingDistributions         imaging;      /* imaging options */
  GroundTruthOptions           ground_truth; /* mask options */
  double                       required_angle; /* largest objective aperture [mrad], for the grid check */
  PetscInt                     ny, nx;       /* detector image size (constant) */
  int                          n_structure_columns, n_image_columns;
  Lens                        *lens;         /* kept while the grid stays the same */
  AtomList                    *last_atoms;   /* atoms of the last unit computed (for -save_atoms) */
  PetscInt                     last_unit;
  PetscBool                    keep_waves;   /* -save_exit_waves: keep the last unit's exit waves */
  ExitWaves                   *last_waves;
  float                       *intensity;    /* [grid ny][grid nx] */
  size_t                       intensity_size;
};

PetscErrorCode work_unit_pipeline_create(PetscInt64 seed, PetscInt n_conditions, WorkUnitPipeline **pipeline)
{
  WorkUnitPipeline *p;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  p->seed         = seed;
  p->n_conditions = n_conditions;
  p->last_unit    = -1;
  simulation_grid_defaults(&p->grid);
  *pipeline = p;
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_destroy(WorkUnitPipeline **pipeline)
{
  PetscFunctionBeginUser;
  if (!*pipeline) PetscFunctionReturn(0);
  PetscCall(lens_destroy(&(*pipeline)->lens));
  PetscCall(atom_list_destroy(&(*pipeline)->last_atoms));
  PetscCall(exit_waves_destroy(&(*pipeline)->last_waves));
  PetscCall(PetscFree((*pipeline)->intensity));
  PetscCall(PetscFree(*pipeline));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_options_read(PetscOptionItems *PetscOptionsObject, WorkUnitPipeline *p)
{
  PetscFunctionBeginUser;
  PetscCall(structure_recipe_options_read(PetscOptionsObject, &p->structure));
  PetscCall(simulation_grid_options_read(PetscOptionsObject, &p->grid));
  PetscCall(imaging_options_read(PetscOptionsObject, &p->imaging));
  PetscCall(ground_truth_options_read(PetscOptionsObject, &p->ground_truth));
  double lowest, highest;
  distribution_range(&p->imaging.parameter[IMAGING_APERTURE], &lowest, &highest);
  p->required_angle = isfinite(highest) && highest > 0 ? highest : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_layout(WorkUnitPipeline *p, const Plan *plan, DatabaseLayout *layout)
{
  const Distribution   *size  = &p->imaging.parameter[IMAGING_IMAGE_SIZE];
  const Distribution   *pixel = &p->imaging.parameter[IMAGING_DETECTOR_PIXEL];
  StructureRecipe       recipe;
  StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
  PetscInt              n_columns;
  PetscFunctionBeginUser;
  /* One database holds images of one size: the size cannot be drawn per image. */
  PetscCheck(distribution_is_constant(size) && size->a >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -image_size: '%s' is not allowed in a campaign; give one fixed image side in pixels (e.g. -image_size 128), since every image of a database has the same size", size->spec);
  memset(layout, 0, sizeof *layout);
  layout->n_structures = plan->n_structures;
  layout->n_conditions = plan->n_conditions;
  layout->ny = layout->nx = p->ny = p->nx = (PetscInt)size->a;
  layout->pixel_size   = distribution_is_constant(pixel) && pixel->a > 0 ? pixel->a : 0;
  PetscCall(structure_recipe_sample(&p->structure, (uint64_t)p->seed, 0, &recipe));
  PetscCall(structure_recipe_columns(&recipe, &n_columns, columns));
  PetscCheck(n_columns + 2 <= DATABASE_MAX_COLUMNS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Too many structure columns: %" PetscInt_FMT, n_columns);
  for (PetscInt c = 0; c < n_columns; c++) PetscCall(PetscStrncpy(layout->structure_columns[c], columns[c].name, DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->structure_columns[n_columns], "atoms", DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->structure_columns[n_columns + 1], "particle_atoms", DATABASE_NAME_LEN));
  layout->n_structure_columns = (int)n_columns + 2;
  for (int c = 0; c < IMAGING_PARAMETER_COUNT; c++) PetscCall(PetscStrncpy(layout->image_columns[c], imaging_parameter_info[c].name, DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->image_columns[IMAGING_PARAMETER_COUNT], "pixel_size", DATABASE_NAME_LEN));
  layout->n_image_columns = IMAGING_PARAMETER_COUNT + 1;
  p->n_structure_columns  = layout->n_structure_columns;
  p->n_image_columns      = layout->n_image_columns;
  PetscFunctionReturn(0);
}

/* A structure without a support has no cell and is centred on the origin: put it in the
 * middle of the -cell box, which the simulation needs. */
static PetscErrorCode centre_in_cell(const SimulationGrid *grid, AtomList *atoms)
{
  double lowest[3], highest[3];
  PetscFunctionBeginUser;
  PetscBool has_cell = atoms->cell[0][0] != 0 || atoms->cell[1][1] != 0 || atoms->cell[2][2] != 0;
  if (has_cell || !atom_list_bounds(atoms, lowest, highest)) PetscFunctionReturn(0);
  PetscCheck(grid->cell[0] > 0 && grid->cell[1] > 0 && grid->cell[2] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -cell: a structure without a support has no cell of its own; give -cell x,y,z [Å] large enough for the particle (it spans %.1f x %.1f x %.1f Å)",
             highest[0] - lowest[0], highest[1] - lowest[1], highest[2] - lowest[2]);
  double shift[3];
  for (int d = 0; d < 3; d++) shift[d] = 0.5 * grid->cell[d] - 0.5 * (lowest[d] + highest[d]);
  for (PetscInt i = 0; i < atoms->n; i++)
    for (int d = 0; d < 3; d++) atoms->position[i][d] += shift[d];
  PetscFunctionReturn(0);
}

/* Build a unit's structure and set up its grid (shared by compute and the plan summary). */
static PetscErrorCode build_unit(WorkUnitPipeline *p, PetscInt unit, StructureRecipe *recipe, AtomList **atoms, SimulationGrid *grid)
{
  PetscFunctionBeginUser;
  PetscCall(structure_recipe_sample(&p->structure, (uint64_t)p->seed, (uint64_t)unit, recipe));
  PetscCall(atom_list_create(0, atoms));
  PetscCall(PetscLogEventBegin(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  PetscCall(structure_recipe_build(recipe, (uint64_t)p->seed, (uint64_t)unit, *atoms));
  PetscCall(PetscLogEventEnd(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  *grid = p->grid;
  PetscCall(centre_in_cell(grid, *atoms));
  PetscCall(simulation_grid_setup(grid, *atoms, p->required_angle));
  PetscFunctionReturn(0);
}

static PetscBool same_geometry(const DetectorGeometry *a, const DetectorGeometry *b)
{
  return a->field_nx == b->field_nx && a->field_ny == b->field_ny && a->pixel[0] == b->pixel[0] && a->pixel[1] == b->pixel[1] && a->nx == b->nx && a->ny == b->ny &&
                 a->offset[0] == b->offset[0] && a->offset[1] == b->offset[1]
           ? PETSC_TRUE
           : PETSC_FALSE;
}

static PetscErrorCode compute_unit(void *context, MPI_Comm group, PetscInt unit, float *images, uint8_t *masks, double *structure_values, double *image_values)
{
  WorkUnitPipeline     *p = context;
  StructureRecipe       recipe;
  AtomList             *atoms;
  SimulationGrid        grid;
  ExitWaves            *waves;
  int                   group_size, group_rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(group, &group_size));
  PetscCallMPI(MPI_Comm_rank(group, &group_rank));
  PetscCall(build_unit(p, unit, &recipe, &atoms, &grid));
  if (group_size > 1) PetscCall(exit_waves_compute_mpi(group, &grid, atoms, grid.fp_configs, (uint64_t)p->seed, (uint64_t)unit, &waves));
  else PetscCall(exit_waves_compute(&grid, atoms, grid.fp_configs, (uint64_t)p->seed, (uint64_t)unit, &waves));
  if (group_rank != 0) { /* the leader forms the images (and keeps the atoms); members only shared the FFTs */
    PetscCall(exit_waves_destroy(&waves));
    PetscCall(atom_list_destroy(&atoms));
    PetscFunctionReturn(0);
  }

  /* Structure columns: the recipe's numbers, then atom counts. */
  StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
  PetscInt              n_columns, n_particle = 0;
  PetscCall(structure_recipe_columns(&recipe, &n_columns, columns));
  PetscCheck(n_columns + 2 == p->n_structure_columns, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Recipe of unit %" PetscInt_FMT " has %" PetscInt_FMT " columns, the database %d", unit, n_columns, p->n_structure_columns - 2);
  for (PetscInt c = 0; c < n_columns; c++) structure_values[c] = columns[c].value;
  for (PetscInt i = 0; i < atoms->n; i++) n_particle += atoms->atom_class[i] == ATOM_CLASS_PARTICLE;
  structure_values[n_columns]     = (double)atoms->n;
  structure_values[n_columns + 1] = (double)n_particle;

  /* The lens keeps its FFT plans while the grid stays the same. */
  if (!p->lens || p->lens->nx != grid.nx || p->lens->ny != grid.ny || p->lens->dx != grid.sampling[0] || p->lens->dy != grid.sampling[1] || p->lens->wavelength != grid.wavelength) {
    PetscCall(lens_destroy(&p->lens));
    PetscCall(lens_create(grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], grid.wavelength, &p->lens));
  }
  const size_t grid_pixels = (size_t)grid.nx * (size_t)grid.ny;
  if (p->intensity_size < grid_pixels) {
    PetscCall(PetscFree(p->intensity));
    PetscCall(PetscMalloc1(grid_pixels, &p->intensity));
    p->intensity_size = grid_pixels;
  }
  const fftwf_complex **wave_list;
  PetscCall(PetscMalloc1(waves->n_configs, &wave_list));
  for (PetscInt k = 0; k < waves->n_configs; k++) wave_list[k] = (const fftwf_complex *)(waves->wave + (size_t)k * grid_pixels);
  PetscCall(PetscLogEventBegin(NF_EVENT_LENS, 0, 0, 0, 0));
  PetscCall(lens_set_exit_waves(p->lens, waves->n_configs, wave_list));
  PetscCall(PetscLogEventEnd(NF_EVENT_LENS, 0, 0, 0, 0));
  PetscCall(PetscFree(wave_list));

  const size_t     image_pixels = (size_t)p->nx * (size_t)p->ny;
  DetectorGeometry mask_geometry;
  memset(&mask_geometry, 0, sizeof mask_geometry);
  PetscBool        have_mask = PETSC_FALSE;
  for (PetscInt c = 0; c < p->n_conditions; c++) {
    ImagingConditions conditions;
    DetectorGeometry  geometry;
    double           *values = image_values + (size_t)c * (size_t)p->n_image_columns;
    PetscCall(imaging_sample(&p->imaging, (uint64_t)p->seed, (uint64_t)unit, (int)c, &conditions, values));
    PetscCall(detector_geometry(&conditions, grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], &geometry));
    PetscCheck(geometry.nx == p->nx && geometry.ny == p->ny, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Unit %" PetscInt_FMT " condition %" PetscInt_FMT ": the detector image is %" PetscInt_FMT "x%" PetscInt_FMT " but the database holds %" PetscInt_FMT "x%" PetscInt_FMT "; check -image_size, -detector_pixel and the field of view (-cell, -support_size)",
               unit, c, geometry.nx, geometry.ny, p->nx, p->ny);
    values[IMAGING_PARAMETER_COUNT] = geometry.pixel[0];
    PetscCall(PetscLogEventBegin(NF_EVENT_LENS, 0, 0, 0, 0));
    PetscCall(lens_image(p->lens, &conditions, p->intensity));
    PetscCall(PetscLogEventEnd(NF_EVENT_LENS, 0, 0, 0, 0));
    PetscCall(PetscLogEventBegin(NF_EVENT_DETECTOR, 0, 0, 0, 0));
    PetscCall(detector_image(&conditions, &geometry, grid.nx, grid.ny, p->intensity, (uint64_t)p->seed, (uint64_t)unit, (int)c, images + (size_t)c * image_pixels));
    PetscCall(PetscLogEventEnd(NF_EVENT_DETECTOR, 0, 0, 0, 0));
    /* The mask depends on the atoms and the pixel grid only: reuse it across conditions
     * that share the detector geometry. */
    if (have_mask && same_geometry(&geometry, &mask_geometry)) {
      PetscCall(PetscArraycpy(masks + (size_t)c * image_pixels, masks + (size_t)(c - 1) * image_pixels, image_pixels));
    } else {
      PetscCall(PetscLogEventBegin(NF_EVENT_MASK, 0, 0, 0, 0));
      PetscCall(ground_truth_mask(&grid, atoms, ATOM_CLASS_PARTICLE, &p->ground_truth, &geometry, masks + (size_t)c * image_pixels));
      PetscCall(PetscLogEventEnd(NF_EVENT_MASK, 0, 0, 0, 0));
      mask_geometry = geometry;
      have_mask     = PETSC_TRUE;
    }
  }
  PetscCall(exit_waves_destroy(&p->last_waves));
  if (p->keep_waves) p->last_waves = waves; /* for the optional exit-wave storage */
  else PetscCall(exit_waves_destroy(&waves));
  /* Keep the atoms (as placed in the cell) for the optional atom storage. */
  PetscCall(atom_list_destroy(&p->last_atoms));
  p->last_atoms = atoms;
  p->last_unit  = unit;
  PetscFunctionReturn(0);
}

static PetscErrorCode unit_atoms(void *context, PetscInt unit, PetscInt64 capacity, PetscInt64 *n_atoms, float *positions, uint8_t *numbers, uint8_t *classes)
{
  WorkUnitPipeline *p = context;
  PetscFunctionBeginUser;
  PetscCheck(p->last_atoms && p->last_unit == unit, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Atoms of unit %" PetscInt_FMT " asked for, unit %" PetscInt_FMT " was computed", unit, p->last_unit);
  PetscCheck(p->last_atoms->n <= capacity, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Unit %" PetscInt_FMT " has %" PetscInt_FMT " atoms, more than the %" PetscInt64_FMT " counted", unit, p->last_atoms->n, capacity);
  for (PetscInt i = 0; i < p->last_atoms->n; i++) {
    for (int d = 0; d < 3; d++) positions[3 * i + d] = (float)p->last_atoms->position[i][d];
    numbers[i] = (uint8_t)p->last_atoms->atomic_number[i];
    classes[i] = p->last_atoms->atom_class[i];
  }
  *n_atoms = p->last_atoms->n;
  PetscFunctionReturn(0);
}

static PetscErrorCode unit_exit_waves(void *context, PetscInt unit, PetscInt count, PetscInt ny, PetscInt nx, float *out)
{
  WorkUnitPipeline *p = context;
  ExitWaves        *w = p->last_waves;
  PetscFunctionBeginUser;
  PetscCheck(w && p->last_unit == unit, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Exit waves of unit %" PetscInt_FMT " asked for, unit %" PetscInt_FMT " was computed", unit, p->last_unit);
  PetscCheck(w->n_configs == count && w->ny == ny && w->nx == nx, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Unit %" PetscInt_FMT " has %" PetscInt_FMT " exit waves of %" PetscInt_FMT "x%" PetscInt_FMT ", the database %" PetscInt_FMT " of %" PetscInt_FMT "x%" PetscInt_FMT,
             unit, w->n_configs, w->ny, w->nx, count, ny, nx);
  /* float _Complex is laid out as float[2] (real, imaginary), as C11 guarantees */
  memcpy(out, w->wave, sizeof(float) * 2 * (size_t)count * (size_t)ny * (size_t)nx);
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_exit_wave_layout(WorkUnitPipeline *p, DatabaseLayout *layout)
{
  StructureRecipe recipe;
  AtomList       *atoms;
  SimulationGrid  grid;
  PetscFunctionBeginUser;
  /* The grid's nx, ny follow the cell's x, y, which are -cell or the support's fixed x, y, so
   * unit 0's grid is every unit's (unit_exit_waves checks it); only the slice count varies. */
  PetscCall(build_unit(p, 0, &recipe, &atoms, &grid));
  layout->exit_wave_count       = PetscMax(1, grid.fp_configs);
  layout->exit_wave_ny          = grid.ny;
  layout->exit_wave_nx          = grid.nx;
  layout->exit_wave_sampling[0] = grid.sampling[1];
  layout->exit_wave_sampling[1] = grid.sampling[0];
  p->keep_waves                 = PETSC_TRUE;
  PetscCall(atom_list_destroy(&atoms));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_count_atoms(WorkUnitPipeline *p, MPI_Comm comm, const Plan *plan, int64_t **offsets)
{
  int      rank, size;
  int64_t *count;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* 8 bytes per structure on every rank: refused with the figure when that is above the limit. */
  PetscCall(checked_malloc((size_t)plan->n_structures, sizeof *count, "the atom counts of -save_atoms", "-structures", &count));
  PetscCall(PetscArrayzero(count, plan->n_structures));
  for (PetscInt unit = rank; unit < plan->n_structures; unit += size) {
    StructureRecipe recipe;
    AtomList       *atoms;
    PetscCall(structure_recipe_sample(&p->structure, (uint64_t)p->seed, (uint64_t)unit, &recipe));
    PetscCall(atom_list_create(0, &atoms));
    PetscCall(structure_recipe_build(&recipe, (uint64_t)p->seed, (uint64_t)unit, atoms));
    count[unit] = atoms->n;
    PetscCall(atom_list_destroy(&atoms));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, count, (int)plan->n_structures, MPI_INT64_T, MPI_SUM, comm));
  PetscCall(PetscMalloc1(plan->n_structures + 1, offsets));
  (*offsets)[0] = 0;
  for (PetscInt unit = 0; unit < plan->n_structures; unit++) (*offsets)[unit + 1] = (*offsets)[unit] + count[unit];
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_prepare(WorkUnitPipeline *p, MPI_Comm comm, const char *database_path)
{
  int   rank;
  char  path[PETSC_MAX_PATH_LEN];
  char *wisdom = NULL;
  long  length = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  const PetscBool no_file = strcmp(p->grid.fftw_wisdom, "none") == 0 ? PETSC_TRUE : PETSC_FALSE; /* -fftw_wisdom none */
  const PetscBool given   = p->grid.fftw_wisdom[0] && !no_file ? PETSC_TRUE : PETSC_FALSE;
  char            host_cache[PETSC_MAX_PATH_LEN] = "";
  if (given) PetscCall(PetscStrncpy(path, p->grid.fftw_wisdom, sizeof path));
  else PetscCall(PetscSNPrintf(path, sizeof path, "%s.fftw_wisdom", database_path));
  if (rank == 0) {
    struct stat info;
    PetscBool   existed = !no_file && stat(path, &info) == 0 ? PETSC_TRUE : PETSC_FALSE;
    if (existed) PetscCheck(fftwf_import_wisdom_from_filename(path), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "FFTW wisdom file '%s' cannot be read; delete it (results of a resumed run may then differ in the last bits)", path);
    if (!given && !no_file && !existed) {
      /* A new database without -fftw_wisdom: start from the per-host cache that simulate keeps, so
       * separate campaigns of one plan on this host (any rank count, any output file) use the
       * same plans and give the same bits. A resume reads <database>.fftw_wisdom, written below. */
      SimulationGrid cache_grid = p->grid;
      PetscCall(simulation_grid_wisdom_default(&cache_grid));
      PetscCall(PetscStrncpy(host_cache, cache_grid.fftw_wisdom, sizeof host_cache));
      PetscCall(simulation_grid_wisdom_import(host_cache));
    }
    /* Plan every transform of unit 0's grid (the multislice and the lens) once here. */
    StructureRecipe recipe;
    AtomList       *atoms;
    SimulationGrid  grid;
    Multislice     *multislice;
    Lens           *lens;
    PetscCall(build_unit(p, 0, &recipe, &atoms, &grid));
    grid.fftw_wisdom[0] = 0;
    PetscCall(multislice_create(&grid, &multislice));
    PetscCall(multislice_destroy(&multislice));
    PetscCall(lens_create(grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], grid.wavelength, &lens));
    PetscCall(lens_destroy(&lens));
    if (!existed) {
      /* The detector's resampling of unit 0, condition 0 (a wisdom file from an older run keeps
       * the detector on FFTW_ESTIMATE: measuring now could change a resumed run's last bits). */
      ImagingConditions conditions;
      DetectorGeometry  geometry;
      PetscCall(imaging_sample(&p->imaging, (uint64_t)p->seed, 0, 0, &conditions, NULL));
      PetscCall(detector_geometry(&conditions, grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], &geometry));
      PetscCall(detector_plan(grid.nx, grid.ny, geometry.field_nx, geometry.field_ny));
    }
    PetscCall(atom_list_destroy(&atoms));
    wisdom = fftwf_export_wisdom_to_string();
    PetscCheck(wisdom, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not export its wisdom");
    length = (long)strlen(wisdom) + 1;
    /* Write back whenever planning added to the wisdom (also to an existing, shared file):
     * a resumed run must find every plan this run used. */
    if (!no_file) PetscCall(simulation_grid_wisdom_export(path));
    PetscCall(simulation_grid_wisdom_export(host_cache)); /* no-op when empty */
  }
  PetscCallMPI(MPI_Bcast(&length, 1, MPI_LONG, 0, comm));
  if (rank != 0) PetscCall(PetscMalloc1(length, &wisdom));
  PetscCallMPI(MPI_Bcast(wisdom, (int)length, MPI_CHAR, 0, comm));
  if (rank != 0) {
    PetscCheck(fftwf_import_wisdom_from_string(wisdom), PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not import the wisdom of rank 0");
    PetscCall(PetscFree(wisdom));
  } else {
    free(wisdom); /* allocated by FFTW with malloc */
  }
  /* From here on every rank holds the same wisdom in memory; units must not re-read or
   * rewrite a wisdom file (many ranks writing one file at once would corrupt it), and no rank
   * may measure a plan of its own: sizes outside the shared wisdom get FFTW_ESTIMATE. */
  p->grid.fftw_wisdom[0] = 0;
  simulation_fft_planning_set(FFT_PLANNING_WISDOM_OR_ESTIMATE);
  PetscFunctionReturn(0);
}

void work_unit_pipeline_work(WorkUnitPipeline *pipeline, PetscBool save_atoms, PetscBool save_exit_waves, UnitWork *work)
{
  work->context    = pipeline;
  work->compute    = compute_unit;
  work->atoms      = save_atoms ? unit_atoms : NULL;
  work->exit_waves = save_exit_waves ? unit_exit_waves : NULL;
}

PetscErrorCode work_unit_pipeline_plan_summary(WorkUnitPipeline *p, const Plan *plan, const DatabaseLayout *layout, FILE *stream)
{
  const int n_s = layout->n_structure_columns - 2, n_i = IMAGING_PARAMETER_COUNT;
  double    low[DATABASE_MAX_COLUMNS], high[DATABASE_MAX_COLUMNS], image_low[IMAGING_PARAMETER_COUNT], image_high[IMAGING_PARAMETER_COUNT];
  PetscFunctionBeginUser;
  for (int c = 0; c < DATABASE_MAX_COLUMNS; c++) { low[c] = INFINITY; high[c] = -INFINITY; }
  for (int c = 0; c < n_i; c++) { image_low[c] = INFINITY; image_high[c] = -INFINITY; }
  /* Ranges from the first units only in a huge plan: -plan_only must stay quick. */
  const PetscInt n_sampled = PetscMin(plan->n_structures, 100000);
  for (PetscInt unit = 0; unit < n_sampled; unit++) {
    StructureRecipe       recipe;
    StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
    PetscInt              n_columns;
    PetscCall(structure_recipe_sample(&p->structure, (uint64_t)p->seed, (uint64_t)unit, &recipe));
    PetscCall(structure_recipe_columns(&recipe, &n_columns, columns));
    for (int c = 0; c < n_s && c < n_columns; c++) { low[c] = PetscMin(low[c], columns[c].value); high[c] = PetscMax(high[c], columns[c].value); }
    for (PetscInt k = 0; k < plan->n_conditions; k++) {
      ImagingConditions conditions;
      double            values[IMAGING_PARAMETER_COUNT];
      PetscCall(imaging_sample(&p->imaging, (uint64_t)p->seed, (uint64_t)unit, (int)k, &conditions, values));
      for (int c = 0; c < n_i; c++) { image_low[c] = PetscMin(image_low[c], values[c]); image_high[c] = PetscMax(image_high[c], values[c]); }
    }
  }
  /* Unit 0 built and gridded for the cost estimate. */
  StructureRecipe recipe;
  AtomList       *atoms;
  SimulationGrid  grid;
  char            description[512];
  PetscCall(build_unit(p, 0, &recipe, &atoms, &grid));
  PetscCall(structure_recipe_describe(&recipe, description, sizeof description));
  const double n_configs   = (double)PetscMax(grid.fp_configs, 1);
  const double points      = (double)grid.nx * (double)grid.ny;
  const double fft_pairs   = n_configs * (double)grid.n_slices * 2.0; /* per slice: transmission band limit + propagation */
  const double flops       = fft_pairs * 2.0 * 5.0 * points * log2(points);
  const double assumed_rate = 2.0e9; /* single-precision complex FFT, one core, flop/s: a rough figure */
  const double bytes       = (double)plan->n_images * (double)layout->ny * (double)layout->nx * 5.0;
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "campaign plan %s (seed %" PetscInt64_FMT "):\n", plan->hash_hex, plan->seed));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  %" PetscInt_FMT " structures x %" PetscInt_FMT " imaging conditions = %" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT " pixels (%.3g GB of images and masks)\n",
                         plan->n_structures, plan->n_conditions, plan->n_images, layout->ny, layout->nx, bytes / 1e9));
  if (n_sampled < plan->n_structures) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  (column ranges over the first %" PetscInt_FMT " units)\n", n_sampled));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  structure columns (range over the plan):\n"));
  for (int c = 0; c < n_s; c++) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "    %-24s %12.6g .. %-12.6g\n", layout->structure_columns[c], low[c], high[c]));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  imaging columns that vary (the others are constant):\n"));
  for (int c = 0; c < n_i; c++)
    if (image_high[c] > image_low[c]) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "    %-24s %12.6g .. %-12.6g %s\n", imaging_parameter_info[c].name, image_low[c], image_high[c], imaging_parameter_info[c].units));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  unit 0: %s; %" PetscInt_FMT " atoms\n", description, atoms->n));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  simulation grid of unit 0: %" PetscInt_FMT "x%" PetscInt_FMT " pixels of %.4g Å, %" PetscInt_FMT " slices, %d configuration(s)\n",
                         grid.nx, grid.ny, grid.sampling[0], grid.n_slices, (int)n_configs));
  {
    size_t       limit;
    const double memory = simulation_memory_estimate(&grid, plan->n_conditions, (PetscInt64)layout->ny * layout->nx, layout->exit_wave_count > 0 ? PETSC_TRUE : PETSC_FALSE);
    PetscCall(memory_limit_bytes(&limit));
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  estimated memory: %.3g GB per rank for a unit (limit %.3g GB, -memory_limit)%s\n", memory / 1e9, (double)limit / 1e9,
                           memory > (double)limit ? ": TOO LARGE, the run would be refused" : ""));
  }
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  estimated cost: %.3g FFT pairs per unit, about %.3g core-seconds per unit and %.3g core-hours in all\n"
                                                  "  (multislice FFTs only, assuming %.1f Gflop/s per core; run a few units to measure)\n",
                         fft_pairs, flops / assumed_rate, flops / assumed_rate * (double)plan->n_structures / 3600.0, assumed_rate / 1e9));
  PetscCall(atom_list_destroy(&atoms));
  PetscFunctionReturn(0);
}

/* Bytes of images and masks (float + byte per pixel) the database holds when complete. */
static double database_bytes(const Plan *plan, const DatabaseLayout *layout)
{
  return (double)plan->n_images * (double)layout->ny * (double)layout->nx * 5.0 +
         (double)plan->n_structures * (double)layout->exit_wave_count * (double)layout->exit_wave_ny * (double)layout->exit_wave_nx * 8.0;
}

PetscErrorCode work_unit_pipeline_check_resources(WorkUnitPipeline *p, MPI_Comm comm, const Plan *plan, const DatabaseLayout *layout, PetscBool save_exit_waves,
                                                  PetscBool check_free_space, const char *database_path)
{
  StructureRecipe recipe;
  AtomList       *atoms;
  SimulationGrid  grid;
  size_t          limit;
  int             rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(build_unit(p, 0, &recipe, &atoms, &grid));
  PetscCall(atom_list_destroy(&atoms));
  /* Every rank checks its own limit (nodes may differ); all fail together, so the error is
   * collective: one line, a clean exit, no rank left waiting. */
  PetscCall(memory_limit_bytes(&limit));
  const double memory = simulation_memory_estimate(&grid, plan->n_conditions, (PetscInt64)layout->ny * layout->nx, save_exit_waves);
  double       worst[2] = {memory / (double)limit, 0}, free_bytes = INFINITY;
  /* The database grows as units are written: what is still to come must fit the free space of
   * its folder (rank 0 writes it). */
  const double total = database_bytes(plan, layout);
  double       still_needed = total;
  if (rank == 0 && check_free_space) {
    char           copy[PETSC_MAX_PATH_LEN];
    struct statvfs file_system;
    struct stat    existing;
    if (stat(database_path, &existing) == 0) still_needed -= (double)existing.st_size;
    PetscCall(PetscStrncpy(copy, database_path, sizeof copy));
    if (statvfs(dirname(copy), &file_system) == 0) free_bytes = (double)file_system.f_bavail * (double)file_system.f_frsize;
    worst[1] = still_needed / free_bytes;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, worst, 2, MPI_DOUBLE, MPI_MAX, comm));
  PetscCallMPI(MPI_Bcast(&free_bytes, 1, MPI_DOUBLE, 0, comm));
  PetscCheck(worst[0] <= 1, comm, PETSC_ERR_MEM,
             "A work unit (grid %" PetscInt_FMT "x%" PetscInt_FMT ", %" PetscInt_FMT " phonon configuration(s), %" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT
             ") needs an estimated %.3g GB per rank, more than the memory limit of %.3g GB%s (-memory_limit; default the machine's memory): use a coarser -sampling, a smaller -cell or fewer -fp_configs",
             grid.nx, grid.ny, PetscMax(grid.fp_configs, 1), plan->n_conditions, layout->ny, layout->nx, memory / 1e9, (double)limit / 1e9, worst[0] * (double)limit > memory * 1.0000001 ? " on some rank" : "");
  PetscCheck(worst[1] <= 1, comm, PETSC_ERR_USER_INPUT,
             "Options -structures %" PetscInt_FMT " x -conditions %" PetscInt_FMT ": the database '%s' needs %.3g GB (%" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT
             ", 5 bytes per pixel) but its folder has %.3g GB free; free space, choose another -o, plan fewer images, or give -check_free_space false",
             plan->n_structures, plan->n_conditions, database_path, total / 1e9, plan->n_images, layout->ny, layout->nx, free_bytes / 1e9);
  PetscFunctionReturn(0);
}
