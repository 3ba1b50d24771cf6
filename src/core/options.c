/* options.c — distribution-valued options, the unused-option check, -seed, -help. */
#include "options.h"

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
static const char *const petsc_runtime_options[] = {
  "log_view", "log_view_memory", "log_view_gpu_time", "log_summary", "log_trace", "log_all", "log",
  "options_left", "options_view", "options_monitor", "malloc_debug", "malloc_dump", "malloc_view",
  "malloc_test", "memory_view", "on_error_abort", "on_error_attach_debugger", "start_in_debugger",
  "debugger_ranks", "info", "history", "objects_dump", "check_pointer_intensity", "fp_trap",
  "no_signal_handler", "allow_unused_options", "skip_petscrc", "mpi_linear_solver_server", NULL
};

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
  PetscBool allow = PETSC_FALSE;
  char      message[4096] = "";
  int       n_reported = 0;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-allow_unused_options", &allow, NULL));
  PetscCall(PetscOptionsLeftGet(NULL, &n_left, &names, &values));
  for (PetscInt i = 0; i < n_left; i++) {
    if (is_petsc_runtime_option(names[i])) continue;
    size_t used = strlen(message);
    PetscCall(PetscSNPrintf(message + used, sizeof message - used, "%s -%s%s%s", n_reported ? "," : "", names[i], values[i] ? " " : "", values[i] ? values[i] : ""));
    n_reported++;
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n_left, &names, &values));
  if (n_reported && allow) {
    PetscCall(PetscPrintf(comm, "Warning: %d option(s) given but not used by this command (allowed by -allow_unused_options):%s\n", n_reported, message));
  } else {
    PetscCheck(n_reported == 0, comm, PETSC_ERR_USER_INPUT, "%d option(s) given but not used by this command:%s. Check the spelling against '-help', or pass -allow_unused_options to ignore them", n_reported, message);
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
  PetscInt value = (PetscInt)*seed;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsInt("-seed", "Random seed: the same seed gives bit-identical results on any rank count", NULL, value, &value, NULL));
  PetscCheck(value >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option -seed: %" PetscInt_FMT " is negative; allowed: an integer >= 0", value);
  *seed = value;
  PetscFunctionReturn(0);
}
