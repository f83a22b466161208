package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/rlvrworld/rlvrworld/kernel/client"
)

func init() {
	registerBench("kernel", "execute_request round trip (1+1, send to iopub idle) of our kernel next to python3-ipykernel", benchKernel)
}

// kernelTiming is one kernel's round-trip figures in milliseconds.
type kernelTiming struct {
	Kernel   string  `json:"kernel"`
	N        int     `json:"n"`
	MedianMS float64 `json:"median_ms"`
	P99MS    float64 `json:"p99_ms"`
	MeanMS   float64 `json:"mean_ms"`
	MinMS    float64 `json:"min_ms"`
}

// kernelBench is the report: both kernels measured by the same client in
// the same run, and their ratio (ours over ipykernel; below 1 is faster).
type kernelBench struct {
	Code          string        `json:"code"`
	Client        string        `json:"client"`
	Ours          kernelTiming  `json:"rlvrworld"`
	IPyKernel     *kernelTiming `json:"ipykernel,omitempty"`
	IPyKernelErr  string        `json:"ipykernel_error,omitempty"`
	MedianRatio   float64       `json:"median_ratio,omitempty"`
	NoSlowerThanI bool          `json:"no_slower_than_ipykernel"`
}

func benchKernel(args []string) (any, error) {
	fs := flag.NewFlagSet("rlvrworld bench kernel", flag.ContinueOnError)
	n := fs.Int("n", 300, "measured round trips per kernel")
	warm := fs.Int("warmup", 30, "unmeasured round trips first")
	python := fs.String("python", "/usr/bin/python3", "Python with Debian's ipykernel")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rep := &kernelBench{Code: "1+1", Client: "rlvrworld kernel/client (Go, zmq4), same for both kernels"}
	ours, err := timeKernel("rlvrworld", []string{exe, "kernel", "--connection-file", "{connection_file}"}, *n, *warm)
	if err != nil {
		return nil, err
	}
	rep.Ours = *ours
	ipy, err := timeKernel("ipykernel", []string{*python, "-m", "ipykernel_launcher", "-f", "{connection_file}"}, *n, *warm)
	if err != nil {
		rep.IPyKernelErr = err.Error()
	} else {
		rep.IPyKernel = ipy
		rep.MedianRatio = roundMS(ours.MedianMS / ipy.MedianMS)
		rep.NoSlowerThanI = ours.MedianMS <= ipy.MedianMS
	}
	return rep, nil
}

// timeKernel starts a kernel process, waits until it is ready, and times n
// execute_request round trips after warm unmeasured ones.
func timeKernel(name string, argv []string, n, warm int) (*kernelTiming, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	p, err := client.Start(argv, devnull)
	if err != nil {
		return nil, err
	}
	defer p.Stop(3 * time.Second)
	c, err := client.Dial(p.Conn)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.WaitReady(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
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
	return &kernelTiming{
		Kernel: name, N: len(ds),
		MedianMS: roundMS(ds[len(ds)/2]),
		P99MS:    roundMS(ds[min(len(ds)-1, len(ds)*99/100)]),
		MeanMS:   roundMS(sum / float64(len(ds))),
		MinMS:    roundMS(ds[0]),
	}, nil
}

// roundMS rounds to microseconds (3 decimals of a millisecond).
func roundMS(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
