// Package notebook executes Jupyter notebooks (nbformat 4) headlessly
// through a kernel client, the way nbconvert --execute does, and writes
// the outputs back in nbformat 4.5.
//
// The notebook is kept as generic JSON so that fields this package does not
// know survive a run unchanged.
package notebook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/atomicfile"
	"github.com/rlvrworld/rlvrworld/kernel/client"
)

// Notebook is a parsed .ipynb file.
type Notebook struct {
	raw map[string]any
}

// Read parses an .ipynb file and checks that it is nbformat 4.
func Read(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b, path)
}

// Parse parses notebook JSON; name is used in errors.
func Parse(b []byte, name string) (*Notebook, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: not a notebook: %w", name, err)
	}
	if v, _ := raw["nbformat"].(float64); v != 4 {
		return nil, fmt.Errorf("%s: nbformat %v, want 4", name, raw["nbformat"])
	}
	cells, ok := raw["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: no cells list", name)
	}
	for i, c := range cells {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: cell %d is not an object", name, i+1)
		}
		if _, ok := m["cell_type"].(string); !ok {
			return nil, fmt.Errorf("%s: cell %d has no cell_type", name, i+1)
		}
	}
	return &Notebook{raw: raw}, nil
}

func (nb *Notebook) cells() []map[string]any {
	cs, _ := nb.raw["cells"].([]any)
	out := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.(map[string]any))
	}
	return out
}

// Source returns a cell's source as one string (nbformat allows a list of
// lines too).
func Source(cell map[string]any) string {
	switch s := cell["source"].(type) {
	case string:
		return s
	case []any:
		var b strings.Builder
		for _, l := range s {
			if ls, ok := l.(string); ok {
				b.WriteString(ls)
			}
		}
		return b.String()
	}
	return ""
}

var idRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)

// Upgrade makes the notebook valid nbformat 4.5: a unique id on every cell,
// and the kernelspec and language of our kernel.
func (nb *Notebook) Upgrade() {
	nb.raw["nbformat"] = 4
	if minor, _ := nb.raw["nbformat_minor"].(float64); minor < 5 {
		nb.raw["nbformat_minor"] = 5
	}
	seen := map[string]bool{}
	for _, c := range nb.cells() {
		id, _ := c["id"].(string)
		if !idRE.MatchString(id) || seen[id] {
			var b [4]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
			c["id"] = id
		}
		seen[id] = true
		if _, ok := c["metadata"].(map[string]any); !ok {
			c["metadata"] = map[string]any{}
		}
		if c["cell_type"] == "code" {
			if _, ok := c["outputs"].([]any); !ok {
				c["outputs"] = []any{}
			}
			if _, ok := c["execution_count"]; !ok {
				c["execution_count"] = nil
			}
		}
	}
	md, _ := nb.raw["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		nb.raw["metadata"] = md
	}
	md["kernelspec"] = map[string]any{"name": "rlvrworld", "display_name": "Go (RLVR-World)", "language": "go"}
	md["language_info"] = map[string]any{"name": "go", "file_extension": ".go", "mimetype": "text/x-go", "pygments_lexer": "go", "codemirror_mode": "go"}
}

// Marshal encodes the notebook as Jupyter writes it: indented by one space,
// keys sorted, a final newline.
func (nb *Notebook) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb.raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the notebook to path through a temporary file and a rename
// (atomicfile), so that a crash never leaves half a notebook.
func (nb *Notebook) Save(path string) error {
	b, err := nb.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Options configure Run.
type Options struct {
	// CellTimeout bounds each cell; the cell is interrupted when it passes.
	CellTimeout time.Duration
	// AllowErrors keeps running after a failing cell.
	AllowErrors bool
	// Died is closed when the kernel process ends (nil: never).
	Died <-chan struct{}
	// Progress, when set, is told about each code cell before it runs.
	Progress func(index int, source string)
}

// CellError is a cell that failed.
type CellError struct {
	Index  int // 1-based among all cells
	Ename  string
	Evalue string
}

func (e *CellError) Error() string {
	return fmt.Sprintf("cell %d failed: %s: %s", e.Index, e.Ename, e.Evalue)
}

// Run executes every code cell in order and stores the outputs in the
// notebook. A failing cell stops the run unless AllowErrors, or unless it
// is tagged "raises-exception". It returns the first CellError (after running all cells when
// AllowErrors), or another error when the kernel stops answering.
func (nb *Notebook) Run(ctx context.Context, c *client.Client, opts Options) error {
	nb.Upgrade()
	if opts.CellTimeout <= 0 {
		opts.CellTimeout = 10 * time.Minute
	}
	displays := map[string][]map[string]any{} // display_id -> outputs showing it
	widgets := widgetStates{}
	defer widgets.save(nb)
	var first *CellError
	for i, cell := range nb.cells() {
		if cell["cell_type"] != "code" {
			continue
		}
		src := Source(cell)
		cell["outputs"] = []any{}
		cell["execution_count"] = nil
		if strings.TrimSpace(src) == "" {
			continue
		}
		if opts.Progress != nil {
			opts.Progress(i+1, src)
		}
		ex, err := runCell(ctx, c, src, opts)
		if ex != nil {
			widgets.follow(ex)
			cell["outputs"] = convert(ex, displays)
			if ex.ExecutionCount > 0 {
				cell["execution_count"] = ex.ExecutionCount
			}
		}
		if err != nil {
			return fmt.Errorf("cell %d: %w", i+1, err)
		}
		if ex.Status != "ok" && !hasTag(cell, "raises-exception") {
			ce := &CellError{Index: i + 1}
			if e := ex.Reply.Error; e != nil {
				ce.Ename, ce.Evalue = e.Ename, e.Evalue
			}
			if first == nil {
				first = ce
			}
			if !opts.AllowErrors {
				return ce
			}
		}
	}
	if first != nil {
		return first
	}
	return nil
}

// hasTag reports whether the cell's metadata carries tag. As in nbclient, a
// cell tagged "raises-exception" is expected to fail and does not stop the
// run (a notebook that shows what an error looks like).
func hasTag(cell map[string]any, tag string) bool {
	md, _ := cell["metadata"].(map[string]any)
	tags, _ := md["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// ErrKernelDied is returned when the kernel process ends during a cell.
var ErrKernelDied = errors.New("the kernel process died (killed, out of memory, or a fatal runtime error such as a stack overflow)")

func runCell(ctx context.Context, c *client.Client, src string, opts Options) (*client.Execution, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type res struct {
		ex  *client.Execution
		err error
	}
	done := make(chan res, 1)
	go func() {
		ex, err := c.Execute(cctx, src)
		done <- res{ex, err}
	}()
	timer := time.NewTimer(opts.CellTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.ex, r.err
	case <-opts.Died:
		cancel()
		r := <-done
		return r.ex, ErrKernelDied
	case <-timer.C:
		ictx, icancel := context.WithTimeout(ctx, 5*time.Second)
		_ = c.Interrupt(ictx)
		icancel()
		select {
		case r := <-done:
			if r.ex != nil && r.ex.Status != "ok" {
				return r.ex, fmt.Errorf("timed out after %v (interrupted)", opts.CellTimeout)
			}
			return r.ex, r.err
		case <-time.After(5 * time.Second):
			cancel()
			r := <-done
			return r.ex, fmt.Errorf("timed out after %v and did not stop on interrupt", opts.CellTimeout)
		}
	case <-ctx.Done():
		cancel()
		r := <-done
		return r.ex, ctx.Err()
	}
}

// convert turns iopub messages into nbformat outputs: consecutive stream
// messages merge, clear_output clears, and update_display_data rewrites the
// outputs (of any cell) that show its display_id.
func convert(ex *client.Execution, displays map[string][]map[string]any) []any {
	outs := []any{}
	clearPending := false
	add := func(o map[string]any) {
		if clearPending {
			outs = []any{}
			clearPending = false
		}
		outs = append(outs, o)
	}
	for _, o := range ex.Outputs {
		c := o.Content
		switch o.MsgType {
		case "stream":
			name, _ := c["name"].(string)
			text, _ := c["text"].(string)
			if !clearPending && len(outs) > 0 {
				if last, ok := outs[len(outs)-1].(map[string]any); ok && last["output_type"] == "stream" && last["name"] == name {
					last["text"] = last["text"].(string) + text
					continue
				}
			}
			add(map[string]any{"output_type": "stream", "name": name, "text": text})
		case "display_data", "execute_result":
			out := map[string]any{"output_type": o.MsgType, "data": orEmpty(c["data"]), "metadata": orEmpty(c["metadata"])}
			if o.MsgType == "execute_result" {
				out["execution_count"] = c["execution_count"]
			}
			add(out)
			if tr, ok := c["transient"].(map[string]any); ok {
				if id, ok := tr["display_id"].(string); ok && id != "" {
					displays[id] = append(displays[id], out)
				}
			}
		case "update_display_data":
			tr, _ := c["transient"].(map[string]any)
			id, _ := tr["display_id"].(string)
			for _, out := range displays[id] {
				out["data"] = orEmpty(c["data"])
				out["metadata"] = orEmpty(c["metadata"])
			}
		case "clear_output":
			if w, _ := c["wait"].(bool); w {
				clearPending = true
			} else {
				outs = []any{}
			}
		case "error":
			tb, _ := c["traceback"].([]any)
			if tb == nil {
				tb = []any{}
			}
			add(map[string]any{"output_type": "error", "ename": c["ename"], "evalue": c["evalue"], "traceback": tb})
		}
	}
	return outs
}

func orEmpty(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{}
}
