/* optimizer.h — Adam and SGD with momentum on one contiguous parameter buffer.
 *
 * State lives in ONE contiguous float buffer (Adam: m then v; SGD: velocity) plus a step
 * counter, so a checkpoint saves and restores it bit-identically (optimizer_state). Every
 * rank applies the identical update to identical averaged gradients.
 *
 * Weight decay is L2 added to the gradient (g += wd·w), as PyTorch's weight_decay.
 * Adam (Kingma & Ba 2015): m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
 *   w -= lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε)
 * SGD: u = μ u + g; w -= lr · u  (Nesterov off). */
#pragma once
#include <stdint.h>
#include <petscsys.h>

typedef enum { OPTIMIZER_ADAM = 0, OPTIMIZER_SGD = 1 } OptimizerKind;

typedef struct {
  OptimizerKind kind;
  double        learning_rate; /* base rate: 1e-3 (Adam), 1e-2 (SGD) */
  double        beta1, beta2;  /* Adam: 0.9, 0.999 */
  double        epsilon;       /* Adam: 1e-8 */
  double        momentum;      /* SGD: 0.9 */
  double        weight_decay;  /* 0 */
  double        epoch_decay;   /* learning rate × epoch_decay^epoch: 0.8 (published) */
  long          warmup_steps;  /* linear warm-up from lr/warmup_steps to lr over the first steps: 0 = none */
} OptimizerConfig;

/* Published defaults for the kind (see above). */
void optimizer_config_default(OptimizerKind kind, OptimizerConfig *config);
/* "adam" / "sgd" → kind; error names the value. */
PetscErrorCode optimizer_kind_from_string(const char *text, OptimizerKind *kind);
const char    *optimizer_kind_name(OptimizerKind kind);

/* Learning rate for a step: learning_rate · epoch_decay^epoch · min(1, (step+1)/warmup_steps).
 * epoch counts from 0, step is the global step count from 0. */
double optimizer_learning_rate(const OptimizerConfig *config, long epoch, long step);

typedef struct Optimizer Optimizer;

PetscErrorCode optimizer_create(const OptimizerConfig *config, size_t parameter_count, Optimizer **optimizer);
PetscErrorCode optimizer_destroy(Optimizer **optimizer);
/* One update of parameters in place with the given (averaged) gradients and learning rate. */
PetscErrorCode optimizer_step(Optimizer *optimizer, float *parameters, const float *gradients, double learning_rate);

const OptimizerConfig *optimizer_config(const Optimizer *optimizer);
/* The state buffer (writable, for checkpoint restore): length optimizer_state_count
 * (2 × parameters for Adam, 1 × for SGD), and the number of steps taken so far. */
size_t  optimizer_state_count(const Optimizer *optimizer);
float  *optimizer_state(Optimizer *optimizer);
int64_t optimizer_steps(const Optimizer *optimizer);
void    optimizer_set_steps(Optimizer *optimizer, int64_t steps);
