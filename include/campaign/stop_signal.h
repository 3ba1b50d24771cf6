/* stop_signal.h — SIGUSR1 (a scheduler's warning before the time limit) turned into a stop
 * request that the campaign's master polls between units. */
#pragma once
#include <petscsys.h>

/* SIGUSR1 → a stop request (src/campaign/stop_signal.c). Install before the loop,
 * restore after; `requested` is safe to poll at any time. */
PetscErrorCode stop_signal_install(void);
PetscErrorCode stop_signal_restore(void);
PetscBool      stop_signal_requested(void);
/* Test hook: ask for a stop as if SIGUSR1 had arrived. */
void stop_signal_raise(void);
