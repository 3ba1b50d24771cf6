/* fuzz_common.h — what every libFuzzer harness of nanoforge shares.
 *
 * Each harness (fuzz_<target>.c) defines `fuzz_one(path, data, size)`, which hands one
 * input to a reader. The readers take file names, so the bytes go to one private
 * temporary file (mkstemp, rewritten per input). PETSc is initialised once, without
 * arguments or PETSC_OPTIONS, and its errors return silently: an error is the right
 * answer to a bad file, only a crash, a sanitizer report, a leak or a hang is a finding.
 * Built by `make fuzz` (tests/fuzz/README.md). */
#pragma once
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/lsan_interface.h>
#include <petscsys.h>

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size);
/* A harness that needs more set-up (HDF5's error printing off) defines FUZZ_SETUP first. */
#ifndef FUZZ_SETUP
#define FUZZ_SETUP() ((void)0)
#endif

static char fuzz_path[PETSC_MAX_PATH_LEN];

static void fuzz_remove_file(void) { unlink(fuzz_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  /* libFuzzer's own arguments (-max_total_time=...) never reach PETSc; PETSc's signal
   * handler would hide the sanitizer's report of a crash behind "Caught signal". */
  setenv("PETSC_OPTIONS", "-no_signal_handler", 1);
  setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  /* Open MPI's start-up leaves a few unreachable blocks, from plugins without unwind
   * information (so no suppression can name them): not the readers', not reported. */
  __lsan_disable();
  if (PetscInitializeNoArguments()) abort();
  __lsan_enable();
  /* NF_FUZZ_VERBOSE=1 keeps PETSc's messages: what the reader said about an input. */
  if (!getenv("NF_FUZZ_VERBOSE") && PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) abort();
  const char *dir = getenv("TMPDIR");
  snprintf(fuzz_path, sizeof fuzz_path, "%s/nanoforge-fuzz.XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(fuzz_path);
  if (fd < 0) {
    perror("fuzz: mkstemp");
    abort();
  }
  close(fd);
  atexit(fuzz_remove_file);
  FUZZ_SETUP();
  return 0;
}

/* The whole input, written to the temporary file (truncated first). */
static int fuzz_write_file(const uint8_t *data, size_t size)
{
  FILE *f = fopen(fuzz_path, "wb");
  if (!f) return -1;
  size_t written = size ? fwrite(data, 1, size, f) : 0;
  int    closed  = fclose(f);
  return written == size && closed == 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (fuzz_write_file(data, size)) {
    perror("fuzz: writing the input file");
    abort();
  }
  (void)fuzz_one(fuzz_path, data, size);
  return 0;
}
