/* command_segment.c — `nanoforge segment`: a trained model applied to new micrographs (TIFF,
 * PNG, HDF5/EMD, Velox, SER, DM3/DM4), named by files, folders and glob patterns
 * (train/micrograph_list.h). Each micrograph is resampled to the pixel size the model was
 * trained at (predictor_segment_at_model_scale in train/inference.h, shared with evaluate;
 * -resample false: not), predicted, and its probabilities resampled back to its own grid before
 * thresholding. Large images are tiled with overlap and
 * blended; the image is normalised as in training. Writes the mask (PNG, 255 = particle), an overlay PNG
 * (particles tinted red) and the particle table (CSV: 8-connected particles, sizes in nm from
 * the file's pixel size or -pixel_size, in pixels without either; train/particles.h), and over
 * all micrographs a summary CSV and a size-histogram PNG. Several inputs are dealt round-robin
 * to the ranks; their summary rows and diameters reach rank 0 through parallel.h (sums of
 * arrays each rank fills at its own inputs), and a barrier ends the command. Rank 0 prints
 * progress with an ETA from its own pace. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <petsctime.h>
#include "app/commands.h"
#include "core/error_check.h"
#include "train/micrograph.h"
#include "train/micrograph_list.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/parallel.h"
#include "core/picture.h"
#include "core/provenance.h"
#include "train/inference.h"
#include "train/particles.h"

#define MAX_INPUTS 256

/* Everything the command reads from its options. */
typedef struct {
  char     *items[MAX_INPUTS];             /* -input as given: files, folders, glob patterns */
  PetscInt  n_items;                       /* how many */
  char    **inputs;                        /* the micrographs they name (micrograph_list.h) */
  PetscInt  n_inputs;                      /* how many */
  char      model[PETSC_MAX_PATH_LEN];     /* -model */
  char      output[PETSC_MAX_PATH_LEN];    /* -o (one input) */
  PetscBool have_output;                   /* -o given */
  char      directory[PETSC_MAX_PATH_LEN]; /* -output_dir */
  char      normalize[32];                 /* -normalize override ("" = the training run's) */
  char      signal[64];                    /* -signal NAME|INDEX ("" = each file's default) */
  PetscInt  index, tile, overlap, batch;   /* -index, -tile, -overlap, -batch */
  PetscEnum blend;                         /* -blend */
  double    threshold;                     /* -threshold */
  double    pixel_size[2];                 /* -pixel_size x,y [Å/pixel] */
  PetscInt  n_pixel_size;                  /* values given (0: use each file's calibration) */
  double    min_area;                      /* -min_area [nm², or pixels² when uncalibrated] */
  PetscBool resample;                      /* -resample: bring micrographs to the model's pixel size */
} SegmentOptions;

/* One micrograph's line of the summary, summed over the ranks (each rank fills its own inputs'
 * rows and leaves the others 0, so a sum gathers them in input order). */
enum {
  ROW_PARTICLES,     /* particles kept */
  ROW_DROPPED,       /* particles below -min_area */
  ROW_MEAN,          /* diameter statistics, in the micrograph's unit */
  ROW_MEDIAN,        /*   " */
  ROW_SD,            /*   " */
  ROW_PARTICLE_AREA, /* summed particle area, in the micrograph's unit² */
  ROW_IMAGE_AREA,    /* the whole image's area, same unit */
  ROW_PIXEL_SIZE_X,  /* Å/pixel used (0: uncalibrated) */
  ROW_PIXEL_SIZE_Y,
  ROW_FIELDS
};

/* "dir/name.tif" → "<output_dir>/name". */
static void output_stem(const char *input, const char *directory, char *stem, size_t size)
{
  const char *base = strrchr(input, '/');
  base             = base ? base + 1 : input;
  char name[PETSC_MAX_PATH_LEN];
  snprintf(name, sizeof name, "%s", base);
  char *dot = strrchr(name, '.');
  if (dot && dot != name) *dot = '\0';
  if (strlen(directory) + strlen(name) + 2 > size)
    name[size > strlen(directory) + 2 ? size - strlen(directory) - 2 : 0] = '\0';
  strcpy(stem, directory);
  strcat(stem, "/");
  strcat(stem, name);
}

/* The outputs of one input: mask and overlay PNGs, particle table CSV. */
typedef struct {
  char mask[PETSC_MAX_PATH_LEN + 32];
  char overlay[PETSC_MAX_PATH_LEN + 32];
  char particles[PETSC_MAX_PATH_LEN + 32];
} InputOutputs;

/* The outputs of input `input`: from -o when given (<stem>.png, <stem>_overlay.png,
 * <stem>_particles.csv), else <output_dir>/<name>_mask.png, _overlay.png, _particles.csv. */
static PetscErrorCode output_paths(const char *input, const SegmentOptions *o, InputOutputs *paths)
{
  char stem[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  if (o->have_output) {
    PetscCall(PetscStrncpy(paths->mask, o->output, sizeof paths->mask));
    PetscCall(PetscStrncpy(stem, o->output, sizeof stem));
    size_t length = strlen(stem);
    if (length > 4 && !strcmp(stem + length - 4, ".png")) stem[length - 4] = '\0';
  } else {
    output_stem(input, o->directory, stem, sizeof stem);
    PetscCall(PetscSNPrintf(paths->mask, sizeof paths->mask, "%s_mask.png", stem));
  }
  PetscCall(PetscSNPrintf(paths->overlay, sizeof paths->overlay, "%s_overlay.png", stem));
  PetscCall(PetscSNPrintf(paths->particles, sizeof paths->particles, "%s_particles.csv", stem));
  PetscFunctionReturn(0);
}

/* The outputs over all inputs: the summary CSV and the size histogram, beside the -o mask
 * (<stem>_particle_summary.csv, <stem>_particle_sizes.png) or in -output_dir
 * (particle_summary.csv, particle_sizes.png). */
static PetscErrorCode summary_paths(const SegmentOptions *o, char summary[PETSC_MAX_PATH_LEN + 32],
                                    char histogram[PETSC_MAX_PATH_LEN + 32])
{
  char stem[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  if (o->have_output) {
    PetscCall(PetscStrncpy(stem, o->output, sizeof stem));
    size_t length = strlen(stem);
    if (length > 4 && !strcmp(stem + length - 4, ".png")) stem[length - 4] = '\0';
    PetscCall(PetscStrlcat(stem, "_", sizeof stem));
  } else
    PetscCall(PetscSNPrintf(stem, sizeof stem, "%s/", o->directory));
  PetscCall(PetscSNPrintf(summary, PETSC_MAX_PATH_LEN + 32, "%sparticle_summary.csv", stem));
  PetscCall(PetscSNPrintf(histogram, PETSC_MAX_PATH_LEN + 32, "%sparticle_sizes.png", stem));
  PetscFunctionReturn(0);
}

/* Two inputs of one name from different folders would write one mask over the other. */
static PetscErrorCode check_distinct_names(MPI_Comm comm, const SegmentOptions *o, const InputOutputs *paths)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < o->n_inputs; f++)
    for (PetscInt g = f + 1; g < o->n_inputs; g++)
      PetscCheck(
        strcmp(paths[f].mask, paths[g].mask), comm, PETSC_ERR_USER_INPUT,
        "-input '%s' and '%s' would both write '%s'; allowed: inputs with different names, or one -output_dir per folder",
        o->inputs[f], o->inputs[g], paths[f].mask);
  PetscFunctionReturn(0);
}

/* Before any work: no output may be an input (a micrograph, the model, the options file) or
 * replace a file of another kind, and their folders must be writable. */
static PetscErrorCode check_outputs(MPI_Comm comm, const SegmentOptions *o)
{
  char          options_file[PETSC_MAX_PATH_LEN], summary[PETSC_MAX_PATH_LEN + 32], histogram[PETSC_MAX_PATH_LEN + 32];
  const char   *option = o->have_output ? "-o" : "-output_dir";
  InputOutputs *paths;
  OutputFileOutput *outputs;
  OutputFileInput  *read;
  PetscInt          n = o->n_inputs;
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(summary_paths(o, summary, histogram));
  PetscCall(PetscMalloc3(n, &paths, 3 * n + 2, &outputs, n + 2, &read));
  for (PetscInt f = 0; f < n; f++) {
    PetscCall(output_paths(o->inputs[f], o, &paths[f]));
    outputs[3 * f]     = (OutputFileOutput){option, paths[f].mask, &output_file_kind_png};
    outputs[3 * f + 1] = (OutputFileOutput){option, paths[f].overlay, &output_file_kind_png};
    outputs[3 * f + 2] = (OutputFileOutput){option, paths[f].particles, &output_file_kind_any};
    read[f]            = (OutputFileInput){"-input", o->inputs[f]};
  }
  outputs[3 * n]     = (OutputFileOutput){option, summary, &output_file_kind_any};
  outputs[3 * n + 1] = (OutputFileOutput){option, histogram, &output_file_kind_png};
  read[n]            = (OutputFileInput){"-model", o->model};
  read[n + 1]        = (OutputFileInput){"-options_file", options_file};
  /* errors are kept until the arrays are freed (each message is printed where it is raised) */
  PetscErrorCode ierr = 0;
  if (o->have_output && n != 1)
    ierr = PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_USER_INPUT, PETSC_ERROR_INITIAL,
                      "-o names one mask; -input names %d micrographs: use -output_dir", (int)n);
  if (!ierr) ierr = check_distinct_names(comm, o, paths);
  if (!ierr) ierr = output_file_check_all(comm, (int)(3 * n + 2), outputs, (int)n + 2, read);
  PetscCall(PetscFree3(paths, outputs, read));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_options(MPI_Comm comm, SegmentOptions *o, PetscBool *help)
{
  PetscBool pixel_size_set = PETSC_FALSE;
  PetscFunctionBeginUser;
  *o = (SegmentOptions){.n_items      = MAX_INPUTS,
                        .directory    = ".",
                        .batch        = 4,
                        .overlap      = -1,
                        .blend        = (PetscEnum)BLEND_COSINE,
                        .threshold    = 0.5,
                        .n_pixel_size = 2,
                        .resample     = PETSC_TRUE};
  PetscOptionsBegin(comm, NULL, "nanoforge segment: apply a model to micrographs", NULL);
  PetscCall(PetscOptionsString("-model", "Model file (HDF5, from nanoforge train)", NULL, o->model, o->model,
                               sizeof o->model, NULL));
  PetscCall(PetscOptionsStringArray("-input",
                                    "Micrographs, comma-separated: files (TIFF, PNG, HDF5/EMD, Velox EMD, SER, DM3, "
                                    "DM4), folders (their .tif .tiff .png .h5 .hdf5 .emd .ser .dm3 .dm4 files, by "
                                    "name) and quoted glob patterns ('run*/*.dm4'); a file named twice is used once",
                                    NULL, o->items, &o->n_items, NULL));
  PetscCall(PetscOptionsString("-o", "Mask PNG for a single input (overlay beside it as <name>_overlay.png)", NULL,
                               o->output, o->output, sizeof o->output, &o->have_output));
  PetscCall(PetscOptionsString("-output_dir",
                               "Folder for <input>_mask.png, _overlay.png, _particles.csv, particle_summary.csv and "
                               "particle_sizes.png when -o is not given",
                               NULL, o->directory, o->directory, sizeof o->directory, NULL));
  PetscCall(
    options_integer(PetscOptionsObject, "-index", "Image of a stack (0 = first)", 0, PETSC_MAX_INT, &o->index, NULL));
  PetscCall(PetscOptionsString("-signal",
                               "Signal of files that hold several, by name (Velox detector, e.g. HAADF) or index "
                               "(see nanoforge info; default: HAADF, else the first image)",
                               NULL, o->signal, o->signal, sizeof o->signal, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-tile", "Tile side [pixels] (default: the training image size)", 0,
                            65536, &o->tile, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-overlap", "Tile overlap [pixels] (default tile/4)", -1, 65535,
                            &o->overlap, NULL));
  PetscCall(PetscOptionsEnum("-blend", "Blending weights across the overlap", NULL, blend_mode_names, o->blend,
                             &o->blend, NULL));
  PetscCall(
    PetscOptionsReal("-threshold", "Foreground probability threshold", NULL, o->threshold, &o->threshold, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-batch", "Tiles per forward pass", 1, 4096, &o->batch, NULL));
  PetscCall(PetscOptionsString("-normalize", "Override the training run's normalisation (minmax, standard)", NULL,
                               o->normalize, o->normalize, sizeof o->normalize, NULL));
  PetscCall(PetscOptionsRealArray("-pixel_size",
                                  "Pixel size x[,y] [Angstrom/pixel] for resampling and particle sizes; overrides "
                                  "the files' calibration (default: each file's, or pixels when it has none)",
                                  NULL, o->pixel_size, &o->n_pixel_size, &pixel_size_set));
  PetscCall(PetscOptionsReal("-min_area",
                             "Drop particles smaller than this [nm^2; pixels^2 for a micrograph without pixel size]",
                             NULL, o->min_area, &o->min_area, NULL));
  PetscCall(PetscOptionsBool("-resample",
                             "Resample each micrograph to the model's pixel size before predicting and the "
                             "probabilities back after (false: predict at the micrograph's own scale)",
                             NULL, o->resample, &o->resample, NULL));
  PetscOptionsEnd();
  if (!pixel_size_set) o->n_pixel_size = 0;
  PetscCall(options_help_requested(help));
  PetscFunctionReturn(0);
}

/* The checks of option values that need no file. */
static PetscErrorCode check_options(MPI_Comm comm, SegmentOptions *o)
{
  PetscFunctionBeginUser;
  if (o->n_items == MAX_INPUTS) o->n_items = 0;
  PetscCheck(o->model[0], comm, PETSC_ERR_USER_INPUT, "-model: give the model file");
  PetscCheck(o->n_items > 0, comm, PETSC_ERR_USER_INPUT, "-input: give one or more micrographs");
  PetscCheck(o->threshold > 0 && o->threshold < 1, comm, PETSC_ERR_USER_INPUT,
             "-threshold %g: allowed 0 < threshold < 1", o->threshold);
  PetscCheck(o->min_area >= 0 && isfinite(o->min_area), comm, PETSC_ERR_USER_INPUT,
             "-min_area %g: allowed an area >= 0 (nm^2, or pixels^2 for a micrograph without pixel size)", o->min_area);
  if (o->n_pixel_size == 1) o->pixel_size[1] = o->pixel_size[0], o->n_pixel_size = 2;
  for (PetscInt k = 0; k < o->n_pixel_size; k++)
    PetscCheck(o->pixel_size[k] > 0 && isfinite(o->pixel_size[k]), comm, PETSC_ERR_USER_INPUT,
               "-pixel_size %g: allowed x[,y] > 0 Angstrom/pixel", o->pixel_size[k]);
  if (o->have_output) PetscCall(options_check_output_folder("-o", o->output));
  PetscFunctionReturn(0);
}

/* The overlay: particles tinted red over the grey micrograph; the mask becomes 0/255. */
static void draw_overlay(const unsigned char *grey, unsigned char *mask, unsigned char *rgb, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    rgb[3 * i + 0] = mask[i] ? (unsigned char)(grey[i] / 2 + 127) : grey[i];
    rgb[3 * i + 1] = mask[i] ? (unsigned char)(grey[i] / 2) : grey[i];
    rgb[3 * i + 2] = mask[i] ? (unsigned char)(grey[i] / 2) : grey[i];
    mask[i]        = mask[i] ? 255 : 0;
  }
}

/* The micrograph's summary row and its particles' diameters (freed by the caller). */
static PetscErrorCode summarise(const ParticleTable *table, double row[ROW_FIELDS], double **diameters)
{
  ParticleStatistics s;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(table->count + 1, diameters));
  particle_table_diameters(table, *diameters);
  PetscCall(particle_statistics(*diameters, table->count, &s));
  double pixel_area      = particle_table_calibrated(table) ? table->pixel_size_x * table->pixel_size_y / 100 : 1;
  row[ROW_PARTICLES]     = (double)table->count;
  row[ROW_DROPPED]       = (double)table->dropped;
  row[ROW_MEAN]          = s.mean;
  row[ROW_MEDIAN]        = s.median;
  row[ROW_SD]            = s.sd;
  row[ROW_PARTICLE_AREA] = (double)table->particle_pixels * pixel_area;
  row[ROW_IMAGE_AREA]    = (double)(table->ny * table->nx) * pixel_area;
  row[ROW_PIXEL_SIZE_X]  = table->pixel_size_x;
  row[ROW_PIXEL_SIZE_Y]  = table->pixel_size_y;
  PetscFunctionReturn(0);
}

/* One micrograph: predict, threshold, measure the particles, write mask, overlay and table. */
static PetscErrorCode segment_one(Predictor *p, const TilingConfig *tiling, const SegmentOptions *o,
                                  const char *provenance, const char *input, double row[ROW_FIELDS], double **diameters)
{
  Micrograph    *m;
  ParticleTable *table;
  InputOutputs   paths;
  float         *foreground;
  unsigned char *mask, *grey, *rgb;
  PetscFunctionBeginUser;
  PetscInt signal;
  PetscCall(micrograph_signal_choose(input, o->signal, &signal));
  PetscCall(micrograph_read_signal(input, signal, o->index, &m));
  size_t n = (size_t)m->ny * m->nx;
  PetscCall(PetscMalloc4(n, &foreground, n, &mask, n, &grey, 3 * n, &rgb));
  /* -pixel_size overrides the file's calibration; without either, sizes are in pixels */
  double          px = o->n_pixel_size ? o->pixel_size[0] : (m->pixel_size_x > 0 ? m->pixel_size_x : 0);
  double          py = o->n_pixel_size ? o->pixel_size[1] : (m->pixel_size_y > 0 ? m->pixel_size_y : px);
  PredictionScale scale;
  PetscErrorCode ierr = predictor_segment_at_model_scale(p, tiling, m->pixels, m->ny, m->nx, px, py, o->resample, input,
                                                         foreground, &scale);
  if (!ierr) ierr = predictor_print_scale(p, "segment", input, px, py, m->ny, m->nx, &scale);
  if (ierr) { /* refused (no calibration): free before reporting */
    PetscCall(PetscFree4(foreground, mask, grey, rgb));
    PetscCall(micrograph_destroy(&m));
  }
  PetscCall(ierr);
  for (size_t i = 0; i < n; i++) mask[i] = foreground[i] > o->threshold;
  PetscCall(particle_table_create(mask, m->ny, m->nx, px, py, 8, o->min_area, &table));
  PetscCall(picture_grey_from_floats(m->pixels, (PetscInt)n, 0.5, 99.5, grey));
  draw_overlay(grey, mask, rgb, n);
  PetscCall(output_paths(input, o, &paths));
  PetscCall(picture_write_png(paths.mask, (int)m->nx, (int)m->ny, 1, mask));
  PetscCall(picture_write_png(paths.overlay, (int)m->nx, (int)m->ny, 3, rgb));
  PetscCall(particle_table_write_csv(table, input, provenance, paths.particles));
  PetscCall(summarise(table, row, diameters));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "segment: %s (%s, %dx%d%s): %d particles (%d below -min_area dropped), %.1f%% of the area, "
                        "median diameter %.3g %s; wrote %s, %s and %s\n",
                        input, m->format, (int)m->nx, (int)m->ny, m->frames > 1 ? ", one image of a stack" : "",
                        (int)table->count, (int)table->dropped, 100.0 * row[ROW_PARTICLE_AREA] / row[ROW_IMAGE_AREA],
                        row[ROW_MEDIAN], particle_table_length_unit(table), paths.mask, paths.overlay,
                        paths.particles));
  PetscCall(particle_table_destroy(&table));
  PetscCall(PetscFree4(foreground, mask, grey, rgb));
  PetscCall(micrograph_destroy(&m));
  PetscFunctionReturn(0);
}

/* The summary CSV: one row per micrograph in its own unit, then 'all': the micrographs of the
 * pooled unit (nm when any is calibrated, else px) together. */
static PetscErrorCode write_summary_csv(const char *path, const SegmentOptions *o, const char *provenance,
                                        const double *rows, PetscBool pooled_calibrated, PetscInt pooled_inputs,
                                        const ParticleStatistics *pooled, double pooled_fraction)
{
  char  temporary[PETSC_MAX_PATH_LEN + 48];
  FILE *file;
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp%d", path, (int)getpid()));
  file = fopen(temporary, "w");
  PetscCheckPointerErrno(file, "cannot create the particle summary", temporary);
  int failed = fprintf(file, "# %s\n", provenance) < 0;
  failed |= fprintf(file,
                    "# one row per micrograph, diameters (equivalent-circle, 8-connected particles) in its units; "
                    "then 'all': %d of %d micrographs pooled in %s (min_area %g)\n",
                    (int)pooled_inputs, (int)o->n_inputs, pooled_calibrated ? "nm" : "px", o->min_area) < 0;
  failed |= fprintf(file, "source,units,particles,dropped,mean_diameter,median_diameter,sd_diameter,area_fraction,"
                          "pixel_size_x_A,pixel_size_y_A\n") < 0;
  for (PetscInt f = 0; f < o->n_inputs && !failed; f++) {
    const double *r = rows + f * ROW_FIELDS;
    failed |=
      fprintf(file, "%s,%s,%d,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", o->inputs[f], r[ROW_PIXEL_SIZE_X] > 0 ? "nm" : "px",
              (int)r[ROW_PARTICLES], (int)r[ROW_DROPPED], r[ROW_MEAN], r[ROW_MEDIAN], r[ROW_SD],
              r[ROW_PARTICLE_AREA] / r[ROW_IMAGE_AREA], r[ROW_PIXEL_SIZE_X], r[ROW_PIXEL_SIZE_Y]) < 0;
  }
  double dropped = 0;
  for (PetscInt f = 0; f < o->n_inputs; f++)
    if ((rows[f * ROW_FIELDS + ROW_PIXEL_SIZE_X] > 0) == pooled_calibrated)
      dropped += rows[f * ROW_FIELDS + ROW_DROPPED];
  failed |= fprintf(file, "all,%s,%d,%d,%.9g,%.9g,%.9g,%.9g,,\n", pooled_calibrated ? "nm" : "px", (int)pooled->count,
                    (int)dropped, pooled->mean, pooled->median, pooled->sd, pooled_fraction) < 0;
  if (fclose(file) != 0 || failed) {
    unlink(temporary);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the particle summary '%s'", temporary);
  }
  PetscCallErrno(rename(temporary, path), "cannot rename the particle summary onto", path);
  PetscFunctionReturn(0);
}

/* Rank 0: pool the micrographs of one unit, write the summary CSV and the histogram, report. */
static PetscErrorCode write_summary(const SegmentOptions *o, const char *provenance, const double *rows,
                                    const double *diameters)
{
  char               summary[PETSC_MAX_PATH_LEN + 32], histogram[PETSC_MAX_PATH_LEN + 32];
  PetscBool          calibrated    = PETSC_FALSE;
  PetscInt           pooled_inputs = 0, pooled_count = 0, offset = 0;
  double            *pooled, particle_area = 0, image_area = 0;
  ParticleStatistics s;
  PetscFunctionBeginUser;
  PetscCall(summary_paths(o, summary, histogram));
  for (PetscInt f = 0; f < o->n_inputs; f++)
    if (rows[f * ROW_FIELDS + ROW_PIXEL_SIZE_X] > 0) calibrated = PETSC_TRUE;
  for (PetscInt f = 0; f < o->n_inputs; f++) offset += (PetscInt)rows[f * ROW_FIELDS + ROW_PARTICLES];
  PetscCall(PetscMalloc1(offset + 1, &pooled));
  offset = 0;
  for (PetscInt f = 0; f < o->n_inputs; f++) {
    const double *r     = rows + f * ROW_FIELDS;
    PetscInt      count = (PetscInt)r[ROW_PARTICLES];
    if ((r[ROW_PIXEL_SIZE_X] > 0) == calibrated) {
      memcpy(pooled + pooled_count, diameters + offset, sizeof(double) * (size_t)count);
      pooled_count += count, pooled_inputs++;
      particle_area += r[ROW_PARTICLE_AREA], image_area += r[ROW_IMAGE_AREA];
    }
    offset += count;
  }
  PetscCall(particle_statistics(pooled, pooled_count, &s));
  PetscCall(write_summary_csv(summary, o, provenance, rows, calibrated, pooled_inputs, &s, particle_area / image_area));
  PetscCall(particle_histogram_write_png(pooled, pooled_count, calibrated ? "nm" : "px", histogram));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "segment: %d micrographs, %d particles pooled from %d (%s): diameter mean %.3g, median %.3g, "
                        "sd %.3g %s; %.1f%% of the area; wrote %s and %s\n",
                        (int)o->n_inputs, (int)pooled_count, (int)pooled_inputs,
                        calibrated ? "calibrated, nm" : "no pixel size, pixels", s.mean, s.median, s.sd,
                        calibrated ? "nm" : "px", 100 * particle_area / image_area, summary, histogram));
  PetscCall(PetscFree(pooled));
  PetscFunctionReturn(0);
}

/* Every rank's summary rows and diameters to every rank, in input order (sums of arrays that
 * each rank fills only at its own inputs). */
static PetscErrorCode gather_results(MPI_Comm comm, PetscInt n_inputs, double *rows, double *const *own_diameters,
                                     double **diameters)
{
  PetscInt total = 0, offset = 0;
  PetscFunctionBeginUser;
  PetscCall(parallel_sum_double(comm, rows, rows, (int)(n_inputs * ROW_FIELDS)));
  for (PetscInt f = 0; f < n_inputs; f++) total += (PetscInt)rows[f * ROW_FIELDS + ROW_PARTICLES];
  PetscCall(PetscCalloc1(total + 1, diameters));
  for (PetscInt f = 0; f < n_inputs; f++) {
    PetscInt count = (PetscInt)rows[f * ROW_FIELDS + ROW_PARTICLES];
    if (own_diameters[f]) memcpy(*diameters + offset, own_diameters[f], sizeof(double) * (size_t)count);
    offset += count;
  }
  if (total) PetscCall(parallel_sum_double(comm, *diameters, *diameters, (int)total));
  PetscFunctionReturn(0);
}

/* Rank 0's progress line after its `done`-th of `own` inputs (the ranks share the inputs evenly,
 * so rank 0's pace stands for all): at its first and last input and every 5 s between. */
static double seconds_now(void)
{
  PetscLogDouble now = 0;
  (void)PetscTime(&now); /* gettimeofday: cannot fail */
  return (double)now;
}

static PetscErrorCode report_progress(PetscInt done, PetscInt own, int size, PetscInt n_inputs, double start,
                                      double *last_report)
{
  double now = seconds_now(), each = (now - start) / (double)done;
  PetscFunctionBeginUser;
  if (done > 1 && done < own && now - *last_report < 5) PetscFunctionReturn(0);
  *last_report = now;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "segment: %d of %d micrographs, %.2g s each, ETA %.0f s\n",
                        (int)PetscMin(n_inputs, done * size), (int)n_inputs, each, each * (double)(own - done)));
  PetscFunctionReturn(0);
}

/* This rank's inputs, dealt round-robin (input f to rank f mod size: each output depends only on
 * its input, and the summary is gathered in input order, so the files are the same for any rank
 * count). */
static PetscErrorCode segment_own_inputs(MPI_Comm comm, Predictor *p, const TilingConfig *tiling,
                                         const SegmentOptions *o, const char *provenance, double *rows,
                                         double **own_diameters)
{
  int    rank, size;
  double start = seconds_now(), last_report = start;
  PetscFunctionBeginUser;
  PetscCall(parallel_rank(comm, &rank));
  PetscCall(parallel_size(comm, &size));
  PetscInt own = (o->n_inputs - rank + size - 1) / size, done = 0;
  for (PetscInt f = rank; f < o->n_inputs; f += size) {
    PetscCall(segment_one(p, tiling, o, provenance, o->inputs[f], rows + f * ROW_FIELDS, &own_diameters[f]));
    if (rank == 0) PetscCall(report_progress(++done, own, size, o->n_inputs, start, &last_report));
  }
  PetscFunctionReturn(0);
}

/* -input expanded (files, folders, patterns) and checked with the outputs, before any work. */
static PetscErrorCode expand_inputs(MPI_Comm comm, SegmentOptions *o, MicrographList **list)
{
  PetscFunctionBeginUser;
  PetscErrorCode ierr = micrograph_list_create(comm, "-input", o->items, o->n_items, list);
  for (PetscInt f = 0; f < o->n_items; f++) PetscCall(PetscFree(o->items[f]));
  PetscCall(ierr);
  o->inputs   = (*list)->paths;
  o->n_inputs = (*list)->count;
  ierr        = check_outputs(comm, o);
  if (ierr) PetscCall(micrograph_list_destroy(list)); /* refused before any work */
  PetscCall(ierr);
  if ((*list)->duplicates)
    PetscCall(PetscPrintf(comm, "segment: -input names %d micrographs (%d repeated names of them ignored)\n",
                          (int)o->n_inputs, (int)(*list)->duplicates));
  else
    PetscCall(PetscPrintf(comm, "segment: -input names %d micrographs\n", (int)o->n_inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode command_segment(MPI_Comm comm)
{
  SegmentOptions  o;
  PetscBool       help, root;
  Provenance     *provenance;
  char           *provenance_line;
  double         *rows, *diameters, **own_diameters;
  MicrographList *list;

  PetscFunctionBeginUser;
  PetscCall(read_options(comm, &o, &help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  PetscCall(check_options(comm, &o));
  PetscCall(parallel_is_root(comm, &root));
  PetscCall(expand_inputs(comm, &o, &list));
  Predictor *p;
  PetscCall(predictor_create(o.model, (int)o.batch, o.normalize, &p));
  if (root && !p->scale_recorded)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "segment: model '%s' records no pixel size or normalisation (an older version): "
                          "normalisation %s from its training options, micrographs segmented at their own scale\n",
                          o.model, normalize_mode_names[p->normalize]));
  TilingConfig tiling = {o.tile > 0 ? (int)o.tile : p->train_height, 0, (int)o.batch, (BlendMode)o.blend};
  tiling.overlap      = o.overlap >= 0 ? (int)o.overlap : tiling.tile / 4;
  PetscCheck(tiling.tile % (1 << p->config.depth) == 0, comm, PETSC_ERR_USER_INPUT,
             "-tile %d: model '%s' (depth %d) needs a multiple of %d", tiling.tile, o.model, p->config.depth,
             1 << p->config.depth);
  PetscCall(provenance_create(comm, &provenance));
  PetscCall(provenance_one_line(provenance, &provenance_line));
  PetscCall(PetscCalloc2(o.n_inputs * ROW_FIELDS, &rows, o.n_inputs, &own_diameters));
  PetscCall(segment_own_inputs(comm, p, &tiling, &o, provenance_line, rows, own_diameters));
  PetscCall(gather_results(comm, o.n_inputs, rows, own_diameters, &diameters));
  if (root) PetscCall(write_summary(&o, provenance_line, rows, diameters));
  for (PetscInt f = 0; f < o.n_inputs; f++) PetscCall(PetscFree(own_diameters[f]));
  PetscCall(PetscFree2(rows, own_diameters));
  PetscCall(PetscFree(diameters));
  PetscCall(PetscFree(provenance_line));
  PetscCall(provenance_destroy(&provenance));
  PetscCall(predictor_destroy(&p));
  PetscCall(micrograph_list_destroy(&list));
  PetscCall(
    parallel_barrier(comm, "segment: every rank's outputs and the summary are written before the command ends"));
  PetscFunctionReturn(0);
}
