/* test_plan.c — the campaign plan: counts, canonical options, hash, difference messages. */
#include "plan/plan.h"
#include "unit.h"

static void test_counts_and_rows(void)
{
  Plan *plan = NULL;
  UNIT_CALL(plan_create(7, 10, 4, "-radius uniform:10,20\n", &plan));
  if (!plan) return;
  UNIT_CHECK(plan->n_images == 40, "n_images = %d, expected 40", (int)plan->n_images);
  UNIT_CHECK(plan_unit_first_image(plan, 3) == 12, "unit 3 starts at row %d, expected 12",
             (int)plan_unit_first_image(plan, 3));
  UNIT_CHECK(strlen(plan->hash_hex) == 16, "hash hex '%s' should have 16 digits", plan->hash_hex);
  UNIT_CALL(plan_destroy(&plan));
  UNIT_CHECK(plan == NULL, "destroy must NULL the pointer");
}

static void test_hash_depends_on_everything(void)
{
  Plan *a, *b, *c, *d, *e;
  UNIT_CALL(plan_create(7, 10, 4, "-radius uniform:10,20\n", &a));
  UNIT_CALL(plan_create(7, 10, 4, "-radius uniform:10,20\n", &b));
  UNIT_CALL(plan_create(8, 10, 4, "-radius uniform:10,20\n", &c));
  UNIT_CALL(plan_create(7, 10, 5, "-radius uniform:10,20\n", &d));
  UNIT_CALL(plan_create(7, 10, 4, "-radius uniform:10,21\n", &e));
  UNIT_CHECK(a->hash == b->hash, "same plan, different hashes");
  UNIT_CHECK(a->hash != c->hash && a->hash != d->hash && a->hash != e->hash,
             "seed, M and options must change the hash");
  /* FNV-1a 64 known answers: "" and "a". */
  UNIT_CHECK(plan_hash_string("", 0) == 0xcbf29ce484222325ULL, "FNV-1a of empty string");
  UNIT_CHECK(plan_hash_string("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of 'a' = %016llx",
             (unsigned long long)plan_hash_string("a", 1));
  plan_destroy(&a);
  plan_destroy(&b);
  plan_destroy(&c);
  plan_destroy(&d);
  plan_destroy(&e);
}

static void test_compare_names_the_option(void)
{
  PetscBool same;
  char      difference[512];
  UNIT_CALL(plan_options_compare("-a 1\n-b x\n", "-a 1\n-b x\n", &same, difference, sizeof difference));
  UNIT_CHECK(same, "equal sets compare different: %s", difference);
  UNIT_CALL(plan_options_compare("-a 1\n-radius uniform:10,50\n", "-a 1\n-radius uniform:10,40\n", &same, difference,
                                 sizeof difference));
  UNIT_CHECK(!same && !strcmp(difference, "-radius: was 'uniform:10,50', now 'uniform:10,40'"), "difference '%s'",
             difference);
  UNIT_CALL(plan_options_compare("-a 1\n", "-a 1\n-twins 2\n", &same, difference, sizeof difference));
  UNIT_CHECK(!same && !strcmp(difference, "-twins: was not given, now '2'"), "difference '%s'", difference);
  UNIT_CALL(plan_options_compare("-a 1\n-dose 100\n", "-a 1\n", &same, difference, sizeof difference));
  UNIT_CHECK(!same && !strcmp(difference, "-dose: was '100', now not given"), "difference '%s'", difference);
  UNIT_CALL(plan_options_compare("-flag\n", "-flag\n", &same, difference, sizeof difference));
  UNIT_CHECK(same, "a flag without value compares different: %s", difference);
}

static void test_collect_only_used_and_not_excluded(void)
{
  char        value[64], *options = NULL;
  PetscBool   set;
  const char *excluded[] = {"o", NULL};
  UNIT_CALL(PetscOptionsSetValue(NULL, "-zeta", "3"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-alpha", "uniform:1,2"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-defocus", "-50"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-never_read", "1"));
  UNIT_CALL(PetscOptionsSetValue(NULL, "-o", "db.h5"));
  UNIT_CALL(PetscOptionsGetString(NULL, NULL, "-zeta", value, sizeof value, &set));
  UNIT_CALL(PetscOptionsGetString(NULL, NULL, "-alpha", value, sizeof value, &set));
  UNIT_CALL(PetscOptionsGetString(NULL, NULL, "-defocus", value, sizeof value, &set));
  UNIT_CALL(PetscOptionsGetString(NULL, NULL, "-o", value, sizeof value, &set));
  UNIT_CALL(plan_options_collect(excluded, &options));
  if (!options) return;
  /* Sorted, used only, -o excluded, a negative number kept as a value. */
  UNIT_CHECK(!strcmp(options, "-alpha uniform:1,2\n-defocus -50\n-zeta 3\n"), "collected '%s'", options);
  PetscFree(options);
  PetscOptionsClearValue(NULL, "-never_read");
}

int main(int argc, char **argv)
{
  UNIT_BEGIN(argc, argv);
  UNIT_RUN(test_counts_and_rows);
  UNIT_RUN(test_hash_depends_on_everything);
  UNIT_RUN(test_compare_names_the_option);
  UNIT_RUN(test_collect_only_used_and_not_excluded);
  return UNIT_END();
}
