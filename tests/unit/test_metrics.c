/* test_metrics.c — scores on known confusion matrices, exactly; history CSV round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "train/metrics.h"
#include "unit.h"

static void test_known_confusion(void)
{
  /* truth 1 1 1 1 0 0 0 0 0 0 ; prediction 1 1 1 0 1 1 0 0 0 0 → TP 3, FN 1, FP 2, TN 4 */
  const uint8_t truth[10] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, prediction[10] = {1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
  Confusion     c = {0};
  Scores        s;
  confusion_add(&c, truth, prediction, 10);
  UNIT_CHECK(c.true_positive == 3 && c.false_negative == 1 && c.false_positive == 2 && c.true_negative == 4,
             "TP %g FN %g FP %g TN %g", c.true_positive, c.false_negative, c.false_positive, c.true_negative);
  confusion_scores(&c, &s);
  UNIT_CHECK(s.precision == 3.0 / 5.0, "precision %.17g", s.precision);
  UNIT_CHECK(s.recall == 3.0 / 4.0, "recall %.17g", s.recall);
  UNIT_CHECK(s.f1 == 6.0 / 9.0, "f1 %.17g", s.f1);
  UNIT_CHECK(s.iou == 3.0 / 6.0, "iou %.17g", s.iou);
  UNIT_CHECK(s.accuracy == 7.0 / 10.0, "accuracy %.17g", s.accuracy);
}

static void test_empty_and_perfect(void)
{
  const uint8_t zeros[4] = {0, 0, 0, 0}, ones[4] = {1, 1, 1, 1};
  Confusion     c = {0};
  Scores        s;
  confusion_add(&c, zeros, zeros, 4);
  confusion_scores(&c, &s);
  UNIT_CHECK(s.precision == 1 && s.recall == 1 && s.f1 == 1 && s.iou == 1, "empty/empty should score 1: %g %g %g %g",
             s.precision, s.recall, s.f1, s.iou);
  Confusion d = {0};
  confusion_add(&d, ones, zeros, 4); /* everything missed */
  confusion_scores(&d, &s);
  UNIT_CHECK(s.recall == 0 && s.f1 == 0 && s.iou == 0 && s.precision == 1, "all missed: P %g R %g F1 %g IoU %g",
             s.precision, s.recall, s.f1, s.iou);
  confusion_merge(&c, &d);
  UNIT_CHECK(c.false_negative == 4 && c.true_negative == 4, "merge FN %g TN %g", c.false_negative, c.true_negative);
}

static void test_f1_identity(void)
{
  /* F1 = 2 IoU / (1 + IoU) for every confusion matrix: check on pseudo-random masks. */
  uint8_t  truth[997], prediction[997];
  unsigned x = 12345;
  for (int i = 0; i < 997; i++) {
    x             = x * 1103515245u + 12345u;
    truth[i]      = (x >> 16) & 1;
    prediction[i] = (x >> 20) % 3 == 0;
  }
  Confusion c = {0};
  Scores    s;
  confusion_add(&c, truth, prediction, 997);
  confusion_scores(&c, &s);
  UNIT_CHECK_RELATIVE(s.f1, 2 * s.iou / (1 + s.iou), 1e-14);
  UNIT_CHECK_RELATIVE(s.f1, 2 * s.precision * s.recall / (s.precision + s.recall), 1e-14);
}

static void test_history_files(void)
{
  MetricsHistory *h = NULL, *back = NULL;
  char            csv[] = "/tmp/nf_metrics_XXXXXX";
  int             fd    = mkstemp(csv);
  UNIT_CHECK(fd >= 0, "mkstemp");
  close(fd);
  UNIT_CALL(metrics_history_create(&h));
  for (int e = 1; e <= 40; e++) {
    EpochMetrics row = {
      .epoch = e, .learning_rate = 1e-3 * pow(0.8, e), .train_loss = 1.0 / e, .validation_loss = 1.2 / e};
    row.train.f1      = 1 - 1.0 / (e + 1);
    row.validation.f1 = 1 - 1.5 / (e + 2);
    row.train.iou     = row.train.f1 / (2 - row.train.f1);
    UNIT_CALL(metrics_history_append(h, &row));
  }
  UNIT_CHECK(h->count == 40, "count %d", (int)h->count);
  double *table = malloc(sizeof(double) * 40 * METRICS_COLUMNS);
  UNIT_CALL(metrics_history_to_table(h, table));
  UNIT_CALL(metrics_history_create(&back));
  UNIT_CALL(metrics_history_from_table(back, 40, table));
  UNIT_CHECK(back->rows[39].epoch == 40 && back->rows[39].validation.f1 == h->rows[39].validation.f1, "round trip");
  UNIT_CALL(metrics_history_write_csv(h, csv));
  FILE *f = fopen(csv, "r");
  char  line[1024];
  int   lines = 0;
  while (f && fgets(line, sizeof line, f)) lines++;
  if (f) fclose(f);
  UNIT_CHECK(lines == 41, "CSV has %d lines, expected header + 40", lines);
  char png[PETSC_MAX_PATH_LEN];
  snprintf(png, sizeof png, "%s.png", csv);
  UNIT_CALL(metrics_history_write_png(h, png));
  f                      = fopen(png, "rb");
  unsigned char magic[8] = {0};
  if (f) {
    UNIT_CHECK(fread(magic, 1, 8, f) == 8, "read");
    fclose(f);
  }
  UNIT_CHECK(magic[1] == 'P' && magic[2] == 'N' && magic[3] == 'G', "PNG signature missing");
  remove(csv);
  remove(png);
  free(table);
  UNIT_CALL(metrics_history_destroy(&h));
  UNIT_CALL(metrics_history_destroy(&back));
  UNIT_CHECK(h == NULL, "destroy sets NULL");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_known_confusion);
  UNIT_RUN(test_empty_and_perfect);
  UNIT_RUN(test_f1_identity);
  UNIT_RUN(test_history_files);
  return UNIT_END();
}
