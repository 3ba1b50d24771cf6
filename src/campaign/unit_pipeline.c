/* unit_pipeline.c — one work unit: structure → cell → grid → exit waves → images → masks, shared
 * by `simulate` and `campaign` (include/unit_pipeline.h).
 * MPI: through parallel.h (no MPI call here) — the group communicator of the exit waves (its size picks the serial or
 * the FFTW-MPI path), the broadcast of rank 0's FFTW wisdom, and the reduction of the memory check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/parallel.h"
#include "core/checked_size.h"
#include "core/error_check.h"
#include "structure/structure_io.h"
#include "core/timing.h"
#include "campaign/unit_pipeline.h"

PetscErrorCode unit_pipeline_create(PetscInt64 seed, PetscInt n_conditions, UnitPipeline **pipeline)
{
  UnitPipeline *p;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  p->seed         = seed;
  p->n_conditions = n_conditions;
  p->unit         = -1;
  simulation_grid_defaults(&p->grid_options);
  PetscCall(PetscMalloc3(n_conditions, &p->conditions, n_conditions * IMAGING_PARAMETER_COUNT, &p->values, n_conditions,
                         &p->geometry));
  *pipeline = p;
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_destroy(UnitPipeline **pipeline)
{
  UnitPipeline *p = *pipeline;
  PetscFunctionBeginUser;
  if (!p) PetscFunctionReturn(0);
  PetscCall(lens_destroy(&p->lens));
  PetscCall(atom_list_destroy(&p->atoms));
  PetscCall(exit_waves_destroy(&p->waves));
  PetscCall(PetscFree(p->intensity));
  PetscCall(PetscFree3(p->conditions, p->values, p->geometry));
  PetscCall(PetscFree(*pipeline));
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_options_read(PetscOptionItems *PetscOptionsObject, UnitPipeline *p)
{
  double lowest, highest;
  PetscFunctionBeginUser;
  PetscCall(structure_recipe_options_read(PetscOptionsObject, &p->recipe_options));
  PetscCall(simulation_grid_options_read(PetscOptionsObject, &p->grid_options));
  PetscCall(imaging_options_read(PetscOptionsObject, &p->imaging));
  PetscCall(ground_truth_options_read(PetscOptionsObject, &p->ground_truth));
  /* The grid must carry the largest aperture angle any condition can draw. */
  distribution_range(&p->imaging.parameter[IMAGING_APERTURE], &lowest, &highest);
  p->required_angle = isfinite(highest) && highest > 0 ? highest : 0;
  PetscFunctionReturn(0);
}

/* The unit's atoms: read from the structure file, or built from the recipe drawn for (seed,
 * unit) — the same atoms as `build`. A file without any particle-class atom (plain XYZ carries
 * no labels) has all its atoms labelled particle, so the mask shows the whole structure. */
static PetscErrorCode structure_make(UnitPipeline *p, PetscInt64 unit)
{
  PetscBool has_particle = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  if (p->structure_file[0]) {
    PetscCall(structure_read(p->structure_file, STRUCTURE_FORMAT_AUTO, &p->atoms));
    PetscCall(PetscStrncpy(p->description, p->structure_file, sizeof p->description));
  } else {
    PetscCall(structure_recipe_sample(&p->recipe_options, (uint64_t)p->seed, (uint64_t)unit, &p->recipe));
    PetscCall(structure_recipe_describe(&p->recipe, p->description, sizeof p->description));
    PetscCall(atom_list_create(0, &p->atoms));
    PetscCall(structure_recipe_build(&p->recipe, (uint64_t)p->seed, (uint64_t)unit, p->atoms));
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
  PetscCheck(p->atoms->n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "the structure of unit %" PetscInt64_FMT " (%s) has no atoms", unit, p->description);
  for (PetscInt i = 0; i < p->atoms->n; i++)
    has_particle = has_particle || p->atoms->atom_class[i] == ATOM_CLASS_PARTICLE;
  p->relabelled = p->structure_file[0] && !has_particle ? PETSC_TRUE : PETSC_FALSE;
  if (p->relabelled)
    for (PetscInt i = 0; i < p->atoms->n; i++) p->atoms->atom_class[i] = ATOM_CLASS_PARTICLE;
  PetscFunctionReturn(0);
}

/* The one centring rule: a structure without a cell of its own (a particle without a support, a
 * plain XYZ file) is centred in the -cell box, which the simulation needs; one with a cell is used
 * as it is. */
static PetscErrorCode centre_in_cell(const SimulationGrid *grid, AtomList *atoms)
{
  double    lowest[3], highest[3], shift[3];
  PetscBool has_cell = PETSC_FALSE;
  PetscFunctionBeginUser;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) has_cell = has_cell || atoms->cell[a][b] != 0;
  if (has_cell || !atom_list_bounds(atoms, lowest, highest)) PetscFunctionReturn(0);
  PetscCheck(
    grid->cell[0] > 0 && grid->cell[1] > 0 && grid->cell[2] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Option -cell: the structure has no cell of its own; give -cell x,y,z [Å] large enough for it (it spans %.1f x %.1f x %.1f Å)",
    highest[0] - lowest[0], highest[1] - lowest[1], highest[2] - lowest[2]);
  for (int d = 0; d < 3; d++) shift[d] = 0.5 * grid->cell[d] - 0.5 * (lowest[d] + highest[d]);
  for (PetscInt i = 0; i < atoms->n; i++)
    for (int d = 0; d < 3; d++) atoms->position[i][d] += shift[d];
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_build(UnitPipeline *p, PetscInt64 unit)
{
  PetscFunctionBeginUser;
  PetscCall(atom_list_destroy(&p->atoms));
  PetscCall(exit_waves_destroy(&p->waves));
  p->unit = -1;
  PetscCall(structure_make(p, unit));
  p->grid = p->grid_options;
  PetscCall(centre_in_cell(&p->grid, p->atoms));
  PetscCall(simulation_grid_setup(&p->grid, p->atoms, p->required_angle));
  for (PetscInt c = 0; c < p->n_conditions; c++) {
    PetscCall(imaging_sample(&p->imaging, (uint64_t)p->seed, (uint64_t)unit, (int)c, &p->conditions[c],
                             p->values + c * IMAGING_PARAMETER_COUNT));
    PetscCall(detector_geometry(&p->conditions[c], p->grid.nx, p->grid.ny, p->grid.sampling[0], p->grid.sampling[1],
                                &p->geometry[c]));
  }
  p->unit = unit;
  PetscFunctionReturn(0);
}

/* Which wisdom files a run reads and writes (rank 0). */
typedef struct {
  char      path[PETSC_MAX_PATH_LEN];       /* read, then written back; "" = none */
  char      host_cache[PETSC_MAX_PATH_LEN]; /* also read and written back; "" = none */
  PetscBool path_existed;                   /* an existing file that cannot be read is an error */
  PetscBool plan_detector;                  /* measure the detector's transforms too */
} WisdomFiles;

static PetscErrorCode wisdom_files_resolve(const UnitPipeline *p, const char *database_path, WisdomFiles *files)
{
  SimulationGrid  resolved = p->grid_options;
  struct stat     info;
  const PetscBool none  = strcmp(p->grid_options.fftw_wisdom, "none") == 0 ? PETSC_TRUE : PETSC_FALSE;
  const PetscBool given = p->grid_options.fftw_wisdom[0] && !none ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(files, sizeof *files));
  files->plan_detector = PETSC_TRUE;
  if (!database_path) { /* a one-shot command: -fftw_wisdom, else the per-host cache */
    PetscCall(simulation_grid_wisdom_default(&resolved));
    PetscCall(PetscStrncpy(files->path, resolved.fftw_wisdom, sizeof files->path));
    PetscFunctionReturn(0);
  }
  if (none) PetscFunctionReturn(0);
  if (given)
    PetscCall(PetscStrncpy(files->path, p->grid_options.fftw_wisdom, sizeof files->path));
  else
    PetscCall(PetscSNPrintf(files->path, sizeof files->path, "%s.fftw_wisdom", database_path));
  files->path_existed  = stat(files->path, &info) == 0 ? PETSC_TRUE : PETSC_FALSE;
  files->plan_detector = !files->path_existed;
  if (!given && !files->path_existed) {
    /* A new database without -fftw_wisdom starts from the per-host cache; a resume reads
     * <database>.fftw_wisdom, written back below. */
    resolved.fftw_wisdom[0] = 0;
    PetscCall(simulation_grid_wisdom_default(&resolved));
    PetscCall(PetscStrncpy(files->host_cache, resolved.fftw_wisdom, sizeof files->host_cache));
  }
  PetscFunctionReturn(0);
}

/* Rank 0: plan every transform of the built unit's grid once (multislice, lens, detector of
 * condition 0) with the imported wisdom, and write the wisdom back (a resumed run must find every
 * plan this run used). */
static PetscErrorCode wisdom_plan(const UnitPipeline *p, const WisdomFiles *files)
{
  SimulationGrid grid = p->grid;
  Multislice    *multislice;
  Lens          *lens;
  PetscFunctionBeginUser;
  if (files->path_existed)
    PetscCheck(
      fftwf_import_wisdom_from_filename(files->path), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "FFTW wisdom file '%s' cannot be read; delete it (results of a resumed run may then differ in the last bits)",
      files->path);
  else
    PetscCall(simulation_grid_wisdom_import(files->path));
  PetscCall(simulation_grid_wisdom_import(files->host_cache));
  grid.fftw_wisdom[0] = 0; /* the files are read and written here only */
  PetscCall(multislice_create(&grid, &multislice));
  PetscCall(multislice_destroy(&multislice));
  PetscCall(lens_create(grid.nx, grid.ny, grid.sampling[0], grid.sampling[1], grid.wavelength, &lens));
  PetscCall(lens_destroy(&lens));
  if (files->plan_detector)
    PetscCall(detector_plan(grid.nx, grid.ny, p->geometry[0].field_nx, p->geometry[0].field_ny));
  PetscCall(simulation_grid_wisdom_export(files->path)); /* both no-ops when "" */
  PetscCall(simulation_grid_wisdom_export(files->host_cache));
  PetscFunctionReturn(0);
}

/* Rank 0's wisdom to every rank of comm. */
static PetscErrorCode wisdom_broadcast(MPI_Comm comm)
{
  PetscBool is_root;
  char     *exported = NULL, *wisdom = NULL;
  PetscFunctionBeginUser;
  PetscCall(parallel_is_root(comm, &is_root));
  if (is_root) {
    exported = fftwf_export_wisdom_to_string();
    PetscCheck(exported, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not export its wisdom");
  }
  PetscCall(parallel_broadcast_text(comm, exported, &wisdom));
  free(exported); /* allocated by FFTW with malloc; NULL on other ranks */
  if (!is_root)
    PetscCheck(fftwf_import_wisdom_from_string(wisdom), PETSC_COMM_SELF, PETSC_ERR_LIB,
               "FFTW could not import the wisdom of rank 0");
  PetscCall(PetscFree(wisdom));
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_prepare(UnitPipeline *p, MPI_Comm comm, const char *database_path)
{
  int rank;
  PetscFunctionBeginUser;
  PetscCall(parallel_rank(comm, &rank));
  if (rank == 0) {
    WisdomFiles files;
    PetscCheck(p->unit >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
               "unit_pipeline_prepare needs a built unit on rank 0");
    PetscCall(wisdom_files_resolve(p, database_path, &files));
    PetscCall(wisdom_plan(p, &files));
  }
  PetscCall(wisdom_broadcast(comm));
  /* From here on every rank holds the same wisdom in memory; units must not re-read or rewrite a
   * wisdom file (many ranks writing one file at once would corrupt it), and no rank may measure a
   * plan of its own: sizes outside the shared wisdom get FFTW_ESTIMATE. */
  p->grid_options.fftw_wisdom[0] = 0;
  p->grid.fftw_wisdom[0]         = 0;
  simulation_fft_planning_set(FFT_PLANNING_WISDOM_OR_ESTIMATE);
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_check_memory(UnitPipeline *p, MPI_Comm comm, const char *what, PetscBool keep_waves,
                                          double extra_bytes)
{
  const DetectorGeometry *g = &p->geometry[0];
  size_t                  limit;
  PetscFunctionBeginUser;
  PetscCheck(p->unit >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "unit_pipeline_check_memory needs a built unit");
  const double bytes =
    simulation_memory_estimate(&p->grid, p->n_conditions, (PetscInt64)g->nx * g->ny, keep_waves) + extra_bytes;
  PetscCall(memory_limit_bytes(&limit));
  /* Every rank checks its own limit (nodes may differ); all fail together, so the error is
   * collective: one line, no rank left waiting. */
  double worst = bytes / (double)limit;
  PetscCall(parallel_max_double(comm, &worst, &worst, 1));
  PetscCheck(
    worst <= 1, comm, PETSC_ERR_MEM,
    "%s (grid %" PetscInt_FMT "x%" PetscInt_FMT ", %" PetscInt_FMT " phonon configuration(s), %" PetscInt_FMT
    " images of %" PetscInt_FMT "x%" PetscInt_FMT
    ") needs an estimated %.3g GB per rank, more than the memory limit of %.3g GB%s (-memory_limit; default the machine's memory): use a coarser -sampling, a smaller -cell or fewer -fp_configs",
    what, p->grid.nx, p->grid.ny, PetscMax(p->grid.fp_configs, 1), p->n_conditions, g->ny, g->nx, bytes / 1e9,
    bytes / 1e9 / worst, worst * (double)limit > bytes * 1.0000001 ? " on some rank" : "");
  PetscFunctionReturn(0);
}

PetscErrorCode unit_pipeline_exit_waves(UnitPipeline *p, MPI_Comm group)
{
  const SimulationGrid *g = &p->grid;
  int                   size, rank;
  PetscFunctionBeginUser;
  PetscCheck(p->unit >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "unit_pipeline_exit_waves needs a built unit");
  PetscCall(parallel_size(group, &size));
  PetscCall(parallel_rank(group, &rank));
  PetscCall(exit_waves_destroy(&p->waves));
  if (size > 1)
    PetscCall(
      exit_waves_compute_mpi(group, g, p->atoms, g->fp_configs, (uint64_t)p->seed, (uint64_t)p->unit, &p->waves));
  else
    PetscCall(exit_waves_compute(g, p->atoms, g->fp_configs, (uint64_t)p->seed, (uint64_t)p->unit, &p->waves));
  if (rank != 0) PetscCall(exit_waves_destroy(&p->waves)); /* the other ranks only shared the FFTs */
  PetscFunctionReturn(0);
}

/* The lens keeps its FFT plans while the grid stays the same; it takes the unit's exit waves. */
static PetscErrorCode lens_prepare(UnitPipeline *p)
{
  const SimulationGrid *g           = &p->grid;
  const size_t          grid_pixels = (size_t)g->nx * (size_t)g->ny;
  const fftwf_complex **wave_list;
  PetscFunctionBeginUser;
  if (!p->lens || p->lens->nx != g->nx || p->lens->ny != g->ny || p->lens->dx != g->sampling[0] ||
      p->lens->dy != g->sampling[1] || p->lens->wavelength != g->wavelength) {
    PetscCall(lens_destroy(&p->lens));
    PetscCall(lens_create(g->nx, g->ny, g->sampling[0], g->sampling[1], g->wavelength, &p->lens));
  }
  if (p->intensity_size < grid_pixels) {
    PetscCall(PetscFree(p->intensity));
    PetscCall(PetscMalloc1(grid_pixels, &p->intensity));
    p->intensity_size = grid_pixels;
  }
  PetscCall(PetscMalloc1(p->waves->n_configs, &wave_list));
  for (PetscInt k = 0; k < p->waves->n_configs; k++)
    wave_list[k] = (const fftwf_complex *)(p->waves->wave + (size_t)k * grid_pixels);
  PetscCall(PetscLogEventBegin(NF_EVENT_LENS, 0, 0, 0, 0));
  PetscCall(lens_set_exit_waves(p->lens, p->waves->n_configs, wave_list));
  PetscCall(PetscLogEventEnd(NF_EVENT_LENS, 0, 0, 0, 0));
  PetscCall(PetscFree(wave_list));
  PetscFunctionReturn(0);
}

static PetscBool same_geometry(const DetectorGeometry *a, const DetectorGeometry *b)
{
  return a->field_nx == b->field_nx && a->field_ny == b->field_ny && a->pixel[0] == b->pixel[0] &&
             a->pixel[1] == b->pixel[1] && a->nx == b->nx && a->ny == b->ny && a->offset[0] == b->offset[0] &&
             a->offset[1] == b->offset[1]
           ? PETSC_TRUE
           : PETSC_FALSE;
}

PetscErrorCode unit_pipeline_images(UnitPipeline *p, PetscInt ny, PetscInt nx, float *images, uint8_t *masks)
{
  const SimulationGrid *g            = &p->grid;
  const size_t          image_pixels = (size_t)nx * (size_t)ny;
  PetscFunctionBeginUser;
  PetscCheck(p->waves, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "unit_pipeline_images needs the exit waves of a built unit (group rank 0)");
  PetscCall(lens_prepare(p));
  for (PetscInt c = 0; c < p->n_conditions; c++) {
    const DetectorGeometry *geometry = &p->geometry[c];
    PetscCheck(geometry->nx == nx && geometry->ny == ny, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Unit %" PetscInt64_FMT " condition %" PetscInt_FMT ": the detector image is %" PetscInt_FMT
               "x%" PetscInt_FMT " but %" PetscInt_FMT "x%" PetscInt_FMT
               " is expected; check -image_size, -detector_pixel and the field of view (-cell, -support_size)",
               p->unit, c, geometry->nx, geometry->ny, nx, ny);
    PetscCall(PetscLogEventBegin(NF_EVENT_LENS, 0, 0, 0, 0));
    PetscCall(lens_image(p->lens, &p->conditions[c], p->intensity));
    PetscCall(PetscLogEventEnd(NF_EVENT_LENS, 0, 0, 0, 0));
    PetscCall(PetscLogEventBegin(NF_EVENT_DETECTOR, 0, 0, 0, 0));
    PetscCall(detector_image(&p->conditions[c], geometry, g->nx, g->ny, p->intensity, (uint64_t)p->seed,
                             (uint64_t)p->unit, (int)c, images + (size_t)c * image_pixels));
    PetscCall(PetscLogEventEnd(NF_EVENT_DETECTOR, 0, 0, 0, 0));
    /* The mask depends on the atoms and the pixel grid only: reuse it across conditions that share
     * the detector geometry. */
    if (c > 0 && same_geometry(geometry, &p->geometry[c - 1])) {
      PetscCall(PetscArraycpy(masks + (size_t)c * image_pixels, masks + (size_t)(c - 1) * image_pixels, image_pixels));
    } else {
      PetscCall(PetscLogEventBegin(NF_EVENT_MASK, 0, 0, 0, 0));
      PetscCall(ground_truth_mask(g, p->atoms, ATOM_CLASS_PARTICLE, &p->ground_truth, geometry,
                                  masks + (size_t)c * image_pixels));
      PetscCall(PetscLogEventEnd(NF_EVENT_MASK, 0, 0, 0, 0));
    }
  }
  PetscFunctionReturn(0);
}
