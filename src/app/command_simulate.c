/* command_simulate.c — `nanoforge simulate`: one structure → exit waves (multislice,
 * frozen phonons) → images under one or more imaging conditions (the exit waves are reused)
 * → detector → ground-truth mask → one EMD v0.2 HDF5 file (+ optional PNG preview).
 *
 * The work is the campaign's per-unit pipeline (include/unit_pipeline.h): with the options of a
 * campaign plan (-options_file, -conditions, -structures) `simulate -unit k` gives the images and
 * masks of row k of that campaign's database, bit for bit. This file reads the options, calls
 * the pipeline and writes the file. On several ranks (mpirun -np g) every rank builds the same
 * structure and grid, all of them share the exit waves' FFTs (FFTW-MPI slabs, for fields of view
 * too large for one rank), and rank 0 forms the images, the mask and the file. Outputs are
 * written under temporary names and renamed at the end, so an error leaves no partial file.
 * MPI: only the rank count of the report and a closing barrier here (parallel.h); the collective steps are
 * the pipeline's (src/campaign/unit_pipeline.c). */
#include <math.h>
#include <string.h>
#include "core/parallel.h"
#include "core/checked_size.h"
#include "app/commands.h"
#include "db/emd_file.h"
#include "core/error_check.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/picture.h"
#include "plan/plan.h"
#include "sim/potential.h"
#include "core/provenance.h"
#include "core/timing.h"
#include "campaign/unit_pipeline.h"

typedef struct {
  char          output[PETSC_MAX_PATH_LEN]; /* -o */
  char          png[PETSC_MAX_PATH_LEN];    /* -png, "" = none */
  PetscBool     save_exit_wave, save_potential, save_labels;
  PetscInt64    unit;     /* -unit (stream id of this simulation; 40 bits) */
  UnitPipeline *pipeline; /* the options of the structure, grid, imaging and mask */
} SimulateOptions;

/* -n_conditions, or a campaign plan's -conditions (the same count; both must agree), and the
 * plan's -structures, which -unit must lie below. */
static PetscErrorCode read_counts(PetscOptionItems *PetscOptionsObject, MPI_Comm comm, PetscInt64 unit,
                                  PetscInt *n_conditions)
{
  PetscInt   n = 1, plan_conditions = 1;
  PetscInt64 n_structures = 0;
  PetscBool  n_given, plan_given, structures_given;
  PetscFunctionBeginUser;
  PetscCall(options_integer(PetscOptionsObject, "-n_conditions",
                            "Imaging conditions drawn from the imaging distributions, all from the same exit waves", 1,
                            100000, &n, &n_given));
  PetscCall(options_integer(PetscOptionsObject, "-conditions",
                            "Imaging conditions per unit, as a campaign plan names them (the same as -n_conditions)", 1,
                            100000, &plan_conditions, &plan_given));
  PetscCall(options_integer64(PetscOptionsObject, "-structures",
                              "Units of the campaign plan these options come from: -unit must be one of them", 1,
                              PLAN_MAX_STRUCTURES, &n_structures, &structures_given));
  PetscCheck(!(n_given && plan_given) || n == plan_conditions, comm, PETSC_ERR_USER_INPUT,
             "-n_conditions %" PetscInt_FMT " and -conditions %" PetscInt_FMT
             " differ; give one of them (they are the same count)",
             n, plan_conditions);
  PetscCheck(!structures_given || unit < n_structures, comm, PETSC_ERR_USER_INPUT,
             "-unit %" PetscInt64_FMT " is not a unit of the plan: -structures %" PetscInt64_FMT
             " has units 0..%" PetscInt64_FMT,
             unit, n_structures, n_structures - 1);
  *n_conditions = plan_given ? plan_conditions : n;
  PetscFunctionReturn(0);
}

static PetscErrorCode read_options(MPI_Comm comm, SimulateOptions *o)
{
  char       structure[PETSC_MAX_PATH_LEN] = "";
  PetscInt   n_conditions                  = 1;
  PetscInt64 seed =
    1; /* the default of build and campaign (it was 0 here), so a plan without -seed gives their units */
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof *o));
  PetscCall(PetscStrncpy(o->output, "sim.h5", sizeof o->output));
  PetscOptionsBegin(comm, NULL, "nanoforge simulate: HRTEM image(s) and ground-truth mask of one structure", NULL);
  PetscCall(PetscOptionsString(
    "-structure",
    "Structure file (XYZ, extended XYZ, Prismatic); a structure without a cell is centred in -cell. Without it the structure is built from the structure options (-material, -shape, ...)",
    NULL, structure, structure, sizeof structure, NULL));
  PetscCall(
    PetscOptionsString("-o", "Output HDF5 file (EMD v0.2)", NULL, o->output, o->output, sizeof o->output, NULL));
  PetscCall(PetscOptionsString("-png", "Preview PNG: image (condition 0) and mask side by side", NULL, o->png, o->png,
                               sizeof o->png, NULL));
  PetscCall(PetscOptionsBool("-save_exit_wave",
                             "Also store the complex exit waves on the simulation grid (/data/exit_wave)", NULL,
                             o->save_exit_wave, &o->save_exit_wave, NULL));
  PetscCall(PetscOptionsBool(
    "-save_potential", "Also store the projected potential of all atoms on the simulation grid (/data/potential) [V·Å]",
    NULL, o->save_potential, &o->save_potential, NULL));
  PetscCall(PetscOptionsBool("-save_labels",
                             "Also store a label image: 0 background, 1 particle, 2 support, 3 other (/data/labels)",
                             NULL, o->save_labels, &o->save_labels, NULL));
  PetscCall(options_seed(PetscOptionsObject, &seed));
  PetscCall(options_integer64(
    PetscOptionsObject, "-unit",
    "Work-unit id keying the random streams (phonons, imaging draws, noise); with a campaign's options, row -unit of its database",
    0, PLAN_MAX_UNIT_ID, &o->unit, NULL));
  PetscCall(read_counts(PetscOptionsObject, comm, o->unit, &n_conditions));
  PetscCall(unit_pipeline_create(seed, n_conditions, &o->pipeline));
  PetscCall(PetscStrncpy(o->pipeline->structure_file, structure, sizeof o->pipeline->structure_file));
  PetscCall(unit_pipeline_options_read(PetscOptionsObject, o->pipeline));
  PetscOptionsEnd();
  if (n_conditions > 1) {
    const ImagingDistributions *imaging = &o->pipeline->imaging;
    PetscCheck(
      distribution_is_constant(&imaging->parameter[IMAGING_DETECTOR_PIXEL]) &&
        distribution_is_constant(&imaging->parameter[IMAGING_IMAGE_SIZE]),
      comm, PETSC_ERR_USER_INPUT,
      "-detector_pixel '%s' and -image_size '%s' must be fixed numbers when -n_conditions > 1 (all images of one file share a shape)",
      imaging->parameter[IMAGING_DETECTOR_PIXEL].spec, imaging->parameter[IMAGING_IMAGE_SIZE].spec);
  }
  PetscFunctionReturn(0);
}

/* What the file holds besides the pipeline's unit (its atoms, grid, draws and exit waves). */
typedef struct {
  float         *images;    /* [n_conditions][ny][nx] */
  unsigned char *masks;     /* [n_conditions][ny][nx]; the file holds condition 0's (all share the geometry) */
  unsigned char *labels;    /* [ny][nx] or NULL */
  float         *potential; /* [grid ny][grid nx] or NULL */
  PetscInt       n_particle_atoms;
} SimulationResult;

static PetscErrorCode write_contents(const SimulateOptions *o, const SimulationResult *r, EmdFile *file)
{
  const UnitPipeline     *p = o->pipeline;
  const SimulationGrid   *g = &p->grid;
  const DetectorGeometry *d = &p->geometry[0];
  PetscFunctionBeginUser;
  {
    EmdDimension dims[3]  = {{"condition", "[index]", 1.0}, {"y", "[Å]", d->pixel[1]}, {"x", "[Å]", d->pixel[0]}};
    hsize_t      shape[3] = {(hsize_t)p->n_conditions, (hsize_t)d->ny, (hsize_t)d->nx};
    if (p->n_conditions == 1)
      PetscCall(emd_file_add_data(file, "image", EMD_FLOAT32, 2, shape + 1, dims + 1, r->images));
    else
      PetscCall(emd_file_add_data(file, "image", EMD_FLOAT32, 3, shape, dims, r->images));
    PetscCall(emd_file_add_data(file, "mask", EMD_UINT8, 2, shape + 1, dims + 1, r->masks));
    if (r->labels) PetscCall(emd_file_add_data(file, "labels", EMD_UINT8, 2, shape + 1, dims + 1, r->labels));
  }
  if (o->save_exit_wave) {
    EmdDimension dims[4]  = {{"phonon_configuration", "[index]", 1.0},
                             {"y", "[Å]", g->sampling[1]},
                             {"x", "[Å]", g->sampling[0]},
                             {"real_imaginary", "[index]", 1.0}};
    hsize_t      shape[4] = {(hsize_t)p->waves->n_configs, (hsize_t)g->ny, (hsize_t)g->nx, 2};
    PetscCall(emd_file_add_data(file, "exit_wave", EMD_FLOAT32, 4, shape, dims, (const float *)p->waves->wave));
  }
  if (r->potential) {
    EmdDimension dims[2]  = {{"y", "[Å]", g->sampling[1]}, {"x", "[Å]", g->sampling[0]}};
    hsize_t      shape[2] = {(hsize_t)g->ny, (hsize_t)g->nx};
    PetscCall(emd_file_add_data(file, "potential", EMD_FLOAT32, 2, shape, dims, r->potential));
  }
  /* Parameters: the structure, the grid, every imaging value drawn, the detector, the mask. */
  PetscCall(emd_file_add_parameter_string(file, "structure", p->description));
  PetscCall(emd_file_add_parameter(file, "atoms", (double)p->atoms->n, "1"));
  PetscCall(emd_file_add_parameter(file, "particle_atoms", (double)r->n_particle_atoms, "1"));
  PetscCall(emd_file_add_parameter_string(file, "particle_class",
                                          p->relabelled ? "all atoms (the structure file has no class labels)"
                                                        : "atoms of class particle"));
  PetscCall(emd_file_add_parameter(file, "seed", (double)p->seed, "1"));
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
  PetscCall(emd_file_add_parameter(file, "focal_points", (double)p->imaging.focal_points, "1"));
  PetscCall(emd_file_add_parameter(file, "conditions", (double)p->n_conditions, "1"));
  for (int k = 0; k < IMAGING_PARAMETER_COUNT; k++) {
    double *column;
    char    spec_name[128];
    PetscCall(PetscMalloc1(p->n_conditions, &column));
    for (PetscInt c = 0; c < p->n_conditions; c++) column[c] = p->values[c * IMAGING_PARAMETER_COUNT + k];
    if (p->n_conditions == 1)
      PetscCall(
        emd_file_add_parameter(file, imaging_parameter_info[k].name, column[0], imaging_parameter_info[k].units));
    else
      PetscCall(emd_file_add_parameter_array(file, imaging_parameter_info[k].name, p->n_conditions, column,
                                             imaging_parameter_info[k].units));
    PetscCall(PetscFree(column));
    PetscCall(PetscSNPrintf(spec_name, sizeof spec_name, "%s_distribution", imaging_parameter_info[k].name));
    PetscCall(emd_file_add_parameter_string(file, spec_name, p->imaging.parameter[k].spec));
  }
  {
    double *spread;
    PetscCall(PetscMalloc1(p->n_conditions, &spread));
    for (PetscInt c = 0; c < p->n_conditions; c++) spread[c] = p->conditions[c].focal_spread;
    if (p->n_conditions == 1)
      PetscCall(emd_file_add_parameter(file, "focal_spread_total", spread[0], "Å"));
    else
      PetscCall(emd_file_add_parameter_array(file, "focal_spread_total", p->n_conditions, spread, "Å"));
    PetscCall(PetscFree(spread));
  }
  PetscCall(emd_file_add_parameter(file, "detector_pixel_x", d->pixel[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "detector_pixel_y", d->pixel[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "image_nx", (double)d->nx, "pixel"));
  PetscCall(emd_file_add_parameter(file, "image_ny", (double)d->ny, "pixel"));
  PetscCall(emd_file_add_parameter(file, "image_offset_x", d->offset[0] * d->pixel[0], "Å"));
  PetscCall(emd_file_add_parameter(file, "image_offset_y", d->offset[1] * d->pixel[1], "Å"));
  PetscCall(emd_file_add_parameter(file, "mask_threshold", p->ground_truth.threshold, "V·Å"));
  PetscCall(emd_file_add_parameter(file, "mask_closing", p->ground_truth.closing_radius, "Å"));
  PetscCall(emd_file_add_parameter(file, "mask_fill_holes", (double)p->ground_truth.fill_holes, "1"));
  PetscCall(emd_file_add_parameter_string(
    file, "defocus_convention",
    "positive defocus = underfocus; C10 = -defocus; Krivanek C_nm in Å, phi_nm in degrees"));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_preview(const char *path, const DetectorGeometry *geometry, const SimulationResult *r)
{
  const PetscInt nx = geometry->nx, ny = geometry->ny;
  unsigned char *grey, *pixels;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nx * ny, &grey, 2 * nx * ny, &pixels));
  PetscCall(picture_grey_from_floats(r->images, nx * ny, 0.5, 99.5, grey));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      pixels[j * 2 * nx + i]      = grey[j * nx + i];
      pixels[j * 2 * nx + nx + i] = r->masks[j * nx + i] ? 255 : 0;
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
  if (!error && o->png[0]) error = write_preview(o->png, &o->pipeline->geometry[0], r);
  if (!error) error = emd_file_commit(file);
  PetscCall(emd_file_destroy(&file));
  PetscCall(provenance_destroy(&provenance));
  PetscCall(error);
  PetscCall(PetscLogEventEnd(NF_EVENT_DB_WRITE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Collective: would this unit fit the memory limit? Before any large allocation; condition 0 fixes
 * the image shape of every condition. */
static PetscErrorCode check_memory(MPI_Comm comm, const SimulateOptions *o)
{
  const UnitPipeline *p = o->pipeline;
  /* + the potential of -save_potential and the label image: one grid and one image more */
  const double extra =
    4.0 * (double)p->grid.nx * (double)p->grid.ny + 5.0 * (double)p->geometry[0].nx * (double)p->geometry[0].ny;
  PetscFunctionBeginUser;
  PetscCall(unit_pipeline_check_memory(o->pipeline, comm, "simulate", PETSC_FALSE, extra));
  PetscFunctionReturn(0);
}

/* On the rank holding the exit waves: images and masks of every condition, and the extras asked for. */
static PetscErrorCode images_compute(const SimulateOptions *o, SimulationResult *r)
{
  UnitPipeline  *p  = o->pipeline;
  const PetscInt nx = p->geometry[0].nx, ny = p->geometry[0].ny;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(p->n_conditions * nx * ny, &r->images, p->n_conditions * nx * ny, &r->masks));
  PetscCall(unit_pipeline_images(p, ny, nx, r->images, r->masks));
  for (PetscInt i = 0; i < p->atoms->n; i++) r->n_particle_atoms += p->atoms->atom_class[i] == ATOM_CLASS_PARTICLE;
  if (o->save_labels) {
    PetscCall(PetscMalloc1(nx * ny, &r->labels));
    PetscCall(ground_truth_labels(&p->grid, p->atoms, &p->ground_truth, &p->geometry[0], r->labels));
  }
  if (o->save_potential) {
    PetscCall(PetscMalloc1(p->grid.nx * p->grid.ny, &r->potential));
    PetscCall(projected_potential_compute(&p->grid, p->atoms, NULL, r->potential));
  }
  PetscFunctionReturn(0);
}

/* The run's summary: what was done, the image rate, where the time went, the files written. */
static PetscErrorCode report(MPI_Comm comm, const SimulateOptions *o, const SimulationResult *r, const double times[5])
{
  const UnitPipeline     *p             = o->pipeline;
  const SimulationGrid   *g             = &p->grid;
  const DetectorGeometry *d             = &p->geometry[0];
  double                  mask_fraction = 0;
  int                     size;
  PetscFunctionBeginUser;
  PetscCall(parallel_size(comm, &size));
  for (PetscInt k = 0; k < d->nx * d->ny; k++) mask_fraction += r->masks[k];
  mask_fraction /= (double)(d->nx * d->ny);
  PetscCall(PetscPrintf(
    PETSC_COMM_SELF,
    "simulate: %" PetscInt_FMT " atoms (%" PetscInt_FMT " particle%s), grid %" PetscInt_FMT "x%" PetscInt_FMT
    " at %.4g Å, %" PetscInt_FMT " slices, %" PetscInt_FMT " phonon configuration(s), %g kV\n"
    "simulate: %" PetscInt_FMT " image(s) %" PetscInt_FMT "x%" PetscInt_FMT " at %.4g Å/pixel; mask covers %.1f%%\n"
    "simulate: time %.2f s (exit waves %.2f s on %d rank%s, images and masks %.3f s = %.1f images/s, write %.3f s)\n"
    "simulate: wrote %s%s%s\n",
    p->atoms->n, r->n_particle_atoms, p->relabelled ? ": no class labels in the file, all atoms" : "", g->nx, g->ny,
    g->sampling[0], g->n_slices, p->waves->n_configs, g->voltage, p->n_conditions, d->nx, d->ny, d->pixel[0],
    100 * mask_fraction, times[4] - times[0], times[2] - times[1], size, size > 1 ? "s" : "", times[3] - times[2],
    p->n_conditions / PetscMax(times[3] - times[2], 1e-9), times[4] - times[3], o->output, o->png[0] ? " and " : "",
    o->png));
  PetscFunctionReturn(0);
}

/* The unit through the pipeline on every rank of comm, then rank 0's file. */
static PetscErrorCode simulate(MPI_Comm comm, SimulateOptions *o)
{
  UnitPipeline    *p = o->pipeline;
  SimulationResult r;
  double           times[5];
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&r, sizeof r));
  PetscCall(PetscTime(&times[0]));
  PetscCall(unit_pipeline_build(
    p, o->unit)); /* the same recipe, seed and unit give the same atoms as `build` and the campaign */
  PetscCall(check_memory(comm, o));
  /* FFTW_MEASURE picks plans by timing: the per-host wisdom cache (default) makes every later run
   * reuse this run's plans, so the same seed gives the same bits (docs/physics.md). */
  PetscCall(unit_pipeline_prepare(p, comm, NULL));
  PetscCall(PetscTime(&times[1]));
  PetscCall(unit_pipeline_exit_waves(p, comm));
  PetscCall(PetscTime(&times[2]));
  if (!p->waves) PetscFunctionReturn(0); /* the other ranks only shared the exit waves' FFTs */
  PetscCall(images_compute(o, &r));
  PetscCall(PetscTime(&times[3]));
  PetscCall(write_outputs(PETSC_COMM_SELF, o, &r));
  PetscCall(PetscTime(&times[4]));
  PetscCall(report(comm, o, &r, times));
  PetscCall(PetscFree2(r.images, r.masks));
  PetscCall(PetscFree(r.labels));
  PetscCall(PetscFree(r.potential));
  PetscFunctionReturn(0);
}

/* Before any work: no output may be an input, or replace a file of another kind. */
static PetscErrorCode check_outputs(MPI_Comm comm, const SimulateOptions *o)
{
  char                   options_file[PETSC_MAX_PATH_LEN];
  const OutputFileOutput outputs[] = {{"-o", o->output, &output_file_kind_hdf5},
                                      {"-png", o->png, &output_file_kind_png}};
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  const OutputFileInput inputs[] = {{"-structure", o->pipeline->structure_file},
                                    {"-cif", o->pipeline->recipe_options.cif},
                                    {"-fftw_wisdom", o->pipeline->grid_options.fftw_wisdom},
                                    {"-options_file", options_file},
                                    {"-png", o->png}};
  PetscCall(output_file_check_all(comm, 1, outputs, 5, inputs)); /* -o against everything else */
  PetscCall(output_file_check_all(comm, 1, outputs + 1, 4, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode command_simulate(MPI_Comm comm)
{
  SimulateOptions *o;
  PetscBool        help;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&o));
  PetscCall(read_options(comm, o));
  PetscCall(options_help_requested(&help));
  PetscErrorCode ierr = help ? 0 : options_check_unused(comm);
  if (!help && !ierr) ierr = check_outputs(comm, o);
  if (!help && !ierr) ierr = simulate(comm, o); /* every rank shares the exit waves' FFTs; rank 0 does the rest */
  PetscCall(unit_pipeline_destroy(&o->pipeline));
  PetscCall(PetscFree(o));
  PetscCall(ierr);
  PetscCall(parallel_barrier(comm, "no rank leaves before rank 0 has written the file"));
  PetscFunctionReturn(0);
}
