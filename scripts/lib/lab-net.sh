# shellcheck shell=bash
# The lab's network: one namespace per host, a bridge in a namespace of its own, and the faults
# (cut, loss) applied to it. Nothing here touches the root namespace's interfaces: every veth is
# created directly inside its target namespaces.

# ns_add NAME: creates a namespace and records it before anything else happens to it.
ns_add() {
  ip netns add "$1" || die "could not create network namespace $1"
  record_line "$LAB_DIR/namespaces" "$1"
  # Loopback up; IPv6 off, so the only traffic is the IPv4 we ask for.
  ip -n "$1" link set lo up
  ip netns exec "$1" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
    echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
}

net_bridge_up() {
  local br_ns br
  br_ns=$(ns_bridge)
  br=$(if_bridge)
  ns_add "$br_ns"
  ip -n "$br_ns" link add "$br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 ||
    die "could not create bridge $br in namespace $br_ns"
  ip -n "$br_ns" link set "$br" up
}

# net_capacity_up N: the kernel's tables that every lab host shares, where separate boards would
# each have their own, raised for N hosts (never lowered: they are global settings and stay after
# the lab, harmless on a machine that only routes its own traffic).
# - The neighbour (ARP) table is one for all namespaces, and its default hard limit is 1024
#   entries: 100 hosts that each talk to 99 others need 9 900. Beyond it the kernel forgets
#   entries as fast as it makes them and drops the datagrams that wait for one, without a trace
#   in any socket's counters (`ip -s ntable show name arp_cache`: table_fulls, res_failed). At
#   100 hosts this lost the tail of every death broadcast: half the hosts never learned a death.
#   Raised to 2 x N x N entries (hard limit), N x N before any is collected.
# - The per-CPU input queue (each veth hands its packets to it, and the bridge clones every
#   multicast packet once per port) holds 1000 packets by default; 100 hosts' bursts overflowed
#   it (the second column of /proc/net/softnet_stat). Raised to 200 packets per host.
net_capacity_up() {
  local n=$1
  raise_sysctl net/core/netdev_max_backlog $((n * 200))
  raise_sysctl net/ipv4/neigh/default/gc_thresh1 $((n * n))
  raise_sysctl net/ipv4/neigh/default/gc_thresh2 $((n * n * 3 / 2))
  raise_sysctl net/ipv4/neigh/default/gc_thresh3 $((n * n * 2))
}

# raise_sysctl KEY VALUE: sets /proc/sys/KEY to VALUE if it is lower.
raise_sysctl() {
  local key=$1 want=$2 have
  have=$(cat "/proc/sys/$key" 2>/dev/null || echo 0)
  if [ "$have" -lt "$want" ]; then
    echo "$want" >"/proc/sys/$key" || note "could not raise $key to $want (it is $have): a lab of this size may lose datagrams"
  fi
}

# net_host_up I: host I's namespace, its veth, its port on the bridge and its address.
net_host_up() {
  local i=$1 ns vif port
  ns=$(ns_host "$i")
  vif=$(if_host "$i")
  port=$(if_port "$i")
  ns_add "$ns"
  ip link add "$vif" netns "$ns" type veth peer name "$port" netns "$(ns_bridge)" ||
    die "could not create veth $vif (in $ns) / $port (in $(ns_bridge))"
  ip -n "$(ns_bridge)" link set "$port" master "$(if_bridge)"
  ip -n "$(ns_bridge)" link set "$port" up
  ip -n "$ns" addr add "$(host_addr "$i")/24" dev "$vif"
  ip -n "$ns" link set "$vif" up
}

# net_down: deletes the namespaces this lab recorded (which removes their interfaces, routes and
# iptables rules with them).
net_down() {
  local ns
  [ -f "$LAB_DIR/namespaces" ] || return 0
  while read -r ns; do
    [ -n "$ns" ] || continue
    if [ -e "/run/netns/$ns" ]; then
      ip netns del "$ns" 2>/dev/null || note "could not delete namespace $ns"
    fi
  done <"$LAB_DIR/namespaces"
}

# ns_pids NS: the pids of every process inside a recorded namespace.
ns_pids() {
  [ -e "/run/netns/$1" ] || return 0
  ip netns pids "$1" 2>/dev/null || true
}

# net_cut I [--keep-carrier]: a link failure no peer is told about: host I's bridge port goes
# down, so nothing reaches or leaves host I. The host's own veth then shows NO-CARRIER; with
# --keep-carrier the port is instead set to the bridge's "disabled" state, which drops every
# frame while the host's veth stays up and running (a switch that silently stops forwarding).
net_cut() {
  case "${2:-}" in
    '') ip -n "$(ns_bridge)" link set "$(if_port "$1")" down ;;
    --keep-carrier) bridge -n "$(ns_bridge)" link set dev "$(if_port "$1")" state 0 ;;
    *) die "usage: lab cut I [--keep-carrier]" ;;
  esac
}

# net_heal I: undoes either kind of cut.
net_heal() {
  local br_ns port
  br_ns=$(ns_bridge)
  port=$(if_port "$1")
  ip -n "$br_ns" link set "$port" up
  # A port that was down takes a moment to come up; until then the kernel refuses a state
  # change ("Network is down"), which a loaded machine makes last long enough to be seen.
  for _ in $(seq 1 100); do
    bridge -n "$br_ns" link set dev "$port" state 3 2>/dev/null && return 0
    sleep 0.02
  done
  bridge -n "$br_ns" link set dev "$port" state 3
}

# link_state I: "up", "cut" (port down) or "cut-kc" (port disabled, carrier kept).
link_state() {
  local br_ns port
  br_ns=$(ns_bridge)
  port=$(if_port "$1")
  if ! ip -n "$br_ns" -o link show "$port" 2>/dev/null | grep -q '[<,]UP[,>]'; then
    echo cut
  elif bridge -n "$br_ns" link show dev "$port" 2>/dev/null | grep -q 'state disabled'; then
    echo cut-kc
  else
    echo up
  fi
}

# net_loss I PERCENT: drops PERCENT % of host I's packets on its veth, in each direction, at
# random (iptables statistic match in the host's namespace; these kernels have no sch_netem).
net_loss() {
  local i=$1 percent=$2 ns vif probability
  case "$percent" in
    '' | *[!0-9.]* | *.*.*) die "loss must be a percentage from 0 to 100 (got '$percent')" ;;
  esac
  probability=$(awk -v p="$percent" 'BEGIN { if (p < 0 || p > 100) exit 1; printf "%.4f", p / 100 }') ||
    die "loss must be a percentage from 0 to 100 (got '$percent')"
  ns=$(ns_host "$i")
  vif=$(if_host "$i")
  ipt() { ip netns exec "$ns" iptables -w "$@"; }
  ipt -N LABLOSS 2>/dev/null || true
  ipt -F LABLOSS
  if [ "$probability" = 0.0000 ]; then
    ipt -D INPUT -i "$vif" -j LABLOSS 2>/dev/null || true
    ipt -D OUTPUT -o "$vif" -j LABLOSS 2>/dev/null || true
    ipt -X LABLOSS 2>/dev/null || true
    return
  fi
  ipt -C INPUT -i "$vif" -j LABLOSS 2>/dev/null || ipt -A INPUT -i "$vif" -j LABLOSS
  ipt -C OUTPUT -o "$vif" -j LABLOSS 2>/dev/null || ipt -A OUTPUT -o "$vif" -j LABLOSS
  ipt -A LABLOSS -m statistic --mode random --probability "$probability" -j DROP ||
    die "iptables could not add the statistic match in $ns (kernel without xt_statistic?)"
}

# loss_state I: the share of packets dropped each way, as "N%".
loss_state() {
  local p
  p=$(ip netns exec "$(ns_host "$1")" iptables -w -S LABLOSS 2>/dev/null |
    sed -n 's/.*--probability \([0-9.]*\).*/\1/p' | head -n1)
  awk -v p="${p:-0}" 'BEGIN { printf "%g%%\n", p * 100 }'
}

# net_reach FROM TO [SECONDS]: true if host TO answers a TCP connection attempt from host FROM
# (an accept or a reset both prove the path works; silence means it does not).
net_reach() {
  local out
  out=$(ip netns exec "$(ns_host "$1")" timeout "${3:-1}" bash -c \
    "exec 3<>/dev/tcp/$(host_addr "$2")/9" 2>&1) && return 0
  case "$out" in
    *"Connection refused"*) return 0 ;;
    *) return 1 ;;
  esac
}
