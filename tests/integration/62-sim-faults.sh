#!/bin/bash
# amiwiz's own clients against amiwiz-sim injecting 500/503 faults,
# throttling and dropped connections: 200 mixed calls all complete through
# the transport's retries, and afterwards there is exactly one snapshot,
# image, volume and import task per logical call (tests/tools/sim_faults.c).
# Then, on the same data, a sim that loses replies after doing the work:
# every ClientToken call and the recovering RegisterImage leave exactly one
# resource each.
# Each attempt is logged to the driver's http.log, never to stdout.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"

work="$sim_tmp/work"
mkdir -p "$work"
sim_start "$sim_tmp/data" --fault-rate 0.1 --drop-rate 0.02 --throttle-rate 0.05 --seed 11 \
	--speed 100000 && ok "sim started with faults" || not_ok "sim start" "$(cat "$sim_tmp/sim.err")"

AWS_ENDPOINT_URL="$SIM_URL" AWS_REGION=us-east-1 \
	"$AMIWIZ_BUILD/tests/tools/sim_faults" "$work" >"$work/tap.out" 2>"$work/stderr"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(sed 's/^\(ok\|not ok\) [0-9]* - /\1 - faults: /' "$work/tap.out" | grep -E '^(ok|not ok|#)')
[ $rc -eq 0 ] && ok "sim_faults passed" || not_ok "sim_faults failed (exit $rc)" "$(tail -5 "$work/stderr")"

n_retry=$(grep -c 'retry_in_ms=' "$work/http.log")
[ "$n_retry" -gt 10 ] && ok "the faults forced $n_retry retries, each logged" ||
	not_ok "too few retries logged ($n_retry): were faults injected?"
grep -qE 'status=(500|503) request_id=[^ ]+ attempt=1/12 duration_ms=[0-9]+ error=[A-Za-z]+ retry_in_ms=[0-9]+' \
	"$work/http.log" && ok "a failed attempt's log line: action, status, request id, attempt, duration" ||
	not_ok "log line shape" "$(head -3 "$work/http.log")"
grep -q 'attempt=' "$work/tap.out" "$work/stderr" && not_ok "log lines on stdout/stderr" ||
	ok "log lines only in the log"
grep -rlF -- "$SIM_PRACTICE_SECRET" "$work" "$sim_tmp/data" >/dev/null &&
	not_ok "the secret is in a file the run produced" || ok "the secret is in no file the run produced"
sim_stop

# Second phase: the same data, served by a sim that loses replies after
# doing the work (the case that really makes duplicates).
sim_start "$sim_tmp/data" --lost-reply-rate 0.3 --seed 12 --speed 100000 &&
	ok "sim restarted on the same data, losing 30% of replies" ||
	not_ok "sim restart" "$(cat "$sim_tmp/sim.err")"
mkdir -p "$work/lost"
AWS_ENDPOINT_URL="$SIM_URL" AWS_REGION=us-east-1 \
	"$AMIWIZ_BUILD/tests/tools/sim_faults" "$work/lost" --lost-replies >"$work/tap2.out" \
	2>"$work/stderr2"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(sed 's/^\(ok\|not ok\) [0-9]* - /\1 - lost replies: /' "$work/tap2.out" | grep -E '^(ok|not ok|#)')
[ $rc -eq 0 ] && ok "sim_faults --lost-replies passed" ||
	not_ok "sim_faults --lost-replies failed (exit $rc)" "$(tail -5 "$work/stderr2")"
# a lost reply is a connection closed with nothing received
n_lost=$(grep -c 'retry_in_ms=' "$work/lost/http.log")
[ "$n_lost" -gt 10 ] && ok "lost replies forced retries ($n_lost in all)" ||
	not_ok "too few retries logged ($n_lost): were replies lost?"
sim_stop
tap_done
