# shellcheck shell=bash
# The lab's state: where it lives, the names it derives, and the ids it records.
#
# Everything the lab creates is derived from a short lab id (4 hex digits) stored in the lab
# directory, so several labs (one per test suite) never collide:
#   namespaces   cl<id>-h<I> (host I), cl<id>-br (the bridge's own namespace)
#   interfaces   cl<id>-v<I> (host I's veth, inside cl<id>-h<I>), cl<id>-p<I> (its bridge port),
#                cl<id>-br (the bridge)
#   addresses    10.<id byte 1>.<id byte 2>.<I>/24, no default route
# Files under the lab directory:
#   id, hosts          the lab id and the number of hosts
#   namespaces         every namespace created, appended right after `ip netns add`
#   cgroups            every cgroup directory created, appended right after `mkdir`
#   h<I>/procs         "pid starttime" of every process started on host I (run, spawn, enter)
#   h<I>/dbus.pid, h<I>/avahi.pid   the daemons, as "pid starttime"
# A pid is acted on only while /proc/<pid>/stat still shows the recorded start time, so a pid
# reused by the system after a crash is never signalled.

LAB_DIR=${COALITION_LAB_DIR:-/tmp/coalition-lab}
LAB_DIR=${LAB_DIR%/}

die() {
  echo "lab: $*" >&2
  exit 1
}

note() {
  echo "lab: $*" >&2
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it creates network namespaces); try: sudo $0 $*"
}

# require_tool COMMAND PACKAGE
require_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found: install the Debian package '$2' (scripts/install-deps installs all the lab needs)"
}

require_tools() {
  require_tool ip iproute2
  require_tool bridge iproute2
  require_tool dbus-daemon dbus-daemon
  require_tool dbus-send dbus-bin
  require_tool avahi-daemon avahi-daemon
  require_tool avahi-browse avahi-utils
  require_tool iptables iptables
  require_tool unshare util-linux
  require_tool setsid util-linux
  require_tool flock util-linux
  require_tool timeout coreutils
}

check_lab_dir() {
  case "$LAB_DIR" in
    /*) ;;
    *) die "COALITION_LAB_DIR must be an absolute path (got '$LAB_DIR')" ;;
  esac
  case "$LAB_DIR" in
    *[[:space:]]* | *\'* | *\"*) die "COALITION_LAB_DIR must not contain spaces or quotes (got '$LAB_DIR')" ;;
  esac
  [ "$LAB_DIR" != / ] || die "COALITION_LAB_DIR must not be /"
  # A unix socket path holds at most 107 bytes; the longest path we bind is h<I>/bus.
  [ "${#LAB_DIR}" -le 80 ] || die "COALITION_LAB_DIR is too long for a unix socket path (${#LAB_DIR} > 80 characters)"
}

lab_exists() {
  [ -f "$LAB_DIR/id" ]
}

require_lab() {
  lab_exists || die "no lab at $LAB_DIR (run: lab up N)"
  LAB_ID=$(cat "$LAB_DIR/id")
  LAB_HOSTS=$(cat "$LAB_DIR/hosts" 2>/dev/null || echo 0)
}

# require_host I: checks I names a host of the running lab.
require_host() {
  require_lab
  case "$1" in
    '' | *[!0-9]*) die "host must be a number from 1 to $LAB_HOSTS (got '$1')" ;;
  esac
  [ "$1" -ge 1 ] && [ "$1" -le "$LAB_HOSTS" ] || die "no host $1 in the lab at $LAB_DIR (it has hosts 1..$LAB_HOSTS)"
}

new_lab_id() {
  local id
  for _ in 1 2 3 4 5 6 7 8; do
    id=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
    if ! ip netns list 2>/dev/null | grep -q "^cl$id-"; then
      echo "$id"
      return
    fi
  done
  die "could not find a free lab id (too many labs running? see: ip netns list)"
}

ns_host() { echo "cl$LAB_ID-h$1"; }
ns_bridge() { echo "cl$LAB_ID-br"; }
if_host() { echo "cl$LAB_ID-v$1"; }
if_port() { echo "cl$LAB_ID-p$1"; }
if_bridge() { echo "cl$LAB_ID-br"; }
host_dir() { echo "$LAB_DIR/h$1"; }
host_bus() { echo "unix:path=$LAB_DIR/h$1/bus"; }
subnet_prefix() { echo "10.$((16#${LAB_ID:0:2})).$((16#${LAB_ID:2:2}))"; }
host_addr() { echo "$(subnet_prefix).$1"; }
avahi_host_name() { echo "cl$LAB_ID-h$1"; }

# record_line FILE LINE: appends LINE to FILE.
record_line() {
  echo "$2" >>"$1"
}

# proc_starttime PID: prints the process's start time in clock ticks since boot, or nothing if it
# is gone or a zombie.
proc_starttime() {
  local stat rest
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  [ "$1" != Z ] || return 0
  echo "${20}"
}

# proc_pgrp PID: the process group of PID.
proc_pgrp() {
  local stat rest
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo "$3"
}

# proc_record PID: prints "pid starttime" for a record file.
proc_record() {
  echo "$1 $(proc_starttime "$1")"
}

# proc_alive PID STARTTIME: true while PID is still the process that was recorded.
proc_alive() {
  [ -n "$2" ] && [ "$(proc_starttime "$1")" = "$2" ]
}

# signal_recorded SIGNAL PID STARTTIME: signals a recorded process, and its whole process group
# when it leads one (spawned processes do: they run in their own session).
signal_recorded() {
  local sig=$1 pid=$2 start=$3
  proc_alive "$pid" "$start" || return 0
  if [ "$(proc_pgrp "$pid")" = "$pid" ]; then
    kill "-$sig" -- "-$pid" 2>/dev/null || true
  else
    kill "-$sig" "$pid" 2>/dev/null || true
  fi
}

# run_detached LOG CMD...: starts CMD in the background in a session of its own, stdin from
# /dev/null, output appended to LOG, and no other descriptor inherited: a caller's pipe or
# socket (Foundation's Process watches one for EOF to learn that its child exited) must not be
# held open by a daemon that outlives this script. Sets DETACHED_PID; the pid stays CMD's
# through every exec.
run_detached() {
  local log=$1
  shift
  (
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec setsid "$@" </dev/null >>"$log" 2>&1
  ) &
  # shellcheck disable=SC2034 # read by the callers
  DETACHED_PID=$!
}

# wait_gone PID STARTTIME SECONDS: waits until the recorded process is gone.
wait_gone() {
  local pid=$1 start=$2 deadline=$((SECONDS + $3))
  while proc_alive "$pid" "$start"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# live_records FILE: prints the records in FILE whose process is still alive.
live_records() {
  local pid start
  [ -f "$1" ] || return 0
  while read -r pid start; do
    [ -n "$pid" ] || continue
    if proc_alive "$pid" "$start"; then echo "$pid $start"; fi
  done <"$1"
}
