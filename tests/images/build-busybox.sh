#!/bin/bash
# Build a busybox image from Debian's busybox-static, offline, as
#   build-busybox.sh docker OUT.tar [NAME:TAG]   a `docker save` archive
#   build-busybox.sh oci OUT.tar [NAME:TAG]      an OCI image layout (tar)
# The image: /bin/busybox and its applets, /etc/passwd and group (root,
# nobody), /tmp, /var/www; Cmd ["sh"], or $IMAGE_CMD (a JSON array).
# Deterministic: same bytes each run.
set -euo pipefail
kind=$1 out=$2 name=${3:-busybox:latest}
cmd=${IMAGE_CMD:-'["sh"]'}
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] || { echo "busybox-static is not installed" >&2; exit 1; }
w=$(mktemp -d /tmp/kubefs-image.XXXXXX)
trap 'rm -rf "$w"' EXIT

root=$w/rootfs
mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,var/www,root,home}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
echo 'hello from kubefs' >"$root/var/www/index.html"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	-C "$root" -cf "$w/layer.tar" .
lsha=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
lsize=$(stat -c %s "$w/layer.tar")
jq -cnS --arg d "sha256:$lsha" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
	created: "1970-01-01T00:00:00Z",
	config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		Cmd: $cmd, WorkingDir: "/"},
	rootfs: {type: "layers", diff_ids: [$d]}}' | tr -d '\n' >"$w/config.json"
csha=$(sha256sum "$w/config.json" | cut -d' ' -f1)
csize=$(stat -c %s "$w/config.json")

pkg=$w/pkg
mkdir -p "$pkg"
case $kind in
docker)
	mkdir -p "$pkg/$lsha"
	mv "$w/layer.tar" "$pkg/$lsha/layer.tar"
	mv "$w/config.json" "$pkg/$csha.json"
	jq -cn --arg c "$csha.json" --arg l "$lsha/layer.tar" --arg n "$name" \
		'[{Config: $c, RepoTags: [$n], Layers: [$l]}]' >"$pkg/manifest.json"
	;;
oci)
	mkdir -p "$pkg/blobs/sha256"
	gzip -n -9 <"$w/layer.tar" >"$w/layer.tar.gz"
	gsha=$(sha256sum "$w/layer.tar.gz" | cut -d' ' -f1)
	gsize=$(stat -c %s "$w/layer.tar.gz")
	mv "$w/layer.tar.gz" "$pkg/blobs/sha256/$gsha"
	mv "$w/config.json" "$pkg/blobs/sha256/$csha"
	jq -cnS --arg c "sha256:$csha" --argjson cs "$csize" \
		--arg l "sha256:$gsha" --argjson ls "$gsize" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' |
		tr -d '\n' >"$w/manifest.json"
	msha=$(sha256sum "$w/manifest.json" | cut -d' ' -f1)
	msize=$(stat -c %s "$w/manifest.json")
	mv "$w/manifest.json" "$pkg/blobs/sha256/$msha"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$pkg/oci-layout"
	jq -cn --arg m "sha256:$msha" --argjson s "$msize" --arg n "$name" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		digest: $m, size: $s, annotations: {"io.containerd.image.name": $n,
		"org.opencontainers.image.ref.name": ($n | sub(".*:"; ""))}}]}' >"$pkg/index.json"
	;;
*) echo "usage: $0 docker|oci OUT.tar [NAME:TAG]" >&2; exit 2 ;;
esac
: "$lsize"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$pkg" -cf "$out" .
