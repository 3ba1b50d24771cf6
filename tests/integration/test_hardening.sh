#!/bin/sh
# test_hardening.sh — the program is built hardened (Makefile HARDEN_CFLAGS / HARDEN_LDFLAGS):
# a position-independent executable (ELF type DYN), relocations resolved at start and then
# read-only (BIND_NOW and a GNU_RELRO segment: full RELRO), stack canaries (it calls
# __stack_chk_fail) and FORTIFY's checked libc calls (__memcpy_chk and the like; not in the
# sanitizer build, where ASan does those checks).
. tests/integration/lib.sh
if ! command -v readelf >/dev/null 2>&1; then
  echo "SKIP hardening: readelf (binutils) not installed"
  exit 0
fi
check_true "hardening: PIE (ELF type DYN)" "readelf -h: $(readelf -h "$NANOFORGE" 2>&1 | grep Type:)" \
  sh -c "readelf -h '$NANOFORGE' | grep -q 'Type:.*DYN'"
check_true "hardening: BIND_NOW (full RELRO)" "no BIND_NOW or FLAGS_1 NOW in readelf -d" \
  sh -c "readelf -d '$NANOFORGE' | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
check_true "hardening: GNU_RELRO segment" "no GNU_RELRO in readelf -l" sh -c "readelf -l '$NANOFORGE' | grep -q GNU_RELRO"
check_true "hardening: stack protector (__stack_chk_fail)" "__stack_chk_fail not referenced" \
  sh -c "readelf --dyn-syms -W '$NANOFORGE' | grep -q __stack_chk_fail"
case "$NF_BUILD" in
*sanitize*) echo "SKIP hardening: FORTIFY_SOURCE is left out of the sanitizer build" ;;
*) check_true "hardening: FORTIFY_SOURCE (__*_chk calls)" "no __memcpy_chk/__snprintf_chk referenced" \
  sh -c "readelf --dyn-syms -W '$NANOFORGE' | grep -Eq '__(memcpy|snprintf|fprintf)_chk'" ;;
esac
