#!/usr/bin/env bash
# run-cases.sh — the declarative end-to-end cases of tests/e2e/cases/.
#
#   tests/e2e/run-cases.sh [-j N] [-k] [CASE...]
#
# CASE is a name (ub-akav1), a file (tests/e2e/cases/ub-akav1.case) or
# nothing (every case). Each case gets its own temporary folder and its own
# stack (scripts/stack up with UTSTACK_BUILD, ephemeral ports), so cases
# run side by side: -j N at a time (default 2, or UTSTACK_CASES_JOBS).
# Every step prints `ok` or `FAILED <file>:<line>: expected ..., got ...`;
# a case stops at its first failed step; then the stack goes down
# (`scripts/stack down`, which also fails on a sanitizer report in a
# daemon's log) and the case's summary line follows. Exit 1 if any case
# failed, 2 on bad usage. -k keeps every case's folder (failed cases'
# folders are always kept, and named). SIGINT/SIGTERM stop the cases
# running, each taking its stack down.
#
# ---- The case format ------------------------------------------------------
#
# One file per case, tests/e2e/cases/<proto>-<name>.case, proto one of ub,
# ua, zh, zn, xcap. `#` lines are comments (the first ones say what the
# case checks and which clause); blank lines are skipped; a line ending in
# `\` continues on the next. Every other line is one step:
#
#	ACTION ARGS... [=> EXPECTATION]...
#
# The first step may be `stack ARGS...`: the arguments of `scripts/stack
# up` (no `stack` line: the defaults). The stack's stack.env keys are
# variables (IMPI K OPC IMPU BSF_URL AP_URL NAF_FQDN PRESENCE_URL XCAP_ROOT
# TESTER_ORIGIN_HOST ...), and so are W (the case's folder), USIM ($W/usim),
# DATA (tests/e2e/cases/data) and AP_PORT (the port of AP_URL). ACTION
# arguments are split and quoted as in the shell, `$VAR` expands (no
# globbing; a variable the case does not have fails the step); an argument
# `@NAME` is the file NAME of cases/data/ (for curl: `@path`, curl's own
# syntax).
#
# Actions:
#   ue ARGS...            build/ue --usim $USIM ARGS. `ue usim init` with no
#                         option uses stack.env: --impi $IMPI --k $K --opc
#                         $OPC --bsf $BSF_URL --ap $AP_URL --naf-fqdn
#                         $NAF_FQDN --impu $IMPU --ca $AP_CA_CERT; options
#                         given replace those. `ue xcap get` keeps a 2xx
#                         body exactly (--output) for `body`.
#   curl ARGS...          curl -s -S --max-time 20, status from
#                         %{http_code}, head and body kept.
#   zh mar [IMPI] [--impu URI] [--rand HEX --auts HEX] [--host H]
#                         one MAR to the HSS (build/tests/dia-probe) from
#                         TESTER_ORIGIN_HOST: prints `result=N vector=yes|no`
#   zn bir BTID NAF_FQDN UAHEX [--host H]
#                         one BIR to the BSF from TESTER_ORIGIN_HOST:
#                         `result=N key=yes|no expiry=...` (never the key)
#   sh SHELL TEXT         the rest of the line, run by bash -c with every
#                         variable exported (for tools without an action,
#                         e.g. openssl s_client); quote as in a shell
#   expect-log PROG TOKEN...
#                         wait (tail -F, at most UTSTACK_WAIT s, no sleep)
#                         for a line of PROG's log (HSS BSF AP PRESENCE)
#                         holding every TOKEN, after the line the last
#                         expect-log of that log matched (else after the
#                         mark). Tokens split on spaces outside "...";
#                         `key=value` also matches the log's quoted form
#                         key="value" (values with = or spaces are quoted)
#   expect-no-log PROG TOKEN...
#                         no such line since the mark (not a wait: put it
#                         after a step that proves the moment has passed)
#   mark                  a new mark: expect-log and expect-no-log look
#                         only at lines written from now on (a stack up
#                         sets the first)
#   signal PROG SIG       kill -SIG PROG's pid (STOP, CONT, TERM, KILL)
#   set VAR = TEXT        VAR (upper case) for later steps, from TEXT, or:
#   set VAR from json KEY | usim KEY | field KEY | header NAME | out
#                         a value of the last action's output: a `--json`
#                         key, a USIM file key, a `key=value` word of the
#                         output (dia-probe), a response header, the whole
#                         output (trimmed)
#   usim-set KEY VALUE    rewrite `KEY = VALUE` in the USIM file; for `seq`
#                         a single number is every one of the 32 SEQs
#                         (the USIM ahead of the HSS)
#
# Expectations (each `=> ...` one assertion on the step's action; $VAR
# expands, the rest of the text is taken as it is):
#   exit N                exit status of the action
#   status N              HTTP status: curl's, the status line `ue xcap`
#                         (or any output) starts with, or JSON "status"
#   result N              the Diameter result=N of zh/zn
#   has TEXT / lacks TEXT the output (stdout, stderr, response head and
#                         body) holds / does not hold TEXT
#   body @NAME            the response body is exactly the data file NAME
#   header NAME TEXT      the last NAME header of the response holds TEXT
#   json KEY VALUE        `--json` output: KEY's value is VALUE
#   field KEY VALUE       the output holds the word KEY=VALUE
#
# A step that runs a program also fails when the program's stderr holds a
# sanitizer report.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CASES=$ROOT/tests/e2e/cases
export UTSTACK_BUILD=${UTSTACK_BUILD:-$ROOT/build}
# absolute, as the cases' steps run in no particular folder
UTSTACK_BUILD=$(cd "$UTSTACK_BUILD" 2>/dev/null && pwd) ||
	{ echo "run-cases: no folder UTSTACK_BUILD=$UTSTACK_BUILD" >&2; exit 2; }
WAIT=${UTSTACK_WAIT:-10}
JOBS=${UTSTACK_CASES_JOBS:-2}
KEEP=0
SAN_RE='ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:'

die() { echo "run-cases: $*" >&2; exit 2; }

# ---- one case ----------------------------------------------------------

# Every stack.env key and `set` variable of this case (exported for sh).
_vars=()
# Log cursors (line counts) per PROG, and the mark.
declare -A _cur=() _mark=()
# The last action: exit status, HTTP status, files.
_exit='' _status='' _out='' _err='' _head='' _body=''

# The log and pid variables of a daemon name.
prog_log() {
	case $1 in
	HSS) echo "${HSS_STUB_LOG:-}" ;; BSF) echo "${BSF_LOG:-}" ;;
	AP) echo "${AP_LOG:-}" ;; PRESENCE) echo "${PRESENCE_LOG:-}" ;;
	esac
}
prog_pid() {
	case $1 in
	HSS) echo "${HSS_STUB_PID:-}" ;; BSF) echo "${BSF_PID:-}" ;;
	AP) echo "${AP_PID:-}" ;; PRESENCE) echo "${PRESENCE_PID:-}" ;;
	esac
}

lines_of() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

set_mark() {
	local p
	for p in HSS BSF AP PRESENCE; do
		_mark[$p]=$(lines_of "$(prog_log $p)")
		_cur[$p]=${_mark[$p]}
	done
}

# Define a case variable (NAME VALUE), exported.
def_var() {
	printf -v "$1" '%s' "$2"
	export "${1?}"
	_vars+=("$1")
}

is_case_var() {
	local v
	for v in "${_vars[@]}"; do [ "$v" = "$1" ] && return 0; done
	return 1
}

# Every $NAME / ${NAME} of TEXT must be a case variable; prints the
# first that is not.
unknown_var() {
	local t=$1 n re='[$][{]?([A-Za-z_][A-Za-z0-9_]*)'
	while [[ $t =~ $re ]]; do
		n=${BASH_REMATCH[1]}
		if ! is_case_var "$n"; then echo "$n"; return 0; fi
		t=${t/"${BASH_REMATCH[0]}"/}
	done
	return 1
}

# TEXT with $NAME and ${NAME} replaced, nothing else interpreted.
expand() {
	local t=$1 out="" n
	local re='^([^$]*)[$]([{]([A-Za-z_][A-Za-z0-9_]*)[}]|([A-Za-z_][A-Za-z0-9_]*))(.*)$'
	while [[ $t =~ $re ]]; do
		n=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
		out+=${BASH_REMATCH[1]}${!n-}
		t=${BASH_REMATCH[5]}
	done
	printf '%s' "$out$t"
}

# Split TEXT on spaces outside double quotes (quotes kept) into _tok.
tokens() {
	local t=$1 cur="" inq=0 c i
	_tok=()
	for ((i = 0; i < ${#t}; i++)); do
		c=${t:i:1}
		if [ "$c" = '"' ]; then inq=$((1 - inq)); cur+=$c
		elif [ "$c" = ' ' ] && [ $inq = 0 ]; then
			[ -z "$cur" ] || _tok+=("$cur"); cur=""
		else cur+=$c; fi
	done
	[ -z "$cur" ] || _tok+=("$cur")
}

# Does LINE hold every token? key=value also as key="value" (common/log
# quotes values holding = " \ space or controls).
line_matches() {
	local l=$1 t k v re='^([a-z0-9_]+)=([^"].*)?$'; shift
	for t in "$@"; do
		[[ $l == *"$t"* ]] && continue
		if [[ $t =~ $re ]]; then
			k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
			v=${v//\\/\\\\}; v=${v//\"/\\\"}
			[[ $l == *"$k=\"$v\""* ]] && continue
		fi
		return 1
	done
	return 0
}

# Wait for a line after line FROM of LOG matching the tokens; print its
# line number. tail -F wakes us on each new line (inotify): no sleeping.
wait_log() {
	local log=$1 from=$2 deadline n left l; shift 2
	deadline=$(( ${EPOCHREALTIME/./} / 1000 + WAIT * 1000 ))
	tail -n +$((from + 1)) -F "$log" 2>/dev/null | {
		n=$from
		while :; do
			left=$(( deadline - ${EPOCHREALTIME/./} / 1000 ))
			[ $left -gt 0 ] || exit 1
			IFS= read -r -t "$((left / 1000)).$(printf '%03d' $((left % 1000)))" l || exit 1
			n=$((n + 1))
			if line_matches "$l" "$@"; then echo "$n"; exit 0; fi
		done
	}
}

# Split the last output into head and body when it starts with an HTTP
# status line (ue xcap, openssl s_client -quiet), and take its status.
split_http() {
	local first json_status='"status": ([0-9]{3})'
	first=$(head -n 1 "$_out" | tr -d '\r')
	if [[ $first =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]]; then
		_status=${BASH_REMATCH[1]}
		sed -n '1,/^\r\{0,1\}$/p' "$_out" >"$_head"
		# a body kept with --output wins (exact bytes)
		[ -s "$_body" ] || sed '1,/^\r\{0,1\}$/d' "$_out" >"$_body"
	elif [[ $(cat "$_out") =~ $json_status ]]; then
		_status=${BASH_REMATCH[1]}
	fi
}

# JSON value of KEY in the last output (strings unescaped).
json_value() {
	local s str num
	str='"'$1'": "(([^"\\]|\\.)*)"' num='"'$1'": ([^,}"]*)'
	s=$(cat "$_out")
	if [[ $s =~ $str ]]; then
		s=${BASH_REMATCH[1]}
		s=${s//'\"'/'"'}; s=${s//'\/'/'/'}; s=${s//'\\'/'\'}
		printf '%s' "$s"
	elif [[ $s =~ $num ]]; then
		printf '%s' "${BASH_REMATCH[1]}"
	else
		return 1
	fi
}

header_value() {
	grep -i "^$1:" "$_head" 2>/dev/null | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

field_value() {
	tr ' ' '\n' <"$_out" | sed -n "s/^$1=//p" | head -n 1
}

# Does anything the last action printed or received hold TEXT? (grep on
# the files themselves: `cat | grep -q` fails under pipefail when grep
# stops reading early.)
output_has() { grep -qsF -- "$1" "$_out" "$_err" "$_head" "$_body"; }

# Run argv with output captured; every program under a time limit.
run_captured() {
	: >"$_out"; : >"$_err"; : >"$_head"; rm -f "$_body"; : >"$_body"
	_status=
	timeout 60 "$@" >"$_out" 2>"$_err" </dev/null
	_exit=$?
}

# ue ARGS: the USIM, `usim init` defaults, --output for xcap get.
act_ue() {
	local a=("$@") i cmd=() defs
	if [ "${a[0]:-}" = usim ] && [ "${a[1]:-}" = init ]; then
		defs=(--impi "$IMPI" --k "$K" --opc "$OPC" --bsf "$BSF_URL"
		    --ap "${AP_URL:-}" --naf-fqdn "$NAF_FQDN" --impu "$IMPU"
		    --ca "${AP_CA_CERT:-}")
		cmd=(usim init)
		for ((i = 0; i < ${#defs[@]}; i += 2)); do
			case " ${a[*]:2} " in *" ${defs[i]} "*) ;;
			*) [ -z "${defs[i+1]}" ] || cmd+=("${defs[i]}" "${defs[i+1]}") ;;
			esac
		done
		a=("${cmd[@]}" "${a[@]:2}")
	fi
	local xget=0 out=0
	for ((i = 0; i < ${#a[@]}; i++)); do
		[ "${a[i]}" = xcap ] && [ "${a[i+1]:-}" = get ] && xget=1
		[ "${a[i]}" = --output ] && out=1
	done
	[ $xget = 1 ] && [ $out = 0 ] && a+=(--output "$_body.2xx")
	run_captured "$UTSTACK_BUILD/ue" --usim "$USIM" "${a[@]}"
	if [ $xget = 1 ] && [ $out = 0 ]; then
		[ -f "$_body.2xx" ] && mv "$_body.2xx" "$_body"
	fi
	split_http
}

act_curl() {
	local a=() x
	for x in "$@"; do
		if [[ $x == @* ]] && [ -f "$DATA/${x#@}" ]; then a+=("@$DATA/${x#@}")
		else a+=("$x"); fi
	done
	run_captured curl -s -S --max-time 20 -o "$_body" -D "$_head" \
		-w '%{http_code}' "${a[@]}"
	_status=$(cat "$_out")
}

act_probe() {
	local kind=$1; shift
	case $kind in
	zh)
		[ "${1:-}" = mar ] || { _why="zh: only 'zh mar ...'"; return 1; }
		shift
		run_captured "$UTSTACK_BUILD/tests/dia-probe" zh --port "$HSS_ZH_PORT" \
			--host "$TESTER_ORIGIN_HOST" --realm "$HSS_REALM" \
			--dest-realm "$HSS_REALM" "$@" ;;
	zn)
		[ "${1:-}" = bir ] || { _why="zn: only 'zn bir ...'"; return 1; }
		shift
		run_captured "$UTSTACK_BUILD/tests/dia-probe" zn --port "$BSF_ZN_PORT" \
			--host "$TESTER_ORIGIN_HOST" --realm "$NAF_ORIGIN_REALM" \
			--dest-realm "$BSF_REALM" "$@" ;;
	esac
}

# Check one expectation; on failure _why says "expected X, got Y".
check() {
	local what=${1%% *} arg='' got want k
	[ "$what" = "$1" ] || arg=$(expand "${1#* }")
	case $what in
	exit)	[ "$_exit" = "$arg" ] && return 0
		_why="expected exit $arg, got exit $_exit" ;;
	status) [ "$_status" = "$arg" ] && return 0
		_why="expected status $arg, got status ${_status:-none} (exit $_exit)" ;;
	result) got=$(field_value result)
		[ "$got" = "$arg" ] && return 0
		_why="expected result $arg, got ${got:-no result} (exit $_exit)" ;;
	has)	output_has "$arg" && return 0
		_why="expected output holding '$arg', got none" ;;
	lacks)	output_has "$arg" || return 0
		_why="expected no '$arg' in the output, got: $(grep -hsF -m1 -- "$arg" "$_out" "$_err" "$_head" "$_body" | head -n 1 | cut -c1-160)" ;;
	body)	[[ $arg == @* ]] && [ -f "$DATA/${arg#@}" ] ||
			{ _why="body: no data file '$arg'"; return 1; }
		cmp -s "$_body" "$DATA/${arg#@}" && return 0
		_why="expected the body to be exactly ${arg#@}, got $(wc -c <"$_body") other octets" ;;
	header) k=${arg%% *}; want=${arg#* }
		got=$(header_value "$k")
		[[ $got == *"$want"* ]] && return 0
		_why="expected header $k holding '$want', got '${got:-none}'" ;;
	json)	k=${arg%% *}; want=${arg#* }
		got=$(json_value "$k") || got="(no $k)"
		[ "$got" = "$want" ] && return 0
		_why="expected json $k $want, got $got" ;;
	field)	k=${arg%% *}; want=${arg#* }
		got=$(field_value "$k")
		[ "$got" = "$want" ] && return 0
		_why="expected $k=$want, got ${got:+$k=}${got:-no $k}" ;;
	*)	_why="unknown expectation '$what'" ;;
	esac
	return 1
}

# Run one step (its text without the expectations): 0, or 1 with _why.
step() {
	local text=$1 act=${1%% *} rest='' argv=() i v p log n src
	[ "$act" = "$text" ] || rest=${text#* }
	_why=
	case $act in
	ue|curl|zh|zn|stack|signal|usim-set)
		if v=$(unknown_var "$rest"); then _why="unknown variable \$$v"; return 1; fi
		set -f
		if ! eval "argv=( $rest )" 2>"$_err"; then
			set +f; _why="cannot split the arguments: $(cat "$_err")"; return 1
		fi
		set +f
		for i in "${!argv[@]}"; do
			v=${argv[i]}
			if [ "$act" != curl ] && [[ $v == @* ]] && [ -f "$DATA/${v#@}" ]; then
				argv[i]=$DATA/${v#@}
			fi
		done ;;
	esac
	case $act in
	ue) act_ue "${argv[@]}" ;;
	curl) act_curl "${argv[@]}" ;;
	zh|zn) act_probe "$act" "${argv[@]}" || return 1 ;;
	sh)	if v=$(unknown_var "$rest"); then _why="unknown variable \$$v"; return 1; fi
		run_captured bash -c "$rest"
		split_http ;;
	expect-log|expect-no-log)
		tokens "$(expand "$rest")"
		p=${_tok[0]:-}; log=$(prog_log "$p")
		[ -n "$log" ] || { _why="$act: unknown program '$p' (HSS BSF AP PRESENCE)"; return 1; }
		if [ "$act" = expect-log ]; then
			n=$(wait_log "$log" "${_cur[$p]}" "${_tok[@]:1}")
			[ -n "$n" ] ||
				{ _why="expected a line '${_tok[*]:1}' in $(basename "$log") within ${WAIT}s, got none"; return 1; }
			_cur[$p]=$n
		else
			while IFS= read -r v; do
				if line_matches "$v" "${_tok[@]:1}"; then
					_why="expected no line '${_tok[*]:1}' in $(basename "$log"), got: ${v:0:200}"
					return 1
				fi
			done < <(tail -n +$((_mark[$p] + 1)) "$log")
		fi ;;
	mark) set_mark ;;
	signal)	p=$(prog_pid "${argv[0]:-}")
		[ -n "$p" ] && [ ${#argv[@]} = 2 ] ||
			{ _why="signal PROG SIG: unknown program"; return 1; }
		kill -s "${argv[1]}" "$p" 2>"$_err" ||
			{ _why="kill -s ${argv[1]} failed: $(cat "$_err")"; return 1; } ;;
	set)	tokens "$rest"
		v=${_tok[0]:-}
		[[ $v =~ ^[A-Z][A-Z0-9_]*$ ]] ||
			{ _why="set: variable names are upper case"; return 1; }
		if ! is_case_var "$v" && declare -p "$v" >/dev/null 2>&1; then
			_why="set: $v is taken by the environment"; return 1
		fi
		src=${rest#"$v"}; src=${src# }
		case ${_tok[1]:-}:${_tok[2]:-} in
		=:*)	def_var "$v" "$(expand "${src#=}" | sed 's/^ //')" ;;
		from:json) n=$(json_value "${_tok[3]:-}") ||
				{ _why="set: no \"${_tok[3]:-}\" in the output"; return 1; }
			def_var "$v" "$n" ;;
		from:usim) n=$(sed -n "s/^${_tok[3]:-} *= *//p" "$USIM")
			def_var "$v" "$n" ;;
		from:field) def_var "$v" "$(field_value "${_tok[3]:-}")" ;;
		from:header) def_var "$v" "$(header_value "${_tok[3]:-}")" ;;
		from:out) def_var "$v" "$(tr -d '\r' <"$_out" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')" ;;
		*)	_why="set VAR = TEXT | set VAR from json|usim|field|header|out ..."; return 1 ;;
		esac
		[ -n "${!v}" ] || { _why="set $v: the value is empty"; return 1; } ;;
	usim-set)
		[ ${#argv[@]} = 2 ] && [ -f "$USIM" ] ||
			{ _why="usim-set KEY VALUE (after ue usim init)"; return 1; }
		v=${argv[1]}
		if [ "${argv[0]}" = seq ] && [[ $v =~ ^[0-9]+$ ]]; then
			v=$(printf "$v,%.0s" $(seq 1 31))$v
		fi
		grep -q "^${argv[0]} *=" "$USIM" ||
			{ _why="usim-set: no '${argv[0]}' in the USIM"; return 1; }
		sed -i "s|^${argv[0]} *=.*|${argv[0]} = $v|" "$USIM" ;;
	stack)	_why="'stack' must be the first step"; return 1 ;;
	*)	_why="unknown action '$act'"; return 1 ;;
	esac
	case $act in
	ue|curl|zh|zn|sh)
		if grep -qE "$SAN_RE" "$_err"; then
			_why="sanitizer report: $(grep -m1 -E "$SAN_RE" "$_err")"
			return 1
		fi ;;
	esac
	return 0
}

# `scripts/stack down` of the case in folder W, SIGSTOPped daemons first
# set going, so that SIGTERM ends them cleanly. Its output, and its status.
stack_stop() {
	local k v
	for k in HSS BSF AP PRESENCE; do
		v=$(prog_pid $k)
		[ -z "$v" ] || kill -CONT "$v" 2>/dev/null
	done
	[ ! -f "$1/stack/stack.env" ] || "$ROOT/scripts/stack" down "$1/stack" 2>&1
}

# run_case FILE: prints its report; exit 0 when it passed.
run_case() {
	local file=$1 name w lines=() nos=() l no cont='' s failed=0 nsteps=0
	local t0 acts exps e stack_args=() k v down
	name=$(basename "$file" .case)
	w=$TMPROOT/$name
	mkdir -p "$w"
	echo "--- $name ($file)"
	t0=$(date +%s%N)
	_out=$w/out _err=$w/err _head=$w/head _body=$w/body
	def_var W "$w"
	def_var USIM "$w/usim"
	def_var DATA "$CASES/data"

	# Lines, with continuations joined and comments dropped.
	no=0
	while IFS= read -r l || [ -n "$l" ]; do
		no=$((no + 1))
		if [ -n "$cont" ]; then
			l="${cont% } ${l#"${l%%[![:space:]]*}"}"
		else
			s=$no
			l=${l#"${l%%[![:space:]]*}"}
		fi
		case $l in ''|'#'*) [ -n "$cont" ] || continue ;; esac
		if [[ $l == *\\ ]]; then cont=${l%\\}; continue; fi
		cont=
		lines+=("$l"); nos+=("$s")
	done <"$file"

	# The stack.
	if [ ${#lines[@]} -gt 0 ] && [[ ${lines[0]} == stack || ${lines[0]} == stack\ * ]]; then
		k=${lines[0]#stack}
		if v=$(unknown_var "$k"); then
			echo "FAILED $name.case:${nos[0]}: unknown variable \$$v"
			return 1
		fi
		set -f
		if ! eval "stack_args=( $k )"; then
			set +f
			echo "FAILED $name.case:${nos[0]}: cannot split the stack arguments"
			return 1
		fi
		set +f
		lines=("${lines[@]:1}"); nos=("${nos[@]:1}")
	fi
	# Stopped by run-cases' own signal handler: the stack goes down too
	# (bash runs this once the step in progress has ended).
	trap 'stack_stop "$w"; exit 143' TERM
	if ! "$ROOT/scripts/stack" up "$w/stack" "${stack_args[@]}" >"$w/stack-up.out" 2>&1; then
		echo "FAILED $name.case: scripts/stack up: $(tail -n 1 "$w/stack-up.out")"
		echo "FAIL $name (stack did not start; folder $w)"
		"$ROOT/scripts/stack" down "$w/stack" >/dev/null 2>&1
		return 1
	fi
	while IFS='=' read -r k v; do
		case $k in ''|'#'*) continue ;; esac
		def_var "$k" "$v"
	done <"$w/stack/stack.env"
	[ -z "${AP_URL:-}" ] || def_var AP_PORT "${AP_URL##*:}"
	set_mark

	for ((s = 0; s < ${#lines[@]}; s++)); do
		l=${lines[s]}
		# ACTION ... => EXPECT => EXPECT
		acts=${l%% => *}
		exps=()
		if [ "$acts" != "$l" ]; then
			e=${l#* => }
			while [[ $e == *' => '* ]]; do exps+=("${e%% => *}"); e=${e#* => }; done
			exps+=("$e")
		fi
		acts=${acts%"${acts##*[![:space:]]}"}
		nsteps=$((nsteps + 1))
		if step "$acts"; then
			for e in "${exps[@]}"; do
				e=${e#"${e%%[![:space:]]*}"}; e=${e%"${e##*[![:space:]]}"}
				check "$e" || break
			done
		fi
		if [ -n "$_why" ]; then
			echo "FAILED $name.case:${nos[s]}: $_why"
			echo "       step: ${l:0:200}"
			if [ -s "$_err" ]; then
				tail -n 3 "$_err" | cut -c1-200 | sed 's/^/       stderr: /'
			fi
			failed=1
			[ $((${#lines[@]} - s - 1)) = 0 ] ||
				echo "       ($((${#lines[@]} - s - 1)) later steps not run)"
			break
		fi
		echo "ok     ${l:0:110}"
	done

	if ! down=$(stack_stop "$w"); then
		echo "FAILED $name.case: scripts/stack down: $(echo "$down" | tail -n 3 | tr '\n' ' ')"
		failed=1
	fi
	t0=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ $failed = 0 ]; then
		printf 'PASS %s (%d steps, %d.%ds)\n' "$name" "$nsteps" $((t0 / 1000)) $((t0 % 1000 / 100))
		[ $KEEP = 1 ] || rm -rf "$w"
		return 0
	fi
	printf 'FAIL %s (folder %s)\n' "$name" "$w"
	return 1
}

# ---- main ----------------------------------------------------------------

while [ $# -gt 0 ]; do
	case $1 in
	-j) [ $# -ge 2 ] || die "-j needs a number"; JOBS=$2; shift 2 ;;
	-k) KEEP=1; shift ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "-j: a positive number"
[ -x "$UTSTACK_BUILD/ue" ] || die "$UTSTACK_BUILD/ue is not built (make)"
[ -x "$UTSTACK_BUILD/tests/dia-probe" ] ||
	die "$UTSTACK_BUILD/tests/dia-probe is not built (make $UTSTACK_BUILD/tests/dia-probe)"

files=()
if [ $# -eq 0 ]; then
	files=("$CASES"/*.case)
else
	for c in "$@"; do
		if [ -f "$c" ]; then files+=("$c")
		elif [ -f "$CASES/$c.case" ]; then files+=("$CASES/$c.case")
		else die "no case '$c'"; fi
	done
fi
[ -f "${files[0]}" ] || die "no cases in $CASES"

TMPROOT=$(mktemp -d /tmp/utstack-cases-XXXXXX)
start=$(date +%s)
declare -A job_name=()
failed_names=()
n_pass=0

# Print a finished case's report and count it.
reap() {
	local pid=$1 rc=$2 name
	[ -n "$pid" ] && [ -n "${job_name[$pid]:-}" ] || die "lost track of a case"
	name=${job_name[$pid]}
	cat "$TMPROOT/$name.report"
	rm -f "$TMPROOT/$name.report"
	if [ "$rc" = 0 ]; then n_pass=$((n_pass + 1)); else failed_names+=("$name"); fi
	unset "job_name[$pid]"
}

# Stop the cases still running (each takes its stack down on the way).
on_signal() {
	local p
	for p in "${!job_name[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait
	exit 130
}
trap on_signal INT TERM

for f in "${files[@]}"; do
	while [ ${#job_name[@]} -ge "$JOBS" ]; do
		wait -n -p done_pid
		rc=$?
		reap "$done_pid" "$rc"
	done
	name=$(basename "$f" .case)
	( run_case "$f" >"$TMPROOT/$name.report" 2>&1 ) &
	job_name[$!]=$name
done
while [ ${#job_name[@]} -gt 0 ]; do
	wait -n -p done_pid
	rc=$?
	reap "$done_pid" "$rc"
done

total=${#files[@]}
echo "run-cases: $n_pass of $total cases passed in $(( $(date +%s) - start ))s" \
	"(UTSTACK_BUILD=$UTSTACK_BUILD, $JOBS at a time)"
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "run-cases: FAILED: ${failed_names[*]}"
	exit 1
fi
[ $KEEP = 1 ] || rmdir "$TMPROOT" 2>/dev/null || true
exit 0
