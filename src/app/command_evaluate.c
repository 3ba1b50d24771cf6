/* command_evaluate.c — `nanoforge evaluate`: a model scored on labelled images (the engine is
 * evaluation.h's). */
#include "core/parallel.h"
#include "app/commands.h"
#include "train/evaluation.h"
#include "core/options.h"

PetscErrorCode command_evaluate(MPI_Comm comm)
{
  EvaluationConfig config;
  EvaluationReport report;
  PetscBool        help;
  int              rank, size;

  PetscFunctionBeginUser;
  PetscCall(evaluation_config_from_options(comm, &config));
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(evaluation_config_clear(&config));
  PetscCall(options_check_unused(comm));
  PetscErrorCode ierr = evaluation_run(comm, &config, &report);
  PetscCall(evaluation_config_clear(&config)); /* freed on errors too */
  PetscCall(ierr);
  PetscCall(parallel_rank(comm, &rank));
  PetscCall(parallel_size(comm, &size));
  if (rank == 0) {
    const Scores *s = &report.scores;
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "evaluate: %d images (pixels pooled): precision %.4f  recall %.4f  F1 %.4f  IoU %.4f  (threshold %g)\n",
      (int)report.images, s->precision, s->recall, s->f1, s->iou, config.threshold));
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "evaluate: inference %.2f images/s (%.3f s per image per rank; up to %d images or tiles of %d pixels per forward pass; %d rank%s)\n",
      report.seconds > 0 ? report.images / report.seconds : 0,
      report.images ? report.seconds * size / report.images : 0, (int)config.batch, report.tile, size,
      size > 1 ? "s" : ""));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "evaluate: per-image scores in %s\n", config.output));
    if (report.montage_rows)
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "evaluate: montage of %d images (image | true mask | predicted mask) in %s\n",
                            (int)report.montage_rows, config.montage));
  }
  PetscFunctionReturn(0);
}
