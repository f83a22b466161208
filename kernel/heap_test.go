package kernel

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/kernel/client"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
)

// BenchmarkKernelHeapPerCell measures the kernel's live heap growth per
// `1+1` executed over the wire protocol (kernel and client in this process),
// after a forced GC: the slope between a warm start and b.N cells later.
// It reports heap-B/cell (the issue asks for at most 3 KB).
//
//	go test ./kernel -run '^$' -bench KernelHeapPerCell -benchtime 3000x
func BenchmarkKernelHeapPerCell(b *testing.B) {
	conn, err := jupyter.NewConnection("")
	if err != nil {
		b.Fatal(err)
	}
	k, err := New(Config{Conn: conn, Symbols: []interp.Exports{symbols.Short()}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.StopTimer()
	go func() { _ = k.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	c, err := client.Dial(conn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if _, err := c.WaitReady(wctx); err != nil {
		b.Fatal(err)
	}
	exec := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := c.Execute(ctx, "1+1"); err != nil {
				b.Fatal(err)
			}
		}
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	exec(500)
	h0 := heap()
	b.StartTimer()
	exec(b.N)
	b.StopTimer()
	h1 := heap()
	if f := os.Getenv("RLVR_HEAP_PROFILE"); f != "" {
		w, err := os.Create(f)
		if err == nil {
			_ = pprof.WriteHeapProfile(w)
			w.Close()
		}
	}
	b.ReportMetric(float64(int64(h1)-int64(h0))/float64(b.N), "heap-B/cell")
}
