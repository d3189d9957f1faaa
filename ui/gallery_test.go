package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// tapCell taps the confusion matrix's chart at data coordinates (x, y):
// x is the predicted class, y the true class, at a cell's centre when
// whole.
func tapCell(t *testing.T, c *chartView, x, y float64) {
	t.Helper()
	ch := c.current()
	if ch == nil {
		t.Fatal("no confusion matrix to tap")
	}
	px, py := ch.PixelAt(x, y)
	b, size := ch.Image.Bounds(), c.Size()
	test.TapAt(c, fyne.NewPos(float32(px)*size.Width/float32(b.Dx()), float32(py)*size.Height/float32(b.Dy())))
}

// TestGalleryOpensTheTappedCell: tapping anywhere in a cell of the
// confusion matrix opens that cell's images, as many as it counts (up to
// the gallery's limit), and Classify puts one on the Classify tab.
func TestGalleryOpensTheTappedCell(t *testing.T) {
	a := test.NewTempApp(t)
	wb, _ := newTestWorkbench(t, a)
	onUI(func() {
		if wb.training.mistakes.Visible() {
			t.Error("Most confused… is shown before any run")
		}
		wb.form.set(smallRun(1))
	})
	train(t, wb)
	g := wb.training.gallery
	var conf [][]int
	onUI(func() {
		if !wb.training.mistakes.Visible() {
			t.Error("Most confused… is not shown after the run")
		}
		if m := wb.Content().MinSize(); m.Width > MinWidth || m.Height > MinHeight {
			t.Errorf("with the run's results the window needs %v×%v, more than %d×%d", m.Width, m.Height, MinWidth, MinHeight)
		}
		conf = wb.training.current().done.Test.Confusion
		tapCell(t, wb.training.confusion, 1, 0) // the first tap classifies the test set in the background
	})
	wb.settle()
	onUI(func() {
		// Off the centre, towards a corner, still within the cell.
		for _, off := range [][2]float64{{0, 0}, {0.4, 0.4}, {-0.4, 0.4}, {0.4, -0.4}} {
			for truth := range conf {
				for pred := range conf {
					tapCell(t, wb.training.confusion, float64(pred)+off[0], float64(truth)+off[1])
					v := g.view
					if v.truth != truth || v.predicted != pred {
						t.Fatalf("tapping cell (true %d, predicted %d) at offset %v opened (true %d, predicted %d)", truth, pred, off, v.truth, v.predicted)
					}
					if len(v.images) != conf[truth][pred] || len(v.classify) != min(conf[truth][pred], galleryMax) {
						t.Errorf("cell (true %d, predicted %d) counts %d: the gallery has %d images, %d shown", truth, pred, conf[truth][pred], len(v.images), len(v.classify))
					}
					g.closeAll()
				}
			}
		}
		if n := len(wb.win.Canvas().Overlays().List()); n != 0 {
			t.Errorf("%d dialogs left open after closing the galleries", n)
		}
	})

	// The worst pair from Most confused…, and its first image classified.
	var want string
	onUI(func() {
		s := wb.training.current()
		g.mostConfused(s)
		list := findList(wb.win.Canvas().Overlays().Top())
		if list == nil {
			t.Fatal("Most confused… shows no list")
		}
		list.Select(0)
		v := g.view
		worst := 0
		for i, row := range conf {
			for j, c := range row {
				if i != j && c > worst {
					worst = c
				}
			}
		}
		if conf[v.truth][v.predicted] != worst || v.truth == v.predicted {
			t.Fatalf("the first pair opened (true %d, predicted %d) with %d images; the worst pair has %d", v.truth, v.predicted, conf[v.truth][v.predicted], worst)
		}
		if !strings.Contains(v.header.Text, "The most confident mistakes come first") {
			t.Errorf("the gallery's header %q does not say in which order its images come", v.header.Text)
		}
		i := v.images[0]
		want = fmt.Sprintf("Test image %s, labelled %s: %s (", thousands(float64(i+1)), s.classes[v.truth], s.classes[v.predicted])
		test.Tap(v.classify[0])
		if wb.tabs.SelectedIndex() != 1 {
			t.Error("Classify did not show the Classify tab")
		}
		if n := len(wb.win.Canvas().Overlays().List()); n != 0 {
			t.Errorf("%d dialogs still cover the Classify tab", n)
		}
	})
	wb.settle()
	onUI(func() {
		card := wb.classify.cards[0]
		if !strings.HasPrefix(card.title.Text, want) {
			t.Errorf("the Classify tab's first card says %q, want it to start %q", card.title.Text, want)
		}
		// Its stages: the 28×28 frame as it is, normalised, and the bars.
		if n := len(card.body.Objects); n != 3 {
			t.Errorf("the card shows %d parts, want the stages, their summary and the probabilities", n)
		}
	})
}

// findList returns the first list in o's tree.
func findList(o fyne.CanvasObject) *widget.List {
	switch v := o.(type) {
	case *widget.List:
		return v
	case *fyne.Container:
		for _, c := range v.Objects {
			if l := findList(c); l != nil {
				return l
			}
		}
	case fyne.Widget:
		r := test.WidgetRenderer(v)
		for _, c := range r.Objects() {
			if l := findList(c); l != nil {
				return l
			}
		}
	}
	return nil
}

func TestGalleryCellAt(t *testing.T) {
	conf := [][]int{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
	tests := []struct {
		x, y            float64
		truth, pred, ok int
	}{
		{0, 0, 0, 0, 1},
		{1.4, 0.4, 0, 1, 1},
		{0.6, 2.49, 2, 1, 1},
		{2.49, 1.51, 2, 2, 1},
		{-0.51, 0, 0, 0, 0},
		{0, 2.51, 0, 0, 0},
	}
	for _, tt := range tests {
		truth, pred, ok := cellAt(conf, tt.x, tt.y)
		if ok != (tt.ok == 1) || (ok && (truth != tt.truth || pred != tt.pred)) {
			t.Errorf("cellAt(%v, %v) = %d, %d, %v; want %d, %d, %v", tt.x, tt.y, truth, pred, ok, tt.truth, tt.pred, tt.ok == 1)
		}
	}
}
