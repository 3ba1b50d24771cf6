/* metrics.h — segmentation scores from a pixel confusion matrix, and the per-epoch
 * history of a training run (CSV and PNG curves).
 *
 * The particle class (mask value 1) is the positive class. Conventions for empty
 * denominators, chosen so that an image without particles that is predicted empty
 * scores perfectly: precision = 1 when nothing was predicted positive, recall = 1
 * when there is nothing to find, F1 = IoU = 1 when both are empty. */
#pragma once
#include <stdint.h>
#include <petscsys.h>

/* Pixel counts of one image or of a whole set (sums of images: micro-averaged). */
typedef struct {
  double true_positive;  /* particle predicted particle */
  double false_positive; /* background predicted particle */
  double false_negative; /* particle predicted background */
  double true_negative;  /* background predicted background */
} Confusion;

/* Scores derived from a Confusion. */
typedef struct {
  double precision; /* TP / (TP + FP) */
  double recall;    /* TP / (TP + FN) */
  double f1;        /* 2 TP / (2 TP + FP + FN) */
  double iou;       /* TP / (TP + FP + FN) (Jaccard index) */
  double accuracy;  /* (TP + TN) / all */
} Scores;

/* Add the pixels of one image: truth and prediction are 0/1 (any non-zero is 1). */
void confusion_add(Confusion *confusion, const uint8_t *truth, const uint8_t *prediction, PetscInt count);
/* Add another confusion matrix (e.g. one image's into a set's total). */
void confusion_merge(Confusion *total, const Confusion *part);
/* Scores of a confusion matrix, with the empty-denominator conventions above. */
void confusion_scores(const Confusion *confusion, Scores *scores);

/* One epoch's row in the history. */
typedef struct {
  PetscInt epoch;           /* 1-based */
  double   learning_rate;   /* at the end of the epoch */
  double   train_loss;      /* mean loss over the epoch's steps */
  Scores   train;           /* on the training images seen (micro-averaged) */
  double   validation_loss; /* mean loss over the validation split (NaN when there is none) */
  Scores   validation;      /* on the validation split */
  double   seconds;         /* wall time of the epoch */
} EpochMetrics;

/* The list of epochs so far (stored in checkpoints so a resumed run keeps it). */
typedef struct {
  PetscInt      count;    /* epochs recorded */
  PetscInt      capacity; /* allocated rows */
  EpochMetrics *rows;     /* [count] */
} MetricsHistory;

PetscErrorCode metrics_history_create(MetricsHistory **history);
PetscErrorCode metrics_history_destroy(MetricsHistory **history);
PetscErrorCode metrics_history_append(MetricsHistory *history, const EpochMetrics *row);
/* Flatten to / from a [count][METRICS_COLUMNS] double table (for the model file). */
#define METRICS_COLUMNS 14
PetscErrorCode metrics_history_to_table(const MetricsHistory *history, double *table);
PetscErrorCode metrics_history_from_table(MetricsHistory *history, PetscInt count, const double *table);
/* CSV with a header line; written to a temporary name and renamed. */
PetscErrorCode metrics_history_write_csv(const MetricsHistory *history, const char *path);
/* PNG with two panels (loss; F1 and IoU) against epoch, train solid and validation dashed. */
PetscErrorCode metrics_history_write_png(const MetricsHistory *history, const char *path);
/* The METRICS_COLUMNS column names, comma-separated (as in the CSV header). */
const char *metrics_column_names(void);
