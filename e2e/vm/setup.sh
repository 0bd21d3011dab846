#!/usr/bin/env bash
# Prepares the real-kernel test VM: host packages, the current Debian kernel and an initramfs.
# Idempotent and quick when everything is present. Run as root.
#
#   KUBE_DSR_VM_CACHE   cache directory (default /var/cache/kube-dsr-vm)
#
# Cache layout:
#   $CACHE/kernels/<version>/boot/vmlinuz-<version>   extracted kernel package
#   $CACHE/kernels/<version>/lib/modules/<version>/   its modules (depmod'ed)
#   $CACHE/initramfs-<version>.cpio.gz                busybox + virtio/9p modules + init
#   $CACHE/current.env                                KUBE_DSR_VM_{KERNEL_VERSION,KERNEL,INITRD,MODULES_ROOT}
set -euo pipefail

die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }
log() { echo "setup.sh: $*"; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KUBE_DSR_VM_CACHE:-/var/cache/kube-dsr-vm}
# docker.io: dockerd on the host builds the agent image (e2e/vm/image), and in the VM runs the node containers;
# mmdebstrap: the image's Debian base (deploy/base/build); util-linux: nsenter and unshare for pods in them.
PACKAGES=(qemu-system-x86 busybox-static kmod cpio gzip iproute2 nftables ipvsadm ipset ncat curl iputils-ping
          openjdk-17-jdk-headless docker.io mmdebstrap util-linux)
# Modules the initramfs needs to reach the 9p root. Which of these are built in is decided
# by the Debian kernel config; the ones that are modules are found through modules.dep.
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p)

export DEBIAN_FRONTEND=noninteractive

# --- host packages -----------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
apt_updated=0
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -q || die "apt-get update failed"
  apt_updated=1
  apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi

# --- kernel ------------------------------------------------------------------------------
resolve_kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}
kpkg=$(resolve_kernel_pkg || true)
if [[ -z $kpkg ]]; then
  if ((apt_updated == 0)); then apt-get update -q || die "apt-get update failed"; apt_updated=1; fi
  kpkg=$(resolve_kernel_pkg || true)
fi
[[ -n $kpkg ]] || die "cannot resolve the kernel package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
kver=${kpkg#linux-image-}
kdir=$CACHE/kernels/$kver
log "kernel package $kpkg (version $kver)"

mkdir -p "$CACHE/kernels"
if [[ ! -f $kdir/.complete ]]; then
  tmp=$(mktemp -d "$CACHE/download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # apt drops privileges to _apt for downloads; let it write there.
  id _apt >/dev/null 2>&1 && chown _apt "$tmp"
  log "downloading $kpkg"
  if ! (cd "$tmp" && apt-get download -q "$kpkg"); then
    if ((apt_updated == 0)); then
      apt-get update -q || die "apt-get update failed"; apt_updated=1
      (cd "$tmp" && apt-get download -q "$kpkg") || die "apt-get download $kpkg failed"
    else
      die "apt-get download $kpkg failed"
    fi
  fi
  deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1)
  [[ -n $deb ]] || die "apt-get download $kpkg produced no .deb"
  rm -rf "$kdir"
  mkdir -p "$kdir"
  dpkg-deb -x "$deb" "$kdir" || die "dpkg-deb -x $deb failed"
  [[ -f $kdir/boot/vmlinuz-$kver ]] || die "no boot/vmlinuz-$kver in $deb"
  depmod -b "$kdir" "$kver" || die "depmod failed"
  touch "$kdir/.complete"
  rm -rf "$tmp"
  trap - EXIT
fi
moddir=$kdir/lib/modules/$kver
[[ -f $moddir/modules.dep ]] || die "$moddir/modules.dep missing; remove $kdir and rerun"

# --- initramfs ---------------------------------------------------------------------------
initrd=$CACHE/initramfs-$kver.cpio.gz
stamp=$(cat "$HERE/initramfs-init" /bin/busybox "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
if [[ ! -f $initrd || $(cat "$initrd.stamp" 2>/dev/null) != "$stamp" ]]; then
  log "building $initrd"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,proc,sys,dev,host,share,modules}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh mount umount mkdir insmod poweroff cat echo sleep ls ln mknod chroot switch_root dmesg ip; do
    ln -s busybox "$root/bin/$applet"
  done
  # modules.dep lines: "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/netfs/netfs.ko ..."
  # Dependencies are listed in load order reversed (deepest last), so insert them last-first.
  declare -A seen=()
  order=()
  add_module() {
    local name=$1 line path deps d i
    line=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || true)
    if [[ -z $line ]]; then
      if grep -qE "(^|/)${name//_/[_-]}\.ko$" "$moddir/modules.builtin"; then
        log "  $name is built in"; return 0
      fi
      die "module $name is neither in modules.dep nor modules.builtin of $kver"
    fi
    path=${line%%:*}
    deps=${line#*:}
    local -a deplist=($deps)
    for ((i=${#deplist[@]}-1; i>=0; i--)); do
      d=$(basename "${deplist[i]}"); d=${d%%.ko*}
      add_module "$d"
    done
    [[ -n ${seen[$path]:-} ]] && return 0
    seen[$path]=1
    order+=("$path")
  }
  for m in "${INITRAMFS_MODULES[@]}"; do add_module "$m"; done
  : > "$root/modules/load"
  for path in "${order[@]}"; do
    f=$(basename "$path")
    case $f in
      *.ko)     cp "$moddir/$path" "$root/modules/$f" ;;
      *.ko.xz)  xz -dc "$moddir/$path" > "$root/modules/${f%.xz}" ;;
      *.ko.zst) zstd -qdc "$moddir/$path" > "$root/modules/${f%.zst}" ;;
      *.ko.gz)  gzip -dc "$moddir/$path" > "$root/modules/${f%.gz}" ;;
      *) die "unknown module file type $f" ;;
    esac
    echo "${f%%.ko*}.ko" >> "$root/modules/load"
  done
  log "  initramfs modules: $(tr '\n' ' ' < "$root/modules/load")"
  install -m 0755 "$HERE/initramfs-init" "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  echo "$stamp" > "$initrd.stamp"
  rm -rf "$root"
  trap - EXIT
fi

cat > "$CACHE/current.env.tmp" <<ENV
KUBE_DSR_VM_KERNEL_VERSION=$kver
KUBE_DSR_VM_KERNEL=$kdir/boot/vmlinuz-$kver
KUBE_DSR_VM_INITRD=$initrd
KUBE_DSR_VM_MODULES_ROOT=$kdir
ENV
mv "$CACHE/current.env.tmp" "$CACHE/current.env"
log "ready: $(tr '\n' ' ' < "$CACHE/current.env")"
