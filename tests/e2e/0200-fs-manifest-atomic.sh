#!/bin/bash
# A refused write changes nothing: a manifest is applied all or nothing,
# a file refused at write() (too large) is never parsed, and close()
# repeats only that reason.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
nerr() { wc -l < "$MNT/errors"; }
count() { ls "$CM" | grep -c "^$1" || true; }

# 42 ConfigMaps of 50 KB each (2.1 MB): refused at write(), nothing made
val=$(head -c 50000 /dev/zero | tr '\0' 'x')
for i in $(seq 1 42); do
	printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n'
	printf '  name: big-%02d\ndata:\n  v: %s\n' "$i" "$val"
done > "$T/bundle.yaml"
before=$(nerr)
out=$(cp "$T/bundle.yaml" "$CM/bundle.yaml" 2>&1) && fail "2.1 MB manifest accepted"
expect_contains "$out" "File too large" "cp of a too large manifest"
expect_eq "$(count big-)" 0 "objects created by a refused manifest"
expect_eq "$(($(nerr) - before))" 1 "errors lines for one EFBIG"
expect_contains "$(last_error)" "too large" "the EFBIG reason"
# the same through kfwrite: write() fails, then close() says EFBIG again
before=$(nerr)
got=$(python3 - "$CM/bundle2.yaml" "$T/bundle.yaml" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
data = open(sys.argv[2], 'rb').read()
res = []
try:
    off = 0
    while off < len(data):
        off += os.write(fd, data[off:off + 65536])
    res.append("write ok")
except OSError as e:
    res.append("write " + errno.errorcode[e.errno])
try:
    os.close(fd)
    res.append("close ok")
except OSError as e:
    res.append("close " + errno.errorcode[e.errno])
print(" ".join(res))
PY
)
expect_eq "$got" "write EFBIG close EFBIG" "errnos of write and close"
expect_eq "$(($(nerr) - before))" 1 "one errors line, no parse of the rest"
expect_eq "$(count big-)" 0 "objects after the second refused manifest"
grep -q "end of stream" "$MNT/errors" && fail "the partial buffer was parsed"

# one bad document among good ones: nothing is applied
{
	for i in 1 2 3; do
		printf -- '---\napiVersion: v1\nkind: ConfigMap\n'
		printf 'metadata: {name: good-%d}\ndata: {a: "1"}\n' "$i"
	done
	printf -- '---\napiVersion: v1\nkind: ConfigMap\n'
	printf 'metadata: {name: Bad_Name}\n'
	printf -- '---\napiVersion: v1\nkind: ConfigMap\n'
	printf 'metadata: {name: good-4}\n'
} > "$T/mixed.yaml"
expect_errno EINVAL "$MNT/mixed.yaml" < "$T/mixed.yaml"
expect_eq "$(count good-)" 0 "objects created by a manifest with a bad document"
expect_contains "$(cat "$MNT/errors")" 'Bad_Name' "the bad document's reason"
# the same manifest without the bad document: all of it
python3 - "$T/mixed.yaml" "$T/good.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split('---\n')
open(sys.argv[2], 'w').write('---\n'.join(d for d in docs if 'Bad_Name' not in d))
PY
cp "$T/good.yaml" "$MNT/good.yaml"
expect_eq "$(count good-)" 4 "objects of an accepted manifest"

# a document may rely on an earlier one: a Namespace, then objects in it;
# the same name twice: the later one wins
cat > "$T/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: team-x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: one, namespace: team-x}
data: {v: first}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: one, namespace: team-x}
data: {v: second}
YAML
cp "$T/ns.yaml" "$MNT/ns.yaml"
expect_eq "$(yq -r .data.v "$MNT/core/v1/configmaps/team-x/one")" second \
	"namespace and objects of one manifest"
# a conflict (stale resourceVersion) in the last document: the earlier
# ones are not applied either
rv=$(yq -r .metadata.resourceVersion "$CM/good-1")
cat > "$T/stale.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: good-2}
data: {a: "changed"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: good-1, resourceVersion: "$((rv - 1))"}
data: {a: "changed"}
YAML
expect_errno ESTALE "$CM/stale.yaml" < "$T/stale.yaml"
expect_eq "$(yq -r .data.a "$CM/good-2")" 1 "earlier document of a refused manifest"
echo ok
