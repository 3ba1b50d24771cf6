/* unit.h — the unit-test harness: each test program runs named cases and prints
 *   PASS <case>          or          FAIL <case>: <why>   (file:line)
 * one line per case; tests/run_tests.sh counts them. A program that crashes or exits
 * non-zero without a FAIL line counts as one failure.
 *
 *   static void test_something(void) { UNIT_CHECK(x == 3, "x = %d", x); }
 *   int main(int argc, char **argv) { UNIT_BEGIN(argc, argv); UNIT_RUN(test_something); return UNIT_END(); }
 *
 * UNIT_BEGIN initialises PETSc (serial use; the program runs without mpirun) and
 * installs an error handler that reports PETSc errors inside a case as a failure.
 */
#pragma once
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <petscsys.h>

static int         unit_case_failed __attribute__((unused));
static int         unit_total_failed;
static int         unit_total_passed __attribute__((unused));
static const char *unit_case_name __attribute__((unused));

#define UNIT_CHECK(condition, ...)                                  \
  do {                                                              \
    if (!(condition)) {                                             \
      if (!unit_case_failed) {                                      \
        printf("FAIL %s: ", unit_case_name);                        \
        printf(__VA_ARGS__);                                        \
        printf("   (%s:%d: %s)\n", __FILE__, __LINE__, #condition); \
        fflush(stdout);                                             \
      }                                                             \
      unit_case_failed = 1;                                         \
    }                                                               \
  } while (0)

/* |actual - expected| <= tolerance * max(|expected|, tiny) */
#define UNIT_CHECK_RELATIVE(actual, expected, tolerance)                                                              \
  do {                                                                                                                \
    double unit_a_ = (double)(actual), unit_e_ = (double)(expected);                                                  \
    double unit_scale_ = fabs(unit_e_) > 1e-300 ? fabs(unit_e_) : 1e-300;                                             \
    UNIT_CHECK(fabs(unit_a_ - unit_e_) <= (tolerance)*unit_scale_,                                                    \
               "%s = %.17g, expected %.17g (relative tolerance %g)", #actual, unit_a_, unit_e_, (double)(tolerance)); \
  } while (0)

#define UNIT_CHECK_ABSOLUTE(actual, expected, tolerance)                                                              \
  do {                                                                                                                \
    double unit_a_ = (double)(actual), unit_e_ = (double)(expected);                                                  \
    UNIT_CHECK(fabs(unit_a_ - unit_e_) <= (tolerance), "%s = %.17g, expected %.17g (absolute tolerance %g)", #actual, \
               unit_a_, unit_e_, (double)(tolerance));                                                                \
  } while (0)

/* A PetscErrorCode-returning call inside a case: an error fails the case. */
#define UNIT_CALL(call)                                                                \
  do {                                                                                 \
    PetscErrorCode unit_ierr_ = (call);                                                \
    UNIT_CHECK(unit_ierr_ == 0, "%s returned PETSc error %d", #call, (int)unit_ierr_); \
  } while (0)

/* A call that must fail with a PETSc error (bad input): the error is expected. */
#define UNIT_CALL_FAILS(call)                                         \
  do {                                                                \
    (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);       \
    PetscErrorCode unit_ierr_ = (call);                               \
    (void)PetscPopErrorHandler();                                     \
    UNIT_CHECK(unit_ierr_ != 0, "%s succeeded but must fail", #call); \
  } while (0)

#define UNIT_RUN(function)            \
  do {                                \
    unit_case_name   = #function;     \
    unit_case_failed = 0;             \
    function();                       \
    if (unit_case_failed)             \
      unit_total_failed++;            \
    else {                            \
      unit_total_passed++;            \
      printf("PASS %s\n", #function); \
      fflush(stdout);                 \
    }                                 \
  } while (0)

#define UNIT_BEGIN(argc, argv)                                   \
  do {                                                           \
    if (PetscInitialize(&(argc), &(argv), NULL, NULL)) return 1; \
  } while (0)

#define UNIT_END() (PetscFinalize() ? 1 : (unit_total_failed ? 1 : 0))
