/* options.c — distribution-valued options, the unused-option check, -seed, -help. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/checked_size.h"
#include "core/options.h"

PetscErrorCode options_distribution(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                    const char default_spec[], Distribution *distribution)
{
  char      spec[DISTRIBUTION_SPEC_LEN];
  PetscBool given;
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(spec, default_spec, sizeof spec));
  PetscCall(PetscOptionsString(option, help, NULL, default_spec, spec, sizeof spec, &given));
  PetscCall(distribution_parse(option, spec, distribution));
  PetscFunctionReturn(0);
}

/* Options PETSc itself reads later (at PetscFinalize or on error), which must not be
 * reported as unused when a command checks its own. */
static const char *const petsc_runtime_options[] = {"log_view",
                                                    "log_view_memory",
                                                    "log_view_gpu_time",
                                                    "log_summary",
                                                    "log_trace",
                                                    "log_all",
                                                    "log",
                                                    "options_left",
                                                    "options_view",
                                                    "options_monitor",
                                                    "malloc_debug",
                                                    "malloc_dump",
                                                    "malloc_view",
                                                    "malloc_test",
                                                    "memory_view",
                                                    "on_error_abort",
                                                    "on_error_attach_debugger",
                                                    "start_in_debugger",
                                                    "debugger_ranks",
                                                    "info",
                                                    "history",
                                                    "objects_dump",
                                                    "check_pointer_intensity",
                                                    "fp_trap",
                                                    "no_signal_handler",
                                                    "allow_unused_options",
                                                    "skip_petscrc",
                                                    "mpi_linear_solver_server",
                                                    NULL};

static PetscBool is_petsc_runtime_option(const char *name)
{
  for (int i = 0; petsc_runtime_options[i]; i++)
    if (!strcmp(name, petsc_runtime_options[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode options_check_unused(MPI_Comm comm)
{
  PetscInt  n_left;
  char    **names, **values;
  PetscBool allow         = PETSC_FALSE;
  char      message[4096] = "";
  int       n_reported    = 0;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-allow_unused_options", &allow, NULL));
  PetscCall(PetscOptionsLeftGet(NULL, &n_left, &names, &values));
  for (PetscInt i = 0; i < n_left; i++) {
    if (is_petsc_runtime_option(names[i])) continue;
    size_t used = strlen(message);
    PetscCall(PetscSNPrintf(message + used, sizeof message - used, "%s -%s%s%s", n_reported ? "," : "", names[i],
                            values[i] ? " " : "", values[i] ? values[i] : ""));
    n_reported++;
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n_left, &names, &values));
  if (n_reported && allow) {
    PetscCall(PetscPrintf(
      comm, "Warning: %d option(s) given but not used by this command (allowed by -allow_unused_options):%s\n",
      n_reported, message));
  } else {
    PetscCheck(
      n_reported == 0, comm, PETSC_ERR_USER_INPUT,
      "%d option(s) given but not used by this command:%s. Check the spelling against '-help', or pass -allow_unused_options to ignore them",
      n_reported, message);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode options_help_requested(PetscBool *requested)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasHelp(NULL, requested));
  PetscFunctionReturn(0);
}

PetscErrorCode options_seed(PetscOptionItems *PetscOptionsObject, PetscInt64 *seed)
{
  PetscFunctionBeginUser;
  /* 64-bit: the Philox key is 64 bits, and PetscOptionsInt would wrap a seed above 2^31. */
  PetscCall(options_integer64(PetscOptionsObject, "-seed",
                              "Random seed: the same seed gives bit-identical results on any rank count", 0, INT64_MAX,
                              seed, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode options_parse_integer64(const char option[], const char text[], PetscInt64 lowest, PetscInt64 highest,
                                       PetscInt64 *value)
{
  char     *end = NULL;
  long long parsed;
  PetscFunctionBeginUser;
  errno  = 0;
  parsed = strtoll(text, &end, 10);
  if (end == text || *end || errno == ERANGE) {
    /* "1.1e9" is an integer written in exponent form; "1.5" and "abc" are not. */
    double real = strtod(text, &end);
    PetscCheck(end != text && !*end && isfinite(real) && real == floor(real) && fabs(real) < 9.2e18, PETSC_COMM_SELF,
               PETSC_ERR_USER_INPUT,
               "Option %s: '%s' is not an integer; allowed: integers in [%" PetscInt64_FMT ", %" PetscInt64_FMT "]",
               option, text, lowest, highest);
    parsed = (long long)real;
  }
  PetscCheck(parsed >= lowest && parsed <= highest, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: %s is out of range; allowed: integers in [%" PetscInt64_FMT ", %" PetscInt64_FMT "]", option,
             text, lowest, highest);
  *value = (PetscInt64)parsed;
  PetscFunctionReturn(0);
}

PetscErrorCode options_integer64(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                 PetscInt64 lowest, PetscInt64 highest, PetscInt64 *value, PetscBool *given)
{
  char      text[64], default_text[64], full_help[512];
  PetscBool set = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(default_text, sizeof default_text, "%" PetscInt64_FMT, *value));
  PetscCall(PetscSNPrintf(full_help, sizeof full_help, "%s (integer in [%" PetscInt64_FMT ", %" PetscInt64_FMT "])",
                          help, lowest, highest));
  PetscCall(PetscStrncpy(text, default_text, sizeof text));
  PetscCall(PetscOptionsString(option, full_help, NULL, default_text, text, sizeof text, &set));
  if (set) PetscCall(options_parse_integer64(option, text, lowest, highest, value));
  if (given) *given = set;
  PetscFunctionReturn(0);
}

PetscErrorCode options_integer(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                               PetscInt lowest, PetscInt highest, PetscInt *value, PetscBool *given)
{
  PetscInt64 wide = *value;
  PetscFunctionBeginUser;
  PetscCall(options_integer64(PetscOptionsObject, option, help, lowest, highest, &wide, given));
  *value = (PetscInt)wide; /* within [lowest, highest], so within PetscInt */
  PetscFunctionReturn(0);
}

PetscErrorCode options_parse_bytes(const char option[], const char text[], size_t *bytes)
{
  char  *end = NULL;
  double number, scale = 1;
  PetscFunctionBeginUser;
  errno  = 0;
  number = strtod(text, &end);
  PetscCheck(end != text, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: '%s' is not a size; allowed: bytes > 0 with an optional k, M, G or T suffix (e.g. 4G)", option,
             text);
  switch (*end) {
  case 'k':
  case 'K':
    scale = 1024.0;
    end++;
    break;
  case 'm':
  case 'M':
    scale = 1024.0 * 1024.0;
    end++;
    break;
  case 'g':
  case 'G':
    scale = 1024.0 * 1024.0 * 1024.0;
    end++;
    break;
  case 't':
  case 'T':
    scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
    end++;
    break;
  default:
    break;
  }
  if (*end == 'b' || *end == 'B') end++;
  const double value = number * scale;
  PetscCheck(
    !*end && isfinite(value) && value >= 1 && value < 1.8e19, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Option %s: '%s' is not a size; allowed: bytes >= 1 with an optional k, M, G or T suffix (e.g. 4G), below 16 EB",
    option, text);
  *bytes = (size_t)value;
  PetscFunctionReturn(0);
}

PetscErrorCode options_memory_limit(void)
{
  char      text[64];
  PetscBool given = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-memory_limit", text, sizeof text, &given));
  if (given) {
    size_t bytes;
    PetscCall(options_parse_bytes("-memory_limit", text, &bytes));
    memory_limit_set(bytes);
  }
  PetscFunctionReturn(0);
}

/* Options whose value names files, read or written (comma-separated lists allowed). Not
 * segment's -input: it takes folders too (micrograph_list.h). */
static const char *const file_options[] = {"-structure", "-db",  "-model",   "-data",        "-mask",
                                           "-o",         "-png", "-montage", "-fftw_wisdom", NULL};

PetscErrorCode options_check_file_paths(void)
{
  char *all, *save = NULL;
  PetscFunctionBeginUser;
  /* From the whole options string: querying single options would mark them used and hide a
   * file option given to a command that has no such option from options_check_unused. */
  PetscCall(PetscOptionsGetAll(NULL, &all));
  for (char *token = strtok_r(all, " ", &save); token; token = strtok_r(NULL, " ", &save)) {
    int which = -1;
    for (int i = 0; file_options[i]; i++)
      if (!strcmp(token, file_options[i])) which = i;
    if (which < 0) continue;
    char *value = strtok_r(NULL, " ", &save), *path_save = NULL;
    if (!value) break;
    for (char *path = strtok_r(value, ",", &path_save); path; path = strtok_r(NULL, ",", &path_save)) {
      struct stat info;
      PetscBool   is_directory = stat(path, &info) == 0 && S_ISDIR(info.st_mode) ? PETSC_TRUE : PETSC_FALSE;
      if (is_directory) {
        char message[PETSC_MAX_PATH_LEN + 256];
        PetscCall(PetscSNPrintf(
          message, sizeof message, "Option %s: '%s' is a directory; allowed: a file name%s", file_options[which], path,
          !strcmp(file_options[which], "-o") ? " (segment writes into a folder with -output_dir)" : ""));
        PetscCall(PetscFree(all));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s", message);
      }
    }
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

PetscErrorCode options_check_output_folder(const char option[], const char path[])
{
  char        folder[PETSC_MAX_PATH_LEN];
  const char *slash;
  PetscFunctionBeginUser;
  if (!path || !path[0]) PetscFunctionReturn(0);
  slash = strrchr(path, '/');
  if (!slash)
    PetscCall(PetscStrncpy(folder, ".", sizeof folder));
  else if (slash == path)
    PetscCall(PetscStrncpy(folder, "/", sizeof folder));
  else
    PetscCall(PetscStrncpy(folder, path, PetscMin(sizeof folder, (size_t)(slash - path) + 1)));
  PetscCheck(access(folder, W_OK | X_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Option %s: cannot write '%s': folder '%s' %s; allowed: a file in an existing, writable folder", option,
             path, folder, access(folder, F_OK) ? "does not exist" : "is not writable");
  PetscFunctionReturn(0);
}
