# lib.sh - what the tmux-driven tests share (sourced by tests/tui/run and
# tests/config/tui): start the real sipmon in a detached tmux session of a
# fixed size, type keys, capture the screen, check text at a place.
# Expects SIPMON set; sets tmp (a scratch directory removed at exit).
tmp=$(mktemp -d)
# sipmon reads ~/.sipmonrc: the tests' home is empty unless a test writes
# one there, so the user's own configuration cannot change what they see.
mkdir -p "$tmp/home"
socket=sipmon-tui-$$
T() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() {
	i=1
	while [ "$i" -le "${started:-0}" ]; do
		tmux -L "sipmon-tui-$$-$i" -f /dev/null kill-server >/dev/null 2>&1
		i=$((i + 1))
	done
	T kill-server >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	echo "--- screen ---"
	screen
	echo "--------------"
	if [ -s "$tmp/stderr.${started:-0}" ]; then
		echo "--- sipmon's stderr ---"
		tail -40 "$tmp/stderr.${started:-0}"
		echo "-----------------------"
	fi
}

# finish NAME: end every session, then fail on any sanitizer report in
# sipmon's stderr (a leak at exit or a UBSan error that left the screen
# looking right), print the counts and set the exit status.
finish() {
	i=1
	while [ "$i" -le "$started" ]; do
		tmux -L "sipmon-tui-$$-$i" -f /dev/null kill-server >/dev/null 2>&1
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$started" ]; do
		# Up to 10 s for each sipmon to end (leak checking runs at exit).
		w=0
		while [ ! -e "$tmp/ended.$i" ] && [ $w -lt 100 ]; do sleep 0.1; w=$((w + 1)); done
		if grep -qE 'Sanitizer|runtime error:' "$tmp/stderr.$i" 2>/dev/null; then
			fail=$((fail + 1))
			echo "FAIL: session $i: sanitizer report:"
			head -60 "$tmp/stderr.$i"
		fi
		i=$((i + 1))
	done
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# start COLS LINES ARGS...: sipmon in a fresh session; its exit status goes
# to $tmp/exit when it ends.
started=0
start() {
	cols=$1 lines=$2
	shift 2
	T kill-server >/dev/null 2>&1
	# A fresh server each time: the previous one may still be shutting
	# down after its session ended, and a client could reach it.
	started=$((started + 1))
	socket=sipmon-tui-$$-$started
	rm -f "$tmp/exit"
	args=""
	for a in "$@"; do args="$args '$a'"; done
	# stderr goes to a file per session: a sanitizer report (or any
	# message) is kept for finish, which fails the test on one.
	T new-session -d -x "$cols" -y "$lines" \
		"cd '$tmp' && HOME='$tmp/home' SIPMONRC='${SIPMONRC_FOR_TEST:-}' LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=screen-256color '$SIPMON' $args 2>'$tmp/stderr.$started'; echo \$? > '$tmp/exit'; : > '$tmp/ended.$started'"
	wait_for "Mode:" || bad "sipmon $* did not show the call list"
}

screen() { T capture-pane -p 2>/dev/null; }
# line N: the screen's line N (0-based).
line() { screen | sed -n "$(($1 + 1))p"; }
keys() { T send-keys "$@"; sleep 0.15; }

# wait_for TEXT: until the screen shows TEXT (15 s at most: only a
# failing check waits that long, and a loaded CI machine needs slack).
wait_for() {
	i=0
	while [ $i -lt 150 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# eventually COMMAND...: until COMMAND succeeds (5 s at most). Keys are
# followed by a short pause only; a sanitizer build on a busy machine may
# draw later than that, so every positive check polls instead of trusting it.
eventually() {
	i=0
	while [ $i -lt 50 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
line_matches() { line "$1" | grep -qE -- "$2"; }
screen_matches() { screen | grep -q -- "$1"; }

# expect_line N REGEX WHAT: line N must match the extended regex.
expect_line() {
	if eventually line_matches "$1" "$2"; then ok; else bad "$3: line $1 should match /$2/, is: $(line "$1")"; fi
}

# expect_text TEXT WHAT / expect_no_text TEXT WHAT: anywhere on screen.
expect_text() { if wait_for "$1"; then ok; else bad "$2: '$1' not on screen"; fi; }
expect_no_text() { if screen | grep -qF -- "$1"; then bad "$2: '$1' should not be on screen"; else ok; fi; }

# wait_exit STATUS WHAT: sipmon must have ended with STATUS.
wait_exit() {
	i=0
	while [ ! -s "$tmp/exit" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	got=$(cat "$tmp/exit" 2>/dev/null)
	if [ "$got" = "$1" ]; then ok; else bad "$2: exit status '$got', want $1"; fi
}

