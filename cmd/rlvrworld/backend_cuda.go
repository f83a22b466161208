//go:build cuda

package main

// The CUDA build (make build-cuda, bin/rlvrworld-cuda) links the GPU
// backend, which registers itself as "cuda"; gpu.Default then uses it when
// a usable GPU is present and falls back to the CPU otherwise.
// RLVR_BACKEND=cpu forces the CPU. The default build never links it: a
// binary linked with gorgonia.org/cu exits at start when no NVIDIA driver
// is installed.
import _ "github.com/rlvrworld/rlvrworld/gpu/cuda"
