package notebook

import "github.com/rlvrworld/rlvrworld/kernel/client"

// widgetStateKey is where Jupyter saves widget state in notebook metadata.
const widgetStateKey = "application/vnd.jupyter.widget-state+json"

// widgetStates follows the widget models that cells open (comm_open on
// target jupyter.widget) and update (comm_msg update), so that a run saves
// their last state in the notebook's metadata as Jupyter does: the saved
// notebook then shows its widgets' last values without a kernel.
type widgetStates map[string]map[string]any // comm id -> state

func (w widgetStates) follow(ex *client.Execution) {
	for _, o := range ex.Outputs {
		id, _ := o.Content["comm_id"].(string)
		data, _ := o.Content["data"].(map[string]any)
		switch o.MsgType {
		case "comm_open":
			if o.Content["target_name"] != "jupyter.widget" {
				continue
			}
			st, _ := data["state"].(map[string]any)
			w[id] = st
		case "comm_msg":
			if st, ok := w[id]; ok && data["method"] == "update" {
				upd, _ := data["state"].(map[string]any)
				for k, v := range upd {
					st[k] = v
				}
			}
		case "comm_close":
			delete(w, id)
		}
	}
}

// save writes the state into metadata.widgets (nothing without widgets).
func (w widgetStates) save(nb *Notebook) {
	if len(w) == 0 {
		return
	}
	state := map[string]any{}
	for id, st := range w {
		state[id] = map[string]any{"model_name": st["_model_name"], "model_module": st["_model_module"],
			"model_module_version": st["_model_module_version"], "state": st}
	}
	md, _ := nb.raw["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		nb.raw["metadata"] = md
	}
	widgets, _ := md["widgets"].(map[string]any)
	if widgets == nil {
		widgets = map[string]any{}
		md["widgets"] = widgets
	}
	widgets[widgetStateKey] = map[string]any{"version_major": 2, "version_minor": 0, "state": state}
}
