/* optimizer.c — Adam and SGD with momentum over one contiguous parameter buffer. */
#include <math.h>
#include <string.h>
#include "nn/optimizer.h"
#include "nn/tensor.h"

struct Optimizer {
  OptimizerConfig config;
  size_t          count;       /* parameters */
  size_t          state_count; /* floats of state */
  float          *state;       /* Adam: m[count] then v[count]; SGD: velocity[count] */
  int64_t         steps;
};

void optimizer_config_default(OptimizerKind kind, OptimizerConfig *c)
{
  memset(c, 0, sizeof(*c));
  c->kind          = kind;
  c->learning_rate = kind == OPTIMIZER_ADAM ? 1e-3 : 1e-2;
  c->beta1         = 0.9;
  c->beta2         = 0.999;
  c->epsilon       = 1e-8;
  c->momentum      = 0.9;
  c->weight_decay  = 0;
  c->epoch_decay   = 0.8;
  c->warmup_steps  = 0;
}

PetscErrorCode optimizer_kind_from_string(const char *text, OptimizerKind *kind)
{
  PetscFunctionBegin;
  if (!strcmp(text, "adam"))
    *kind = OPTIMIZER_ADAM;
  else if (!strcmp(text, "sgd"))
    *kind = OPTIMIZER_SGD;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-optimizer %s: allowed are adam, sgd", text);
  PetscFunctionReturn(0);
}

const char *optimizer_kind_name(OptimizerKind kind) { return kind == OPTIMIZER_ADAM ? "adam" : "sgd"; }

double optimizer_learning_rate(const OptimizerConfig *c, long epoch, long step)
{
  double lr = c->learning_rate * pow(c->epoch_decay > 0 ? c->epoch_decay : 1.0, (double)epoch);
  if (c->warmup_steps > 0 && step < c->warmup_steps) lr *= (double)(step + 1) / (double)c->warmup_steps;
  return lr;
}

PetscErrorCode optimizer_create(const OptimizerConfig *config, size_t parameter_count, Optimizer **optimizer)
{
  Optimizer *o;

  PetscFunctionBegin;
  PetscCheck(config->learning_rate > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-learning_rate %g: must be positive",
             config->learning_rate);
  PetscCheck(config->kind != OPTIMIZER_ADAM ||
               (config->beta1 >= 0 && config->beta1 < 1 && config->beta2 >= 0 && config->beta2 < 1),
             PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Adam betas %g, %g: each must lie in [0, 1)", config->beta1,
             config->beta2);
  PetscCheck(config->weight_decay >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-weight_decay %g: must be >= 0",
             config->weight_decay);
  PetscCall(PetscNew(&o));
  o->config      = *config;
  o->count       = parameter_count;
  o->state_count = (config->kind == OPTIMIZER_ADAM ? 2 : 1) * parameter_count;
  PetscCall(tensor_alloc(o->state_count, &o->state));
  *optimizer = o;
  PetscFunctionReturn(0);
}

PetscErrorCode optimizer_destroy(Optimizer **optimizer)
{
  PetscFunctionBegin;
  if (!*optimizer) PetscFunctionReturn(0);
  PetscCall(tensor_free(&(*optimizer)->state));
  PetscCall(PetscFree(*optimizer));
  PetscFunctionReturn(0);
}

PetscErrorCode optimizer_step(Optimizer *o, float *w, const float *g, double learning_rate)
{
  const size_t count = o->count;
  const float  wd    = (float)o->config.weight_decay;

  PetscFunctionBegin;
  o->steps++;
  if (o->config.kind == OPTIMIZER_ADAM) {
    float       *m = o->state, *v = o->state + count;
    const float  b1 = (float)o->config.beta1, b2 = (float)o->config.beta2;
    const double c1 = 1.0 - pow(o->config.beta1, (double)o->steps), c2 = 1.0 - pow(o->config.beta2, (double)o->steps);
    const float  step_size = (float)(learning_rate / c1), root_c2 = (float)sqrt(c2), eps = (float)o->config.epsilon;
    for (size_t i = 0; i < count; i++) {
      float gi = g[i] + wd * w[i];
      m[i]     = b1 * m[i] + (1 - b1) * gi;
      v[i]     = b2 * v[i] + (1 - b2) * gi * gi;
      /* lr·m̂/(sqrt(v̂)+ε) = (lr/c1)·m / (sqrt(v)/sqrt(c2) + ε) */
      w[i] -= step_size * m[i] / (sqrtf(v[i]) / root_c2 + eps);
    }
  } else {
    float      *u  = o->state;
    const float mu = (float)o->config.momentum, lr = (float)learning_rate;
    for (size_t i = 0; i < count; i++) {
      float gi = g[i] + wd * w[i];
      u[i]     = mu * u[i] + gi;
      w[i] -= lr * u[i];
    }
  }
  PetscFunctionReturn(0);
}

const OptimizerConfig *optimizer_config(const Optimizer *o) { return &o->config; }
size_t                 optimizer_state_count(const Optimizer *o) { return o->state_count; }
float                 *optimizer_state(Optimizer *o) { return o->state; }
int64_t                optimizer_steps(const Optimizer *o) { return o->steps; }
void                   optimizer_set_steps(Optimizer *o, int64_t steps) { o->steps = steps; }
