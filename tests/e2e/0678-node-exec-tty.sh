#!/bin/bash
# kubefs exec -it: a terminal in the container (runc exec --tty, relayed
# through a pty of the agent), ours raw, its size ours and following
# ours; kubectl's rules when stdin is no terminal. script(1) is the
# terminal.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
command -v script >/dev/null || skip "script (util-linux) is not installed"
node_setup
mk_httpd box 1
wait_long 30 is_phase box Running
k="kubefs --mount $MNT"
# in_tty SCRIPT [INPUT]: run SCRIPT in a 40x100 terminal, INPUT typed in
in_tty() {
	printf 'stty rows 40 cols 100\n%s\n' "$1" >"$T/tty.sh"
	printf '%s' "${2:-}" | script -qec "bash $T/tty.sh" /dev/null | tr -d '\r\0'
}

# (runc sizes the container's terminal just after the command starts:
# a command that asks at once can see no size yet, as under runc alone)
out=$(in_tty "$k exec -it box -- sh -c 'tty; for _ in 1 2 3 4 5 6 7 8 9 10; do s=\$(stty size 2>/dev/null) && [ \"\$s\" != \"0 0\" ] && break; sleep 0.2; done; echo \$s; echo \$TERM'")
expect_contains "$out" "/dev/pts/" "a terminal in the container"
expect_contains "$out" "40 100" "its size is ours"
expect_contains "$out" "xterm" "TERM"

# an interactive shell: what is typed goes in, the exit code comes out
rc=0
out=$(in_tty "$k exec -it box -- sh" $'echo typed-$((6 * 7))\nexit 3\n') || rc=$?
expect_contains "$out" "typed-42" "input through the terminal"
expect_eq "$rc" 3 "exit code through the terminal"
expect_contains "$out" "command terminated with exit code 3" "exit message"

# a resize while it runs reaches the container (SIGWINCH both sides)
out=$(in_tty "( for _ in \$(seq 300); do $k exec box -- test -e /tmp/sized && break; sleep 0.1; done
  stty rows 50 cols 120 ) </dev/tty &
$k exec -it box -- sh -c 'stty size; touch /tmp/sized; for _ in \$(seq 300); do [ \"\$(stty size)\" = \"40 100\" ] || break; sleep 0.1; done; stty size'
wait")
expect_contains "$out" "50 120" "resized"

# kubectl's rules: -t needs -i, and -i a terminal
expect_eq "$($k exec -it box -- sh -c 'tty || true' </dev/null 2>&1)" \
	"Unable to use a TTY - input is not a terminal or the right kind of file
not a tty" "-it without a terminal"
expect_eq "$($k exec -t box -- sh -c 'tty || true' 2>&1)" "not a tty" "-t without -i"

rm "$P/box"
wait_long 30 gone box
expect_clean
echo ok
