# fuzz_env.sh — sourced by run_fuzz.sh and tests/integration/test_fuzz.sh: where the
# harnesses are, the sanitizers' settings, and the limits every run uses.
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
# Leaks are findings per input (libFuzzer runs LeakSanitizer when an input's mallocs and
# frees do not balance). Not at exit: what Open MPI's plugins keep then cannot be told
# apart (their frames have no unwind information), and it is not the readers'.
# allocator_may_return_null=1: a request the allocator cannot meet returns NULL, as malloc does
# in the real program (HDF5's own metadata cache asks for terabytes on some crafted files and
# copes with NULL; nanoforge's PetscMalloc turns NULL into an error). Requests of ours over
# -malloc_limit_mb are still findings.
# Set here whatever the caller had (make SANITIZE=... check exports its own for the program).
export ASAN_OPTIONS=detect_leaks=1:leak_check_at_exit=0:allocator_may_return_null=1:strict_string_checks=1${FUZZ_ASAN_OPTIONS:+:$FUZZ_ASAN_OPTIONS}
export LSAN_OPTIONS=suppressions=$PWD/tests/tools/lsan_suppressions.txt:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none HWLOC_HIDE_ERRORS=1 OPENBLAS_NUM_THREADS=1
# One input may take 10 s and 2 GB; a single allocation over 1 GB is a finding: a reader
# must check a size taken from a file before allocating it (issue 10).
FUZZ_LIMITS="-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=${FUZZ_MAX_LEN:-262144}"
