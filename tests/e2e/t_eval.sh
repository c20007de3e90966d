# gapscan eval: an exact confusion matrix, per-category and per-rule counts
# worked out by hand from a test-owned rule pack, a small set scored with the
# shipped pack on obvious texts, --json, --show, and the located errors.
. tests/e2e/lib.sh
G=$GAPSCAN

$G eval --help | grep -q -- '--labels FILE' || fail "eval --help"

# --- a test-owned pack: every count below follows from the weights ---------
# threshold 3 (shipped default profile): t.alpha 3 flags alone; t.beta 2 and
# t.gamma 1 flag only together; t.never matches no record.
mkdir "$TMP/rules"
cat > "$TMP/rules/test.json" <<'JSON'
{
  "rules": [
    {"id": "t.alpha", "title": "alpha", "category": "missing", "weight": 3,
     "patterns": ["\\balpha\\b"], "references": ["test"],
     "tests": {"match": ["alpha"], "no_match": ["alphabet"]}},
    {"id": "t.beta", "title": "beta", "category": "premises", "weight": 2,
     "patterns": ["\\bbeta\\b"], "references": ["test"],
     "tests": {"match": ["beta"], "no_match": ["betamax"]}},
    {"id": "t.gamma", "title": "gamma", "category": "premises", "weight": 1,
     "patterns": ["\\bgamma\\b"], "references": ["test"],
     "tests": {"match": ["gamma"], "no_match": ["gammas"]}},
    {"id": "t.never", "title": "never", "category": "sexual_health",
     "weight": 3, "patterns": ["\\bzzyzx\\b"], "references": ["test"],
     "tests": {"match": ["zzyzx"], "no_match": ["zz"]}}
  ]
}
JSON
# E1 alpha (3) flagged, label 1        -> TP
# E2 beta gamma (3) flagged, label 1   -> TP
# E3 alpha beta (5) flagged, label 0   -> FP
# E4 beta (2) not flagged, label 1     -> FN
# E5 nothing, label 0                  -> TN
# E6 gamma (1) not flagged, label 0    -> TN
# E7 alpha, label "true"               -> TP
# E8 has no label; E9's label has no record: both left out
cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
E1,2026-03-01,U1,North,,,,"Seen alpha, returned late"
E2,2026-03-02,U1,North,,,,"beta, then gamma"
E3,2026-03-03,U2,South,,,,"alpha and beta"
E4,2026-03-04,U2,South,,,,"only beta here"
E5,2026-03-05,U2,South,,,,"nothing to see"
E6,2026-03-06,U1,North,,,,"gamma"
E7,2026-03-07,U1,North,,,,"alpha"
E8,2026-03-08,U1,North,,,,"alpha"
CSV
cat > "$TMP/labels.csv" <<'CSV'
intel_id,is_cse,categories,expected_status,note
E1,1,missing,,
E2,1,premises,,
E3,0,,,
E4,1,premises;missing,,
E5,0,,,
E6,0,,,
E7,true,missing,,
E9,1,missing,,
CSV
$G eval --intel "$TMP/intel.csv" --labels "$TMP/labels.csv" \
	--rules "$TMP/rules" --show 5 >"$TMP/out" 2>"$TMP/err" || fail "eval exit $?"
grep -qx 'confusion: TP 3 FP 1 FN 1 TN 2' "$TMP/out" || fail "confusion: $(grep confusion "$TMP/out")"
grep -qx 'precision 0.750 recall 0.750 F1 0.750' "$TMP/out" || fail "precision line"
grep -qx 'records: 7 scored (4 positive, 3 negative)' "$TMP/out" || fail "records line"
grep -qx 'records without a label: 1 (E8)' "$TMP/out" || fail "unlabelled"
grep -qx 'labels without a record: 1 (E9)' "$TMP/out" || fail "labels without record"
# per rule: hits tp fp supp alone
row() { grep "^  $1 " "$TMP/out" | awk '{print $4, $5, $6, $7, $8}'; }
expect_eq "t.alpha" "$(row t.alpha)" "3 2 1 0 3"
expect_eq "t.beta" "$(row t.beta)" "3 2 1 0 1"
expect_eq "t.gamma" "$(row t.gamma)" "2 1 1 0 1"
grep -qx 'rules that never fired: 1 (t.never)' "$TMP/out" || fail "never fired"
# per category: labelled TP FP FN precision recall
cat_row() { grep "^  $1 " "$TMP/out" | awk 'NF == 7 {print $2, $3, $4, $5, $6, $7}'; }
expect_eq "missing" "$(cat_row missing)" "3 2 1 1 0.667 0.667"
expect_eq "premises" "$(cat_row premises)" "2 1 1 1 0.500 0.500"
expect_eq "sexual_health" "$(cat_row sexual_health)" "0 0 0 0 n/a n/a"
grep -q '^  E4  labelled missing;premises  rules t.beta$' "$TMP/out" || fail "false negative listed"
grep -q '^  E3  labelled -  rules t.alpha;t.beta$' "$TMP/out" || fail "false positive listed"
grep -q 'only beta here' "$TMP/out" && fail "text shown without --show-text"

# --show-text adds the narrative; --show 0 lists nothing
$G eval --intel "$TMP/intel.csv" --labels "$TMP/labels.csv" \
	--rules "$TMP/rules" --show 1 --show-text >"$TMP/out2"
grep -qx '    only beta here' "$TMP/out2" || fail "--show-text"
$G eval --intel "$TMP/intel.csv" --labels "$TMP/labels.csv" \
	--rules "$TMP/rules" >"$TMP/out3"
grep -q 'false negatives' "$TMP/out3" && fail "listed without --show"

# --json: the same numbers in one object
$G eval --intel "$TMP/intel.csv" --labels "$TMP/labels.csv" \
	--rules "$TMP/rules" --show 5 --json >"$TMP/j"
J=$(tr -d ' \n' <"$TMP/j")
case $J in *'"confusion":{"tp":3,"fp":1,"fn":1,"tn":2},"precision":0.75,"recall":0.75,"f1":0.75'*) ;;
	*) fail "json confusion: $J" ;; esac
case $J in *'"never_fired":["t.never"]'*) ;; *) fail "json never_fired" ;; esac
case $J in *'"false_negatives":[{"id":"E4","categories":["missing","premises"],"rules":["t.beta"],"suppressed":[]}]'*) ;;
	*) fail "json false negatives" ;; esac

# labels without a categories column: per-category scoring is skipped
cut -d, -f1,2 "$TMP/labels.csv" >"$TMP/labels2.csv"
$G eval --intel "$TMP/intel.csv" --labels "$TMP/labels2.csv" \
	--rules "$TMP/rules" >"$TMP/out4"
grep -qx 'confusion: TP 3 FP 1 FN 1 TN 2' "$TMP/out4" || fail "two-column labels"
grep -q '^per category: not scored' "$TMP/out4" || fail "per category skipped"

# --- the shipped pack on obvious texts ---------------------------------------
# S1 explicit concern + missing + older male; S2 burglary; S3 labelled 1 but
# has no indicator (a deliberate false negative); S4 an explicit concern
# labelled 0 (a deliberate false positive).
cat > "$TMP/s.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
S1,2026-04-01,U1,North,,,,"Concerns of CSE raised by the school. Child A (14) MFH overnight, seen with an older male at 2300hrs."
S2,2026-04-01,U1,North,,,,"Shoplifting from supermarket, suspect adult male, CCTV requested."
S3,2026-04-02,U1,North,,,,"Burglary at dwelling, side gate insecure, no suspects."
S4,2026-04-03,U1,North,,,,"Assessed as at risk of sexual exploitation by the social worker."
CSV
printf 'intel_id,is_cse\nS1,1\nS2,0\nS3,1\nS4,0\n' >"$TMP/sl.csv"
$G eval --intel "$TMP/s.csv" --labels "$TMP/sl.csv" >"$TMP/sout" || fail "shipped pack eval"
grep -qx 'confusion: TP 1 FP 1 FN 1 TN 1' "$TMP/sout" || fail "shipped: $(grep confusion "$TMP/sout")"
grep -qx 'precision 0.500 recall 0.500 F1 0.500' "$TMP/sout" || fail "shipped precision line"

# --- errors ------------------------------------------------------------------
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/nope.csv" >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "missing labels exit" "$rc" 3
grep -q "nope.csv: cannot open labels file" "$TMP/err" || fail "missing labels message: $(cat "$TMP/err")"
set +e
$G eval --intel "$TMP/s.csv" >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "no --labels exit" "$rc" 2
grep -q 'eval needs --intel FILE and --labels FILE' "$TMP/err" || fail "usage message"
printf 'intel_id,is_cse\nS1,1\nS2,maybe\n' >"$TMP/bad.csv"
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/bad.csv" >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "bad is_cse exit" "$rc" 3
grep -q 'bad.csv:3: is_cse "maybe" is not 1, 0, true or false' "$TMP/err" || fail "bad is_cse message: $(cat "$TMP/err")"
printf 'id,label\nS1,1\n' >"$TMP/hdr.csv"
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/hdr.csv" >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "bad header exit" "$rc" 3
grep -q 'labels header needs columns "intel_id" and "is_cse"' "$TMP/err" || fail "header message"
printf 'intel_id,is_cse\nS1,1\nS1,0\n' >"$TMP/dup.csv"
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/dup.csv" >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "duplicate label exit" "$rc" 3
grep -q 'dup.csv:3: duplicate intel_id "S1" (first on line 2)' "$TMP/err" || fail "duplicate message"
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/sl.csv" --rules "$TMP/no-such-dir" >/dev/null 2>&1; rc=$?
set -e
expect_eq "bad rules exit" "$rc" 4
set +e
$G eval --intel "$TMP/s.csv" --labels "$TMP/sl.csv" --show x >/dev/null 2>&1; rc=$?
set -e
expect_eq "bad --show exit" "$rc" 2
echo "t_eval: ok"
