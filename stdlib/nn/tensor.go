package nn

import (
	"fmt"

	"gorgonia.org/tensor"
)

// Tensor returns parameter name as a gorgonia.org/tensor Dense float32
// view (shared memory, not a copy) with its shape, for inspection and
// surgery from notebooks: printing, slicing, norms. The hot loops do not
// go through tensor (its MatMul is pure Go and about 10x slower than
// OpenBLAS here); they run on the same backing slices.
func (m *Model) Tensor(name string) (*tensor.Dense, error) {
	for i, s := range paramSpecs(m.cfg) {
		if s.name == name {
			m.be.Sync()
			return tensor.New(tensor.WithShape(s.shape...), tensor.WithBacking(*m.p.views()[i])), nil
		}
	}
	return nil, fmt.Errorf("nn: no parameter %q (have %v)", name, m.ParamNames())
}

// Grad is Tensor for the accumulated gradient of name; it fails before the
// first Backward.
func (m *Model) Grad(name string) (*tensor.Dense, error) {
	if m.gflat == nil {
		return nil, fmt.Errorf("nn: no gradients yet (run Forward and Backward first)")
	}
	for i, s := range paramSpecs(m.cfg) {
		if s.name == name {
			m.be.Sync()
			return tensor.New(tensor.WithShape(s.shape...), tensor.WithBacking(*m.g.views()[i])), nil
		}
	}
	return nil, fmt.Errorf("nn: no parameter %q (have %v)", name, m.ParamNames())
}

// ParamNames lists the parameter tensors in storage order.
func (m *Model) ParamNames() []string {
	var out []string
	for _, s := range paramSpecs(m.cfg) {
		out = append(out, s.name)
	}
	return out
}
