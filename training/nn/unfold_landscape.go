package nn

// Unfold is a convolution's geometry and its im2col, exported for the loss
// landscape's Hessian-vector products (training/landscape), which
// differentiate convolutions twice outside the graph and must unfold the
// images exactly as the network's kernels do.
type Unfold struct{ s convShape }

// NewUnfold returns the geometry of square k×k filters moved by stride
// over a c×h×w input padded with pad zeros on every side. The arguments
// must be ones Arch.Shapes accepts.
func NewUnfold(c, h, w, k, stride, pad int) Unfold {
	return Unfold{convShape{c: c, h: h, w: w, k: k, stride: stride, pad: pad,
		oh: (h+2*pad-k)/stride + 1, ow: (w+2*pad-k)/stride + 1}}
}

// Rows is c·k·k, one filter's weights; Positions is oh·ow, the output
// positions.
func (u Unfold) Rows() int      { return u.s.rows() }
func (u Unfold) Positions() int { return u.s.oh * u.s.ow }

// Im2col unfolds one sample x (c·h·w) into cols, Rows() rows of
// Positions(), as the convolution kernel does. It writes only the entries
// that read the input: cols must be zero where they read padding, as a
// buffer used only for this geometry stays once cleared.
func (u Unfold) Im2col(cols, x []float32) { u.s.im2col(cols, x) }

// Col2im is Im2col's adjoint: it clears dx (c·h·w) and adds each entry of
// cols to the input value it was read from.
func (u Unfold) Col2im(dx, cols []float32) { u.s.col2im(dx, cols) }
