/* command_campaign.c — `nanoforge campaign`: simulate a sampled plan of N structures ×
 * M imaging conditions into one database, on any number of MPI ranks, resumably. */
#include <libgen.h>
#include <string.h>
#include "campaign/campaign.h"
#include "campaign/work_unit.h"
#include "app/commands.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/parallel.h"

/* Options that change how a campaign runs but not what it computes, and PETSc's own:
 * none of them enters the plan, so changing them never blocks a resume. */
static const char *const not_plan_options[] = {"o",
                                               "db",
                                               "fresh",
                                               "verify",
                                               "plan_only",
                                               "sim_ranks",
                                               "prefetch",
                                               "progress_interval",
                                               "sync_writes",
                                               "stop_file",
                                               "memory_limit",
                                               "check_free_space",
                                               "seed",
                                               "structures",
                                               "conditions",
                                               "fftw_wisdom",
                                               "options_file",
                                               "allow_unused_options",
                                               "help",
                                               "h",
                                               "log*",
                                               "malloc*",
                                               "options_*",
                                               "info*",
                                               "on_error*",
                                               "history",
                                               "fp_trap",
                                               "no_signal_handler",
                                               "skip_petscrc",
                                               "check_pointer_intensity",
                                               "memory_view",
                                               "objects_dump",
                                               "start_in_debugger",
                                               "debugger_ranks",
                                               "mpi_*",
                                               NULL};

/* The closing lines, printed by rank 0. The compute and write seconds are summed over all ranks
 * (one reduction: each rank timed only its own units) so the line says where the time went. */
static PetscErrorCode report(MPI_Comm comm, const Plan *plan, const DatabaseLayout *layout,
                             const CampaignSummary *summary, const char *path)
{
  int       size;
  PetscBool root;
  double    local[2] = {summary->compute_seconds, summary->write_seconds}, total[2];
  PetscFunctionBeginUser;
  PetscCall(parallel_is_root(comm, &root));
  PetscCall(parallel_size(comm, &size));
  PetscCall(parallel_sum_double(comm, local, total, 2));
  if (!root) PetscFunctionReturn(0);
  const double images = (double)summary->n_done_now * (double)plan->n_conditions;
  const double rate   = summary->seconds > 0 ? images / summary->seconds : 0;
  const double bytes  = images * (double)layout->ny * (double)layout->nx * 5.0; /* float image + uint8 mask */
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "campaign: this run finished %" PetscInt_FMT
                        " units (%.0f images) in %.2f s on %d rank%s: %.3g images/s, %.3g images/s per rank\n",
                        summary->n_done_now, images, summary->seconds, size, size > 1 ? "s" : "", rate, rate / size));
  if (summary->n_done_now > 0)
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "campaign: time over all ranks: computing %.2f s, writing %.2f s (%.3g MB at %.3g MB/s per writer, fsync included)\n",
      total[0], total[1], bytes / 1e6, total[1] > 0 ? bytes / 1e6 / total[1] : 0));
  PetscInt complete = summary->n_done_before + summary->n_done_now;
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "campaign: %" PetscInt_FMT " of %" PetscInt_FMT
                        " units complete; database %s, journal %s.journal\n",
                        complete, plan->n_structures, path, path));
  if (summary->stopped)
    PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "campaign: stopped on request (SIGUSR1 or a STOP file) with %" PetscInt_FMT
                  " units to do; remove any STOP file and rerun the same command to continue (exit status %d)\n",
                  plan->n_structures - complete, COMMAND_EXIT_RESUMABLE));
  PetscFunctionReturn(0);
}

/* Before any work: the database and its journal must not be the options file, the FFTW
 * wisdom or the -cif, nor a folder, and their folder must be writable (output_file_check owns
 * that check, with the option's name and errno's words; rank 0 checks, every rank raises). */
static PetscErrorCode check_campaign_outputs(MPI_Comm comm, const char *output_option, const char *path)
{
  char options_file[PETSC_MAX_PATH_LEN], journal[PETSC_MAX_PATH_LEN], wisdom[PETSC_MAX_PATH_LEN] = "",
                                                                      cif[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  PetscCall(journal_path(path, journal));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-fftw_wisdom", wisdom, sizeof wisdom, NULL));
  const OutputFileOutput outputs[] = {{output_option, path, &output_file_kind_any},
                                      {"-o (its journal)", journal, &output_file_kind_any}};
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cif", cif, sizeof cif, NULL));
  const OutputFileInput inputs[] = {{"-options_file", options_file}, {"-fftw_wisdom", wisdom}, {"-cif", cif}};
  PetscCall(output_file_check_all(comm, 2, outputs, 3, inputs));
  PetscFunctionReturn(0);
}

/* What the user asked for: the options of `campaign` (or of the campaign half of `run`). */
typedef struct {
  char              path[PETSC_MAX_PATH_LEN];      /* the database */
  char              stop_file[PETSC_MAX_PATH_LEN]; /* -stop_file, when given */
  PetscBool         stop_file_given;
  PetscInt64        n_structures, n_conditions, seed;
  PetscBool         check_free_space, fresh, verify, plan_only, save_atoms, save_exit_waves;
  CampaignSettings  settings;
  WorkUnitPipeline *pipeline; /* owns the structure and imaging options */
} CampaignRequest;

static PetscErrorCode read_options(MPI_Comm comm, const char *output_option, CampaignRequest *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCall(PetscStrncpy(r->path, "database.h5", sizeof r->path));
  r->n_structures = 10, r->n_conditions = 1, r->seed = 1, r->check_free_space = PETSC_TRUE;
  campaign_settings_defaults(&r->settings);
  PetscOptionsBegin(comm, NULL, "nanoforge campaign: N structures x M imaging conditions into one database", NULL);
  PetscCall(PetscOptionsString(output_option, "Database file to write (HDF5, EMD v0.2); its journal is <file>.journal",
                               NULL, r->path, r->path, sizeof r->path, NULL));
  PetscCall(options_integer64(PetscOptionsObject, "-structures", "Number of structures N (work units)", 1,
                              PLAN_MAX_STRUCTURES, &r->n_structures, NULL));
  PetscCall(options_integer64(PetscOptionsObject, "-conditions",
                              "Imaging conditions M per structure (images per unit; exit waves are reused)", 1,
                              PLAN_MAX_CONDITIONS, &r->n_conditions, NULL));
  PetscCall(options_seed(PetscOptionsObject, &r->seed));
  PetscCall(PetscOptionsBool("-fresh", "Start over: discard the journal and database of an earlier run", NULL, r->fresh,
                             &r->fresh, NULL));
  PetscCall(PetscOptionsBool("-save_atoms", "Also store every structure's atoms (ragged, /data/atoms with offsets)",
                             NULL, r->save_atoms, &r->save_atoms, NULL));
  PetscCall(PetscOptionsBool(
    "-save_exit_waves",
    "Also store every structure's exit waves (/data/exit_waves: one complex grid per phonon configuration; large: 8 bytes per grid pixel)",
    NULL, r->save_exit_waves, &r->save_exit_waves, NULL));
  PetscCall(PetscOptionsBool(
    "-verify",
    "Check every finished unit of the database against the checksums in its journal, name the damaged ones (exit 1 if any), and stop",
    NULL, r->verify, &r->verify, NULL));
  PetscCall(PetscOptionsBool(
    "-check_free_space",
    "Refuse a plan whose database is larger than the free space of its folder (statvfs), before any work; false where statvfs misleads (quotas)",
    NULL, r->check_free_space, &r->check_free_space, NULL));
  PetscCall(PetscOptionsBool("-plan_only", "Print the plan (counts, parameter ranges, estimated cost) and stop", NULL,
                             r->plan_only, &r->plan_only, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-sim_ranks",
                            "Ranks per simulation (a worker group); must divide the rank count", 1, 1048576,
                            &r->settings.sim_ranks, NULL));
  PetscCall(options_integer(PetscOptionsObject, "-prefetch",
                            "Units queued per worker group so it never waits for the master", 1, 65536,
                            &r->settings.prefetch, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "Seconds between progress lines [s]", NULL,
                             r->settings.progress_interval, &r->settings.progress_interval, NULL));
  PetscCall(PetscOptionsBool("-sync_writes",
                             "fsync each unit's data before journaling it (durable against node crashes)", NULL,
                             r->settings.sync_writes, &r->settings.sync_writes, NULL));
  PetscCall(PetscOptionsString(
    "-stop_file",
    "A file whose appearance stops the campaign cleanly (default: STOP in the current folder and beside the database)",
    NULL, r->stop_file, r->stop_file, sizeof r->stop_file, &r->stop_file_given));
  PetscCall(work_unit_pipeline_create(r->seed, (PetscInt)r->n_conditions, &r->pipeline));
  PetscCall(work_unit_pipeline_options_read(PetscOptionsObject, r->pipeline));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Checked again by campaign_run; here so that a bad value writes no database or journal. */
static PetscErrorCode check_settings(MPI_Comm comm, const CampaignSettings *settings)
{
  int size;
  PetscFunctionBeginUser;
  PetscCheck(settings->progress_interval > 0, comm, PETSC_ERR_USER_INPUT,
             "Option -progress_interval: %g is not allowed; give a positive number of seconds",
             (double)settings->progress_interval);
  PetscCall(parallel_size(comm, &size));
  PetscCheck(settings->sim_ranks >= 1 && size % settings->sim_ranks == 0, comm, PETSC_ERR_USER_INPUT,
             "Option -sim_ranks: %" PetscInt_FMT
             " does not divide the %d ranks of this run; allowed: a divisor of the rank count",
             settings->sim_ranks, size);
  PetscFunctionReturn(0);
}

/* -stop_file, or by default STOP in the current folder and STOP beside the database. */
static PetscErrorCode choose_stop_files(CampaignRequest *r)
{
  char copy[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  if (r->stop_file_given) {
    PetscCall(PetscStrncpy(r->settings.stop_files[0], r->stop_file, sizeof r->settings.stop_files[0]));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrncpy(r->settings.stop_files[0], "STOP", sizeof r->settings.stop_files[0]));
  PetscCall(PetscStrncpy(copy, r->path, sizeof copy));
  PetscCall(PetscSNPrintf(r->settings.stop_files[1], sizeof r->settings.stop_files[1], "%s/STOP", dirname(copy)));
  if (!strcmp(r->settings.stop_files[1], "./STOP")) r->settings.stop_files[1][0] = 0;
  PetscFunctionReturn(0);
}

/* The outputs and any existing database are checked before the pipeline takes resources;
 * then the campaign runs. On an error the caller frees the plan and pipeline. */
static PetscErrorCode check_and_run(MPI_Comm comm, const char *output_option, CampaignRequest *r, const Plan *plan,
                                    DatabaseLayout *layout, CampaignSummary *summary)
{
  UnitWork work;
  PetscFunctionBeginUser;
  PetscCall(check_campaign_outputs(comm, output_option, r->path));
  PetscCall(campaign_check_database_path(comm, r->path, plan, r->fresh));
  PetscCall(work_unit_pipeline_check_resources(r->pipeline, comm, plan, layout, r->save_exit_waves, r->check_free_space,
                                               r->path));
  PetscCall(work_unit_pipeline_prepare(r->pipeline, comm, r->path));
  work_unit_pipeline_work(r->pipeline, r->save_atoms, r->save_exit_waves, &work);
  if (r->save_atoms) PetscCall(work_unit_pipeline_count_atoms(r->pipeline, comm, plan, &layout->atom_offsets));
  layout->exit_wave_count = 0;
  if (r->save_exit_waves) PetscCall(work_unit_pipeline_exit_wave_layout(r->pipeline, layout));
  PetscCall(campaign_run(comm, r->path, r->fresh, plan, layout, &work, &r->settings, summary));
  PetscFunctionReturn(0);
}

/* The plan from the options, then -plan_only's summary or the campaign itself and its report. */
static PetscErrorCode plan_and_run(MPI_Comm comm, const char *output_option, CampaignRequest *r, PetscBool *finished)
{
  Plan           *plan;
  DatabaseLayout  layout = {0};
  CampaignSummary summary;
  char           *plan_options;
  PetscBool       root;
  PetscFunctionBeginUser;
  PetscCall(plan_options_collect(not_plan_options, &plan_options));
  PetscCall(plan_create(r->seed, r->n_structures, r->n_conditions, plan_options, &plan));
  PetscCall(PetscFree(plan_options));
  PetscCall(work_unit_pipeline_layout(r->pipeline, plan, &layout));
  if (r->plan_only) {
    PetscCall(parallel_is_root(comm, &root));
    if (root) PetscCall(work_unit_pipeline_plan_summary(r->pipeline, plan, &layout, stdout));
    PetscCall(plan_destroy(&plan));
    PetscFunctionReturn(0);
  }
  PetscCall(choose_stop_files(r));
  PetscErrorCode ierr = check_and_run(comm, output_option, r, plan, &layout, &summary);
  PetscCall(PetscFree(layout.atom_offsets));
  if (ierr) { /* refused, or e.g. a journal of another run: free what we hold, then report */
    PetscCall(plan_destroy(&plan));
    PetscCall(ierr);
  }
  PetscCall(report(comm, plan, &layout, &summary, r->path));
  if (summary.stopped) command_set_exit_status(COMMAND_EXIT_RESUMABLE);
  *finished = summary.n_done_before + summary.n_done_now == plan->n_structures ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(plan_destroy(&plan));
  PetscFunctionReturn(0);
}

/* The command's steps: options, the early refusals, then -verify or the plan and its run. */
static PetscErrorCode campaign_steps(MPI_Comm comm, const char *output_option, PetscBool check_unused,
                                     CampaignRequest *r, PetscBool *finished)
{
  PetscBool help;
  PetscFunctionBeginUser;
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  if (check_unused) PetscCall(options_check_unused(comm));
  if (r->verify && !strcmp(output_option, "-o")) { /* in `run`, -verify is train's (checked before training) */
    PetscCall(campaign_verify(comm, r->path));
    PetscFunctionReturn(0);
  }
  PetscCall(check_settings(comm, &r->settings));
  PetscCall(plan_and_run(comm, output_option, r, finished));
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_command(MPI_Comm comm, const char *output_option, PetscBool check_unused, PetscBool *finished,
                                char *database_path)
{
  CampaignRequest *r;
  PetscBool        done = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&r)); /* five path buffers (about 20 kB) kept off the stack */
  PetscErrorCode ierr = read_options(comm, output_option, r);
  if (!ierr && database_path) ierr = PetscStrncpy(database_path, r->path, PETSC_MAX_PATH_LEN);
  if (!ierr) ierr = campaign_steps(comm, output_option, check_unused, r, &done);
  PetscCall(work_unit_pipeline_destroy(&r->pipeline));
  PetscCall(PetscFree(r));
  PetscCall(ierr);
  if (finished) *finished = done;
  PetscFunctionReturn(0);
}

PetscErrorCode command_campaign(MPI_Comm comm)
{
  PetscFunctionBeginUser;
  PetscCall(campaign_command(comm, "-o", PETSC_TRUE, NULL, NULL));
  PetscFunctionReturn(0);
}
