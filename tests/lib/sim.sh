# Shell helpers for suites that talk to amiwiz-sim with the real AWS CLI.
# Source after tests/lib/tap.sh.  Needs AMIWIZ_BUILD.
#
#   sim_start DATA_DIR [ARGS...]   start the sim on a free port; sets SIM_URL, SIM_PID
#   sim_stop                       SIGTERM it and wait; returns its exit status
#   awsx ARGS...                   /usr/bin/aws against SIM_URL with practice keys
SIM_BIN="$AMIWIZ_BUILD/sim/amiwiz-sim"
SIM_PRACTICE_KEY=AKIAIOSFODNN7EXAMPLE
SIM_PRACTICE_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

sim_tmp=$(mktemp -d)
trap 'sim_stop >/dev/null 2>&1; rm -rf "$sim_tmp"' EXIT

# A clean AWS CLI environment: no ~/.aws, no instance metadata, no pager.
export HOME="$sim_tmp/home"
mkdir -p "$HOME"
export AWS_ACCESS_KEY_ID=$SIM_PRACTICE_KEY
export AWS_SECRET_ACCESS_KEY=$SIM_PRACTICE_SECRET
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$sim_tmp/aws-config"
export AWS_SHARED_CREDENTIALS_FILE="$sim_tmp/aws-credentials"
export AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1
printf '[default]\n' >"$AWS_CONFIG_FILE"

SIM_PID=
SIM_URL=

sim_start() {
	local data=$1
	shift
	local out="$sim_tmp/sim.out.$$.$RANDOM"
	"$SIM_BIN" --port 0 --data "$data" "$@" >"$out" 2>>"$sim_tmp/sim.err" &
	SIM_PID=$!
	local deadline=$((SECONDS + 20))
	SIM_URL=
	while [ $SECONDS -lt $deadline ]; do
		SIM_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out" 2>/dev/null | head -1)
		[ -n "$SIM_URL" ] && return 0
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

sim_stop() {
	[ -n "$SIM_PID" ] || return 0
	kill -TERM "$SIM_PID" 2>/dev/null
	wait "$SIM_PID"
	local rc=$?
	SIM_PID=
	return $rc
}

awsx() {
	/usr/bin/aws --endpoint-url "$SIM_URL" "$@"
}

# poll_until SECONDS COMMAND...: run COMMAND until it succeeds or time runs out
poll_until() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
