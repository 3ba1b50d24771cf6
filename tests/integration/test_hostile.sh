#!/bin/sh
# test_hostile.sh — every hostile input file (tests/data/hostile/<kind>/*: files that once
# crashed, hijacked, hung or over-allocated nanoforge; see its README.md) and every reader
# crash the fuzzers kept (tests/data/fuzz_crashes/<target>/*, when present) is run through the
# real binary the way its README says, without mpirun (a singleton), under `ulimit -v 4000000`
# (4 GB: a header's size trusted would need more; not under AddressSanitizer) and a time limit
# of 60 s. Each must give:
#   an exit status that is non-zero and not a signal or a time-out (1..123),
#   exactly one line on stderr, starting "nanoforge: error:" and naming the file,
#   no file left in the (empty) folder the command ran in.
# Files are found by listing, so a new file is tested without editing this script. One PASS or
# FAIL line per file. The exception is a file that was hostile only to an old bug and is a valid
# input now (listed in VALID below): it must succeed with an empty stderr and write its output.
. tests/integration/lib.sh
SYN=${NF_BUILD:-build}/tests/test_dataset
DATA=$PWD/tests/data/hostile
CRASHES=$PWD/tests/data/fuzz_crashes
if [ ! -x "$SYN" ]; then echo "FAIL hostile_setup: $SYN missing (make tests-build)"; exit 1; fi
if [ ! -d "$DATA" ]; then echo "FAIL hostile_setup: $DATA missing"; exit 1; fi

# A tiny trained model (depth 1, 4 filters, one step): only its shape matters here.
M=$WORK/model.h5
"$SYN" --write-synthetic "$WORK/db.h5" 4 2 32 5 >/dev/null 2>&1 &&
  "$NANOFORGE" train -db "$WORK/db.h5" -o "$M" -depth 1 -base_filters 4 -batch 4 -epochs 1 -steps_per_epoch 1 >/dev/null 2>&1 ||
  { echo "FAIL hostile_setup: cannot train the small model"; exit 1; }

# The address space limit catches an allocation a header asked for. AddressSanitizer reserves
# terabytes of shadow memory up front, so a sanitizer build runs without it (ASan reports the
# overflow or allocation itself); HOSTILE_VMEM_KB overrides.
VMEM=${HOSTILE_VMEM_KB:-4000000}
if [ -z "${HOSTILE_VMEM_KB:-}" ] && grep -q __asan_init "$NANOFORGE" 2>/dev/null; then VMEM=unlimited; fi

# Valid now: the 5x5 image broke only the old tiling (read past the image); it must be segmented.
VALID="tiff/tiny_5x5_tiling_overread.tif"

# The command that reads FILE, by its kind (the folder: a hostile/ sub-folder or a fuzz target's
# name) and its name; empty = no reader command known (the file is listed as SKIP).
command_for() { # kind file
  case "$1" in
  hdf5)
    case "$(basename "$2")" in
    labelled_set*) echo "evaluate -model $M -data $2" ;;
    *) echo "segment -model $M -input $2 -o x.png" ;;
    esac ;;
  *labelled*) echo "evaluate -model $M -data $2" ;;
  *cif*) echo "build -cif $2 -o x.xyz" ;;
  *xyz* | *structure*) echo "simulate -structure $2 -cell 20,20,10 -sampling 0.2" ;;
  *options*) echo "build -options_file $2 -o x.xyz" ;;
  *model*) echo "segment -model $2 -input $DATA/tiff/tiny_5x5_tiling_overread.tif -o x.png" ;;
  *emd* | *velox* | *micrograph* | *tif* | *png* | dm* | *_dm* | *ser*) echo "segment -model $M -input $2 -o x.png" ;;
  esac
}

n=0
check_file() { # kind file name
  kind=$1 file=$2 name=$3
  n=$((n + 1))
  run=$WORK/run$n
  mkdir "$run"
  cmd=$(command_for "$kind" "$file")
  if [ -z "$cmd" ]; then echo "SKIP hostile_$name: no reader command known for '$kind'"; return; fi
  # shellcheck disable=SC2086 # the command is split into words on purpose (paths have no blanks)
  (cd "$run" && ulimit -v "$VMEM" && exec timeout -k 5 60 "$NANOFORGE" $cmd) >"$WORK/out" 2>"$WORK/err"
  st=$?
  # In the sanitizer build (allocator_may_return_null=1) ASan notes each allocation it refuses
  # with its own WARNING line; the program's answer is the rest.
  grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' "$WORK/err" >"$WORK/err.program"
  mv "$WORK/err.program" "$WORK/err"
  lines=$(wc -l <"$WORK/err")
  left=$(ls -A "$run")
  case " $VALID " in
  *" $name "*)
    if [ $st -eq 0 ] && [ "$lines" -eq 0 ] && [ -s "$run/x.png" ]; then echo "PASS hostile_$name (valid input now: segmented)"
    else echo "FAIL hostile_$name: a valid input now; expected exit 0, an empty stderr and x.png, got exit $st, $lines stderr lines: $(head -c 300 "$WORK/err")"; fi
    return ;;
  esac
  why=""
  if [ $st -eq 0 ]; then why="exit 0 (the file was accepted)"
  elif [ $st -eq 124 ] || [ $st -eq 137 ]; then why="timed out after 60 s (a hang)"
  elif [ $st -ge 128 ]; then why="killed by signal $((st - 128))"
  elif [ "$lines" -ne 1 ]; then why="$lines lines on stderr, expected one"
  elif ! grep -q '^nanoforge: error: ' "$WORK/err"; then why="stderr is not 'nanoforge: error: ...'"
  elif ! grep -qF "$file" "$WORK/err"; then why="the message does not name the file"
  elif [ -n "$left" ]; then why="left files behind: $left"
  fi
  if [ -z "$why" ]; then echo "PASS hostile_$name"
  else
    echo "FAIL hostile_$name: $why; ran: nanoforge $cmd"
    head -c 1500 "$WORK/err"
  fi
  rm -rf "$run"
}

for file in $(find "$DATA" -mindepth 2 -type f | LC_ALL=C sort); do
  rel=${file#"$DATA"/}
  check_file "${rel%%/*}" "$file" "$rel"
done
if [ -d "$CRASHES" ]; then
  for file in $(find "$CRASHES" -mindepth 2 -type f ! -name '*.md' | LC_ALL=C sort); do
    rel=${file#"$CRASHES"/}
    check_file "${rel%%/*}" "$file" "fuzz/$rel"
  done
fi
[ $n -ge 25 ] || echo "FAIL hostile_count: only $n files found under $DATA (expected the 25 of the catalogue)"
