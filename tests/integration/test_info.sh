#!/bin/sh
# test_info.sh — `nanoforge info` on corpus files (../shared/data/formats): every signal's pixel
# size per axis, as printed, equals REFERENCE.json's (HyperSpy's or rosettasciio's) to 1e-6
# relative, for a DM3, a DM4 with different x and y pixel sizes, a two-detector TIA .emi and a
# Velox file whose default is its HAADF image (signal 8 of 9, after 4 EDS spectra and 4 EDS
# maps); the default signal is marked; DM and Velox metadata (voltage, magnification) printed;
# a file that is not a micrograph is refused in one line naming it.
. tests/integration/lib.sh
CORPUS=../shared/data/formats
if [ ! -f "$CORPUS/REFERENCE.json" ]; then
  echo "SKIP test_info: no corpus at $CORPUS/REFERENCE.json (../shared absent)"
  exit 0
fi
FILES="test_STEM_image.dm3 dmTest_float32_nonSquare_diffPixelSize.dm4 16x16_STEM_BF_DF_acquire.emi velox_v11_SI_16x16_ReducedData_215kx.emd"
for f in $FILES; do
  "$NANOFORGE" info "$CORPUS/$f" > "$WORK/$f.txt" 2>&1 || { cat "$WORK/$f.txt"; echo "FAIL info_$f: exit status"; }
done

# Every signal REFERENCE.json calibrates: the printed pixel size (rows x columns) equals it.
check "info_calibration_equals_reference" python3 - "$CORPUS/REFERENCE.json" "$WORK" $FILES <<'PY'
import json, re, sys
reference = {e["file"]: e for e in json.load(open(sys.argv[1]))["files"]}
bad = 0
for name in sys.argv[3:]:
    text = open(f"{sys.argv[2]}/{name}.txt").read()
    printed = {int(k): (float(y), float(x)) for k, y, x in
               re.findall(r"^  signal (\d+)[^\n]*pixel size ([0-9.e+-]+) x ([0-9.e+-]+) Å", text, re.M)}
    for k, signal in enumerate(reference[name]["signals"]):
        want = signal.get("pixel_size_angstrom")
        if not want:
            continue
        got = printed.get(k)
        if got is None or abs(got[0] - want["rows"]) > 1e-6 * want["rows"] \
                or abs(got[1] - want["columns"]) > 1e-6 * want["columns"]:
            print(f"{name} signal {k}: printed {got}, expected {want['rows']} x {want['columns']}")
            bad += 1
    if not printed:
        print(f"{name}: no calibrated signal printed")
        bad += 1
sys.exit(1 if bad else 0)
PY

check_true "info_velox_default_haadf" "velox: signal 8 'HAADF' not marked [default]" \
  grep -q "^  signal 8 'HAADF' \[default\]: 16 x 16 pixels" "$WORK/velox_v11_SI_16x16_ReducedData_215kx.emd.txt"
check_true "info_velox_spectra_refused" "velox: signals 0-3 not refused as spectra" \
  test "$(grep -c "^  signal [0-3] 'SuperXG2[1-4]': not an image: .*1-D spectrum" "$WORK/velox_v11_SI_16x16_ReducedData_215kx.emd.txt")" -eq 4
check_true "info_velox_voltage" "velox: no 'voltage 300 kV'" \
  grep -q "^    voltage 300 kV$" "$WORK/velox_v11_SI_16x16_ReducedData_215kx.emd.txt"
check_true "info_dm_metadata" "DM3: no 'voltage 200 kV' and 'magnification 225000'" \
  sh -c "grep -q '^    voltage 200 kV$' '$WORK/test_STEM_image.dm3.txt' && grep -q '^    magnification 225000$' '$WORK/test_STEM_image.dm3.txt'"
check_true "info_emi_two_series" "emi: not 2 signals _1.ser and _2.ser" \
  sh -c "grep -q '2 signals' '$WORK/16x16_STEM_BF_DF_acquire.emi.txt' && grep -q \"signal 1 '16x16_STEM_BF_DF_acquire_2.ser'\" '$WORK/16x16_STEM_BF_DF_acquire.emi.txt'"

check_error "info_not_a_micrograph" "MANIFEST.md' is not a micrograph format" "$NANOFORGE" info "$CORPUS/MANIFEST.md"
check_true "info_not_a_micrograph_one_line" "the refusal is not one line" \
  test "$("$NANOFORGE" info "$CORPUS/MANIFEST.md" 2>&1 | wc -l)" -eq 1
check_error "info_no_file" "info: give one or more micrograph files" "$NANOFORGE" info
