/* exit_status.c — the process exit status a command asks for (see commands.h). */
#include "app/commands.h"

static int requested_exit_status = 0;

void command_set_exit_status(int status) { requested_exit_status = status; }
int  command_exit_status(void) { return requested_exit_status; }
