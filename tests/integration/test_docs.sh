# test_docs.sh — docs/options.md must match the program's -help output (make docs-options).
. tests/integration/lib.sh
sh tests/tools/gen_options_md.sh "$NANOFORGE" > "$WORK/options.md" 2>&1
if diff -u docs/options.md "$WORK/options.md" > "$WORK/diff" 2>&1; then
  echo "PASS docs/options.md matches -help"
else
  head -40 "$WORK/diff"
  echo "FAIL docs/options.md matches -help: it drifted; run 'make docs-options' and commit"
fi
for f in docs/index.md docs/building.md docs/conventions.md docs/options.md; do
  check_true "$f exists" "missing" [ -s "$f" ]
done
