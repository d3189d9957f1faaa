package nn

import (
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAddGradients checks both inputs' gradients against central
// differences, and the sum gorgonia makes when one node is added to
// itself.
func TestAddGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	a, b := bnRandInput(rng, "a", 4, 6), bnRandInput(rng, "b", 4, 6)
	r := bnRandInput(rng, "r", 24).data
	t.Run("a+b", func(t *testing.T) {
		p := bnNewProbe(t, func(in G.Nodes) (*G.Node, error) { return add("add", in[0], in[1]) }, r, a, b)
		p.run(t)
		for i, v := range p.output() {
			if v != a.data[i]+b.data[i] {
				t.Fatalf("y[%d] = %g, want %g + %g", i, v, a.data[i], b.data[i])
			}
		}
		p.checkGradients(t)
	})
	t.Run("a+a", func(t *testing.T) {
		bnNewProbe(t, func(in G.Nodes) (*G.Node, error) { return add("add", in[0], in[0]) }, r, a).checkGradients(t)
	})
}

func TestAddRejects(t *testing.T) {
	g := G.NewGraph()
	a := G.NewMatrix(g, tensor.Float32, G.WithShape(4, 6), G.WithName("a"))
	b := G.NewMatrix(g, tensor.Float32, G.WithShape(6, 4), G.WithName("b"))
	v := G.NewVector(g, tensor.Float32, G.WithShape(24), G.WithName("v"))
	for _, tt := range []struct {
		a, b *G.Node
		want string
	}{
		{a, b, "inputs are (4, 6) and (6, 4), want two matrices of one shape"},
		{v, v, "inputs are (24) and (24)"},
	} {
		if _, err := add("add", tt.a, tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("add(%v, %v) = %v, want %q", tt.a.Shape(), tt.b.Shape(), err, tt.want)
		}
	}
}
