#!/bin/bash
# pbs_campaign.sh — one nanoforge campaign as a PBS Pro / OpenPBS / Torque job.
# PBS does not signal jobs before the walltime, so the launcher runs under `timeout`, which
# sends SIGUSR1 (forwarded by mpiexec to every rank) MARGIN seconds before the limit; the
# campaign finishes the units in flight and exits with status 3; the script then submits
# itself again, and the next job continues from the journal.
#
#   qsub -v OPTIONS_FILE=input/au_on_carbon_published.opts,DATABASE=au_published.h5 jobs/pbs_campaign.sh
#PBS -N nanoforge-campaign
#PBS -l select=2:ncpus=32:mpiprocs=32
#PBS -l walltime=24:00:00
#PBS -j oe

# ============================== SITE BLOCK: edit for your cluster ==============================
module purge 2>/dev/null || true
# module load gcc/12 openmpi/4.1 petsc/3.18 hdf5/1.10-mpi fftw/3.3 openblas/0.3
LAUNCHER="mpiexec"                   # e.g. "mpiexec -n $NRANKS" or "aprun -n $NRANKS"
NANOFORGE=${NANOFORGE:-nanoforge}
WALLTIME_SECONDS=${WALLTIME_SECONDS:-86400}   # keep equal to -l walltime above
MARGIN=${MARGIN:-300}                         # seconds before the limit to stop cleanly
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# ============================ END OF SITE BLOCK ================================================

set -u
cd "${PBS_O_WORKDIR:-.}"
: "${OPTIONS_FILE:?submit with qsub -v OPTIONS_FILE=...,DATABASE=... jobs/pbs_campaign.sh}"
: "${DATABASE:?submit with qsub -v OPTIONS_FILE=...,DATABASE=... jobs/pbs_campaign.sh}"
echo "nanoforge campaign: PBS job ${PBS_JOBID:-?}: $OPTIONS_FILE -> $DATABASE"
timeout --preserve-status --signal=USR1 --kill-after=$((MARGIN - 30)) $((WALLTIME_SECONDS - MARGIN)) \
  $LAUNCHER "$NANOFORGE" campaign -options_file "$OPTIONS_FILE" -o "$DATABASE"
status=$?
if [ "$status" -eq 3 ] || [ "$status" -eq 124 ]; then
  if [ -e STOP ] || [ -e "$(dirname "$DATABASE")/STOP" ]; then echo "stopped by a STOP file; not resubmitted"; exit 0; fi
  echo "nanoforge campaign: stopped before the walltime with units left; resubmitting"
  qsub -v OPTIONS_FILE="$OPTIONS_FILE",DATABASE="$DATABASE",WALLTIME_SECONDS="$WALLTIME_SECONDS",MARGIN="$MARGIN" "${PBS_O_WORKDIR:-.}/jobs/pbs_campaign.sh"
  exit 0
fi
exit "$status"
