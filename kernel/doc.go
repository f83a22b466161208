// Package kernel is the rlvrworld Jupyter kernel: one process per notebook,
// started with a connection file (`rlvrworld kernel --connection-file F`).
//
// It binds the five Jupyter channels over ZMQ (shell, control, stdin, iopub,
// heartbeat), checks the HMAC signature of every incoming message (bad ones
// are logged and dropped), and answers execute, inspect, complete,
// is_complete, history, comm_info, kernel_info, interrupt and shutdown
// requests. Cells run one at a time in the executor (package exec); their
// stdout and stderr, compiled code's included, are read from file
// descriptors 1 and 2, redirected to pipes, and sent as stream messages while
// the cell runs. rlvr/display output goes out through the kernel's
// display.Sink as display_data, update_display_data and clear_output.
//
// The protocol (frames, signatures, connection files, sockets, heartbeat,
// typed message contents) is internal/jupyter, shared with the playground.
// The subpackages: exec (the yaegi executor), cell (the rlvr/cell package cells import for their
// context), client (a Jupyter client: `rlvrworld run`, `bench kernel`,
// tests) and notebook (headless notebook execution).
package kernel
