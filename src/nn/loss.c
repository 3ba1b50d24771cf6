/* loss.c — cross-entropy, soft Dice and their sum, with gradients w.r.t. the logits. */
#include <math.h>
#include <string.h>
#include "nn/loss.h"

PetscErrorCode loss_kind_from_string(const char *text, LossKind *kind)
{
  PetscFunctionBegin;
  if (!strcmp(text, "cross_entropy") || !strcmp(text, "ce"))
    *kind = LOSS_CROSS_ENTROPY;
  else if (!strcmp(text, "dice"))
    *kind = LOSS_DICE;
  else if (!strcmp(text, "cross_entropy+dice") || !strcmp(text, "sum") || !strcmp(text, "ce+dice"))
    *kind = LOSS_CROSS_ENTROPY_DICE;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-loss %s: allowed are cross_entropy, dice, cross_entropy+dice",
            text);
  PetscFunctionReturn(0);
}

const char *loss_kind_name(LossKind kind)
{
  switch (kind) {
  case LOSS_CROSS_ENTROPY:
    return "cross_entropy";
  case LOSS_DICE:
    return "dice";
  default:
    return "cross_entropy+dice";
  }
}

/* Smallest probability inside a logarithm: float softmax reaches 0 only for logit gaps > 100. */
#define LOSS_TINY 1e-30

PetscErrorCode loss_compute(LossKind kind, UNetHead head, const float *probabilities, const uint8_t *masks, int batch,
                            int height, int width, double *loss, float *grad_logits)
{
  const size_t P      = (size_t)height * width;
  const int    C      = head == UNET_HEAD_SOFTMAX2 ? 2 : 1;
  const int    use_ce = kind != LOSS_DICE, use_dice = kind != LOSS_CROSS_ENTROPY;
  const double count = (double)batch * (double)P;
  double       total = 0;

  PetscFunctionBegin;
  PetscCheck(batch > 0 && height > 0 && width > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "loss on an empty batch (%d images of %d×%d)", batch, height, width);
  if (grad_logits) memset(grad_logits, 0, sizeof(float) * (size_t)batch * C * P);
  if (use_ce) {
    double ce = 0;
    for (int n = 0; n < batch; n++) {
      const uint8_t *m = masks + (size_t)n * P;
      for (size_t i = 0; i < P; i++) {
        double p = loss_foreground(head, probabilities, P, n, i); /* P(particle) */
        double y = m[i] ? 1.0 : 0.0;
        if (head == UNET_HEAD_SOFTMAX2) {
          /* use the stored class probability for the true class: 1 - p loses digits near p = 1 */
          double pt = probabilities[((size_t)n * 2 + (m[i] ? 1 : 0)) * P + i];
          ce -= log(pt > LOSS_TINY ? pt : LOSS_TINY);
          if (grad_logits) {
            double p0 = probabilities[((size_t)n * 2) * P + i];
            grad_logits[((size_t)n * 2) * P + i] += (float)((p0 - (1.0 - y)) / count);
            grad_logits[((size_t)n * 2 + 1) * P + i] += (float)((p - y) / count);
          }
        } else {
          double q = m[i] ? p : 1.0 - p;
          ce -= log(q > LOSS_TINY ? q : LOSS_TINY);
          if (grad_logits) grad_logits[(size_t)n * P + i] += (float)((p - y) / count);
        }
      }
    }
    total += ce / count;
  }
  if (use_dice) {
    const double smooth = 1.0;
    double       dice   = 0;
    for (int n = 0; n < batch; n++) {
      const uint8_t *m     = masks + (size_t)n * P;
      double         inter = 0, sp = 0, sy = 0;
      for (size_t i = 0; i < P; i++) {
        double p = loss_foreground(head, probabilities, P, n, i);
        double y = m[i] ? 1.0 : 0.0;
        inter += p * y;
        sp += p;
        sy += y;
      }
      double den = sp + sy + smooth, num = 2 * inter + smooth;
      dice += 1.0 - num / den;
      if (grad_logits) {
        for (size_t i = 0; i < P; i++) {
          double y    = m[i] ? 1.0 : 0.0;
          double dldp = -(2 * y * den - num) / (den * den) / batch; /* d(mean Dice loss)/dp_i */
          if (head == UNET_HEAD_SOFTMAX2) {
            double p0 = probabilities[((size_t)n * 2) * P + i], p1 = probabilities[((size_t)n * 2 + 1) * P + i];
            double d = dldp * p0 * p1; /* dp1/dl1 = p0 p1 = -dp1/dl0 */
            grad_logits[((size_t)n * 2 + 1) * P + i] += (float)d;
            grad_logits[((size_t)n * 2) * P + i] -= (float)d;
          } else {
            double p = probabilities[(size_t)n * P + i];
            grad_logits[(size_t)n * P + i] += (float)(dldp * p * (1 - p));
          }
        }
      }
    }
    total += dice / batch;
  }
  *loss = total;
  PetscFunctionReturn(0);
}
