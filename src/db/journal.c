/* journal.c — append-only, checksummed, fsync'ed record of finished work units.
 * Plain POSIX I/O on the master rank; no MPI, no HDF5. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/checked_size.h"
#include "core/error_check.h"
#include "db/journal.h"
#include "core/timing.h"

#define JOURNAL_MAX_LINE 4096

PetscErrorCode journal_path(const char *database_path, char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s.journal", database_path));
  PetscFunctionReturn(0);
}

/* "<content> *<16 hex digits>\n": the checksum covers the content. */
static PetscErrorCode format_line(char *line, size_t size, const char *content)
{
  PetscFunctionBeginUser;
  uint64_t sum = plan_hash_string(content, strlen(content));
  PetscCall(PetscSNPrintf(line, size, "%s *%016llx\n", content, (unsigned long long)sum));
  PetscFunctionReturn(0);
}

/* Checks a line (without its newline); on success `content` is the part before " *". */
static PetscBool line_is_valid(const char *line, size_t length, char *content, size_t content_size)
{
  if (length < 19 || length >= content_size + 18) return PETSC_FALSE;
  const char *star = line + length - 17;
  if (star[-1] != ' ' || star[0] != '*') return PETSC_FALSE;
  size_t content_length = (size_t)(star - 1 - line);
  char   hex[17];
  memcpy(hex, star + 1, 16);
  hex[16] = 0;
  for (int i = 0; i < 16; i++)
    if (!strchr("0123456789abcdef", hex[i])) return PETSC_FALSE;
  memcpy(content, line, content_length);
  content[content_length] = 0;
  return plan_hash_string(content, content_length) == strtoull(hex, NULL, 16) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode write_all(int fd, const char *text, size_t length, const char *path)
{
  PetscFunctionBeginUser;
  while (length > 0) {
    ssize_t n = write(fd, text, length);
    if (n < 0 && errno == EINTR) continue;
    PetscCallErrno(n < 0 ? -1 : 0, "Writing the journal", path);
    text += n;
    length -= (size_t)n;
  }
  PetscFunctionReturn(0);
}

/* fsync the folder so a newly created or renamed file survives a crash. */
static PetscErrorCode sync_folder_of(const char *path)
{
  char copy[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(copy, path, sizeof copy));
  const char *folder = dirname(copy);
  int         fd     = open(folder, O_RDONLY);
  if (fd >= 0) { /* some file systems refuse fsync on folders: not fatal */
    (void)fsync(fd);
    close(fd);
  }
  PetscFunctionReturn(0);
}

/* 64 random bits from the kernel, never 0 (0 marks a journal without an id). */
static PetscErrorCode random_run_id(uint64_t *id)
{
  PetscFunctionBeginUser;
  *id = 0;
  while (*id == 0) {
    ssize_t n = getrandom(id, sizeof *id, 0);
    if (n < 0 && errno == EINTR) continue;
    PetscCheck(n == (ssize_t)sizeof *id, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "getrandom() gave no random run id for the journal: %s", n < 0 ? strerror(errno) : "short read");
  }
  PetscFunctionReturn(0);
}

/* The per-unit arrays, once the unit count is known (from the plan, or from the header). */
static PetscErrorCode allocate_units(Journal *j, PetscInt n_units)
{
  PetscFunctionBeginUser;
  j->n_units = n_units;
  PetscCall(
    checked_malloc((size_t)n_units + 1, sizeof(PetscBool), "the journal's table of finished units", j->path, &j->done));
  PetscCall(checked_malloc((size_t)n_units + 1, sizeof(PetscBool), "the journal's table of finished units", j->path,
                           &j->has_checksum));
  PetscCall(checked_malloc((size_t)n_units + 1, sizeof(uint64_t), "the journal's table of unit checksums", j->path,
                           &j->checksum));
  PetscCall(PetscArrayzero(j->done, n_units + 1));
  PetscCall(PetscArrayzero(j->has_checksum, n_units + 1));
  PetscCall(PetscArrayzero(j->checksum, n_units + 1));
  PetscFunctionReturn(0);
}

/* A new journal: written whole to a temporary file, synced, then renamed into place. */
static PetscErrorCode create_journal(Journal *j, const Plan *plan)
{
  char temporary[PETSC_MAX_PATH_LEN + 8], content[JOURNAL_MAX_LINE], line[JOURNAL_MAX_LINE + 32];
  int  fd;
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp", j->path));
  PetscCallErrno(fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0644), "Creating the journal", temporary);
  PetscCall(random_run_id(&j->run_id));
  PetscCall(PetscSNPrintf(
    content, sizeof content,
    "NFJ1 plan %s seed %" PetscInt64_FMT " units %" PetscInt_FMT " conditions %" PetscInt_FMT " id %016llx",
    plan->hash_hex, plan->seed, plan->n_structures, plan->n_conditions, (unsigned long long)j->run_id));
  PetscCall(format_line(line, sizeof line, content));
  PetscCall(write_all(fd, line, strlen(line), temporary));
  for (const char *option = plan->options; option && *option;) {
    const char *end    = strchr(option, '\n');
    size_t      length = end ? (size_t)(end - option) : strlen(option);
    PetscCheck(length + 3 < sizeof content, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "An option of the plan is longer than %d characters: %.60s...", (int)sizeof content - 3, option);
    content[0] = 'O';
    content[1] = ' ';
    memcpy(content + 2, option, length);
    content[length + 2] = 0;
    PetscCall(format_line(line, sizeof line, content));
    PetscCall(write_all(fd, line, strlen(line), temporary));
    option = end ? end + 1 : option + length;
  }
  PetscCallErrno(fsync(fd), "Syncing the journal", temporary);
  PetscCallErrno(close(fd), "Closing the journal", temporary);
  PetscCallErrno(rename(temporary, j->path), "Renaming the new journal into place", j->path);
  PetscCall(sync_folder_of(j->path));
  j->created = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Reads an existing journal: checks the plan, marks finished units, drops a torn tail. */
/* The lines of a journal's text: header (checked against `plan` unless NULL), options (into
 * `options`), units. *good_end is the end of the last valid line. */
static PetscErrorCode parse_lines(Journal *j, const Plan *plan, char *text, size_t size, char *options,
                                  size_t *good_end_out)
{
  size_t good_end = 0, options_used = 0;
  char   content[JOURNAL_MAX_LINE];
  PetscFunctionBeginUser;
  *good_end_out   = 0;
  int line_number = 0;
  for (size_t start = 0; start < size;) {
    char  *newline = memchr(text + start, '\n', size - start);
    size_t length  = newline ? (size_t)(newline - (text + start)) : size - start;
    line_number++;
    PetscBool valid = newline && line_is_valid(text + start, length, content, sizeof content);
    if (!valid) {
      /* Only the last line may be torn by a crash during its append. */
      PetscCheck(
        !newline || start + length + 1 == size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "Journal '%s' is corrupt at line %d (checksum mismatch in the middle of the file); it cannot be trusted: rerun with -fresh to start over",
        j->path, line_number);
      PetscCheck(line_number > 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "Journal '%s' has no valid header line; rerun with -fresh to start over", j->path);
      j->n_torn_lines++;
      break;
    }
    if (line_number == 1) {
      char               hash[32];
      PetscInt           units, conditions;
      PetscInt64         seed;
      int                consumed = 0;
      unsigned long long id       = 0;
      PetscCheck(
        sscanf(content,
               "NFJ1 plan %31s seed %" PetscInt64_FMT " units %" PetscInt_FMT " conditions %" PetscInt_FMT "%n", hash,
               &seed, &units, &conditions, &consumed) == 4,
        PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "Journal '%s' does not start with a nanoforge journal header; rerun with -fresh to start over", j->path);
      /* Older journals end here; newer ones carry the run id. */
      PetscCheck(content[consumed] == 0 || sscanf(content + consumed, " id %16llx", &id) == 1, PETSC_COMM_SELF,
                 PETSC_ERR_FILE_UNEXPECTED, "Journal '%s': unreadable header '%s'; rerun with -fresh to start over",
                 j->path, content);
      PetscCheck(units >= 1 && conditions >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "Journal '%s': header names %" PetscInt_FMT " units of %" PetscInt_FMT
                 " images; allowed: at least 1 of each",
                 j->path, units, conditions);
      j->run_id       = id;
      j->n_conditions = conditions;
      if (!plan) {
        PetscCall(allocate_units(j, units));
        good_end = start + length + 1;
        start    = good_end;
        continue;
      }
      /* The seed and the counts are the plan too, whether given explicitly or by default. */
      PetscCheck(seed == plan->seed, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "The plan differs from the one this database was started with (-seed: was %" PetscInt64_FMT
                 ", now %" PetscInt64_FMT
                 "). Rerun with the original options to continue, add -fresh to start over, or write to another -o",
                 seed, plan->seed);
      PetscCheck(units == plan->n_structures, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "The plan differs from the one this database was started with (-structures: was %" PetscInt_FMT
                 ", now %" PetscInt_FMT
                 "). Rerun with the original options to continue, add -fresh to start over, or write to another -o",
                 units, plan->n_structures);
      PetscCheck(conditions == plan->n_conditions, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "The plan differs from the one this database was started with (-conditions: was %" PetscInt_FMT
                 ", now %" PetscInt_FMT
                 "). Rerun with the original options to continue, add -fresh to start over, or write to another -o",
                 conditions, plan->n_conditions);
    } else if (content[0] == 'O' && content[1] == ' ') {
      size_t n = strlen(content + 2);
      memcpy(options + options_used, content + 2, n);
      options_used += n;
      options[options_used++] = '\n';
      options[options_used]   = 0;
    } else if (content[0] == 'U' && content[1] == ' ') {
      char              *end;
      long long          unit     = strtoll(content + 2, &end, 10);
      unsigned long long sum      = 0;
      int                consumed = 0;
      PetscBool          has_sum  = *end != 0;
      PetscCheck(end != content + 2 && unit >= 0 && unit < j->n_units, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "Journal '%s' line %d names unit '%s', outside 0..%" PetscInt_FMT, j->path, line_number, content + 2,
                 j->n_units - 1);
      PetscCheck(!has_sum || (sscanf(end, " %16llx%n", &sum, &consumed) == 1 && end[consumed] == 0), PETSC_COMM_SELF,
                 PETSC_ERR_FILE_UNEXPECTED, "Journal '%s' line %d: unit record '%s' is not '<unit> <16 hex digits>'",
                 j->path, line_number, content + 2);
      if (!j->done[unit]) j->n_done++;
      j->done[unit]         = PETSC_TRUE;
      j->has_checksum[unit] = has_sum;
      j->checksum[unit]     = sum;
    } else {
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Journal '%s' line %d is not a unit or option record",
              j->path, line_number);
    }
    good_end = start + length + 1;
    start    = good_end;
  }
  *good_end_out = good_end;
  PetscFunctionReturn(0);
}

static PetscErrorCode read_journal(Journal *j, const Plan *plan)
{
  FILE  *file;
  char  *text;
  long   size;
  size_t good_end = 0;
  char  *options;
  size_t options_size;
  PetscFunctionBeginUser;
  struct stat info;
  PetscCallErrno(stat(j->path, &info), "Reading the journal", j->path);
  PetscCheck(S_ISREG(info.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Journal '%s' is not a regular file (a folder?); remove it or give another -o", j->path);
  size = (long)info.st_size;
  PetscCall(checked_malloc((size_t)size + 1, 1, "the journal's text", j->path, &text));
  file       = fopen(j->path, "rb");
  size_t got = file ? fread(text, 1, (size_t)size, file) : 0;
  if (file) fclose(file);
  if (got != (size_t)size) PetscCall(PetscFree(text));
  PetscCheck(got == (size_t)size, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Reading the journal '%s' failed: %s", j->path,
             file ? "short read" : strerror(errno));
  text[size]   = 0;
  options_size = (size_t)size + 1;
  PetscCall(PetscMalloc1(options_size, &options));
  options[0] = 0;

  PetscErrorCode ierr = parse_lines(j, plan, text, (size_t)size, options, &good_end);
  PetscCall(PetscFree(text));
  if (ierr) PetscCall(PetscFree(options));
  PetscCall(ierr);
  /* An empty journal is not one of ours (a new journal is renamed into place whole): say so,
   * rather than reporting a changed plan. */
  if (!good_end) PetscCall(PetscFree(options));
  PetscCheck(
    good_end > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
    "Journal '%s' is empty or has no valid header line, so it cannot tell which units are finished; rerun with -fresh to start over",
    j->path);
  if (!plan) {
    PetscCall(PetscFree(options));
    PetscFunctionReturn(0);
  }

  PetscBool same;
  char      difference[2048];
  PetscCall(plan_options_compare(options, plan->options, &same, difference, sizeof difference));
  PetscCall(PetscFree(options));
  PetscCheck(
    same, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "The plan differs from the one this database was started with (%s). Rerun with the original options to continue, add -fresh to discard the %" PetscInt_FMT
    " finished unit(s) and start over, or write to another -o",
    difference, j->n_done);
  PetscCallErrno(j->fd = open(j->path, O_WRONLY | O_APPEND), "Opening the journal for appending", j->path);
  if (j->n_torn_lines) {
    PetscCallErrno(ftruncate(j->fd, (off_t)good_end), "Dropping the torn last line of the journal", j->path);
    PetscCallErrno(fsync(j->fd), "Syncing the journal", j->path);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode journal_open(const char *database_path, const Plan *plan, PetscBool fresh, Journal **journal)
{
  Journal    *j;
  struct stat info;
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_JOURNAL, 0, 0, 0, 0));
  PetscCall(PetscNew(&j));
  j->fd = -1;
  PetscCall(journal_path(database_path, j->path));
  PetscCall(allocate_units(j, plan->n_structures));
  j->n_conditions = plan->n_conditions;
  PetscErrorCode ierr;
  if (fresh || stat(j->path, &info) != 0) {
    ierr = create_journal(j, plan);
    if (!ierr && (j->fd = open(j->path, O_WRONLY | O_APPEND)) < 0)
      ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_OPEN,
                        PETSC_ERROR_INITIAL, "Opening the journal for appending '%s': %s", j->path, strerror(errno));
  } else {
    ierr = read_journal(j, plan);
  }
  if (ierr) { /* free what we hold before the error goes up */
    PetscCall(journal_destroy(&j));
    PetscCall(ierr);
  }
  PetscCall(PetscLogEventEnd(NF_EVENT_JOURNAL, 0, 0, 0, 0));
  *journal = j;
  PetscFunctionReturn(0);
}

PetscErrorCode journal_load(const char *database_path, Journal **journal)
{
  Journal *j;
  PetscFunctionBeginUser;
  *journal = NULL;
  PetscCall(PetscNew(&j));
  j->fd = -1;
  PetscCall(journal_path(database_path, j->path));
  PetscErrorCode ierr = read_journal(j, NULL);
  if (ierr) {
    PetscCall(journal_destroy(&j));
    PetscCall(ierr);
  }
  *journal = j;
  PetscFunctionReturn(0);
}

PetscErrorCode journal_forget(Journal *journal, PetscInt unit)
{
  PetscFunctionBeginUser;
  PetscCheck(unit >= 0 && unit < journal->n_units, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Unit %" PetscInt_FMT " outside 0..%" PetscInt_FMT, unit, journal->n_units - 1);
  if (journal->done[unit]) journal->n_done--;
  journal->done[unit] = journal->has_checksum[unit] = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode journal_append(Journal *journal, PetscInt unit, uint64_t checksum)
{
  char content[64], line[128];
  PetscFunctionBeginUser;
  PetscCheck(unit >= 0 && unit < journal->n_units, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Unit %" PetscInt_FMT " outside 0..%" PetscInt_FMT, unit, journal->n_units - 1);
  PetscCall(PetscLogEventBegin(NF_EVENT_JOURNAL, 0, 0, 0, 0));
  PetscCall(PetscSNPrintf(content, sizeof content, "U %" PetscInt_FMT " %016llx", unit, (unsigned long long)checksum));
  PetscCall(format_line(line, sizeof line, content));
  /* One write() of a short line on an O_APPEND descriptor: a crash leaves the line
   * whole or torn at the end, which the checksum detects. */
  PetscCall(write_all(journal->fd, line, strlen(line), journal->path));
  PetscCallErrno(fsync(journal->fd), "Syncing the journal", journal->path);
  if (!journal->done[unit]) journal->n_done++;
  journal->done[unit]         = PETSC_TRUE;
  journal->has_checksum[unit] = PETSC_TRUE;
  journal->checksum[unit]     = checksum;
  PetscCall(PetscLogEventEnd(NF_EVENT_JOURNAL, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode journal_destroy(Journal **journal)
{
  PetscFunctionBeginUser;
  if (!*journal) PetscFunctionReturn(0);
  if ((*journal)->fd >= 0) PetscCallErrno(close((*journal)->fd), "Closing the journal", (*journal)->path);
  PetscCall(PetscFree((*journal)->done));
  PetscCall(PetscFree((*journal)->has_checksum));
  PetscCall(PetscFree((*journal)->checksum));
  PetscCall(PetscFree(*journal));
  PetscFunctionReturn(0);
}
