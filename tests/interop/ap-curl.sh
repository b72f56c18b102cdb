#!/usr/bin/env bash
# ap-curl.sh — curl, a stock HTTP Digest client, through the Authentication
# Proxy (issue 8, item 6). A stack on loopback (scripts/stack) whose AP has
# its certificate (CA in AP_CA_CERT) and its plain-HTTP listener; a real
# bootstrap with build/ue against the BSF, then:
#
#   - Digest with username = B-TID, password = base64(Ks_NAF) (TS 33.222
#     cl. 5.3) over TLS 1.2 pinned to ECDHE-ECDSA-AES128-GCM-SHA256: the
#     NAF_Id's Ua id is 01 00 01 c0 2b (`ue ks-naf --ua-id 010001c02b`).
#     PUT an XCAP document → 201; GET it → 200 with the same bytes;
#   - the same over TLS 1.3 (TLS_AES_128_GCM_SHA256, Ua id 01 00 01 13 01):
#     GET → 200, the same bytes;
#   - a wrong password → 401 with WWW-Authenticate realm
#     "3GPP-bootstrapping@<NAF_FQDN>";
#   - curl to AP_HTTP_URL → 426 with "Upgrade: TLS/1.0, HTTP/1.1";
#   - a second stack whose AP has a password file for clients without a
#     USIM: curl --digest with the htdigest user bob in ims.example.org
#     (sip:bob@ims.example.org) GETs his document (put straight into
#     presence first) → 200 with its bytes; a wrong password → 401.
#     (Its realms are challenged before the bootstrapping realm, which a
#     stock client never picks: that is why GBA runs on the first stack.)
#
# The AP's log must show each: AP-TLS-OK auth=certificate with suites c02b
# and 1301, AP-FORWARD with the identities, AP-HTTP-PLAIN status=426.
#
#   tests/interop/ap-curl.sh            (UTSTACK_BUILD=build)
#   KEEP=1 tests/interop/ap-curl.sh     keeps the stack folder
#
# Exit 0 on success, 1 on failure, 77 (SKIP) without curl.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/interop/lib/ap-common.sh
. tests/interop/lib/ap-common.sh
interop_require curl "curl"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ap-curl.XXXXXX")
cleanup() {
	interop_down "$tmp/stack"
	interop_down "$tmp/stack2"
	if [ "${KEEP:-0}" = 1 ]; then echo "keeping $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

interop_bootstrap "$tmp/stack" "$tmp/usim"
base="https://$NAF_FQDN:$port"
pw12=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 010001c02b | json ks_naf_b64)
pw13=$("${ue[@]}" --json ks-naf "$NAF_FQDN" --ua-id 0100011301 | json ks_naf_b64)
[ ${#pw12} = 44 ] && [ ${#pw13} = 44 ] ||
	{ echo "FAIL: no base64 Ks_NAF from ue ks-naf"; exit 1; }

path="$XCAP_ROOT/resource-lists/users/$IMPU/interop-curl"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n  <list name="curl">\n    <entry uri="sip:carol@ims.example.org"/>\n  </list>\n</resource-lists>\n' >"$tmp/doc.xml"

# dcurl NAME USER:PASSWORD CURL-OPTIONS... URL: curl --digest against the
# AP (certificate checked against AP_CA_CERT, NAF_FQDN resolved to
# loopback); the body in NAME.body, the head in NAME.head, the status on
# stdout.
dcurl() {
	local name=$1 cred=$2; shift 2
	curl -sS --max-time 20 --digest -u "$cred" --cacert "$AP_CA_CERT" \
	    --resolve "$NAF_FQDN:$port:127.0.0.1" -D "$tmp/$name.head" \
	    -o "$tmp/$name.body" -w '%{http_code}' "$@" 2>"$tmp/$name.err" ||
		echo "curl-failed($(tail -1 "$tmp/$name.err"))"
}
tls12=(--http1.1 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256)
tls13=(--http1.1 --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256)

st=$(dcurl put12 "$btid:$pw12" "${tls12[@]}" -X PUT \
    -H 'Content-Type: application/resource-lists+xml' \
    --data-binary @"$tmp/doc.xml" "$base$path")
[ "$st" = 201 ] || bad "TLS 1.2 Digest PUT: status '$st' (want 201): $(head -c 300 "$tmp/put12.body")"
grep -qi '^authentication-info:.*rspauth=' "$tmp/put12.head" ||
	bad "TLS 1.2 Digest PUT: no Authentication-Info with rspauth"

st=$(dcurl get12 "$btid:$pw12" "${tls12[@]}" "$base$path")
[ "$st" = 200 ] || bad "TLS 1.2 Digest GET: status '$st' (want 200)"
cmp -s "$tmp/get12.body" "$tmp/doc.xml" || bad "TLS 1.2 Digest GET: not the document's bytes"

st=$(dcurl get13 "$btid:$pw13" "${tls13[@]}" "$base$path")
[ "$st" = 200 ] || bad "TLS 1.3 Digest GET: status '$st' (want 200)"
cmp -s "$tmp/get13.body" "$tmp/doc.xml" || bad "TLS 1.3 Digest GET: not the document's bytes"

# the TLS 1.2 key on TLS 1.3 is another NAF_Id's: refused
st=$(dcurl wrong "$btid:$pw12" "${tls13[@]}" "$base$path")
[ "$st" = 401 ] || bad "wrong password: status '$st' (want 401)"
grep -qi "^www-authenticate: digest realm=\"3GPP-bootstrapping@$NAF_FQDN\"" "$tmp/wrong.head" ||
	bad "wrong password: no challenge for 3GPP-bootstrapping@$NAF_FQDN: $(grep -i www-auth "$tmp/wrong.head")"

# plain HTTP: 426
st=$(curl -sS --max-time 20 -D "$tmp/plain.head" -o /dev/null -w '%{http_code}' \
    "$AP_HTTP_URL$path")
[ "$st" = 426 ] || bad "plain HTTP: status '$st' (want 426)"
grep -qi '^upgrade: TLS/1.0, HTTP/1.1' "$tmp/plain.head" ||
	bad "plain HTTP: no 'Upgrade: TLS/1.0, HTTP/1.1': $(tr -d '\r' <"$tmp/plain.head")"

# what the AP saw
grep -q "AP-TLS-OK .*suite=c02b .*auth=certificate" "$AP_LOG" ||
	bad "no AP-TLS-OK suite=c02b auth=certificate in $AP_LOG"
grep -q "AP-TLS-OK .*suite=1301 .*auth=certificate" "$AP_LOG" ||
	bad "no AP-TLS-OK suite=1301 auth=certificate in $AP_LOG"
grep -q "AP-FORWARD .*method=PUT .*identity=$IMPU status=201" "$AP_LOG" ||
	bad "no AP-FORWARD of the PUT as $IMPU in $AP_LOG"
grep -q "AP-HTTP-PLAIN .*status=426" "$AP_LOG" || bad "no AP-HTTP-PLAIN status=426"
! grep -qF -e "$pw12" -e "$pw13" "$AP_LOG" || bad "Ks_NAF in $AP_LOG"
interop_down "$tmp/stack"

# No USIM: the password file, HA1 = MD5(user ":" realm ":" password) as
# htdigest(1) writes it; bob's document put straight into presence as the
# AP would.
bob_pw=curl-b0b-pw
printf '# ap-curl.sh: a client without a USIM\nbob:ims.example.org:%s\n' \
    "$(printf 'bob:ims.example.org:%s' "$bob_pw" | md5sum | cut -d' ' -f1)" \
    >"$tmp/htdigest"
scripts/stack up "$tmp/stack2" --ap-opt "ua.htdigest_file=$tmp/htdigest" >/dev/null
# shellcheck disable=SC1091
. "$tmp/stack2/stack.env"
port=${AP_URL##*:}
base="https://$NAF_FQDN:$port"
bob=sip:bob@ims.example.org
bpath="$XCAP_ROOT/resource-lists/users/$bob/index"
st=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT \
    -H "X-3GPP-Asserted-Identity: \"$bob\"" \
    -H 'Content-Type: application/resource-lists+xml' \
    --data-binary @"$tmp/doc.xml" "$PRESENCE_URL$bpath")
[ "$st" = 201 ] || bad "direct PUT of bob's document: $st"
st=$(dcurl bob "bob:$bob_pw" "$base$bpath")
[ "$st" = 200 ] || bad "htdigest user: status '$st' (want 200)"
cmp -s "$tmp/bob.body" "$tmp/doc.xml" || bad "htdigest user: not the document's bytes"
st=$(dcurl bobwrong "bob:not-$bob_pw" "$base$bpath")
[ "$st" = 401 ] || bad "htdigest user, wrong password: status '$st' (want 401)"
grep -qi '^www-authenticate: digest realm="ims.example.org"' "$tmp/bobwrong.head" ||
	bad "htdigest: no challenge for realm ims.example.org"
grep -q "AP-FORWARD .*identity=$bob status=200" "$AP_LOG" ||
	bad "no AP-FORWARD as $bob in $AP_LOG"
grep -q "AP-DIGEST-FAIL .*username=bob realm=ims.example.org status=401" "$AP_LOG" ||
	bad "no AP-DIGEST-FAIL for bob's wrong password in $AP_LOG"
! grep -qF "$bob_pw" "$AP_LOG" || bad "bob's password in $AP_LOG"

if [ $fail = 0 ]; then
	echo "ok: curl --digest through the AP: B-TID/Ks_NAF over TLS 1.2" \
	    "ECDHE-ECDSA-AES128-GCM-SHA256 (PUT 201, GET 200) and TLS 1.3 (GET" \
	    "200), wrong password 401, plain HTTP 426; htdigest user 200, wrong" \
	    "password 401"
fi
exit $fail
