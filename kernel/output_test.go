package kernel

import (
	"fmt"
	"strings"
	"testing"
)

// Every byte a cell prints reaches iopub before its execute_reply and its
// idle status, in order, at any size: the client stops collecting at idle,
// so a late chunk would be lost here. Two flushes could overtake each other
// (bytes taken under the lock, sent outside it), and a chunk arrived after
// idle in 3 of 9 runs at 10 MB.
func TestKernelLargeOutputCompleteBeforeIdle(t *testing.T) {
	c, _ := startKernel(t)
	run(t, c, "import (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)")
	var want strings.Builder
	for i := 0; i < 60000; i++ {
		fmt.Fprintln(&want, i)
	}
	for trial := 0; trial < 10; trial++ {
		// Numbered lines written one by one (about 350 KB), so that order
		// shows too.
		ex := run(t, c, "for i := 0; i < 60000; i++ { fmt.Println(i) }")
		if got := streamText(ex, "stdout"); got != want.String() {
			t.Fatalf("trial %d: %d bytes of %d before idle, or out of order", trial, len(got), want.Len())
		}
	}
	for _, size := range []int{1 << 20, 10 << 20} {
		for trial := 0; trial < 3; trial++ {
			ex := run(t, c, fmt.Sprintf("os.Stdout.WriteString(strings.Repeat(\"0123456789abcde\\n\", %d))", size/16))
			got := streamText(ex, "stdout")
			if len(got) != size || strings.Count(got, "0123456789abcde\n") != size/16 {
				t.Fatalf("%d MB, trial %d: %d bytes before idle", size>>20, trial, len(got))
			}
		}
	}
}
