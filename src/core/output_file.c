/* output_file.c — refuse outputs that would destroy an input or a foreign file.
 * output_file_check_all is collective: rank 0 checks, PetscCallOnRank0Shared shares the verdict. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/error_check.h"
#include "core/output_file.h"

const OutputFileKind output_file_kind_hdf5 = {"an HDF5 file", "\x89HDF\r\n\x1a\n", 8};
const OutputFileKind output_file_kind_png  = {"a PNG image", "\x89PNG\r\n\x1a\n", 8};
const OutputFileKind output_file_kind_any  = {"a file", NULL, 0};

PetscBool output_file_same(const char *a, const char *b)
{
  struct stat x, y;
  if (!a || !b || !a[0] || !b[0] || stat(a, &x) != 0 || stat(b, &y) != 0) return PETSC_FALSE;
  return x.st_dev == y.st_dev && x.st_ino == y.st_ino ? PETSC_TRUE : PETSC_FALSE;
}

/* Does the existing file start with the kind's signature? */
static PetscBool has_signature(const char *path, const OutputFileKind *kind)
{
  char  head[16] = {0};
  FILE *file;
  if (!kind->signature) return PETSC_TRUE;
  if (!(file = fopen(path, "rb"))) return PETSC_FALSE;
  size_t n = fread(head, 1, kind->signature_length, file);
  fclose(file);
  return n == kind->signature_length && !memcmp(head, kind->signature, n) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode output_file_check(const char *option, const char *path, const OutputFileKind *kind, int n_inputs,
                                 const OutputFileInput *inputs)
{
  struct stat info;
  char        copy[PETSC_MAX_PATH_LEN], folder[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: give a file name to write", option);
  for (int i = 0; i < n_inputs; i++)
    PetscCheck(
      !output_file_same(path, inputs[i].path), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "Option %s: '%s' is the same file as the input %s '%s'; writing it would destroy the input. Give another %s",
      option, path, inputs[i].option, inputs[i].path, option);
  if (stat(path, &info) == 0) {
    PetscCheck(!S_ISDIR(info.st_mode), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' is a folder; give a file name inside it", option, path);
    PetscCheck(S_ISREG(info.st_mode), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' exists and is not a regular file; refusing to replace it", option, path);
    /* An empty file holds nothing to lose (e.g. made by mktemp). */
    PetscCheck(
      info.st_size == 0 || has_signature(path, kind), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "Option %s: '%s' exists and is not %s as this command writes; refusing to replace it (remove it yourself, or give another %s)",
      option, path, kind->name, option);
  }
  /* The final file is renamed into place from a temporary beside it: the folder must take both. */
  PetscCall(PetscStrncpy(copy, path, sizeof copy));
  PetscCall(PetscStrncpy(folder, dirname(copy), sizeof folder));
  if (access(folder, W_OK | X_OK) != 0) {
    int problem = errno ? errno : EACCES;
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: cannot write '%s': folder '%s': %s", option, path,
            folder, strerror(problem));
  }
  PetscFunctionReturn(0);
}

/* Rank 0's part: the outputs in order, stopping at the first refusal. */
static PetscErrorCode check_outputs_in_order(int n_outputs, const OutputFileOutput *outputs, int n_inputs,
                                             const OutputFileInput *inputs)
{
  PetscFunctionBeginUser;
  for (int o = 0; o < n_outputs; o++)
    if (outputs[o].path && outputs[o].path[0])
      PetscCall(output_file_check(outputs[o].option, outputs[o].path, outputs[o].kind, n_inputs, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode output_file_check_all(MPI_Comm comm, int n_outputs, const OutputFileOutput *outputs, int n_inputs,
                                     const OutputFileInput *inputs)
{
  PetscFunctionBeginUser;
  PetscCallOnRank0Shared(comm, check_outputs_in_order(n_outputs, outputs, n_inputs, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode output_file_options_file(char path[PETSC_MAX_PATH_LEN])
{
  int    argc;
  char **argv;
  PetscFunctionBeginUser;
  path[0] = 0;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "-options_file")) PetscCall(PetscStrncpy(path, argv[i + 1], PETSC_MAX_PATH_LEN));
  PetscFunctionReturn(0);
}
