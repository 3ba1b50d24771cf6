/* test_micrograph_list.c — -input expansion (micrograph_list.h) on a scratch folder:
 *   a folder gives its micrograph files sorted by name (bytewise: "B.TIF" before "a.dm4"), not
 *   notes.txt, not a subfolder, not a hidden file;
 *   a glob pattern gives its matches sorted, a matched folder expanded;
 *   items keep their order, and a file reached again (by the pattern, by "./" spelling) is kept
 *   at its first place only, the repeats counted;
 *   a pattern or a folder that yields nothing fails;
 *   extensions match in any case and need a name before the dot. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "unit.h"
#include "train/micrograph_list.h"

static char folder[256]; /* short, so that the paths made from it fit */

static void touch(const char *name)
{
  char  path[PETSC_MAX_PATH_LEN];
  FILE *file;
  snprintf(path, sizeof path, "%s/%s", folder, name);
  file = fopen(path, "w");
  if (file) fclose(file);
}

static void make_folder(void)
{
  snprintf(folder, sizeof folder, "/tmp/micrograph_list.XXXXXX");
  if (!mkdtemp(folder)) return;
  const char *names[] = {"c.h5", "a.dm4", "B.TIF", "notes.txt", ".hidden.png", "sub/", "sub/d.ser", "empty/"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    char path[PETSC_MAX_PATH_LEN];
    snprintf(path, sizeof path, "%s/%s", folder, names[k]);
    if (path[strlen(path) - 1] == '/')
      mkdir(path, 0700);
    else
      touch(names[k]);
  }
}

/* The list's paths with the folder prefix removed, space-separated. */
static void names_of(const MicrographList *l, char *text, size_t size)
{
  text[0] = '\0';
  for (PetscInt k = 0; k < l->count; k++) {
    const char *path = l->paths[k];
    if (!strncmp(path, folder, strlen(folder))) path += strlen(folder) + 1;
    strncat(text, path, size - strlen(text) - 2);
    strcat(text, " ");
  }
}

static void expect(const char *what, const char *items_text, const char *expected, PetscInt duplicates)
{
  char           *items[8], copy[4 * PETSC_MAX_PATH_LEN], got[8192], *save = NULL;
  PetscInt        n = 0;
  MicrographList *l = NULL;
  snprintf(copy, sizeof copy, "%s", items_text);
  for (char *item = strtok_r(copy, ",", &save); item && n < 8; item = strtok_r(NULL, ",", &save)) items[n++] = item;
  UNIT_CALL(micrograph_list_create(PETSC_COMM_SELF, "-input", items, n, &l));
  if (!l) return;
  names_of(l, got, sizeof got);
  UNIT_CHECK(!strcmp(got, expected) && l->duplicates == duplicates, "%s: got '%s' (%d repeats), expected '%s' (%d)",
             what, got, (int)l->duplicates, expected, (int)duplicates);
  UNIT_CALL(micrograph_list_destroy(&l));
  UNIT_CHECK(l == NULL, "destroy leaves the pointer NULL");
}

static void test_folder(void)
{
  char items[PETSC_MAX_PATH_LEN];
  expect("folder", folder, "B.TIF a.dm4 c.h5 ", 0);
  snprintf(items, sizeof items, "%s/", folder);
  expect("folder with a trailing slash", items, "B.TIF a.dm4 c.h5 ", 0);
}

static void test_pattern(void)
{
  char items[2 * PETSC_MAX_PATH_LEN];
  snprintf(items, sizeof items, "%s/[ac].*", folder);
  expect("pattern", items, "a.dm4 c.h5 ", 0);
  snprintf(items, sizeof items, "%s/s*", folder);
  expect("pattern matching a folder", items, "sub/d.ser ", 0);
}

static void test_order_and_duplicates(void)
{
  char items[4 * PETSC_MAX_PATH_LEN];
  snprintf(items, sizeof items, "%s/c.h5,%s/*.h5,%s/./a.dm4,%s", folder, folder, folder, folder);
  expect("file, pattern, other spelling, folder", items, "c.h5 ./a.dm4 B.TIF ", 3);
}

static void test_refusals(void)
{
  char            pattern[PETSC_MAX_PATH_LEN], empty[PETSC_MAX_PATH_LEN];
  char           *items[1];
  MicrographList *l = NULL;
  snprintf(pattern, sizeof pattern, "%s/*.ser", folder);
  items[0] = pattern;
  UNIT_CALL_FAILS(micrograph_list_create(PETSC_COMM_SELF, "-input", items, 1, &l));
  UNIT_CHECK(l == NULL, "a refused pattern returns no list");
  snprintf(empty, sizeof empty, "%s/empty", folder);
  items[0] = empty;
  UNIT_CALL_FAILS(micrograph_list_create(PETSC_COMM_SELF, "-input", items, 1, &l));
}

static void test_extensions(void)
{
  UNIT_CHECK(micrograph_list_has_micrograph_extension("x.DM3") && micrograph_list_has_micrograph_extension("y.tiff") &&
               micrograph_list_has_micrograph_extension("z.Emd"),
             "DM3, tiff, Emd are micrographs");
  UNIT_CHECK(
    !micrograph_list_has_micrograph_extension("notes.txt") && !micrograph_list_has_micrograph_extension(".png") &&
      !micrograph_list_has_micrograph_extension("a.tif.bak") && !micrograph_list_has_micrograph_extension("x.emi"),
    "txt, a bare .png, .bak and .emi are not");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  make_folder();
  UNIT_RUN(test_folder);
  UNIT_RUN(test_pattern);
  UNIT_RUN(test_order_and_duplicates);
  UNIT_RUN(test_refusals);
  UNIT_RUN(test_extensions);
  char command[PETSC_MAX_PATH_LEN + 16];
  snprintf(command, sizeof command, "rm -rf '%s'", folder);
  if (system(command) != 0) printf("note: could not remove %s\n", folder);
  return UNIT_END();
}
