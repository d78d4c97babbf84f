#!/bin/sh
# landscape: the bundle's entry (npm run bundle). Runs the program with the Node the bundle
# carries; nothing outside this folder is needed but a Linux x86-64 system (glibc 2.28 or later)
# and, for the GPU, its driver.
#
#   ./landscape gpu-check [--software]      check this machine's GPU path
#   ./landscape worker --job FILE           run one training job
#   ./landscape --version                   commit and engine fingerprint
#
# The Vulkan loader (libvulkan.so.1) is the system's; the bundle's own serves only where the
# system has none, or with LANDSCAPE_VULKAN_LOADER=bundled (=system: never the bundle's).
# The native kernels' OpenBLAS is always the bundle's own (beside the addon, found by its rpath).

self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
case $self in
  */*) here=${self%/*} ;;
  *) here=. ;;
esac
here=$(cd -- "$here" && pwd) || exit 1

# the library `$1` where the dynamic linker would find it: LD_LIBRARY_PATH, its cache, the usual folders
system_has() {
  old_ifs=$IFS
  IFS=:
  for dir in ${LD_LIBRARY_PATH:-}; do
    if [ -n "$dir" ] && [ -e "$dir/$1" ]; then IFS=$old_ifs; return 0; fi
  done
  IFS=$old_ifs
  tab=$(printf '\t')
  for ldconfig in /sbin/ldconfig /usr/sbin/ldconfig; do
    if [ -x "$ldconfig" ]; then
      # its lines read "<tab>libvulkan.so.1 (libc6,x86-64) => /path"
      case $("$ldconfig" -p 2>/dev/null) in
        *"$tab$1 ("*) return 0 ;;
      esac
      break
    fi
  done
  for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
    [ -e "$dir/$1" ] && return 0
  done
  return 1
}

case ${LANDSCAPE_VULKAN_LOADER:-auto} in
  bundled) bundled_vulkan=1 ;;
  system) bundled_vulkan=0 ;;
  auto) if system_has libvulkan.so.1; then bundled_vulkan=0; else bundled_vulkan=1; fi ;;
  *) echo "landscape: LANDSCAPE_VULKAN_LOADER='$LANDSCAPE_VULKAN_LOADER' is not auto, bundled or system" >&2; exit 2 ;;
esac
if [ "$bundled_vulkan" = 1 ] && [ -e "$here/lib/vulkan/libvulkan.so.1" ]; then
  LD_LIBRARY_PATH="$here/lib/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi

# the carried Node runs the carried program only: no options or modules meant for another Node
unset NODE_OPTIONS NODE_PATH
exec "$here/node/bin/node" "$here/app/landscape.mjs" "$@"
