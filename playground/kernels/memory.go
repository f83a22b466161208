package kernels

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
)

// memoryPoll is how often a kernel's resident memory is checked against
// Options.MemoryLimit.
const memoryPoll = 250 * time.Millisecond

// rss is the resident memory of process pid in bytes, from /proc.
func rss(pid int) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, fmt.Errorf("statm of %d: %q", pid, data)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize()), err
}

// watchMemory kills the instance's process when its resident memory passes
// limit, after telling the clients why; supervise then restarts the kernel
// as after any death. Why a watch and not an rlimit: RLIMIT_AS counts the
// address space a Go runtime reserves, not what it uses, and cgroups need
// privileges a user's playground does not have. The kernel's own Go
// runtime also gets GOMEMLIMIT a little under the limit (see launch), so
// that it collects garbage harder before it is killed.
func (inst *instance) watchMemory(limit int64) {
	t := time.NewTicker(memoryPoll)
	defer t.Stop()
	for {
		select {
		case <-inst.exited:
			return
		case <-t.C:
		}
		used, err := rss(inst.proc.Cmd.Process.Pid)
		if err != nil || used <= limit {
			continue
		}
		k := inst.k
		msg := fmt.Sprintf("Kernel restarting: it used %d MiB, over its memory limit of %d MiB (rlvrworld serve --kernel-memory). Its variables are lost.\n",
			used>>20, limit>>20)
		k.m.logf("kernel %s (%s): %s", k.ID, k.Spec.Name, strings.TrimSpace(msg))
		k.broadcast("stream", jupyter.Stream{Name: "stderr", Text: msg})
		inst.signal(syscall.SIGKILL)
		return
	}
}
