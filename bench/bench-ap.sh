#!/usr/bin/env bash
# bench-ap.sh — the Authentication Proxy over Ua (TLS-PSK) with bench-ap,
# our own load client, keys from bench-fake-bsf.
#
#   bench/bench-ap.sh [--seconds S] [--warmup S] [--conns N] [--keep-conns C]
#                     [--streams M] [--churn LIST] [--delay-ms D] [--idle N]
#                     [--keys N] [--only new|keep|mixed|idle] [--json]
#
# Started here, in a temporary directory: presence (its configuration as
# scripts/stack writes it: trusting asserted identities from 127.0.0.1),
# a fake BSF (bench-fake-bsf serve: a Zn server that knows every B-TID and
# answers with a key the client computes too), and an AP (build/ap -f -c
# DIR/ap.conf: zn.bsf the fake BSF, as.upstream presence). No HSS, no BSF:
# nothing else takes CPU. One 1 KiB resource-lists document of
# sip:bench@ims.example.org (the fake BSF's USS identity) is PUT straight
# to presence; every GET fetches it through the AP and checks its size.
#
# 1. new connections/s, each a handshake + one GET: one identity (Ks_NAF
#    cached after the warm-up) and cold (a B-TID of its own per
#    connection, so one Zn round trip each; the AP log must show no cached
#    handshake), TLS 1.3 (psk_dhe_ke) and TLS 1.2 (PSK-AES128-GCM-SHA256);
#    --conns workers (default 16).
# 2. GETs/s on --keep-conns kept-alive connections (default 16), HTTP/1.1
#    and h2 (--streams streams each, default 8).
# 3. the p99 of those keep-alive HTTP/1.1 GETs (cached key) while --churn
#    workers (default 1,16) make new connections with cold B-TIDs: with the
#    fake BSF answering at once, then after --delay-ms (default 100; the
#    fake BSF is restarted with the delay and the AP reconnects to it);
#    and without churn, as the baseline.
# 4. the AP's VmRSS (/proc/PID/status) on a freshly started AP, before and
#    while --idle TLS connections (default 1000) are held open after one GET
#    each; the difference divided by their count. The AP's RLIMIT_NOFILE is
#    raised to its hard limit.
# The processes share the host's CPUs; CPU per operation of ap, fake-bsf,
# presence and bench-ap is printed under each line. Everything stops at the
# end; the directory is removed after a clean run, kept (with the logs)
# after a failure. Sanitizer builds are refused.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${UTSTACK_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
WAIT_SECONDS=${UTSTACK_WAIT:-10}

die() { echo "bench-ap: $*" >&2; exit 2; }
fail() { echo "bench-ap: $*" >&2; exit 1; }
. "$ROOT/bench/bench-lib.sh"	# wait_log
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

seconds=3 warmup=0.5 conns=16 keep_conns=16 streams=8 churn=1,16 delay=100
idle=1000 nkeys=100000 only="" json=0
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=1; shift; continue ;;
	-h|--help) usage ;;
	esac
	[ $# -ge 2 ] || usage
	case $1 in
	--seconds) seconds=$2 ;;
	--warmup) warmup=$2 ;;
	--conns) conns=$2 ;;
	--keep-conns) keep_conns=$2 ;;
	--streams) streams=$2 ;;
	--churn) churn=$2 ;;
	--delay-ms) delay=$2 ;;
	--idle) idle=$2 ;;
	--keys) nkeys=$2 ;;
	--only) only=$2 ;;
	*) usage ;;
	esac
	shift 2
done
case $only in ""|new|keep|mixed|idle) ;; *) usage ;; esac
for v in "$conns" "$keep_conns" "$streams" "$delay" "$idle" "$nkeys"; do
	[[ $v =~ ^[0-9]+$ ]] || die "expected a whole number, got '$v'"
done
[[ $churn =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--churn: a comma-separated list of whole numbers"
[[ $seconds =~ ^[0-9]+(\.[0-9]+)?$ && $warmup =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	die "--seconds and --warmup: numbers of seconds"

case $(basename "$BUILD") in
*san*) die "refusing a sanitizer build ($BUILD)" ;;
esac
for p in ap presence bench/bench-ap bench/bench-fake-bsf; do
	[ -x "$BUILD/$p" ] || die "$BUILD/$p is not built (make BUILD=$BUILD bench-run)"
done
command -v curl >/dev/null || die "curl is not installed (scripts/install-deps --bench)"

BENCH=$BUILD/bench/bench-ap
FAKE=$BUILD/bench/bench-fake-bsf
NAF_FQDN=xcap.ims.example.org
BSF_HOST=bsf.ims.example.org
USER_URI=sip:bench@ims.example.org
UA13=0100000007		# TS 33.220 H.3: TLS 1.3
UA12=01000100a8		# TLS 1.2 PSK-AES128-GCM-SHA256 (00A8)

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-ap.XXXXXX")
ap_pid="" fake_pid="" load_pid="" presence_pid=""

# stop PID: SIGTERM one process we started and wait for it (10 s, then
# SIGKILL); 1 when it had to be killed.
stop() {
	local p=$1 i
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || return 0
	for ((i = 0; i < 500; i++)); do
		kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
		sleep 0.02
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	return 1
}

finish() {
	local rc=$?
	stop "$load_pid" || rc=1
	stop "$ap_pid" || rc=1
	stop "$fake_pid" || rc=1
	stop "$presence_pid" || rc=1
	if [ $rc = 0 ]; then
		rm -rf "$dir"
	else
		echo "bench-ap: failed; logs kept in $dir" >&2
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

size() { stat -c %s "$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The fake BSF on PORT (0: any) with DELAY ms; sets fake_pid, fake_port.
start_fake() {
	local port=$1 d=$2 log=$dir/fake-bsf.log off line
	touch "$log"
	off=$(size "$log")
	"$FAKE" serve --listen "127.0.0.1:$port" --secret "$secret" \
		--delay-ms "$d" --impu "$USER_URI" </dev/null >>"$log" 2>&1 &
	fake_pid=$!
	line=$(wait_log "$log" "$off" "LISTENING name=zn " "$fake_pid")
	fake_port=$(sed -n 's/.*LISTENING name=zn addr=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
}

# Our AP, fresh, with the descriptors 1,000 idle connections need; sets
# ap_pid and ap_url once it listens and its Zn peer is up.
start_ap() {
	local log=$dir/ap.log off line
	touch "$log"
	off=$(size "$log")
	cat >"$dir/ap.conf" <<CONF
# written by bench/bench-ap.sh
[ap]
origin_host = ap.ims.example.org
origin_realm = ims.example.org
naf_fqdn = $NAF_FQDN
[ua]
listen = 127.0.0.1:0
idle_timeout_ms = 600000
max_conns = 20000
[zn]
bsf = 127.0.0.1:$fake_port
bsf_host = $BSF_HOST
bsf_realm = ims.example.org
[as]
upstream = $presence_addr
CONF
	(ulimit -n "$nofile" && exec "$BUILD/ap" -c "$dir/ap.conf" -f) \
		</dev/null >>"$log" 2>&1 &
	ap_pid=$!
	line=$(wait_log "$log" "$off" "LISTENING name=ua " "$ap_pid")
	ap_url=https://$(sed -n 's/.*LISTENING name=ua addr=\([^ ]*\).*/\1/p' <<<"$line")
	wait_log "$log" "$off" "DIA-PEER-UP peer=$BSF_HOST" "$ap_pid" >/dev/null
}

# keys FILE UA FIRST COUNT: COUNT keys of B-TIDs FIRST.. for Ua id UA
keys() {
	"$FAKE" keys --secret "$secret" --naf-fqdn "$NAF_FQDN" --ua-id "$2" \
		--first "$3" --count "$4" >"$1"
}

# presence, as scripts/stack starts it; sets presence_pid, presence_addr
start_presence() {
	local log=$dir/presence.log line
	cat >"$dir/presence.conf" <<CONF
# written by bench/bench-ap.sh
[xcap]
listen = 127.0.0.1:0
root = /xcap-root
xsd_dir = $ROOT/presence/xsd
[store]
db = $dir/presence.db
[trust]
peers = 127.0.0.1
CONF
	: >"$log"
	"$BUILD/presence" -c "$dir/presence.conf" -f </dev/null >>"$log" 2>&1 &
	presence_pid=$!
	line=$(wait_log "$log" 0 "LISTENING name=xcap " "$presence_pid")
	presence_addr=$(sed -n 's/.*LISTENING name=xcap addr=\([^ ]*\).*/\1/p' <<<"$line")
}

# The AP's descriptors: the hard limit (nr_open when unlimited), which
# must hold the idle connections and some.
nofile=$(ulimit -Hn)
[ "$nofile" != unlimited ] || nofile=$(cat /proc/sys/fs/nr_open)
[ "$nofile" -ge $((idle + 256)) ] ||
	die "--idle $idle needs $((idle + 256)) descriptors; the hard limit is $nofile"

start_presence
path=/xcap-root/resource-lists/users/$USER_URI/index

umask 077
secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

# The document: about 1 KiB of resource-lists, PUT as its owner.
doc=$dir/doc.xml
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\n'
	printf '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n <list name="l">\n'
	for i in $(seq 1 17); do
		printf '  <entry uri="sip:user%04d@ims.example.org"/>\n' "$i"
	done
	printf ' </list>\n</resource-lists>\n'
} >"$doc"
doc_bytes=$(size "$doc")
code=$(curl -sS -o "$dir/put.out" -w '%{http_code}' -X PUT \
	-H "X-3GPP-Asserted-Identity: \"$USER_URI\"" \
	-H 'Content-Type: application/resource-lists+xml' \
	--data-binary @"$doc" "http://$presence_addr$path") || fail "curl PUT failed"
[ "$code" = 201 ] || fail "PUT $path: HTTP $code: $(head -c 400 "$dir/put.out")"

start_fake 0 0
start_ap

# One identity per TLS version for the cached runs; its own B-TID number
# (0), never in a cold set.
keys "$dir/one13" $UA13 0 1
keys "$dir/one12" $UA12 0 1
read -r id13 key13 <"$dir/one13"
read -r id12 key12 <"$dir/one12"

pids=(--pid "ap=$ap_pid" --pid "fake-bsf=$fake_pid" --pid "presence=$presence_pid")
common=(--sni "$NAF_FQDN" --path "$path" --expect-bytes "$doc_bytes"
	--seconds "$seconds" --warmup "$warmup")
[ $json = 0 ] || common+=(--json)
failures=()
header=()
[ $json = 1 ] || header=(--no-header)

# The first bench-ap run prints the header; the script's own lines follow
# it in the same format.
first=1
run() {
	local h=()
	[ $first = 1 ] || h=("${header[@]}")
	first=0
	"$BENCH" --url "$ap_url" "${common[@]}" "${pids[@]}" "${h[@]}" "$@" ||
		failures+=("bench-ap $*: failed (see above)")
}

# AP-TLS-OK lines with cached=yes / cached=no after octet OFF of ap.log
tls_ok() { tail -c +"$(($1 + 1))" "$dir/ap.log" | grep -c "AP-TLS-OK .*cached=$2" || true; }

# Sanity, before any figure: the document comes back through the AP, and a
# wrong key is refused by a TLS alert (so the figures are of real
# handshakes).
"$BENCH" --url "$ap_url" "${common[@]}" --mode new --conns 1 --warmup 0 --seconds 0.1 \
	--identity "$id13" --key "$key13" --no-header >"$dir/sanity.out" 2>&1 ||
	fail "one GET through the AP failed: $(tail -3 "$dir/sanity.out")"
bad=$(tr '0-9a-f' '1-9a-f0' <<<"$key13")
if "$BENCH" --url "$ap_url" "${common[@]}" --mode new --conns 1 --warmup 0 --seconds 0.1 \
	--identity "$id13" --key "$bad" --no-header >"$dir/wrong-key.out" 2>&1; then
	fail "a wrong key was accepted by the AP: $(tail -3 "$dir/wrong-key.out")"
fi
grep -q 'FAILED: .*handshake: alert' "$dir/wrong-key.out" ||
	fail "a wrong key failed otherwise than by a TLS alert: $(tail -1 "$dir/wrong-key.out")"

if [ $json = 0 ]; then
	echo "# bench-ap.sh: AP $BUILD/ap pid $ap_pid ($ap_url, as.upstream presence" \
		"$presence_addr over HTTP/1.1 keep-alive), fake BSF pid $fake_pid," \
		"document $doc_bytes bytes of $USER_URI"
fi

# --- 1. new connections ------------------------------------------------------
first_key=1
if [ -z "$only" ] || [ "$only" = new ]; then
	for tls in 13 12; do
		if [ $tls = 13 ]; then ua=$UA13 id=$id13 key=$key13; else ua=$UA12 id=$id12 key=$key12; fi
		run --mode new --tls $tls --ua-id $ua --conns "$conns" \
			--identity "$id" --key "$key" --label keys=cached
		keys "$dir/cold$tls" $ua $first_key "$nkeys"
		first_key=$((first_key + nkeys))
		off=$(size "$dir/ap.log")
		run --mode new --tls $tls --ua-id $ua --conns "$conns" \
			--keys "$dir/cold$tls" --cold --label keys=cold
		n_cached=$(tls_ok "$off" yes) n_zn=$(tls_ok "$off" no)
		[ $json = 1 ] || echo "#   AP log: $n_zn handshakes with a Zn round trip, $n_cached from the cache"
		[ "$n_cached" = 0 ] && [ "$n_zn" -gt 0 ] ||
			failures+=("cold TLS 1.${tls#1}: the AP log shows $n_cached cached and $n_zn Zn handshakes")
	done
fi

# --- 2. kept-alive connections ---------------------------------------------
if [ -z "$only" ] || [ "$only" = keep ]; then
	run --mode keep --conns "$keep_conns" --identity "$id13" --key "$key13" \
		--ua-id $UA13
	run --mode keep --h2 --streams "$streams" --conns "$keep_conns" \
		--identity "$id13" --key "$key13" --ua-id $UA13
fi

# --- 3. other clients' p99 while handshakes wait on Zn ----------------------
if [ -z "$only" ] || [ "$only" = mixed ]; then
	run --mode mixed --conns "$keep_conns" --identity "$id13" --key "$key13" \
		--ua-id $UA13 --label baseline
	for d in 0 "$delay"; do
		if [ "$d" != 0 ]; then
			# the same port, now slow; the AP reconnects on its own
			off=$(size "$dir/ap.log")
			stop "$fake_pid"
			start_fake "$fake_port" "$d"
			pids=(--pid "ap=$ap_pid" --pid "fake-bsf=$fake_pid" --pid "presence=$presence_pid")
			wait_log "$dir/ap.log" "$off" "DIA-PEER-UP peer=$BSF_HOST" "$ap_pid" >/dev/null
		fi
		for w in ${churn//,/ }; do
			[ "$w" -gt 0 ] || continue
			keys "$dir/churn" $UA13 $first_key "$nkeys"
			first_key=$((first_key + nkeys))
			off=$(size "$dir/ap.log")
			run --mode mixed --conns "$keep_conns" --identity "$id13" \
				--key "$key13" --ua-id $UA13 --churn "$w" \
				--churn-keys "$dir/churn" --label "zn_delay=${d}ms"
			n_cached=$(tls_ok "$off" yes) n_zn=$(tls_ok "$off" no)
			[ $json = 1 ] || echo "#   AP log: $n_zn handshakes with a Zn round trip, $n_cached from the cache"
		done
	done
fi

# --- 4. RSS per idle TLS connection ------------------------------------------
if [ -z "$only" ] || [ "$only" = idle ]; then
	[ "$idle" -gt 0 ] || die "--idle: at least 1"
	# A fresh AP, its key cache and upstream pool filled first: what the
	# held connections add is what is measured.
	stop "$ap_pid"
	ap_pid=""
	start_ap
	"$BENCH" --url "$ap_url" "${common[@]}" --pid "ap=$ap_pid" --mode keep --conns 32 \
		--warmup 0 --seconds 0.5 --identity "$id13" --key "$key13" \
		--no-header >"$dir/idle-warm.out" 2>&1 ||
		fail "warming the new AP failed: $(tail -2 "$dir/idle-warm.out")"
	before=$(rss_kb "$ap_pid")
	out=$dir/idle.out
	: >"$out"
	"$BENCH" --url "$ap_url" "${common[@]}" --pid "ap=$ap_pid" --mode idle --conns "$idle" \
		--identity "$id13" --key "$key13" --ua-id $UA13 --no-header \
		--hold-seconds 600 >"$out" 2>&1 &
	load_pid=$!
	up=$(WAIT_SECONDS=120 wait_log "$out" 0 "ap-idle-up" "$load_pid")
	held=$(rss_kb "$ap_pid")
	fds=$(ls "/proc/$ap_pid/fd" | wc -l)
	kill -TERM "$load_pid"
	lrc=0
	wait "$load_pid" || lrc=$?
	load_pid=""
	after=$(rss_kb "$ap_pid")
	upn=$(sed -n 's/.*"\{0,1\}conns"\{0,1\}[=:]\([0-9]*\).*/\1/p' <<<"$up")
	[ $lrc = 0 ] || failures+=("idle: bench-ap exited $lrc: $(tail -2 "$out")")
	per=$(awk -v a="$before" -v b="$held" -v n="$upn" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
	if [ $json = 1 ]; then
		printf '{"bench":"ap-idle-rss","conns":%s,"rss_before_kb":%s,"rss_held_kb":%s,"rss_after_close_kb":%s,"ap_fds_held":%s,"bytes_per_conn":%s}\n' \
			"$upn" "$before" "$held" "$after" "$fds" "$per"
	else
		echo "ap-idle-rss conns=$upn before=${before}kB held=${held}kB" \
			"after_close=${after}kB per_conn=${per}B"
		echo "#   VmRSS of a fresh AP (key cached, upstream pool open), with $upn TLS 1.3" \
			"connections held after one GET each ($fds descriptors open), and after they closed"
	fi
	[ -n "$upn" ] && [ "$upn" = "$idle" ] || failures+=("idle: $upn of $idle connections up")
fi

if [ ${#failures[@]} -gt 0 ]; then
	for f in "${failures[@]}"; do echo "bench-ap: FAILED: $f" >&2; done
	exit 1
fi
