#!/usr/bin/env bash
# Runs the test suite (or one compiled test file) N times in a row and says how many runs were green — a chaos
# harness that cries wolf gets switched off, so a test that fails one run in twenty is a bug to find here, not in CI.
#
#   scripts/flake-check.sh [-n N] [--busy] [--file dist/test/integration/x.test.js] [--log FILE] [--keep]
#
#   -n N       runs (default 10)
#   --busy     keep one core busy with another process for the whole of every run (a loaded CI machine)
#   --file F   run `mocha F` instead of `npm test` (a test file that failed once, run 20× alone)
#   --log F    append one line per run here (default reports/flake-check.log); each run's full output is kept
#              beside it as <log>.<stamp>-<i>.out when it failed
#   --keep     keep the output of green runs too (each line starts with the seconds since the run began, so where
#              the suite's time goes can be read from it)
set -uo pipefail
cd "$(dirname "$0")/.."

runs=10 busy=0 file='' log=reports/flake-check.log keep=0
while (($#)); do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --busy) busy=1; shift ;;
    --file) file=${2:?--file needs a path}; shift 2 ;;
    --log) log=${2:?--log needs a path}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "flake-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "flake-check: -n wants a positive whole number, got '$runs'" >&2; exit 2; }
[[ -z $file || -f $file ]] || { echo "flake-check: --file $file does not exist (compile first: npm run build)" >&2; exit 2; }
mkdir -p "$(dirname "$log")"

hog=''
stop_hog() { [[ -n $hog ]] && kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; hog=''; }
trap 'stop_hog' EXIT
trap 'stop_hog; exit 130' INT
trap 'stop_hog; exit 143' TERM

# each line of a run's output prefixed with the seconds since it began (t0 in microseconds)
elapsed() {
  local line now
  # the last line may lack its newline (a run killed mid-write): kept; the point is a point in any locale
  while IFS= read -r line || [[ -n $line ]]; do
    now=${EPOCHREALTIME/[.,]/}
    LC_NUMERIC=C printf '%7.1f %s\n' "$(((now - $1) / 100000))e-1" "$line"
  done
}

what=${file:-npm test}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
green=0
for ((i = 1; i <= runs; i++)); do
  if ((busy)); then
    # one busy loop at normal priority: a whole core's worth of competition for everything else
    (while :; do :; done) &
    hog=$!
  fi
  out=$(mktemp)
  started=$SECONDS
  t0=${EPOCHREALTIME/[.,]/}
  if [[ -n $file ]]; then npx mocha "$file" 2>&1; else npm test 2>&1; fi | elapsed "$t0" >"$out"
  rc=${PIPESTATUS[0]}
  secs=$((SECONDS - started))
  stop_hog
  passing=$(grep -oE '^ *[0-9.]+ +[0-9]+ passing' "$out" | tail -n 1 | grep -oE '[0-9]+ passing' | grep -oE '[0-9]+' || echo 0)
  failing=$(grep -oE '^ *[0-9.]+ +[0-9]+ failing' "$out" | tail -n 1 | grep -oE '[0-9]+ failing' | grep -oE '[0-9]+' || echo 0)
  if ((rc == 0)); then
    green=$((green + 1))
    verdict=green
    if ((keep)); then mv "$out" "$log.$stamp-$i.out"; else rm -f "$out"; fi
  else
    verdict=RED
    kept="$log.$stamp-$i.out"
    mv "$out" "$kept"
    # the titles of the failing tests, so the log alone says what broke
    titles=$(grep -E '^ *[0-9.]+   [0-9]+\) ' "$kept" | sed -E 's/^ *[0-9.]+ +//' | sort -u | head -n 5 | paste -sd ';' -)
  fi
  line="$(date -u +%FT%TZ) run $i/$runs $verdict rc=$rc ${secs}s passing=$passing failing=$failing busy=$busy what='$what'"
  [[ $verdict == RED ]] && line+=" failed: ${titles:-?} (output: $kept)"
  [[ $verdict == green ]] && ((keep)) && line+=" (output: $log.$stamp-$i.out)"
  echo "$line" | tee -a "$log"
done
echo "$green of $runs green ($what$( ((busy)) && echo ', one core busy'))" | tee -a "$log"
((green == runs))
