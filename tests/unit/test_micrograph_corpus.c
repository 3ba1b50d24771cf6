/* test_micrograph_corpus.c — the micrograph readers against ../shared/data/formats/REFERENCE.json:
 * 111 real instrument files with what HyperSpy 1.7.3 (or rosettasciio) reads from them.
 *
 * For each file, every signal k through micrograph_read_signal(path, k, ...), and the default
 * (micrograph_read) against `default_signal` (else 0), checked as "select":
 *   image/stack: shape (and frame count), orientation (the four corners of the first frame),
 *     values (sha256 of every frame's float32 pixels in row-major order against `sha256_float32`,
 *     or `luminance_rec709` for colour), and the pixel size per axis in Å to 1e-6 relative
 *     where the reference has one;
 *   refuse: micrograph_read fails with one line that names the file and what it holds.
 * The default is checked on the default signal only: micrograph_read must return the same
 * pixels as micrograph_read_signal(default) and report signal == default_signal.
 *
 * tests/data/corpus_known_gaps.txt lists "file signal check reason": a listed failure prints
 * SKIP, an unlisted one FAIL, and a listed entry that now passes FAIL, so the list only shrinks.
 * Only the first failing check of a signal counts (checks run in the order above). */
#include <stdarg.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "unit.h"
#include "train/micrograph.h"

#define CORPUS     "../shared/data/formats"
#define GAPS_FILE  "tests/data/corpus_known_gaps.txt"
#define MAX_GAPS   256
#define CHECK_SIZE 32

typedef struct {
  char file[128], check[CHECK_SIZE], reason[256];
  int  signal, seen;
} KnownGap;

static KnownGap gaps[MAX_GAPS];
static int      gap_count;
static int      files_right, files_gap, files_wrong;
static char     error_message[1024]; /* the first PETSc error of the last read */

static PetscErrorCode keep_error(MPI_Comm comm, int line, const char *function, const char *file, PetscErrorCode n,
                                 PetscErrorType p, const char *message, void *context)
{
  (void)comm, (void)line, (void)function, (void)file, (void)context;
  if (p == PETSC_ERROR_INITIAL && !error_message[0] && message)
    snprintf(error_message, sizeof error_message, "%s", message);
  return n;
}

static int load_gaps(void)
{
  FILE *f = fopen(GAPS_FILE, "r");
  char  line[512];
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    KnownGap g = {"", "", "", 0, 0};
    int      used;
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%127s %d %31s %n", g.file, &g.signal, g.check, &used) != 3 || gap_count == MAX_GAPS) {
      printf("FAIL %s: cannot parse the line '%.80s'; expected 'file signal check reason'\n", GAPS_FILE, line);
      fclose(f);
      return 0;
    }
    snprintf(g.reason, sizeof g.reason, "%s", line + used);
    g.reason[strcspn(g.reason, "\n")] = '\0';
    gaps[gap_count++]                 = g;
  }
  fclose(f);
  return 1;
}

static KnownGap *find_gap(const char *file, int signal)
{
  for (int i = 0; i < gap_count; i++)
    if (!strcmp(gaps[i].file, file) && gaps[i].signal == signal) return &gaps[i];
  return NULL;
}

/* What a failed check says, for the FAIL line. */
typedef struct {
  char check[CHECK_SIZE];
  char detail[600];
} Outcome;

static int failed(Outcome *o, const char *check, const char *format, ...) __attribute__((format(printf, 3, 4)));
static int failed(Outcome *o, const char *check, const char *format, ...)
{
  va_list arguments;
  snprintf(o->check, sizeof o->check, "%s", check);
  va_start(arguments, format);
  vsnprintf(o->detail, sizeof o->detail, format, arguments);
  va_end(arguments);
  return 1;
}

static void hex(const unsigned char *digest, unsigned n, char *out)
{
  for (unsigned i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", digest[i]);
}

static int same_value(json_t *expected, float actual)
{
  return json_is_number(expected) && (float)json_number_value(expected) == actual;
}

/* Orientation: the corners of the first frame, where the reference gives them as numbers. */
static int check_corners(json_t *signal, const Micrograph *m, Outcome *o)
{
  json_t     *corners  = json_object_get(signal, "corners");
  const char *names[4] = {"top_left", "top_right", "bottom_left", "bottom_right"};
  size_t      at[4]    = {0, (size_t)m->nx - 1, (size_t)(m->ny - 1) * m->nx, (size_t)m->ny * m->nx - 1};
  if (!json_is_object(corners)) return 0;
  for (int c = 0; c < 4; c++) {
    json_t *value = json_object_get(corners, names[c]);
    if (json_is_number(value) && !same_value(value, m->pixels[at[c]]))
      return failed(o, "orientation", "%s corner is %g, expected %g", names[c], (double)m->pixels[at[c]],
                    json_number_value(value));
  }
  return 0;
}

static int check_pixel_size(json_t *signal, const Micrograph *m, Outcome *o)
{
  json_t *size = json_object_get(signal, "pixel_size_angstrom");
  if (!json_is_object(size)) return 0;
  double rows    = json_number_value(json_object_get(size, "rows")),
         columns = json_number_value(json_object_get(size, "columns"));
  if (!(fabs(m->pixel_size_y - rows) <= 1e-6 * rows && fabs(m->pixel_size_x - columns) <= 1e-6 * columns))
    return failed(o, "pixel_size", "pixel size %.9g x %.9g Å (rows x columns), expected %.9g x %.9g", m->pixel_size_y,
                  m->pixel_size_x, rows, columns);
  return 0;
}

/* An image or stack: every frame read, hashed in order. Returns 1 on the first failed check. */
static int check_image(const char *path, int which, json_t *signal, Outcome *o)
{
  json_t   *shape       = json_object_get(signal, "shape");
  int       stack       = !strcmp(json_string_value(json_object_get(signal, "expected")), "stack");
  size_t    rank        = json_array_size(shape);
  long long ny          = rank >= 2 ? json_integer_value(json_array_get(shape, rank - 2)) : 0,
            nx          = rank >= 2 ? json_integer_value(json_array_get(shape, rank - 1)) : 0,
            frames      = stack && rank == 3 ? json_integer_value(json_array_get(shape, 0)) : 1;
  json_t     *luminance = json_object_get(signal, "luminance_rec709");
  const char *want =
    json_string_value(json_object_get(json_is_object(luminance) ? luminance : signal, "sha256_float32"));
  Micrograph *m            = NULL;
  EVP_MD_CTX *hash         = EVP_MD_CTX_new();
  Outcome     size_outcome = {"", ""};
  int         bad = 0, size_bad = 0;

  EVP_DigestInit_ex(hash, EVP_sha256(), NULL);
  for (long long f = 0; f < frames && !bad; f++) {
    error_message[0] = '\0';
    if (micrograph_read_signal(path, which, (PetscInt)f, &m)) {
      bad = failed(o, "read", "frame %lld: %s", f, error_message);
      break;
    }
    if (m->ny != ny || m->nx != nx || m->frames != frames)
      bad = failed(o, "shape", "%d frames of %d x %d, expected %lld of %lld x %lld", (int)m->frames, (int)m->ny,
                   (int)m->nx, frames, ny, nx);
    if (!bad && f == 0 && !json_is_object(luminance)) bad = check_corners(signal, m, o);
    if (!bad) EVP_DigestUpdate(hash, m->pixels, sizeof(float) * (size_t)m->ny * m->nx);
    if (!bad && f == 0) size_bad = check_pixel_size(signal, m, &size_outcome); /* reported after the values */
    PetscCallAbort(PETSC_COMM_SELF, micrograph_destroy(&m));
  }
  if (!bad) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned      n;
    char          got[2 * EVP_MAX_MD_SIZE + 1];
    EVP_DigestFinal_ex(hash, digest, &n);
    hex(digest, n, got);
    if (!want || strcmp(got, want)) bad = failed(o, "values", "float32 sha256 %.16s..., expected %.16s...", got, want);
  }
  EVP_MD_CTX_free(hash);
  if (!bad && size_bad) *o = size_outcome, bad = 1;
  return bad;
}

/* What the refusal must say it holds, from the reference's reason. */
static const char *held_word(const char *reason)
{
  if (strstr(reason, "complex")) return "complex";
  if (strstr(reason, "RGB")) return "RGB";
  if (strstr(reason, "spectr")) return "spectr";
  if (strstr(reason, "4-D")) return "4-D";
  if (strstr(reason, "5-D")) return "5-D";
  return "";
}

static int check_refuse(const char *path, int which, const char *file, json_t *signal, Outcome *o)
{
  Micrograph *m      = NULL;
  const char *reason = json_string_value(json_object_get(signal, "reason"));
  const char *word   = held_word(reason ? reason : "");

  error_message[0] = '\0';
  if (!micrograph_read_signal(path, which, 0, &m)) {
    Micrograph shown = *m;
    PetscCallAbort(PETSC_COMM_SELF, micrograph_destroy(&m));
    return failed(o, "refuse", "read as a %d x %d image (%d frames); must be refused: %.80s", (int)shown.ny,
                  (int)shown.nx, (int)shown.frames, reason);
  }
  /* What it holds is looked for outside the file's name ("..._spectrum.emi" says nothing). */
  char  without_name[sizeof error_message];
  char *name = strstr(error_message, file);
  snprintf(without_name, sizeof without_name, "%s", error_message);
  if (name) memset(without_name + (name - error_message), '_', strlen(file));
  if (!name || strchr(error_message, '\n') || !strcasestr(without_name, word))
    return failed(o, "message", "'%s' must be one line naming the file and '%s'", error_message, word);
  return 0;
}

/* The default: micrograph_read gives the signal REFERENCE.json names, with its pixels. */
static int check_default(const char *path, int chosen, int count, Outcome *o)
{
  Micrograph *plain = NULL, *chosen_read = NULL;
  int         bad = 0;

  error_message[0] = '\0';
  if (micrograph_read(path, 0, &plain)) return failed(o, "select", "the default read fails: %s", error_message);
  if (plain->signal != chosen || plain->default_signal != chosen || plain->signals != count)
    bad = failed(o, "select", "default signal %d of %d, expected %d of %d", (int)plain->signal, (int)plain->signals,
                 chosen, count);
  else if (!micrograph_read_signal(path, chosen, 0, &chosen_read)) {
    size_t n = (size_t)plain->ny * plain->nx;
    if (chosen_read->ny != plain->ny || chosen_read->nx != plain->nx ||
        memcmp(chosen_read->pixels, plain->pixels, n * sizeof(float)))
      bad = failed(o, "select", "the default read differs from signal %d", chosen);
    PetscCallAbort(PETSC_COMM_SELF, micrograph_destroy(&chosen_read));
  }
  PetscCallAbort(PETSC_COMM_SELF, micrograph_destroy(&plain));
  return bad;
}

/* One file: every signal checked; the default one also as what micrograph_read returns. */
static void check_file(json_t *entry)
{
  const char *file     = json_string_value(json_object_get(entry, "file"));
  json_t     *signals  = json_object_get(entry, "signals");
  json_t     *selected = json_object_get(entry, "default_signal");
  int         chosen = json_is_integer(selected) ? (int)json_integer_value(selected) : 0, any_gap = 0, any_wrong = 0;
  char        path[512];

  snprintf(path, sizeof path, "%s/%s", CORPUS, file);
  for (size_t s = 0; s < json_array_size(signals); s++) {
    json_t     *signal   = json_array_get(signals, s);
    const char *expected = json_string_value(json_object_get(signal, "expected"));
    Outcome     o        = {"", ""};
    int         bad;
    if (!strcmp(expected, "refuse"))
      bad = check_refuse(path, (int)s, file, signal, &o);
    else
      bad = check_image(path, (int)s, signal, &o);
    if (!bad && (int)s == chosen && strcmp(expected, "refuse"))
      bad = check_default(path, chosen, (int)json_array_size(signals), &o);
    KnownGap *gap = find_gap(file, (int)s);
    if (gap) gap->seen = 1;
    if (bad && gap && !strcmp(gap->check, o.check)) {
      printf("SKIP %s signal %d: known gap: %s\n", file, (int)s, gap->reason);
      any_gap = 1;
    } else if (bad) {
      printf("FAIL %s signal %d (%s): %s: %s\n", file, (int)s, expected, o.check, o.detail);
      any_wrong = 1;
    } else if (gap) {
      printf("FAIL %s signal %d: known gap fixed (%s passes): remove it from %s\n", file, (int)s, gap->check,
             GAPS_FILE);
      any_wrong = 1;
    }
  }
  if (any_wrong)
    files_wrong++;
  else if (any_gap)
    files_gap++;
  else {
    files_right++;
    printf("PASS %s\n", file);
  }
}

int main(int argc, char **argv)
{
  json_error_t problem;
  json_t      *reference;

  UNIT_BEGIN(argc, argv);
  reference = json_load_file(CORPUS "/REFERENCE.json", 0, &problem);
  if (!reference) {
    printf("SKIP test_micrograph_corpus: no corpus at %s/REFERENCE.json (%s)\n", CORPUS, problem.text);
    return UNIT_END();
  }
  if (!load_gaps()) {
    printf("FAIL test_micrograph_corpus: cannot read %s\n", GAPS_FILE);
    json_decref(reference);
    PetscFinalize();
    return 1;
  }
  (void)PetscPushErrorHandler(keep_error, NULL);
  json_t *files = json_object_get(reference, "files");
  for (size_t f = 0; f < json_array_size(files); f++) check_file(json_array_get(files, f));
  (void)PetscPopErrorHandler();
  for (int i = 0; i < gap_count; i++)
    if (!gaps[i].seen) {
      printf("FAIL %s: entry '%s %d %s' matches no file and signal of REFERENCE.json\n", GAPS_FILE, gaps[i].file,
             gaps[i].signal, gaps[i].check);
      files_wrong++;
    }
  printf("corpus: %d files right, %d with known gaps, %d wrong (of %zu files)\n", files_right, files_gap, files_wrong,
         json_array_size(files));
  json_decref(reference);
  if (PetscFinalize()) return 1;
  return files_wrong ? 1 : 0;
}
