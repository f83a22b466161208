package comm_test

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/comm"
)

// A target that echoes what the front end sends. In a kernel, the front
// end's comm_open runs the handler and each comm_msg runs OnMsg; here the
// kernel's side is played by Deliver*.
func ExampleRegisterTarget() {
	comm.RegisterTarget("echo", func(c *comm.Comm, open comm.Message) {
		c.OnMsg(func(m comm.Message) {
			fmt.Println("got", m.Data["x"])
			c.Send(map[string]any{"echo": m.Data["x"]}, nil)
		})
	})
	if err := comm.DeliverOpen("id-1", "echo", comm.Message{}); err != nil {
		panic(err)
	}
	if err := comm.DeliverMsg("id-1", comm.Message{Data: map[string]any{"x": 5}}); err != nil {
		panic(err)
	}
	fmt.Println(comm.Info("echo"))
	fmt.Println(comm.DeliverOpen("id-2", "nobody", comm.Message{}))
	// Output:
	// got 5
	// map[id-1:echo]
	// comm_open: no target "nobody"
}
