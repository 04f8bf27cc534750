#!/bin/bash
# One commit per open file description, with all its bytes: closes of
# inherited or duplicated descriptors do not commit a partial object,
# and the verdict still reaches the tools that close last.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
F=$CM/app
nerr() { wc -l < "$MNT/errors"; }
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  k: v0\n' > "$F"

# header (with the current resourceVersion) and body from two processes
hdr() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n'
	printf '  resourceVersion: "%s"\n' "$(yq -r .metadata.resourceVersion "$F")"
}
rv0=$(yq -r .metadata.resourceVersion "$F")
cat "$CM/@watch?resourceVersion=$rv0" > "$T/watch.out" &
WATCH_PIDS=$!
before=$(nerr)
hdr > "$T/hdr"
printf 'data:\n  k: v1\n' > "$T/body"
{ cat "$T/hdr"; cat "$T/body"; } > "$F"
expect_eq "$(yq -r .data.k "$F")" v1 "shell group { cat; cat; } > OBJ"
expect_eq "$(nerr)" "$before" "errors after the shell group"

# python: a child writes to an inherited descriptor, then the parent
hdr > "$T/hdr"
printf 'data:\n  k: v2\n' > "$T/body"
python3 - "$F" "$T/hdr" "$T/body" <<'PY'
import subprocess, sys
with open(sys.argv[1], 'w') as f:
    f.write(open(sys.argv[2]).read())
    f.flush()
    subprocess.run(['cat', sys.argv[3]], stdout=f, check=True)
PY
expect_eq "$(yq -r .data.k "$F")" v2 "python subprocess.run on an inherited fd"

# os.dup() + close() of the duplicate before the rest is written
hdr > "$T/hdr"
python3 - "$F" "$T/hdr" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, open(sys.argv[2], 'rb').read())
os.close(os.dup(fd))
os.write(fd, b'data:\n  k: v3\n')
os.close(fd)
PY
expect_eq "$(yq -r .data.k "$F")" v3 "os.dup() + close()"
expect_eq "$(nerr)" "$before" "errors after the writes"

# no watcher saw a partial object: every MODIFIED event has data.k
rv3=$(yq -r .metadata.resourceVersion "$F")
wait_for grep -q "\"resourceVersion\":\"$rv3\"" "$T/watch.out"
n=$(grep -c '"MODIFIED"' "$T/watch.out")
expect_eq "$n" 3 "MODIFIED events for three writes"
expect_eq "$(grep '"MODIFIED"' "$T/watch.out" | jq -r .object.data.k | tr '\n' ' ')" \
	"v1 v2 v3 " "objects the watcher saw"

# the verdict reaches the tool that closes last
bad='apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: [1]\n'
printf "$bad" > "$T/bad"
cp "$T/bad" "$F" 2>/dev/null && fail "cp of an invalid object succeeded"
printf "$bad" | tee "$F" >/dev/null 2>&1 && fail "tee of an invalid object succeeded"
cat "$T/bad" > "$F" 2>/dev/null && fail "cat > OBJ of an invalid object succeeded"
/bin/echo 'kind: Service' > "$F" 2>/dev/null && fail "/bin/echo > OBJ succeeded"
HOME=$T vim -u NONE -N -n -es -c '%s/k: v3/k: [1]/' -c 'wq' "$F" </dev/null \
	>/dev/null 2>&1 && fail "vim wrote an invalid object"
sed -i 's/k: v3/k: [1]/' "$F" 2>/dev/null && fail "sed -i wrote an invalid object"
python3 - "$F" "$T/bad" <<'PY' || fail "python close() did not raise"
import sys
try:
    with open(sys.argv[1], 'w') as f:
        f.write(open(sys.argv[2]).read())
except OSError as e:
    sys.exit(0 if e.errno == 22 else 1)
sys.exit(1)
PY
# the verdict reaches close() even while the writer has the object
# open for reading too (another open file, not a copy of the writer's)
python3 - "$F" "$T/bad" <<'PY' || fail "close() with a reader open did not raise"
import sys
r = open(sys.argv[1])
r.read()
try:
    with open(sys.argv[1], 'w') as f:
        f.write(open(sys.argv[2]).read())
except OSError as e:
    sys.exit(0 if e.errno == 22 else 1)
sys.exit(1)
PY
expect_eq "$(yq -r .data.k "$F")" v3 "object after refused writes"
echo ok
