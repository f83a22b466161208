#!/usr/bin/env bash
# cuda-headers.sh [--runtime] [DIR]: fetches the CUDA 11.8 headers, link
# stubs and NVRTC from Debian bookworm's non-free archive into DIR (default
# .cache/cuda), so that the CUDA backend (gpu/cuda, build tag `cuda`) can
# be compiled, vetted and linked on a machine without a GPU or a CUDA
# install:
#
#   DIR/include   cuda.h, cublas_v2.h, nvrtc.h, ... (nvidia-cuda-dev)
#   DIR/stubs     libcuda.so, libcublas.so, libnvrtc.so link stubs
#                 (nvidia-cuda-dev; binaries linked against them cannot run)
#   DIR/lib       the real libnvrtc (libnvrtc11.2 + libnvrtc-builtins11.8),
#                 which needs no GPU: CI compiles the kernels with it
#
# --runtime also fetches the CUDA 11.8 cuBLAS runtime (libcublas11 and
# libcublaslt11, about 250 MB) into DIR/lib, for running the CUDA build on
# a GPU machine that has the NVIDIA driver but no CUDA 11 libraries
# (make test-gpu does this when ldconfig finds no libcublas.so.11).
#
# It uses a private apt configuration under DIR/apt (its own sources list
# with non-free enabled, its own package lists and download cache), so the
# system's apt sources stay as they are, and it needs no root. Nothing is
# installed: `apt-get download` plus extraction with dpkg-deb only. The
# result is cached: with DIR/.complete (and DIR/.runtime-complete for
# --runtime) present it returns at once. Any failure (no network, package
# gone) exits non-zero loudly, never a silent skip.
set -euo pipefail

runtime=0
if [ "${1:-}" = --runtime ]; then
  runtime=1
  shift
fi
dir=${1:-.cache/cuda}
suite=bookworm
mirror=${CUDA_DEB_MIRROR:-http://deb.debian.org/debian}

need_dev=1
[ -f "$dir/.complete" ] && need_dev=0
need_rt=$runtime
[ -f "$dir/.runtime-complete" ] && need_rt=0
[ $need_dev = 0 ] && [ $need_rt = 0 ] && exit 0

command -v apt-get >/dev/null || { echo "cuda-headers: apt-get not found (Debian needed)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "cuda-headers: dpkg-deb not found" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
apt="$dir/apt"
rm -rf "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$apt/x"
trap 'rm -rf "$apt"' EXIT
echo "deb $mirror $suite main contrib non-free" > "$apt/sources.list"
aptopts=(
  -o "Dir::Etc::SourceList=$apt/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$apt/lists"
  -o "Dir::Cache=$apt/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${aptopts[@]}" -qq update

fetch() { (cd "$apt/debs" && apt-get "${aptopts[@]}" -qq download "$@"); }
deb() { ls "$apt/debs/$1"_*.deb; }
tmp="$apt/x"

if [ $need_dev = 1 ]; then
  rm -rf "$dir/include" "$dir/stubs" "$dir/lib" "$dir/.runtime-complete"
  mkdir -p "$dir/stubs" "$dir/lib"
  echo "cuda-headers: fetching nvidia-cuda-dev and NVRTC from $mirror $suite non-free (about 790 MB, once)"
  fetch nvidia-cuda-dev libnvrtc11.2 libnvrtc-builtins11.8
  # Only the headers and the three link stubs the backend needs are
  # unpacked from the 2.8 GB nvidia-cuda-dev.
  dpkg-deb --fsys-tarfile "$(deb nvidia-cuda-dev)" |
    tar -x -C "$tmp" --wildcards './usr/include/*' \
      './usr/lib/x86_64-linux-gnu/stubs/libcuda.so' \
      './usr/lib/x86_64-linux-gnu/stubs/libcublas.so' \
      './usr/lib/x86_64-linux-gnu/stubs/libnvrtc.so'
  mv "$tmp/usr/include" "$dir/include"
  mv "$tmp"/usr/lib/x86_64-linux-gnu/stubs/*.so "$dir/stubs/"
  for p in libnvrtc11.2 libnvrtc-builtins11.8; do
    dpkg-deb -x "$(deb "$p")" "$tmp"
  done
  mv "$tmp"/usr/lib/x86_64-linux-gnu/libnvrtc* "$dir/lib/"
  ln -sf libnvrtc.so.11.2 "$dir/lib/libnvrtc.so"
  for f in include/cuda.h include/cublas_v2.h include/nvrtc.h stubs/libcuda.so stubs/libcublas.so lib/libnvrtc.so.11.2; do
    [ -e "$dir/$f" ] || { echo "cuda-headers: $f missing after extraction" >&2; exit 1; }
  done
  version=$(dpkg-deb -f "$(deb nvidia-cuda-dev)" Version)
  rm -f "$apt"/debs/*.deb
  echo "$version" > "$dir/.complete"
  echo "cuda-headers: nvidia-cuda-dev $version ready in $dir"
fi

if [ $need_rt = 1 ]; then
  echo "cuda-headers: fetching the cuBLAS 11 runtime (about 250 MB, once)"
  fetch libcublas11 libcublaslt11
  for p in libcublas11 libcublaslt11; do
    dpkg-deb -x "$(deb "$p")" "$tmp"
  done
  mv "$tmp"/usr/lib/x86_64-linux-gnu/libcublas* "$dir/lib/"
  [ -e "$dir/lib/libcublas.so.11" ] || { echo "cuda-headers: libcublas.so.11 missing after extraction" >&2; exit 1; }
  dpkg-deb -f "$(deb libcublas11)" Version > "$dir/.runtime-complete"
  echo "cuda-headers: cuBLAS runtime ready in $dir/lib"
fi
