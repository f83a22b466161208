// kernel.js: a small client of the Jupyter kernel websocket
// (/api/kernels/{id}/channels?session_id=...): JSON text frames with a
// channel field, the legacy framing every Jupyter server speaks. Binary
// frames (messages with buffers) are decoded too, the buffers dropped.

function uuid() {
  return globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID()
    : Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// codePointOffset converts a UTF-16 offset in s (JavaScript strings) into
// the code point offset the Jupyter protocol (5.2+) counts in, and back.
export function toCodePoints(s, utf16) {
  return [...s.slice(0, utf16)].length;
}
export function fromCodePoints(s, cp) {
  let i = 0, n = 0;
  for (const ch of s) {
    if (n >= cp) break;
    i += ch.length;
    n++;
  }
  return i;
}

// decodeBinary decodes Jupyter's binary websocket framing: a uint32 count of
// offsets, the offsets, then the JSON message and its buffers.
export function decodeBinary(buf) {
  const dv = new DataView(buf);
  const n = dv.getUint32(0, true);
  const offsets = [];
  for (let i = 0; i < n; i++) offsets.push(dv.getUint32(4 * (i + 1), true));
  const end = n > 1 ? offsets[1] : buf.byteLength;
  const msg = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, offsets[0], end - offsets[0])));
  msg.buffers = [];
  for (let i = 1; i < n; i++) msg.buffers.push(new DataView(buf, offsets[i], (i + 1 < n ? offsets[i + 1] : buf.byteLength) - offsets[i]));
  return msg;
}

// Kernel is one connection to a kernel. Events (set the on* fields):
//   onStatus(state)        execution_state of every status message
//   onIopub(msg)           iopub messages without a known parent (other clients)
//   onConnection(state)    'connecting' | 'connected' | 'disconnected'
//   onGone()               reconnecting keeps failing
export class Kernel {
  constructor(kernelId, { sessionId = uuid(), username = 'playground' } = {}) {
    this.id = kernelId;
    this.session = sessionId;
    this.username = username;
    this.pending = new Map();
    // Finished requests, kept a while so that iopub output arriving after
    // the kernel went idle (a late stream flush) still reaches its cell.
    this.recent = new Map();
    this.onStatus = () => {};
    this.onIopub = () => {};
    // onMessage(msg) sees every message first (widgets.js); true consumes it.
    this.onMessage = null;
    this.onConnection = () => {};
    this.onGone = null;
    this.ws = null;
    this.closed = false;
    this.retry = 0;
    this.queue = [];
  }

  url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/api/kernels/${encodeURIComponent(this.id)}/channels?session_id=${encodeURIComponent(this.session)}`;
  }

  // connect opens the websocket and resolves when it is open; it reconnects
  // by itself when the connection drops.
  connect() {
    this.closed = false;
    return new Promise((resolve, reject) => {
      this.onConnection('connecting');
      const ws = new WebSocket(this.url());
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.retry = 0;
        this.onConnection('connected');
        for (const m of this.queue.splice(0)) ws.send(m);
        resolve();
      };
      ws.onmessage = (ev) => {
        let msg;
        try {
          msg = typeof ev.data === 'string' ? JSON.parse(ev.data) : decodeBinary(ev.data);
        } catch (e) {
          console.warn('kernel: undecodable message', e);
          return;
        }
        this.dispatch(msg);
      };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        this.ws = null;
        if (!opened) reject(new Error('could not connect to the kernel'));
        this.onConnection('disconnected');
        if (!this.closed) {
          // After a few failed attempts the kernel may be gone for good (the
          // server restarted): onGone lets the page check and start anew.
          if (!opened && this.retry >= 3 && this.onGone) this.onGone();
          const delay = Math.min(5000, 250 * 2 ** this.retry++);
          setTimeout(() => { if (!this.closed) this.connect().catch(() => {}); }, delay);
        }
      };
    });
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close();
    this.ws = null;
  }

  dispatch(msg) {
    const type = msg.header && msg.header.msg_type;
    const parent = msg.parent_header && msg.parent_header.msg_id;
    const p = parent ? this.pending.get(parent) : null;
    if (msg.channel === 'iopub' && type === 'status') this.onStatus(msg.content.execution_state, msg);
    if (this.onMessage && this.onMessage(msg)) return;
    if (!p) {
      const late = parent ? this.recent.get(parent) : null;
      if (late && msg.channel === 'iopub' && type !== 'status') {
        if (late.onIopub) late.onIopub(msg);
      } else if (msg.channel === 'iopub') this.onIopub(msg);
      return;
    }
    if (msg.channel === 'iopub') {
      if (type === 'status' && msg.content.execution_state === 'idle') {
        p.idle = true;
      } else if (p.onIopub) p.onIopub(msg);
    } else if (msg.channel === 'shell' || msg.channel === 'control') {
      p.reply = msg;
      if (p.onReply) p.onReply(msg);
    } else if (msg.channel === 'stdin' && p.onStdin) {
      p.onStdin(msg);
    }
    if (p.reply && (p.idle || !p.waitIdle)) {
      this.pending.delete(parent);
      this.recent.set(parent, p);
      if (this.recent.size > 64) this.recent.delete(this.recent.keys().next().value);
      p.resolve(p.reply);
    }
  }

  message(msgType, content, channel = 'shell') {
    return {
      header: {
        msg_id: uuid(), username: this.username, session: this.session, msg_type: msgType,
        version: '5.3', date: new Date().toISOString(),
      },
      parent_header: {}, metadata: {}, content, channel, buffers: [],
    };
  }

  send(msg) {
    const text = JSON.stringify(msg);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }

  // request sends a shell request and resolves with its reply message; with
  // waitIdle, only once the kernel went idle for it (so all outputs arrived).
  // timeoutMs > 0 rejects when no reply came in time.
  request(msgType, content, { channel = 'shell', onIopub, onReply, onStdin, waitIdle = false, timeoutMs = 0 } = {}) {
    const msg = this.message(msgType, content, channel);
    return new Promise((resolve, reject) => {
      const id = msg.header.msg_id;
      let timer = null;
      const entry = {
        onIopub, onReply, onStdin, waitIdle,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); this.pending.delete(id); reject(e); },
      };
      if (timeoutMs > 0) timer = setTimeout(() => entry.reject(new Error(`${msgType}: no reply in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, entry);
      this.send(msg);
    });
  }

  // execute runs code; handlers see its iopub messages and its reply.
  execute(code, handlers = {}) {
    return this.request('execute_request', {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: Boolean(handlers.onStdin), stop_on_error: true,
    }, { ...handlers, waitIdle: true });
  }

  // inputReply answers an input_request.
  inputReply(value, parent) {
    const msg = this.message('input_reply', { value }, 'stdin');
    msg.parent_header = parent.header;
    this.send(msg);
  }

  // failPending rejects every request still waiting (the kernel died or
  // restarted, so their replies will never come).
  failPending(reason) {
    for (const p of [...this.pending.values()]) p.reject(new Error(reason));
    this.pending.clear();
  }
}
