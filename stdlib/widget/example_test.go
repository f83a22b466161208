package widget_test

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/widget"
)

// A slider with a callback, and a value set from code as a later cell
// would. Outside a kernel the messages to the front end are dropped, but
// the values and callbacks work the same.
func ExampleNewIntSlider() {
	steps := widget.NewIntSlider("steps", 3, 0, 10, 1)
	steps.OnChange(func(v int) { fmt.Println("steps is now", v) })
	steps.Set(5)
	fmt.Println(steps.Value())
	// Output:
	// steps is now 5
	// 5
}

// Interact runs its function at once and again whenever a control changes;
// the result replaces the output area's content.
func ExampleInteract() {
	eps := widget.NewFloatSlider("ε", 0.2, 0, 1, 0.1)
	it := widget.Interact(func() any { return fmt.Sprintf("clip at %.1f", eps.Value()) }, eps)
	fmt.Println(it.Runs(), it.Out.Len())
	// Output:
	// 1 1
}
