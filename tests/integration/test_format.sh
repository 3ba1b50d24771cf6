#!/bin/sh
# test_format.sh — the C sources follow .clang-format: `make format-check` passes on the tree
# (fix a failure with `make format`). To show the check can fail, it is also run on a copy of
# one source file, formatted (must pass) and then with one line's indentation mangled (must
# fail, naming that file).
. tests/integration/lib.sh
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "SKIP format: $CLANG_FORMAT not installed (make deps installs it)"
  exit 0
fi
MAKEFILE=$PWD/Makefile

check "make format-check: every C file under src/ include/ tests/ is formatted" make -s --no-print-directory format-check

# A one-file tree in $WORK, checked by the same Makefile target.
mkdir -p "$WORK/tree/src/demo"
cp .clang-format "$WORK/tree/"
"$CLANG_FORMAT" --style=file src/train/tiling.c > "$WORK/tree/src/demo/tiling.c"
check "format-check passes a formatted copy of tiling.c" make -s --no-print-directory -C "$WORK/tree" -f "$MAKEFILE" format-check
sed 's/^  PetscFunctionBeginUser;/PetscFunctionBeginUser;/' "$WORK/tree/src/demo/tiling.c" > "$WORK/mangled.c"
check_true "the mangling changed the copy" "sed found no indented PetscFunctionBeginUser line" sh -c "! cmp -s '$WORK/mangled.c' '$WORK/tree/src/demo/tiling.c'"
mv "$WORK/mangled.c" "$WORK/tree/src/demo/tiling.c"
check_error "format-check fails on a mangled indentation, naming the file" "^  src/demo/tiling.c$" \
  make -s --no-print-directory -C "$WORK/tree" -f "$MAKEFILE" format-check
