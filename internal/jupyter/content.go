package jupyter

// The contents of the messages this repository sends and reads, as typed
// structs (messaging spec 5.3). MIME bundles (data, metadata, transient)
// stay maps: their keys are open-ended.

// Status is the content of an iopub status message.
type Status struct {
	ExecutionState string `json:"execution_state"` // starting, busy, idle
}

// Error is the content of an iopub error message, and the error part of a
// reply whose status is "error".
type Error struct {
	Ename     string   `json:"ename"`
	Evalue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// ExecuteRequest is the content of an execute_request. StoreHistory and
// StopOnError are pointers because both default to true when absent.
type ExecuteRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`
	AllowStdin      bool              `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error,omitempty"`
}

// ExecuteReply is the content of an execute_reply. Status is "ok",
// "error" (then Error is set) or "aborted".
type ExecuteReply struct {
	Status          string         `json:"status"`
	ExecutionCount  int            `json:"execution_count"`
	UserExpressions map[string]any `json:"user_expressions"`
	Payload         []any          `json:"payload"`
	*Error
}

// ExecuteInput is the content of an iopub execute_input.
type ExecuteInput struct {
	Code           string `json:"code"`
	ExecutionCount int    `json:"execution_count"`
}

// ExecuteResult is the content of an iopub execute_result.
type ExecuteResult struct {
	ExecutionCount int            `json:"execution_count"`
	Data           map[string]any `json:"data"`
	Metadata       map[string]any `json:"metadata"`
}

// DisplayData is the content of display_data and update_display_data.
type DisplayData struct {
	Data      map[string]any `json:"data"`
	Metadata  map[string]any `json:"metadata"`
	Transient map[string]any `json:"transient"`
}

// ClearOutput is the content of clear_output.
type ClearOutput struct {
	Wait bool `json:"wait"`
}

// Stream is the content of an iopub stream message.
type Stream struct {
	Name string `json:"name"` // stdout or stderr
	Text string `json:"text"`
}

// StatusReply is a reply that carries only its status (interrupt_reply).
type StatusReply struct {
	Status string `json:"status"`
}

// ErrorReply is a reply with status "error" to a request that failed as a
// whole (an unknown msg_type, content that does not decode).
type ErrorReply struct {
	Status string `json:"status"`
	Error
}

// NewErrorReply returns an ErrorReply.
func NewErrorReply(ename, evalue string) ErrorReply {
	return ErrorReply{Status: "error", Error: Error{Ename: ename, Evalue: evalue, Traceback: []string{}}}
}

// ShutdownRequest is the content of shutdown_request; the reply has the
// same field and a status.
type ShutdownRequest struct {
	Restart bool `json:"restart"`
}

// ShutdownReply is the content of shutdown_reply.
type ShutdownReply struct {
	Status  string `json:"status"`
	Restart bool   `json:"restart"`
}

// LanguageInfo is the language_info of a kernel_info_reply.
type LanguageInfo struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	Mimetype       string `json:"mimetype"`
	FileExtension  string `json:"file_extension"`
	PygmentsLexer  string `json:"pygments_lexer"`
	CodemirrorMode string `json:"codemirror_mode"`
}

// HelpLink is one entry of a kernel_info_reply's help_links.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// KernelInfoReply is the content of a kernel_info_reply.
type KernelInfoReply struct {
	Status                string     `json:"status"`
	ProtocolVersion       string     `json:"protocol_version"`
	Implementation        string     `json:"implementation"`
	ImplementationVersion string     `json:"implementation_version"`
	Banner                string     `json:"banner"`
	HelpLinks             []HelpLink `json:"help_links"`
}

// CodeRequest is the content of complete_request, inspect_request and
// is_complete_request (is_complete has no cursor). CursorPos counts
// Unicode code points (protocol 5.2+).
type CodeRequest struct {
	Code        string `json:"code"`
	CursorPos   int    `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level,omitempty"`
}

// IsCompleteReply is the content of is_complete_reply.
type IsCompleteReply struct {
	Status string `json:"status"` // complete, incomplete, invalid, unknown
	Indent string `json:"indent,omitempty"`
}

// CompleteReply is the content of complete_reply.
type CompleteReply struct {
	Status      string         `json:"status"`
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata"`
}

// InspectReply is the content of inspect_reply.
type InspectReply struct {
	Status   string         `json:"status"`
	Found    bool           `json:"found"`
	Data     map[string]any `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

// HistoryReply is the content of history_reply.
type HistoryReply struct {
	Status  string `json:"status"`
	History []any  `json:"history"`
}

// InputRequest is the content of input_request (kernel to client, stdin).
type InputRequest struct {
	Prompt   string `json:"prompt"`
	Password bool   `json:"password"`
}

// InputReply is the content of input_reply (client to kernel, stdin).
type InputReply struct {
	Value string `json:"value"`
}

// Comm is the content of comm_open, comm_msg and comm_close.
type Comm struct {
	CommID     string         `json:"comm_id"`
	TargetName string         `json:"target_name,omitempty"`
	Data       map[string]any `json:"data"`
	Metadata   map[string]any `json:"metadata,omitempty"`
}

// CommInfoRequest is the content of comm_info_request.
type CommInfoRequest struct {
	TargetName string `json:"target_name,omitempty"`
}

// CommInfo is one entry of a comm_info_reply.
type CommInfo struct {
	TargetName string `json:"target_name"`
}

// CommInfoReply is the content of comm_info_reply.
type CommInfoReply struct {
	Status string              `json:"status"`
	Comms  map[string]CommInfo `json:"comms"`
}
