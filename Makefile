# nanoforge — build, test, install.
# Every knob is overridable (make CC=... CFLAGS=... PETSC_LIBS=...) so Spack or a
# cluster's module system can build it without editing this file.

VERSION      ?= 0.1.0
PREFIX       ?= /usr/local
CC           ?= mpicc
ifeq ($(origin CC),default)
CC           := mpicc
endif
PKG_CONFIG   ?= pkg-config
# make SANITIZE=address,undefined check: everything built with the sanitizers into
# build-sanitize/ (program: build-sanitize/bin/nanoforge), then the suite run against it.
SANITIZE     ?=
ifneq ($(SANITIZE),)
OPTFLAGS     ?= -O1 -march=x86-64-v2 -mtune=generic
endif
OPTFLAGS     ?= -O3 -march=x86-64-v2 -mtune=generic
CFLAGS       ?= -std=c11 -g $(OPTFLAGS) -Wall -Wextra -Werror=implicit-function-declaration -fcx-limited-range -fno-math-errno -fopenmp-simd
CPPFLAGS     ?=
LDFLAGS      ?=
MPIEXEC      ?= mpirun
# Hardening, on by default (docs/building.md measures its cost): stack canaries, checked
# libc calls (-U first: pkg-config's PETSc flags already define _FORTIFY_SOURCE), a
# position-independent program, and relocations made read-only before main (full RELRO).
HARDEN_CFLAGS  ?= -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro,-z,now

PETSC_CFLAGS    ?= $(shell $(PKG_CONFIG) --cflags petsc 2>/dev/null)
PETSC_LIBS      ?= $(shell $(PKG_CONFIG) --libs petsc 2>/dev/null)
HDF5_CFLAGS     ?= $(shell $(PKG_CONFIG) --cflags hdf5-mpi 2>/dev/null)
HDF5_LIBS       ?= $(shell $(PKG_CONFIG) --libs hdf5-mpi 2>/dev/null)
FFTW_CFLAGS     ?= $(shell $(PKG_CONFIG) --cflags fftw3f 2>/dev/null)
FFTW_LIBS       ?= $(shell $(PKG_CONFIG) --libs fftw3f 2>/dev/null) -lfftw3f_mpi
OPENBLAS_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags openblas 2>/dev/null)
OPENBLAS_LIBS   ?= $(shell $(PKG_CONFIG) --libs openblas 2>/dev/null)
PNG_CFLAGS      ?= $(shell $(PKG_CONFIG) --cflags libpng 2>/dev/null)
PNG_LIBS        ?= $(shell $(PKG_CONFIG) --libs libpng 2>/dev/null)
TIFF_CFLAGS     ?= $(shell $(PKG_CONFIG) --cflags libtiff-4 2>/dev/null)
TIFF_LIBS       ?= $(shell $(PKG_CONFIG) --libs libtiff-4 2>/dev/null)
# Tests only: the corpus test reads REFERENCE.json (jansson) and hashes pixels (libcrypto).
TEST_CFLAGS     ?= $(shell $(PKG_CONFIG) --cflags jansson libcrypto 2>/dev/null)
TEST_LIBS       ?= $(shell $(PKG_CONFIG) --libs jansson libcrypto 2>/dev/null)

GIT_REVISION := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

ALL_CPPFLAGS = -Iinclude -D_GNU_SOURCE $(PETSC_CFLAGS) $(HDF5_CFLAGS) $(FFTW_CFLAGS) \
               $(OPENBLAS_CFLAGS) $(PNG_CFLAGS) $(TIFF_CFLAGS) $(CPPFLAGS)
ALL_LIBS     = $(PETSC_LIBS) $(HDF5_LIBS) $(FFTW_LIBS) $(OPENBLAS_LIBS) $(PNG_LIBS) $(TIFF_LIBS) -lm

BUILD   = build
BIN     = bin/nanoforge
ifneq ($(SANITIZE),)
BUILD   = build-sanitize
BIN     = $(BUILD)/bin/nanoforge
# FORTIFY's __*_chk wrappers would bypass ASan's interceptors; ASan checks those calls itself.
HARDEN_CFLAGS  = -fstack-protector-strong -U_FORTIFY_SOURCE -fPIE
SANITIZE_FLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
# Leaks inside Open MPI, HDF5, PETSc and hwloc are theirs; ours are reported. A request the
# allocator cannot meet returns NULL, as in the real program (HDF5 asks for terabytes on some
# crafted files and copes; ours go through checked_malloc and PetscMalloc).
SANITIZE_ENV   = ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1 \
                 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/tools/lsan_suppressions.txt:print_suppressions=0 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 OMPI_MCA_mca_base_component_disable_dlclose=1
endif
LIB     = $(BUILD)/libnanoforge.a
# Every module's sources are picked up by area; main.c alone is the program.
LIB_SRC = $(filter-out src/app/main.c,$(wildcard src/*/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC = $(wildcard tests/bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check run bench install uninstall clean docs-options elements-data fuzz fuzz-build fuzz-harnesses format format-check print-cppflags
.DEFAULT_GOAL := all

all: $(BIN)

# Installs the Debian packages when pkg-config cannot find a library; silent when all are there.
deps:
	@sh tests/tools/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS) -DNF_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

# Build facts go into one object only, so a new git revision relinks rather than rebuilds.
$(BUILD)/src/core/provenance.o: src/core/provenance.c .git-revision
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS) -DNF_VERSION='"$(VERSION)"' -DNF_GIT_REVISION='"$(GIT_REVISION)"' \
	  -DNF_BUILD_CFLAGS='"$(CC) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS)"' -MMD -MP -c $< -o $@

.git-revision: FORCE
	@echo "$(GIT_REVISION)" | cmp -s - $@ || echo "$(GIT_REVISION)" > $@
FORCE:

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/app/main.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS) $(LDFLAGS) $(HARDEN_LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(TEST_CFLAGS) -Itests/unit $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(HARDEN_LDFLAGS) $(ALL_LIBS) $(TEST_LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) $(HARDEN_CFLAGS) $(SANITIZE_FLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(HARDEN_LDFLAGS) $(ALL_LIBS)

tests-build: $(BIN) $(UNIT_BIN)

# The README's test command: unit tests, then the real binary under mpirun.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@NF_BUILD=$(BUILD) NANOFORGE=$(CURDIR)/$(BIN) $(SANITIZE_ENV) sh tests/run_tests.sh $(TESTS)

# Formatting (.clang-format): `make format` rewrites the C files in place; `make format-check`
# changes nothing and fails, listing the files clang-format would change (run by
# tests/integration/test_format.sh in make check).
CLANG_FORMAT ?= clang-format-14
FORMAT_SRC    = $(shell find src include tests/unit tests/fuzz tests/bench -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
format:
	@$(CLANG_FORMAT) --style=file -i $(FORMAT_SRC)

# One clang-format run over all files; its warnings name file:line, reduced to the file names.
# A failure that names no file (a broken .clang-format, say) is shown and fails too.
format-check:
	@command -v $(CLANG_FORMAT) >/dev/null 2>&1 || { echo "format-check: $(CLANG_FORMAT) not found (make deps installs it)" >&2; exit 2; }
	@out=$$($(CLANG_FORMAT) --style=file --dry-run -Werror $(FORMAT_SRC) 2>&1 >/dev/null); st=$$?; \
	bad=$$(echo "$$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | uniq); \
	if [ -n "$$bad" ]; then echo "format-check: not formatted (run make format):"; echo "$$bad" | sed 's/^/  /'; exit 1; fi; \
	if [ $$st -ne 0 ]; then echo "format-check: $(CLANG_FORMAT) failed (exit $$st):"; echo "$$out" | head -20; exit 1; fi

# Fuzzing (tests/fuzz/README.md): libFuzzer harnesses, one per reader, built with clang,
# AddressSanitizer and UBSan against the library compiled into build-fuzz/; `make fuzz` runs
# each for FUZZ_SECONDS on its corpus and saves what crashes in tests/data/fuzz_crashes/<target>/.
FUZZ_TARGETS ?= cif xyz dm ser tiff_png hdf5 journal model_file distribution options_file
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
# The MPI wrapper around clang (Open MPI reads OMPI_CC, MPICH reads MPICH_CC).
FUZZ_CC      ?= env OMPI_CC=clang MPICH_CC=clang mpicc
FUZZ_CFLAGS  ?= -std=c11 -g -O1 -fno-omit-frame-pointer -fopenmp-simd -Wall -Wno-unknown-pragmas -Wno-pass-failed \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) sh tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC="$(FUZZ_CC)" SANITIZE= HARDEN_CFLAGS=-U_FORTIFY_SOURCE HARDEN_LDFLAGS= \
	  CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" fuzz-harnesses

fuzz-harnesses: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/fuzz/fuzz_micrograph.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/fuzz $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDFLAGS) $(ALL_LIBS)

# The README's quickstart: deps, build, then the quickstart job.
run: deps
	@$(MAKE) --no-print-directory all
	@sh tests/tools/quickstart.sh

bench: deps
	@$(MAKE) --no-print-directory all tests-build $(BENCH_BIN)
	@sh tests/tools/bench.sh

# docs/options.md is generated from -help; tests/integration/test_docs.sh fails when it drifts.
docs-options: $(BIN)
	sh tests/tools/gen_options_md.sh $(BIN) > docs/options.md

# The Kirkland table is generated from shared/ when present and checked in, so the
# project builds without shared/.
elements-data:
	awk -f tests/tools/gen_kirkland.awk ../shared/data/kirkland2010_fe.tsv > src/core/elements_kirkland.c

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/nanoforge/input $(DESTDIR)$(PREFIX)/share/nanoforge/jobs
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/nanoforge
	cp -R input/. $(DESTDIR)$(PREFIX)/share/nanoforge/input/
	cp -R jobs/. $(DESTDIR)$(PREFIX)/share/nanoforge/jobs/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nanoforge
	rm -rf $(DESTDIR)$(PREFIX)/share/nanoforge

clean:
	rm -rf $(BUILD) build-sanitize $(FUZZ_BUILD) bin .git-revision

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/app/main.d

# The preprocessor flags the build uses (tests/integration/test_headers.sh compiles each header alone).
print-cppflags:
	@echo $(ALL_CPPFLAGS)
