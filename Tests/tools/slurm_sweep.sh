#!/usr/bin/env bash
# The sweep on a real Slurm cluster: submit SPEC as a 4-task job array with the script
# `schedlab sweep --emit slurm` writes, merge the shards, and compare byte for byte with a local run.
# When no cluster answers, bring up a single-node one (munge + slurmctld + slurmd, configuration in
# WORKDIR, recipe in shared/reference/recipes.md) and stop what was started, by PID, on exit.
# Usage: slurm_sweep.sh SCHEDLAB SPEC WORKDIR
set -euo pipefail
schedlab="$(realpath "$1")"
spec="$(realpath "$2")"
work="$(realpath -m "$3")"
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Wait (bounded) until they are gone: slurmctld saves its state first.
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}
trap cleanup EXIT

if ! command -v sbatch >/dev/null 2>&1 || ! sinfo -h -o %T 2>/dev/null | grep -q -E 'idle|mix|alloc'; then
  host="$(hostname)"
  if ! pgrep -x munged >/dev/null 2>&1; then
    mkdir -p /run/munge
    chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
    runuser -u munge -- munged
    for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    pids+=("$(cat /run/munge/munged.pid)")
  fi
  conf="$work/slurm"
  mkdir -p "$conf/state" "$conf/spool"
  cat > "$conf/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$conf/state
SlurmdSpoolDir=$conf/spool
SlurmctldPidFile=$conf/slurmctld.pid
SlurmdPidFile=$conf/slurmd.pid
SlurmctldLogFile=$conf/slurmctld.log
SlurmdLogFile=$conf/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$conf/slurm.conf"
  slurmctld
  for _ in $(seq 100); do [ -s "$conf/slurmctld.pid" ] && break; sleep 0.1; done
  pids+=("$(cat "$conf/slurmctld.pid")")
  slurmd
  for _ in $(seq 100); do [ -s "$conf/slurmd.pid" ] && break; sleep 0.1; done
  pids+=("$(cat "$conf/slurmd.pid")")
  ready=""
  for _ in $(seq 120); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then ready=yes; break; fi
    sleep 0.5
  done
  if [ -z "$ready" ]; then
    echo "slurm-sweep: the single-node cluster did not come up; its logs:" >&2
    tail -20 "$conf/slurmctld.log" "$conf/slurmd.log" >&2 || true
    exit 1
  fi
fi

"$schedlab" sweep "$spec" --emit slurm --shards 4 -o "$work/out" > "$work/job.sh"
job="$(sbatch --parsable --wait "$work/job.sh")"
"$schedlab" merge "$work"/out/shard-* -o "$work/merged"
"$schedlab" sweep "$spec" -o "$work/local" --jobs 2
cmp "$work/merged/results.csv" "$work/local/results.csv"
cmp "$work/merged/results.jsonl" "$work/local/results.jsonl"
points="$(grep '^points: ' "$work/local/sweep.txt" | cut -d' ' -f2)"
rows="$(($(wc -l < "$work/local/results.csv") - 1))"
echo "slurm-sweep: job ${job%%;*} ran 4 array tasks; $points points, $rows rows merged, identical to the local run"
