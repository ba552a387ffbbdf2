#!/usr/bin/env bash
# make bench: every benchmark in bench/, each on its own throwaway database. Prints ratios measured in one run.
#   BENCH_QUICK=1   small sizes (a few minutes): proves the benchmarks run, the ratios mean little
#   BENCH_ARGS=...  extra arguments for every benchmark
source "$(dirname "$0")/odoo_env.sh"
# runs of each benchmark: one line per run, its arguments (empty: the defaults)
runs_for() {
    case "$1:${BENCH_QUICK:-0}" in
        bench_convert:1) printf '%s\n' "--partners 2000 --leads 200 --repeat 1 --lookup-leads 50" \
                                       "--scale --partners 2000 --scale-sizes 100,500" ;;
        bench_convert:*) printf '%s\n' "" "--scale" ;;
        bench_economic:1) printf '%s\n' "--customers 300 --existing 300 --form-reads 100" \
                                        "--burst --burst-calls 200 --burst-customers 20" ;;
        bench_economic:*) printf '%s\n' "" "--burst" ;;
        bench_desync:1) printf '%s\n' "--partners 500 --accept 100 --filler 5000" ;;
        *) printf '%s\n' "" ;;
    esac
}
for b in "$REPO"/bench/bench_*.py; do
    name=$(basename "$b" .py)
    DB="crm_sync_$name"
    fresh_db "$DB"
    odoo -d "$DB" -i crm_sync --stop-after-init --http-port="$(free_port)" --log-level=warn || die "install failed"
    while IFS= read -r run_args; do
        echo "==> $name $run_args"
        # shellcheck disable=SC2086
        $PY "$b" --db "$DB" --addons-path "$ADDONS_PATH" $run_args ${BENCH_ARGS:-} || die "$name failed"
    done < <(runs_for "$name")
    dropdb --if-exists "$DB"; rm -rf "${FILESTORE:?}/$DB"
done
