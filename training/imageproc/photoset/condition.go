package photoset

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Range is an interval a strength is drawn from, uniformly, once per photo.
// The zero Range turns its factor off.
type Range struct{ Min, Max float64 }

// On reports whether r turns its factor on.
func (r Range) On() bool { return r.Max > 0 }

// draw returns a strength from r. It always takes one number from rng, so
// that a factor's other draws do not depend on whether r is a point.
func (r Range) draw(rng *rand.Rand) float64 {
	return r.Min + (r.Max-r.Min)*rng.Float64()
}

// check reports what is wrong with r as the range of field, whose values
// must lie in [lo, hi].
func (r Range) check(field string, lo, hi float64) error {
	switch {
	case math.IsNaN(r.Min) || math.IsNaN(r.Max) || math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0):
		return fmt.Errorf("%s must be finite (got %g to %g)", field, r.Min, r.Max)
	case r.Min > r.Max:
		return fmt.Errorf("%s must have Min ≤ Max (got %g to %g)", field, r.Min, r.Max)
	case r.Min < lo || r.Max > hi:
		return fmt.Errorf("%s must lie between %g and %g (got %g to %g)", field, lo, hi, r.Min, r.Max)
	}
	return nil
}

// Lines is the ruling printed on the paper.
type Lines int

// The rulings of notebook paper.
const (
	Blank   Lines = iota // no lines
	Ruled                // horizontal lines, sometimes a red margin line
	Squared              // a grid of thin lines both ways
)

// String returns the ruling's name.
func (l Lines) String() string {
	switch l {
	case Blank:
		return "blank"
	case Ruled:
		return "ruled"
	case Squared:
		return "squared"
	}
	return fmt.Sprintf("Lines(%d)", int(l))
}

// Ink is the colour of a pen or pencil: how strongly it absorbs red, green
// and blue light, relative to the channel it absorbs most (1). How dark
// the ink is overall is the Condition's Contrast.
type Ink struct {
	Name   string
	Absorb [3]float64
	// Grain is how unevenly the ink covers its strokes: a little for pens
	// (the ball skips, the ink pools), much more for pencil on paper
	// fibres. 0 to 1.
	Grain float64
}

// The inks photos are drawn with.
var (
	Black  = Ink{Name: "black", Absorb: [3]float64{1, 1, 1}, Grain: 0.12}
	Blue   = Ink{Name: "blue", Absorb: [3]float64{1, 0.85, 0.45}, Grain: 0.15}
	Pencil = Ink{Name: "pencil", Absorb: [3]float64{1, 1, 0.95}, Grain: 0.5}
	Red    = Ink{Name: "red", Absorb: [3]float64{0.1, 0.85, 0.75}, Grain: 0.15}
	Green  = Ink{Name: "green", Absorb: [3]float64{0.85, 0.35, 0.75}, Grain: 0.15}
	Purple = Ink{Name: "purple", Absorb: [3]float64{0.6, 0.9, 0.25}, Grain: 0.15}
)

// Condition is a kind of photo: the paper, the pen and what the camera and
// the light do to it. Each photo draws one value from every Range that is
// on and one ruling and one ink from the lists; a factor whose Range is
// zero is off. Photo sizes in pixels are those of a 640×480 photo and scale
// with the photo's shorter side.
type Condition struct {
	Name string
	// Lines are the rulings the paper may have; empty is blank paper.
	Lines []Lines
	// Inks are the inks the digit may be written in; empty is Black.
	Inks []Ink
	// Contrast is how much the ink darkens the paper's luminance (Rec. 601
	// luma), 0 to 0.95: 0.9 is a black pen, 0.3 a light blue one. Zero
	// means 0.85 to 0.92.
	Contrast Range
	// Pen is the pen's width as a fraction of the digit's height, 0.01 to
	// 0.3; zero keeps the digit's own strokes (about 0.1 to 0.15 for
	// MNIST).
	Pen Range
	// Rotate is the digit's rotation in degrees, either way, up to 45.
	Rotate Range
	// Shadow is how much a soft-edged shadow across the page darkens it,
	// 0 to 0.9; with it come uneven light and vignetting.
	Shadow Range
	// Tilt is the perspective of a camera not held square to the page: how
	// far the photo's corners move, as a fraction of its size, up to 0.2.
	Tilt Range
	// Noise is the sensor noise's standard deviation in levels of 255, up
	// to 50.
	Noise Range
	// Blur is the defocus, a Gaussian's σ in pixels, up to 8.
	Blur Range
	// JPEG is the JPEG quality, 1 to 100; zero stores the photo losslessly.
	JPEG Range
}

// Conditions are the test set's conditions: plain paper, then one factor
// at a time, then all of them at once. Strengths are those a phone photo of
// a notebook page shows.
var Conditions = []Condition{
	{Name: "plain"},
	{Name: "ruled", Lines: []Lines{Ruled}},
	{Name: "squared", Lines: []Lines{Squared}},
	{Name: "shadow", Shadow: Range{0.2, 0.6}},
	{Name: "rotated", Rotate: Range{5, 15}},
	{Name: "thin-pen", Pen: Range{0.025, 0.05}},
	{Name: "thick-pen", Pen: Range{0.18, 0.26}},
	{Name: "tilt", Tilt: Range{0.03, 0.08}},
	{Name: "noise", Noise: Range{3, 8}},
	{Name: "blur", Blur: Range{0.6, 1.6}},
	{Name: "faint-ink", Inks: []Ink{Blue, Pencil, Red, Green, Purple}, Contrast: Range{0.2, 0.4}},
	{Name: "jpeg", JPEG: Range{60, 90}},
	{
		Name:     "all",
		Lines:    []Lines{Ruled, Squared},
		Inks:     []Ink{Black, Blue, Pencil, Red, Green, Purple},
		Contrast: Range{0.25, 0.9},
		Pen:      Range{0.03, 0.22},
		Rotate:   Range{0, 15},
		Shadow:   Range{0.1, 0.6},
		Tilt:     Range{0, 0.08},
		Noise:    Range{2, 8},
		Blur:     Range{0.3, 1.6},
		JPEG:     Range{60, 90},
	},
}

// Lookup returns the condition of Conditions named name.
func Lookup(name string) (Condition, bool) {
	for _, c := range Conditions {
		if c.Name == name {
			return c, true
		}
	}
	return Condition{}, false
}

// Validate reports the first setting of c that is out of range.
func (c Condition) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("condition %q: %w", c.Name, err)
	}
	return nil
}

func (c Condition) validate() error {
	for _, l := range c.Lines {
		if l < Blank || l > Squared {
			return fmt.Errorf("lines must be Blank, Ruled or Squared (got %v)", l)
		}
	}
	for _, ink := range c.Inks {
		top := 0.0
		for _, a := range ink.Absorb {
			if !(a >= 0 && a <= 1) {
				return fmt.Errorf("ink %q: absorption must lie between 0 and 1 (got %v)", ink.Name, ink.Absorb)
			}
			top = max(top, a)
		}
		if top == 0 {
			return fmt.Errorf("ink %q absorbs no light (absorption %v)", ink.Name, ink.Absorb)
		}
		if !(ink.Grain >= 0 && ink.Grain <= 1) {
			return fmt.Errorf("ink %q: grain must lie between 0 and 1 (got %g)", ink.Name, ink.Grain)
		}
	}
	ranges := []struct {
		field  string
		r      Range
		lo, hi float64
	}{
		{"contrast", c.Contrast, 0, 0.95},
		{"pen", c.Pen, 0, 0.3},
		{"rotation", c.Rotate, 0, 45},
		{"shadow", c.Shadow, 0, 0.9},
		{"tilt", c.Tilt, 0, 0.2},
		{"noise", c.Noise, 0, 50},
		{"blur", c.Blur, 0, 8},
		{"JPEG quality", c.JPEG, 0, 100},
	}
	for _, f := range ranges {
		if err := f.r.check(f.field, f.lo, f.hi); err != nil {
			return err
		}
	}
	if c.Pen.On() && c.Pen.Min < 0.01 {
		return fmt.Errorf("pen must be at least 0.01 of the digit's height, or zero for the digit's own strokes (got %g to %g)", c.Pen.Min, c.Pen.Max)
	}
	if c.JPEG.On() && c.JPEG.Min < 1 {
		return fmt.Errorf("JPEG quality must lie between 1 and 100, or be zero for none (got %g to %g)", c.JPEG.Min, c.JPEG.Max)
	}
	return nil
}
