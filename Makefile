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
OPTFLAGS     ?= -O3 -march=x86-64-v2 -mtune=generic
CFLAGS       ?= -std=c11 -g $(OPTFLAGS) -Wall -Wextra -fcx-limited-range -fno-math-errno -fopenmp-simd
CPPFLAGS     ?=
LDFLAGS      ?=
MPIEXEC      ?= mpirun

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

GIT_REVISION := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

ALL_CPPFLAGS = -Iinclude -D_GNU_SOURCE $(PETSC_CFLAGS) $(HDF5_CFLAGS) $(FFTW_CFLAGS) \
               $(OPENBLAS_CFLAGS) $(PNG_CFLAGS) $(TIFF_CFLAGS) $(CPPFLAGS)
ALL_LIBS     = $(PETSC_LIBS) $(HDF5_LIBS) $(FFTW_LIBS) $(OPENBLAS_LIBS) $(PNG_LIBS) $(TIFF_LIBS) -lm

BUILD   = build
LIB     = $(BUILD)/libnanoforge.a
BIN     = bin/nanoforge
# Every module's sources are picked up by area; main.c alone is the program.
LIB_SRC = $(filter-out src/app/main.c,$(wildcard src/*/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC = $(wildcard tests/bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check run bench install uninstall clean docs-options elements-data
.DEFAULT_GOAL := all

all: $(BIN)

# Installs the Debian packages when pkg-config cannot find a library; silent when all are there.
deps:
	@sh tests/tools/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) -DNF_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

# Build facts go into one object only, so a new git revision relinks rather than rebuilds.
$(BUILD)/src/core/provenance.o: src/core/provenance.c .git-revision
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) -DNF_VERSION='"$(VERSION)"' -DNF_GIT_REVISION='"$(GIT_REVISION)"' \
	  -DNF_BUILD_CFLAGS='"$(CC) $(CFLAGS)"' -MMD -MP -c $< -o $@

.git-revision: FORCE
	@echo "$(GIT_REVISION)" | cmp -s - $@ || echo "$(GIT_REVISION)" > $@
FORCE:

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/app/main.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests/unit $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(ALL_LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(ALL_LIBS)

tests-build: $(BIN) $(UNIT_BIN)

# The README's test command: unit tests, then the real binary under mpirun.
check: deps
	@$(MAKE) --no-print-directory tests-build
	@sh tests/run_tests.sh $(TESTS)

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
	rm -rf $(BUILD) bin .git-revision

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/app/main.d
