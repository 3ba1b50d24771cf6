/* campaign.c — master/worker self-scheduling of work units. This file uses MPI: the scheduler's
 * point-to-point protocol below, the split into worker groups and the broadcasts inside a group
 * are its own, not shared helpers (those are in parallel.c).
 *
 * Messages (all between world rank 0 and the leaders of groups 1..G-1):
 *   TAG_WORK  master → leader : int64 unit id, -1 = no more work, -2 = stop: drop queued units
 *   TAG_DONE  leader → master : int64 {unit id, stop requested on that rank, 1 = skipped (not computed),
 *                                      data checksum of the unit's images and masks (for the journal)}
 * On a stop request only the units being computed are finished: units queued on a leader
 * (prefetch) are handed back unstarted, so a stop takes at most one unit's time.
 * Inside a group, the leader broadcasts each unit id (or -1) to its members.
 * A leader's TAG_DONE is sent only after its unit's data was written (and fsync'ed when
 * sync_writes), so the master's journal line always follows durable data. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "campaign/campaign.h"
#include "campaign/stop_signal.h"
#include "core/error_check.h"
#include "core/timing.h"

#define TAG_WORK 7101
#define TAG_DONE 7102

void campaign_settings_defaults(CampaignSettings *settings)
{
  memset(settings, 0, sizeof *settings);
  settings->sim_ranks         = 1;
  settings->prefetch          = 2;
  settings->progress_interval = 5.0;
  settings->sync_writes       = PETSC_TRUE;
}

/* Buffers of one unit on a group leader. */
typedef struct {
  float     *images;
  uint8_t   *masks;
  double    *structure_values;
  double    *image_values;
  PetscInt64 atom_capacity; /* largest structure, when atoms are stored (else 0) */
  float     *atom_positions;
  uint8_t   *atom_numbers, *atom_classes;
  float     *exit_waves; /* [K][grid ny][grid nx][2] when exit waves are stored (else NULL) */
} UnitBuffers;

static PetscErrorCode buffers_create(const DatabaseLayout *layout, UnitBuffers *b)
{
  const size_t pixels = (size_t)layout->n_conditions * (size_t)layout->ny * (size_t)layout->nx;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(pixels, &b->images));
  PetscCall(PetscCalloc1(pixels, &b->masks));
  PetscCall(PetscCalloc1(layout->n_structure_columns + 1, &b->structure_values));
  PetscCall(PetscCalloc1((size_t)layout->n_conditions * (size_t)(layout->n_image_columns + 1), &b->image_values));
  b->atom_capacity = 0;
  if (layout->atom_offsets)
    for (PetscInt s = 0; s < layout->n_structures; s++)
      b->atom_capacity = PetscMax(b->atom_capacity, layout->atom_offsets[s + 1] - layout->atom_offsets[s]);
  PetscCall(PetscCalloc1(3 * b->atom_capacity + 1, &b->atom_positions));
  PetscCall(PetscCalloc1(b->atom_capacity + 1, &b->atom_numbers));
  PetscCall(PetscCalloc1(b->atom_capacity + 1, &b->atom_classes));
  b->exit_waves = NULL;
  if (layout->exit_wave_count > 0)
    PetscCall(
      PetscCalloc1((size_t)layout->exit_wave_count * layout->exit_wave_ny * layout->exit_wave_nx * 2, &b->exit_waves));
  PetscFunctionReturn(0);
}

static PetscErrorCode buffers_destroy(UnitBuffers *b)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(b->images));
  PetscCall(PetscFree(b->masks));
  PetscCall(PetscFree(b->structure_values));
  PetscCall(PetscFree(b->image_values));
  PetscCall(PetscFree(b->atom_positions));
  PetscCall(PetscFree(b->atom_numbers));
  PetscCall(PetscFree(b->atom_classes));
  PetscCall(PetscFree(b->exit_waves));
  PetscFunctionReturn(0);
}

/* Compute one unit on the group (collective over `group`) and, on the leader, write it. */
static PetscErrorCode do_unit(MPI_Comm group, int group_rank, PetscInt unit, Database *database, const UnitWork *work,
                              const CampaignSettings *settings, UnitBuffers *b, CampaignSummary *summary,
                              uint64_t *checksum)
{
  PetscFunctionBeginUser;
  double start = MPI_Wtime();
  PetscCall(work->compute(work->context, group, unit, b->images, b->masks, b->structure_values, b->image_values));
  double computed = MPI_Wtime();
  summary->compute_seconds += computed - start;
  if (group_rank == 0) {
    DatabaseUnit rows = {unit, b->images,         b->masks,        b->structure_values, b->image_values,
                         0,    b->atom_positions, b->atom_numbers, b->atom_classes,     b->exit_waves};
    if (database->layout.atom_offsets) {
      PetscCheck(work->atoms, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "The database stores atoms but the work function gives none");
      PetscCall(work->atoms(work->context, unit, b->atom_capacity, &rows.n_atoms, b->atom_positions, b->atom_numbers,
                            b->atom_classes));
    }
    if (database->layout.exit_wave_count > 0) {
      const DatabaseLayout *l = &database->layout;
      PetscCheck(work->exit_waves, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "The database stores exit waves but the work function gives none");
      PetscCall(
        work->exit_waves(work->context, unit, l->exit_wave_count, l->exit_wave_ny, l->exit_wave_nx, b->exit_waves));
    }
    PetscCall(database_write_unit(database, &rows, settings->sync_writes));
    /* The journal keeps this, so -verify and a resume can find the unit damaged later. */
    *checksum = database_unit_checksum(b->images, b->masks,
                                       (size_t)database->layout.n_conditions * (size_t)database->layout.ny *
                                         (size_t)database->layout.nx);
    summary->write_seconds += MPI_Wtime() - computed;
    summary->units_computed++;
  }
  PetscFunctionReturn(0);
}

static PetscBool file_exists(const char *path)
{
  struct stat info;
  return path[0] && stat(path, &info) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static void format_duration(double seconds, char *text, size_t size)
{
  if (!(seconds >= 0) || seconds > 1e8) {
    snprintf(text, size, "unknown");
    return;
  }
  long s = (long)(seconds + 0.5);
  snprintf(text, size, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

static void print_progress(const Plan *plan, PetscInt done, PetscInt done_before, double elapsed)
{
  PetscInt now    = done - done_before;
  double   rate   = elapsed > 0 ? (double)(now * plan->n_conditions) / elapsed : 0;
  double   remain = now > 0 ? elapsed / (double)now * (double)(plan->n_structures - done) : -1;
  char     eta[32];
  format_duration(remain, eta, sizeof eta);
  printf("campaign: %" PetscInt_FMT "/%" PetscInt_FMT " units (%" PetscInt_FMT "/%" PetscInt_FMT
         " images) done, %.2f images/s, ETA %s\n",
         done, plan->n_structures, done * plan->n_conditions, plan->n_images, rate, eta);
  fflush(stdout);
}

/* The master's view of the run: which units each other leader holds, and whether to stop. */
typedef struct {
  int        size;           /* ranks of comm */
  int        group_size;     /* ranks per worker group (-sim_ranks): leaders are its multiples */
  PetscInt   next;           /* next unit id to consider */
  PetscInt   done_before;    /* units the journal listed when this run began */
  PetscInt  *outstanding;    /* [size]: units handed to the group led by this rank, not yet done */
  PetscBool *told_to_finish; /* [size] */
  PetscBool  stop, cancel_sent;
  double     start, last_progress, last_stop_check; /* MPI_Wtime */
} Master;

/* Skip units the journal already lists. */
static void master_next_undone(Master *m, const Plan *plan, const Journal *journal)
{
  while (m->next < plan->n_structures && journal->done[m->next]) m->next++;
}

static PetscErrorCode master_send(MPI_Comm comm, int leader, int64_t message)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Send(&message, 1, MPI_INT64_T, leader, TAG_WORK, comm));
  PetscFunctionReturn(0);
}

/* Hand each other leader its first `prefetch` units, or tell it to finish when none are left. */
static PetscErrorCode master_hand_first_units(MPI_Comm comm, const Plan *plan, const Journal *journal,
                                              const CampaignSettings *settings, Master *m)
{
  PetscFunctionBeginUser;
  for (int leader = m->group_size; leader < m->size; leader += m->group_size) {
    for (PetscInt k = 0; k < settings->prefetch; k++) {
      master_next_undone(m, plan, journal);
      if (m->stop || m->next >= plan->n_structures) break;
      PetscCall(master_send(comm, leader, m->next++));
      m->outstanding[leader]++;
    }
    if (m->outstanding[leader] == 0) {
      PetscCall(master_send(comm, leader, -1));
      m->told_to_finish[leader] = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* Journal every finished unit reported so far and give its leader the next unit (or the end). */
static PetscErrorCode master_collect_reports(MPI_Comm comm, const Plan *plan, Journal *journal, Master *m)
{
  PetscFunctionBeginUser;
  for (;;) {
    int        arrived;
    MPI_Status status;
    int64_t    report[4];
    PetscCallMPI(MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, comm, &arrived, &status));
    if (!arrived) break;
    const int leader = status.MPI_SOURCE;
    PetscCallMPI(MPI_Recv(report, 4, MPI_INT64_T, leader, TAG_DONE, comm, MPI_STATUS_IGNORE));
    if (!report[2]) PetscCall(journal_append(journal, (PetscInt)report[0], (uint64_t)report[3]));
    m->outstanding[leader]--;
    if (report[1]) m->stop = PETSC_TRUE;
    master_next_undone(m, plan, journal);
    if (!m->stop && m->next < plan->n_structures) {
      PetscCall(master_send(comm, leader, m->next++));
      m->outstanding[leader]++;
    } else if (m->outstanding[leader] == 0 && !m->told_to_finish[leader]) {
      PetscCall(master_send(comm, leader, -1));
      m->told_to_finish[leader] = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* A signal, or (every 0.5 s) a STOP file, asks for a stop: units queued on leaders but not
 * started are handed back once (-2); they stay undone. */
static PetscErrorCode master_check_stop(MPI_Comm comm, const CampaignSettings *settings, double now, Master *m)
{
  PetscFunctionBeginUser;
  if (stop_signal_requested()) m->stop = PETSC_TRUE;
  if (!m->stop && now - m->last_stop_check >= 0.5) {
    m->last_stop_check = now;
    if (file_exists(settings->stop_files[0]) || file_exists(settings->stop_files[1])) m->stop = PETSC_TRUE;
  }
  if (m->stop && !m->cancel_sent) {
    for (int leader = m->group_size; leader < m->size; leader += m->group_size)
      if (m->outstanding[leader] > 0 && !m->told_to_finish[leader]) PetscCall(master_send(comm, leader, -2));
    m->cancel_sent = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* The end: every leader not yet told, and the master's own group, learn there is no more work. */
static PetscErrorCode master_finish(MPI_Comm comm, MPI_Comm group, Master *m)
{
  int64_t finish = -1;
  PetscFunctionBeginUser;
  for (int leader = m->group_size; leader < m->size; leader += m->group_size)
    if (!m->told_to_finish[leader]) PetscCall(master_send(comm, leader, -1));
  PetscCallMPI(MPI_Bcast(&finish, 1, MPI_INT64_T, 0, group));
  PetscFunctionReturn(0);
}

/* The master: world rank 0, leader of group 0. Between answering the other leaders it computes
 * units itself, so a run on one group (or one rank) needs no separate scheduler rank. */
static PetscErrorCode run_master(MPI_Comm comm, MPI_Comm group, const Plan *plan, Journal *journal, Database *database,
                                 const UnitWork *work, const CampaignSettings *settings, UnitBuffers *b,
                                 CampaignSummary *summary)
{
  Master m = {0};
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &m.size));
  m.group_size  = (int)settings->sim_ranks;
  m.done_before = journal->n_done;
  m.start = m.last_progress = m.last_stop_check = MPI_Wtime();
  PetscCall(PetscCalloc1(m.size, &m.outstanding));
  PetscCall(PetscCalloc1(m.size, &m.told_to_finish));
  /* Stop requested before anything started (a STOP file left in place): do nothing. */
  if (stop_signal_requested() || file_exists(settings->stop_files[0]) || file_exists(settings->stop_files[1]))
    m.stop = PETSC_TRUE;
  PetscCall(master_hand_first_units(comm, plan, journal, settings, &m));
  for (;;) {
    PetscCall(master_collect_reports(comm, plan, journal, &m));
    double now = MPI_Wtime();
    PetscCall(master_check_stop(comm, settings, now, &m));
    if (!settings->quiet && now - m.last_progress >= settings->progress_interval) {
      print_progress(plan, journal->n_done, m.done_before, now - m.start);
      m.last_progress = now;
    }
    master_next_undone(&m, plan, journal);
    PetscInt in_flight = 0;
    for (int leader = m.group_size; leader < m.size; leader += m.group_size) in_flight += m.outstanding[leader];
    if (!m.stop && m.next < plan->n_structures) {
      /* Nothing to answer right now: the master works on a unit itself. */
      int64_t  unit     = m.next++;
      uint64_t checksum = 0;
      PetscCallMPI(MPI_Bcast(&unit, 1, MPI_INT64_T, 0, group));
      PetscCall(do_unit(group, 0, (PetscInt)unit, database, work, settings, b, summary, &checksum));
      PetscCall(journal_append(journal, (PetscInt)unit, checksum));
    } else if (in_flight > 0) {
      usleep(1000); /* waiting for the last units; poll again */
    } else {
      break;
    }
  }
  PetscCall(master_finish(comm, group, &m));
  summary->n_done_before = m.done_before;
  summary->n_done_now    = journal->n_done - m.done_before;
  summary->stopped       = m.stop && journal->n_done < plan->n_structures;
  if (!settings->quiet) print_progress(plan, journal->n_done, m.done_before, MPI_Wtime() - m.start);
  PetscCall(PetscFree(m.outstanding));
  PetscCall(PetscFree(m.told_to_finish));
  PetscFunctionReturn(0);
}

/* A leader of groups 1..G-1: receive units (up to `prefetch` queued), share each with the
 * group, compute, write, report. A stop (-2 from the master, or SIGUSR1 on this rank) hands
 * queued units back unstarted. */
static PetscErrorCode run_leader(MPI_Comm comm, MPI_Comm group, Database *database, const UnitWork *work,
                                 const CampaignSettings *settings, UnitBuffers *b, CampaignSummary *summary)
{
  int64_t   queue[256];
  int       head = 0, count = 0;
  PetscBool cancelled = PETSC_FALSE;
  PetscFunctionBeginUser;
  for (;;) {
    /* Wait for a message when nothing is queued, then take every message already there. */
    int arrived = count == 0;
    if (!arrived) PetscCallMPI(MPI_Iprobe(0, TAG_WORK, comm, &arrived, MPI_STATUS_IGNORE));
    while (arrived) {
      int64_t message;
      PetscCallMPI(MPI_Recv(&message, 1, MPI_INT64_T, 0, TAG_WORK, comm, MPI_STATUS_IGNORE));
      if (message == -2)
        cancelled = PETSC_TRUE;
      else {
        PetscCheck(count < 256, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Leader queue overflow");
        queue[(head + count++) % 256] = message;
      }
      PetscCallMPI(MPI_Iprobe(0, TAG_WORK, comm, &arrived, MPI_STATUS_IGNORE));
    }
    if (count == 0) continue; /* only a cancel came: wait for work or the end */
    int64_t unit = queue[head];
    head         = (head + 1) % 256;
    count--;
    if (unit < 0) {
      PetscCallMPI(MPI_Bcast(&unit, 1, MPI_INT64_T, 0, group));
      break;
    }
    if (stop_signal_requested()) cancelled = PETSC_TRUE;
    if (cancelled) {
      int64_t report[4] = {unit, 1, 1, 0};
      PetscCallMPI(MPI_Send(report, 4, MPI_INT64_T, 0, TAG_DONE, comm));
      continue;
    }
    PetscCallMPI(MPI_Bcast(&unit, 1, MPI_INT64_T, 0, group));
    uint64_t checksum = 0;
    PetscCall(do_unit(group, 0, (PetscInt)unit, database, work, settings, b, summary, &checksum));
    int64_t report[4] = {unit, stop_signal_requested() ? 1 : 0, 0, (int64_t)checksum};
    PetscCallMPI(MPI_Send(report, 4, MPI_INT64_T, 0, TAG_DONE, comm));
  }
  PetscFunctionReturn(0);
}

/* A non-leader member of a group: follow the leader's unit ids. */
static PetscErrorCode run_member(MPI_Comm group, int group_rank, Database *database, const UnitWork *work,
                                 const CampaignSettings *settings, UnitBuffers *b, CampaignSummary *summary)
{
  PetscFunctionBeginUser;
  for (;;) {
    int64_t unit;
    PetscCallMPI(MPI_Bcast(&unit, 1, MPI_INT64_T, 0, group));
    if (unit < 0) break;
    uint64_t checksum;
    PetscCall(do_unit(group, group_rank, (PetscInt)unit, database, work, settings, b, summary, &checksum));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_execute(MPI_Comm comm, const Plan *plan, Journal *journal, Database *database,
                                const UnitWork *work, const CampaignSettings *settings, CampaignSummary *summary)
{
  int         rank, size, group_rank;
  MPI_Comm    group;
  UnitBuffers buffers = {0};
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(settings->sim_ranks >= 1 && size % settings->sim_ranks == 0, comm, PETSC_ERR_USER_INPUT,
             "Option -sim_ranks: %" PetscInt_FMT
             " does not divide the %d ranks of this run; allowed: a divisor of the rank count",
             settings->sim_ranks, size);
  PetscCheck(settings->prefetch >= 1, comm, PETSC_ERR_USER_INPUT,
             "Option -prefetch: %" PetscInt_FMT " is not allowed; give at least 1", settings->prefetch);
  PetscCheck((rank == 0) == (journal != NULL), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "The journal belongs to rank 0 only");
  memset(summary, 0, sizeof *summary);
  summary->n_units = plan->n_structures;
  PetscCallMPI(MPI_Comm_split(comm, rank / (int)settings->sim_ranks, rank, &group));
  PetscCallMPI(MPI_Comm_rank(group, &group_rank));
  if (group_rank == 0) PetscCall(buffers_create(&database->layout, &buffers));
  PetscCall(stop_signal_install());
  double start = MPI_Wtime();
  if (rank == 0)
    PetscCall(run_master(comm, group, plan, journal, database, work, settings, &buffers, summary));
  else if (group_rank == 0)
    PetscCall(run_leader(comm, group, database, work, settings, &buffers, summary));
  else
    PetscCall(run_member(group, group_rank, database, work, settings, &buffers, summary));
  summary->seconds = MPI_Wtime() - start;
  PetscCall(stop_signal_restore());
  /* Everyone learns the outcome. */
  int64_t outcome[3] = {summary->n_done_before, summary->n_done_now, summary->stopped};
  PetscCallMPI(MPI_Bcast(outcome, 3, MPI_INT64_T, 0, comm));
  summary->n_done_before = (PetscInt)outcome[0];
  summary->n_done_now    = (PetscInt)outcome[1];
  summary->stopped       = outcome[2] ? PETSC_TRUE : PETSC_FALSE;
  if (group_rank == 0) PetscCall(buffers_destroy(&buffers));
  PetscCallMPI(MPI_Comm_free(&group));
  PetscFunctionReturn(0);
}

/* Rank 0, before the journal is touched: an existing -o must be a database that this
 * campaign may write. Without a journal beside it, a file that is not a nanoforge campaign
 * database is never replaced, nor (without -fresh) the database of another plan. With a
 * journal, journal_open checks the plan and database_verify/database_open the file. */
static PetscErrorCode check_existing_database(const char *path, const Plan *plan, PetscBool fresh)
{
  DatabaseFileKind kind;
  char             stored[17], journal[PETSC_MAX_PATH_LEN];
  struct stat      info;
  PetscFunctionBeginUser;
  PetscCall(journal_path(path, journal));
  if (stat(journal, &info) == 0) PetscFunctionReturn(0);
  PetscCall(database_file_kind(path, &kind, stored));
  PetscCheck(
    kind != DATABASE_FILE_FOREIGN, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Option -o: '%s' exists and is not a nanoforge campaign database; refusing to replace it (remove it yourself, or give another -o)",
    path);
  PetscCheck(
    kind != DATABASE_FILE_CAMPAIGN || fresh || !strcmp(stored, plan->hash_hex), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "Option -o: '%s' is the database of another plan (plan %s; this run's plan is %s) and has no journal; refusing to replace it: give another -o, or add -fresh to replace it",
    path, stored, plan->hash_hex);
  PetscFunctionReturn(0);
}

/* Rank 0, on resume: units whose data no longer match their journal checksums (damaged
 * after they were written: disk, copy, a stray write) are counted as not done, so this
 * run computes them again. */
static PetscErrorCode forget_damaged_units(const char *path, Journal *journal)
{
  PetscBool *damaged;
  PetscInt   n_damaged, listed = 0;
  char       list[256] = "";
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(journal->n_units, &damaged));
  PetscErrorCode ierr = database_verify(path, journal, damaged, &n_damaged);
  if (ierr) PetscCall(PetscFree(damaged));
  PetscCall(ierr);
  for (PetscInt unit = 0; unit < journal->n_units; unit++) {
    if (!damaged[unit]) continue;
    if (listed++ < 16) {
      size_t used = strlen(list);
      PetscCall(PetscSNPrintf(list + used, sizeof list - used, "%s%" PetscInt_FMT, used ? ", " : "", unit));
    }
    PetscCall(journal_forget(journal, unit));
  }
  PetscCall(PetscFree(damaged));
  if (n_damaged)
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "campaign: %" PetscInt_FMT
      " finished unit(s) of '%s' no longer match their checksums in the journal (damaged after they were written): %s%s; computing them again\n",
      n_damaged, path, list, n_damaged > 16 ? ", ..." : ""));
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_run(MPI_Comm comm, const char *database_path, PetscBool fresh, const Plan *plan,
                            const DatabaseLayout *layout, const UnitWork *work, const CampaignSettings *settings,
                            CampaignSummary *summary)
{
  int            rank;
  Journal       *journal  = NULL;
  Database      *database = NULL;
  Provenance    *provenance;
  PetscErrorCode ierr     = 0;
  int64_t        state[3] = {0, 0, 0}; /* units done before, journal newly created, run id */
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  memset(summary, 0, sizeof *summary);
  summary->n_units = plan->n_structures;
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = check_existing_database(database_path, plan, fresh);
    if (!ierr) ierr = journal_open(database_path, plan, fresh, &journal);
    if (!ierr && journal->n_done > 0) ierr = forget_damaged_units(database_path, journal);
    PetscCall(PetscPopErrorHandler());
    if (ierr) PetscCall(journal_destroy(&journal));
  }
  PetscCall(error_share_from_rank0(comm, ierr));
  if (rank == 0) {
    state[0] = journal->n_done;
    state[1] = journal->created;
    state[2] = (int64_t)journal->run_id;
    if (journal->n_torn_lines)
      PetscCall(PetscPrintf(
        PETSC_COMM_SELF,
        "campaign: dropped a torn last line of the journal (the run before was interrupted while writing it)\n"));
  }
  PetscCallMPI(MPI_Bcast(state, 3, MPI_INT64_T, 0, comm));
  const PetscInt done_before = (PetscInt)state[0];
  DatabaseLayout with_id     = *layout; /* the database gets (or must have) the journal's run id */
  with_id.run_id             = (uint64_t)state[2];
  layout                     = &with_id;
  if (done_before == plan->n_structures) {
    PetscCall(PetscPrintf(comm,
                          "campaign: all %" PetscInt_FMT " units (%" PetscInt_FMT
                          " images) of '%s' are already complete; nothing to do\n",
                          plan->n_structures, plan->n_images, database_path));
    summary->n_done_before = done_before;
    PetscCall(journal_destroy(&journal));
    PetscFunctionReturn(0);
  }
  if (done_before == 0) {
    /* Nothing finished: (re)create the file, whatever a crash may have left. */
    PetscCall(provenance_create(comm, &provenance));
    PetscCall(database_create(comm, database_path, layout, plan, provenance, &database));
    PetscCall(provenance_destroy(&provenance));
  } else {
    PetscCall(database_open(comm, database_path, layout, plan, &database));
  }
  PetscCall(PetscPrintf(comm,
                        "campaign: %" PetscInt_FMT " of %" PetscInt_FMT " units already complete, %" PetscInt_FMT
                        " to do (%" PetscInt_FMT " images of %" PetscInt_FMT "x%" PetscInt_FMT " per unit) -> %s\n",
                        done_before, plan->n_structures, plan->n_structures - done_before, plan->n_conditions,
                        layout->ny, layout->nx, database_path));
  PetscCall(campaign_execute(comm, plan, journal, database, work, settings, summary));
  PetscCall(database_close(&database));
  PetscCall(journal_destroy(&journal));
  PetscFunctionReturn(0);
}

/* Rank 0's part of campaign_verify, with its errors returned. */
static PetscErrorCode verify_on_rank0(const char *path)
{
  Journal   *journal;
  PetscBool *damaged;
  PetscInt   n_damaged, checked = 0, listed = 0;
  char       list[512] = "";
  PetscFunctionBeginUser;
  PetscCall(journal_load(path, &journal));
  PetscCall(PetscCalloc1(journal->n_units, &damaged));
  PetscErrorCode ierr = database_verify(path, journal, damaged, &n_damaged);
  if (ierr) {
    PetscCall(PetscFree(damaged));
    PetscCall(journal_destroy(&journal));
    PetscCall(ierr);
  }
  for (PetscInt unit = 0; unit < journal->n_units; unit++) {
    checked += journal->done[unit] && journal->has_checksum[unit];
    if (!damaged[unit] || listed++ >= 32) continue;
    size_t used = strlen(list);
    PetscCall(PetscSNPrintf(list + used, sizeof list - used, "%s%" PetscInt_FMT, used ? ", " : "", unit));
  }
  const PetscInt done = journal->n_done, units = journal->n_units;
  char           journal_file[PETSC_MAX_PATH_LEN];
  PetscCall(PetscStrncpy(journal_file, journal->path, sizeof journal_file));
  PetscCall(PetscFree(damaged));
  PetscCall(journal_destroy(&journal));
  PetscCheck(
    n_damaged == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
    "-verify: database '%s': %" PetscInt_FMT " of %" PetscInt_FMT
    " finished units are damaged (their images or masks differ from the checksums in '%s'): unit%s %s%s; rerun the campaign with the same options to compute them again",
    path, n_damaged, checked, journal_file, n_damaged > 1 ? "s" : "", list, n_damaged > 32 ? ", ..." : "");
  PetscCall(
    PetscPrintf(PETSC_COMM_SELF,
                "campaign: -verify: '%s': %" PetscInt_FMT " finished unit(s) of %" PetscInt_FMT
                " checked against '%s': all intact%s\n",
                path, checked, units, journal_file,
                checked < done ? " (units journaled by an older version carry no checksum and were not checked)" : ""));
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_verify(MPI_Comm comm, const char *database_path)
{
  PetscFunctionBeginUser;
  PetscCallOnRank0Shared(comm, verify_on_rank0(database_path));
  PetscFunctionReturn(0);
}

PetscErrorCode campaign_check_database_path(MPI_Comm comm, const char *database_path, const Plan *plan, PetscBool fresh)
{
  PetscFunctionBeginUser;
  PetscCallOnRank0Shared(comm, check_existing_database(database_path, plan, fresh));
  PetscFunctionReturn(0);
}
