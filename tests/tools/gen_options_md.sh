#!/bin/sh
# Generates docs/options.md from the `-help` output of every built command:
#   sh tests/tools/gen_options_md.sh bin/nanoforge > docs/options.md     (make docs-options)
# tests/integration/test_docs.sh fails when docs/options.md drifts from the binary.
NANOFORGE=${1:-bin/nanoforge}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cat <<'HEAD'
# nanoforge options reference

Generated from `nanoforge <command> -help` by `make docs-options` (tests/tools/gen_options_md.sh);
a test fails when it drifts from the program. Do not edit by hand.

Units: lengths in Å, voltages in kV, angles in mrad, doses in e/Å². Each line reads
`-option <now VALUE : formerly DEFAULT>: description`; with no other options given, VALUE is the default.
Every command also takes `-options_file FILE`, `-help`, `-log_view` (time per phase),
`-allow_unused_options` (otherwise an option that no command reads is an error) and
`-memory_limit SIZE` (bytes per rank with a k/M/G/T suffix, default the machine's memory: runs and
models estimated to need more are refused before any work). Counts and ids are 64-bit integers,
refused outside their range when parsed (e.g. `-structures` 1..2147483647, `-conditions`
1..8388608, at most 2147483647 images per database, `-unit` 0..2^40-1).
Options that accept a distribution take a number or `uniform:a,b`, `loguniform:a,b`,
`normal:mu,sigma[,lo,hi]`, `lognormal:mu,sigma`, `int:a,b`, `choice:x,y,...` (weights `x@w`).
HEAD
"$NANOFORGE" help | awk '/^  [a-z]+ / && !/not built yet/ && $1 != "help" {print $1}' | while read -r command; do
  printf '\n## nanoforge %s\n\n```\n' "$command"
  "$NANOFORGE" "$command" -help 2>&1 | awk '
    /^--------------------+$/ { keep = 0; title = 1; next }
    title { title = 0
            if ($0 ~ /^(Petsc|Root PetscDeviceContext|Options for all PETSc|Viewer )/) { keep = 0; next }
            keep = 1 }
    keep' | sed -e 's/[[:space:]]*$//'
  printf '```\n'
done
