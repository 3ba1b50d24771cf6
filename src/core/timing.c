/* timing.c — registration of the per-phase log events (see timing.h). */
#include "core/timing.h"

PetscClassId  NF_CLASSID;
PetscLogEvent NF_EVENT_STRUCTURE, NF_EVENT_POTENTIAL, NF_EVENT_MULTISLICE, NF_EVENT_LENS, NF_EVENT_DETECTOR,
  NF_EVENT_MASK, NF_EVENT_DB_WRITE, NF_EVENT_DB_READ, NF_EVENT_JOURNAL, NF_EVENT_FORWARD, NF_EVENT_BACKWARD,
  NF_EVENT_ALLREDUCE, NF_EVENT_OPTIMIZER;

PetscErrorCode timing_register_events(void)
{
  static PetscBool registered = PETSC_FALSE;
  PetscFunctionBeginUser;
  if (registered) PetscFunctionReturn(0);
  PetscCall(PetscClassIdRegister("nanoforge", &NF_CLASSID));
  PetscCall(PetscLogEventRegister("Structure", NF_CLASSID, &NF_EVENT_STRUCTURE));
  PetscCall(PetscLogEventRegister("Potential", NF_CLASSID, &NF_EVENT_POTENTIAL));
  PetscCall(PetscLogEventRegister("Multislice", NF_CLASSID, &NF_EVENT_MULTISLICE));
  PetscCall(PetscLogEventRegister("Lens", NF_CLASSID, &NF_EVENT_LENS));
  PetscCall(PetscLogEventRegister("Detector", NF_CLASSID, &NF_EVENT_DETECTOR));
  PetscCall(PetscLogEventRegister("Mask", NF_CLASSID, &NF_EVENT_MASK));
  PetscCall(PetscLogEventRegister("DbWrite", NF_CLASSID, &NF_EVENT_DB_WRITE));
  PetscCall(PetscLogEventRegister("DbRead", NF_CLASSID, &NF_EVENT_DB_READ));
  PetscCall(PetscLogEventRegister("Journal", NF_CLASSID, &NF_EVENT_JOURNAL));
  PetscCall(PetscLogEventRegister("Forward", NF_CLASSID, &NF_EVENT_FORWARD));
  PetscCall(PetscLogEventRegister("Backward", NF_CLASSID, &NF_EVENT_BACKWARD));
  PetscCall(PetscLogEventRegister("Allreduce", NF_CLASSID, &NF_EVENT_ALLREDUCE));
  PetscCall(PetscLogEventRegister("Optimizer", NF_CLASSID, &NF_EVENT_OPTIMIZER));
  registered = PETSC_TRUE;
  PetscFunctionReturn(0);
}
