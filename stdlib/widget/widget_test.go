package widget

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/comm"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// recorder is a comm.Transport that keeps what the widgets send, as the
// kernel would publish it, and runs callbacks under one lock as the kernel
// does.
type recorder struct {
	mu    sync.Mutex
	opens map[string]comm.Message // by comm id
	msgs  []sent
	run   sync.Mutex
}

type sent struct {
	id string
	m  comm.Message
}

func (r *recorder) Open(id, target string, m comm.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if target != Target {
		panic("opened " + target)
	}
	r.opens[id] = m
}
func (r *recorder) Send(id string, m comm.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, sent{id, m})
	r.mu.Unlock()
}
func (r *recorder) Close(string, comm.Message) {}
func (r *recorder) Run(f func()) {
	r.run.Lock()
	defer r.run.Unlock()
	f()
}

// last is the last message sent on comm id with the given method.
func (r *recorder) last(id, method string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.msgs) - 1; i >= 0; i-- {
		if r.msgs[i].id == id && r.msgs[i].m.Data["method"] == method {
			return r.msgs[i].m.Data
		}
	}
	return nil
}

func record(t *testing.T) *recorder {
	r := &recorder{opens: map[string]comm.Message{}}
	prev := comm.SetTransport(r)
	t.Cleanup(func() { comm.SetTransport(prev) })
	return r
}

// update delivers a front end's state update to w, as the kernel does.
func update(t *testing.T, w Widget, state map[string]any) {
	t.Helper()
	if err := comm.DeliverMsg(w.ModelID(), comm.Message{Data: map[string]any{"method": "update", "state": state, "buffer_paths": []any{}}}); err != nil {
		t.Fatal(err)
	}
}

// schemaModel is one model of @jupyter-widgets/schema's
// jupyterwidgetmodels.latest.json.
type schemaModel struct {
	Model struct {
		Module, Name, Version string
	}
	View struct {
		Module, Name, Version string
	}
	Attributes []struct {
		Name string `json:"name"`
		Type any    `json:"type"` // a name, or a list of names

		AllowNone bool `json:"allow_none"`
		Default   any  `json:"default"`
	}
}

// TestModelsMatchSchema opens every kind of widget and checks each model
// it opened (layouts and styles included) against the published schema of
// the ipywidgets 8 models, from npm's @jupyter-widgets/schema: module,
// version and view, the exact set of state fields, and each value's type.
func TestModelsMatchSchema(t *testing.T) {
	path := filepath.Join("..", "..", "node_modules", "@jupyter-widgets", "schema", "jupyterwidgetmodels.latest.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the widget schema comes from npm (make deps-npm): %v", err)
	}
	var spec []schemaModel
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	byName := map[string]schemaModel{}
	for _, m := range spec {
		byName[m.Model.Module+" "+m.Model.Name] = m
	}

	r := record(t)
	s := NewIntSlider("n", 3, 0, 10, 1)
	f := NewFloatSlider("ε", 0.2, 0, 1, 0.01)
	d := NewDropdown("action", []string{"go north", "take key"}, "take key")
	c := NewCheckbox("greedy", true)
	tg := NewToggle("play", false)
	b := NewButton("step")
	tx := NewText("name", "x")
	h := NewHTML("<b>hi</b>")
	o := NewOutput()
	HBox(s, f)
	VBox(d, c, tg, b, tx, h, o)
	Interact(func() any { return 1 }, s)

	seen := map[string]bool{}
	for id, m := range r.opens {
		if m.Metadata["version"] != ProtocolVersion {
			t.Errorf("%s: comm_open metadata %v", id, m.Metadata)
		}
		st := m.Data["state"].(map[string]any)
		key := st["_model_module"].(string) + " " + st["_model_name"].(string)
		sm, ok := byName[key]
		if !ok {
			t.Errorf("model %s is not in the schema", key)
			continue
		}
		seen[st["_model_name"].(string)] = true
		if st["_model_module_version"] != sm.Model.Version || st["_view_name"] != sm.View.Name ||
			st["_view_module"] != sm.View.Module || st["_view_module_version"] != sm.View.Version {
			t.Errorf("%s: module/view %v %v %v %v, schema %+v %+v", key, st["_model_module_version"], st["_view_name"], st["_view_module"], st["_view_module_version"], sm.Model, sm.View)
		}
		var want, got []string
		for _, a := range sm.Attributes {
			want = append(want, a.Name)
			v, present := st[a.Name]
			if !present {
				continue
			}
			if msg := typeMismatchAny(a.Type, a.AllowNone, v, r.opens); msg != "" {
				t.Errorf("%s.%s: %s (schema type %s, value %#v)", key, a.Name, msg, a.Type, v)
			}
		}
		for k := range st {
			got = append(got, k)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			t.Errorf("%s: state fields\n got %v\nwant %v", key, got, want)
		}
	}
	for _, n := range []string{"IntSliderModel", "FloatSliderModel", "DropdownModel", "CheckboxModel", "ToggleButtonModel",
		"ButtonModel", "TextModel", "HTMLModel", "OutputModel", "HBoxModel", "VBoxModel", "LayoutModel",
		"SliderStyleModel", "DescriptionStyleModel", "ButtonStyleModel", "CheckboxStyleModel", "TextStyleModel",
		"HTMLStyleModel", "ToggleButtonStyleModel"} {
		if !seen[n] {
			t.Errorf("no %s was opened", n)
		}
	}
}

// typeMismatchAny is typeMismatch for a type or a list of types (any may
// match).
func typeMismatchAny(typ any, allowNone bool, v any, opens map[string]comm.Message) string {
	names, ok := typ.([]any)
	if !ok {
		names = []any{typ}
	}
	msg := ""
	for _, n := range names {
		if msg = typeMismatch(fmt.Sprint(n), allowNone, v, opens); msg == "" {
			return ""
		}
	}
	return msg
}

// typeMismatch says how v fails the schema type, or "".
func typeMismatch(typ string, allowNone bool, v any, opens map[string]comm.Message) string {
	if v == nil {
		if allowNone {
			return ""
		}
		return "null where none is allowed"
	}
	ok := false
	switch typ {
	case "string":
		_, ok = v.(string)
	case "bool":
		_, ok = v.(bool)
	case "int":
		_, ok = v.(int)
	case "float":
		_, ok = v.(float64)
	case "array":
		_, ok = v.([]any)
	case "reference":
		s, _ := v.(string)
		_, ok = opens[strings.TrimPrefix(s, "IPY_MODEL_")]
		if !ok {
			return "not a reference to an opened model"
		}
	default:
		return "" // object, Dict, bytes: none of our fields
	}
	if !ok {
		return "wrong type"
	}
	return ""
}

// TestUpdateEchoAndCallbacks: a front end's update changes the value,
// is echoed to every front end (echo_update), and runs OnChange with a
// value of the field's Go type; Set from the kernel sends update.
func TestUpdateEchoAndCallbacks(t *testing.T) {
	r := record(t)
	s := NewIntSlider("n", 3, 0, 10, 1)
	var got []int
	s.OnChange(func(v int) { got = append(got, v) })
	update(t, s, map[string]any{"value": 7.0})
	if s.Value() != 7 || len(got) != 1 || got[0] != 7 {
		t.Fatalf("after update: value %d, callbacks %v", s.Value(), got)
	}
	if e := r.last(s.ModelID(), "echo_update"); e == nil || e["state"].(map[string]any)["value"] != 7 {
		t.Fatalf("echo_update %v", e)
	}
	s.Set(2)
	if u := r.last(s.ModelID(), "update"); u == nil || u["state"].(map[string]any)["value"] != 2 || len(got) != 2 {
		t.Fatalf("Set: update %v, callbacks %v", u, got)
	}

	// A narrower range pulls the value in, with one update and a callback.
	if err := s.SetRange(0, 1); err != nil {
		t.Fatal(err)
	}
	u := r.last(s.ModelID(), "update")["state"].(map[string]any)
	if s.Value() != 1 || u["max"] != 1 || u["value"] != 1 || len(got) != 3 || got[2] != 1 {
		t.Fatalf("SetRange(0, 1): value %d, update %v, callbacks %v", s.Value(), u, got)
	}
	if err := s.SetRange(0, 20); err != nil || s.Value() != 1 || len(got) != 3 {
		t.Fatalf("SetRange(0, 20): err %v, value %d, callbacks %v (a value inside the range stays, no callback)", err, s.Value(), got)
	}
	if err := s.SetRange(5, 4); err == nil || !strings.Contains(err.Error(), "min 5 above max 4") {
		t.Fatalf("SetRange(5, 4): err %v", err)
	}

	d := NewDropdown("a", []string{"x", "y", "z"}, "y")
	var picked string
	d.OnChange(func(v string) { picked = v })
	update(t, d, map[string]any{"index": 2.0})
	if d.Value() != "z" || picked != "z" {
		t.Fatalf("dropdown: %q %q", d.Value(), picked)
	}
	if err := d.Set("nope"); err == nil || d.Value() != "z" {
		t.Fatalf("Set of a missing option: %v, value %q", err, d.Value())
	}

	b := NewButton("go")
	clicks := 0
	b.OnClick(func() { clicks++ })
	if err := comm.DeliverMsg(b.ModelID(), comm.Message{Data: map[string]any{"method": "custom", "content": map[string]any{"event": "click"}}}); err != nil {
		t.Fatal(err)
	}
	if clicks != 1 {
		t.Fatalf("clicks %d", clicks)
	}

	if err := comm.DeliverMsg(s.ModelID(), comm.Message{Data: map[string]any{"method": "request_state"}}); err != nil {
		t.Fatal(err)
	}
	if u := r.last(s.ModelID(), "update"); u["state"].(map[string]any)["_model_name"] != "IntSliderModel" {
		t.Fatalf("request_state answered %v", u)
	}
}

// TestControlRequestStates: after a reload the front end asks the control
// target for every model's state.
func TestControlRequestStates(t *testing.T) {
	r := record(t)
	s := NewFloatSlider("β", 0.5, 0, 1, 0.1)
	id := comm.NewID()
	if err := comm.DeliverOpen(id, ControlTarget, comm.Message{}); err != nil {
		t.Fatal(err)
	}
	if err := comm.DeliverMsg(id, comm.Message{Data: map[string]any{"method": "request_states"}}); err != nil {
		t.Fatal(err)
	}
	u := r.last(id, "update_states")
	st, _ := u["states"].(map[string]any)[s.ModelID()].(map[string]any)
	if st["value"] != 0.5 || st["_model_name"] != "FloatSliderModel" {
		t.Fatalf("update_states %v", u)
	}
	ns := NotebookState()["state"].(map[string]any)[s.ModelID()].(map[string]any)
	if ns["model_name"] != "FloatSliderModel" || ns["model_module"] != controlsModule {
		t.Fatalf("notebook state %v", ns)
	}
}

// TestInteractDebounced: twenty changes that come while the interpreter
// is busy (a cell or callback holds its lock) lead to one rerun, with the
// latest value, and its output replaces the old one.
func TestInteractDebounced(t *testing.T) {
	r := record(t)
	s := NewIntSlider("n", 0, 0, 100, 1)
	var mu sync.Mutex
	var seen []int
	it := Interact(func() any {
		mu.Lock()
		seen = append(seen, s.Value())
		mu.Unlock()
		return s.Value() * 10
	}, s)
	if it.Runs() != 1 || it.Out.Len() != 1 {
		t.Fatalf("Interact ran %d times, %d outputs", it.Runs(), it.Out.Len())
	}
	r.Run(func() {
		for v := 1; v <= 20; v++ {
			update(t, s, map[string]any{"value": float64(v)})
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		it.mu.Lock()
		idle := !it.running
		it.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rerun did not finish")
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[1] != 20 {
		t.Fatalf("runs saw %v, want [0 20]: one rerun with the latest value", seen)
	}
	outs := r.last(it.Out.ModelID(), "update")["state"].(map[string]any)["outputs"].([]any)
	data := outs[0].(map[string]any)["data"].(map[string]any)
	if len(outs) != 1 || data[display.MIMEText] != "200" {
		t.Fatalf("output after the reruns: %v", outs)
	}
}
