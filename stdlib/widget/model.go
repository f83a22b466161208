// Package widget puts interactive controls in notebook cells: sliders,
// dropdowns, checkboxes, toggle and click buttons, text fields, output areas
// and boxes that lay them out, with callbacks in Go.
//
// The controls speak the ipywidgets wire format (protocol 2.1: comm target
// "jupyter.widget", the @jupyter-widgets/base and /controls 2.0.0 models and
// their state, update and echo_update messages), so a notebook that uses
// them works in JupyterLab with ipywidgets installed as well as in the
// playground, which renders the same models natively.
//
// A control shows when it is a cell's last value (or through display.Show).
// Its value is readable and settable from any later cell; callbacks run in
// the kernel, one at a time, under the interpreter's lock:
//
//	eps := widget.NewFloatSlider("ε", 0.2, 0, 1, 0.01)
//	eps.OnChange(func(v float64) { fmt.Println("ε is now", v) })
//	eps
//
// Interact reruns a function whenever one of its controls changes and shows
// its result in place:
//
//	widget.Interact(func() any { return plotClip(eps.Value()) }, eps)
//
// The package reaches the kernel only through rlvr/comm (a Transport the
// kernel installs) and rlvr/display; outside a kernel the controls still
// work as values, and messages to the front end are dropped.
package widget

import (
	"fmt"
	"sort"
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/comm"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Wire-format constants (ipywidgets 8).
const (
	// Target is the comm target of widget models.
	Target = "jupyter.widget"
	// ControlTarget is the comm target a front end opens to ask for every
	// model's state at once (after a page reload).
	ControlTarget = "jupyter.widget.control"
	// ProtocolVersion is the widget message protocol spoken.
	ProtocolVersion = "2.1.0"
	// MIMEView is the output MIME type that shows a model's view.
	MIMEView = "application/vnd.jupyter.widget-view+json"
	// MIMEState is the notebook metadata key of saved widget state.
	MIMEState = "application/vnd.jupyter.widget-state+json"

	baseModule     = "@jupyter-widgets/base"
	controlsModule = "@jupyter-widgets/controls"
	outputModule   = "@jupyter-widgets/output"
	moduleVersion  = "2.0.0"
	outputVersion  = "1.0.0"
)

// Widget is a control or container that can be shown and laid out in a
// box. Every type of this package implements it.
type Widget interface {
	// ModelID is the id of the widget's model (its comm id).
	ModelID() string
	// Render shows the widget's view (display.Renderer).
	Render() display.Output
}

// model is one widget model: its comm, its state and its listeners.
type model struct {
	comm *comm.Comm
	name string // _model_name, e.g. IntSliderModel

	mu       sync.Mutex
	state    map[string]any
	onChange []func(key string)
	onCustom func(content map[string]any)
}

// models are the open models by id, for the control target's
// request_states.
var models = struct {
	sync.Mutex
	byID map[string]*model
}{byID: map[string]*model{}}

func init() {
	comm.RegisterTarget(ControlTarget, openControl)
}

// newModel opens a model from its module, names and its own state, over
// the common fields (modules, versions, names).
func newModel(module, version, name, view, viewModule string, state map[string]any) *model {
	if viewModule == "" {
		viewModule = module
	}
	viewVersion := version
	if viewModule == baseModule {
		viewVersion = moduleVersion
	}
	st := map[string]any{
		"_model_module": module, "_model_module_version": version, "_model_name": name,
		"_view_module": viewModule, "_view_module_version": viewVersion, "_view_name": view,
	}
	for k, v := range state {
		st[k] = v
	}
	m := &model{name: name, state: st}
	m.comm = comm.Open(Target, comm.Message{
		Data:     map[string]any{"state": copyState(st), "buffer_paths": []any{}},
		Metadata: map[string]any{"version": ProtocolVersion},
	})
	m.comm.OnMsg(m.receive)
	m.comm.OnClose(func(comm.Message) { forget(m) })
	models.Lock()
	models.byID[m.comm.ID()] = m
	models.Unlock()
	return m
}

// domState is the state every DOMWidget has, with a new layout and, when
// style names a style model, a new style.
func domState(style string) map[string]any {
	st := map[string]any{
		"_dom_classes": []any{},
		"layout":       ref(newModel(baseModule, moduleVersion, "LayoutModel", "LayoutView", "", layoutState())),
		"tabbable":     nil,
		"tooltip":      nil,
	}
	if style != "" {
		st["style"] = ref(newModel(controlsModule, moduleVersion, style, "StyleView", baseModule, styleState[style]))
	}
	return st
}

// describedState is domState with a description.
func describedState(style, description string) map[string]any {
	st := domState(style)
	st["description"] = description
	st["description_allow_html"] = false
	st["disabled"] = false
	return st
}

// ref is how one model's state refers to another.
func ref(m *model) string { return "IPY_MODEL_" + m.comm.ID() }

// layoutState is a LayoutModel's state: every CSS property unset.
func layoutState() map[string]any {
	st := map[string]any{}
	for _, k := range layoutProps {
		st[k] = nil
	}
	return st
}

var layoutProps = []string{"align_content", "align_items", "align_self", "border_bottom", "border_left",
	"border_right", "border_top", "bottom", "display", "flex", "flex_flow", "grid_area", "grid_auto_columns",
	"grid_auto_flow", "grid_auto_rows", "grid_column", "grid_gap", "grid_row", "grid_template_areas",
	"grid_template_columns", "grid_template_rows", "height", "justify_content", "justify_items", "left",
	"margin", "max_height", "max_width", "min_height", "min_width", "object_fit", "object_position", "order",
	"overflow", "padding", "right", "top", "visibility", "width"}

// styleState is each style model's state, all unset.
var styleState = map[string]map[string]any{
	"SliderStyleModel":       {"description_width": "", "handle_color": nil},
	"DescriptionStyleModel":  {"description_width": ""},
	"CheckboxStyleModel":     {"description_width": "", "background": nil},
	"TextStyleModel":         {"description_width": "", "background": nil, "font_size": nil, "text_color": nil},
	"HTMLStyleModel":         {"description_width": "", "background": nil, "font_size": nil, "text_color": nil},
	"ButtonStyleModel":       {"button_color": nil, "font_family": nil, "font_size": nil, "font_style": nil, "font_variant": nil, "font_weight": nil, "text_color": nil, "text_decoration": nil},
	"ToggleButtonStyleModel": {"description_width": "", "font_family": nil, "font_size": nil, "font_style": nil, "font_variant": nil, "font_weight": nil, "text_color": nil, "text_decoration": nil},
}

// ModelID is the model's id.
func (m *model) ModelID() string { return m.comm.ID() }

// Render is the view output of the model: the widget-view MIME type and a
// text form for front ends without widgets.
func (m *model) Render() display.Output {
	return display.Output{Data: map[string]any{
		MIMEView:     map[string]any{"model_id": m.ModelID(), "version_major": 2, "version_minor": 0},
		"text/plain": m.String(),
	}}
}

// String names the model and its value, if it has one.
func (m *model) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := m.name[:len(m.name)-len("Model")]
	if v, ok := m.state["value"]; ok {
		return fmt.Sprintf("%s(value=%v)", name, v)
	}
	return name + "()"
}

// get reads one state field.
func (m *model) get(key string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[key]
}

// set changes state fields from the kernel's side: the front ends get an
// update and the change listeners run.
func (m *model) set(kv map[string]any) {
	m.mu.Lock()
	for k, v := range kv {
		m.state[k] = v
	}
	m.mu.Unlock()
	m.comm.Send(map[string]any{"method": "update", "state": kv, "buffer_paths": []any{}}, nil)
	m.changed(kv)
}

// changed runs the listeners for each changed key, in key order.
func (m *model) changed(kv map[string]any) {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m.mu.Lock()
	fs := append([]func(string){}, m.onChange...)
	m.mu.Unlock()
	for _, k := range keys {
		for _, f := range fs {
			f(k)
		}
	}
}

// listen adds a change listener.
func (m *model) listen(f func(key string)) {
	m.mu.Lock()
	m.onChange = append(m.onChange, f)
	m.mu.Unlock()
}

// receive handles the front end's messages on the model's comm.
func (m *model) receive(msg comm.Message) {
	switch msg.Data["method"] {
	case "update":
		st, _ := msg.Data["state"].(map[string]any)
		kv := map[string]any{}
		m.mu.Lock()
		for k, v := range st {
			if old, ok := m.state[k]; ok {
				v = coerce(old, v)
			}
			if k == "_model_name" || k == "_model_module" {
				continue // a front end cannot change what the model is
			}
			m.state[k] = v
			kv[k] = v
		}
		m.mu.Unlock()
		// Protocol 2.1: echo the update to every front end, so that
		// others follow and the sender knows the kernel's order.
		m.comm.Send(map[string]any{"method": "echo_update", "state": kv, "buffer_paths": []any{}}, nil)
		m.changed(kv)
	case "request_state":
		m.comm.Send(map[string]any{"method": "update", "state": m.snapshot(), "buffer_paths": []any{}}, nil)
	case "custom":
		content, _ := msg.Data["content"].(map[string]any)
		m.mu.Lock()
		f := m.onCustom
		m.mu.Unlock()
		if f != nil {
			f(content)
		}
	}
}

// coerce converts a JSON value from the front end to the kind of the field
// it replaces (JSON numbers decode as float64; an int field stays int).
func coerce(old, v any) any {
	if f, ok := v.(float64); ok {
		if _, isInt := old.(int); isInt {
			return int(f)
		}
	}
	return v
}

func (m *model) snapshot() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyState(m.state)
}

func copyState(st map[string]any) map[string]any {
	out := make(map[string]any, len(st))
	for k, v := range st {
		out[k] = v
	}
	return out
}

func forget(m *model) {
	models.Lock()
	delete(models.byID, m.comm.ID())
	models.Unlock()
}

// Close closes the model's comm: its views go away.
func (m *model) Close() {
	m.comm.Close(nil)
	forget(m)
}

// openControl answers the control comm a front end opens after a reload:
// request_states gets every open model's state (update_states).
func openControl(c *comm.Comm, _ comm.Message) {
	c.OnMsg(func(msg comm.Message) {
		if msg.Data["method"] != "request_states" {
			return
		}
		c.Send(map[string]any{"method": "update_states", "states": States(), "buffer_paths": map[string]any{}}, nil)
	})
}

// States is every open model's full state by model id, as the control
// target's update_states sends it.
func States() map[string]any {
	models.Lock()
	ms := make([]*model, 0, len(models.byID))
	for _, m := range models.byID {
		ms = append(ms, m)
	}
	models.Unlock()
	out := make(map[string]any, len(ms))
	for _, m := range ms {
		out[m.ModelID()] = m.snapshot()
	}
	return out
}

// NotebookState is the widget state a notebook saves in its metadata under
// MIMEState (Jupyter's "Save widget state"): version and, by model id, each
// model's module, name and state.
func NotebookState() map[string]any {
	st := map[string]any{}
	for id, s := range States() {
		s := s.(map[string]any)
		st[id] = map[string]any{
			"model_name":           s["_model_name"],
			"model_module":         s["_model_module"],
			"model_module_version": s["_model_module_version"],
			"state":                s,
		}
	}
	return map[string]any{"version_major": 2, "version_minor": 0, "state": st}
}
