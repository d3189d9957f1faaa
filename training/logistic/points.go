package logistic

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
)

// Points are the lesson's data: one feature x and a binary label y per
// point.
type Points struct {
	X, Y []float64
	// Classes names the labels 0 and 1 (for example "3" and "5"); empty
	// for points read from a CSV file.
	Classes [2]string
}

// MaxPoints bounds the number of points: the grid evaluates every point at
// every grid cell, and more points than this add nothing to a
// two-parameter model's surface.
const MaxPoints = 1_000_000

// Len is the number of points.
func (p *Points) Len() int { return len(p.X) }

// Validate reports the first thing that keeps the points from defining
// the lesson's losses: none, mismatched lengths, non-finite values, labels
// other than 0 and 1, or only one class.
func (p *Points) Validate() error {
	if len(p.X) == 0 {
		return errors.New("no points")
	}
	if len(p.X) != len(p.Y) {
		return fmt.Errorf("%d x values and %d labels", len(p.X), len(p.Y))
	}
	if len(p.X) > MaxPoints {
		return fmt.Errorf("too many points: %d (at most %d)", len(p.X), MaxPoints)
	}
	var ones int
	for i := range p.X {
		if math.IsNaN(p.X[i]) || math.IsInf(p.X[i], 0) {
			return fmt.Errorf("point %d: x is %v; it must be a finite number", i+1, p.X[i])
		}
		switch p.Y[i] {
		case 1:
			ones++
		case 0:
		default:
			return fmt.Errorf("point %d: label y is %v; it must be 0 or 1", i+1, p.Y[i])
		}
	}
	if ones == 0 || ones == len(p.Y) {
		return fmt.Errorf("all %d points have label %v: the lesson needs both classes, y = 0 and y = 1", len(p.Y), p.Y[0])
	}
	return nil
}

// ReadCSV reads points from CSV text with the header x,y (in either order,
// other columns ignored) and one point per line, y being 0 or 1. Errors
// name the line.
func ReadCSV(r io.Reader) (*Points, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty; it needs a header line x,y and one point per line")
	}
	if err != nil {
		return nil, err
	}
	xi, yi := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "x":
			xi = i
		case "y":
			yi = i
		}
	}
	if xi < 0 || yi < 0 {
		return nil, fmt.Errorf("line 1: the header must name the columns x and y (got %q)", strings.Join(header, ","))
	}
	p := &Points{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) <= max(xi, yi) {
			return nil, fmt.Errorf("line %d: %d fields, the header has %d", line, len(rec), len(header))
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(rec[xi]), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("line %d: x %q is not a finite number", line, rec[xi])
		}
		y, err := strconv.ParseFloat(strings.TrimSpace(rec[yi]), 64)
		if err != nil || (y != 0 && y != 1) {
			return nil, fmt.Errorf("line %d: label y %q must be 0 or 1", line, rec[yi])
		}
		if len(p.X) == MaxPoints {
			return nil, fmt.Errorf("line %d: too many points (at most %d)", line, MaxPoints)
		}
		p.X = append(p.X, x)
		p.Y = append(p.Y, y)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// WriteCSV writes the points with the header x,y, as ReadCSV reads them.
func (p *Points) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"x", "y"})
	for i := range p.X {
		cw.Write([]string{strconv.FormatFloat(p.X[i], 'g', -1, 64), strconv.FormatFloat(p.Y[i], 'g', -1, 64)})
	}
	cw.Flush()
	return cw.Error()
}

// DefaultSamples is how many images FromSplit takes by default: enough to
// give the surfaces their real shape, few enough that a 101×101 grid is
// recomputed while a slider moves.
const DefaultSamples = 2000

// FromSplit reduces the images of two classes to the lesson's one feature:
// each frame's projection on the difference of the two classes' mean
// images (the direction along which their means differ most plainly),
// standardised to mean 0 and standard deviation 1 over the points. Label
// a becomes y = 0 and label b y = 1. At most n images are used (n ≤ 0:
// all), drawn without replacement with the given seed, so the same seed
// gives the same points.
func FromSplit(s *dataset.Split, a, b int32, n int, seed uint64) (*Points, error) {
	if a == b {
		return nil, fmt.Errorf("the two classes must differ (both are %d)", a)
	}
	var idx []int
	for i, l := range s.Labels {
		if l == a || l == b {
			idx = append(idx, i)
		}
	}
	if n > 0 && n < len(idx) {
		rng := rand.New(rand.NewPCG(seed, 0x6c6f676973746963)) // "logistic"
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:n]
	}
	var mean [2][imageproc.Pixels]float64
	var count [2]int
	for _, i := range idx {
		k := 0
		if s.Labels[i] == b {
			k = 1
		}
		count[k]++
		for j, v := range s.Image(i) {
			mean[k][j] += float64(v)
		}
	}
	if count[0] == 0 || count[1] == 0 {
		return nil, fmt.Errorf("the lesson needs images of both classes (found %d and %d)", count[0], count[1])
	}
	var dir [imageproc.Pixels]float64
	for j := range dir {
		dir[j] = (mean[1][j]/float64(count[1]) - mean[0][j]/float64(count[0])) / 255
	}
	p := &Points{X: make([]float64, len(idx)), Y: make([]float64, len(idx))}
	for k, i := range idx {
		var x float64
		for j, v := range s.Image(i) {
			x += dir[j] * float64(v) / 255
		}
		p.X[k] = x
		if s.Labels[i] == b {
			p.Y[k] = 1
		}
	}
	if err := standardise(p.X); err != nil {
		return nil, err
	}
	return p, nil
}

// FromClasses returns the lesson's points for two classes of a dataset,
// named a (y = 0) and b (y = 1), from its training images, as FromSplit
// makes them.
func FromClasses(ds *dataset.Dataset, a, b string, n int, seed uint64) (*Points, error) {
	ia, ib := slices.Index(ds.Classes, a), slices.Index(ds.Classes, b)
	for _, c := range []struct {
		name string
		i    int
	}{{a, ia}, {b, ib}} {
		if c.i < 0 {
			return nil, fmt.Errorf("%s has no class %q (classes: %s)", ds.Source, c.name, strings.Join(ds.Classes, ", "))
		}
	}
	p, err := FromSplit(ds.Train, int32(ia), int32(ib), n, seed)
	if err != nil {
		return nil, fmt.Errorf("classes %s and %s: %w", a, b, err)
	}
	p.Classes = [2]string{a, b}
	return p, nil
}

// standardise shifts and scales x to mean 0 and standard deviation 1.
func standardise(x []float64) error {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(x)))
	if !(sd > 0) {
		return errors.New("every image projects to the same value: the two classes' mean images are identical")
	}
	for i, v := range x {
		x[i] = (v - mean) / sd
	}
	return nil
}
