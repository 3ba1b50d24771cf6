/* test_journal.c — the campaign journal: append, reopen, torn last line, corruption,
 * changed plan refused (naming the option), -fresh, the run id and per-unit data checksums
 * (read back, replaced by a later line, forgotten; old journals without them still read). Files in a temporary folder. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/journal.h"
#include "unit.h"

static char folder[256], database[300], journal_file[PETSC_MAX_PATH_LEN];

static Plan *make_plan(PetscInt64 seed, PetscInt n, const char *options)
{
  Plan *plan = NULL;
  if (plan_create(seed, n, 3, options, &plan)) return NULL;
  return plan;
}

static long file_size(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

static void test_append_and_reopen(void)
{
  Plan    *plan = make_plan(5, 10, "-radius uniform:10,20\n");
  Journal *j    = NULL;
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CHECK(j && j->created && j->n_done == 0, "a fresh journal starts empty");
  UNIT_CALL(journal_append(j, 3, 0));
  UNIT_CALL(journal_append(j, 7, 0));
  UNIT_CALL(journal_append(j, 3, 0)); /* a repeated unit counts once */
  UNIT_CALL(journal_destroy(&j));
  UNIT_CALL(journal_open(database, plan, PETSC_FALSE, &j));
  UNIT_CHECK(j && !j->created && j->n_done == 2 && j->done[3] && j->done[7] && !j->done[0], "reopened: n_done = %d",
             j ? (int)j->n_done : -1);
  UNIT_CALL_FAILS(journal_append(j, 10, 0)); /* outside the plan */
  journal_destroy(&j);
  plan_destroy(&plan);
}

static void test_torn_last_line_is_dropped(void)
{
  Plan    *plan = make_plan(5, 10, "-radius uniform:10,20\n");
  Journal *j    = NULL;
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CALL(journal_append(j, 1, 0));
  journal_destroy(&j);
  long  good = file_size(journal_file);
  FILE *f    = fopen(journal_file, "ab");
  fputs("U 2 *0123", f); /* a crash in the middle of an append */
  fclose(f);
  UNIT_CALL(journal_open(database, plan, PETSC_FALSE, &j));
  UNIT_CHECK(j && j->n_done == 1 && j->done[1] && !j->done[2] && j->n_torn_lines == 1, "torn line must be ignored");
  UNIT_CHECK(file_size(journal_file) == good, "torn tail must be truncated: size %ld, expected %ld",
             file_size(journal_file), good);
  UNIT_CALL(journal_append(j, 4, 0));
  journal_destroy(&j);
  UNIT_CALL(journal_open(database, plan, PETSC_FALSE, &j));
  UNIT_CHECK(j && j->n_done == 2 && j->done[4], "append after a dropped tail");
  journal_destroy(&j);
  plan_destroy(&plan);
}

static void test_corrupt_middle_line_is_an_error(void)
{
  Plan    *plan = make_plan(5, 10, "-radius uniform:10,20\n");
  Journal *j    = NULL;
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CALL(journal_append(j, 1, 0));
  UNIT_CALL(journal_append(j, 2, 0));
  journal_destroy(&j);
  /* Flip the unit number of the first U line: its checksum no longer matches. */
  FILE  *f = fopen(journal_file, "r+b");
  char   text[4096];
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n]  = 0;
  char *u  = strstr(text, "U 1 ");
  UNIT_CHECK(u != NULL, "journal lacks 'U 1'");
  if (u) {
    fseek(f, (long)(u - text) + 2, SEEK_SET);
    fputc('5', f);
  }
  fclose(f);
  UNIT_CALL_FAILS(journal_open(database, plan, PETSC_FALSE, &j));
  plan_destroy(&plan);
}

static void test_changed_plan_is_refused(void)
{
  Plan    *plan         = make_plan(5, 10, "-radius uniform:10,20\n");
  Plan    *other_option = make_plan(5, 10, "-radius uniform:10,30\n");
  Plan    *other_seed   = make_plan(6, 10, "-radius uniform:10,20\n");
  Plan    *other_count  = make_plan(5, 11, "-radius uniform:10,20\n");
  Journal *j            = NULL;
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CALL(journal_append(j, 0, 0));
  journal_destroy(&j);
  UNIT_CALL_FAILS(journal_open(database, other_option, PETSC_FALSE, &j));
  char *specific = NULL;
  PetscErrorMessage(0, NULL, &specific);
  UNIT_CHECK(specific && strstr(specific, "-radius: was 'uniform:10,20', now 'uniform:10,30'"),
             "message '%s' must name the option", specific ? specific : "");
  UNIT_CALL_FAILS(journal_open(database, other_seed, PETSC_FALSE, &j));
  PetscErrorMessage(0, NULL, &specific);
  UNIT_CHECK(specific && strstr(specific, "-seed: was 5, now 6"), "message '%s' must name -seed",
             specific ? specific : "");
  UNIT_CALL_FAILS(journal_open(database, other_count, PETSC_FALSE, &j));
  /* -fresh starts over with the new plan. */
  UNIT_CALL(journal_open(database, other_option, PETSC_TRUE, &j));
  UNIT_CHECK(j && j->n_done == 0 && j->created, "-fresh must start an empty journal");
  journal_destroy(&j);
  plan_destroy(&plan);
  plan_destroy(&other_option);
  plan_destroy(&other_seed);
  plan_destroy(&other_count);
}

/* A line as the journal writes it: content, " *", FNV-1a 64 of the content. */
static void put_line(FILE *f, const char *content)
{
  fprintf(f, "%s *%016llx\n", content, (unsigned long long)plan_hash_string(content, strlen(content)));
}

static void test_run_id_and_checksums(void)
{
  Plan    *plan = make_plan(5, 10, "-radius uniform:10,20\n");
  Journal *j    = NULL;
  uint64_t id;
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CHECK(j && j->run_id != 0, "a new journal has a run id");
  id = j->run_id;
  UNIT_CALL(journal_append(j, 2, 0xdeadbeefcafef00dULL));
  UNIT_CALL(journal_append(j, 5, 0));
  UNIT_CALL(journal_append(j, 2, 0x1234)); /* recomputed: the later line wins */
  journal_destroy(&j);
  UNIT_CALL(journal_open(database, plan, PETSC_FALSE, &j));
  UNIT_CHECK(j && j->run_id == id, "the run id is read back: %llx, wrote %llx",
             j ? (unsigned long long)j->run_id : 0ULL, (unsigned long long)id);
  UNIT_CHECK(j && j->n_done == 2 && j->has_checksum[2] && j->checksum[2] == 0x1234 && j->has_checksum[5] &&
               j->checksum[5] == 0 && !j->has_checksum[3],
             "checksums read back (unit 2: %llx)", j ? (unsigned long long)j->checksum[2] : 0ULL);
  UNIT_CALL(journal_forget(j, 2));
  UNIT_CHECK(j && j->n_done == 1 && !j->done[2], "a forgotten unit is not done");
  UNIT_CALL(journal_forget(j, 2)); /* twice counts once */
  UNIT_CHECK(j && j->n_done == 1, "n_done after forgetting twice: %d", j ? (int)j->n_done : -1);
  journal_destroy(&j);
  UNIT_CALL(journal_load(database, &j));
  UNIT_CHECK(j && j->run_id == id && j->n_units == 10 && j->n_conditions == 3 && j->n_done == 2 &&
               j->checksum[2] == 0x1234,
             "journal_load reads sizes, id and checksums without a plan");
  journal_destroy(&j);
  UNIT_CALL(journal_open(database, plan, PETSC_TRUE, &j));
  UNIT_CHECK(j && j->run_id != id, "each new journal draws a new run id");
  journal_destroy(&j);

  /* A journal of an older version: no id, no checksums; still read. */
  char  header[256];
  FILE *f = fopen(journal_file, "wb");
  snprintf(header, sizeof header, "NFJ1 plan %s seed 5 units 10 conditions 3", plan->hash_hex);
  put_line(f, header);
  put_line(f, "O -radius uniform:10,20");
  put_line(f, "U 4");
  fclose(f);
  UNIT_CALL(journal_open(database, plan, PETSC_FALSE, &j));
  UNIT_CHECK(j && j->run_id == 0 && j->n_done == 1 && j->done[4] && !j->has_checksum[4],
             "an old journal: no id, unit 4 done without a checksum");
  journal_destroy(&j);
  f = fopen(journal_file, "ab");
  put_line(f, "U 6 nothex");
  put_line(f, "U 7 0000000000000001");
  fclose(f);
  UNIT_CALL_FAILS(journal_open(database, plan, PETSC_FALSE, &j)); /* a malformed checksum is corruption */
  journal_destroy(&j);
  f = fopen(journal_file, "wb"); /* an empty journal: refused as such, not as a changed plan */
  fclose(f);
  UNIT_CALL_FAILS(journal_open(database, plan, PETSC_FALSE, &j));
  journal_destroy(&j);
  UNIT_CALL_FAILS(journal_load(database, &j));
  UNIT_CHECK(j == NULL, "a failed load returns no journal");
  plan_destroy(&plan);
}

static void test_unwritable_folder(void)
{
  Plan    *plan = make_plan(5, 10, "");
  Journal *j    = NULL;
  UNIT_CALL_FAILS(journal_open("/nonexistent-folder-nanoforge/db.h5", plan, PETSC_FALSE, &j));
  plan_destroy(&plan);
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  snprintf(folder, sizeof folder, "%s/nanoforge-journal-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(folder)) return 1;
  snprintf(database, sizeof database, "%s/db.h5", folder);
  journal_path(database, journal_file);
  UNIT_RUN(test_append_and_reopen);
  UNIT_RUN(test_torn_last_line_is_dropped);
  UNIT_RUN(test_corrupt_middle_line_is_an_error);
  UNIT_RUN(test_changed_plan_is_refused);
  UNIT_RUN(test_run_id_and_checksums);
  UNIT_RUN(test_unwritable_folder);
  unlink(journal_file);
  rmdir(folder);
  return UNIT_END();
}
