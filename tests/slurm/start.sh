#!/usr/bin/env bash
# Start a real single-node SLURM cluster on 127.0.0.1 from Debian's slurm-wlm and munge:
# munged, slurmctld and slurmd as plain background processes (no systemd, no cgroups, no
# accounting database). README, "Running on a cluster", says what the test cluster needs.
#
#   tests/slurm/start.sh [STATE_DIR]     (default: $LOSSLANDSCAPE_SLURM_STATE or
#                                         /tmp/losslandscape-slurm)
#
# Writes /etc/slurm/slurm.conf (the jobstep plugin drops SLURM_CONF, so the config must be at
# that path; a config that was there is kept in STATE_DIR and put back by stop.sh). Records
# every daemon it starts in STATE_DIR/pids ("name pid resolved-executable"); tests/slurm/stop.sh
# STATE_DIR stops exactly those. Job states: `squeue` (MinJobAge is long) and a job-completion
# log, STATE_DIR/jobcomp.log, one line per finished job.
#
# Exit status: 0 started; 10 a running cluster answered and is reused (not ours: do not stop
# it); 3 something needed is missing (the message says what); anything else: failed (the
# daemons it had started are stopped again and the logs' tails are printed).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${1:-${LOSSLANDSCAPE_SLURM_STATE:-/tmp/losslandscape-slurm}}
CONF=/etc/slurm/slurm.conf
MARK="# losslandscape test cluster (tests/slurm/start.sh)"

missing() {
    echo "missing: $*"
    exit 3
}
for cmd in slurmctld slurmd sbatch squeue scontrol sinfo munged munge unmunge setpriv; do
    command -v "$cmd" >/dev/null || missing "$cmd (install Debian's slurm-wlm and munge:" \
        "tests/slurm/install.sh)"
done
[ "$(id -u)" = 0 ] || missing "root (slurmd and the daemons' directories need it)"
id munge >/dev/null 2>&1 || missing "the munge user (Debian's munge package creates it)"

host=$(hostname -s)

# Wait (at most $1 seconds) until the command in the other arguments succeeds.
wait_for() {
    local limit=$1
    shift
    local end=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.3
    done
}
ctld_up() { timeout -k 2 5 scontrol ping | grep -q "is UP"; }
node_idle() { [ "$(timeout -k 2 5 sinfo -h -N -n "$host" -o %T)" = idle ]; }
munge_ok() { timeout -k 2 5 bash -c 'munge -n | unmunge'; }

# A cluster that already answers (e.g. started by CI) is reused, never touched.
if [ -f "$CONF" ] && ctld_up 2>/dev/null; then
    wait_for 30 node_idle || {
        echo "a running cluster answers, but node $host is not idle: $(sinfo -N 2>&1)"
        exit 1
    }
    echo "reused: a running SLURM cluster answers (${CONF})"
    exit 10
fi

# Leftovers of an earlier start in the same state directory: stop what it recorded, start anew.
if [ -f "$STATE/pids" ]; then
    "$HERE/stop.sh" "$STATE" >/dev/null || true
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{ctld,spool,log}
: >"$STATE/pids"

# Record a daemon started in the background as pid $2: wait until it has exec'ed the expected
# binary (setsid and setpriv exec in place), then note name, pid and resolved executable.
runs() { [ "$(readlink -f "/proc/$1/exe" 2>/dev/null)" = "$2" ]; }
record() {
    local name=$1 pid=$2 exe
    exe=$(readlink -f "$(command -v "$name")")
    wait_for 10 runs "$pid" "$exe" || {
        echo "$name (pid $pid) did not start"
        return 1
    }
    echo "$name $pid $exe" >>"$STATE/pids"
}

fail() {
    echo "failed: $*"
    for f in "$STATE"/log/* /var/log/munge/munged.log; do
        [ -f "$f" ] && { echo "--- tail of $f"; tail -n 20 "$f"; }
    done
    "$HERE/stop.sh" "$STATE" || true
    exit 1
}

# The short host name must resolve (slurmd finds its node line by it).
if ! getent hosts "$host" >/dev/null; then
    echo "127.0.0.1 $host $MARK" >>/etc/hosts
    touch "$STATE/hosts-added"
fi

# munge: reuse a working munged, else start one as the munge user.
if ! munge_ok 2>/dev/null; then
    key=/etc/munge/munge.key
    if [ ! -s "$key" ]; then
        mkdir -p /etc/munge
        mungekey --create --keyfile="$key" || fail "could not create $key"
    fi
    chown munge:munge /etc/munge "$key"
    chmod 700 /etc/munge
    chmod 400 "$key"
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 755 /run/munge
    setsid setpriv --reuid=munge --regid=munge --init-groups munged --foreground \
        </dev/null >>"$STATE/log/munged.out" 2>&1 &
    record munged $! || fail "munged"
    wait_for 15 munge_ok || fail "munge -n | unmunge does not work"
fi

# slurm.conf: keep a config that is not ours, write ours.
mkdir -p /etc/slurm /run/slurm
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    cp -p "$CONF" "$STATE/slurm.conf.orig"
fi
node_line=$(slurmd -C | head -n 1)
case "$node_line" in
NodeName=*) ;;
*) fail "slurmd -C printed no node line: $node_line" ;;
esac
cat >"$CONF" <<EOF
$MARK
# State, logs and PID files under $STATE; stop.sh removes this file again.
ClusterName=losslandscape
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job without a memory request takes the whole node.
DefMemPerCPU=500
SchedulerType=sched/backfill
MailProg=/bin/true
ReturnToService=2
# squeue answers for finished jobs this long (the executor's --slurm-status-command squeue).
MinJobAge=600
AccountingStorageType=accounting_storage/none
# Memory is enforced as on a real cluster: a job step above its --mem is killed (OUT_OF_MEMORY).
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

setsid slurmctld -D -i -f "$CONF" </dev/null >>"$STATE/log/slurmctld.out" 2>&1 &
record slurmctld $! || fail "slurmctld"
wait_for 30 ctld_up || fail "slurmctld does not answer scontrol ping"

setsid slurmd -D -f "$CONF" </dev/null >>"$STATE/log/slurmd.out" 2>&1 &
record slurmd $! || fail "slurmd"
wait_for 60 node_idle || fail "node $host is not idle: $(sinfo -N 2>&1)"

echo "started: SLURM on $host (127.0.0.1), state in $STATE; stop with $HERE/stop.sh $STATE"
