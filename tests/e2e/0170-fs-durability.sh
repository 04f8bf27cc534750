#!/bin/bash
# Acknowledged writes survive kill -9; the snapshot file is a backup.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
for i in $(seq 1 50); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k%d}\ndata: {i: "%d"}\n' $i $i > "$CM/k$i"
done
cp "$MNT/snapshot" "$T/backup.mdb"
rm "$CM/k1"
crash_fs
start_fs
expect_eq "$(ls "$CM" | grep -c '^k')" 49 "objects after kill -9"
expect_eq "$(yq -r .data.i "$CM/k50")" 50 "content after kill -9"

# restore the snapshot into a new store
stop_fs
mkdir -p "$T/store2"
cp "$T/backup.mdb" "$T/store2/data.mdb"
mv "$T/store" "$T/store.old"
mv "$T/store2" "$T/store"
start_fs
expect_eq "$(ls "$CM" | grep -c '^k')" 50 "objects in the restored snapshot"
echo ok
