/* timing.h — one PetscLogEvent per phase, so -log_view shows where the time went
 * (min/max/ratio across ranks). Registered once by timing_register_events() at start-up. */
#pragma once
#include <petscsys.h>
#include <petsclog.h>

extern PetscClassId  NF_CLASSID;
extern PetscLogEvent NF_EVENT_STRUCTURE;  /* building a structure (crystal, shape, support, scene) */
extern PetscLogEvent NF_EVENT_POTENTIAL;  /* projected potential slices */
extern PetscLogEvent NF_EVENT_MULTISLICE; /* multislice propagation */
extern PetscLogEvent NF_EVENT_LENS;       /* objective lens and coherence envelopes */
extern PetscLogEvent NF_EVENT_DETECTOR;   /* resampling, MTF, dose noise */
extern PetscLogEvent NF_EVENT_MASK;       /* ground-truth masks */
extern PetscLogEvent NF_EVENT_DB_WRITE;   /* database hyperslab writes */
extern PetscLogEvent NF_EVENT_DB_READ;    /* database reads */
extern PetscLogEvent NF_EVENT_JOURNAL;    /* journal appends and reads */
extern PetscLogEvent NF_EVENT_FORWARD;    /* network forward pass */
extern PetscLogEvent NF_EVENT_BACKWARD;   /* network backward pass */
extern PetscLogEvent NF_EVENT_ALLREDUCE;  /* gradient averaging */
extern PetscLogEvent NF_EVENT_OPTIMIZER;  /* optimizer step */

PetscErrorCode timing_register_events(void);
