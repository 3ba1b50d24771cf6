/* command_campaign.c — `nanoforge campaign`: simulate a sampled plan of N structures ×
 * M imaging conditions into one database, on any number of MPI ranks, resumably. */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>
#include "campaign.h"
#include "commands.h"
#include "options.h"
#include "output_file.h"

/* Options that change how a campaign runs but not what it computes, and PETSc's own:
 * none of them enters the plan, so changing them never blocks a resume. */
static const char *const not_plan_options[] = {
  "o", "db", "fresh", "verify", "plan_only", "sim_ranks", "prefetch", "progress_interval", "sync_writes", "stop_file",
  "memory_limit", "check_free_space", "seed", "structures", "conditions", "fftw_wisdom", "options_file", "allow_unused_options", "help", "h",
  "log*", "malloc*", "options_*", "info*", "on_error*", "history", "fp_trap", "no_signal_handler", "skip_petscrc",
  "check_pointer_intensity", "memory_view", "objects_dump", "start_in_debugger", "debugger_ranks", "mpi_*", NULL
};

static PetscErrorCode report(MPI_Comm comm, const Plan *plan, const DatabaseLayout *layout, const CampaignSummary *summary, const char *path)
{
  int    rank, size;
  double local[3] = {summary->compute_seconds, summary->write_seconds, (double)summary->units_computed}, total[3], slowest[3];
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Reduce(local, total, 3, MPI_DOUBLE, MPI_SUM, 0, comm));
  PetscCallMPI(MPI_Reduce(local, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, comm));
  if (rank != 0) PetscFunctionReturn(0);
  const double images  = (double)summary->n_done_now * (double)plan->n_conditions;
  const double rate    = summary->seconds > 0 ? images / summary->seconds : 0;
  const double bytes   = images * (double)layout->ny * (double)layout->nx * 5.0; /* float image + uint8 mask */
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "campaign: this run finished %" PetscInt_FMT " units (%.0f images) in %.2f s on %d rank%s: %.3g images/s, %.3g images/s per rank\n",
                        summary->n_done_now, images, summary->seconds, size, size > 1 ? "s" : "", rate, rate / size));
  if (summary->n_done_now > 0)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "campaign: time over all ranks: computing %.2f s, writing %.2f s (%.3g MB at %.3g MB/s per writer, fsync included)\n",
                          total[0], total[1], bytes / 1e6, total[1] > 0 ? bytes / 1e6 / total[1] : 0));
  PetscInt complete = summary->n_done_before + summary->n_done_now;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "campaign: %" PetscInt_FMT " of %" PetscInt_FMT " units complete; database %s, journal %s.journal\n", complete, plan->n_structures, path, path));
  if (summary->stopped)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "campaign: stopped on request (SIGUSR1 or a STOP file) with %" PetscInt_FMT " units to do; remove any STOP file and rerun the same command to continue (exit status %d)\n",
                          plan->n_structures - complete, COMMAND_EXIT_RESUMABLE));
  PetscFunctionReturn(0);
}

/* Before any work: the database and its journal must not be the options file, the FFTW
 * wisdom or the -cif, nor a folder. */
static PetscErrorCode check_campaign_outputs(MPI_Comm comm, const char *output_option, const char *path)
{
  char options_file[PETSC_MAX_PATH_LEN], journal[PETSC_MAX_PATH_LEN], wisdom[PETSC_MAX_PATH_LEN] = "", cif[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(journal_path(path, journal));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-fftw_wisdom", wisdom, sizeof wisdom, NULL));
  const OutputFileOutput outputs[] = {{output_option, path, &output_file_kind_any}, {"-o (its journal)", journal, &output_file_kind_any}};
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cif", cif, sizeof cif, NULL));
  const OutputFileInput inputs[] = {{"-options_file", options_file}, {"-fftw_wisdom", wisdom}, {"-cif", cif}};
  PetscCall(output_file_check_all(comm, 2, outputs, 3, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_command(MPI_Comm comm, const char *output_option, PetscBool check_unused, PetscBool *finished, char *database_path)
{
  char              path[PETSC_MAX_PATH_LEN] = "database.h5", stop_file[PETSC_MAX_PATH_LEN] = "";
  PetscInt64        n_structures = 10, n_conditions = 1, seed = 1;
  PetscBool         check_free_space = PETSC_TRUE;
  PetscBool         fresh = PETSC_FALSE, verify = PETSC_FALSE, plan_only = PETSC_FALSE, save_atoms = PETSC_FALSE, save_exit_waves = PETSC_FALSE, help, stop_given;
  CampaignSettings  settings;
  CampaignSummary   summary;
  WorkUnitPipeline *pipeline;
  Plan             *plan;
  DatabaseLayout    layout;
  char             *plan_options;
  int               rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  campaign_settings_defaults(&settings);
  PetscOptionsBegin(comm, NULL, "nanoforge campaign: N structures x M imaging conditions into one database", NULL);
  PetscCall(PetscOptionsString(output_option, "Database file to write (HDF5, EMD v0.2); its journal is <file>.journal", NULL, path, path, sizeof path, NULL));
  PetscCall(options_integer64(PetscOptionsObject, "-structures", "Number of structures N (work units)", 1, PLAN_MAX_STRUCTURES, &n_structures, NULL));
  PetscCall(options_integer64(PetscOptionsObject, "-conditions", "Imaging conditions M per structure (images per unit; exit waves are reused)", 1, PLAN_MAX_CONDITIONS, &n_conditions, NULL));
  PetscCall(options_seed(PetscOptionsObject, &seed));
  PetscCall(PetscOptionsBool("-fresh", "Start over: discard the journal and database of an earlier run", NULL, fresh, &fresh, NULL));
  PetscCall(PetscOptionsBool("-save_atoms", "Also store every structure's atoms (ragged, /data/atoms with offsets)", NULL, save_atoms, &save_atoms, NULL));
  PetscCall(PetscOptionsBool("-save_exit_waves", "Also store every structure's exit waves (/data/exit_waves: one complex grid per phonon configuration; large: 8 bytes per grid pixel)", NULL, save_exit_waves, &save_exit_waves, NULL));
  PetscCall(PetscOptionsBool("-verify", "Check every finished unit of the database against the checksums in its journal, name the damaged ones (exit 1 if any), and stop", NULL, verify, &verify, NULL));
  PetscCall(PetscOptionsBool("-check_free_space", "Refuse a plan whose database is larger than the free space of its folder (statvfs), before any work; false where statvfs misleads (quotas)", NULL, check_free_space, &check_free_space, NULL));
  PetscCall(PetscOptionsBool("-plan_only", "Print the plan (counts, parameter ranges, estimated cost) and stop", NULL, plan_only, &plan_only, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-sim_ranks", "Ranks per simulation (a worker group); must divide the rank count", 1, 1048576, &settings.sim_ranks, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-prefetch", "Units queued per worker group so it never waits for the master", 1, 65536, &settings.prefetch, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "Seconds between progress lines [s]", NULL, settings.progress_interval, &settings.progress_interval, NULL));
  PetscCall(PetscOptionsBool("-sync_writes", "fsync each unit's data before journaling it (durable against node crashes)", NULL, settings.sync_writes, &settings.sync_writes, NULL));
  PetscCall(PetscOptionsString("-stop_file", "A file whose appearance stops the campaign cleanly (default: STOP in the current folder and beside the database)", NULL, stop_file, stop_file, sizeof stop_file, &stop_given));
  PetscCall(work_unit_pipeline_create(seed, (PetscInt)n_conditions, &pipeline));
  PetscCall(work_unit_pipeline_options_read(PetscOptionsObject, pipeline));
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) {
    PetscCall(work_unit_pipeline_destroy(&pipeline));
    PetscFunctionReturn(0);
  }
  if (check_unused) PetscCall(options_check_unused(comm));
  if (verify && !strcmp(output_option, "-o")) { /* in `run`, -verify is train's (checked before training) */
    if (database_path) PetscCall(PetscStrncpy(database_path, path, PETSC_MAX_PATH_LEN));
    if (finished) *finished = PETSC_FALSE;
    PetscCall(work_unit_pipeline_destroy(&pipeline));
    PetscCall(campaign_verify(comm, path));
    PetscFunctionReturn(0);
  }
  PetscCheck(settings.progress_interval > 0, comm, PETSC_ERR_USER_INPUT, "Option -progress_interval: %g is not allowed; give a positive number of seconds", (double)settings.progress_interval);
  {
    /* Checked again by campaign_run; here so that a bad value writes no database or journal. */
    int size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCheck(settings.sim_ranks >= 1 && size % settings.sim_ranks == 0, comm, PETSC_ERR_USER_INPUT,
               "Option -sim_ranks: %" PetscInt_FMT " does not divide the %d ranks of this run; allowed: a divisor of the rank count", settings.sim_ranks, size);
  }

  PetscCall(plan_options_collect(not_plan_options, &plan_options));
  PetscCall(plan_create(seed, n_structures, n_conditions, plan_options, &plan));
  PetscCall(PetscFree(plan_options));
  PetscCall(work_unit_pipeline_layout(pipeline, plan, &layout));
  if (database_path) PetscCall(PetscStrncpy(database_path, path, PETSC_MAX_PATH_LEN));
  if (plan_only) {
    if (rank == 0) PetscCall(work_unit_pipeline_plan_summary(pipeline, plan, &layout, stdout));
    if (finished) *finished = PETSC_FALSE;
    PetscCall(work_unit_pipeline_destroy(&pipeline));
    PetscCall(plan_destroy(&plan));
    PetscFunctionReturn(0);
  }

  if (stop_given) {
    PetscCall(PetscStrncpy(settings.stop_files[0], stop_file, sizeof settings.stop_files[0]));
  } else {
    char copy[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(settings.stop_files[0], "STOP", sizeof settings.stop_files[0]));
    PetscCall(PetscStrncpy(copy, path, sizeof copy));
    PetscCall(PetscSNPrintf(settings.stop_files[1], sizeof settings.stop_files[1], "%s/STOP", dirname(copy)));
    if (!strcmp(settings.stop_files[1], "./STOP")) settings.stop_files[1][0] = 0;
  }
  {
    /* The folder must take the database, its journal and the FFTW wisdom: say so plainly. */
    char copy[PETSC_MAX_PATH_LEN], folder[PETSC_MAX_PATH_LEN];
    int  problem = 0;
    PetscCall(PetscStrncpy(copy, path, sizeof copy));
    PetscCall(PetscStrncpy(folder, dirname(copy), sizeof folder));
    if (rank == 0 && access(folder, W_OK | X_OK) != 0) problem = errno ? errno : EACCES;
    PetscCallMPI(MPI_Bcast(&problem, 1, MPI_INT, 0, comm));
    PetscCheck(!problem, comm, PETSC_ERR_FILE_OPEN, "Option %s: cannot write the database '%s' in folder '%s': %s", output_option, path, folder, strerror(problem));
  }
  UnitWork       work;
  PetscErrorCode ierr = check_campaign_outputs(comm, output_option, path);
  if (!ierr) ierr = campaign_check_database_path(comm, path, plan, fresh);
  if (ierr) { /* refused before any work: free what we hold, then report */
    PetscCall(work_unit_pipeline_destroy(&pipeline));
    PetscCall(plan_destroy(&plan));
    PetscCall(ierr);
  }
  PetscCall(work_unit_pipeline_check_resources(pipeline, comm, plan, &layout, save_exit_waves, check_free_space, path));
  PetscCall(work_unit_pipeline_prepare(pipeline, comm, path));
  work_unit_pipeline_work(pipeline, save_atoms, save_exit_waves, &work);
  if (save_atoms) PetscCall(work_unit_pipeline_count_atoms(pipeline, comm, plan, &layout.atom_offsets));
  layout.exit_wave_count = 0;
  if (save_exit_waves) PetscCall(work_unit_pipeline_exit_wave_layout(pipeline, &layout));
  ierr = campaign_run(comm, path, fresh, plan, &layout, &work, &settings, &summary);
  if (ierr) { /* e.g. a journal of another run, a changed plan: free what we hold, then report */
    PetscCall(PetscFree(layout.atom_offsets));
    PetscCall(work_unit_pipeline_destroy(&pipeline));
    PetscCall(plan_destroy(&plan));
    PetscCall(ierr);
  }
  PetscCall(PetscFree(layout.atom_offsets));
  PetscCall(report(comm, plan, &layout, &summary, path));
  if (summary.stopped) command_set_exit_status(COMMAND_EXIT_RESUMABLE);
  if (finished) *finished = summary.n_done_before + summary.n_done_now == plan->n_structures ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(work_unit_pipeline_destroy(&pipeline));
  PetscCall(plan_destroy(&plan));
  PetscFunctionReturn(0);
}

PetscErrorCode command_campaign(MPI_Comm comm)
{
  PetscFunctionBeginUser;
  PetscCall(campaign_command(comm, "-o", PETSC_TRUE, NULL, NULL));
  PetscFunctionReturn(0);
}
