#!/bin/bash
# The Unix tools people use on files work on object files (SPEC §3).
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
F=$CM/app
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  color: blue\n' > "$F"

# sed -i (temp file + rename over the object)
sed -i 's/color: blue/color: green/' "$F"
expect_eq "$(yq -r .data.color "$F")" green "sed -i"
ls -a "$CM" | qgrep '^sed' && fail "sed's temp file left listed"

# vim with default settings (swap file, backup, write)
HOME=$T vim -u NONE -N -n -es -c '%s/green/red/' -c 'wq' "$F" </dev/null || true
expect_eq "$(yq -r .data.color "$F")" red "vim -es"
HOME=$T vim -u NONE -N -es -c '%s/red/pink/' -c 'wq' "$F" </dev/null || true
expect_eq "$(yq -r .data.color "$F")" pink "vim with a swap file"

# yq -i / jq via a temp file
yq -i -y '.data.size = "L"' "$F"
expect_eq "$(yq -r .data.size "$F")" L "yq -i"
jq '.data.shape = "round"' "$F@json" > "$T/app.json" && cp "$T/app.json" "$F"
expect_eq "$(yq -r .data.shape "$F")" round "jq + cp"

# tee, >, >> (merge patch)
yq -y '.data.tee = "yes"' "$F" | tee "$F" >/dev/null
expect_eq "$(yq -r .data.tee "$F")" yes "tee"
echo 'metadata: {labels: {tier: web}}' >> "$F"
expect_eq "$(yq -r .metadata.labels.tier "$F")" web ">> merge patch"
expect_eq "$(yq -r .data.color "$F")" pink ">> kept the rest"
echo '{"data": {"tee": null}}' >> "$F"
expect_eq "$(yq -r '.data.tee' "$F")" null ">> null removes"

# cp over, cp -p, cp out (without its resourceVersion: a copy taken
# earlier would be a stale write, refused as a 409 Conflict)
yq -y 'del(.metadata.resourceVersion)' "$F" > "$T/app.yaml"
sed -i 's/pink/black/' "$T/app.yaml"
cp "$T/app.yaml" "$F"
expect_eq "$(yq -r .data.color "$F")" black "cp over"
mkdir "$T/p"
sed 's/black/purple/' "$T/app.yaml" > "$T/p/app.yaml"
touch -d '2001-01-01 00:00' "$T/p/app.yaml"
# a drop box (app.yaml): cp -p also sets the times and mode, which must
# not fail the copy
cp -p "$T/p/app.yaml" "$CM/" || fail "cp -p into the namespace dir"
expect_eq "$(yq -r .data.color "$F")" purple "cp -p drop box"

# mv a manifest in from outside
sed 's/black/white/' "$T/app.yaml" > "$T/mv.yaml"
mv "$T/mv.yaml" "$CM/"
expect_eq "$(yq -r .data.color "$F")" white "mv in"

# rsync (temp dot-file + rename)
sed 's/black/grey/' "$T/app.yaml" > "$T/app"
rsync "$T/app" "$CM/app"
expect_eq "$(yq -r .data.color "$F")" grey "rsync"

# tar x
mkdir -p "$T/tar"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fromtar}\ndata: {a: b}\n' > "$T/tar/fromtar"
tar -C "$T/tar" -cf "$T/x.tar" fromtar
tar -C "$CM" -xf "$T/x.tar"
[ -f "$CM/fromtar" ] || fail "tar x"

# find, grep -r, ls -l, stat, tail, cat
find "$MNT/core/v1/configmaps" -name app | qgrep . || fail "find"
grep -rl 'color: grey' "$MNT/core/v1/configmaps" | qgrep '/app$' || fail "grep -r"
ls -l "$CM" | qgrep ' app$' || fail "ls -l"
expect_eq "$(stat -c %s "$F")" "$(wc -c < "$F")" "stat size"
tail -n 1 "$F" >/dev/null || fail "tail"

# rm
rm "$F"
[ -e "$F" ] && fail "rm"
echo ok
