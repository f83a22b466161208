# cuda: the GPU backend (gpu/cuda, build tag `cuda`) and its binary.
#
#   make build-cuda   bin/rlvrworld-cuda: the CLI with the CUDA backend
#   make test-gpu     the CUDA test suite, on a machine with an NVIDIA GPU
#   make cuda-ptx     regenerates gpu/cuda/kernels/kernels.ptx after an edit
#                     of kernels.cu (NVRTC, no GPU needed)
#   make cuda-check   (part of `make test`) compiles and vets the CUDA build,
#                     checks the embedded PTX against kernels.cu with NVRTC,
#                     compiles the kernels for newer GPUs, and runs the GPU test
#                     suite on the CPU emulator (build tag cudaemu: the same
#                     kernels.cu as C++, run block by block); no GPU needed
#
# By default the build compiles against the CUDA 11.8 headers and link stubs
# that scripts/cuda-headers.sh fetches from Debian non-free into ~/.cache/rlvrworld/cuda
# (once, cached). The binary then needs, at run time, the NVIDIA driver
# (libcuda.so.1, CUDA 11.8 or later) and libcublas.so.11; test-gpu and
# bench-train-cuda fetch the latter into ~/.cache/rlvrworld/cuda/lib when it is missing.
# The kernels are embedded as PTX, so NVRTC is needed only to regenerate
# and check it.
# To build against a local CUDA 11.x toolkit instead:
#   make build-cuda CUDA_HOME=/usr/local/cuda

# The headers live outside the checkout so that fresh clones (CI) on the
# same machine reuse one download.
CUDA_CACHE ?= $(HOME)/.cache/rlvrworld/cuda
CUDA_BIN   := bin/rlvrworld-cuda
CUDA_HOME  ?=
ifeq ($(CUDA_HOME),)
CUDA_CGO := CGO_CFLAGS="-I$(CUDA_CACHE)/include" CGO_LDFLAGS="-L$(CUDA_CACHE)/stubs -L$(CUDA_CACHE)/lib"
else
CUDA_CGO := CGO_CFLAGS="-I$(CUDA_HOME)/include" CGO_LDFLAGS="-L$(CUDA_HOME)/lib64 -L$(CUDA_HOME)/lib64/stubs"
endif
CUDA_PKGS := ./gpu/cuda/... ./cmd/rlvrworld/

TEST_E2E += cuda-check
# cgo compiles the CPU emulator of the kernels (gpu/cuda/emu.cc) as C++.
APT_PACKAGES += g++

.PHONY: cuda-headers cuda-ptx build-cuda cuda-check test-gpu bench-train-cuda

cuda-headers:
	@scripts/cuda-headers.sh $(CUDA_CACHE)

cuda-ptx: cuda-headers
	$(CUDA_CGO) LD_LIBRARY_PATH="$(CUDA_CACHE)/lib" $(GO) test -tags cuda -count=1 -run TestEmbeddedPTXCurrent ./gpu/cuda/ptxgen -update

build-cuda: cuda-headers $(BUILD_DEPS)
	$(CUDA_CGO) $(GO) build -tags cuda -o $(CUDA_BIN) ./cmd/rlvrworld

# Checks of the CUDA build for machines without a GPU: vet, build and link
# (against the stubs; the result cannot run here), compile the test binary,
# check the embedded PTX and compile the kernels for newer GPUs with the
# real NVRTC (which needs no GPU), and run the
# GPU suite with the kernels and the backend's host code on the CPU
# emulator (about 15 s of CPU). What only a GPU can check (cuBLAS, the
# driver, PTX on real hardware) is left to test-gpu.
cuda-check: cuda-headers
	$(CUDA_CGO) $(GO) vet -tags cuda $(CUDA_PKGS)
	$(GO) vet -tags cudaemu ./gpu/cuda
	$(CUDA_CGO) $(GO) build -tags cuda -o /dev/null ./cmd/rlvrworld
	$(CUDA_CGO) $(GO) test -tags cuda -c -o /dev/null ./gpu/cuda
	$(CUDA_CGO) LD_LIBRARY_PATH="$(CUDA_CACHE)/lib" $(GO) test -tags cuda -count=1 ./gpu/cuda/ptxgen
	$(GO) test -tags cudaemu -count=1 ./gpu/cuda

# The GPU suite: every op against the CPU backend and the whole model's
# forward, backward, training and sampling. Needs an NVIDIA GPU and driver.
test-gpu: cuda-headers
	@if ! /sbin/ldconfig -p | grep -q 'libcublas.so.11 '; then scripts/cuda-headers.sh --runtime $(CUDA_CACHE); fi
	$(CUDA_CGO) LD_LIBRARY_PATH="$(CUDA_CACHE)/lib:$$LD_LIBRARY_PATH" $(GO) test -tags cuda -count=1 -timeout 20m -v ./gpu/cuda/...

# `rlvrworld bench train` on the GPU; the JSON's "backend" names the device.
bench-train-cuda: build-cuda
	@if ! /sbin/ldconfig -p | grep -q 'libcublas.so.11 '; then scripts/cuda-headers.sh --runtime $(CUDA_CACHE); fi
	LD_LIBRARY_PATH="$(CUDA_CACHE)/lib:$$LD_LIBRARY_PATH" ./$(CUDA_BIN) bench train
