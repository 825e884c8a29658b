#!/usr/bin/env bash
# Brings up a real single-node Slurm (Debian 12's slurmctld, slurmd and munge; no systemd, no cgroups) as root, runs a
# suite through the job scripts `eval slurm` writes, and stops every daemon it started, also on failure. Called by
# SlurmSingleNodeTests, which checks the databases this leaves in WORK:
#   unsharded.db       the suite run on this machine without Slurm (the reference figures)
#   sharded/           `eval slurm --shards N --submit`, waited for: shard-i.db, merged.db, logs/, report/
#   killed/            the same, with shard KILL cancelled (scancel) after its first case, merged, then resubmitted
#   outcome.txt        key=value lines: each merge job's exit code and the killed shard's cases at cancel time
# Usage: single-node-slurm.sh WORK EVAL_DLL SUITE SHARDS KILL
set -euo pipefail
work=$1 dll=$2 suite=$3 shards=$4 kill=$5
conf_dir=$work/slurm
mkdir -p "$conf_dir"/{munge,state,spool,log}
export SLURM_CONF=$conf_dir/slurm.conf
outcome=$work/outcome.txt
: > "$outcome"
say() { echo "[slurm-test $(date +%H:%M:%S)] $*"; }

# --- stop everything this script started, however it ends -------------------------------------------------------
stop_all() {
  local code=$?
  set +e
  if [ -f "$conf_dir/slurmctld.pid" ]; then
    local jobs; jobs=$(squeue -h -o %i 2>/dev/null)
    [ -n "$jobs" ] && { say "cancelling jobs still queued: $jobs"; scancel $jobs; sleep 3; }
  fi
  for pidfile in "$conf_dir/slurmd.pid" "$conf_dir/slurmctld.pid" "$conf_dir/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { say "pid $pid ($pidfile) ignored SIGTERM; killing"; kill -9 "$pid"; }
    rm -f "$pidfile"
  done
  if [ "$code" -ne 0 ]; then
    say "failed with exit code $code; daemon logs follow"
    tail -n 30 "$conf_dir"/log/*.log 2>/dev/null
  fi
  say "stopped munged, slurmctld and slurmd"
  exit "$code"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# --- munge with its own key and socket, so nothing of the machine's is used or changed ----------------------------
chmod 700 "$conf_dir/munge"
dd if=/dev/urandom of="$conf_dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$conf_dir/munge/munge.key"
munged --force --socket="$conf_dir/munge/socket" --key-file="$conf_dir/munge/munge.key" --pid-file="$conf_dir/munge/munged.pid" \
  --seed-file="$conf_dir/munge/seed" --log-file="$conf_dir/log/munged.log"

# --- a minimal slurm.conf for this machine: one node, root daemons, no cgroups ------------------------------------
host=$(hostname -s)
cpus=$(nproc); [ "$cpus" -gt 2 ] && cpus=2
cat > "$SLURM_CONF" <<CONF
ClusterName=evaltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$conf_dir/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$conf_dir/state
SlurmdSpoolDir=$conf_dir/spool
SlurmctldPidFile=$conf_dir/slurmctld.pid
SlurmdPidFile=$conf_dir/slurmd.pid
SlurmctldLogFile=$conf_dir/log/slurmctld.log
SlurmdLogFile=$conf_dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=eval Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { say "node never became idle (sinfo: '${state}')"; exit 1; }
say "slurm is up: node $host, $cpus CPUs, state $state"

harness() { dotnet "$dll" "$@"; }

# Waits for a job to leave the queue and prints its exit code (scontrol keeps finished jobs for MinJobAge).
wait_job() {
  local id=$1 deadline=$((SECONDS + 900))
  while squeue -h -j "$id" 2>/dev/null | grep -q .; do
    [ $SECONDS -lt $deadline ] || { say "job $id still queued after 15 minutes"; squeue; exit 1; }
    sleep 2
  done
  scontrol show job "$id" | grep -o ' ExitCode=[0-9]*' | head -1 | cut -d= -f2
}

# `eval slurm ... --submit` prints "submitted array job A and merge job M ..."; this sets $array and $merge.
submit() {
  local printed line
  printed=$(harness slurm "$suite" --shards "$shards" --cpus-per-task 1 --db-dir "$1" --eval-command "dotnet $dll" --submit)
  echo "$printed"
  line=$(echo "$printed" | grep '^submitted')
  array=$(echo "$line" | awk '{print $4}')
  merge=$(echo "$line" | awk '{print $8}')
}

say "reference: the suite unsharded, without Slurm"
harness run "$suite" --db "$work/unsharded.db" --quiet

say "sharded: $shards array tasks and the merge job"
submit "$work/sharded"
echo "sharded_merge_exit=$(wait_job "$merge")" >> "$outcome"

say "killed: shard $kill is cancelled after its first case"
submit "$work/killed"
killed_db=$work/killed/shard-$kill.db
deadline=$((SECONDS + 600))
done_cases=0
until [ "$done_cases" -gt 0 ]; do
  [ $SECONDS -lt $deadline ] || { say "shard $kill stored no case in 10 minutes"; exit 1; }
  sleep 1
  [ -f "$killed_db" ] && done_cases=$(harness runs --db "$killed_db" 2>/dev/null | awk 'NR > 1 {n += $(NF-1)} END {print n + 0}')
done
scancel "${array}_${kill}"
say "cancelled ${array}_${kill} with $done_cases case(s) stored"
echo "killed_cases_at_cancel=$done_cases" >> "$outcome"
echo "killed_merge_exit=$(wait_job "$merge")" >> "$outcome"

say "resubmitted: the same command again"
submit "$work/killed"
echo "resubmitted_merge_exit=$(wait_job "$merge")" >> "$outcome"
say "done"
