# shellcheck shell=bash
# Processes on lab hosts: running and spawning them, recording their pids, signalling them, and
# the per-host CPU quota (a cgroup every process started through the lab joins).

# cgroup_kind: v2 when the unified hierarchy is mounted at /sys/fs/cgroup, else v1 when the cpu
# controller is mounted at /sys/fs/cgroup/cpu, else none.
cgroup_kind() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo v2
  elif [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    echo v1
  else
    echo none
  fi
}

cgroup_root() {
  case "$(cgroup_kind)" in
    v2) echo "/sys/fs/cgroup/coalition-lab-$LAB_ID" ;;
    v1) echo "/sys/fs/cgroup/cpu/coalition-lab-$LAB_ID" ;;
  esac
}

cgroup_host() {
  local root
  root=$(cgroup_root)
  [ -n "$root" ] && echo "$root/h$1"
}

# cgroup_extra_roots: on v1, the lab's roots in the memory and cpuacct hierarchies (when mounted
# apart from cpu): every host gets a cgroup there too, so what a node makes for its services
# (ResourceControl nests them under the node's own cgroups) lies inside the lab and goes with it.
cgroup_extra_roots() {
  local controller
  [ "$(cgroup_kind)" = v1 ] || return 0
  for controller in memory cpuacct; do
    if [ -f "/sys/fs/cgroup/$controller/cgroup.procs" ] && [ ! "/sys/fs/cgroup/$controller" -ef /sys/fs/cgroup/cpu ]; then
      echo "/sys/fs/cgroup/$controller/coalition-lab-$LAB_ID"
    fi
  done
}

# cgroups_up N: one cgroup per host, without a quota (on v1 also in the memory and cpuacct
# hierarchies). A machine without a cpu controller gets none, and `lab cpu` then says so.
cgroups_up() {
  local n=$1 root i extra
  root=$(cgroup_root)
  [ -n "$root" ] || return 0
  if [ "$(cgroup_kind)" = v2 ]; then
    # memory too, so that a node can delegate cpu and memory to its service cgroups.
    for controller in cpu memory; do
      grep -qw "$controller" /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
        echo "+$controller" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    done
  fi
  mkdir "$root" 2>/dev/null || { note "no cpu cgroups: could not create $root"; return 0; }
  record_line "$LAB_DIR/cgroups" "$root"
  if [ "$(cgroup_kind)" = v2 ]; then
    echo +cpu >"$root/cgroup.subtree_control" 2>/dev/null || note "could not enable the cpu controller in $root"
    echo +memory >"$root/cgroup.subtree_control" 2>/dev/null || note "could not enable the memory controller in $root"
  fi
  for i in $(seq 1 "$n"); do
    mkdir "$root/h$i" && record_line "$LAB_DIR/cgroups" "$root/h$i"
  done
  for extra in $(cgroup_extra_roots); do
    mkdir "$extra" 2>/dev/null || { note "could not create $extra"; continue; }
    record_line "$LAB_DIR/cgroups" "$extra"
    for i in $(seq 1 "$n"); do
      mkdir "$extra/h$i" && record_line "$LAB_DIR/cgroups" "$extra/h$i"
    done
  done
}

# cgroups_down: removes the recorded cgroups, children first (their processes are gone by now),
# and below each, first, the cgroups its processes made and left (a node killed while it held
# service cgroups).
cgroups_down() {
  local dir
  [ -f "$LAB_DIR/cgroups" ] || return 0
  tac "$LAB_DIR/cgroups" | while read -r dir; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    find "$dir" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
    rmdir "$dir" 2>/dev/null || note "could not remove cgroup $dir (processes left in it: $(tr '\n' ' ' <"$dir/cgroup.procs" 2>/dev/null))"
  done
}

# cgroup_join I: moves the calling shell into host I's cgroups (if the lab has them).
cgroup_join() {
  local dir extra
  dir=$(cgroup_host "$1")
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    echo $$ >"$dir/cgroup.procs" || note "could not join cgroup $dir"
  fi
  for extra in $(cgroup_extra_roots); do
    if [ -d "$extra/h$1" ]; then
      echo $$ >"$extra/h$1/cgroup.procs" || note "could not join cgroup $extra/h$1"
    fi
  done
}

# cpu_set I FRACTION: FRACTION of one CPU (0.25, 1.5) or "max" for no quota.
cpu_set() {
  local i=$1 fraction=$2 dir quota period=100000
  dir=$(cgroup_host "$i")
  [ -n "$dir" ] && [ -d "$dir" ] ||
    die "no cpu cgroup for host $i: this machine has neither cgroup v2 nor the v1 cpu controller mounted"
  if [ "$fraction" = max ] || [ "$fraction" = none ]; then
    quota=max
  else
    case "$fraction" in
      '' | *[!0-9.]* | *.*.*) die "cpu must be a positive fraction of one CPU such as 0.5, or max (got '$fraction')" ;;
    esac
    quota=$(awk -v f="$fraction" -v p="$period" 'BEGIN { q = int(f * p); if (q < 1000) exit 1; print q }') ||
      die "cpu must be at least 0.01 of one CPU, or max (got '$fraction')"
  fi
  case "$(cgroup_kind)" in
    v2)
      [ -f "$dir/cpu.max" ] ||
        die "no cpu.max in $dir: the cpu controller could not be enabled for the lab's cgroups (see /sys/fs/cgroup/cgroup.subtree_control)"
      echo "$quota $period" >"$dir/cpu.max"
      ;;
    v1)
      echo "$period" >"$dir/cpu.cfs_period_us"
      if [ "$quota" = max ]; then echo -1 >"$dir/cpu.cfs_quota_us"; else echo "$quota" >"$dir/cpu.cfs_quota_us"; fi
      ;;
  esac
}

# cpu_state I: the quota in force as a fraction of one CPU, or "max".
cpu_state() {
  local dir quota period
  dir=$(cgroup_host "$1")
  [ -n "$dir" ] && [ -d "$dir" ] || { echo none; return; }
  case "$(cgroup_kind)" in
    v2) read -r quota period 2>/dev/null <"$dir/cpu.max" || { echo none; return; } ;;
    v1) quota=$(cat "$dir/cpu.cfs_quota_us"); period=$(cat "$dir/cpu.cfs_period_us") ;;
  esac
  if [ "$quota" = max ] || [ "$quota" = -1 ]; then echo max; else awk -v q="$quota" -v p="$period" 'BEGIN { printf "%g\n", q / p }'; fi
}

# host_env_prefix I: the command prefix that runs a program in host I (printed by exec-env).
# `env --default-signal` unblocks and un-ignores every signal, which a caller on a libdispatch
# thread (a Swift test) would otherwise hand down blocked: SIGTERM would never reach the program.
host_env_prefix() {
  echo "ip netns exec $(ns_host "$1") env --default-signal DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$1")"
}

# procs_record I PID: adds PID to host I's records and drops the records of processes gone.
procs_record() {
  local file
  file="$(host_dir "$1")/procs"
  (
    flock 8
    { live_records "$file"; proc_record "$2"; } >"$file.new"
    mv "$file.new" "$file"
  ) 8>>"$file.lock"
}

# without_installed_config CMD...: sets COMMAND to CMD, with --no-config after the `join` of a
# `node join` (also behind a wrapper such as `timeout`) unless it names --config or --no-config
# itself: a lab node never reads the machine's installed /etc/coalition/node.toml.
without_installed_config() {
  COMMAND=("$@")
  local k arg
  for arg in "$@"; do
    case "$arg" in --config | --config=* | --no-config) return ;; esac
  done
  for ((k = 0; k + 1 < ${#COMMAND[@]}; k++)); do
    if [ "$(basename -- "${COMMAND[k]}")" = node ] && [ "${COMMAND[k + 1]}" = join ]; then
      COMMAND=("${COMMAND[@]:0:k+2}" --no-config "${COMMAND[@]:k+2}")
      return
    fi
  done
}

# proc_enter I CMD...: becomes CMD in host I: records this pid, joins the host's cgroup, and
# execs into the namespace with the host's bus. The pid stays the same through every exec.
# A `node join` gets --no-config (without_installed_config).
# nsenter, not `ip netns exec`: the latter mounts a fresh /sys without /sys/fs/cgroup, and the
# program could then not see the CPU quota `lab cpu` gives its host (a node would lend CPU it
# does not have).
proc_enter() {
  local i=$1 dir
  shift
  dir=$(host_dir "$i")
  cgroup_join "$i"
  procs_record "$i" $$
  without_installed_config "$@"
  exec nsenter --net="/run/netns/$(ns_host "$i")" env DBUS_SYSTEM_BUS_ADDRESS="$(host_bus "$i")" "${COMMAND[@]}"
}

# proc_spawn I LOGFILE CMD...: starts CMD in host I in the background, in a session of its own,
# output to LOGFILE; prints its pid.
proc_spawn() {
  local i=$1 log=$2 pid
  shift 2
  mkdir -p "$(dirname "$log")"
  run_detached "$log" "$LAB_SCRIPT" __enter "$i" "$@"
  pid=$DETACHED_PID
  # __enter records the pid itself; wait for it so a kill right after spawn finds it.
  local deadline=$((SECONDS + 5))
  until grep -q "^$pid " "$(host_dir "$i")/procs" 2>/dev/null; do
    if [ -z "$(proc_starttime "$pid")" ]; then break; fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 0.01
  done
  echo "$pid"
}

# procs_signal SIGNAL I [PID...]: signals the processes recorded on host I (all, or those given).
procs_signal() {
  local sig=$1 i=$2 pid start
  shift 2
  while read -r pid start; do
    if [ $# -gt 0 ] && [[ " $* " != *" $pid "* ]]; then continue; fi
    signal_recorded "$sig" "$pid" "$start"
  done < <(live_records "$(host_dir "$i")/procs")
}

# procs_kill I [PID...]: SIGKILL, then waits until they are gone.
procs_kill() {
  local i=$1 pid start
  shift
  procs_signal KILL "$i" "$@"
  while read -r pid start; do
    if [ $# -gt 0 ] && [[ " $* " != *" $pid "* ]]; then continue; fi
    wait_gone "$pid" "$start" 5 || note "process $pid on host $i did not exit after SIGKILL"
  done < <(live_records "$(host_dir "$i")/procs")
}

# procs_list I: the live recorded processes of host I, as "pid command".
procs_list() {
  local pid start
  while read -r pid start; do
    echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | sed 's/ $//')"
  done < <(live_records "$(host_dir "$1")/procs")
}
