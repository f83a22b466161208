package client

// The kernel benchmark (`rlvrworld bench kernel`): execute_request round
// trips of our kernel next to python3-ipykernel, both driven by this
// client in the same run. The command line only parses flags into
// KernelBenchOptions.

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"
)

// KernelBenchOptions choose the kernels and the number of round trips.
type KernelBenchOptions struct {
	// Ours is the argv of our kernel, with {connection_file}.
	Ours []string
	// Python is the Python with Debian's ipykernel (/usr/bin/python3).
	Python string
	// N round trips are measured per kernel (300), after Warmup unmeasured
	// ones (30).
	N, Warmup int
}

// KernelTiming is one kernel's round-trip figures in milliseconds.
type KernelTiming struct {
	Kernel   string  `json:"kernel"`
	N        int     `json:"n"`
	MedianMS float64 `json:"median_ms"`
	P99MS    float64 `json:"p99_ms"`
	MeanMS   float64 `json:"mean_ms"`
	MinMS    float64 `json:"min_ms"`
}

// KernelBench is the report: both kernels measured by the same client in
// the same run, and their ratio (ours over ipykernel; below 1 is faster).
// An ipykernel that does not start is reported in IPyKernelErr.
type KernelBench struct {
	Code          string        `json:"code"`
	Client        string        `json:"client"`
	Ours          KernelTiming  `json:"rlvrworld"`
	IPyKernel     *KernelTiming `json:"ipykernel,omitempty"`
	IPyKernelErr  string        `json:"ipykernel_error,omitempty"`
	MedianRatio   float64       `json:"median_ratio,omitempty"`
	NoSlowerThanI bool          `json:"no_slower_than_ipykernel"`
}

// BenchKernels times "1+1" round trips (execute_request sent to the
// kernel's idle) of our kernel and of ipykernel.
func BenchKernels(ctx context.Context, o KernelBenchOptions) (*KernelBench, error) {
	if o.N == 0 {
		o.N = 300
	}
	if o.Warmup == 0 {
		o.Warmup = 30
	}
	if o.Python == "" {
		o.Python = "/usr/bin/python3"
	}
	rep := &KernelBench{Code: "1+1", Client: "rlvrworld kernel/client (Go, zmq4), same for both kernels"}
	ours, err := timeKernel(ctx, "rlvrworld", o.Ours, o.N, o.Warmup)
	if err != nil {
		return nil, err
	}
	rep.Ours = *ours
	ipy, err := timeKernel(ctx, "ipykernel", []string{o.Python, "-m", "ipykernel_launcher", "-f", "{connection_file}"}, o.N, o.Warmup)
	if err != nil {
		rep.IPyKernelErr = err.Error()
	} else {
		rep.IPyKernel = ipy
		rep.MedianRatio = roundMS(ours.MedianMS / ipy.MedianMS)
		rep.NoSlowerThanI = ours.MedianMS <= ipy.MedianMS
	}
	return rep, nil
}

// Launch starts the kernel process argv (with {connection_file}), its
// stderr going to stderr, connects a client and waits up to a minute for
// the kernel to answer. Stop the process and Close the client when done.
func Launch(ctx context.Context, argv []string, stderr *os.File) (*Process, *Client, error) {
	p, err := Start(argv, stderr)
	if err != nil {
		return nil, nil, err
	}
	c, err := Dial(p.Conn)
	if err != nil {
		p.Stop(3 * time.Second)
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := c.WaitReady(rctx); err != nil {
		c.Close()
		p.Stop(3 * time.Second)
		return nil, nil, fmt.Errorf("kernel did not start: %w", err)
	}
	return p, c, nil
}

// timeKernel starts a kernel process, waits until it is ready, and times n
// execute_request round trips after warm unmeasured ones.
func timeKernel(ctx context.Context, name string, argv []string, n, warm int) (*KernelTiming, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	p, c, err := Launch(ctx, argv, devnull)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer p.Stop(3 * time.Second)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	ds := make([]float64, 0, n)
	for i := 0; i < warm+n; i++ {
		t0 := time.Now()
		ex, err := c.Execute(ctx, "1+1")
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if ex.Status != "ok" {
			why := ex.Status
			if e := ex.Reply.Error; e != nil {
				why += ": " + e.Ename + ": " + e.Evalue
			}
			return nil, fmt.Errorf("%s: 1+1 failed (%s)", name, why)
		}
		if i >= warm {
			ds = append(ds, float64(d.Microseconds())/1000)
		}
	}
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = c.Shutdown(sctx)
	scancel()
	sort.Float64s(ds)
	sum := 0.0
	for _, d := range ds {
		sum += d
	}
	return &KernelTiming{
		Kernel: name, N: len(ds),
		MedianMS: roundMS(ds[len(ds)/2]),
		P99MS:    roundMS(ds[min(len(ds)-1, len(ds)*99/100)]),
		MeanMS:   roundMS(sum / float64(len(ds))),
		MinMS:    roundMS(ds[0]),
	}, nil
}

// roundMS rounds to microseconds (3 decimals of a millisecond).
func roundMS(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
