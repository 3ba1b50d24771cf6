/* command_train.c — `nanoforge train`: data-parallel U-Net training on a database. */
#include "core/parallel.h"
#include "app/commands.h"
#include "core/options.h"
#include "train/training.h"

PetscErrorCode command_train(MPI_Comm comm)
{
  TrainingConfig config;
  TrainingReport report;
  PetscBool      help;
  int            rank, size;

  PetscFunctionBeginUser;
  PetscCall(training_config_from_options(comm, &config));
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  PetscCall(training_run(comm, &config, &report));
  PetscCall(parallel_rank(comm, &rank));
  PetscCall(parallel_size(comm, &size));
  if (rank == 0) {
    double step = report.steps ? report.seconds / report.steps : 0;
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "train: done: %d epochs, %d steps in this run, %d images in %.2f s = %.2f images/s on %d rank%s (global batch %d, per-rank %d)\n",
      (int)report.epochs_done, (int)report.steps, (int)report.images, report.seconds, report.images_per_second, size,
      size > 1 ? "s" : "", (int)config.global_batch, (int)(config.global_batch / size)));
    if (report.steps > 1)
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "train: after the first step (%.2f s, first touch of every buffer): %.2f images/s\n",
                            report.first_step_seconds, report.steady_images_per_second));
    if (report.steps)
      PetscCall(PetscPrintf(
        PETSC_COMM_SELF,
        "train: step %.4f s: forward+loss %.4f s, backward %.4f s (rank 0); gradient MPI %.4f s/step (%.1f%% of the step), of it waiting after backward %.4f s\n",
        step, report.forward_seconds / report.steps, report.backward_seconds / report.steps,
        report.allreduce_seconds / report.steps,
        100 * report.allreduce_seconds / (report.seconds > 0 ? report.seconds : 1),
        report.wait_seconds / report.steps));
    PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "train: last epoch: train F1 %.4f IoU %.4f; validation precision %.4f recall %.4f F1 %.4f IoU %.4f\n",
                  report.train.f1, report.train.iou, report.validation.precision, report.validation.recall,
                  report.validation.f1, report.validation.iou));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "train: parameter checksum %016llx\n",
                          (unsigned long long)report.parameter_checksum));
    PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "train: wrote %s (final), and beside it _best.h5, _checkpoint_EEEE.h5, _metrics.csv, _metrics.png\n",
                  config.output));
  }
  PetscFunctionReturn(0);
}
