/* command_segment.c — `nanoforge segment`: a trained model applied to new micrographs (TIFF,
 * PNG, HDF5/EMD, Velox, SER, DM3/DM4). Large images are tiled with overlap and blended; the
 * image is normalised as in training. Writes the mask (PNG, 255 = particle) and an overlay
 * PNG (particles tinted red). Several inputs are dealt round-robin to the ranks.
 * MPI: one barrier (this file uses MPI). */
#include <stdio.h>
#include <string.h>
#include "app/commands.h"
#include "core/error_check.h"
#include "train/micrograph.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/parallel.h"
#include "core/picture.h"
#include "train/inference.h"

#define MAX_INPUTS 256

/* 4-connected components of the mask (particles found), iteratively with an explicit stack. */
static PetscErrorCode count_particles(const uint8_t *mask, PetscInt ny, PetscInt nx, PetscInt *count)
{
  uint8_t  *seen;
  PetscInt *stack, n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(ny * nx, &seen));
  PetscCall(PetscMalloc1(ny * nx, &stack));
  for (PetscInt start = 0; start < ny * nx; start++) {
    if (!mask[start] || seen[start]) continue;
    PetscInt top = 0;
    stack[top++] = start, seen[start] = 1, n++;
    while (top) {
      PetscInt p = stack[--top], y = p / nx, x = p % nx;
      PetscInt neighbours[4] = {y > 0 ? p - nx : -1, y < ny - 1 ? p + nx : -1, x > 0 ? p - 1 : -1,
                                x < nx - 1 ? p + 1 : -1};
      for (int k = 0; k < 4; k++)
        if (neighbours[k] >= 0 && mask[neighbours[k]] && !seen[neighbours[k]])
          seen[neighbours[k]] = 1, stack[top++] = neighbours[k];
    }
  }
  *count = n;
  PetscCall(PetscFree(seen));
  PetscCall(PetscFree(stack));
  PetscFunctionReturn(0);
}

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

/* The mask and overlay paths of input `input`: from -o when given, else in -output_dir. */
static PetscErrorCode output_paths(const char *input, PetscBool have_output, const char *output, const char *directory,
                                   char mask_path[PETSC_MAX_PATH_LEN + 16], char overlay_path[PETSC_MAX_PATH_LEN + 16])
{
  char stem[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  if (have_output) {
    PetscCall(PetscStrncpy(mask_path, output, PETSC_MAX_PATH_LEN + 16));
    PetscCall(PetscStrncpy(stem, output, sizeof stem));
    size_t length = strlen(stem);
    if (length > 4 && !strcmp(stem + length - 4, ".png")) stem[length - 4] = '\0';
  } else {
    output_stem(input, directory, stem, sizeof stem);
    PetscCall(PetscSNPrintf(mask_path, PETSC_MAX_PATH_LEN + 16, "%s_mask.png", stem));
  }
  PetscCall(PetscSNPrintf(overlay_path, PETSC_MAX_PATH_LEN + 16, "%s_overlay.png", stem));
  PetscFunctionReturn(0);
}

/* Before any work: no mask or overlay may be an input (a micrograph, the model, the options
 * file) or replace a file that is not a PNG image, and their folders must be writable. */
static PetscErrorCode check_outputs(MPI_Comm comm, char *const inputs[], PetscInt n_inputs, const char *model,
                                    PetscBool have_output, const char *output, const char *directory)
{
  char              options_file[PETSC_MAX_PATH_LEN], (*paths)[PETSC_MAX_PATH_LEN + 16];
  OutputFileOutput *outputs;
  OutputFileInput  *read;
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(PetscMalloc3(2 * n_inputs, &paths, 2 * n_inputs, &outputs, n_inputs + 2, &read));
  for (PetscInt f = 0; f < n_inputs; f++) {
    PetscCall(output_paths(inputs[f], have_output, output, directory, paths[2 * f], paths[2 * f + 1]));
    outputs[2 * f] = (OutputFileOutput){have_output ? "-o" : "-output_dir", paths[2 * f], &output_file_kind_png};
    outputs[2 * f + 1] =
      (OutputFileOutput){have_output ? "-o (overlay)" : "-output_dir", paths[2 * f + 1], &output_file_kind_png};
    read[f] = (OutputFileInput){"-input", inputs[f]};
  }
  /* Two inputs of one name from different folders would write one mask over the other. */
  PetscErrorCode ierr = 0;
  for (PetscInt f = 0; f < n_inputs && !ierr; f++)
    for (PetscInt g = f + 1; g < n_inputs && !ierr; g++)
      if (!strcmp(paths[2 * f], paths[2 * g]))
        ierr = PetscError(
          comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_USER_INPUT, PETSC_ERROR_INITIAL,
          "-input '%s' and '%s' would both write '%s'; allowed: inputs with different names, or one -output_dir per folder",
          inputs[f], inputs[g], paths[2 * f]);
  read[n_inputs]     = (OutputFileInput){"-model", model};
  read[n_inputs + 1] = (OutputFileInput){"-options_file", options_file};
  if (!ierr) ierr = output_file_check_all(comm, (int)(2 * n_inputs), outputs, (int)n_inputs + 2, read);
  PetscCall(PetscFree3(paths, outputs, read));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode command_segment(MPI_Comm comm)
{
  char *inputs[MAX_INPUTS], model[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "",
                            directory[PETSC_MAX_PATH_LEN] = ".", normalize[32] = "";
  PetscInt  n_inputs = MAX_INPUTS, index = 0, tile = 0, overlap = -1, batch = 4;
  PetscEnum blend     = (PetscEnum)BLEND_COSINE;
  double    threshold = 0.5;
  PetscBool help, have_output;
  int       rank, size;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "nanoforge segment: apply a model to micrographs", NULL);
  PetscCall(
    PetscOptionsString("-model", "Model file (HDF5, from nanoforge train)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsStringArray("-input",
                                    "Micrographs, comma-separated (TIFF, PNG, HDF5/EMD, Velox EMD, SER, DM3, DM4)",
                                    NULL, inputs, &n_inputs, NULL));
  PetscCall(PetscOptionsString("-o", "Mask PNG for a single input (overlay beside it as <name>_overlay.png)", NULL,
                               output, output, sizeof output, &have_output));
  PetscCall(PetscOptionsString("-output_dir",
                               "Folder for <input>_mask.png and <input>_overlay.png when -o is not given", NULL,
                               directory, directory, sizeof directory, NULL));
  PetscCall(
    options_integer(PetscOptionsObject, "-index", "Image of a stack (0 = first)", 0, PETSC_MAX_INT, &index, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-tile", "Tile side [pixels] (default: the training image size)", 0,
                            65536, &tile, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-overlap", "Tile overlap [pixels] (default tile/4)", -1, 65535,
                            &overlap, NULL));
  PetscCall(
    PetscOptionsEnum("-blend", "Blending weights across the overlap", NULL, blend_mode_names, blend, &blend, NULL));
  PetscCall(PetscOptionsReal("-threshold", "Foreground probability threshold", NULL, threshold, &threshold, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-batch", "Tiles per forward pass", 1, 4096, &batch, NULL));
  PetscCall(PetscOptionsString("-normalize", "Override the training run's normalisation (minmax, standard)", NULL,
                               normalize, normalize, sizeof normalize, NULL));
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  if (n_inputs == MAX_INPUTS) n_inputs = 0;
  PetscCheck(model[0], comm, PETSC_ERR_USER_INPUT, "-model: give the model file");
  PetscCheck(n_inputs > 0, comm, PETSC_ERR_USER_INPUT, "-input: give one or more micrographs");
  PetscCheck(!have_output || n_inputs == 1, comm, PETSC_ERR_USER_INPUT,
             "-o names one mask; with %d inputs use -output_dir", (int)n_inputs);
  PetscCheck(threshold > 0 && threshold < 1, comm, PETSC_ERR_USER_INPUT, "-threshold %g: allowed 0 < threshold < 1",
             threshold);
  if (have_output) PetscCall(options_check_output_folder("-o", output));
  PetscCall(parallel_rank(comm, &rank));
  PetscCall(parallel_size(comm, &size));

  PetscErrorCode ierr = check_outputs(comm, inputs, n_inputs, model, have_output, output, directory);
  if (ierr) /* refused before any work: free the option strings, then report */
    for (PetscInt f = 0; f < n_inputs; f++) PetscCall(PetscFree(inputs[f]));
  PetscCall(ierr);
  Predictor *p;
  PetscCall(predictor_create(model, (int)batch, normalize, &p));
  TilingConfig tiling = {tile > 0 ? (int)tile : p->train_height, 0, (int)batch, (BlendMode)blend};
  tiling.overlap      = overlap >= 0 ? (int)overlap : tiling.tile / 4;
  PetscCheck(tiling.tile % (1 << p->config.depth) == 0, comm, PETSC_ERR_USER_INPUT,
             "-tile %d: model '%s' (depth %d) needs a multiple of %d", tiling.tile, model, p->config.depth,
             1 << p->config.depth);
  for (PetscInt f = rank; f < n_inputs; f += size) {
    Micrograph *m;
    char        mask_path[PETSC_MAX_PATH_LEN + 16], overlay_path[PETSC_MAX_PATH_LEN + 16];
    PetscCall(micrograph_read(inputs[f], index, &m));
    size_t         n = (size_t)m->ny * m->nx;
    float         *foreground;
    unsigned char *mask, *grey, *rgb;
    PetscCall(PetscMalloc4(n, &foreground, n, &mask, n, &grey, 3 * n, &rgb));
    PetscCall(predictor_segment(p, m->pixels, m->ny, m->nx, &tiling, foreground));
    PetscInt particle_pixels = 0, particles = 0;
    for (size_t i = 0; i < n; i++) mask[i] = foreground[i] > threshold, particle_pixels += mask[i];
    PetscCall(count_particles(mask, m->ny, m->nx, &particles));
    PetscCall(picture_grey_from_floats(m->pixels, (PetscInt)n, 0.5, 99.5, grey));
    for (size_t i = 0; i < n; i++) {
      rgb[3 * i + 0] = mask[i] ? (unsigned char)(grey[i] / 2 + 127) : grey[i];
      rgb[3 * i + 1] = mask[i] ? (unsigned char)(grey[i] / 2) : grey[i];
      rgb[3 * i + 2] = mask[i] ? (unsigned char)(grey[i] / 2) : grey[i];
      mask[i]        = mask[i] ? 255 : 0;
    }
    PetscCall(output_paths(inputs[f], have_output, output, directory, mask_path, overlay_path));
    PetscCall(picture_write_png(mask_path, (int)m->nx, (int)m->ny, 1, mask));
    PetscCall(picture_write_png(overlay_path, (int)m->nx, (int)m->ny, 3, rgb));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "segment: %s (%s, %dx%d%s): %d particles, %.1f%% of pixels; wrote %s and %s\n", inputs[f],
                          m->format, (int)m->nx, (int)m->ny, m->frames > 1 ? ", one image of a stack" : "",
                          (int)particles, 100.0 * particle_pixels / n, mask_path, overlay_path));
    PetscCall(PetscFree4(foreground, mask, grey, rgb));
    PetscCall(micrograph_destroy(&m));
  }
  PetscCall(predictor_destroy(&p));
  for (PetscInt f = 0; f < n_inputs; f++) PetscCall(PetscFree(inputs[f]));
  PetscCall(parallel_barrier(comm, "segment: every rank's masks are written before the command ends"));
  PetscFunctionReturn(0);
}
