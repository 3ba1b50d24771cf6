# test_headers.sh — the code layout of docs/architecture.md holds: include/<area>/<module>.h
# beside src/<area>/<module>.c, no include cycle, and every header compiles on its own (it
# includes what it uses). A header moved back to include/, a module header with no source, a
# cycle such as crystal.h <-> volume.h, or a header that leans on its includer fails here.
# It also checks that MPI is called only in the files docs/architecture.md lists, and that no
# function in src/ runs over 120 lines.
. tests/integration/lib.sh
cppflags=$(make -s --no-print-directory print-cppflags)

# 1. Placement: every header under include/<area>/ with a source of the same name in src/<area>/.
for h in $(find include -name '*.h' | sort); do
  rel=${h#include/}
  case "$rel" in
  */*) area=${rel%%/*}; module=$(basename "$rel" .h) ;;
  *) echo "FAIL header $h in an area folder: headers live in include/<area>/"; continue ;;
  esac
  # app/commands.h is the table of command entry points, one per src/app/command_*.c.
  if [ -f "src/$area/$module.c" ] || { [ "$rel" = app/commands.h ] && ls src/app/command_*.c > /dev/null 2>&1; }; then
    echo "PASS header $rel has src/$area/$module.c"
  else
    echo "FAIL header $rel has src/$area/$module.c: no such source (one module = one header + its source)"
  fi
done

# 2. No include cycles among the project's headers (tsort reports a loop).
for h in $(find include -name '*.h'); do
  rel=${h#include/}
  echo "$rel $rel"
  sed -n 's/^#include "\(.*\)".*/\1/p' "$h" | while read -r dep; do echo "$dep $rel"; done
done > "$WORK/edges"
if tsort "$WORK/edges" > /dev/null 2> "$WORK/tsort.err"; then
  echo "PASS headers have no include cycle"
else
  echo "FAIL headers have no include cycle: $(tr '\n' ' ' < "$WORK/tsort.err")"
fi

# 3. Each header compiles alone.
for h in $(find include -name '*.h' | sort); do
  rel=${h#include/}
  printf '#include "%s"\n' "$rel" > "$WORK/alone.c"
  # shellcheck disable=SC2086
  if out=$(mpicc $cppflags -std=c11 -Wall -Werror=implicit-function-declaration -fsyntax-only "$WORK/alone.c" 2>&1); then
    echo "PASS header $rel compiles on its own"
  else
    echo "$out" | head -5
    echo "FAIL header $rel compiles on its own"
  fi
done

# 4. MPI calls only in the files docs/architecture.md names (a raw MPI call added to a command,
#    to physics or to the network code fails here; use include/core/parallel.h).
allowed="src/campaign/campaign.c src/core/parallel.c src/db/database.c src/sim/multislice_mpi.c src/train/evaluation.c src/train/gradient_allreduce.c src/train/training.c"
for f in $(grep -l 'MPI_[A-Z][a-z_]*(' src/*/*.c); do
  case " $allowed " in
  *" $f "*) check_true "MPI in $f is listed in docs/architecture.md" "not in the table" grep -q "^| $f |" docs/architecture.md ;;
  *) echo "FAIL no MPI call in $f: $(grep -c 'MPI_[A-Z][a-z_]*(' "$f") call(s); move them to parallel.h or list the file" ;;
  esac
done
for f in $allowed; do
  check_true "$f says in its first comment that it calls MPI" "its first comment does not mention MPI" sh -c "sed -n '1,12p' '$f' | grep -q MPI"
done

# 5. Functions short enough to read at once: none over 120 lines (the formatter puts a
#    function's braces in column 0; split longer ones into named steps).
for f in src/*/*.c; do
  awk -v file="$f" '/^[A-Za-z].*\(/ { name = $0 } /^\{/ { start = NR; current = name }
    /^\}/ && start { if (NR - start > 120) printf "FAIL function of at most 120 lines: %s: %d lines: %s\n", file, NR - start, substr(current, 1, 80); start = 0 }' "$f"
done > "$WORK/long"
if [ -s "$WORK/long" ]; then cat "$WORK/long"; else echo "PASS functions of at most 120 lines in src/"; fi
