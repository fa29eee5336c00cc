#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, to run `mia-train -m launcher=submitit_slurm` for
# real without a cluster: munged, slurmctld and slurmd on 127.0.0.1 from Debian's packages
# (slurm-wlm, munge), no cgroups, no accounting database. Everything it writes (config,
# munge key, state, logs, pid files) lies in one folder; nothing under /etc is touched, so a
# real SLURM or munge on the machine is left alone. Needs root (slurmd starts jobs as their
# user).
#
#   scripts/slurm_local.sh install   # apt-get install slurm-wlm munge (when missing)
#   scripts/slurm_local.sh start     # prints the line to export (SLURM_CONF=...)
#   export SLURM_CONF=/tmp/mia-slurm/slurm.conf
#   mia-train -m launcher=submitit_slurm hydra.launcher.mem_gb=1 train.epochs=1,2
#   scripts/slurm_local.sh stop
#
# Settings (environment): MIA_SLURM_DIR (default /tmp/mia-slurm), MIA_SLURM_PORT (slurmctld's
# port, default 16817; slurmd takes the next one), MIA_SLURM_CPUS (default: all of nproc).
# Without accounting, `sacct` answers nothing: submitit learns that a job ended from its
# result file, so a job killed outright (scancel) leaves a waiting sweep waiting: stop it
# with Ctrl-C and start it again (finished runs are skipped).
set -euo pipefail

DIR=${MIA_SLURM_DIR:-/tmp/mia-slurm}
PORT=${MIA_SLURM_PORT:-16817}
CPUS=${MIA_SLURM_CPUS:-$(nproc)}
CONF=$DIR/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket.2

say() { echo "slurm_local: $*" >&2; }
die() { say "$*"; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "needs root (slurmd starts jobs as their users); run it as root"
}

missing() {
  local tool missing=()
  for tool in munged slurmctld slurmd sbatch sinfo; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
  done
  echo "${missing[*]:-}"
}

install() {
  [ -z "$(missing)" ] && { say "slurm-wlm and munge are installed"; return; }
  need_root
  command -v apt-get >/dev/null || die "no apt-get: install SLURM (slurmctld, slurmd) and munge"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge
  [ -z "$(missing)" ] || die "still missing after apt-get: $(missing)"
}

write_config() {
  local memory
  memory=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge" "$DIR/log"
  chmod 700 "$DIR/munge"
  cat > "$CONF" <<EOF
# Written by scripts/slurm_local.sh: a one-node cluster on 127.0.0.1.
ClusterName=miadefense
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups: processes are tracked through /proc, tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
MpiDefault=none
SchedulerType=sched/backfill
# Cores are what jobs hold (two 1-CPU jobs share a 2-core node); memory is only checked.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  local key=$DIR/munge/munge.key
  if [ ! -s "$key" ]; then
    dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    chmod 600 "$key"
  fi
  alive "$DIR/munge/munged.pid" && return
  munged --force --socket="$MUNGE_SOCKET" --key-file="$key" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/munge/munged.seed" \
    || die "munged did not start (see $DIR/log/munged.log)"
}

alive() {  # alive PIDFILE: the process of that pid file runs
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start() {
  need_root
  [ -z "$(missing)" ] || die "not installed: $(missing); run: $0 install"
  if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid"; then
    say "already running"
  else
    stop quiet
    rm -rf "$DIR/state" "$DIR/spool"  # a fresh cluster: no jobs of an earlier one
    write_config
    start_munge
    export SLURM_CONF=$CONF
    slurmctld -f "$CONF" || die "slurmctld did not start (see $DIR/log/slurmctld.log)"
    slurmd -f "$CONF" -N localhost || die "slurmd did not start (see $DIR/log/slurmd.log)"
  fi
  local state="" deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    state=$(SLURM_CONF=$CONF sinfo -h -N -o %T 2>/dev/null | head -1 || true)
    case "$state" in idle|mixed|allocated) break ;; esac
    sleep 1
  done
  case "$state" in
    idle|mixed|allocated) ;;
    *) tail -5 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
       die "the node is not up after 60 s (state: ${state:-none}); logs in $DIR/log" ;;
  esac
  say "cluster up: 1 node, $CPUS CPUs, partition 'local'"
  echo "export SLURM_CONF=$CONF"
}

stop() {
  local name pidfile pid
  for name in slurmd slurmctld munge/munged; do
    pidfile=$DIR/$name.pid
    alive "$pidfile" || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  [ "${1:-}" = quiet ] || say "stopped"
}

status() {
  alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" || { say "not running"; exit 1; }
  SLURM_CONF=$CONF sinfo
  SLURM_CONF=$CONF squeue
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
