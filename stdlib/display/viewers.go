package display

import "image"

// Frames is a video rollout for the frames viewer: predicted and true frames
// side by side, with per-frame metrics. As a cell's last value, or through
// Show, it renders with MIMEFrames plus a static PNG/HTML fallback. Several
// models' predictions of the same true frames share one viewer: the first
// model's are Predicted (named by Label), the others' are Others; the viewer
// then shows the true frame and one labelled column per model.
//
// The MIMEFrames JSON is
//
//	{"title": s, "context": [png64...], "predicted": [png64...], "truth": [png64...],
//	 "metrics": [{"mse": x, "ssim": y, ...}...], "repeated": [bool...],
//	 "label": s, "others": [{"label": s, "predicted": [...], "metrics": [...], "repeated": [...]}...]}
//
// with base64 PNGs; metrics and repeated have one entry per frame; label and
// others are left out when empty.
type Frames struct {
	Title string
	// Context are the frames the model was given (may be empty).
	Context []image.Image
	// Predicted and Truth have one frame per step.
	Predicted []image.Image
	Truth     []image.Image
	// Metrics holds per-frame metrics (for example "mse", "ssim").
	Metrics []map[string]float64
	// Repeated flags frames whose prediction repeats the previous frame while
	// the truth changed.
	Repeated []bool
	// Label names the model that predicted Predicted ("predicted" when
	// empty).
	Label string
	// Others are more models' predictions of the same true frames, each
	// shown beside the first.
	Others []Prediction
}

// Prediction is one model's predicted frames of a Frames value, with their
// per-frame metrics and repetition flags (as Frames' own).
type Prediction struct {
	Label     string
	Predicted []image.Image
	Metrics   []map[string]float64
	Repeated  []bool
}

// StateDiff compares a predicted next state with the true one, item by item,
// for the state-diff viewer. Items are objects of a text game or lines of a
// web page; the viewer marks items the step changed, added or removed, and the
// items the prediction got wrong. It renders with MIMEStateDiff plus an HTML
// fallback.
//
// The MIMEStateDiff JSON is
//
//	{"title": s, "items": [{"key": k, "before": s, "truth": s, "predicted": s}...]}
type StateDiff struct {
	Title string
	Items []DiffItem
}

// DiffItem is one item of a state in three versions. Text may span several
// lines (one property per line); an empty string means the item is absent
// from that version (added, removed, or predicted removed).
type DiffItem struct {
	Key       string `json:"key"`
	Before    string `json:"before"`
	Truth     string `json:"truth"`
	Predicted string `json:"predicted"`
}
