#!/usr/bin/env bash
# Starts or stops a one-node Slurm cluster by hand (a container has no systemd): munged, then
# slurmctld and slurmd with slurm.conf.in filled in for this machine, in a state folder of its own.
#
#   .ci/slurm/cluster.sh start <state dir>   wipes the folder, starts the daemons, waits for the
#                                            node to be idle, prints the SLURM_CONF to export
#   .ci/slurm/cluster.sh stop <state dir>    scontrol shutdown, then munged (the one started here)
# Needs Debian's slurm-wlm and munge; every wait is bounded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action="${1:?start or stop}"
state="$(mkdir -p "${2:?a state folder}" && cd "$2" && pwd)"
export SLURM_CONF="$state/slurm.conf"

wait_for() { # <seconds> <what> <command...>
  local limit=$(( $1 * 10 )) what="$2"; shift 2
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "slurm cluster: $what did not happen within $(( limit / 10 )) s" >&2
  return 1
}

start() {
  find "$state" -mindepth 1 -delete
  mkdir -p "$state/ctld" "$state/d"
  # munged as the munge user, with its socket folder and pid file's folder owned by it
  install -d -o munge -g munge -m 0755 /run/munge "$state/munge"
  if ! [ -S /run/munge/munge.socket.2 ] || ! munge -n >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged --pid-file="$state/munge/munged.pid" 2>/dev/null || \
      /usr/sbin/munged --force --pid-file="$state/munge/munged.pid"
    echo started > "$state/munge/ours"
  fi
  wait_for 10 "munged answering" munge -n
  local node cpus mem
  node="$(hostname -s)"
  cpus="$(nproc)"
  # below the machine's memory, as slurmd reports it
  mem="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
  mem=$(( mem * 9 / 10 ))
  sed -e "s|@HOST@|$node|g" -e "s|@STATE@|$state|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM@|$mem|g" \
      -e "s|@CTLD_PORT@|${SLURM_CI_CTLD_PORT:-6817}|g" -e "s|@D_PORT@|${SLURM_CI_D_PORT:-6818}|g" \
      "$here/slurm.conf.in" > "$SLURM_CONF"
  slurmctld -f "$SLURM_CONF"
  wait_for 20 "slurmctld answering" scontrol ping
  slurmd -f "$SLURM_CONF"
  wait_for 30 "node $node idle" sh -c "sinfo -h -N -o %t | grep -qx idle"
  echo "SLURM_CONF=$SLURM_CONF"
}

stop() {
  [ -f "$SLURM_CONF" ] || return 0
  scontrol shutdown >/dev/null 2>&1 || true
  local pidfile pid
  for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    [ -n "$pid" ] || continue
    wait_for 15 "daemon $pid stopping" sh -c "! kill -0 $pid" || kill -TERM "$pid" 2>/dev/null || true
  done
  if [ -f "$state/munge/ours" ]; then
    pid="$(cat "$state/munge/munged.pid" 2>/dev/null || true)"
    [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
  fi
}

"$action"
