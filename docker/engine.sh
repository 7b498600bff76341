#!/usr/bin/env bash
# A Docker engine for `make image` and `make compose-test`, on a Debian machine run as root.
#   docker/engine.sh start   # install docker.io, debootstrap and docker-compose where missing; start
#                            # dockerd where no engine answers (it is recorded as ours)
#   docker/engine.sh stop    # stop the dockerd that `start` started, nothing else
# Exit 1 with the reason when no engine can be made to answer.
set -euo pipefail
STATE=${NISHABDHAM_ENGINE_STATE:-/var/tmp/nishabdham-dockerd}
LOG=$STATE.log

answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

install_missing() {
  local missing=""
  command -v dockerd >/dev/null || missing="$missing docker.io"
  command -v debootstrap >/dev/null || missing="$missing debootstrap"
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing="$missing docker-compose"
  command -v docker >/dev/null || missing="$missing docker.io"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "not root, so these Debian packages cannot be installed:$missing" >&2
    return 1
  fi
  echo "installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

start() {
  install_missing
  if answers; then
    echo "a Docker engine is running: $(docker info --format '{{.ServerVersion}}')"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "no Docker engine answers, and dockerd needs root to start" >&2
    return 1
  fi
  # The stack uses the host's network only: no bridge and no iptables rules are needed.
  dockerd --bridge=none --iptables=false --ip6tables=false >"$LOG" 2>&1 &
  echo $! >"$STATE.pid"
  for _ in $(seq 60); do
    answers && { echo "started dockerd (pid $(cat "$STATE.pid"), log $LOG)"; return 0; }
    kill -0 "$(cat "$STATE.pid")" 2>/dev/null || break
    sleep 1
  done
  echo "dockerd did not start; the end of $LOG:" >&2
  tail -15 "$LOG" >&2 || true
  stop >/dev/null 2>&1 || true
  return 1
}

stop() {
  [ -f "$STATE.pid" ] || { echo "no dockerd started by docker/engine.sh"; return 0; }
  local pid
  pid=$(cat "$STATE.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped dockerd (pid $pid)"
  fi
  rm -f "$STATE.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: docker/engine.sh start|stop" >&2; exit 2 ;;
esac
