/* main.c — command dispatch: `nanoforge <command> [options]`.
 * The command name is taken off argv before PETSc sees the options, so every
 * remaining argument is an option of that command.
 * An error met by some ranks only aborts the job (parallel_abort), so no rank hangs. */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "app/commands.h"
#include "core/error_check.h"
#include "core/options.h"
#include "core/parallel.h"
#include "core/timing.h"

typedef struct {
  const char     *name;
  const char     *summary;
  CommandFunction function; /* NULL: not built in this version */
} Command;

static const Command commands[] = {
  {"build", "build one atomic structure (crystal, particle, support, scene) and write it", command_build},
  {"simulate", "simulate the HRTEM image and ground-truth mask of one structure", command_simulate},
  {"campaign", "simulate a sampled plan of structures x imaging conditions into one database", command_campaign},
  {"train", "train a U-Net segmentation model on a database (data-parallel over ranks)", command_train},
  {"evaluate", "score a model on labelled images: precision, recall, F1, IoU", command_evaluate},
  {"segment", "apply a model to micrographs (TIFF, PNG, HDF5/EMD): masks and overlays", command_segment},
  {"run", "campaign, then train, in one mpirun", command_run},
  {"info", "print the format, signals, pixel sizes and metadata of micrograph files", command_info},
  {"version", "print version, git revision, compiler and flags", command_version},
  {"help", "list the commands", NULL},
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static void print_usage(FILE *stream)
{
  fprintf(stream, "nanoforge — synthetic HRTEM databases and segmentation networks\n\n");
  fprintf(stream, "usage: nanoforge <command> [options]     (mpirun -n N nanoforge <command> ...)\n\ncommands:\n");
  for (int i = 0; i < n_commands; i++)
    fprintf(stream, "  %-9s %s%s\n", commands[i].name, commands[i].summary,
            (commands[i].function || !strcmp(commands[i].name, "help")) ? "" : "  [not built yet]");
  fprintf(
    stream,
    "\nEvery command accepts -help (its options with defaults and units), -options_file FILE,\n"
    "-seed N, -allow_unused_options and -memory_limit SIZE (bytes per rank, k/M/G/T suffix; default the machine's memory). Lengths in Å, voltages in kV, angles in mrad, doses in e/Å².\n");
}

/* PETSc's help printer while PetscInitialize runs: its generic page is not what a user of a
 * nanoforge command asked for (see main). */
static PetscErrorCode silent_help_printf(MPI_Comm comm, const char format[], ...)
{
  (void)comm;
  (void)format;
  return 0;
}

/* PETSc reads -options_file inside PetscInitialize, before nanoforge's error handler exists, and
 * reports a missing file or a directory with a traceback: check the files first, one line each. */
static int options_files_readable(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-options_file")) continue;
    if (i + 1 >= argc) {
      fprintf(stderr,
              "nanoforge: error: Option -options_file: no file name given; allowed: a readable file of options\n");
      return 0;
    }
    const char *path = argv[i + 1];
    struct stat info;
    FILE       *file;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
      fprintf(stderr,
              "nanoforge: error: Option -options_file: '%s' is a directory; allowed: a readable file of options\n",
              path);
      return 0;
    }
    if (!(file = fopen(path, "r"))) {
      fprintf(stderr, "nanoforge: error: Option -options_file: cannot open '%s': %s\n", path, strerror(errno));
      return 0;
    }
    /* PETSc parses a file whose first line starts with "---" or "%YAML" as YAML, and a bad YAML
     * document ends in its traceback: nanoforge's files are "-option value" lines. */
    char   first[8] = "";
    size_t got      = fread(first, 1, sizeof first - 1, file);
    fclose(file);
    first[got] = 0;
    if (!strncmp(first, "---", 3) || !strncmp(first, "%YAML", 5)) {
      fprintf(
        stderr,
        "nanoforge: error: Option -options_file: '%s' starts like a YAML document ('%.5s'); allowed: a file of '-option value' lines (# starts a comment)\n",
        path, first);
      return 0;
    }
  }
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-help") || !strcmp(argv[1], "--help") ||
      !strcmp(argv[1], "-h")) {
    print_usage(stdout);
    return 0;
  }
  const Command *command = NULL;
  for (int i = 0; i < n_commands; i++)
    if (!strcmp(argv[1], commands[i].name)) command = &commands[i];
  if (!command) {
    fprintf(stderr, "nanoforge: unknown command '%s'; allowed:", argv[1]);
    for (int i = 0; i < n_commands; i++) fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, " (see 'nanoforge help')\n");
    return 2;
  }
  if (!command->function) {
    fprintf(stderr, "nanoforge: command '%s' is not built in this version (%s); see 'nanoforge help'\n", command->name,
            command->summary);
    return COMMAND_EXIT_NOT_BUILT;
  }

  /* argv without the command name: PETSc reads the rest as options. */
  argv[1]            = argv[0];
  int    option_argc = argc - 1;
  char **option_argv = argv + 1;
  char   help[512];
  snprintf(
    help, sizeof help,
    "nanoforge %s: %s\nOptions of this command follow; lengths in Å, voltages in kV, angles in mrad, doses in e/Å².\n",
    command->name, command->summary);

  /* -help is taken off the command line and set again after start-up, and PETSc's help printer is
   * silent during start-up, so PETSc lists this command's options without its page of generic
   * start-up options first, also when -help comes from an -options_file or PETSC_OPTIONS. */
  int help_requested = 0, kept = 0;
  for (int i = 0; i < option_argc; i++) {
    if (i > 0 && (!strcmp(option_argv[i], "-help") || !strcmp(option_argv[i], "--help")))
      help_requested = 1;
    else
      option_argv[kept++] = option_argv[i];
  }
  option_argc              = kept;
  option_argv[option_argc] = NULL;

  if (!options_files_readable(option_argc, option_argv)) return 1;
  PetscHelpPrintf     = silent_help_printf;
  PetscErrorCode ierr = PetscInitialize(&option_argc, &option_argv, NULL, NULL);
  PetscHelpPrintf     = PetscHelpPrintfDefault;
  if (ierr) return (int)ierr;
  PetscBool help_elsewhere = PETSC_FALSE;
  ierr                     = PetscOptionsHasName(NULL, NULL, "-help", &help_elsewhere);
  if (ierr) return (int)ierr;
  if (help_requested || help_elsewhere) {
    ierr = PetscPrintf(
      PETSC_COMM_WORLD,
      "%s(-option <now VALUE : formerly DEFAULT>: description; -options_file FILE reads options from a file)\n", help);
    if (!ierr) ierr = PetscOptionsSetValue(NULL, "-help", NULL);
    if (ierr) return (int)ierr;
  }
  ierr = PetscPushErrorHandler(error_handler_for_users, NULL);
  /* HDF5's own error stack printing gives a page of HDF5-DIAG lines for a bad file; every HDF5
   * failure is turned into a one-line PETSc error naming the file instead. */
  if (!ierr) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (!ierr) ierr = options_memory_limit();
  if (!ierr) ierr = options_check_file_paths();
  if (!ierr) ierr = timing_register_events();
  if (!ierr) ierr = command->function(PETSC_COMM_WORLD);
  if (ierr) {
    int size = 1;
    (void)parallel_size(PETSC_COMM_WORLD, &size);
    /* Another rank may be waiting in a collective call: end them all rather than hang. */
    if (size > 1 && !error_was_collective()) parallel_abort(PETSC_COMM_WORLD, 1);
    PetscFinalize();
    return 1;
  }
  ierr = PetscFinalize();
  if (ierr) return (int)ierr;
  return command_exit_status();
}
