# bench-lib.sh — shell functions the bench scripts share (bench-ap.sh,
# bench-ub.sh). Sourced, not run: the script sets WAIT_SECONDS and defines
# fail MESSAGE (print it, exit non-zero) first.

# wait_log LOG OFFSET TEXT PID: wait for a line holding TEXT written to LOG
# after octet OFFSET and print it; `fail` when none comes within
# WAIT_SECONDS or PID exits first (a deadline, never a fixed sleep).
wait_log() {
	local log=$1 off=$2 text=$3 pid=$4 line
	line=$(timeout "$WAIT_SECONDS" bash -c '
		tail -c +"$2" -F "$1" 2>/dev/null | while IFS= read -r l; do
			case $l in *"$3"*) echo "$l"; break ;; esac
			kill -0 "$4" 2>/dev/null || break
		done' _ "$log" "$((off + 1))" "$text" "$pid") || true
	[ -n "$line" ] || fail "no '$text' in $log within ${WAIT_SECONDS}s"
	echo "$line"
}
