/* command_info.c — `nanoforge info FILE...`: what the micrograph readers see in each file: its
 * format, its signals (index, name, shape, stored type, pixel size per axis in Å) with the one
 * a plain read returns marked, why a signal is not an image, and the instrument metadata the
 * readers find (voltage, magnification, exposure or dwell time). Every rank reads; rank 0
 * prints. A file that no reader recognises is an error naming it. */
#include <stdio.h>
#include "app/commands.h"
#include "core/options.h"
#include "train/micrograph.h"

#define INFO_MAX_FILES 4096

/* The files: the arguments before the first option, then any given with -input. */
static PetscErrorCode info_files(char **files, PetscInt *count)
{
  int    argc;
  char **args;

  PetscFunctionBeginUser;
  *count = 0;
  PetscCall(PetscGetArgs(&argc, &args));
  for (int i = 1; i < argc && args[i][0] != '-' && *count < INFO_MAX_FILES; i++) files[(*count)++] = args[i];
  PetscFunctionReturn(0);
}

/* "pixel size 0.1775 x 0.1775 Å (rows x columns)", or that the file has none. */
static void pixel_size_text(const MicrographSignal *s, char *text, size_t size)
{
  if (s->pixel_size_y > 0 || s->pixel_size_x > 0)
    snprintf(text, size, "pixel size %.9g x %.9g Å (rows x columns)", s->pixel_size_y, s->pixel_size_x);
  else
    snprintf(text, size, "pixel size unknown (no calibration in the file)");
}

static PetscErrorCode print_signal(MPI_Comm comm, const MicrographSignal *s, PetscInt k, PetscBool chosen)
{
  char size[160];

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "  signal %d%s%s%s%s: ", (int)k, s->name[0] ? " '" : "", s->name, s->name[0] ? "'" : "",
                        chosen ? " [default]" : ""));
  if (s->refused[0]) {
    PetscCall(PetscPrintf(comm, "not an image: %s\n", s->refused));
    PetscFunctionReturn(0);
  }
  pixel_size_text(s, size, sizeof size);
  PetscCall(PetscPrintf(comm, "%d x %d pixels (rows x columns), %d frame%s, %s, %s\n", (int)s->ny, (int)s->nx,
                        (int)s->frames, s->frames == 1 ? "" : "s", s->dtype[0] ? s->dtype : "type not reported", size));
  const double values[3] = {s->voltage_kv, s->magnification, s->exposure_s};
  const char  *names[3]  = {"voltage %s kV", "magnification %s", "exposure or dwell time %s s"};
  for (int i = 0; i < 3; i++) {
    char number[32], line[96];
    if (!(values[i] > 0)) continue;
    /* numbers through snprintf: PetscPrintf's %g writes 300 as "300." */
    snprintf(number, sizeof number, "%g", values[i]);
    snprintf(line, sizeof line, names[i], number);
    PetscCall(PetscPrintf(comm, "    %s\n", line));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode print_file(MPI_Comm comm, const char *path)
{
  MicrographSignal *list;
  PetscInt          count, chosen;

  PetscFunctionBeginUser;
  PetscCall(micrograph_signals(path, &list, &count, &chosen));
  PetscCall(
    PetscPrintf(comm, "%s\n  format %s, %d signal%s\n", path, list[chosen].format, (int)count, count == 1 ? "" : "s"));
  for (PetscInt k = 0; k < count; k++) PetscCall(print_signal(comm, &list[k], k, k == chosen));
  PetscCall(PetscFree(list));
  PetscFunctionReturn(0);
}

PetscErrorCode command_info(MPI_Comm comm)
{
  PetscBool  help;
  PetscInt64 seed = 1;
  char      *files[INFO_MAX_FILES];
  PetscInt   count;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "nanoforge info FILE...: format, signals, calibration and metadata of micrographs",
                    NULL);
  PetscCall(options_seed(PetscOptionsObject, &seed)); /* accepted by every command */
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  PetscCall(info_files(files, &count));
  PetscCheck(count > 0, comm, PETSC_ERR_USER_INPUT,
             "info: give one or more micrograph files (nanoforge info FILE...), before any option");
  for (PetscInt i = 0; i < count; i++) PetscCall(print_file(comm, files[i]));
  PetscFunctionReturn(0);
}
