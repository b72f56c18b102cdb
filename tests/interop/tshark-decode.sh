#!/usr/bin/env bash
# tshark-decode.sh — Wireshark's Diameter dissector reads what utstack's
# codec writes. Generates the seed messages (CER/CEA, DWR/DWA, DPR/DPA,
# Zh MAR/MAA incl. resync and error answers, Zn BIR/BIA) with
# diameter-gen-corpus, puts them into a pcap on TCP port 3868 with
# text2pcap, decodes it with tshark, and fails when
#   - a message is not decoded as one Diameter PDU with the same
#     Application-Id ("3GPP Zh" / "3GPP Zn" by name),
#   - tshark counts a different number of AVPs than the codec did,
#   - any AVP is unknown to Wireshark ("AVP: Unknown(", "Unknown AVP"),
#   - anything is "Malformed" or an "Expert Info (Error".
#
#   tests/interop/tshark-decode.sh            (UTSTACK_BUILD=build)
#   KEEP=1 tests/interop/tshark-decode.sh     keeps the pcap and decode
#
# Exit 0 on success, 1 on failure, 77 (SKIP) without tshark/text2pcap.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=${UTSTACK_BUILD:-build}
GEN=$BUILD/tests/fuzz/diameter-gen-corpus

for tool in tshark text2pcap od; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed (Debian package tshark)"
		exit 77
	fi
done
if [ ! -x "$GEN" ]; then
	make --no-print-directory BUILD="$BUILD" "$GEN" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tshark-decode.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir "$tmp/msgs"
"$GEN" "$tmp/msgs" >"$tmp/gen.txt"

# One packet per message: od offsets restart at 0 for each file.
names=() apps=() want_avps=0
while read -r path octets avps app; do
	od -Ax -tx1 -v "$path" >>"$tmp/hex"
	names+=("$(basename "$path")")
	apps+=("$app")
	want_avps=$((want_avps + avps))
done <"$tmp/gen.txt"
if ! text2pcap -q -T 3868,3868 "$tmp/hex" "$tmp/diameter.pcap" \
    2>"$tmp/text2pcap.err"; then
	cat "$tmp/text2pcap.err"
	echo "FAIL: text2pcap"
	exit 1
fi

# Port 3868 is Diameter's registered port; say so anyway.
decode=(tshark -n -r "$tmp/diameter.pcap" -d tcp.port==3868,diameter)
"${decode[@]}" -V >"$tmp/decode.txt" 2>/dev/null
"${decode[@]}" -T fields -e frame.number -e diameter.applicationId \
    -e diameter.cmd.code >"$tmp/fields.txt" 2>/dev/null

fail=0
bad() { echo "FAIL: $*"; fail=1; }

n=${#names[@]}
got=$(grep -c '^Diameter Protocol$' "$tmp/decode.txt" || true)
[ "$got" = "$n" ] || bad "$got Diameter PDUs decoded, $n messages sent"

i=0
while read -r frame app cmd; do
	[ "$i" -lt "$n" ] || { bad "frame $frame: extra packet"; break; }
	[ "$app" = "${apps[$i]}" ] ||
	    bad "${names[$i]}: Application-Id $app, sent ${apps[$i]}"
	i=$((i + 1))
done <"$tmp/fields.txt"
[ "$i" = "$n" ] || bad "$i frames with fields, $n messages sent"

zh=$(grep -c 'ApplicationId: 3GPP Zh (16777221)' "$tmp/decode.txt" || true)
zn=$(grep -c 'ApplicationId: 3GPP Zn (16777220)' "$tmp/decode.txt" || true)
want_zh=0 want_zn=0
for a in "${apps[@]}"; do
	[ "$a" = 16777221 ] && want_zh=$((want_zh + 1))
	[ "$a" = 16777220 ] && want_zn=$((want_zn + 1))
done
[ "$zh" = "$want_zh" ] || bad "$zh messages named 3GPP Zh, want $want_zh"
[ "$zn" = "$want_zn" ] || bad "$zn messages named 3GPP Zn, want $want_zn"

got_avps=$(grep -c '^ *AVP: ' "$tmp/decode.txt" || true)
[ "$got_avps" = "$want_avps" ] ||
    bad "tshark decoded $got_avps AVPs, the codec wrote $want_avps"

if grep -nE 'AVP: Unknown\(|Unknown AVP|Malformed|Expert Info \(Error' \
    "$tmp/decode.txt" >"$tmp/errors.txt"; then
	bad "unknown AVPs or errors:"
	head -20 "$tmp/errors.txt"
fi

if [ $fail = 0 ]; then
	echo "ok: tshark decoded $n messages ($want_zh Zh, $want_zn Zn)," \
	    "$got_avps AVPs, all named, no errors"
fi
exit $fail
