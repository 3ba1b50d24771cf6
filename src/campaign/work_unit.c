/* work_unit.c — the campaign's side of one work unit: the database layout and columns, the
 * UnitWork callbacks of the scheduler, and the checks made before a campaign starts. The unit's
 * physics (structure → cell → exit waves → images → masks) is the UnitPipeline
 * (src/campaign/unit_pipeline.c), the same one `simulate -unit k` runs, so row k of a database
 * and `simulate -unit k` of the same plan agree bit for bit.
 *
 * Every random number is keyed by (seed, unit, purpose): no state crosses units, so a unit's rows
 * are the same whichever rank computes them and in whatever order.
 * MPI: the atom counts of -save_atoms are summed and the resource checks reduced and broadcast
 * here, through parallel.h (no MPI call in this file). */
#include <math.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "core/parallel.h"
#include "core/checked_size.h"
#include "core/error_check.h"
#include "campaign/work_unit.h"
#include "campaign/unit_pipeline.h"

struct WorkUnitPipeline {
  UnitPipeline *pipeline; /* the unit's physics; holds the last unit computed */
  PetscInt      ny, nx;   /* detector image size (constant) */
  int           n_structure_columns, n_image_columns;
};

PetscErrorCode work_unit_pipeline_create(PetscInt64 seed, PetscInt n_conditions, WorkUnitPipeline **pipeline)
{
  WorkUnitPipeline *p;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  PetscCall(unit_pipeline_create(seed, n_conditions, &p->pipeline));
  *pipeline = p;
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_destroy(WorkUnitPipeline **pipeline)
{
  PetscFunctionBeginUser;
  if (!*pipeline) PetscFunctionReturn(0);
  PetscCall(unit_pipeline_destroy(&(*pipeline)->pipeline));
  PetscCall(PetscFree(*pipeline));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_options_read(PetscOptionItems *PetscOptionsObject, WorkUnitPipeline *p)
{
  PetscFunctionBeginUser;
  PetscCall(unit_pipeline_options_read(PetscOptionsObject, p->pipeline));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_layout(WorkUnitPipeline *p, const Plan *plan, DatabaseLayout *layout)
{
  const Distribution   *size  = &p->pipeline->imaging.parameter[IMAGING_IMAGE_SIZE];
  const Distribution   *pixel = &p->pipeline->imaging.parameter[IMAGING_DETECTOR_PIXEL];
  StructureRecipe       recipe;
  StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
  PetscInt              n_columns;
  PetscFunctionBeginUser;
  /* One database holds images of one size: the size cannot be drawn per image. */
  PetscCheck(
    distribution_is_constant(size) && size->a >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Option -image_size: '%s' is not allowed in a campaign; give one fixed image side in pixels (e.g. -image_size 128), since every image of a database has the same size",
    size->spec);
  memset(layout, 0, sizeof *layout);
  layout->n_structures = plan->n_structures;
  layout->n_conditions = plan->n_conditions;
  layout->ny = layout->nx = p->ny = p->nx = (PetscInt)size->a;
  layout->pixel_size                      = distribution_is_constant(pixel) && pixel->a > 0 ? pixel->a : 0;
  PetscCall(structure_recipe_sample(&p->pipeline->recipe_options, (uint64_t)p->pipeline->seed, 0, &recipe));
  PetscCall(structure_recipe_columns(&recipe, &n_columns, columns));
  PetscCheck(n_columns + 2 <= DATABASE_MAX_COLUMNS, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Too many structure columns: %" PetscInt_FMT, n_columns);
  for (PetscInt c = 0; c < n_columns; c++)
    PetscCall(PetscStrncpy(layout->structure_columns[c], columns[c].name, DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->structure_columns[n_columns], "atoms", DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->structure_columns[n_columns + 1], "particle_atoms", DATABASE_NAME_LEN));
  layout->n_structure_columns = (int)n_columns + 2;
  for (int c = 0; c < IMAGING_PARAMETER_COUNT; c++)
    PetscCall(PetscStrncpy(layout->image_columns[c], imaging_parameter_info[c].name, DATABASE_NAME_LEN));
  PetscCall(PetscStrncpy(layout->image_columns[IMAGING_PARAMETER_COUNT], "pixel_size", DATABASE_NAME_LEN));
  layout->n_image_columns = IMAGING_PARAMETER_COUNT + 1;
  p->n_structure_columns  = layout->n_structure_columns;
  p->n_image_columns      = layout->n_image_columns;
  PetscFunctionReturn(0);
}

/* Structure columns of the built unit: the recipe's numbers, then atom counts. */
static PetscErrorCode structure_columns_fill(const WorkUnitPipeline *w, double *structure_values)
{
  const UnitPipeline   *p = w->pipeline;
  StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
  PetscInt              n_columns, n_particle = 0;
  PetscFunctionBeginUser;
  PetscCall(structure_recipe_columns(&p->recipe, &n_columns, columns));
  PetscCheck(n_columns + 2 == w->n_structure_columns, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Recipe of unit %" PetscInt64_FMT " has %" PetscInt_FMT " columns, the database %d", p->unit, n_columns,
             w->n_structure_columns - 2);
  for (PetscInt c = 0; c < n_columns; c++) structure_values[c] = columns[c].value;
  for (PetscInt i = 0; i < p->atoms->n; i++) n_particle += p->atoms->atom_class[i] == ATOM_CLASS_PARTICLE;
  structure_values[n_columns]     = (double)p->atoms->n;
  structure_values[n_columns + 1] = (double)n_particle;
  PetscFunctionReturn(0);
}

/* UnitWork.compute: collective over the group; the leader (which holds the exit waves) fills the
 * unit's rows. */
static PetscErrorCode compute_unit(void *context, MPI_Comm group, PetscInt unit, float *images, uint8_t *masks,
                                   double *structure_values, double *image_values)
{
  WorkUnitPipeline *w = context;
  UnitPipeline     *p = w->pipeline;
  PetscFunctionBeginUser;
  PetscCall(unit_pipeline_build(p, unit));
  PetscCall(unit_pipeline_exit_waves(p, group));
  if (!p->waves) PetscFunctionReturn(0); /* a group member: it only shared the FFTs */
  PetscCall(structure_columns_fill(w, structure_values));
  PetscCall(unit_pipeline_images(p, w->ny, w->nx, images, masks));
  for (PetscInt c = 0; c < p->n_conditions; c++) {
    double *values = image_values + (size_t)c * (size_t)w->n_image_columns;
    PetscCall(PetscArraycpy(values, p->values + c * IMAGING_PARAMETER_COUNT, IMAGING_PARAMETER_COUNT));
    values[IMAGING_PARAMETER_COUNT] = p->geometry[c].pixel[0];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode unit_atoms(void *context, PetscInt unit, PetscInt64 capacity, PetscInt64 *n_atoms,
                                 float *positions, uint8_t *numbers, uint8_t *classes)
{
  const UnitPipeline *p = ((WorkUnitPipeline *)context)->pipeline;
  PetscFunctionBeginUser;
  PetscCheck(p->atoms && p->unit == unit, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Atoms of unit %" PetscInt_FMT " asked for, unit %" PetscInt64_FMT " was computed", unit, p->unit);
  PetscCheck(p->atoms->n <= capacity, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Unit %" PetscInt_FMT " has %" PetscInt_FMT " atoms, more than the %" PetscInt64_FMT " counted", unit,
             p->atoms->n, capacity);
  /* The atoms as placed in the cell. */
  for (PetscInt i = 0; i < p->atoms->n; i++) {
    for (int d = 0; d < 3; d++) positions[3 * i + d] = (float)p->atoms->position[i][d];
    numbers[i] = (uint8_t)p->atoms->atomic_number[i];
    classes[i] = p->atoms->atom_class[i];
  }
  *n_atoms = p->atoms->n;
  PetscFunctionReturn(0);
}

static PetscErrorCode unit_exit_waves(void *context, PetscInt unit, PetscInt count, PetscInt ny, PetscInt nx,
                                      float *out)
{
  const UnitPipeline *p = ((WorkUnitPipeline *)context)->pipeline;
  const ExitWaves    *w = p->waves;
  PetscFunctionBeginUser;
  PetscCheck(w && p->unit == unit, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Exit waves of unit %" PetscInt_FMT " asked for, unit %" PetscInt64_FMT " was computed", unit, p->unit);
  PetscCheck(w->n_configs == count && w->ny == ny && w->nx == nx, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Unit %" PetscInt_FMT " has %" PetscInt_FMT " exit waves of %" PetscInt_FMT "x%" PetscInt_FMT
             ", the database %" PetscInt_FMT " of %" PetscInt_FMT "x%" PetscInt_FMT,
             unit, w->n_configs, w->ny, w->nx, count, ny, nx);
  /* float _Complex is laid out as float[2] (real, imaginary), as C11 guarantees */
  memcpy(out, w->wave, sizeof(float) * 2 * (size_t)count * (size_t)ny * (size_t)nx);
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_exit_wave_layout(WorkUnitPipeline *w, DatabaseLayout *layout)
{
  const UnitPipeline *p = w->pipeline;
  PetscFunctionBeginUser;
  /* The grid's nx, ny follow the cell's x, y, which are -cell or the support's fixed x, y, so
   * unit 0's grid is every unit's (unit_exit_waves checks it); only the slice count varies.
   * The pipeline keeps each unit's exit waves on the group leader until the next unit. */
  PetscCall(unit_pipeline_build(w->pipeline, 0));
  layout->exit_wave_count       = PetscMax(1, p->grid.fp_configs);
  layout->exit_wave_ny          = p->grid.ny;
  layout->exit_wave_nx          = p->grid.nx;
  layout->exit_wave_sampling[0] = p->grid.sampling[1];
  layout->exit_wave_sampling[1] = p->grid.sampling[0];
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_count_atoms(WorkUnitPipeline *w, MPI_Comm comm, const Plan *plan, int64_t **offsets)
{
  const UnitPipeline *p = w->pipeline;
  int                 rank, size;
  int64_t            *count;
  PetscFunctionBeginUser;
  PetscCall(parallel_rank(comm, &rank));
  PetscCall(parallel_size(comm, &size));
  /* 8 bytes per structure on every rank: refused with the figure when that is above the limit. */
  PetscCall(
    checked_malloc((size_t)plan->n_structures, sizeof *count, "the atom counts of -save_atoms", "-structures", &count));
  PetscCall(PetscArrayzero(count, plan->n_structures));
  for (PetscInt unit = rank; unit < plan->n_structures; unit += size) {
    StructureRecipe recipe;
    AtomList       *atoms;
    PetscCall(structure_recipe_sample(&p->recipe_options, (uint64_t)p->seed, (uint64_t)unit, &recipe));
    PetscCall(atom_list_create(0, &atoms));
    PetscCall(structure_recipe_build(&recipe, (uint64_t)p->seed, (uint64_t)unit, atoms));
    count[unit] = atoms->n;
    PetscCall(atom_list_destroy(&atoms));
  }
  PetscCall(parallel_sum_int64(comm, count, count, (int)plan->n_structures));
  PetscCall(PetscMalloc1(plan->n_structures + 1, offsets));
  (*offsets)[0] = 0;
  for (PetscInt unit = 0; unit < plan->n_structures; unit++) (*offsets)[unit + 1] = (*offsets)[unit] + count[unit];
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_prepare(WorkUnitPipeline *w, MPI_Comm comm, const char *database_path)
{
  int rank;
  PetscFunctionBeginUser;
  PetscCall(parallel_rank(comm, &rank));
  if (rank == 0) PetscCall(unit_pipeline_build(w->pipeline, 0)); /* rank 0 plans unit 0's transforms */
  PetscCall(unit_pipeline_prepare(w->pipeline, comm, database_path));
  PetscFunctionReturn(0);
}

void work_unit_pipeline_work(WorkUnitPipeline *pipeline, PetscBool save_atoms, PetscBool save_exit_waves,
                             UnitWork *work)
{
  work->context    = pipeline;
  work->compute    = compute_unit;
  work->atoms      = save_atoms ? unit_atoms : NULL;
  work->exit_waves = save_exit_waves ? unit_exit_waves : NULL;
}

/* Range of every structure column (the recipe's) and imaging column over the plan's first units. */
typedef struct {
  PetscInt n_sampled;                                             /* units drawn */
  double   low[DATABASE_MAX_COLUMNS], high[DATABASE_MAX_COLUMNS]; /* structure columns */
  double   image_low[IMAGING_PARAMETER_COUNT], image_high[IMAGING_PARAMETER_COUNT];
} ColumnRanges;

static PetscErrorCode column_ranges_draw(const UnitPipeline *p, const Plan *plan, int n_structure_columns,
                                         ColumnRanges *r)
{
  PetscFunctionBeginUser;
  for (int c = 0; c < DATABASE_MAX_COLUMNS; c++) {
    r->low[c]  = INFINITY;
    r->high[c] = -INFINITY;
  }
  for (int c = 0; c < IMAGING_PARAMETER_COUNT; c++) {
    r->image_low[c]  = INFINITY;
    r->image_high[c] = -INFINITY;
  }
  /* Ranges from the first units only in a huge plan: -plan_only must stay quick. */
  r->n_sampled = PetscMin(plan->n_structures, 100000);
  for (PetscInt unit = 0; unit < r->n_sampled; unit++) {
    StructureRecipe       recipe;
    StructureRecipeColumn columns[STRUCTURE_RECIPE_MAX_COLUMNS];
    PetscInt              n_columns;
    PetscCall(structure_recipe_sample(&p->recipe_options, (uint64_t)p->seed, (uint64_t)unit, &recipe));
    PetscCall(structure_recipe_columns(&recipe, &n_columns, columns));
    for (int c = 0; c < n_structure_columns && c < n_columns; c++) {
      r->low[c]  = PetscMin(r->low[c], columns[c].value);
      r->high[c] = PetscMax(r->high[c], columns[c].value);
    }
    for (PetscInt k = 0; k < plan->n_conditions; k++) {
      ImagingConditions conditions;
      double            values[IMAGING_PARAMETER_COUNT];
      PetscCall(imaging_sample(&p->imaging, (uint64_t)p->seed, (uint64_t)unit, (int)k, &conditions, values));
      for (int c = 0; c < IMAGING_PARAMETER_COUNT; c++) {
        r->image_low[c]  = PetscMin(r->image_low[c], values[c]);
        r->image_high[c] = PetscMax(r->image_high[c], values[c]);
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Grid, memory and cost of the built unit 0. */
static PetscErrorCode unit_cost_print(const UnitPipeline *p, const Plan *plan, const DatabaseLayout *layout,
                                      FILE *stream)
{
  const SimulationGrid *grid      = &p->grid;
  const double          n_configs = (double)PetscMax(grid->fp_configs, 1);
  const double          points    = (double)grid->nx * (double)grid->ny;
  const double          fft_pairs =
    n_configs * (double)grid->n_slices * 2.0; /* per slice: transmission band limit + propagation */
  const double flops        = fft_pairs * 2.0 * 5.0 * points * log2(points);
  const double assumed_rate = 2.0e9; /* single-precision complex FFT, one core, flop/s: a rough figure */
  const double memory       = simulation_memory_estimate(grid, plan->n_conditions, (PetscInt64)layout->ny * layout->nx,
                                                   layout->exit_wave_count > 0 ? PETSC_TRUE : PETSC_FALSE);
  size_t       limit;
  PetscFunctionBeginUser;
  PetscCall(
    PetscFPrintf(PETSC_COMM_SELF, stream, "  unit 0: %s; %" PetscInt_FMT " atoms\n", p->description, p->atoms->n));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream,
                         "  simulation grid of unit 0: %" PetscInt_FMT "x%" PetscInt_FMT
                         " pixels of %.4g Å, %" PetscInt_FMT " slices, %d configuration(s)\n",
                         grid->nx, grid->ny, grid->sampling[0], grid->n_slices, (int)n_configs));
  PetscCall(memory_limit_bytes(&limit));
  PetscCall(PetscFPrintf(
    PETSC_COMM_SELF, stream, "  estimated memory: %.3g GB per rank for a unit (limit %.3g GB, -memory_limit)%s\n",
    memory / 1e9, (double)limit / 1e9, memory > (double)limit ? ": TOO LARGE, the run would be refused" : ""));
  PetscCall(PetscFPrintf(
    PETSC_COMM_SELF, stream,
    "  estimated cost: %.3g FFT pairs per unit, about %.3g core-seconds per unit and %.3g core-hours in all\n"
    "  (multislice FFTs only, assuming %.1f Gflop/s per core; run a few units to measure)\n",
    fft_pairs, flops / assumed_rate, flops / assumed_rate * (double)plan->n_structures / 3600.0, assumed_rate / 1e9));
  PetscFunctionReturn(0);
}

PetscErrorCode work_unit_pipeline_plan_summary(WorkUnitPipeline *w, const Plan *plan, const DatabaseLayout *layout,
                                               FILE *stream)
{
  const int     n_s = layout->n_structure_columns - 2;
  ColumnRanges *r;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&r));
  PetscCall(column_ranges_draw(w->pipeline, plan, n_s, r));
  const double bytes = (double)plan->n_images * (double)layout->ny * (double)layout->nx * 5.0;
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "campaign plan %s (seed %" PetscInt64_FMT "):\n", plan->hash_hex,
                         plan->seed));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream,
                         "  %" PetscInt_FMT " structures x %" PetscInt_FMT " imaging conditions = %" PetscInt_FMT
                         " images of %" PetscInt_FMT "x%" PetscInt_FMT " pixels (%.3g GB of images and masks)\n",
                         plan->n_structures, plan->n_conditions, plan->n_images, layout->ny, layout->nx, bytes / 1e9));
  if (r->n_sampled < plan->n_structures)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  (column ranges over the first %" PetscInt_FMT " units)\n",
                           r->n_sampled));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  structure columns (range over the plan):\n"));
  for (int c = 0; c < n_s; c++)
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "    %-24s %12.6g .. %-12.6g\n", layout->structure_columns[c],
                           r->low[c], r->high[c]));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "  imaging columns that vary (the others are constant):\n"));
  for (int c = 0; c < IMAGING_PARAMETER_COUNT; c++)
    if (r->image_high[c] > r->image_low[c])
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, stream, "    %-24s %12.6g .. %-12.6g %s\n",
                             imaging_parameter_info[c].name, r->image_low[c], r->image_high[c],
                             imaging_parameter_info[c].units));
  PetscCall(PetscFree(r));
  /* Unit 0 built and gridded for the cost estimate. */
  PetscCall(unit_pipeline_build(w->pipeline, 0));
  PetscCall(unit_cost_print(w->pipeline, plan, layout, stream));
  PetscFunctionReturn(0);
}

/* Bytes of images and masks (float + byte per pixel) the database holds when complete. */
static double database_bytes(const Plan *plan, const DatabaseLayout *layout)
{
  return (double)plan->n_images * (double)layout->ny * (double)layout->nx * 5.0 +
         (double)plan->n_structures * (double)layout->exit_wave_count * (double)layout->exit_wave_ny *
           (double)layout->exit_wave_nx * 8.0;
}

PetscErrorCode work_unit_pipeline_check_resources(WorkUnitPipeline *w, MPI_Comm comm, const Plan *plan,
                                                  const DatabaseLayout *layout, PetscBool save_exit_waves,
                                                  PetscBool check_free_space, const char *database_path)
{
  int rank;
  PetscFunctionBeginUser;
  PetscCall(parallel_rank(comm, &rank));
  /* Unit 0's grid is every unit's (its x, y follow -cell or the fixed support size). */
  PetscCall(unit_pipeline_build(w->pipeline, 0));
  PetscCall(unit_pipeline_check_memory(w->pipeline, comm, "A work unit", save_exit_waves, 0.0));
  /* The database grows as units are written: what is still to come must fit the free space of
   * its folder (rank 0 writes it). All ranks fail together, so the error is collective. */
  const double total        = database_bytes(plan, layout);
  double       still_needed = total, free_bytes = INFINITY, worst = 0;
  if (rank == 0 && check_free_space) {
    char           copy[PETSC_MAX_PATH_LEN];
    struct statvfs file_system;
    struct stat    existing;
    if (stat(database_path, &existing) == 0) still_needed -= (double)existing.st_size;
    PetscCall(PetscStrncpy(copy, database_path, sizeof copy));
    if (statvfs(dirname(copy), &file_system) == 0)
      free_bytes = (double)file_system.f_bavail * (double)file_system.f_frsize;
    worst = still_needed / free_bytes;
  }
  PetscCall(parallel_broadcast_bytes(comm, &worst, sizeof worst));
  PetscCall(parallel_broadcast_bytes(comm, &free_bytes, sizeof free_bytes));
  PetscCheck(
    worst <= 1, comm, PETSC_ERR_USER_INPUT,
    "Options -structures %" PetscInt_FMT " x -conditions %" PetscInt_FMT
    ": the database '%s' needs %.3g GB (%" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT
    ", 5 bytes per pixel) but its folder has %.3g GB free; free space, choose another -o, plan fewer images, or give -check_free_space false",
    plan->n_structures, plan->n_conditions, database_path, total / 1e9, plan->n_images, layout->ny, layout->nx,
    free_bytes / 1e9);
  PetscFunctionReturn(0);
}
