#!/usr/bin/env bash
# bench-ub.sh — run bench-ub against a stack of its own: Ub bootstraps,
# then Zn BIR/BIA with a store of many live sessions.
#
#   bench/bench-ub.sh [--clients LIST] [--inflight LIST] [--sessions N]
#                     [--seconds S] [--warmup S] [--json] [--only ub|zn]
#
# 1. `scripts/stack up` in a temporary directory (the build in
#    UTSTACK_BUILD, default build/), then `bench-ub ub` (--clients).
# 2. bsf is stopped (SIGTERM, BSF-STOPPED), `bench-ub load` writes
#    --sessions sessions (default 100000) into its store.db with the BSF's
#    own store code, and bsf is started again on the same config and
#    database (as the e2e restart test does); stack.env gets its new pid
#    and ports, so `scripts/stack down` stops it. Then `bench-ub zn`
#    (--inflight) asks for keys of random loaded B-TIDs.
# The stack always goes down; the directory is removed after a clean run
# and kept (with the daemons' logs) after a failure. Sanitizer builds are
# refused: their figures mean nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${UTSTACK_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
WAIT_SECONDS=${UTSTACK_WAIT:-10}

die() { echo "bench-ub: $*" >&2; exit 2; }
fail() { die "$@"; }	# every error here exits 2, a wait_log timeout too
. "$ROOT/bench/bench-lib.sh"	# wait_log
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ub_args=() zn_args=() load_args=() only=""
while [ $# -gt 0 ]; do
	case $1 in
	--json) ub_args+=("$1"); zn_args+=("$1"); load_args+=("$1"); shift; continue ;;
	-h|--help) usage ;;
	esac
	[ $# -ge 2 ] || usage
	case $1 in
	--clients) ub_args+=("$1" "$2") ;;
	--inflight) zn_args+=("$1" "$2") ;;
	--sessions) zn_args+=("$1" "$2"); load_args+=("$1" "$2") ;;
	--seconds|--warmup) ub_args+=("$1" "$2"); zn_args+=("$1" "$2") ;;
	--only) only=$2 ;;
	*) usage ;;
	esac
	shift 2
done
case $only in ""|ub|zn) ;; *) usage ;; esac

case $(basename "$BUILD") in
*san*) die "refusing a sanitizer build ($BUILD)" ;;
esac
[ -x "$BUILD/bench/bench-ub" ] || die "$BUILD/bench/bench-ub is not built (make BUILD=$BUILD bench-run)"
[ -x "$BUILD/bsf" ] || die "$BUILD/bsf is not built (make BUILD=$BUILD)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-ub.XXXXXX")
env=$dir/stack.env

finish() {
	local rc=$?
	if [ -f "$env" ]; then
		UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" down "$dir" >/dev/null || rc=1
	fi
	if [ $rc = 0 ]; then
		rm -rf "$dir"
	else
		echo "bench-ub: failed; logs kept in $dir" >&2
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

get() { sed -n "s/^$1=//p" "$env"; }
# set KEY VALUE in stack.env (the file stays 0600)
set_env() { sed -i "s|^$1=.*|$1=$2|" "$env"; }

UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" up "$dir" >/dev/null

if [ "$only" != zn ]; then
	"$BUILD/bench/bench-ub" ub --env "$env" "${ub_args[@]}"
fi
[ "$only" != ub ] || exit 0

# The load needs one real session (its GUSS is copied): bootstrap once.
if [ "$only" = zn ]; then
	"$BUILD/bench/bench-ub" ub --env "$env" --clients 1 --warmup 0 \
		--seconds 0.1 >/dev/null
fi

conf=$dir/bsf.conf log=$(get BSF_LOG) pid=$(get BSF_PID)
db=$("$BUILD/bsf" -c "$conf" -n -v 2>&1 | sed -n 's/^store\.db = //p')
[ -n "$db" ] || die "no store.db in '$BUILD/bsf -c $conf -n -v'"
off=$(stat -c %s "$log")
kill -TERM "$pid"
wait_log "$log" "$off" BSF-STOPPED "$pid" >/dev/null
while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done

"$BUILD/bench/bench-ub" load --env "$env" --db "$db" "${load_args[@]}"

off=$(stat -c %s "$log")
"$BUILD/bsf" -c "$conf" -f </dev/null >>"$log" 2>&1 &
pid=$!
set_env BSF_PID "$pid"
ub=$(wait_log "$log" "$off" "LISTENING name=ub " "$pid")
zn=$(wait_log "$log" "$off" "LISTENING name=zn " "$pid")
wait_log "$log" "$off" "DIA-PEER-UP peer=$(get HSS_ORIGIN_HOST)" "$pid" >/dev/null
ub=$(sed -n 's/.*LISTENING name=ub addr=\([^ ]*\).*/\1/p' <<<"$ub")
zn=$(sed -n 's/.*LISTENING name=zn addr=\([^ ]*\).*/\1/p' <<<"$zn")
set_env BSF_URL "http://$ub"
set_env BSF_ZN_PORT "${zn##*:}"

"$BUILD/bench/bench-ub" zn --env "$env" "${zn_args[@]}"
