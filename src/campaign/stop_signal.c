/* stop_signal.c — SIGUSR1 as a request to stop cleanly (SLURM's --signal=USR1@T).
 * The handler only sets a flag; the scheduler polls it between units. */
#include <signal.h>
#include <string.h>
#include "campaign/stop_signal.h"

static volatile sig_atomic_t stop_requested = 0;
static struct sigaction      previous_action;
static int                   installed = 0;

static void on_stop_signal(int signal_number)
{
  (void)signal_number;
  stop_requested = 1;
}

PetscErrorCode stop_signal_install(void)
{
  struct sigaction action;
  PetscFunctionBeginUser;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART; /* interrupted I/O continues; the flag is read between units */
  PetscCheck(sigaction(SIGUSR1, &action, &previous_action) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS,
             "Cannot install the SIGUSR1 handler");
  installed = 1;
  PetscFunctionReturn(0);
}

PetscErrorCode stop_signal_restore(void)
{
  PetscFunctionBeginUser;
  /* The default action of SIGUSR1 is to terminate: keep ignoring late signals rather
   * than dying during the final collective close. */
  if (installed) {
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    PetscCheck(sigaction(SIGUSR1, &ignore, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS,
               "Cannot reset the SIGUSR1 handler");
    installed = 0;
  }
  PetscFunctionReturn(0);
}

PetscBool stop_signal_requested(void) { return stop_requested ? PETSC_TRUE : PETSC_FALSE; }
void      stop_signal_raise(void) { stop_requested = 1; }
