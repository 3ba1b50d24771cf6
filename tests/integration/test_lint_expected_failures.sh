#!/bin/sh
# test_lint_expected_failures.sh — every expected failure in the integration tests checks its
# message: no test calls check_fails (a bare non-zero exit, which a crash or the wrong refusal
# also gives), lib.sh no longer defines it, and check_error refuses an empty pattern. The lint
# is run once on a planted bad script, so it is shown to fail.
. tests/integration/lib.sh

# lint FILE...: prints one line per offending call; exit 1 if any.
lint() {
  awk '
    /^[[:space:]]*#/ { next }
    /(^|[^_[:alnum:]])check_fails([[:space:]]|$)/ { print FILENAME ":" FNR ": check_fails (use check_error \"name\" \"regex naming the option or file\" ...)"; bad = 1 }
    END { exit bad }' "$@"
}

out=$(lint $(ls tests/integration/test_*.sh | grep -v test_lint_expected_failures.sh)); st=$?
[ $st -eq 0 ] || echo "$out"
check_true "no integration test calls check_fails" "$out" [ $st -eq 0 ]
check_true "lib.sh does not define check_fails" "lib.sh still defines check_fails" sh -c "! grep -q '^check_fails()' tests/integration/lib.sh"

# The lint must flag the planted call, and neither the good line nor the comment.
cat > "$WORK/test_planted.sh" <<'EOF'
check_error "names the option" "Option -radius: -1" "$NANOFORGE" build -radius -1
  check_fails "exits non-zero" "$NANOFORGE" build -radius -1
# check_fails in a comment is no call
EOF
out=$(lint "$WORK/test_planted.sh"); st=$?
check_true "the lint flags the planted check_fails (line 2) and nothing else" "exit $st, output: $out" \
  [ $st -ne 0 -a "$out" = "$WORK/test_planted.sh:2: check_fails (use check_error \"name\" \"regex naming the option or file\" ...)" ]
check_output "check_error refuses an empty pattern (it would match any message)" "^FAIL empty: check_error needs a pattern" \
  sh -c '. tests/integration/lib.sh; check_error "empty" "" false'
