#!/usr/bin/env bash
# Stop the SLURM cluster that tests/slurm/start.sh started with the same STATE_DIR: only the
# daemons recorded in STATE_DIR/pids, each signalled only while its PID still runs the recorded
# executable. Cancels the jobs still on that cluster first (all of them are the tests'), then
# puts back the slurm.conf (and /etc/hosts) that were there before.
#
#   tests/slurm/stop.sh [STATE_DIR]      (default: $LOSSLANDSCAPE_SLURM_STATE or
#                                         /tmp/losslandscape-slurm)
set -uo pipefail

STATE=${1:-${LOSSLANDSCAPE_SLURM_STATE:-/tmp/losslandscape-slurm}}
CONF=/etc/slurm/slurm.conf
MARK="# losslandscape test cluster (tests/slurm/start.sh)"

if [ ! -f "$STATE/pids" ]; then
    echo "nothing to stop: no $STATE/pids"
    exit 0
fi

running() { [ "$(readlink -f "/proc/$1/exe" 2>/dev/null)" = "$2" ]; }

# Jobs left behind (e.g. by an interrupted test) would keep their slurmstepd running.
if grep -q '^slurmctld ' "$STATE/pids" && [ -f "$CONF" ] && grep -qF "$MARK" "$CONF"; then
    jobs=$(timeout -k 2 10 squeue -h -o %i -t PENDING,RUNNING,CONFIGURING,COMPLETING 2>/dev/null)
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086
        timeout -k 2 10 scancel $jobs 2>/dev/null
        sleep 2
    fi
fi

# Last started, first stopped: slurmd, slurmctld, munged.
tac "$STATE/pids" | while read -r name pid exe; do
    if ! running "$pid" "$exe"; then
        echo "$name (pid $pid) is not running"
        continue
    fi
    kill -TERM "$pid"
    for _ in $(seq 100); do
        running "$pid" "$exe" || break
        sleep 0.1
    done
    if running "$pid" "$exe"; then
        kill -KILL "$pid"
        echo "$name (pid $pid) killed"
    else
        echo "$name (pid $pid) stopped"
    fi
done
mv "$STATE/pids" "$STATE/pids.stopped"

if [ -f "$STATE/slurm.conf.orig" ]; then
    cp -p "$STATE/slurm.conf.orig" "$CONF"
elif [ -f "$CONF" ] && grep -qF "$MARK" "$CONF"; then
    rm -f "$CONF"
fi
if [ -f "$STATE/hosts-added" ]; then
    # /etc/hosts may be a bind mount: rewrite it in place rather than replace it.
    kept=$(grep -vF "$MARK" /etc/hosts)
    printf '%s\n' "$kept" >/etc/hosts
    rm -f "$STATE/hosts-added"
fi
exit 0
