# test_cli.sh — the command-line contract of the foundation: dispatch, help, unused
# options, options files, errors, exit codes, ranks 1–4.
. tests/integration/lib.sh

check_output "help lists every contract command" "build.*simulate.*campaign.*train.*evaluate.*segment.*run" sh -c "$NANOFORGE help | tr '\n' ' '"
check_error "unknown command is refused naming it" "unknown command 'bogus'" "$NANOFORGE" bogus
out=$("$NANOFORGE" bogus 2>&1); st=$?
check_true "unknown command exits 2" "exit status $st" [ "$st" -eq 2 ]

# A command listed as not built must say so and fail, never pretend.
for c in $("$NANOFORGE" help | awk '/not built yet/ {print $1}'); do
  "$NANOFORGE" "$c" > "$WORK/nb.out" 2>&1; st=$?
  check_true "not-built command $c exits 69" "exit $st: $(cat "$WORK/nb.out")" [ "$st" -eq 69 ]
done

check_output "version records git revision, compiler, flags, options" "git_revision: .*compiler: .*build_flags: .*-fcx-limited-range.*options: .*-seed 5" sh -c "$NANOFORGE version -seed 5 2>&1 | tr '\n' ' '" 
check_error "unused option named" "-no_such_option" "$NANOFORGE" version -no_such_option 1
check_error "two unused options both named" "2 option.*-dose_typo 5.*-radus 3" "$NANOFORGE" version -radus 3 -dose_typo 5
check_output "-allow_unused_options turns the error into a warning" "Warning: 1 option" "$NANOFORGE" version -no_such_option 1 -allow_unused_options

printf -- '-seed 3\n-typo_in_file 7\n' > "$WORK/bad.opts"
check_error "unused option from -options_file named" "-typo_in_file 7" "$NANOFORGE" version -options_file "$WORK/bad.opts"
printf -- '# a comment\n-seed 3\n' > "$WORK/good.opts"
check_output "-options_file read" "options: .*-seed 3" "$NANOFORGE" version -options_file "$WORK/good.opts"
check_error "missing -options_file is an error naming the option and file" "Option -options_file: cannot open '.*does_not_exist.opts'" "$NANOFORGE" version -options_file "$WORK/does_not_exist.opts"
check_output "-help exits 0 and names the command" "nanoforge version" "$NANOFORGE" version -help
check_output "-log_view prints the event table" "Event +Count" "$NANOFORGE" version -log_view

for n in 1 2 3 4; do
  check_output "version under mpirun -np $n" "ranks: $n" $MPIRUN -np $n "$NANOFORGE" version
done
out=$($MPIRUN -np 4 "$NANOFORGE" version -no_such_option 1 2>&1); st=$?
count=$(echo "$out" | grep -c "no_such_option")
check_true "4 ranks: unused option fails once, cleanly" "exit $st, message count $count: $out" [ "$st" -ne 0 -a "$count" -eq 1 ]

# The contract commands of the foundation's "done when".
if "$NANOFORGE" help | grep -q '^  build .*not built yet'; then :; else
  check_output "build -help lists options with defaults" "-material <now .*-radius <now" sh -c "$NANOFORGE build -help 2>&1 | tr '\n' ' '"
  # -help from an options file: the command's options, and not PETSc's generic start-up page
  printf -- '-help\n' > "$WORK/help.opts"
  out=$("$NANOFORGE" build -options_file "$WORK/help.opts" 2>&1); st=$?
  check_true "build -help from an -options_file lists the command's options only" "exit $st: $out" \
    sh -c "[ $st -eq 0 ] && echo \"\$1\" | grep -q -- '-material <now' && ! echo \"\$1\" | grep -q -- '-malloc_debug\|-on_error_attach_debugger'" sh "$out"
  out=$("$NANOFORGE" build -help 2>&1)
  check_true "build -help does not print PETSc's generic page" "$out" sh -c "! echo \"\$1\" | grep -q -- '-malloc_debug\|-on_error_attach_debugger'" sh "$out"
  check_error "build -no_such_option is refused naming it" "-no_such_option" "$NANOFORGE" build -no_such_option 1
fi

# make install puts the program, the campaign inputs and the job scripts under PREFIX.
check "make install PREFIX=..." make -s install PREFIX="$WORK/prefix"
check_output "installed binary runs" "version: " "$WORK/prefix/bin/nanoforge" version
check_true "installed inputs and job scripts" "missing under $WORK/prefix/share/nanoforge" \
  test -f "$WORK/prefix/share/nanoforge/input/quickstart.opts" -a -f "$WORK/prefix/share/nanoforge/jobs/slurm_campaign.sh" -a -d "$WORK/prefix/share/nanoforge/input/sweeps"
