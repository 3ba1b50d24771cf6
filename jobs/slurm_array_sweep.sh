#!/bin/bash
# slurm_array_sweep.sh — a parameter sweep as a SLURM job array: task i runs one campaign
# with the i-th options file (each names its own -o database), e.g. the carbon-thickness
# sweep of the published study:
#
#   ls input/sweeps/carbon_*.opts > sweep.list
#   sbatch --array=0-$(( $(wc -l < sweep.list) - 1 )) jobs/slurm_array_sweep.sh sweep.list
#
# Each task is resumable exactly like jobs/slurm_campaign.sh (SIGUSR1 300 s before the
# limit, exit 3, requeue of that task only).
#SBATCH --job-name=nanoforge-sweep
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --time=12:00:00
#SBATCH --signal=USR1@300
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=nanoforge-sweep-%A_%a.out

# ============================== SITE BLOCK: edit for your cluster ==============================
module purge 2>/dev/null || true
# module load gcc/12 openmpi/4.1 petsc/3.18 hdf5/1.10-mpi fftw/3.3 openblas/0.3
LAUNCHER="srun --kill-on-bad-exit=1 --cpu-bind=cores"
NANOFORGE=${NANOFORGE:-nanoforge}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# ============================ END OF SITE BLOCK ================================================

set -u
LIST=${1:?usage: sbatch --array=0-N jobs/slurm_array_sweep.sh LIST_OF_OPTIONS_FILES [more options]}
shift
TASK=${SLURM_ARRAY_TASK_ID:?not an array job: submit with sbatch --array=...}
OPTIONS_FILE=$(sed -n "$((TASK + 1))p" "$LIST")
[ -n "$OPTIONS_FILE" ] || { echo "no line $((TASK + 1)) in $LIST"; exit 2; }
echo "nanoforge sweep: task $TASK of job ${SLURM_ARRAY_JOB_ID:-?}: $OPTIONS_FILE"
$LAUNCHER "$NANOFORGE" campaign -options_file "$OPTIONS_FILE" "$@"
status=$?
if [ "$status" -eq 3 ]; then
  if [ -e STOP ]; then echo "stopped by a STOP file; not requeued"; exit 0; fi
  echo "task $TASK stopped before the time limit; requeueing it"
  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${TASK}"
  exit 0
fi
exit "$status"
