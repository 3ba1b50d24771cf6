#!/bin/bash
# slurm_campaign.sh — one nanoforge campaign as a SLURM batch job that survives time limits
# and pre-emption: SLURM sends SIGUSR1 to every task 300 s before the end; the campaign
# finishes the units in flight, closes the database, exits with status 3; this script then
# requeues the job, and the requeued run continues from the journal.
#
#   sbatch jobs/slurm_campaign.sh input/au_on_carbon_published.opts au_published.h5 [more options]
#
# A file named STOP in the submission folder (or beside the database) stops the campaign the
# same way, but is NOT requeued: remove it and resubmit to continue.
#SBATCH --job-name=nanoforge-campaign
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --time=24:00:00
#SBATCH --signal=USR1@300
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=nanoforge-campaign-%j.out

# ============================== SITE BLOCK: edit for your cluster ==============================
# Modules providing MPI, PETSc, parallel HDF5, FFTW (single precision) and OpenBLAS, as nanoforge
# was built with (see docs/building.md). Examples:
#   module load gcc/12 openmpi/4.1 petsc/3.18 hdf5/1.10-mpi fftw/3.3 openblas/0.3
module purge 2>/dev/null || true
# module load ...
LAUNCHER="srun --kill-on-bad-exit=1 --cpu-bind=cores"   # or: mpirun -np $SLURM_NTASKS
NANOFORGE=${NANOFORGE:-nanoforge}                        # path to the installed binary
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# ============================ END OF SITE BLOCK ================================================

set -u
OPTIONS_FILE=${1:?usage: sbatch jobs/slurm_campaign.sh OPTIONS_FILE DATABASE [more options]}
DATABASE=${2:?usage: sbatch jobs/slurm_campaign.sh OPTIONS_FILE DATABASE [more options]}
shift 2
echo "nanoforge campaign: job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_NTASKS:-?} tasks: $OPTIONS_FILE -> $DATABASE"
$LAUNCHER "$NANOFORGE" campaign -options_file "$OPTIONS_FILE" -o "$DATABASE" "$@"
status=$?
if [ "$status" -eq 3 ]; then
  if [ -e STOP ] || [ -e "$(dirname "$DATABASE")/STOP" ]; then
    echo "nanoforge campaign: stopped by a STOP file; not requeued (remove STOP and resubmit to continue)"
    exit 0
  fi
  echo "nanoforge campaign: stopped before the time limit with units left; requeueing job $SLURM_JOB_ID"
  scontrol requeue "$SLURM_JOB_ID"
  exit 0
fi
exit "$status"
