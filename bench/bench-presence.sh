#!/usr/bin/env bash
# bench-presence.sh — XCAP document GET and element PUT per second against
# presence, over HTTP/1.1 (wrk) and h2c by prior knowledge (h2load).
#
#   bench/bench-presence.sh [--seconds S] [--warmup S] [--connections N]
#                           [--streams M] [--threads T] [--no-reference]
#
# Starts a stack with `scripts/stack up` in a temporary directory (the
# build in UTSTACK_BUILD, default build/), writes two resource-lists
# documents for alice (1 KiB and 100 KiB, exact sizes, unique entries) and
# measures, S seconds each (default 5) after W seconds of warm-up (default
# 1), with N connections (64): wrk -tT (2) and h2load -tT -mM (10 streams
# per connection), GET of each document and element PUT into each. The
# PUT replaces one <entry> with the same bytes, so the document keeps its
# size; after the runs both documents must still equal what was written.
#
# Then, for reference, the same GETs against whichever of these is
# installed (scripts/install-deps --bench): nginx serving the same bytes
# as static files (one worker process, like presence's one thread; HTTP/1.1
# and h2c), and Kamailio's xcap_server (HTTP/1.1 only; tcp_children = one
# per CPU) holding the same documents in SQLite. Kamailio's element PUT is
# not measured: it removes the entry instead of replacing it, then answers
# 500. --no-reference skips both.
#
# Output: `#` header lines, then one figure per line, e.g.
#   presence-get size=1k proto=http/1.1 rate=33063/s p50=1.65ms p99=6.69ms errors=0 cpu-server=98% cpu-tool=121%
# h2load reports no percentiles, so its lines give mean and max latency
# instead (its --log-file would, at a cost of ~15% of the rate). cpu-* is
# CPU time over wall time of the run, 100% being one core. Memory:
# presence's VmRSS and VmHWM before and after the runs. Between runs the
# server is left to finish what the tool left in flight. Any non-2xx answer
# or socket error from presence, or a run with no answer at all, fails the
# bench (exit 1) once every figure is printed; the references' errors are
# only shown. The stack always goes down, and its directory is kept after
# a failure. Sanitizer builds are refused: their figures mean nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${UTSTACK_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

die() { echo "bench-presence: $*" >&2; exit 2; }
usage() { sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

seconds=5 warmup=1 conns=64 streams=10 threads=2 reference=1
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage ;;
	--no-reference) reference=0; shift; continue ;;
	esac
	[ $# -ge 2 ] || usage
	case $1 in
	--seconds) seconds=$2 ;;
	--warmup) warmup=$2 ;;
	--connections) conns=$2 ;;
	--streams) streams=$2 ;;
	--threads) threads=$2 ;;
	*) usage ;;
	esac
	shift 2
done
# wrk takes whole seconds
for v in "$seconds" "$warmup" "$conns" "$streams" "$threads"; do
	[[ $v =~ ^[0-9]+$ ]] || die "expected a whole number, got '$v'"
done
[ "$seconds" -gt 0 ] && [ "$conns" -gt 0 ] || die "--seconds and --connections must be > 0"

case $(basename "$BUILD") in
*san*) die "refusing a sanitizer build ($BUILD)" ;;
esac
[ -x "$BUILD/presence" ] || die "$BUILD/presence is not built (make BUILD=$BUILD)"
for t in wrk h2load curl; do
	command -v $t >/dev/null || die "$t is not installed (scripts/install-deps --bench)"
done

USER_URI="sip:alice@ims.example.org"
AUTH="X-3GPP-Asserted-Identity: \"$USER_URI\""
# The entry every PUT replaces, byte for byte as the documents hold it.
ENTRY='<entry uri="sip:x@e"><display-name>X</display-name></entry>'
SELECTOR='~~/resource-lists/list%5b@name=%22l%22%5d/entry%5b@uri=%22sip:x@e%22%5d'
TCK=$(getconf CLK_TCK)
TIMEOUT=60s

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-presence.XXXXXX")
env=$dir/stack.env

# pids of the reference servers we started, stopped by finish; keep=1
# keeps the directory after a clean run (a reference did not start)
ref_pids=() keep=0

finish() {
	local rc=$?
	local p
	for p in "${ref_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || continue
		for _ in {1..50}; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	if [ -f "$env" ]; then
		UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" down "$dir" >/dev/null || rc=1
	fi
	if [ $rc = 0 ] && [ $keep = 0 ]; then
		rm -rf "$dir"
	elif [ $rc = 0 ]; then
		echo "bench-presence: logs kept in $dir" >&2
	else
		echo "bench-presence: failed; logs kept in $dir" >&2
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

fail() { echo "bench-presence: $*" >&2; exit 1; }
get() { sed -n "s/^$1=//p" "$env"; }

# mkdoc BYTES FILE: a valid resource-lists document of exactly BYTES
# octets: ENTRY, then entries with unique URIs, then blanks to the size.
mkdoc() {
	local size=$1 file=$2 n=0 line body head tail pad
	head=$'<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n <list name="l">\n  '"$ENTRY"$'\n'
	tail=$' </list>\n</resource-lists>\n'
	body=$head
	while :; do
		printf -v line '  <entry uri="sip:user%06d@ims.example.org"/>\n' $((n + 1))
		[ $((${#body} + ${#line} + ${#tail})) -le "$size" ] || break
		body+=$line
		n=$((n + 1))
	done
	pad=$((size - ${#body} - ${#tail}))
	[ $pad -eq 0 ] || printf -v line '%*s\n' $((pad - 1)) ''
	[ $pad -ne 0 ] || line=
	printf '%s%s%s' "$body" "$line" "$tail" >"$file"
	[ "$(stat -c %s "$file")" = "$size" ] || die "mkdoc: $file is not $size bytes"
	echo $n
}

# put_doc FILE URL: create the document; expects 201.
put_doc() {
	local code
	code=$(curl -sS -o "$dir/put.out" -w '%{http_code}' -X PUT -H "$AUTH" \
		-H 'Content-Type: application/resource-lists+xml' \
		--data-binary @"$1" "$2") || fail "curl PUT $2 failed"
	[ "$code" = 201 ] || fail "PUT $2: HTTP $code: $(head -c 400 "$dir/put.out")"
}

# CPU ticks of the server measured (srv_pid and its child processes),
# and of our reaped children (the load tools).
ticks_server() {
	local p t=0
	for p in $srv_pid $(pgrep -P "$srv_pid" || true); do
		t=$((t + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo $t
}
ticks_children() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
now_ns() { date +%s%N; }

# Wait until the server has used no CPU for half a second: requests a tool
# left in flight when it stopped are still answered, and would weigh on
# the next run.
wait_idle() {
	local a b i
	a=$(ticks_server)
	for ((i = 0; i < 600; i++)); do
		sleep 0.5
		b=$(ticks_server)
		[ $((b - a)) -gt 1 ] || return 0
		a=$b
	done
	fail "server pid $srv_pid still busy 300 s after the load stopped"
}

rss() {
	awk -v when="$1" '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
		END { printf "presence-rss when=%s vmrss=%dkB vmhwm=%dkB\n", when, r, h }' \
		"/proc/$pid/status"
}

# ms US: microseconds as milliseconds, 2 decimals
ms() { awk -v u="$1" 'BEGIN { printf "%.2fms", u / 1000 }'; }
# h2load's "416us", "51.57ms", "1.02s" as microseconds
h2_us() {
	awk -v t="$1" 'BEGIN {
		if (t ~ /us$/) m = 1; else if (t ~ /ms$/) m = 1000; else m = 1000000
		sub(/[a-z]+$/, "", t); printf "%d", t * m }'
}
pct() { awk -v t="$1" -v ns="$2" -v tck="$TCK" 'BEGIN { printf "%d%%", t / tck / (ns / 1e9) * 100 }'; }

# NAME=NUMBER from the line presence-wrk.lua's done() printed (in rest)
wrk_field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$rest"; }

# measure LABEL SIZE PROTO URL [BODY CTYPE]: one figure line, for the
# server srv_pid; its errors fail the bench when strict=1.
measure() {
	local label=$1 size=$2 proto=$3 url=$4 body=${5:-} ctype=${6:-}
	local out=$dir/${label//[ =]/-}-$size-${proto//\//}.out
	local t0 t1 p0 p1 c0 c1 rest f
	local rate lat errors answered
	# a late answer is still an answer: its latency shows in p99
	local wrk_args=(-c"$conns" -t"$threads" --timeout "$TIMEOUT" \
		-s "$ROOT/bench/presence-wrk.lua" -H "$AUTH" "$url")
	local h2_args=(-c"$conns" -m"$streams" -t"$threads" -H "$AUTH")
	if [ -n "$body" ]; then
		wrk_args+=(-- "$body" "$ctype")
		h2_args+=(-d "$body" -H ':method: PUT' -H "Content-Type: $ctype")
	fi

	if [ "$proto" = http/1.1 ] && [ "$warmup" -gt 0 ]; then
		wrk -d"${warmup}s" "${wrk_args[@]}" >"$out.warmup" 2>&1 ||
			fail "wrk warm-up failed: $(cat "$out.warmup")"
		wait_idle
	fi
	t0=$(now_ns) p0=$(ticks_server) c0=$(ticks_children)
	if [ "$proto" = http/1.1 ]; then
		wrk -d"${seconds}s" "${wrk_args[@]}" >"$out" 2>&1 ||
			fail "wrk failed: $(cat "$out")"
	else
		[ "$warmup" -eq 0 ] || h2_args+=(--warm-up-time="$warmup")
		h2load -D "$seconds" "${h2_args[@]}" "$url" >"$out" 2>&1 ||
			fail "h2load failed: $(tail -5 "$out")"
	fi
	t1=$(now_ns) p1=$(ticks_server) c1=$(ticks_children)
	wait_idle

	if [ "$proto" = http/1.1 ]; then
		rest=$(grep '^WRK ' "$out") || fail "no summary from wrk in $out"
		answered=$(wrk_field requests)
		rate=$(awk -v n="$answered" -v d="$(wrk_field duration_us)" \
			'BEGIN { printf "%d", n / (d / 1e6) }')
		errors=0
		for f in e_status e_connect e_read e_write e_timeout; do
			errors=$((errors + $(wrk_field $f)))
		done
		lat="p50=$(ms "$(wrk_field p50_us)") p99=$(ms "$(wrk_field p99_us)")"
		[ "$answered" -gt 0 ] || lat="p50=- p99=-"
	else
		local done_ n2 n3 n4 n5 failed mean max
		rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")
		rate=${rate%.*}
		read -r done_ failed < <(sed -n \
			's/^requests: .* \([0-9]*\) done, .* succeeded, \([0-9]*\) failed.*/\1 \2/p' "$out")
		read -r n2 n3 n4 n5 < <(sed -n \
			's/^status codes: \([0-9]*\) 2xx, \([0-9]*\) 3xx, \([0-9]*\) 4xx, \([0-9]*\) 5xx/\1 \2 \3 \4/p' "$out")
		read -r _ _ _ _ max mean _ < <(grep '^time for request:' "$out")
		[ -n "$rate" ] && [ -n "$done_" ] && [ -n "$n2" ] && [ -n "$mean" ] ||
			fail "cannot read h2load's summary in $out"
		# failed counts errored and timed-out requests. Not done - 2xx:
		# h2load counts a few streams cut at the end of -D as done with
		# no status, against nginx as well.
		errors=$((failed + n3 + n4 + n5))
		answered=$n2
		lat="mean=$(ms "$(h2_us "$mean")") max=$(ms "$(h2_us "$max")")"
		[ "$answered" -gt 0 ] || lat="mean=- max=-"
	fi
	echo "$label size=$size proto=$proto rate=$rate/s $lat errors=$errors" \
		"cpu-server=$(pct $((p1 - p0)) $((t1 - t0)))" \
		"cpu-tool=$(pct $((c1 - c0)) $((t1 - t0)))"
	[ "$strict" = 1 ] || return 0
	# the other figures still come; the bench fails at the end
	local what="$label size=$size proto=$proto"
	[ "$errors" = 0 ] ||
		failures+=("$what: $errors non-2xx answers or socket errors (see $out)")
	[ "$answered" -gt 0 ] ||
		failures+=("$what: no answer within ${seconds}s (see $out)")
}

# A free TCP port on loopback for a reference server: below the
# ephemeral range (the load tools' connections, in TIME_WAIT too, hold
# ports there) and in no socket's use.
free_port() {
	local p low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 11000 ] || low=61000
	for _ in {1..100}; do
		p=$((10000 + RANDOM % (low - 10000)))
		[ -n "$(ss -Htan "sport = :$p")" ] || { echo $p; return 0; }
	done
	fail "no free port found"
}

# wait_http URL PID: until URL answers 200 (10 s), or PID died.
wait_http() {
	for _ in {1..100}; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" != 200 ] || return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# nginx, one worker (master_process off: no user switch, no extra
# process), serving doc-1k and doc-100k from DIR/nginx/www; HTTP/1.1 on
# one port, h2c by prior knowledge on another. Sets ref_url, ref_url_h2.
start_nginx() {
	local d=$dir/nginx p1 p2
	mkdir -p "$d/www" "$d/tmp"
	cp "$dir/doc-1k.xml" "$d/www/doc-1k"
	cp "$dir/doc-100k.xml" "$d/www/doc-100k"
	p1=$(free_port) p2=$(free_port)
	[ "$p1" != "$p2" ] || p2=$(free_port)
	cat >"$d/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000000;
	default_type application/resource-lists+xml;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	server {
		listen 127.0.0.1:$p1;
		listen 127.0.0.1:$p2 http2;
		root $d/www;
	}
}
CONF
	nginx -c "$d/nginx.conf" -p "$d" </dev/null >"$d/stdout.log" 2>&1 &
	srv_pid=$!
	ref_pids+=("$srv_pid")
	ref_url=http://127.0.0.1:$p1 ref_url_h2=http://127.0.0.1:$p2
	wait_http "$ref_url/doc-1k" "$srv_pid"
}

# Kamailio's xcap_server on HTTP/1.1 (xhttp), alice's documents in SQLite,
# PUT with curl as for presence. Sets ref_url.
start_kamailio() {
	local d=$dir/kamailio p s mods=/usr/lib/x86_64-linux-gnu/kamailio/modules
	local share=/usr/share/kamailio/db_sqlite
	mkdir -p "$d"
	[ -d "$mods" ] || mods=$(dirname "$(find /usr/lib -name xcap_server.so -print -quit)")
	cat "$share/standard-create.sql" "$share/presence-create.sql" |
		sqlite3 "$d/xcap.db" || return 1
	p=$(free_port)
	cat >"$d/kamailio.cfg" <<CONF
#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=$(nproc)
listen=tcp:127.0.0.1:$p
tcp_accept_no_cl=yes
tcp_rd_buf_size=262144
tcp_connection_lifetime=3600
tcp_max_connections=4096
mpath="$mods/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "db_sqlite.so"
loadmodule "xhttp.so"
loadmodule "xcap_server.so"
modparam("xcap_server", "db_url", "sqlite:///$d/xcap.db")
modparam("xcap_server", "buf_size", 262144)
request_route { exit; }
event_route[xhttp:request] {
	if (\$hu =~ "^/xcap-root/") {
		switch (\$rm) {
		case "PUT": xcaps_put("$USER_URI", "\$hu", "\$rb"); exit;
		case "GET": xcaps_get("$USER_URI", "\$hu"); exit;
		}
	}
	xhttp_reply("404", "Not Found", "text/plain", "");
}
CONF
	kamailio -f "$d/kamailio.cfg" -DD -E -w "$d" </dev/null >"$d/kamailio.log" 2>&1 &
	srv_pid=$!
	ref_pids+=("$srv_pid")
	ref_url=http://127.0.0.1:$p/xcap-root/resource-lists/users/$USER_URI
	for s in 1k 100k; do
		for _ in {1..100}; do
			curl -s -o /dev/null -X PUT -H 'Content-Type: application/resource-lists+xml' \
				--data-binary @"$dir/doc-$s.xml" "$ref_url/doc-$s" && break
			kill -0 "$srv_pid" 2>/dev/null || return 1
			sleep 0.1
		done
		curl -s "$ref_url/doc-$s" | cmp -s - "$dir/doc-$s.xml" || return 1
	done
}

UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" up "$dir" >/dev/null
pid=$(get PRESENCE_PID)
url=$(get PRESENCE_URL)$(get XCAP_ROOT)/resource-lists/users/$USER_URI
[ -n "$pid" ] && [ -n "$url" ] || fail "no presence in $env"

failures=()
declare -A bytes=([1k]=1024 [100k]=102400) entries
for s in 1k 100k; do
	entries[$s]=$(mkdoc "${bytes[$s]}" "$dir/doc-$s.xml")
	put_doc "$dir/doc-$s.xml" "$url/doc-$s"
done
printf '%s' "$ENTRY" >"$dir/entry.xml"

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "# bench-presence: XCAP GET and element PUT, $conns connections;" \
	"HTTP/1.1 wrk -t$threads, h2c (prior knowledge) h2load -t$threads -m$streams;" \
	"${seconds}s each after ${warmup}s warm-up"
echo "# cpu: ${model:-unknown} ($(nproc) online, shared by the load tool and the server)"
echo "# presence: $BUILD/presence pid $pid; documents: 1k=${bytes[1k]} bytes" \
	"(${entries[1k]} + 1 entries), 100k=${bytes[100k]} bytes (${entries[100k]} + 1 entries)"
echo "# put: element PUT (application/xcap-el+xml) replacing one <entry> with the same" \
	"$(stat -c %s "$dir/entry.xml") bytes; acknowledged once durable"
echo "# tools: $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }'), $(h2load --version)"
rss before

srv_pid=$pid strict=1
for proto in http/1.1 h2c; do
	for s in 1k 100k; do
		measure presence-get "$s" "$proto" "$url/doc-$s"
	done
	for s in 1k 100k; do
		measure presence-put "$s" "$proto" "$url/doc-$s/$SELECTOR" \
			"$dir/entry.xml" application/xcap-el+xml
	done
done

rss after

# The PUTs wrote the bytes that were there: the documents must be unchanged.
for s in 1k 100k; do
	curl -sS -H "$AUTH" -o "$dir/got-$s.xml" "$url/doc-$s" || fail "GET doc-$s failed"
	cmp -s "$dir/got-$s.xml" "$dir/doc-$s.xml" ||
		failures+=("doc-$s changed under the element PUTs (see $dir/got-$s.xml)")
done

strict=0
if [ $reference = 1 ] && command -v nginx >/dev/null; then
	if start_nginx; then
		echo "# reference: $(nginx -v 2>&1 | sed 's/^nginx version: //'), static files, one worker process"
		for proto in http/1.1 h2c; do
			u=$ref_url
			[ $proto = http/1.1 ] || u=$ref_url_h2
			for s in 1k 100k; do
				measure "reference-get server=nginx" "$s" "$proto" "$u/doc-$s"
			done
		done
	else
		echo "# reference: nginx did not start (see $dir/nginx)"
		keep=1
	fi
elif [ $reference = 1 ]; then
	echo "# reference: nginx not installed (scripts/install-deps --bench)"
fi
if [ $reference = 1 ] && command -v kamailio >/dev/null && command -v sqlite3 >/dev/null; then
	if start_kamailio; then
		echo "# reference: kamailio $(kamailio -v 2>&1 | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')" \
			"xcap_server, tcp_children=$(nproc), SQLite"
		for s in 1k 100k; do
			measure "reference-get server=kamailio" "$s" http/1.1 "$ref_url/doc-$s"
		done
	else
		echo "# reference: kamailio did not start or did not store the documents (see $dir/kamailio)"
		keep=1
	fi
elif [ $reference = 1 ]; then
	echo "# reference: kamailio (with sqlite3) not installed (scripts/install-deps --bench)"
fi

if [ ${#failures[@]} -gt 0 ]; then
	for f in "${failures[@]}"; do echo "bench-presence: FAILED: $f" >&2; done
	exit 1
fi
