#!/usr/bin/env bash
# `make image`: build the application image and the Redis and PostgreSQL images of docker/compose.yaml.
#   nishabdham:latest, nishabdham-redis:latest, nishabdham-postgres:latest
# The base is python:3.11-slim-bookworm where a registry gives it; where none can be reached it is
# made from Debian's packages (docker/debian-base.sh: debootstrap + docker import). BASE_IMAGE=...
# chooses one. Prints each image's build time and size; BUILD_TIMES=FILE also appends them there.
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY_BASE=python:3.11-slim-bookworm
DEBIAN_BASE=nishabdham-base:bookworm

if [ -z "${BASE_IMAGE:-}" ]; then
  if docker image inspect "$REGISTRY_BASE" >/dev/null 2>&1 || timeout 120 docker pull -q "$REGISTRY_BASE" >/dev/null 2>&1; then
    BASE_IMAGE=$REGISTRY_BASE
  else
    echo "$REGISTRY_BASE cannot be pulled: the base image is made from Debian packages"
    started=$(date +%s)
    docker/debian-base.sh "$DEBIAN_BASE"
    echo "base $DEBIAN_BASE: $(( $(date +%s) - started )) s"
    BASE_IMAGE=$DEBIAN_BASE
  fi
fi

# The host's extra certificate authorities (an HTTPS proxy in front of PyPI), for the build only.
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] && { cmp -s "$crt" "docker/ca-certificates/${crt##*/}" || cp "$crt" docker/ca-certificates/; }
done

build() {  # DOCKERFILE TAG
  local started size log
  started=$(date +%s)
  log=$(mktemp /tmp/nishabdham-build.XXXXXX)
  echo "building $2 (docker/$1, log $log)"
  if ! DOCKER_BUILDKIT=0 nice -n 10 docker build --network host --build-arg "BASE=$BASE_IMAGE" -f "docker/$1" -t "$2" . >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "building $2 failed (whole log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
  size=$(docker image inspect "$2" --format '{{.Size}}')
  line="$2: built in $(( $(date +%s) - started )) s from $BASE_IMAGE, $(( size / 1000000 )) MB"
  echo "$line"
  [ -z "${BUILD_TIMES:-}" ] || echo "$line" >>"$BUILD_TIMES"
}
build redis.Dockerfile nishabdham-redis:latest
build postgres.Dockerfile nishabdham-postgres:latest
build Dockerfile nishabdham:latest
