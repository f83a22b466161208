// Package playground is the playground HTTP server: the Jupyter Server REST
// subset, the websocket-to-ZMQ bridge, kernel process supervision, notebook
// contents confined to one folder, token auth and the embedded static UI.
//
// It is a faithful subset of Jupyter Server 2, so that the browser UI
// (package static) and unmodified Jupyter clients such as npm's
// @jupyterlab/services can drive it:
//
//	GET  /api, /api/status, /api/me, /api/kernelspecs[/{name}]
//	GET  POST /api/kernels; GET DELETE /api/kernels/{id}
//	POST /api/kernels/{id}/interrupt, /api/kernels/{id}/restart
//	GET  /api/kernels/{id}/channels?session_id=S   (websocket)
//	GET  POST /api/sessions; GET PATCH DELETE /api/sessions/{id}
//	GET  PUT POST PATCH DELETE /api/contents/{path}
//	GET  POST /api/contents/{path}/checkpoints; POST DELETE .../checkpoints/{id}
//
// Field names and status codes follow Jupyter Server (201 + Location on
// creation, 204 on delete and interrupt, {"message", "reason"} errors, 403
// for a missing or wrong token everywhere, the websocket included).
//
// The websocket speaks JSON text frames with a "channel" field (and the
// legacy binary framing for messages with buffers), or, when the client
// offers it, the v1.kernel.websocket.jupyter.org binary framing. Several
// clients may share a kernel: iopub goes to all of them, replies only to the
// client whose request they answer. Kernels live in package kernels; the
// message encodings in internal/jupyter (shared with the kernel); notebooks and files in package contents.
//
// Security, in order of the checks:
//   - Host: while bound to loopback, a request whose Host header names
//     another machine is refused (DNS rebinding).
//   - Token: every /api call and the websocket need the token, as
//     `Authorization: token T`, `?token=T`, or the login cookie. Opening any
//     page with ?token=T sets that cookie (HttpOnly, SameSite=Strict, an HMAC
//     of the token rather than the token) plus an _xsrf cookie, and redirects
//     to the same page without the token. Pages without login get a token
//     form; assets under /static/ are public.
//   - XSRF: a cookie-authenticated POST, PUT, PATCH or DELETE must also carry
//     X-XSRFToken equal to the _xsrf cookie (what @jupyterlab/services and our
//     UI send), or an Origin header naming this server (which browsers send on
//     every such fetch), or Sec-Fetch-Site: same-origin. Requests that carry
//     the token itself need none of these.
//   - Origin: the websocket handshake is refused when its Origin is another
//     site, unless --allow-origin lists it ("*" for any); listed origins
//     also get CORS headers on /api.
//   - Limits: request bodies (64 MiB) and websocket messages (64 MiB);
//     output queued for one websocket client (kernels.Options.ClientBytes,
//     64 MiB) and one websocket write (Options.WriteTimeout, 30 s): a client
//     past either is dropped with close code 1013, the others unaffected;
//     request, header and idle timeouts and a cap on connections without
//     the token (Server.HTTPServer); at most Options.SaveConcurrency saves
//     over 1 MiB at once; a kernel memory limit (kernels.Options.MemoryLimit).
//   - Redirects after a ?token= login go only to a path on this server, and
//     error replies never name a path on the server.
package playground
