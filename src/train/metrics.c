/* metrics.c — confusion matrices, scores, and the per-epoch history (CSV, PNG curves). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/error_check.h"
#include "train/metrics.h"
#include "core/picture.h"

void confusion_add(Confusion *confusion, const uint8_t *truth, const uint8_t *prediction, PetscInt count)
{
  /* Integer counts per call, then one add: exact for any image size below 2^53 pixels. */
  long long tp = 0, fp = 0, fn = 0, tn = 0;
  for (PetscInt i = 0; i < count; i++) {
    int t = truth[i] != 0, p = prediction[i] != 0;
    tp += t & p;
    fp += (!t) & p;
    fn += t & (!p);
    tn += (!t) & (!p);
  }
  confusion->true_positive += (double)tp;
  confusion->false_positive += (double)fp;
  confusion->false_negative += (double)fn;
  confusion->true_negative += (double)tn;
}

void confusion_merge(Confusion *total, const Confusion *part)
{
  total->true_positive += part->true_positive;
  total->false_positive += part->false_positive;
  total->false_negative += part->false_negative;
  total->true_negative += part->true_negative;
}

void confusion_scores(const Confusion *c, Scores *s)
{
  double tp = c->true_positive, fp = c->false_positive, fn = c->false_negative, tn = c->true_negative;
  s->precision = (tp + fp > 0) ? tp / (tp + fp) : 1.0;
  s->recall    = (tp + fn > 0) ? tp / (tp + fn) : 1.0;
  s->f1        = (2 * tp + fp + fn > 0) ? 2 * tp / (2 * tp + fp + fn) : 1.0;
  s->iou       = (tp + fp + fn > 0) ? tp / (tp + fp + fn) : 1.0;
  double all   = tp + fp + fn + tn;
  s->accuracy  = all > 0 ? (tp + tn) / all : 1.0;
}

PetscErrorCode metrics_history_create(MetricsHistory **history)
{
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, history));
  PetscFunctionReturn(0);
}

PetscErrorCode metrics_history_destroy(MetricsHistory **history)
{
  PetscFunctionBeginUser;
  if (!*history) PetscFunctionReturn(0);
  PetscCall(PetscFree((*history)->rows));
  PetscCall(PetscFree(*history));
  PetscFunctionReturn(0);
}

PetscErrorCode metrics_history_append(MetricsHistory *history, const EpochMetrics *row)
{
  PetscFunctionBeginUser;
  if (history->count == history->capacity) {
    PetscInt      capacity = history->capacity ? 2 * history->capacity : 32;
    EpochMetrics *rows;
    PetscCall(PetscMalloc1(capacity, &rows));
    if (history->count) PetscCall(PetscArraycpy(rows, history->rows, history->count));
    PetscCall(PetscFree(history->rows));
    history->rows     = rows;
    history->capacity = capacity;
  }
  history->rows[history->count++] = *row;
  PetscFunctionReturn(0);
}

/* Column order of the table and of the CSV. */
static const char *column_names[METRICS_COLUMNS] = {
  "epoch",         "learning_rate",  "train_loss",      "train_precision",      "train_recall",
  "train_f1",      "train_iou",      "validation_loss", "validation_precision", "validation_recall",
  "validation_f1", "validation_iou", "seconds",         "train_accuracy"};

static void row_to_values(const EpochMetrics *r, double v[METRICS_COLUMNS])
{
  double values[METRICS_COLUMNS] = {
    (double)r->epoch, r->learning_rate,  r->train_loss,      r->train.precision,      r->train.recall,
    r->train.f1,      r->train.iou,      r->validation_loss, r->validation.precision, r->validation.recall,
    r->validation.f1, r->validation.iou, r->seconds,         r->train.accuracy};
  memcpy(v, values, sizeof values);
}

static void values_to_row(const double v[METRICS_COLUMNS], EpochMetrics *r)
{
  memset(r, 0, sizeof *r);
  r->epoch                = (PetscInt)v[0];
  r->learning_rate        = v[1];
  r->train_loss           = v[2];
  r->train.precision      = v[3];
  r->train.recall         = v[4];
  r->train.f1             = v[5];
  r->train.iou            = v[6];
  r->validation_loss      = v[7];
  r->validation.precision = v[8];
  r->validation.recall    = v[9];
  r->validation.f1        = v[10];
  r->validation.iou       = v[11];
  r->seconds              = v[12];
  r->train.accuracy       = v[13];
}

PetscErrorCode metrics_history_to_table(const MetricsHistory *history, double *table)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < history->count; i++) row_to_values(&history->rows[i], table + i * METRICS_COLUMNS);
  PetscFunctionReturn(0);
}

PetscErrorCode metrics_history_from_table(MetricsHistory *history, PetscInt count, const double *table)
{
  PetscFunctionBeginUser;
  history->count = 0;
  for (PetscInt i = 0; i < count; i++) {
    EpochMetrics row;
    values_to_row(table + i * METRICS_COLUMNS, &row);
    PetscCall(metrics_history_append(history, &row));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode metrics_history_write_csv(const MetricsHistory *history, const char *path)
{
  char  temporary[PETSC_MAX_PATH_LEN];
  FILE *file;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp", path));
  file = fopen(temporary, "w");
  PetscCheckPointerErrno(file, "cannot create the metrics file", temporary);
  for (int c = 0; c < METRICS_COLUMNS; c++)
    fprintf(file, "%s%s", column_names[c], c + 1 < METRICS_COLUMNS ? "," : "\n");
  for (PetscInt i = 0; i < history->count; i++) {
    double v[METRICS_COLUMNS];
    row_to_values(&history->rows[i], v);
    fprintf(file, "%d", (int)v[0]);
    for (int c = 1; c < METRICS_COLUMNS; c++) fprintf(file, ",%.8g", v[c]);
    fprintf(file, "\n");
  }
  PetscCheck(fclose(file) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the metrics file '%s'", temporary);
  PetscCallErrno(rename(temporary, path), "cannot rename the metrics file onto", path);
  PetscFunctionReturn(0);
}

/* ---- a minimal line plotter: pixels, Bresenham lines, 5x7 bitmap text ---- */

typedef struct {
  int            width, height;
  unsigned char *rgb;
} Canvas;

static void put_pixel(Canvas *c, int x, int y, const unsigned char colour[3])
{
  if (x < 0 || y < 0 || x >= c->width || y >= c->height) return;
  memcpy(c->rgb + 3 * ((size_t)y * c->width + x), colour, 3);
}

/* dash: 0 solid, otherwise draw `dash` pixels then skip `dash`. Two pixels thick. */
static void draw_line(Canvas *c, int x0, int y0, int x1, int y1, const unsigned char colour[3], int dash)
{
  int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy, step = 0;
  for (;;) {
    if (!dash || (step / dash) % 2 == 0) {
      put_pixel(c, x0, y0, colour);
      put_pixel(c, x0, y0 + 1, colour);
    }
    step++;
    if (x0 == x1 && y0 == y1) break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

/* One panel: box [left, top, right, bottom]; x = epoch 1..n, y from `low` to `high`. */
typedef struct {
  int    left, top, right, bottom;
  double low, high, epochs;
} Panel;

static PetscErrorCode panel_axes(Canvas *c, const Panel *p, const char *title)
{
  const unsigned char black[3] = {0, 0, 0}, grey[3] = {210, 210, 210};
  char                label[32];
  PetscFunctionBeginUser;
  for (int k = 0; k <= 4; k++) { /* quarter grid lines, labelled with their value */
    int y = p->bottom - k * (p->bottom - p->top) / 4;
    if (k > 0) draw_line(c, p->left, y, p->right, y, grey, 3);
    PetscCall(PetscSNPrintf(label, sizeof label, "%.3g", p->low + k * (p->high - p->low) / 4));
    PetscCall(
      picture_draw_text(c->rgb, c->width, c->height, 3, p->left - 6 - 6 * (int)strlen(label), y - 3, 1, label, black));
  }
  draw_line(c, p->left, p->top, p->left, p->bottom, black, 0);
  draw_line(c, p->left, p->bottom, p->right, p->bottom, black, 0);
  for (int e = 1; e <= (int)p->epochs; e++) { /* a tick per epoch */
    int x = p->left + (int)((e - 1) / fmax(p->epochs - 1, 1) * (p->right - p->left));
    draw_line(c, x, p->bottom, x, p->bottom + 4, black, 0);
  }
  PetscCall(picture_draw_text(c->rgb, c->width, c->height, 3, p->left, p->top - 22, 2, title, black));
  PetscCall(PetscSNPrintf(label, sizeof label, "epoch 1"));
  PetscCall(picture_draw_text(c->rgb, c->width, c->height, 3, p->left - 3, p->bottom + 10, 1, label, black));
  PetscCall(PetscSNPrintf(label, sizeof label, "%d", (int)p->epochs));
  PetscCall(picture_draw_text(c->rgb, c->width, c->height, 3, p->right - 6 * (int)strlen(label) / 2, p->bottom + 10, 1,
                              label, black));
  PetscFunctionReturn(0);
}

static void panel_curve(Canvas *c, const Panel *p, const MetricsHistory *h, int column, const unsigned char colour[3],
                        int dash)
{
  int have_previous = 0, px = 0, py = 0;
  for (PetscInt i = 0; i < h->count; i++) {
    double v[METRICS_COLUMNS];
    row_to_values(&h->rows[i], v);
    if (!isfinite(v[column])) continue;
    double fx = h->count > 1 ? (double)i / (double)(h->count - 1) : 0.5;
    double fy = (v[column] - p->low) / (p->high - p->low);
    fy        = fmin(fmax(fy, 0), 1);
    int x = p->left + (int)(fx * (p->right - p->left)), y = p->bottom - (int)(fy * (p->bottom - p->top));
    if (have_previous)
      draw_line(c, px, py, x, y, colour, dash);
    else
      put_pixel(c, x, y, colour);
    px = x, py = y, have_previous = 1;
  }
}

PetscErrorCode metrics_history_write_png(const MetricsHistory *history, const char *path)
{
  Canvas              c       = {800, 360, NULL};
  const unsigned char blue[3] = {31, 119, 180}, orange[3] = {255, 127, 14}, green[3] = {44, 160, 44},
                      red[3] = {214, 39, 40};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)3 * c.width * c.height, &c.rgb));
  memset(c.rgb, 255, (size_t)3 * c.width * c.height);
  /* Left panel: losses from 0 to the largest loss seen. */
  double top_loss = 0;
  for (PetscInt i = 0; i < history->count; i++) {
    if (isfinite(history->rows[i].train_loss)) top_loss = fmax(top_loss, history->rows[i].train_loss);
    if (isfinite(history->rows[i].validation_loss)) top_loss = fmax(top_loss, history->rows[i].validation_loss);
  }
  if (top_loss <= 0) top_loss = 1;
  Panel loss = {70, 40, 380, 300, 0, top_loss * 1.05, (double)history->count};
  /* Right panel: F1 (blue/orange) and IoU (green/red) on [0, 1]. */
  Panel score = {470, 40, 780, 300, 0, 1, (double)history->count};
  PetscCall(panel_axes(&c, &loss, "loss"));
  PetscCall(panel_axes(&c, &score, "F1 and IoU"));
  /* Legend: colour is the metric, solid is training data, dashed is validation data. */
  const unsigned char black[3] = {0, 0, 0};
  struct {
    int                  x;
    const unsigned char *colour;
    int                  dash;
    const char          *text;
  } legend[] = {{70, blue, 0, "train loss / F1"},
                {230, orange, 6, "validation loss / F1"},
                {470, green, 0, "train IoU"},
                {610, red, 6, "validation IoU"}};
  for (int k = 0; k < 4; k++) {
    draw_line(&c, legend[k].x, 338, legend[k].x + 24, 338, legend[k].colour, legend[k].dash);
    PetscCall(picture_draw_text(c.rgb, c.width, c.height, 3, legend[k].x + 30, 335, 1, legend[k].text, black));
  }
  panel_curve(&c, &loss, history, 2, blue, 0);
  panel_curve(&c, &loss, history, 7, orange, 6);
  panel_curve(&c, &score, history, 5, blue, 0);
  panel_curve(&c, &score, history, 10, orange, 6);
  panel_curve(&c, &score, history, 6, green, 0);
  panel_curve(&c, &score, history, 11, red, 6);
  PetscCall(picture_write_png(path, c.width, c.height, 3, c.rgb));
  PetscCall(PetscFree(c.rgb));
  PetscFunctionReturn(0);
}

const char *metrics_column_names(void)
{
  static char text[512];
  if (!text[0])
    for (int c = 0; c < METRICS_COLUMNS; c++) {
      strcat(text, column_names[c]);
      if (c + 1 < METRICS_COLUMNS) strcat(text, ",");
    }
  return text;
}
