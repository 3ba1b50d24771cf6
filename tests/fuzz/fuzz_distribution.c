/* fuzz_distribution.c — libFuzzer harness for distribution specs (distribution.c): the
 * input, cut at its first NUL, is parsed as an option value, then drawn from. */
#include "fuzz_common.h"
#include "core/distribution.h"

static PetscErrorCode fuzz_one(const char *path, const uint8_t *data, size_t size)
{
  Distribution distribution;
  RngStream    stream;
  char        *spec = NULL;
  double       value, lowest, highest;
  char         label[DISTRIBUTION_LABEL_LEN];

  (void)path;
  PetscCall(PetscMalloc1(size + 1, &spec));
  if (size) PetscCall(PetscMemcpy(spec, data, size));
  spec[size] = 0;
  if (!distribution_parse("-fuzz", spec, &distribution)) {
    rng_stream_init(&stream, 1, 0, 0);
    distribution_range(&distribution, &lowest, &highest);
    (void)distribution_is_constant(&distribution);
    (void)distribution_check_range(&distribution, 0, 100, "[0, 100]");
    for (int i = 0; i < 4; i++) {
      (void)distribution_sample(&distribution, &stream, &value);
      (void)distribution_sample_label(&distribution, &stream, label);
    }
  }
  PetscCall(PetscFree(spec));
  return 0;
}
