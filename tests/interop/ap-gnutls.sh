#!/usr/bin/env bash
# ap-gnutls.sh — gnutls-cli (GnuTLS's own command-line client) through the
# Authentication Proxy (issue 7, item 5). A stack on loopback
# (scripts/stack), a real bootstrap with build/ue against the BSF, Ks_NAF from
# `ue ks-naf` for each Ua security protocol id (TS 33.220 Annex H), then with
# `gnutls-cli --pskusername ID --pskkey HEX --priority ...`:
#
#   - TLS 1.3 external PSK with (EC)DHE (psk_dhe_ke; Ua id 01 00 00 00 07),
#     identity "3GPP-bootstrapping.<B-TID>": PUT an XCAP document → 201;
#   - TLS 1.2 PSK-AES128-GCM-SHA256 (Ua id 01 00 01 00 A8), the bare B-TID
#     as identity: GET it → 200, the same bytes and ETag;
#   - TLS 1.2 PSK-AES128-CBC-SHA (Ua id 01 00 01 00 8C): GET → 200, the same
#     bytes;
#   - the AP sent the identity hint "3GPP-bootstrapping" on TLS 1.2 and
#     logged AP-TLS-OK for each handshake, with the TLS 1.2 suites.
#
# gnutls-cli has no "keep reading after stdin ends" option: its stdin is a
# FIFO held open until the AP closes the connection (the request says
# Connection: close), so the answer is read whole without any sleep.
#
#   tests/interop/ap-gnutls.sh            (UTSTACK_BUILD=build)
#   KEEP=1 tests/interop/ap-gnutls.sh     keeps the stack folder
#
# Exit 0 on success, 1 on failure, 77 (SKIP) without gnutls-cli.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/interop/lib/ap-common.sh
. tests/interop/lib/ap-common.sh
interop_require gnutls-cli "gnutls-bin"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ap-gnutls.XXXXXX")
cleanup() {
	exec 3>&- 2>/dev/null || true
	interop_down "$tmp/stack"
	if [ "${KEEP:-0}" = 1 ]; then echo "keeping $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

interop_bootstrap "$tmp/stack" "$tmp/usim"
k13=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 0100000007 | json ks_naf)
ka8=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 01000100a8 | json ks_naf)
k8c=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 010001008c | json ks_naf)
[ ${#k13} = 64 ] && [ ${#ka8} = 64 ] && [ ${#k8c} = 64 ] ||
	{ echo "FAIL: no Ks_NAF from ue ks-naf"; exit 1; }

path="$XCAP_ROOT/resource-lists/users/$IMPU/interop-gnutls"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n  <list name="gnutls">\n    <entry uri="sip:carol@ims.example.org"/>\n  </list>\n</resource-lists>\n' >"$tmp/doc.xml"

request() {
	printf '%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n' "$1" "$path" "$NAF_FQDN"
	if [ $# -ge 2 ]; then
		printf 'Content-Type: application/resource-lists+xml\r\nContent-Length: %d\r\n\r\n' \
		    "$(stat -c %s "$2")"
		cat "$2"
	else
		printf '\r\n'
	fi
}

# split NAME: NAME.out (the raw answer) into NAME.head and NAME.body (the
# body de-chunked when the AP answered with chunked coding).
split() {
	local out=$tmp/$1.out off=0 found=0 size line LC_ALL=C
	# the head ends with the first empty line (CR LF alone)
	while IFS= read -r line; do
		off=$((off + ${#line} + 1))
		if [ "$line" = $'\r' ]; then found=1; break; fi
	done <"$out"
	if [ $found = 0 ]; then
		bad "$1: no complete HTTP answer: $(head -c 300 "$out")"
		: >"$tmp/$1.head"; : >"$tmp/$1.body"
		return
	fi
	head -c "$off" "$out" | tr -d '\r' >"$tmp/$1.head"
	tail -c +"$((off + 1))" "$out" >"$tmp/$1.raw"
	if grep -qi '^transfer-encoding:.*chunked' "$tmp/$1.head"; then
		: >"$tmp/$1.body"
		exec 4<"$tmp/$1.raw"
		while IFS= read -r line <&4; do
			size=$((16#${line%%[;$'\r']*}))
			[ "$size" -gt 0 ] || break
			dd bs=1 count="$size" status=none <&4 >>"$tmp/$1.body"
			IFS= read -r line <&4 || true
		done
		exec 4<&-
	else
		cp "$tmp/$1.raw" "$tmp/$1.body"
	fi
}
status() { sed -n '1s/^HTTP\/1\.1 \([0-9]*\).*/\1/p' "$tmp/$1.head"; }
etag() { sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$tmp/$1.head"; }

# cli NAME IDENTITY KEY PRIORITY REQUEST-FILE: the request goes in through a
# FIFO that stays open until gnutls-cli ends (the AP closed the connection).
cli() {
	local name=$1 id=$2 key=$3 prio=$4 req=$5 pid rc=0
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	timeout 30 gnutls-cli -p "$port" --sni-hostname "$NAF_FQDN" \
	    --pskusername "$id" --pskkey "$key" --priority "$prio" \
	    --logfile "$tmp/$name.log" 127.0.0.1 \
	    <"$tmp/fifo" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	exec 3>"$tmp/fifo"
	cat "$req" >&3
	wait "$pid" || rc=$?
	exec 3>&-
	# 1 is gnutls-cli's status after the server's close without close_notify
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		bad "$name: gnutls-cli exited $rc: $(tail -3 "$tmp/$name.err" "$tmp/$name.log" 2>/dev/null)"
	fi
	split "$name"
}

P13="NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:+DHE-PSK"
PA8="NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-GCM:-MAC-ALL:+AEAD"
P8C="NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1"

request PUT "$tmp/doc.xml" >"$tmp/put.req"
request GET >"$tmp/get.req"

cli put13 "3GPP-bootstrapping.$btid" "$k13" "$P13" "$tmp/put.req"
[ "$(status put13)" = 201 ] || bad "TLS 1.3 PUT: status '$(status put13)' (want 201)"
tag=$(etag put13)
[ -n "$tag" ] || bad "TLS 1.3 PUT: no ETag"

cli geta8 "$btid" "$ka8" "$PA8" "$tmp/get.req"
[ "$(status geta8)" = 200 ] || bad "TLS 1.2 00A8 GET: status '$(status geta8)' (want 200)"
cmp -s "$tmp/geta8.body" "$tmp/doc.xml" || bad "TLS 1.2 00A8 GET: not the document's bytes"
[ "$(etag geta8)" = "$tag" ] || bad "TLS 1.2 00A8 GET: ETag '$(etag geta8)', PUT said '$tag'"

cli get8c "3GPP-bootstrapping.$btid" "$k8c" "$P8C" "$tmp/get.req"
[ "$(status get8c)" = 200 ] || bad "TLS 1.2 008C GET: status '$(status get8c)' (want 200)"
cmp -s "$tmp/get8c.body" "$tmp/doc.xml" || bad "TLS 1.2 008C GET: not the document's bytes"

# TLS 1.2: the server's identity hint (RFC 4279 §2, TS 33.222 cl. 5.4)
for name in geta8 get8c; do
	grep -q "PSK hint '3GPP-bootstrapping'" "$tmp/$name.log" ||
		bad "$name: no identity hint '3GPP-bootstrapping': $(grep -i psk "$tmp/$name.log")"
done
n=$(grep -c "AP-TLS-OK .*cached=" "$AP_LOG" || true)
[ "$n" = 3 ] || bad "$n AP-TLS-OK lines in $AP_LOG, want 3"
for s in 00a8 008c; do
	grep -qi "AP-TLS-OK .*suite=$s" "$AP_LOG" ||
		bad "no AP-TLS-OK with suite=$s: $(grep AP-TLS-OK "$AP_LOG" | tail -3)"
done

if [ $fail = 0 ]; then
	echo "ok: gnutls-cli through the AP: TLS 1.3 PUT 201, TLS 1.2" \
	    "PSK-AES128-GCM-SHA256 (bare B-TID) and PSK-AES128-CBC-SHA GETs 200" \
	    "with the same bytes"
fi
exit $fail
