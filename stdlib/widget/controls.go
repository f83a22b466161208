package widget

import (
	"fmt"
)

// IntSlider is a slider over integers (IntSliderModel).
type IntSlider struct{ *model }

// NewIntSlider returns a slider from min to max by step, at value.
func NewIntSlider(description string, value, min, max, step int) *IntSlider {
	st := describedState("SliderStyleModel", description)
	for k, v := range map[string]any{"value": value, "min": min, "max": max, "step": step,
		"behavior": "drag-tap", "continuous_update": true, "orientation": "horizontal",
		"readout": true, "readout_format": "d"} {
		st[k] = v
	}
	return &IntSlider{newModel(controlsModule, moduleVersion, "IntSliderModel", "IntSliderView", "", st)}
}

// Value is the slider's value.
func (s *IntSlider) Value() int { return s.get("value").(int) }

// Set moves the slider; its views and OnChange callbacks follow.
func (s *IntSlider) Set(v int) { s.set(map[string]any{"value": v}) }

// SetRange changes the slider's bounds (a stepped episode that got longer or
// shorter, say). A value outside them moves to the nearer bound, and then
// the OnChange callbacks run; a min above max is an error.
func (s *IntSlider) SetRange(min, max int) error {
	if min > max {
		return fmt.Errorf("widget: slider %q: min %d above max %d", s.get("description"), min, max)
	}
	kv := map[string]any{"min": min, "max": max}
	if v := s.Value(); v < min {
		kv["value"] = min
	} else if v > max {
		kv["value"] = max
	}
	s.set(kv)
	return nil
}

// OnChange runs f with the new value whenever it changes.
func (s *IntSlider) OnChange(f func(int)) {
	s.listen(func(k string) {
		if k == "value" {
			f(s.Value())
		}
	})
}

// FloatSlider is a slider over float64 values (FloatSliderModel).
type FloatSlider struct{ *model }

// NewFloatSlider returns a slider from min to max by step, at value.
func NewFloatSlider(description string, value, min, max, step float64) *FloatSlider {
	st := describedState("SliderStyleModel", description)
	for k, v := range map[string]any{"value": value, "min": min, "max": max, "step": step,
		"behavior": "drag-tap", "continuous_update": true, "orientation": "horizontal",
		"readout": true, "readout_format": ".2f"} {
		st[k] = v
	}
	return &FloatSlider{newModel(controlsModule, moduleVersion, "FloatSliderModel", "FloatSliderView", "", st)}
}

// Value is the slider's value.
func (s *FloatSlider) Value() float64 { return toFloat(s.get("value")) }

// Set moves the slider; its views and OnChange callbacks follow.
func (s *FloatSlider) Set(v float64) { s.set(map[string]any{"value": v}) }

// OnChange runs f with the new value whenever it changes.
func (s *FloatSlider) OnChange(f func(float64)) {
	s.listen(func(k string) {
		if k == "value" {
			f(s.Value())
		}
	})
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}

// Dropdown picks one of a list of options (DropdownModel). The front end
// sends the chosen index.
type Dropdown struct{ *model }

// NewDropdown returns a dropdown of options with value chosen (the first
// option when value is not among them).
func NewDropdown(description string, options []string, value string) *Dropdown {
	st := describedState("DescriptionStyleModel", description)
	st["_options_labels"] = labels(options)
	st["index"] = indexOf(options, value)
	return &Dropdown{newModel(controlsModule, moduleVersion, "DropdownModel", "DropdownView", "", st)}
}

func labels(options []string) []any {
	out := make([]any, len(options))
	for i, o := range options {
		out[i] = o
	}
	return out
}

func indexOf(options []string, v string) any {
	for i, o := range options {
		if o == v {
			return i
		}
	}
	if len(options) == 0 {
		return nil
	}
	return 0
}

// Options are the dropdown's options.
func (d *Dropdown) Options() []string {
	ls, _ := d.get("_options_labels").([]any)
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprint(l)
	}
	return out
}

// Index is the chosen option's index, -1 for none.
func (d *Dropdown) Index() int {
	if i, ok := d.get("index").(int); ok {
		return i
	}
	return -1
}

// Value is the chosen option, "" for none.
func (d *Dropdown) Value() string {
	opts, i := d.Options(), d.Index()
	if i < 0 || i >= len(opts) {
		return ""
	}
	return opts[i]
}

// Set chooses the option v; it fails when v is not an option.
func (d *Dropdown) Set(v string) error {
	i, ok := indexOf(d.Options(), v).(int)
	if !ok || d.Options()[i] != v {
		return fmt.Errorf("widget: %q is not an option of the dropdown %v", v, d.Options())
	}
	d.set(map[string]any{"index": i})
	return nil
}

// SetOptions replaces the options, choosing value (or the first option).
func (d *Dropdown) SetOptions(options []string, value string) {
	d.set(map[string]any{"_options_labels": labels(options), "index": indexOf(options, value)})
}

// OnChange runs f with the chosen option whenever the choice changes.
func (d *Dropdown) OnChange(f func(string)) {
	d.listen(func(k string) {
		if k == "index" {
			f(d.Value())
		}
	})
}

// Checkbox is a labelled check box (CheckboxModel).
type Checkbox struct{ *model }

// NewCheckbox returns a checkbox, checked when value.
func NewCheckbox(description string, value bool) *Checkbox {
	st := describedState("CheckboxStyleModel", description)
	st["value"], st["indent"] = value, true
	return &Checkbox{newModel(controlsModule, moduleVersion, "CheckboxModel", "CheckboxView", "", st)}
}

// Value reports whether the box is checked.
func (c *Checkbox) Value() bool { b, _ := c.get("value").(bool); return b }

// Set checks or clears the box.
func (c *Checkbox) Set(v bool) { c.set(map[string]any{"value": v}) }

// OnChange runs f with the new value whenever it changes.
func (c *Checkbox) OnChange(f func(bool)) {
	c.listen(func(k string) {
		if k == "value" {
			f(c.Value())
		}
	})
}

// Toggle is a button that stays pressed or released (ToggleButtonModel).
type Toggle struct{ *model }

// NewToggle returns a toggle button, pressed when value.
func NewToggle(description string, value bool) *Toggle {
	st := describedState("ToggleButtonStyleModel", description)
	st["value"], st["button_style"], st["icon"] = value, "", ""
	return &Toggle{newModel(controlsModule, moduleVersion, "ToggleButtonModel", "ToggleButtonView", "", st)}
}

// Value reports whether the button is pressed.
func (t *Toggle) Value() bool { b, _ := t.get("value").(bool); return b }

// Set presses or releases the button.
func (t *Toggle) Set(v bool) { t.set(map[string]any{"value": v}) }

// OnChange runs f with the new value whenever it changes.
func (t *Toggle) OnChange(f func(bool)) {
	t.listen(func(k string) {
		if k == "value" {
			f(t.Value())
		}
	})
}

// Button is a push button (ButtonModel).
type Button struct{ *model }

// NewButton returns a button labelled description.
func NewButton(description string) *Button {
	st := domState("ButtonStyleModel")
	st["description"], st["disabled"], st["button_style"], st["icon"] = description, false, "", ""
	b := &Button{newModel(controlsModule, moduleVersion, "ButtonModel", "ButtonView", "", st)}
	return b
}

// OnClick runs f on each click (the front end's custom "click" event).
// A second call replaces f.
func (b *Button) OnClick(f func()) {
	b.mu.Lock()
	b.onCustom = func(content map[string]any) {
		if content["event"] == "click" {
			f()
		}
	}
	b.mu.Unlock()
}

// Click runs the OnClick callback as a click in the front end would.
func (b *Button) Click() {
	b.receive(messageCustom("click"))
}

// SetDisabled greys the button out (or enables it again).
func (b *Button) SetDisabled(v bool) { b.set(map[string]any{"disabled": v}) }

// Text is a one-line text field (TextModel).
type Text struct{ *model }

// NewText returns a text field holding value.
func NewText(description, value string) *Text {
	st := describedState("TextStyleModel", description)
	st["value"], st["placeholder"], st["continuous_update"] = value, "\u200b", true
	return &Text{newModel(controlsModule, moduleVersion, "TextModel", "TextView", "", st)}
}

// Value is the field's text.
func (t *Text) Value() string { s, _ := t.get("value").(string); return s }

// Set replaces the field's text.
func (t *Text) Set(v string) { t.set(map[string]any{"value": v}) }

// OnChange runs f with the new text whenever it changes.
func (t *Text) OnChange(f func(string)) {
	t.listen(func(k string) {
		if k == "value" {
			f(t.Value())
		}
	})
}

// HTML shows a piece of HTML, a label that cells can change (HTMLModel).
type HTML struct{ *model }

// NewHTML returns an HTML widget showing value.
func NewHTML(value string) *HTML {
	st := describedState("HTMLStyleModel", "")
	delete(st, "disabled")
	st["value"], st["placeholder"] = value, "\u200b"
	return &HTML{newModel(controlsModule, moduleVersion, "HTMLModel", "HTMLView", "", st)}
}

// Value is the HTML shown.
func (h *HTML) Value() string { s, _ := h.get("value").(string); return s }

// Set replaces the HTML shown.
func (h *HTML) Set(v string) { h.set(map[string]any{"value": v}) }

// Box lays widgets out in a row (HBox) or a column (VBox).
type Box struct{ *model }

// HBox lays children out in a row.
func HBox(children ...Widget) *Box { return newBox("HBox", children) }

// VBox lays children out in a column.
func VBox(children ...Widget) *Box { return newBox("VBox", children) }

func newBox(kind string, children []Widget) *Box {
	st := domState("")
	st["box_style"], st["children"] = "", refs(children)
	return &Box{newModel(controlsModule, moduleVersion, kind+"Model", kind+"View", "", st)}
}

func refs(ws []Widget) []any {
	out := make([]any, len(ws))
	for i, w := range ws {
		out[i] = "IPY_MODEL_" + w.ModelID()
	}
	return out
}

// SetChildren replaces the box's children.
func (b *Box) SetChildren(children ...Widget) { b.set(map[string]any{"children": refs(children)}) }
