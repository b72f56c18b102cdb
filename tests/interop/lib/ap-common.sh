# ap-common.sh — what the AP interop scripts (tests/interop/ap-*.sh) share;
# sourced, from the top of the tree, after `set -euo pipefail`.
#
#   interop_require TOOL PACKAGE   exit 77 (SKIP) without TOOL; 1 when a
#                                  program is not built in $UTSTACK_BUILD
#   interop_down DIR               scripts/stack down DIR if it is up; a
#                                  failure (a sanitizer report) sets fail=1
#   interop_bootstrap DIR USIM     scripts/stack up DIR, source its
#                                  stack.env, a USIM for its subscriber and
#                                  a bootstrap: sets port, ue (an array),
#                                  btid
#   bad MESSAGE                    print FAIL and set fail=1
#   json KEY                       a string value of `ue --json` on stdin

BUILD=${UTSTACK_BUILD:-build}
export UTSTACK_BUILD=$BUILD
fail=0

bad() { echo "FAIL: $*"; fail=1; }
json() { sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p"; }

interop_require() {
	local p
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "SKIP: $1 not installed (Debian package $2)"
		exit 77
	fi
	for p in hss-stub bsf presence ap ue; do
		if [ ! -x "$BUILD/$p" ]; then
			echo "FAIL: $BUILD/$p is not built (make BUILD=$BUILD)"
			exit 1
		fi
	done
}

interop_down() {
	[ ! -f "$1/stack.env" ] || scripts/stack down "$1" >/dev/null ||
		{ echo "FAIL: scripts/stack down $1 (sanitizer report?)"; fail=1; }
}

interop_bootstrap() {
	scripts/stack up "$1" >/dev/null
	# shellcheck disable=SC1091
	. "$1/stack.env"
	port=${AP_URL##*:}
	ue=("$BUILD/ue" --usim "$2")
	"${ue[@]}" usim init --impi "$IMPI" --k "$K" --opc "$OPC" \
		--bsf "$BSF_URL" >/dev/null
	btid=$("${ue[@]}" --json bootstrap | json btid)
	[ -n "$btid" ] || { echo "FAIL: no B-TID from ue bootstrap"; exit 1; }
}
