/* micrograph_list.c — files, folders and glob patterns expanded to micrograph paths (see
 * micrograph_list.h). Serial. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "train/micrograph_list.h"

/* .emi is left out: it only describes its _1.ser, which the folder also holds. */
const char micrograph_list_extensions[] = ".tif,.tiff,.png,.h5,.hdf5,.emd,.ser,.dm3,.dm4";

PetscBool micrograph_list_has_micrograph_extension(const char *name)
{
  const char *dot = strrchr(name, '.');
  if (!dot || dot == name) return PETSC_FALSE;
  size_t length = strlen(dot);
  for (const char *at = micrograph_list_extensions; *at;) {
    size_t n = strcspn(at, ",");
    if (n == length && !strncasecmp(at, dot, n)) return PETSC_TRUE;
    at += n + (at[n] == ',');
  }
  return PETSC_FALSE;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static PetscBool is_folder(const char *path)
{
  struct stat s;
  return stat(path, &s) == 0 && S_ISDIR(s.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

/* Appends `path` unless a path to the same file is already in the list. */
static PetscErrorCode list_add(MicrographList *l, PetscInt *capacity, const char *path)
{
  char here[PATH_MAX], there[PATH_MAX];
  PetscFunctionBeginUser;
  /* a file that does not exist yet is compared by its spelling (its reader will refuse it) */
  if (!realpath(path, here)) PetscCall(PetscStrncpy(here, path, sizeof here));
  for (PetscInt k = 0; k < l->count; k++) {
    if (!realpath(l->paths[k], there)) PetscCall(PetscStrncpy(there, l->paths[k], sizeof there));
    if (!strcmp(here, there)) {
      l->duplicates++;
      PetscFunctionReturn(0);
    }
  }
  if (l->count == *capacity) {
    *capacity = *capacity ? 2 * *capacity : 64;
    PetscCall(PetscRealloc(sizeof *l->paths * (size_t)*capacity, &l->paths));
  }
  PetscCall(PetscStrallocpy(path, &l->paths[l->count]));
  l->count++;
  PetscFunctionReturn(0);
}

/* The micrograph files of a folder, sorted by name; *added = how many. */
static PetscErrorCode add_folder(MicrographList *l, PetscInt *capacity, const char *folder, PetscInt *added)
{
  DIR           *dir = opendir(folder);
  struct dirent *entry;
  char         **names = NULL, path[PETSC_MAX_PATH_LEN];
  PetscInt       n = 0, size = 0;
  PetscFunctionBeginUser;
  PetscCheck(dir, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot read folder '%s': %s", folder, strerror(errno));
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] == '.' || !micrograph_list_has_micrograph_extension(entry->d_name)) continue;
    PetscCall(
      PetscSNPrintf(path, sizeof path, "%s%s%s", folder, folder[strlen(folder) - 1] == '/' ? "" : "/", entry->d_name));
    if (is_folder(path)) continue;
    if (n == size) {
      size = size ? 2 * size : 64;
      PetscCall(PetscRealloc(sizeof *names * (size_t)size, &names));
    }
    PetscCall(PetscStrallocpy(path, &names[n++]));
  }
  closedir(dir);
  if (n > 1) qsort(names, (size_t)n, sizeof *names, compare_names); /* names is NULL for an empty folder */
  for (PetscInt k = 0; k < n; k++) PetscCall(list_add(l, capacity, names[k]));
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
  PetscCall(PetscFree(names));
  *added = n;
  PetscFunctionReturn(0);
}

/* The matches of a glob pattern, sorted by name (folders among them expanded); *added = files. */
static PetscErrorCode add_pattern(MicrographList *l, PetscInt *capacity, const char *pattern, PetscInt *added)
{
  glob_t matches;
  PetscFunctionBeginUser;
  *added     = 0;
  int status = glob(pattern, 0, NULL, &matches);
  if (status == GLOB_NOMATCH) PetscFunctionReturn(0);
  PetscCheck(status == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot expand pattern '%s' (glob error %d)", pattern,
             status);
  qsort(matches.gl_pathv, matches.gl_pathc, sizeof *matches.gl_pathv, compare_names);
  PetscErrorCode ierr = 0;
  for (size_t k = 0; k < matches.gl_pathc && !ierr; k++) {
    PetscInt in_folder = 1;
    if (is_folder(matches.gl_pathv[k]))
      ierr = add_folder(l, capacity, matches.gl_pathv[k], &in_folder);
    else
      ierr = list_add(l, capacity, matches.gl_pathv[k]);
    *added += in_folder;
  }
  globfree(&matches);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* One -input item: a pattern, a folder or a file. */
static PetscErrorCode add_item(MPI_Comm comm, MicrographList *l, PetscInt *capacity, const char *option,
                               const char *item)
{
  PetscInt added = 1;
  PetscFunctionBeginUser;
  if (strpbrk(item, "*?[")) {
    PetscCall(add_pattern(l, capacity, item, &added));
    PetscCheck(added > 0, comm, PETSC_ERR_USER_INPUT, "%s pattern '%s' matches no micrograph", option, item);
  } else if (is_folder(item)) {
    PetscCall(add_folder(l, capacity, item, &added));
    PetscCheck(added > 0, comm, PETSC_ERR_USER_INPUT, "%s folder '%s' holds no micrograph (allowed extensions: %s)",
               option, item, micrograph_list_extensions);
  } else
    PetscCall(list_add(l, capacity, item));
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_list_create(MPI_Comm comm, const char *option, char *const items[], PetscInt n,
                                      MicrographList **out)
{
  MicrographList *l;
  PetscInt        capacity = 0;
  PetscErrorCode  ierr     = 0;
  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscNew(&l));
  for (PetscInt k = 0; k < n && !ierr; k++) ierr = add_item(comm, l, &capacity, option, items[k]);
  if (ierr) PetscCall(micrograph_list_destroy(&l)); /* refused: nothing is kept */
  PetscCall(ierr);
  *out = l;
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_list_destroy(MicrographList **list)
{
  PetscFunctionBeginUser;
  if (!*list) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < (*list)->count; k++) PetscCall(PetscFree((*list)->paths[k]));
  PetscCall(PetscFree((*list)->paths));
  PetscCall(PetscFree(*list));
  PetscFunctionReturn(0);
}
