/* loss.h — segmentation losses on the U-Net's output probabilities and binary masks.
 *
 *   cross-entropy : mean over all pixels of -log p(true class)    (softmax2 or binary for sigmoid)
 *   dice          : mean over images of 1 - (2 Σ p·y + 1) / (Σ p + Σ y + 1), p = foreground prob.
 *   sum           : cross-entropy + dice (the published default)
 *
 * The gradient is returned with respect to the head's PRE-activation outputs (logits), so the
 * softmax / sigmoid saturation never produces 0·∞: for cross-entropy it is (p - y)/count.
 * Pass it to unet_backward. All sums in double. */
#pragma once
#include <stdint.h>
#include "nn/unet.h"

typedef enum { LOSS_CROSS_ENTROPY = 0, LOSS_DICE = 1, LOSS_CROSS_ENTROPY_DICE = 2 } LossKind;

/* Parses "cross_entropy", "dice", "cross_entropy+dice" (also "ce", "sum"); error names the value. */
PetscErrorCode loss_kind_from_string(const char *text, LossKind *kind);
const char    *loss_kind_name(LossKind kind);

/* probabilities: [batch][C][H][W] from unet_forward (C = 2 for softmax2, 1 for sigmoid).
 * masks: [batch][H][W], 0 = background, nonzero = particle.
 * loss: the mean loss of the batch. grad_logits (may be NULL): [batch][C][H][W]. */
PetscErrorCode loss_compute(LossKind kind, UNetHead head, const float *probabilities, const uint8_t *masks, int batch,
                            int height, int width, double *loss, float *grad_logits);

/* Foreground probability of pixel i of image n (channel 1 of softmax2, channel 0 of sigmoid). */
static inline float loss_foreground(UNetHead head, const float *probabilities, size_t spatial, int n, size_t i)
{
  return head == UNET_HEAD_SOFTMAX2 ? probabilities[((size_t)n * 2 + 1) * spatial + i]
                                    : probabilities[(size_t)n * spatial + i];
}
