/* test_campaign_scheduler.c — the scheduler, journal and database together, with a
 * synthetic work function (a TEST DOUBLE: deterministic pseudo-random pixels keyed by
 * (seed, unit), never used by the program itself), so scheduling, resume and stops are
 * tested independently of the physics.
 *
 * Without arguments: serial cases (run by tests/run_tests.sh).
 * With -tool: a small campaign under mpirun, for tests/integration/test_campaign_scheduler.sh:
 *   mpirun -n 3 test_campaign_scheduler -tool -o DIR/db.h5 -structures 12 -conditions 3
 *          [-size 16] [-sim_ranks 1] [-unit_seconds 0.05] [-fresh] [-stop_file F] [-prefetch 2]
 *   exit status 3 when stopped with units left (as the campaign command). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "campaign/campaign.h"
#include "core/rng.h"
#include "unit.h"

typedef struct {
  PetscInt64 seed;
  PetscInt   n_conditions, size;
  double     unit_seconds;
} Synthetic;

static float synthetic_pixel(const Synthetic *s, PetscInt unit, PetscInt condition, PetscInt index)
{
  RngStream stream;
  rng_stream_init(&stream, (uint64_t)s->seed, (uint64_t)(unit * s->n_conditions + condition), RNG_PURPOSE_TEST);
  float value = 0;
  for (PetscInt i = 0; i <= index % 7; i++) value = (float)rng_uniform(&stream);
  return value + (float)index * 1e-3f;
}

static PetscErrorCode synthetic_compute(void *context, MPI_Comm group, PetscInt unit, float *images, uint8_t *masks,
                                        double *structure_values, double *image_values)
{
  Synthetic *s = context;
  int        group_rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(group, &group_rank));
  /* Exercise the group communicator as a distributed simulation would. */
  int64_t check = unit, sum = 0;
  PetscCallMPI(MPI_Allreduce(&check, &sum, 1, MPI_INT64_T, MPI_SUM, group));
  if (s->unit_seconds > 0) usleep((useconds_t)(s->unit_seconds * 1e6));
  if (group_rank != 0) PetscFunctionReturn(0);
  const PetscInt n = s->size * s->size;
  for (PetscInt c = 0; c < s->n_conditions; c++)
    for (PetscInt p = 0; p < n; p++) {
      images[c * n + p] = synthetic_pixel(s, unit, c, p);
      masks[c * n + p]  = images[c * n + p] > 0.5f;
    }
  structure_values[0] = 0.5 * (double)unit;
  for (PetscInt c = 0; c < s->n_conditions; c++) image_values[c] = 100.0 * (double)unit + (double)c;
  PetscFunctionReturn(0);
}

static void make_layout(const Plan *plan, PetscInt size, DatabaseLayout *layout)
{
  memset(layout, 0, sizeof *layout);
  layout->n_structures = plan->n_structures;
  layout->n_conditions = plan->n_conditions;
  layout->ny = layout->nx     = size;
  layout->pixel_size          = 0.5;
  layout->n_structure_columns = 1;
  strcpy(layout->structure_columns[0], "half_unit");
  layout->n_image_columns = 1;
  strcpy(layout->image_columns[0], "hundred_unit_plus_condition");
}

static PetscErrorCode run_synthetic(MPI_Comm comm, const char *path, PetscBool fresh, PetscInt64 seed, PetscInt n,
                                    PetscInt m, PetscInt size, double unit_seconds, const CampaignSettings *settings,
                                    CampaignSummary *summary)
{
  Plan          *plan;
  DatabaseLayout layout;
  Synthetic      synthetic = {seed, m, size, unit_seconds};
  UnitWork       work      = {&synthetic, synthetic_compute, NULL, NULL};
  PetscFunctionBeginUser;
  PetscCall(plan_create(seed, n, m, "-synthetic_test 1\n", &plan));
  make_layout(plan, size, &layout);
  PetscCall(campaign_run(comm, path, fresh, plan, &layout, &work, settings, summary));
  PetscCall(plan_destroy(&plan));
  PetscFunctionReturn(0);
}

/* ---- serial cases --------------------------------------------------------------- */
static char folder[256], database[300];

static void test_serial_campaign_writes_every_row(void)
{
  CampaignSettings settings;
  CampaignSummary  summary;
  campaign_settings_defaults(&settings);
  settings.quiet = PETSC_TRUE;
  UNIT_CALL(run_synthetic(PETSC_COMM_SELF, database, PETSC_TRUE, 11, 5, 2, 8, 0, &settings, &summary));
  UNIT_CHECK(summary.n_done_now == 5 && summary.n_done_before == 0 && !summary.stopped, "done %d before %d",
             (int)summary.n_done_now, (int)summary.n_done_before);
  Synthetic s = {11, 2, 8, 0};
  float     image[64];
  uint8_t   mask[64];
  for (PetscInt row = 0; row < 10; row++) {
    UNIT_CALL(database_read_image(database, row, 8, 8, image, mask));
    for (PetscInt p = 0; p < 64; p++) {
      float expected = synthetic_pixel(&s, row / 2, row % 2, p);
      UNIT_CHECK(image[p] == expected && mask[p] == (expected > 0.5f), "row %d pixel %d: %g, expected %g", (int)row,
                 (int)p, (double)image[p], (double)expected);
    }
  }
}

static void test_serial_rerun_of_finished_campaign_changes_nothing(void)
{
  CampaignSettings settings;
  CampaignSummary  summary;
  struct stat      before, after;
  campaign_settings_defaults(&settings);
  settings.quiet = PETSC_TRUE;
  stat(database, &before);
  sleep(1);
  UNIT_CALL(run_synthetic(PETSC_COMM_SELF, database, PETSC_FALSE, 11, 5, 2, 8, 0, &settings, &summary));
  stat(database, &after);
  UNIT_CHECK(summary.n_done_before == 5 && summary.n_done_now == 0, "rerun did work: before %d now %d",
             (int)summary.n_done_before, (int)summary.n_done_now);
  UNIT_CHECK(before.st_mtime == after.st_mtime, "the finished database was modified");
}

static void test_serial_changed_plan_refused(void)
{
  CampaignSettings settings;
  CampaignSummary  summary;
  campaign_settings_defaults(&settings);
  settings.quiet = PETSC_TRUE;
  UNIT_CALL_FAILS(run_synthetic(PETSC_COMM_SELF, database, PETSC_FALSE, 12, 5, 2, 8, 0, &settings, &summary));
}

static void test_serial_stop_before_start_and_resume(void)
{
  CampaignSettings settings;
  CampaignSummary  summary;
  char             stop[320];
  campaign_settings_defaults(&settings);
  settings.quiet = PETSC_TRUE;
  snprintf(stop, sizeof stop, "%s/STOP", folder);
  PetscStrncpy(settings.stop_files[0], stop, sizeof settings.stop_files[0]);
  FILE *f = fopen(stop, "w");
  fclose(f);
  UNIT_CALL(run_synthetic(PETSC_COMM_SELF, database, PETSC_TRUE, 13, 4, 1, 4, 0, &settings, &summary));
  UNIT_CHECK(summary.stopped && summary.n_done_now == 0,
             "a STOP file present at the start must stop before any unit (stopped %d, done %d)", (int)summary.stopped,
             (int)summary.n_done_now);
  unlink(stop);
  UNIT_CALL(run_synthetic(PETSC_COMM_SELF, database, PETSC_FALSE, 13, 4, 1, 4, 0, &settings, &summary));
  UNIT_CHECK(!summary.stopped && summary.n_done_now == 4, "resume after STOP removed: done %d",
             (int)summary.n_done_now);
}

static void test_serial_unwritable_folder(void)
{
  CampaignSettings settings;
  CampaignSummary  summary;
  campaign_settings_defaults(&settings);
  settings.quiet = PETSC_TRUE;
  UNIT_CALL_FAILS(
    run_synthetic(PETSC_COMM_SELF, "/proc/nanoforge-no-such/db.h5", PETSC_TRUE, 1, 2, 1, 4, 0, &settings, &summary));
}

/* ---- tool mode under mpirun ---------------------------------------------------- */
static int tool(void)
{
  char             path[PETSC_MAX_PATH_LEN] = "";
  PetscInt         n = 8, m = 2, size = 16;
  PetscInt64       seed         = 1;
  PetscReal        unit_seconds = 0;
  PetscBool        fresh        = PETSC_FALSE, set;
  CampaignSettings settings;
  CampaignSummary  summary;
  campaign_settings_defaults(&settings);
  settings.progress_interval = 1e9;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", path, sizeof path, &set));
  PetscCheck(set, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-tool needs -o");
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-structures", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-conditions", &m, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-size", &size, NULL));
  PetscInt seed_option = 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-seed", &seed_option, NULL));
  seed = seed_option;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sim_ranks", &settings.sim_ranks, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-prefetch", &settings.prefetch, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-unit_seconds", &unit_seconds, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-fresh", &fresh, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-sync_writes", &settings.sync_writes, NULL));
  PetscCall(
    PetscOptionsGetString(NULL, NULL, "-stop_file", settings.stop_files[0], sizeof settings.stop_files[0], NULL));
  PetscCall(run_synthetic(PETSC_COMM_WORLD, path, fresh, seed, n, m, size, unit_seconds, &settings, &summary));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "tool: done_before %" PetscInt_FMT " done_now %" PetscInt_FMT " stopped %d\n",
                        summary.n_done_before, summary.n_done_now, (int)summary.stopped));
  /* For tests/bench/bench_campaign.sh: bytes written and the time spent writing them. */
  double write_seconds = 0, local = summary.write_seconds;
  PetscCallMPI(MPI_Reduce(&local, &write_seconds, 1, MPI_DOUBLE, MPI_MAX, 0, PETSC_COMM_WORLD));
  double bytes = (double)summary.n_done_now * (double)m * (double)size * (double)size * 5.0;
  PetscCall(
    PetscPrintf(PETSC_COMM_WORLD,
                "tool: wrote %.0f bytes of images and masks, slowest writer %.4f s in writes, campaign loop %.4f s\n",
                bytes, write_seconds, summary.seconds));
  return summary.stopped ? 3 : 0;
}

int main(int argc, char **argv)
{
  PetscBool is_tool = PETSC_FALSE;
  UNIT_BEGIN(argc, argv);
  PetscOptionsHasName(NULL, NULL, "-tool", &is_tool);
  if (is_tool) {
    int status = tool();
    PetscFinalize();
    return status;
  }
  snprintf(folder, sizeof folder, "%s/nanoforge-sched-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(folder)) return 1;
  snprintf(database, sizeof database, "%s/db.h5", folder);
  UNIT_RUN(test_serial_campaign_writes_every_row);
  UNIT_RUN(test_serial_rerun_of_finished_campaign_changes_nothing);
  UNIT_RUN(test_serial_changed_plan_refused);
  UNIT_RUN(test_serial_stop_before_start_and_resume);
  UNIT_RUN(test_serial_unwritable_folder);
  char command[400];
  snprintf(command, sizeof command, "rm -rf '%s'", folder);
  if (system(command)) printf("could not remove %s\n", folder);
  return UNIT_END();
}
