#!/usr/bin/env bash
# Build the base image from Debian packages, for machines that reach Debian's mirror but no
# container registry: `debootstrap` a minimal bookworm with Python 3.11 into a folder, then
# `docker import` it. Idempotent: an existing tag is kept (FORCE=1 rebuilds it).
#   docker/debian-base.sh [TAG]          # default nishabdham-base:bookworm
# Needs root, debootstrap (apt-get install debootstrap) and a running Docker engine.
# MIRROR defaults to the Debian mirror apt uses on this machine, else deb.debian.org.
set -euo pipefail
TAG=${1:-nishabdham-base:bookworm}
SUITE=${SUITE:-bookworm}

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG already built"
  exit 0
fi

mirror_from_apt() {
  # The first plain Debian archive URI apt is configured with (deb822 or one-line format).
  grep -rhoE '(URIs:|^deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^[:space:]]+/debian/?' | head -1
}
MIRROR=${MIRROR:-$(mirror_from_apt || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}

command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
ROOTFS=$(mktemp -d /var/tmp/nishabdham-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT

echo "debootstrap $SUITE from $MIRROR into $ROOTFS"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || { tail -30 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"

cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
SOURCES
# What the official slim images do: no apt caches, docs or man pages kept in the image.
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
SLIM
echo 'APT::Install-Recommends "false";' >"$ROOTFS/etc/apt/apt.conf.d/docker-no-recommends"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* \
  "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*

tar -C "$ROOTFS" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  - "$TAG" >/dev/null
echo "base image $TAG built from Debian $SUITE ($MIRROR)"
