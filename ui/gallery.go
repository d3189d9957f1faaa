package ui

import (
	"fmt"
	"image"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/ui/bridge"
)

// galleryMax bounds the images a gallery shows: enough to see what the
// model gets wrong, few enough to build without a pause.
const galleryMax = 60

// gallerySize fits inside the smallest window, 1024×700.
var gallerySize = fyne.NewSize(920, 620)

// gallery shows the test images behind a cell of a finished run's
// confusion matrix with what the model made of them, and lists the pairs
// of classes the model confuses most. A run's predictions are computed
// once, off the UI goroutine, when its first gallery opens.
type gallery struct {
	win   fyne.Window
	tasks *tasks
	// classify shows an image on the Classify tab.
	classify func(img *image.Gray, name string)

	// The rest belongs to the UI goroutine.
	run     *training.DoneEvent // the run preds are of
	preds   *training.Predictions
	dialogs []dialog.Dialog // the gallery's dialogs open, closed together when an image goes to the Classify tab
	view    *cellView       // the last cell opened
}

func newGallery(win fyne.Window, tasks *tasks, classify func(img *image.Gray, name string)) *gallery {
	return &gallery{win: win, tasks: tasks, classify: classify}
}

// cellView is one gallery: a cell's images as cards.
type cellView struct {
	truth, predicted int
	header           *widget.Label
	body             *fyne.Container
	// images are the cell's images, in the order shown; classify the
	// cards' Classify buttons, one per image shown.
	images   []int
	classify []*widget.Button
}

// cellAt returns the cell of a confusion matrix at the data coordinates
// of its chart, where columns are predictions and rows true classes.
func cellAt(conf [][]int, x, y float64) (truth, predicted int, ok bool) {
	truth, predicted = int(math.Round(y)), int(math.Round(x))
	if truth < 0 || predicted < 0 || truth >= len(conf) || predicted >= len(conf) {
		return 0, 0, false
	}
	return truth, predicted, true
}

// openCell opens the gallery of the confusion matrix's cell at the data
// coordinates of a tap, when s is a run that ended with one; on the UI
// goroutine.
func (g *gallery) openCell(s *snapshot, x, y float64) {
	if s == nil || s.done == nil || s.test == nil {
		return
	}
	if truth, predicted, ok := cellAt(s.done.Test.Confusion, x, y); ok {
		g.open(s, truth, predicted)
	}
}

// open shows the test images of class truth predicted as predicted; on
// the UI goroutine.
func (g *gallery) open(s *snapshot, truth, predicted int) {
	v := &cellView{truth: truth, predicted: predicted, header: widget.NewLabel("")}
	v.header.Wrapping = fyne.TextWrapWord
	v.header.SetText(fmt.Sprintf("Classifying the %s test images…", thousands(float64(s.test.Len()))))
	progress := widget.NewProgressBarInfinite()
	v.body = container.NewStack(container.NewVBox(progress))
	g.view = v
	title := fmt.Sprintf("Test images: true %s, predicted %s", s.classes[truth], s.classes[predicted])
	d := dialog.NewCustom(title, "Close", container.NewBorder(v.header, nil, nil, nil, v.body), g.win)
	d.Resize(gallerySize)
	g.present(d)
	if s.done == g.run {
		progress.Stop()
		g.fill(v, s, g.preds)
		return
	}
	done, model, test := s.done, s.done.Model, s.test
	g.tasks.start(func() {
		preds, err := model.PredictSplit(test)
		bridge.Do(func() {
			progress.Stop()
			if err != nil {
				v.header.SetText("Could not classify the test images: " + err.Error())
				v.header.Importance = widget.DangerImportance
				v.header.Refresh()
				v.body.RemoveAll()
				return
			}
			g.run, g.preds = done, preds
			g.fill(v, s, preds)
		})
	})
}

// fill shows a cell's images; on the UI goroutine.
func (g *gallery) fill(v *cellView, s *snapshot, p *training.Predictions) {
	v.images = p.Cell(v.truth, v.predicted)
	total := 0
	for _, c := range s.done.Test.Confusion[v.truth] {
		total += c
	}
	t, pr := s.classes[v.truth], s.classes[v.predicted]
	n := len(v.images)
	var text string
	switch {
	case n == 0 && v.truth == v.predicted:
		text = fmt.Sprintf("None of the %s test images of %s was recognised.", thousands(float64(total)), t)
	case n == 0:
		text = fmt.Sprintf("No test image of %s was taken for %s.", t, pr)
	case v.truth == v.predicted:
		text = fmt.Sprintf("%s of the %s test images of %s (%.1f%%) were recognised. The least confident come first: they are nearest to being taken for another class.",
			thousands(float64(n)), thousands(float64(total)), t, 100*float64(n)/float64(total))
	default:
		text = fmt.Sprintf("%s of the %s test images of %s (%.1f%%) were taken for %s. The most confident mistakes come first.",
			thousands(float64(n)), thousands(float64(total)), t, 100*float64(n)/float64(total), pr)
	}
	if n > galleryMax {
		text += fmt.Sprintf(" Showing the first %d; %s more are not shown.", galleryMax, thousands(float64(n-galleryMax)))
	}
	v.header.SetText(text)
	grid := container.NewGridWrap(fyne.NewSize(140, 196))
	for _, i := range v.images[:min(n, galleryMax)] {
		grid.Add(g.card(v, s, p, i))
	}
	v.body.Objects = []fyne.CanvasObject{container.NewVScroll(grid)}
	v.body.Refresh()
}

// card is one test image, enlarged with its pixels visible, with the
// model's verdict and a button that takes it to the Classify tab.
func (g *gallery) card(v *cellView, s *snapshot, p *training.Predictions, i int) fyne.CanvasObject {
	img := image.NewGray(image.Rect(0, 0, imageproc.Size, imageproc.Size))
	copy(img.Pix, s.test.Image(i))
	t, pr := p.True[i], p.Predicted[i]
	verdict := widget.NewLabel(fmt.Sprintf("true %s → predicted %s, %.1f%%", s.classes[t], s.classes[pr], 100*p.Prob(i, pr)))
	verdict.Wrapping = fyne.TextWrapWord
	verdict.Alignment = fyne.TextAlignCenter
	verdict.SizeName = theme.SizeNameCaptionText
	name := fmt.Sprintf("Test image %s, labelled %s", thousands(float64(i+1)), s.classes[t])
	button := &widget.Button{Text: "Classify", Icon: theme.SearchIcon(), Importance: widget.LowImportance, OnTapped: func() {
		g.closeAll()
		g.classify(img, name)
	}}
	v.classify = append(v.classify, button)
	return container.NewVBox(container.NewCenter(pixelImage(img, 84)), verdict, container.NewCenter(button))
}

// mostConfused lists the pairs of classes the run's model confuses most;
// choosing one opens its gallery. On the UI goroutine.
func (g *gallery) mostConfused(s *snapshot) {
	if s == nil || s.done == nil || s.test == nil {
		return
	}
	pairs := training.MostConfused(s.done.Test.Confusion)
	if len(pairs) == 0 {
		showInfo(g.win, "Most confused classes", "No mistakes: the model classified every test image right.")
		return
	}
	list := widget.NewList(func() int { return len(pairs) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			p := pairs[id]
			o.(*widget.Label).SetText(fmt.Sprintf("%d.  true %s → predicted %s: %s images, %.1f%% of class %s",
				id+1, s.classes[p.True], s.classes[p.Predicted], thousands(float64(p.Count)), 100*p.Share, s.classes[p.True]))
		})
	list.OnSelected = func(id widget.ListItemID) {
		list.UnselectAll()
		g.open(s, pairs[id].True, pairs[id].Predicted)
	}
	hint := widget.NewLabel("The test images the model got wrong, by pair of classes, the most first. Choose a pair to see its images, the most confident mistakes first.")
	hint.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Most confused classes", "Close", container.NewBorder(hint, nil, nil, nil, list), g.win)
	d.Resize(fyne.NewSize(520, 560))
	g.present(d)
}

// present shows one of the gallery's dialogs and keeps it until it closes.
func (g *gallery) present(d dialog.Dialog) {
	present(g.win, d)
	g.dialogs = append(g.dialogs, d)
	d.SetOnClosed(func() {
		if i := slices.Index(g.dialogs, d); i >= 0 {
			g.dialogs = slices.Delete(g.dialogs, i, i+1)
		}
	})
}

// closeAll closes the gallery's dialogs, the top first.
func (g *gallery) closeAll() {
	for _, d := range slices.Backward(slices.Clone(g.dialogs)) {
		d.Hide()
	}
}
