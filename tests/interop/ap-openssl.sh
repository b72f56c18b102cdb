#!/usr/bin/env bash
# ap-openssl.sh — OpenSSL's s_client, an independent TLS-PSK client, through
# the Authentication Proxy (issue 7, item 5). A stack on loopback
# (scripts/stack), a real bootstrap with build/ue against the BSF, Ks_NAF from
# `ue ks-naf` for each Ua security protocol id (TS 33.220 Annex H), then:
#
#   - TLS 1.3 external PSK (`-tls1_3 -psk`; s_client makes it a SHA-256
#     TLS_AES_128_GCM_SHA256 PSK; NAF_Id Ua id 01 00 00 00 07): PUT an XCAP
#     document through the AP → 201 with an ETag;
#   - TLS 1.2 PSK-AES128-GCM-SHA256 (`-tls1_2 -cipher`; Ua id 01 00 01 00 A8):
#     GET it → 200, the same bytes and ETag;
#   - TLS 1.3 again: GET → 200, the same bytes;
#   - the AP logged AP-TLS-OK for each (TLS 1.2 suite 00A8 among them).
#
# The identity is "3GPP-bootstrapping.<B-TID>" (s_client ignores the
# server's identity hint), the SNI the NAF FQDN.
#
#   tests/interop/ap-openssl.sh            (UTSTACK_BUILD=build)
#   KEEP=1 tests/interop/ap-openssl.sh     keeps the stack folder
#
# Exit 0 on success, 1 on failure, 77 (SKIP) without openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/interop/lib/ap-common.sh
. tests/interop/lib/ap-common.sh
interop_require openssl "openssl"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ap-openssl.XXXXXX")
cleanup() {
	interop_down "$tmp/stack"
	if [ "${KEEP:-0}" = 1 ]; then echo "keeping $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

interop_bootstrap "$tmp/stack" "$tmp/usim"
k13=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 0100000007 | json ks_naf)
k12=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 01000100a8 | json ks_naf)
[ ${#k13} = 64 ] && [ ${#k12} = 64 ] || { echo "FAIL: no Ks_NAF from ue ks-naf"; exit 1; }

path="$XCAP_ROOT/resource-lists/users/$IMPU/interop-openssl"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n  <list name="openssl">\n    <entry uri="sip:carol@ims.example.org"/>\n  </list>\n</resource-lists>\n' >"$tmp/doc.xml"

# request METHOD [BODY-FILE]: an HTTP/1.1 request that asks the AP to close
# the connection after its answer (s_client -ign_eof reads until then).
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

# s_client NAME VERSION-OPTIONS... (request on stdin)
s_client() {
	local name=$1; shift
	if ! timeout 30 openssl s_client -connect "127.0.0.1:$port" \
	    -servername "$NAF_FQDN" -psk_identity "3GPP-bootstrapping.$btid" \
	    -quiet -ign_eof "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
		bad "$name: openssl s_client failed: $(tail -3 "$tmp/$name.err")"
	fi
	split "$name"
}

request PUT "$tmp/doc.xml" | s_client put13 -tls1_3 -psk "$k13"
[ "$(status put13)" = 201 ] || bad "TLS 1.3 PUT: status '$(status put13)' (want 201)"
tag=$(etag put13)
[ -n "$tag" ] || bad "TLS 1.3 PUT: no ETag"

request GET | s_client get12 -tls1_2 -cipher PSK-AES128-GCM-SHA256 -psk "$k12"
[ "$(status get12)" = 200 ] || bad "TLS 1.2 GET: status '$(status get12)' (want 200)"
cmp -s "$tmp/get12.body" "$tmp/doc.xml" || bad "TLS 1.2 GET: not the document's bytes"
[ "$(etag get12)" = "$tag" ] || bad "TLS 1.2 GET: ETag '$(etag get12)', PUT said '$tag'"

request GET | s_client get13 -tls1_3 -psk "$k13"
[ "$(status get13)" = 200 ] || bad "TLS 1.3 GET: status '$(status get13)' (want 200)"
cmp -s "$tmp/get13.body" "$tmp/doc.xml" || bad "TLS 1.3 GET: not the document's bytes"

n=$(grep -c "AP-TLS-OK .*cached=" "$AP_LOG" || true)
[ "$n" = 3 ] || bad "$n AP-TLS-OK lines in $AP_LOG, want 3"
grep -qi "AP-TLS-OK .*suite=00a8" "$AP_LOG" ||
	bad "no AP-TLS-OK with suite=00a8 (PSK-AES128-GCM-SHA256): $(grep AP-TLS-OK "$AP_LOG" | tail -2)"

if [ $fail = 0 ]; then
	echo "ok: openssl s_client through the AP: TLS 1.3 PUT 201, TLS 1.2" \
	    "PSK-AES128-GCM-SHA256 GET 200 and TLS 1.3 GET 200 with the same bytes"
fi
exit $fail
