package kernel

import (
	"context"

	"github.com/rlvrworld/rlvrworld/kernel/cell"
)

// cellContext is the running cell's context (cancelled on interrupt).
func cellContext() context.Context { return cell.Context() }
