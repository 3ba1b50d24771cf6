/* output_file.h — the rules every command follows before it writes a file, so that
 * nothing a user already has is lost:
 *   - an output that is one of the command's inputs (the same file: same device and
 *     inode, so also through a symbolic or hard link) is refused before any work;
 *   - an existing output that is not the kind of file the command writes (a folder, or
 *     a file without the expected signature) is refused, never replaced;
 *   - the folder of the output must exist and be writable, checked up front, so a
 *     mistyped path fails in a second and not after hours of work.
 * Writing itself goes to a temporary name in the same folder, renamed over the final
 * name when complete (model_file.c, emd_file.c, picture.c, metrics.c, journal.c).
 * POSIX; output_file_check_all is collective (rank 0 checks and shares its verdict). Errors are PETSC_ERR_USER_INPUT naming the option and the paths. */
#pragma once
#include <petscsys.h>

/* An input of a command: its option (e.g. "-db") and path ("" or NULL: not given). */
typedef struct {
  const char *option; /* as the user typed it, for the message */
  const char *path;   /* the file read */
} OutputFileInput;

/* What an existing output must look like to be replaced: the first bytes of the kind of
 * file the command writes. NULL signature: any regular file may be replaced. */
typedef struct {
  const char *name;             /* "an HDF5 file", "a PNG image", for the message */
  const char *signature;        /* the file's first bytes */
  size_t      signature_length; /* how many */
} OutputFileKind;

extern const OutputFileKind output_file_kind_hdf5; /* "\x89HDF\r\n\x1a\n" */
extern const OutputFileKind output_file_kind_png;  /* "\x89PNG\r\n\x1a\n" */
extern const OutputFileKind output_file_kind_any;  /* any regular file */

/* An output of a command: its option, its path ("" or NULL: not written), its kind. */
typedef struct {
  const char           *option;
  const char           *path;
  const OutputFileKind *kind;
} OutputFileOutput;

/* True when both paths exist and name the same file (same st_dev and st_ino). */
PetscBool output_file_same(const char *a, const char *b);
/* All checks above for the output `path` of `option`: not one of `inputs`, not a folder,
 * if it exists then of `kind`, and its folder writable. */
PetscErrorCode output_file_check(const char *option, const char *path, const OutputFileKind *kind, int n_inputs,
                                 const OutputFileInput *inputs);
/* Collective on comm: rank 0 checks every output (output_file_check) and every rank
 * raises the first problem with the same one-line message, before any work. */
PetscErrorCode output_file_check_all(MPI_Comm comm, int n_outputs, const OutputFileOutput *outputs, int n_inputs,
                                     const OutputFileInput *inputs);
/* The -options_file given on the command line ("" if none): an input of every command
 * (PETSc reads it before the options are parsed and keeps no record of its name). */
PetscErrorCode output_file_options_file(char path[PETSC_MAX_PATH_LEN]);
