package display

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Inputter is implemented by sinks that can ask the user for a line of
// input. The kernel's sink does it with a Jupyter input_request, so a prompt
// appears under the cell.
type Inputter interface {
	Input(prompt string, password bool) (string, error)
}

// Input asks the user for one line of text, showing prompt. In a kernel the
// notebook shows an input box; elsewhere it reads a line from standard
// input. It fails when the front end accepts no input.
func Input(prompt string) (string, error) { return input(prompt, false) }

// Password is Input with the typed text hidden.
func Password(prompt string) (string, error) { return input(prompt, true) }

func input(prompt string, password bool) (string, error) {
	if in, ok := currentSink().(Inputter); ok {
		return in.Input(prompt, password)
	}
	fmt.Fprint(os.Stdout, prompt)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("display.Input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
