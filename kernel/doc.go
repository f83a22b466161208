// Package kernel is the rlvrworld Jupyter kernel: the wire protocol (frames,
// HMAC signatures, channels), the yaegi-based executor, completion and
// inspection, and the display channel.
package kernel
