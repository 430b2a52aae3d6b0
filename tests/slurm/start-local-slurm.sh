#!/usr/bin/env bash
# A throwaway two-node Slurm cluster for the slurm launcher's tests, in a
# folder of its own: munged with a fresh key and its own socket, slurmctld,
# and two slurmd daemons on this host (nodes n1 and n2, each with the CPUs
# `slurmd -C` finds, at 127.0.0.1 on ports of their own), no accounting.
# Two slurmd on one host is Slurm's --enable-multiple-slurmd build, which
# Debian's slurmd has (`scontrol show config` says MULTIPLE_SLURMD = Yes);
# it lets a nodes=2 job run one srun task per node for real.
# Nothing outside the folder is touched (no /etc/slurm, no systemd).
#
#   tests/slurm/start-local-slurm.sh start DIR [MAX_LIFETIME_S]
#       Starts the daemons and waits until the node takes jobs. On success it
#       prints `SLURM_CONF=DIR/slurm.conf` (the clients' one setting) and exits
#       0; on failure it says why on stderr, stops whatever it started and
#       exits 1 (the test then reports SKIPPED with that reason). A watchdog
#       stops the cluster after MAX_LIFETIME_S (default 900) even if the
#       caller dies without calling stop.
#   tests/slurm/start-local-slurm.sh stop DIR
#       Cancels every job, stops the daemons it started (by their pid files)
#       and the watchdog. Safe to call twice.
#
# Needs root (slurmd starts jobs as their user) and Debian's slurmctld,
# slurmd, slurm-client and munge packages (scripts/setup.sh).
set -uo pipefail

usage() { echo "usage: $0 start DIR [MAX_LIFETIME_S] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
DIR=$(mkdir -p "$2" && cd "$2" && pwd) || { echo "start-local-slurm: cannot use dir $2" >&2; exit 1; }
export SLURM_CONF=$DIR/slurm.conf

NODES="n1 n2"
pid_of() { [ -s "$DIR/$1.pid" ] && cat "$DIR/$1.pid"; }

# Stops one daemon by its pid file: TERM, then KILL after 5 s.
stop_daemon() {
  local pid
  pid=$(pid_of "$1") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$DIR/$1.pid"
}

stop_cluster() {
  if [ -s "$DIR/slurmctld.pid" ] && command -v scancel >/dev/null; then
    timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null
    # Let the jobs' steps end before their slurmd goes.
    for _ in $(seq 50); do
      [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for node in $NODES; do stop_daemon "slurmd-$node"; done
  stop_daemon slurmctld
  stop_daemon munged
  stop_daemon watchdog
}

fail() {
  echo "start-local-slurm: $*" >&2
  for log in slurmctld.log slurmd-n1.log slurmd-n2.log slurmd-n1.out slurmd-n2.out munged.log; do
    [ -s "$DIR/$log" ] && { echo "--- last lines of $DIR/$log:" >&2; tail -n 5 "$DIR/$log" >&2; }
  done
  stop_cluster
  exit 1
}

if [ "$cmd" = stop ]; then
  stop_cluster
  exit 0
fi
[ "$cmd" = start ] || usage
MAX_LIFETIME_S=${3:-900}

[ "$(id -u)" -eq 0 ] || fail "needs root (slurmd runs jobs as their user); run the test as root"
for bin in munged slurmctld slurmd sbatch squeue scontrol scancel; do
  command -v "$bin" >/dev/null || fail "$bin not found: install slurmctld slurmd slurm-client munge (scripts/setup.sh)"
done
stop_cluster  # leftovers of an earlier run in the same dir
mkdir -p "$DIR/state" || fail "cannot create $DIR/state"

# ---- munge: a fresh key, a private socket
rm -f "$DIR/munge.key"
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$DIR/munge.key" >/dev/null 2>&1 || fail "mungekey --create failed"
else
  dd if=/dev/urandom of="$DIR/munge.key" bs=1024 count=1 status=none || fail "cannot write a munge key"
fi
chmod 600 "$DIR/munge.key"
munged --force --key-file="$DIR/munge.key" --socket="$DIR/munge.socket" --pid-file="$DIR/munged.pid" \
  --log-file="$DIR/munged.log" --seed-file="$DIR/munge.seed" >"$DIR/munged.out" 2>&1 \
  || fail "munged did not start: $(tail -n 3 "$DIR/munged.out")"

# ---- slurm.conf for this host
free_port() {  # a TCP port nothing listens on
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo 0
}
CTLD_PORT=$(free_port)
N1_PORT=$(free_port)
N2_PORT=$(free_port)
[ "$CTLD_PORT" != "$N1_PORT" ] || N1_PORT=$(( CTLD_PORT + 1 ))
[ "$N2_PORT" != "$N1_PORT" ] && [ "$N2_PORT" != "$CTLD_PORT" ] || N2_PORT=$(( N1_PORT + 2 ))
HOST=$(hostname -s)
# The hardware as slurmd sees it (CPUs, sockets, cores, threads), so the
# nodes register without being drained for a mismatch; both nodes claim it
# all (the host's CPUs are shared, as any test's are).
HARDWARE=$(slurmd -C 2>/dev/null | head -n 1 | sed -E 's/^NodeName=[^ ]+ ?//; s/ ?UpTime=.*//')
[ -n "$HARDWARE" ] || HARDWARE="CPUs=$(nproc)"
HARDWARE=$(echo "$HARDWARE" | sed -E "s/RealMemory=([0-9]+)/RealMemory=\$(( \1 \/ 4 ))/")
HARDWARE=$(eval "echo \"$HARDWARE\"")  # a quarter of RealMemory each: registering below the real amount is always accepted
cat >"$SLURM_CONF" <<EOF
# Written by tests/slurm/start-local-slurm.sh: a two-node test cluster on one host.
ClusterName=ragforge-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool-%n
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd-%n.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=n1 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=$N1_PORT $HARDWARE State=UNKNOWN
NodeName=n2 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=$N2_PORT $HARDWARE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF

slurmctld -f "$SLURM_CONF" -c -i >"$DIR/slurmctld.out" 2>&1 || fail "slurmctld did not start: $(tail -n 3 "$DIR/slurmctld.out")"
for _ in $(seq 50); do [ -s "$DIR/slurmctld.pid" ] && break; sleep 0.1; done
for node in $NODES; do
  mkdir -p "$DIR/spool-$node" || fail "cannot create $DIR/spool-$node"
  slurmd -f "$SLURM_CONF" -N "$node" >"$DIR/slurmd-$node.out" 2>&1 \
    || fail "slurmd for node $node did not start: $(tail -n 3 "$DIR/slurmd-$node.out")"
done

# ---- the watchdog: never leave daemons behind a crashed test
(
  trap '' HUP
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$MAX_LIFETIME_S" &
  sleeper=$!
  wait "$sleeper"
  "$0" stop "$DIR" >/dev/null 2>&1
) </dev/null >/dev/null 2>&1 &
echo $! >"$DIR/watchdog.pid"

# ---- wait until both nodes take jobs (idle), at most 60 s
states=""
for _ in $(seq 120); do
  states=$(timeout 5 sinfo -h -N -n n1,n2 -o %T 2>/dev/null | tr '\n' ' ')
  ready=0
  for st in $states; do case "$st" in idle*|mixed*|allocated*) ready=$((ready + 1)) ;; esac; done
  if [ "$ready" -eq 2 ]; then echo "SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 0.5
done
fail "nodes n1, n2 did not both become idle within 60 s (states: '${states:-none}')"
