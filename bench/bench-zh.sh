#!/usr/bin/env bash
# bench-zh.sh — run bench-zh against a stack of its own.
#
#   bench/bench-zh.sh [BENCH-ZH OPTIONS...]      (e.g. --seconds 10 --json)
#
# Starts a stack with `scripts/stack up` in a temporary directory (the
# build in UTSTACK_BUILD, default build/), runs $UTSTACK_BUILD/bench/bench-zh
# with --env DIR/stack.env and the options given, and always takes the stack
# down again. The directory is removed after a clean run and kept (with
# hss-stub.log) after a failure. Sanitizer builds are refused: their figures
# mean nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${UTSTACK_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

die() { echo "bench-zh: $*" >&2; exit 2; }

case $(basename "$BUILD") in
*san*) die "refusing a sanitizer build ($BUILD)" ;;
esac
[ -x "$BUILD/bench/bench-zh" ] || die "$BUILD/bench/bench-zh is not built (make BUILD=$BUILD bench-run)"
[ -x "$BUILD/hss-stub" ] || die "$BUILD/hss-stub is not built (make BUILD=$BUILD)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-zh.XXXXXX")

finish() {
	local rc=$?
	if [ -f "$dir/stack.env" ]; then
		UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" down "$dir" >/dev/null || rc=1
	fi
	if [ $rc = 0 ]; then
		rm -rf "$dir"
	else
		echo "bench-zh: failed; logs kept in $dir" >&2
	fi
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

UTSTACK_BUILD=$BUILD "$ROOT/scripts/stack" up "$dir" >/dev/null
"$BUILD/bench/bench-zh" --env "$dir/stack.env" "$@"
