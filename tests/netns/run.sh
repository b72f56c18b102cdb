#!/usr/bin/env bash
# run.sh — the docker-compose topology (docker-compose.yml) as separate
# hosts, built with network namespaces: what crosses the network between
# the services, and what happens when the BSF's link is cut.
#
#   tests/netns/run.sh          (UTSTACK_BUILD=build; run by `make check`)
#   KEEP=1 tests/netns/run.sh   keep the logs and databases
#
# One namespace per service (hss-stub, bsf, ap, presence, and one for the
# UEs), each with a veth pair to a bridge in a namespace of its own;
# addresses in 10.99.0.0/24 exist only inside the namespaces (the host's
# interfaces and routes are never touched). Namespace names carry a tag
# unique to the run, and an EXIT trap stops every program this script
# started (by pid) and deletes every namespace it made. Each daemon runs in
# its namespace with docker/conf/<program>.conf, the peer addresses, paths
# and the Zn timings overridden with -o; the host numbers are the compose
# plan's (.10 hss-stub, .11 bsf, .12 ap, .13 presence, .20 ue).
#
# Scenario: provisioning; the UE's bootstrap (Ub), Ks_NAF and XCAP PUT/GET
# through the AP (Ua TLS-PSK, Zn, then presence), as the user and as its
# pseudonym; presence refusing an asserted identity from another host than
# the AP. Then the BSF's link goes down: a client whose key the AP lacks
# fails within zn.timeout_ms (1000 here; AP-ZN-KEY-FAILED), a client whose
# Ks_NAF is cached goes on (GET 200, also once the AP's Zn watchdog has
# given the BSF up); the link comes back, the AP reconnects, and a fresh
# bootstrap (a new B-TID) works through the AP again. Every wait is on an
# event line in a log (wait_line), never a sleep.
#
# Exit 0 passed, 1 failed, 77 skipped (the reason on stdout): not root,
# no `ip netns`, no bridge or veth support, or ap / `ue xcap` not built.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${UTSTACK_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
WAIT_SECONDS=${UTSTACK_WAIT:-10}
# the AP gives a BSF that does not answer up after this (the test's value)
ZN_TIMEOUT_MS=1000
# ... a client may take this much longer to see its handshake fail
MARGIN_MS=2000
# the Diameter reconnect back-off doubles up to 30 s (dia_peer.h)
RECONNECT_WAIT=40
NET=10.99.0
REALM=ims.example.org
NAF_FQDN=xcap.$REALM
K=465b5ce8b199b49faa5f0a2ee238a6bc	# Milenage test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
ALICE_IMPI=001010000000001@ims.mnc001.mcc001.3gppnetwork.org
ALICE=sip:alice@$REALM
ALICE_NYM=sip:a7f3@$REALM
BOB_IMPI=001010000000002@ims.mnc001.mcc001.3gppnetwork.org
BOB=sip:bob@$REALM

me=tests/netns/run.sh
skip() { echo "$me: skipped: $*"; exit 77; }
fail() { echo "$me: FAILED: $*" >&2; exit 1; }
say() { printf '%s: %s\n' "$me" "$*"; }

# ---- can this machine run it? --------------------------------------------
[ "$(id -u)" = 0 ] || skip "not root (ip netns needs CAP_SYS_ADMIN)"
command -v ip >/dev/null 2>&1 || skip "ip not installed (Debian package iproute2)"
for p in hss-stub bsf presence ue; do
	[ -x "$BUILD/$p" ] || fail "$BUILD/$p is not built (run make)"
done
[ -x "$BUILD/ap" ] || skip "ap not built"
"$BUILD/ue" xcap --help >/dev/null 2>&1 || skip "ue xcap not built"
for tool in curl gnutls-cli; do
	command -v $tool >/dev/null 2>&1 ||
		skip "$tool not installed (scripts/install-deps)"
done

TAG=utn$$r$RANDOM
NSS=()		# namespaces made, deleted by the EXIT trap
PIDS=()		# programs started, stopped by the EXIT trap
dir=$(mktemp -d "${TMPDIR:-/tmp}/utstack-netns.XXXXXX")

# Is PID running? An exited child not yet reaped (a zombie) is not.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

cleanup() {
	local rc=$? pid ns deadline
	trap - EXIT INT TERM
	# each daemon exits on SIGTERM (the AP after its DPR, 2 s at most);
	# one still running after WAIT_SECONDS is killed
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	deadline=$((SECONDS + WAIT_SECONDS))
	for pid in "${PIDS[@]}"; do
		while alive "$pid" && [ $SECONDS -lt $deadline ]; do
			sleep 0.02
		done
		! alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	# a daemon built with SAN=1 reports into its log
	if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$dir"/*.log 2>/dev/null; then
		echo "$me: sanitizer report in the logs above" >&2
		[ $rc != 0 ] || rc=1
	fi
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		echo "$me: logs and databases kept in $dir" >&2
		for f in "$dir"/*.log; do
			[ -s "$f" ] || continue
			echo "---- last lines of $f" >&2
			tail -n 15 "$f" >&2
		done
	elif [ "${KEEP:-0}" = 1 ]; then
		echo "$me: logs and databases kept in $dir"
	else
		rm -rf "$dir"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Does the kernel let us? A namespace, a bridge and a veth in it.
probe=$TAG-probe
err=$(ip netns add "$probe" 2>&1) || skip "ip netns does not work here: $err"
NSS+=("$probe")
err=$(ip -n "$probe" link add br0 type bridge 2>&1) ||
	skip "no bridge in a namespace: $err"
err=$(ip -n "$probe" link add v0 type veth peer name v1 2>&1) ||
	skip "no veth pairs: $err"
ip netns del "$probe"

# ---- topology --------------------------------------------------------------
declare -A HOST=([hss]=10 [bsf]=11 [ap]=12 [pres]=13 [ue]=20)
ns() { echo "$TAG-$1"; }
BR=$(ns br)

ns_add() {
	ip netns add "$1"
	NSS+=("$1")
	ip -n "$1" link set lo up
}

ns_add "$BR"
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
for svc in hss bsf ap pres ue; do
	ns_add "$(ns $svc)"
	# created in the bridge's namespace, the peer end straight in the
	# service's: neither end ever exists in the host's namespace
	ip -n "$BR" link add "v-$svc" type veth peer name eth0 netns "$(ns $svc)"
	ip -n "$BR" link set "v-$svc" master br0 up
	ip -n "$(ns $svc)" addr add "$NET.${HOST[$svc]}/24" dev eth0
	ip -n "$(ns $svc)" link set eth0 up
done
HSS_IP=$NET.${HOST[hss]} BSF_IP=$NET.${HOST[bsf]}
AP_IP=$NET.${HOST[ap]} PRES_IP=$NET.${HOST[pres]}
say "namespaces $TAG-{br,hss,bsf,ap,pres,ue} on $NET.0/24; work dir $dir"

# ---- helpers ---------------------------------------------------------------
# Lines in a log so far: a later wait_line looks only past them.
mark() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# wait_line LOG TEXT PID [AFTER [SECONDS]]: print the first line past line
# AFTER of LOG that contains TEXT; fail after SECONDS (WAIT_SECONDS), or
# soon after PID died.
wait_line() {
	local log=$1 text=$2 pid=$3 after=${4:-0} secs=${5:-$WAIT_SECONDS} line
	# shellcheck disable=SC2016 # the inner script's own $1..$4
	line=$(timeout "$secs" bash -c '
		tail -n +"$4" -F "$1" 2>/dev/null | while IFS= read -r l; do
			case $l in *"$2"*) echo "$l"; break ;; esac
			kill -0 "$3" 2>/dev/null || break
		done' _ "$log" "$text" "$pid" "$((after + 1))") || true
	[ -n "$line" ] ||
		fail "$(basename "$log" .log): no '$text' within ${secs}s (see $log)"
	echo "$line"
}

# start NAME NS PROGRAM ARG...: a daemon in the foreground in namespace NS,
# logging to $dir/NAME.log; its pid in PIDS and STARTED_PID.
start() {
	local name=$1 netns=$2; shift 2
	ip netns exec "$netns" "$@" -f </dev/null >"$dir/$name.log" 2>&1 &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
}

# inns SVC CMD...: run a command in a service's namespace
inns() { local svc=$1; shift; ip netns exec "$(ns "$svc")" "$@"; }

# ue USIM ARG...: the UE in its namespace; a UE that hangs is stopped after
# UE_TIMEOUT seconds (every UE wait has its own, shorter, timeout)
ue() {
	local usim=$1; shift
	timeout "${UE_TIMEOUT:-60}" ip netns exec "$(ns ue)" \
	    "$BUILD/ue" --usim "$dir/$usim" "$@"
}

btid_of() { sed -n 's/^btid *= *//p' "$dir/$1"; }

# A value as an event line writes it (docs/CONTRACT.md): quoted when it is
# empty or holds a space, '"', '=' or '\' (a B-TID's base64 padding).
evq() {
	case $1 in
	''|*[\ \"=\\]*) local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# ---- the services -------------------------------------------------------------
say "provisioning $ALICE_IMPI ($ALICE, $ALICE_NYM) and $BOB_IMPI ($BOB)"
"$BUILD/hss-stub" -d "$dir/hss.db" add "$ALICE_IMPI" --k $K --opc $OPC \
	--impu "$ALICE" --impu "$ALICE_NYM" >/dev/null
"$BUILD/hss-stub" -d "$dir/hss.db" add "$BOB_IMPI" --k $K --opc $OPC \
	--impu "$BOB" >/dev/null

HSS_LOG=$dir/hss-stub.log BSF_LOG=$dir/bsf.log AP_LOG=$dir/ap.log
PRES_LOG=$dir/presence.log

start hss-stub "$(ns hss)" "$BUILD/hss-stub" -c "$ROOT/docker/conf/hss-stub.conf" \
	-o "hss.db=$dir/hss.db"
PID_hss_stub=$STARTED_PID
wait_line "$HSS_LOG" "LISTENING name=zh " "$PID_hss_stub" >/dev/null

start bsf "$(ns bsf)" "$BUILD/bsf" -c "$ROOT/docker/conf/bsf.conf" \
	-o "zh.hss=$HSS_IP:3868" -o "store.db=$dir/bsf.db"
PID_bsf=$STARTED_PID
wait_line "$BSF_LOG" "LISTENING name=ub " "$PID_bsf" >/dev/null
wait_line "$BSF_LOG" "LISTENING name=zn " "$PID_bsf" >/dev/null
wait_line "$BSF_LOG" "DIA-PEER-UP peer=hss.$REALM addr=$HSS_IP:3868" \
	"$PID_bsf" >/dev/null

start presence "$(ns pres)" "$BUILD/presence" -c "$ROOT/docker/conf/presence.conf" \
	-o "store.db=$dir/presence.db" -o "xcap.xsd_dir=$ROOT/presence/xsd" \
	-o "trust.peers=$AP_IP"
PID_presence=$STARTED_PID
wait_line "$PRES_LOG" "LISTENING name=xcap " "$PID_presence" >/dev/null

# Tw at its floor so that the AP gives the cut BSF up within seconds
start ap "$(ns ap)" "$BUILD/ap" -c "$ROOT/docker/conf/ap.conf" \
	-o "zn.bsf=$BSF_IP:3869" -o "as.upstream=$PRES_IP:8081" \
	-o "zn.timeout_ms=$ZN_TIMEOUT_MS" -o "zn.watchdog_ms=1000"
PID_ap=$STARTED_PID
wait_line "$AP_LOG" "LISTENING name=ua " "$PID_ap" >/dev/null
wait_line "$AP_LOG" "DIA-PEER-UP peer=bsf.$REALM addr=$BSF_IP:3869" \
	"$PID_ap" >/dev/null
say "hss-stub, bsf, presence and ap up, each in its namespace"

BSF_URL=http://$BSF_IP:8080
AP_URL=https://$AP_IP:8443
XCAP=/xcap-root

# ---- checks ------------------------------------------------------------------
expect() {	# expect WHAT WANT GOT
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	say "ok: $1 ($3)"
}

# xcap USIM ARG...: `ue xcap` in the UE's namespace; prints the HTTP
# status (000 when there was no answer) and leaves the JSON answer in
# $dir/last.json, its stderr in $dir/last.err.
xcap() {
	local usim=$1; shift
	ue "$usim" --json xcap "$@" >"$dir/last.json" 2>"$dir/last.err" || true
	json_field status <"$dir/last.json" || echo 000
}

# json_field KEY: a number or string field of the one-line JSON on stdin
json_field() {
	local s
	s=$(cat)
	if [[ $s =~ \"$1\":\ *\"(([^\"\\]|\\.)*)\" ]]; then
		s=${BASH_REMATCH[1]//\\\"/\"}
		printf '%s\n' "${s//\\\\/\\}"
	elif [[ $s =~ \"$1\":\ *([0-9]+) ]]; then
		printf '%s\n' "${BASH_REMATCH[1]}"
	else
		return 1
	fi
}

# ms since an arbitrary origin (bash 5: EPOCHREALTIME)
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

cat >"$dir/alice.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
  <list name="friends">
    <entry uri="sip:bob@ims.example.org"><display-name>Bob</display-name></entry>
  </list>
</resource-lists>
XML
sed 's/friends/colleagues/' "$dir/alice.xml" >"$dir/nym.xml"
sed 's/friends/family/; s/sip:bob@/sip:alice@/' "$dir/alice.xml" >"$dir/bob.xml"
ALICE_DOC=resource-lists/users/$ALICE/index
NYM_DOC=resource-lists/users/$ALICE_NYM/index
BOB_DOC=resource-lists/users/$BOB/index

# -- the demo scenario across the hosts
ue alice usim init --impi "$ALICE_IMPI" --k $K --opc $OPC --bsf "$BSF_URL" \
	--ap "$AP_URL" --naf-fqdn "$NAF_FQDN" >/dev/null
m=$(mark "$BSF_LOG")
ue alice bootstrap >/dev/null
alice_btid=$(btid_of alice)
wait_line "$BSF_LOG" "BSF-BOOTSTRAP-OK peer=$NET.${HOST[ue]}" "$PID_bsf" "$m" >/dev/null
say "ok: alice bootstrapped from $NET.${HOST[ue]} over Ub ($alice_btid)"
ue alice ks-naf "$NAF_FQDN" >/dev/null

m=$(mark "$AP_LOG"); mp=$(mark "$PRES_LOG")
expect "alice PUTs her list through the AP" 201 "$(xcap alice put "$ALICE_DOC" "$dir/alice.xml")"
wait_line "$AP_LOG" "AP-ZN-KEY-FETCHED btid=$(evq "$alice_btid")" "$PID_ap" "$m" >/dev/null
wait_line "$PRES_LOG" "XCAP-PUT user=$ALICE " "$PID_presence" "$mp" >/dev/null
etag=$(json_field etag <"$dir/last.json") || fail "no ETag on the PUT"

# the exact bytes reached presence: read them back as the AP would ask
inns ap curl -sS -H "X-3GPP-Asserted-Identity: \"$ALICE\"" \
	-o "$dir/stored.xml" "http://$PRES_IP:8081$XCAP/$ALICE_DOC"
cmp -s "$dir/alice.xml" "$dir/stored.xml" || fail "presence holds other bytes than alice PUT"
say "ok: presence holds the exact bytes"

m=$(mark "$AP_LOG")
expect "alice GETs her list through the AP" 200 "$(xcap alice get "$ALICE_DOC")"
expect "the GET's ETag" "$etag" "$(json_field etag <"$dir/last.json")"
wait_line "$AP_LOG" "AP-TLS-OK peer=$NET.${HOST[ue]}" "$PID_ap" "$m" | grep -q "cached=yes" ||
	fail "the second connection was not served from the AP's Ks_NAF cache"

mp=$(mark "$PRES_LOG")
expect "alice PUTs as her pseudonym" 201 \
	"$(xcap alice put --intended-identity "$ALICE_NYM" "$NYM_DOC" "$dir/nym.xml")"
wait_line "$PRES_LOG" "XCAP-PUT user=$ALICE_NYM " "$PID_presence" "$mp" >/dev/null

# presence believes an asserted identity only from the AP's address
mp=$(mark "$PRES_LOG")
code=$(inns ue curl -sS -o /dev/null -w '%{http_code}' \
	-H "X-3GPP-Asserted-Identity: \"$ALICE\"" "http://$PRES_IP:8081$XCAP/$ALICE_DOC")
expect "presence refuses an asserted identity from the UE's host" 403 "$code"
wait_line "$PRES_LOG" "XCAP-DENIED peer=$NET.${HOST[ue]}" "$PID_presence" "$mp" >/dev/null

# bob bootstraps now: the BSF knows his B-TID, the AP never saw it
ue bob usim init --impi "$BOB_IMPI" --k $K --opc $OPC --bsf "$BSF_URL" \
	--ap "$AP_URL" --naf-fqdn "$NAF_FQDN" >/dev/null
ue bob bootstrap >/dev/null
bob_btid=$(btid_of bob)
bob_key=$(ue bob --json ks-naf "$NAF_FQDN" --ua-id 0100000007 | json_field ks_naf) ||
	fail "no Ks_NAF for bob"

# ---- the BSF's link goes down ----------------------------------------------
say "cutting the BSF's link (eth0 down in $(ns bsf))"
m_cut=$(mark "$AP_LOG")
inns bsf ip link set eth0 down

# A client whose key the AP lacks: the AP's BIR goes unanswered, and after
# zn.timeout_ms the handshake ends with a fatal alert. gnutls-cli first:
# a TLS-PSK client that does nothing else, so its time is the AP's.
m=$(mark "$AP_LOG")
t0=$(now_ms)
rc=0
printf 'GET %s/%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' \
	"$XCAP" "$BOB_DOC" "$NAF_FQDN" |
	timeout 15 ip netns exec "$(ns ue)" gnutls-cli -p 8443 \
	    --pskusername "3GPP-bootstrapping.$bob_btid" --pskkey "$bob_key" \
	    --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+PSK" \
	    --sni-hostname "$NAF_FQDN" "$AP_IP" >"$dir/gnutls-cli.out" 2>&1 || rc=$?
t1=$(now_ms)
[ $rc != 0 ] || fail "bob's handshake succeeded while the BSF was cut off"
[ $rc != 124 ] || fail "bob's handshake still hung after 15 s"
line=$(wait_line "$AP_LOG" "AP-ZN-KEY-FAILED btid=$(evq "$bob_btid")" "$PID_ap" "$m")
say "ok: $line"
elapsed=$((t1 - t0))
[ $elapsed -le $((ZN_TIMEOUT_MS + MARGIN_MS)) ] ||
	fail "bob's handshake failed after ${elapsed} ms, not within zn.timeout_ms=$ZN_TIMEOUT_MS + ${MARGIN_MS} ms"
say "ok: bob's handshake failed after ${elapsed} ms (zn.timeout_ms=$ZN_TIMEOUT_MS)"

# `ue xcap` as bob sees the same refusal as soon (its stderr says so),
# then bootstraps again as TS 33.222 5.4 asks — which cannot succeed while
# the BSF is cut off; it is stopped once the refusal was seen.
m=$(mark "$AP_LOG")
: >"$dir/bob-ue.err"
t0=$(now_ms)
# (timeout itself in the background, not a function's subshell: its pid
# is the one to signal, and it passes SIGTERM on to the UE)
timeout 60 ip netns exec "$(ns ue)" "$BUILD/ue" --usim "$dir/bob" \
	xcap get "$BOB_DOC" >/dev/null 2>"$dir/bob-ue.err" &
ue_pid=$!
PIDS+=("$ue_pid")
wait_line "$dir/bob-ue.err" "refused the PSK identity" "$ue_pid" 0 \
	$(((ZN_TIMEOUT_MS + MARGIN_MS + 999) / 1000)) >/dev/null
t1=$(now_ms)
wait_line "$AP_LOG" "AP-ZN-KEY-FAILED btid=$(evq "$bob_btid")" "$PID_ap" "$m" >/dev/null
say "ok: ue xcap as bob: the AP refused its PSK identity after $((t1 - t0)) ms"
kill -TERM "$ue_pid" 2>/dev/null || true
wait "$ue_pid" 2>/dev/null || true

# A client whose Ks_NAF the AP holds carries on.
m=$(mark "$AP_LOG")
expect "alice GETs with a cached key, BSF cut off" 200 "$(xcap alice get "$ALICE_DOC")"
wait_line "$AP_LOG" "AP-TLS-OK peer=$NET.${HOST[ue]}" "$PID_ap" "$m" | grep -q "cached=yes" ||
	fail "alice's connection was not served from the cache"

# ... also once the AP's watchdog has given the BSF up
wait_line "$AP_LOG" "DIA-PEER-DOWN peer=bsf.$REALM" "$PID_ap" "$m_cut" >/dev/null
say "ok: the AP's Zn connection to the BSF went down"
expect "alice GETs with no Zn connection at all" 200 "$(xcap alice get "$ALICE_DOC")"

# ---- the link comes back -------------------------------------------------------
m=$(mark "$AP_LOG")
say "restoring the BSF's link"
inns bsf ip link set eth0 up
wait_line "$AP_LOG" "DIA-PEER-UP peer=bsf.$REALM addr=$BSF_IP:3869" "$PID_ap" "$m" \
	"$RECONNECT_WAIT" >/dev/null
say "ok: the AP reconnected to the BSF"

m=$(mark "$BSF_LOG")
ue bob bootstrap >/dev/null
wait_line "$BSF_LOG" "BSF-BOOTSTRAP-OK peer=$NET.${HOST[ue]}" "$PID_bsf" "$m" >/dev/null
new_btid=$(btid_of bob)
[ "$new_btid" != "$bob_btid" ] || fail "bob's new bootstrap kept the B-TID $bob_btid"
m=$(mark "$AP_LOG")
expect "bob PUTs with a new B-TID after the link returned" 201 \
	"$(xcap bob put "$BOB_DOC" "$dir/bob.xml")"
wait_line "$AP_LOG" "AP-ZN-KEY-FETCHED btid=$(evq "$new_btid")" "$PID_ap" "$m" >/dev/null
expect "alice still GETs her list" 200 "$(xcap alice get "$ALICE_DOC")"

say "passed"
