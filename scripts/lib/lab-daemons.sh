# shellcheck shell=bash
# Each host's own dbus system bus and avahi-daemon. Both run in the host's network namespace,
# in a session of their own, with their output in h<I>/dbus.log and h<I>/avahi.log; their pids
# are recorded as "pid starttime" in h<I>/dbus.pid and h<I>/avahi.pid.

write_dbus_conf() {
  local dir=$1
  cat >"$dir/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Written by scripts/lab: the private system bus of one lab host. No service activation. -->
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
EOF
}

# write_avahi_conf I
write_avahi_conf() {
  local i=$1 dir
  dir=$(host_dir "$i")
  cat >"$dir/avahi.conf" <<EOF
# Written by scripts/lab: the avahi-daemon of lab host $i, bound to its veth only.
[server]
host-name=$(avahi_host_name "$i")
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=$(if_host "$i")
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-addresses=yes
publish-hinfo=no
publish-workstation=no
publish-domain=yes

[reflector]
enable-reflector=no
EOF
}

# dbus_start I
dbus_start() {
  local i=$1 dir deadline
  dir=$(host_dir "$i")
  rm -f "$dir/bus"
  run_detached "$dir/dbus.log" ip netns exec "$(ns_host "$i")" \
    dbus-daemon --config-file="$dir/dbus.conf" --nofork --nopidfile
  proc_record "$DETACHED_PID" >"$dir/dbus.pid"
  deadline=$((SECONDS + 10))
  until [ -S "$dir/bus" ]; do
    daemon_running "$dir/dbus.pid" || die "dbus-daemon of host $i exited: $(tail -n 5 "$dir/dbus.log")"
    [ "$SECONDS" -lt "$deadline" ] || die "dbus-daemon of host $i did not open $dir/bus within 10 s"
    sleep 0.02
  done
}

# avahi_start I: starts host I's avahi-daemon; `avahi_wait` waits for it.
# /run/avahi-daemon (its pid file and socket) is bind-mounted from h<I>/run in a private mount
# namespace, and so is an empty /etc/avahi/services, so no static service of this machine leaks in.
avahi_start() {
  local i=$1 dir
  dir=$(host_dir "$i")
  mkdir -p /run/avahi-daemon "$dir/run" "$dir/services"
  rm -f "$dir/run/pid" "$dir/run/socket"
  # shellcheck disable=SC2016 # $1 is expanded by the inner sh
  run_detached "$dir/avahi.log" env DBUS_SYSTEM_BUS_ADDRESS="$(host_bus "$i")" \
    ip netns exec "$(ns_host "$i")" unshare -m sh -c '
      mount --bind "$1/run" /run/avahi-daemon || exit 1
      if [ -d /etc/avahi/services ]; then mount --bind "$1/services" /etc/avahi/services || exit 1; fi
      exec avahi-daemon -f "$1/avahi.conf" --no-drop-root --no-chroot --no-proc-title
    ' sh "$dir"
  proc_record "$DETACHED_PID" >"$dir/avahi.pid"
}

# avahi_state I: the server state over the host's bus (2 = running), or nothing.
avahi_state() {
  DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$1") timeout 2 dbus-send --system --print-reply=literal \
    --reply-timeout=1000 --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetState \
    2>/dev/null | awk '{ print $2 }'
}

# avahi_wait I...: waits until the avahi-daemon of every given host is running.
avahi_wait() {
  local deadline=$((SECONDS + 20)) pending i dir
  pending=("$@")
  while [ ${#pending[@]} -gt 0 ]; do
    local still=()
    for i in "${pending[@]}"; do
      dir=$(host_dir "$i")
      daemon_running "$dir/avahi.pid" ||
        die "avahi-daemon of host $i exited: $(tail -n 5 "$dir/avahi.log")"
      [ "$(avahi_state "$i")" = 2 ] || still+=("$i")
    done
    pending=("${still[@]}")
    [ ${#pending[@]} -gt 0 ] || break
    [ "$SECONDS" -lt "$deadline" ] ||
      die "avahi-daemon of host(s) ${pending[*]} not running after 20 s (see $LAB_DIR/h<I>/avahi.log)"
    sleep 0.1
  done
}

# daemon_stop FILE: stops the recorded daemon (SIGTERM, then SIGKILL after 5 s).
daemon_stop() {
  local pid start
  [ -f "$1" ] || return 0
  read -r pid start <"$1" || return 0
  proc_alive "$pid" "$start" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$start" 5; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$start" 5 || note "process $pid ($1) did not exit"
  fi
}

# daemon_crash FILE: SIGKILLs the recorded daemon (nothing it would say on exit is sent) and
# waits until it is gone.
daemon_crash() {
  local pid start
  [ -f "$1" ] || return 0
  read -r pid start <"$1" || return 0
  proc_alive "$pid" "$start" || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" "$start" 5 || note "process $pid ($1) did not exit"
}

# daemon_running FILE: true while the recorded daemon lives.
daemon_running() {
  [ -f "$1" ] || return 1
  # shellcheck disable=SC2046
  proc_alive $(cat "$1")
}
