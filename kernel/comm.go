package kernel

import (
	"context"
	"strings"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/stdlib/comm"
)

// The Jupyter comm protocol (comm_open, comm_msg, comm_close,
// comm_info_request) in both directions. The registry of targets and open
// comms lives in stdlib/comm, which cells use; the kernel moves the
// messages: it hands the front end's to comm.Deliver* and publishes the
// cells' through commTransport.
//
// Callbacks run under the interpreter's lock (k.interpMu), which a cell
// holds while it runs, so a callback never runs beside a cell or another
// callback. They run through exec.Call, so that an interrupt stops them and
// a panic is reported (as stderr stream output, parented to the message
// that triggered the callback) while the kernel lives.

// handleComm answers the comm messages on shell. comm_open, comm_msg and
// comm_close have no reply: one whose content does not decode is logged
// and dropped.
func (k *Kernel) handleComm(m *jupyter.Message, msgType string) {
	if msgType == "comm_info_request" {
		var c jupyter.CommInfoRequest
		if err := decodeContent(m, msgType, &c); err != nil {
			k.reply(k.shell, m, "comm_info_reply", jupyter.NewErrorReply("BadRequest", err.Error()))
			return
		}
		comms := map[string]jupyter.CommInfo{}
		for id, t := range comm.Info(c.TargetName) {
			comms[id] = jupyter.CommInfo{TargetName: t}
		}
		k.reply(k.shell, m, "comm_info_reply", jupyter.CommInfoReply{Status: "ok", Comms: comms})
		return
	}
	var c jupyter.Comm
	if err := decodeContent(m, msgType, &c); err != nil {
		k.log.Printf("%v", err)
		return
	}
	if c.CommID == "" {
		k.log.Printf("%s: no comm_id", msgType)
		return
	}
	msg := comm.Message{Data: orEmpty(c.Data), Metadata: orEmpty(c.Metadata), Buffers: m.Buffers}
	var err error
	k.runCallback(m, func() {
		switch msgType {
		case "comm_open":
			err = comm.DeliverOpen(c.CommID, c.TargetName, msg)
		case "comm_msg":
			err = comm.DeliverMsg(c.CommID, msg)
		case "comm_close":
			err = comm.DeliverClose(c.CommID, msg)
		}
	})
	if err != nil {
		k.log.Printf("%v", err)
		if msgType == "comm_open" {
			// An unknown target: close the comm as ipykernel does, so the
			// front end does not wait on it.
			k.publish(m, "comm_close", jupyter.Comm{CommID: c.CommID, Data: map[string]any{}})
		}
	}
}

// runCallback runs f under the interpreter's lock with parent as the parent
// of its outputs; an interrupt cancels it. A failure is printed on stderr.
func (k *Kernel) runCallback(parent *jupyter.Message, f func()) {
	k.interpMu.Lock()
	defer k.interpMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.curMu.Lock()
	prev, prevCancel := k.cur, k.curCancel
	k.cur, k.curCancel = parent, cancel
	k.commParent = parent
	k.curMu.Unlock()
	defer func() {
		k.curMu.Lock()
		k.cur, k.curCancel = prev, prevCancel
		k.curMu.Unlock()
	}()
	e := k.exec.Call(ctx, f)
	k.streams.sync()
	if e != nil {
		k.emitStream("stderr", "comm callback failed: "+strings.Join(e.Traceback, "\n")+"\n")
	}
}

// commTransport is the comm.Transport of the kernel: it publishes the
// cells' comm messages on iopub, parented to the running cell or callback.
type commTransport struct{ k *Kernel }

func (t commTransport) publish(msgType string, c jupyter.Comm, buffers [][]byte) {
	k := t.k
	k.streams.sync()
	if c.Data == nil {
		c.Data = map[string]any{}
	}
	if c.Metadata == nil && msgType == "comm_open" {
		c.Metadata = map[string]any{}
	}
	k.publishBuffers(k.parent(), msgType, c, buffers)
}

func (t commTransport) Open(id, target string, m comm.Message) {
	t.publish("comm_open", jupyter.Comm{CommID: id, TargetName: target, Data: m.Data, Metadata: m.Metadata}, m.Buffers)
}

func (t commTransport) Send(id string, m comm.Message) {
	t.publish("comm_msg", jupyter.Comm{CommID: id, Data: m.Data, Metadata: m.Metadata}, m.Buffers)
}

func (t commTransport) Close(id string, m comm.Message) {
	t.publish("comm_close", jupyter.Comm{CommID: id, Data: m.Data}, nil)
}

// Run runs f as a callback, parented to the comm message that came last.
// It must not be called from a cell or a callback (it would wait for
// itself): goroutines call it.
func (t commTransport) Run(f func()) {
	k := t.k
	k.curMu.Lock()
	parent := k.commParent
	if parent == nil {
		parent = k.cur
	}
	k.curMu.Unlock()
	k.runCallback(parent, f)
}

// publishBuffers is publish with binary buffers after the content.
func (k *Kernel) publishBuffers(req *jupyter.Message, msgType string, content any, buffers [][]byte) {
	if len(buffers) == 0 {
		k.publish(req, msgType, content)
		return
	}
	topic := []byte("kernel." + k.session + "." + msgType)
	k.sendMessage(k.iopub, [][]byte{topic}, req, msgType, content, buffers)
}
