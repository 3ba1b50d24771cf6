/* error_check.h — turn HDF5, FFTW and libc failures into PETSc errors.
 *
 * Every failure path of the program ends in a PETSc error so that one mechanism
 * prints the stack, names the file or option, and gives a non-zero exit status.
 * These macros are the only place where foreign error conventions are translated:
 *   HDF5  : a negative hid_t / herr_t,
 *   FFTW  : a NULL plan,
 *   libc  : -1 or NULL with errno set.
 */
#pragma once
#include <errno.h>
#include <string.h>
#include <petscsys.h>
#include "core/parallel.h"

/* HDF5 call returning hid_t or herr_t; `operation` and `filename` appear in the message. */
#define PetscCallHDF5(call, operation, filename)                                                              \
  do {                                                                                                        \
    if ((call) < 0)                                                                                           \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "HDF5 %s failed on '%s'", (operation), (filename)); \
  } while (0)

/* FFTW planner result: NULL means FFTW could not make the plan (size, memory, wisdom). */
#define PetscCheckFFTWPlan(plan, description)                                                                     \
  do {                                                                                                            \
    if (!(plan)) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not create the plan for %s", (description)); \
  } while (0)

/* libc call returning -1 with errno set (open, write, rename, fsync, mkdir, ...). */
#define PetscCallErrno(call, operation, filename)                                           \
  do {                                                                                      \
    errno = 0;                                                                              \
    if ((call) == -1) {                                                                     \
      int nf_saved_errno_ = errno;                                                          \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s '%s': %s", (operation), (filename), \
              strerror(nf_saved_errno_));                                                   \
    }                                                                                       \
  } while (0)

/* libc call returning a pointer, NULL with errno set on failure (fopen, ...). */
#define PetscCheckPointerErrno(pointer, operation, filename)                                \
  do {                                                                                      \
    if (!(pointer)) {                                                                       \
      int nf_saved_errno_ = errno;                                                          \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s '%s': %s", (operation), (filename), \
              nf_saved_errno_ ? strerror(nf_saved_errno_) : "failed");                      \
    }                                                                                       \
  } while (0)

/* Error handler for users: input and file errors print one line
 *   nanoforge: error: <message>
 * on standard error; internal errors keep PETSc's full traceback. Pushed by main(). */
PetscErrorCode error_handler_for_users(MPI_Comm comm, int line, const char *function, const char *file,
                                       PetscErrorCode code, PetscErrorType type, const char *message, void *context);
/* True when the last error was raised on a communicator spanning every rank (so every
 * rank meets it and the program may finalize instead of aborting). */
PetscBool error_was_collective(void);

/* `status` is what a check run on rank 0 alone returned (0 elsewhere; run it under
 * PetscReturnErrorHandler so it returns rather than raises). Raise the same error with the same
 * message on every rank of `comm`, so all ranks stop together with one line. Collective. */
PetscErrorCode error_share_from_rank0(MPI_Comm comm, PetscErrorCode status);

/* Run `call` on rank 0 of `comm` alone, its errors returned rather than raised, then raise its
 * error (if any) on every rank with error_share_from_rank0. Collective. */
#define PetscCallOnRank0Shared(comm, call)                             \
  do {                                                                 \
    PetscBool      nf_root_;                                           \
    PetscErrorCode nf_status_ = 0;                                     \
    PetscCall(parallel_is_root((comm), &nf_root_));                    \
    if (nf_root_) {                                                    \
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); \
      nf_status_ = (call);                                             \
      PetscCall(PetscPopErrorHandler());                               \
    }                                                                  \
    PetscCall(error_share_from_rank0((comm), nf_status_));             \
  } while (0)
