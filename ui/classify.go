package ui

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/neuralworkbench/workbench/plots"
	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/imageproc"
	"github.com/neuralworkbench/workbench/ui/bridge"
	"github.com/neuralworkbench/workbench/ui/drawpad"
)

// maxResults bounds the list of classified images; older ones drop off.
const maxResults = 40

// classifyTab classifies images dropped on the window or opened, and a
// digit drawn on a pad, showing every preprocessing stage and the class
// probabilities.
type classifyTab struct {
	win     fyne.Window
	keys    *keys
	tasks   *tasks       // decoding and loading in the background
	models  *modelHolder // told of a model loaded from disk
	content fyne.CanvasObject
	// onShown, when set, is called on the UI goroutine after a card or the
	// pad's prediction is updated (tests wait on it).
	onShown func()

	modelInfo *widget.Label
	noModel   *fyne.Container
	results   *fyne.Container // the cards' content, newest first
	cards     []*resultCard   // the same cards
	hint      *widget.Label

	pad       *drawpad.Pad
	padFrame  *canvas.Image
	padBars   *canvas.Image
	padResult *widget.Label

	mu       sync.Mutex // guards model, dark and padImage
	model    *training.Model
	dark     bool
	padImage *image.Gray
	padWork  *bridge.Throttle
}

// newClassifyTab builds the tab; train starts training (offered while
// there is no model).
func newClassifyTab(win fyne.Window, k *keys, tasks *tasks, models *modelHolder, train func()) *classifyTab {
	c := &classifyTab{win: win, keys: k, tasks: tasks, models: models}
	c.modelInfo = widget.NewLabel("")
	c.modelInfo.Wrapping = fyne.TextWrapWord
	trainButton := &widget.Button{Text: "Train a model", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: train}
	noModelText := widget.NewLabel("No model yet. Train one with the settings on the left (Ctrl+Enter), or load a saved one. " +
		"Images you add now still show how they are preprocessed.")
	noModelText.Wrapping = fyne.TextWrapWord
	c.noModel = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), container.NewHBox(trainButton), noModelText)

	open := &widget.Button{Text: "Open images…", Icon: theme.FolderOpenIcon(), OnTapped: c.openImages}
	load := &widget.Button{Text: "Load model…", Icon: theme.UploadIcon(), OnTapped: c.loadModel}
	clearAll := &widget.Button{Text: "Clear", Icon: theme.ContentClearIcon(), Importance: widget.LowImportance, OnTapped: func() {
		c.results.RemoveAll()
		c.results.Add(c.hint)
		c.cards = nil
	}}
	c.hint = widget.NewLabel("Drop image files anywhere on the window, or open one. PNG, JPEG, GIF, BMP, WebP and TIFF work; " +
		"a digit on paper or on screen, dark on light or light on dark.")
	c.hint.Wrapping = fyne.TextWrapWord
	c.results = container.NewVBox(c.hint)

	c.pad = drawpad.New()
	c.pad.OnChanged = c.padChanged
	c.padFrame = pixelImage(image.NewGray(image.Rect(0, 0, 28, 28)), 84)
	c.padBars = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	c.padBars.FillMode = canvas.ImageFillContain
	c.padBars.SetMinSize(fyne.NewSize(260, 150))
	c.padResult = widget.NewLabel("Draw a digit.")
	c.padResult.TextStyle = fyne.TextStyle{Bold: true}
	clearPad := &widget.Button{Text: "Clear", Icon: theme.ContentClearIcon(), OnTapped: c.pad.Clear}
	padTitle := widget.NewLabel("Draw a digit")
	padTitle.TextStyle = fyne.TextStyle{Bold: true}
	padBox := container.NewVBox(
		padTitle,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(drawpad.Side, drawpad.Side), c.pad)),
		container.NewHBox(container.NewVBox(clearPad), layoutSpacer(), captioned(c.padFrame, "as the network sees it")),
		c.padResult, c.padBars,
	)

	top := container.NewVBox(container.NewHBox(open, load, clearAll), c.modelInfo, c.noModel)
	list := container.NewBorder(top, nil, nil, nil, container.NewVScroll(c.results))
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(padBox)), container.NewPadded(list))
	split.Offset = 0.34
	c.content = split
	c.padWork = bridge.NewThrottle(50*time.Millisecond, c.classifyPad)
	c.setModel(nil, "")
	return c
}

// setModel sets the model that classifies; on the UI goroutine.
func (c *classifyTab) setModel(m *training.Model, description string) {
	c.mu.Lock()
	c.model = m
	c.mu.Unlock()
	if m == nil {
		c.modelInfo.SetText("")
		c.modelInfo.Hide()
		c.noModel.Show()
		return
	}
	c.noModel.Hide()
	c.modelInfo.SetText("Model: " + description + ". Classes: " + joinNames(m.Classes) + ".")
	c.modelInfo.Show()
	c.padWork.Request()
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func (c *classifyTab) setDark(dark bool) {
	c.mu.Lock()
	c.dark = dark
	c.mu.Unlock()
	c.padWork.Request()
}

func (c *classifyTab) state() (*training.Model, plots.Theme) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dark {
		return c.model, plots.DarkTheme()
	}
	return c.model, plots.LightTheme()
}

func (c *classifyTab) close() { c.padWork.Stop() }

// openImages offers to open one image or every image in a folder: Fyne's
// file dialog picks a single file.
func (c *classifyTab) openImages() {
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("One image…", c.openImage),
		fyne.NewMenuItem("Every image in a folder…", func() {
			chooseFolder(c.win, "Classify every image in this folder", func(dir string) {
				uris, err := imageURIs(dir)
				if err != nil {
					showError(c.win, err)
					return
				}
				c.classifyURIs(uris)
			})
		}),
	}
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), c.win.Canvas(), fyne.NewPos(0, 36), c.content)
}

// imageURIs lists the image files in dir by name (at most maxResults).
func imageURIs(dir string) ([]fyne.URI, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var uris []fyne.URI
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff":
			if !e.IsDir() && len(uris) < maxResults {
				uris = append(uris, storage.NewFileURI(filepath.Join(dir, e.Name())))
			}
		}
	}
	if len(uris) == 0 {
		return nil, fmt.Errorf("%s has no images (PNG, JPEG, GIF, BMP, WebP or TIFF files)", dir)
	}
	return uris, nil
}

// openImage asks for an image file to classify.
func (c *classifyTab) openImage() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(c.win, err)
			return
		}
		if r == nil {
			return
		}
		u := r.URI()
		r.Close()
		c.classifyURIs([]fyne.URI{u})
	}, c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff",
		".PNG", ".JPG", ".JPEG", ".GIF", ".BMP", ".WEBP", ".TIF", ".TIFF"}))
	present(c.win, d)
}

// loadModel asks for a saved model: its model.safetensors, in a dialog
// that shows the files of each folder (the config and initial weights
// beside it are read too).
func (c *classifyTab) loadModel() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showError(c.win, err)
			return
		}
		if r == nil {
			return // cancelled
		}
		r.Close()
		path := r.URI().Path()
		c.tasks.start(func() {
			m, err := training.LoadModel(path)
			bridge.Do(func() {
				if err != nil {
					showError(c.win, err)
					return
				}
				folder := filepath.Base(filepath.Dir(path))
				c.models.set(m, fmt.Sprintf("loaded from %s, %s", folder, m.Net.Spec))
			})
		})
	}, c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".safetensors"}))
	d.SetTitleText("Choose model.safetensors in a folder saved with Save model… or workbench train --out")
	present(c.win, d)
}

// classifyURIs adds a card per image and classifies them in the
// background; on the UI goroutine. Non-image, corrupt, empty or oversized
// files get a message in their card; the others still classify.
// A batch of files goes on top of the list in the order given (by name
// for a folder).
func (c *classifyTab) classifyURIs(uris []fyne.URI) {
	names := make([]string, len(uris))
	for i, u := range uris {
		names[i] = u.Name()
	}
	batch := c.addCards(names)
	model, th := c.state()
	for i, u := range uris {
		c.fill(batch[i], func() result { return classifyURI(u, model, th) })
	}
}

// classifyImage adds a card for an image the window holds already (a test
// image from the mistakes gallery) and classifies it in the background;
// on the UI goroutine.
func (c *classifyTab) classifyImage(img *image.Gray, name string) {
	card := c.addCards([]string{name})[0]
	model, th := c.state()
	c.fill(card, func() result {
		stages, err := imageproc.Preprocess(img)
		if err != nil {
			return result{err: fmt.Errorf("%s: %w", name, err)}
		}
		return classifyStages(stages, model, th)
	})
}

// addCards puts a card per name on top of the list, in the order given;
// on the UI goroutine.
func (c *classifyTab) addCards(names []string) []*resultCard {
	c.results.Remove(c.hint)
	batch := make([]*resultCard, len(names))
	for i, name := range names {
		batch[i] = newResultCard(name)
	}
	c.cards = append(batch, c.cards...)
	if len(c.cards) > maxResults {
		c.cards = c.cards[:maxResults]
	}
	c.results.Objects = c.results.Objects[:0]
	for _, rc := range c.cards {
		c.results.Objects = append(c.results.Objects, rc.content)
	}
	c.results.Refresh()
	return batch
}

// fill shows in card what classify returns, run in the background.
func (c *classifyTab) fill(card *resultCard, classify func() result) {
	c.tasks.start(func() {
		r := classify()
		bridge.Do(func() {
			card.show(r)
			c.shown()
		})
	})
}

// result is what a card shows.
type result struct {
	err        error
	stages     *imageproc.Stages
	prediction *training.Prediction
	classes    []string
	normalised *image.Gray
	bars       *plots.Chart
}

// classifyURI decodes, preprocesses and (with a model) classifies one
// image; off the UI goroutine.
func classifyURI(u fyne.URI, m *training.Model, th plots.Theme) result {
	var stages *imageproc.Stages
	var err error
	if u.Scheme() == "file" {
		stages, err = imageproc.PreprocessFile(u.Path())
	} else {
		var r fyne.URIReadCloser
		if r, err = storage.Reader(u); err == nil {
			var img image.Image
			img, err = imageproc.Decode(r)
			r.Close()
			if err == nil {
				stages, err = imageproc.Preprocess(img)
			}
			if err != nil {
				err = fmt.Errorf("%s: %w", u.Name(), err)
			}
		}
	}
	if err != nil {
		return result{err: byName(u, err)}
	}
	return classifyStages(stages, m, th)
}

// classifyStages classifies a preprocessed image with m, or only shows
// its stages when there is no model.
func classifyStages(stages *imageproc.Stages, m *training.Model, th plots.Theme) result {
	res := result{stages: stages}
	stats := imageproc.Stats{Mean: 0.1307, Std: 0.3081} // MNIST's, to show the stage without a model
	if m != nil {
		stats = m.Stats
		p, err := m.Classify(stages)
		if err != nil {
			return result{err: err, stages: stages}
		}
		res.prediction, res.classes = p, m.Classes
		if bp, err := plots.Bars("Class probabilities", m.Classes, p.Probs, p.Class, th); err == nil {
			res.bars, _ = plots.Render(bp, plots.Size{Width: 260, Height: 150, DPI: 96})
		}
	}
	res.normalised = normalisedView(stages.Frame, stats)
	return res
}

// byName words a file's error with the file's name, not its whole path,
// and starts with it.
func byName(u fyne.URI, err error) error {
	msg := strings.ReplaceAll(err.Error(), u.Path(), u.Name())
	if !strings.HasPrefix(msg, u.Name()) {
		msg = u.Name() + ": " + msg
	}
	return errors.New(msg)
}

// normalisedView shows the network's input, (pixel − mean)/std, stretched
// from its minimum (black) to its maximum (white).
func normalisedView(frame *image.Gray, s imageproc.Stats) *image.Gray {
	x := make([]float32, imageproc.Pixels)
	s.Normalize(x, frame.Pix)
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	out := image.NewGray(image.Rect(0, 0, imageproc.Size, imageproc.Size))
	if hi > lo {
		for i, v := range x {
			out.Pix[i] = uint8(255 * (v - lo) / (hi - lo))
		}
	}
	return out
}

// resultCard is one classified image in the list.
type resultCard struct {
	name    string
	title   *widget.Label
	body    *fyne.Container
	content fyne.CanvasObject
}

func newResultCard(name string) *resultCard {
	r := &resultCard{name: name}
	r.title = widget.NewLabel(name + ": classifying…")
	r.title.TextStyle = fyne.TextStyle{Bold: true}
	r.title.Wrapping = fyne.TextWrapWord
	r.body = container.NewVBox()
	r.content = container.NewVBox(r.title, r.body, widget.NewSeparator())
	return r
}

// show fills the card; on the UI goroutine.
func (r *resultCard) show(res result) {
	if res.err != nil {
		r.title.SetText(res.err.Error())
		r.title.Importance = widget.DangerImportance
		r.title.Refresh()
		return
	}
	st := res.stages
	// The stages wrap onto more rows in a narrow window.
	stages := container.NewGridWrap(fyne.NewSize(96, 124))
	add := func(o fyne.CanvasObject, caption string) {
		stages.Add(captioned(o, caption))
	}
	add(fitImage(st.Original, 80), "original")
	if !st.Unchanged {
		add(fitImage(st.Gray, 80), "grayscale")
		add(fitImage(st.Evened, 80), "light evened")
		add(fitImage(st.Mask, 80), "ink ("+st.Channel+")")
		if st.LinesFound {
			add(fitImage(st.Lines, 80), "lines removed")
		}
		add(fitImage(st.Digit, 80), "chosen digit")
		ink := "digit ink"
		if st.Inverted {
			ink += ", inverted"
		}
		add(fitImage(st.Ink, 80), ink)
	}
	add(pixelImage(st.Frame, 80), "28×28 frame")
	add(pixelImage(res.normalised, 80), "normalised")
	summary := widget.NewLabel(stagesSummary(st))
	summary.Wrapping = fyne.TextWrapWord
	summary.SizeName = theme.SizeNameCaptionText
	r.body.Objects = []fyne.CanvasObject{stages, summary}
	if res.prediction == nil {
		r.title.SetText(r.name + ": preprocessed (no model to classify it yet)")
	} else {
		p := res.prediction
		r.title.SetText(fmt.Sprintf("%s: %s (%.1f%%)", r.name, res.classes[p.Class], 100*p.Probs[p.Class]))
		if res.bars != nil {
			bars := canvas.NewImageFromImage(res.bars.Image)
			bars.FillMode = canvas.ImageFillContain
			bars.SetMinSize(fyne.NewSize(260, 150))
			r.body.Objects = append(r.body.Objects, bars)
		}
	}
	r.body.Refresh()
}

// stagesSummary says in words what preprocessing did to an image.
func stagesSummary(st *imageproc.Stages) string {
	if st.Unchanged {
		return "Already a 28×28 frame, light ink on black: used as it is."
	}
	var parts []string
	if st.Inverted {
		parts = append(parts, "dark ink on light paper, inverted")
	} else {
		parts = append(parts, "light ink on a dark background")
	}
	parts = append(parts, "ink read in the "+st.Channel+" channel")
	if st.LinesFound {
		parts = append(parts, "ruled lines removed")
	}
	switch {
	case st.Marks == st.Chosen && st.Chosen == 1:
		parts = append(parts, "one mark")
	case st.Marks == st.Chosen:
		parts = append(parts, fmt.Sprintf("all %d marks kept", st.Marks))
	default:
		parts = append(parts, fmt.Sprintf("%d of %d marks kept as the digit", st.Chosen, st.Marks))
	}
	if st.Restroked > 0 {
		parts = append(parts, fmt.Sprintf("fine strokes (%.0f%% of the digit's size) thickened towards MNIST's 13%%", 100*st.Stroke))
	}
	s := strings.Join(parts, "; ") + "."
	return strings.ToUpper(s[:1]) + s[1:]
}

// fitImage shows img scaled smoothly to fit a side×side square.
func fitImage(img image.Image, side float32) fyne.CanvasObject {
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScaleSmooth
	c.SetMinSize(fyne.NewSize(side, side))
	return c
}

// pixelImage shows a small image enlarged with its pixels visible.
func pixelImage(img image.Image, side float32) *canvas.Image {
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScalePixels
	c.SetMinSize(fyne.NewSize(side, side))
	return c
}

// captioned puts a small caption under an image.
func captioned(o fyne.CanvasObject, caption string) fyne.CanvasObject {
	l := widget.NewLabel(caption)
	l.Alignment = fyne.TextAlignCenter
	l.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(container.NewCenter(o), l)
}

func (c *classifyTab) shown() {
	if c.onShown != nil {
		c.onShown()
	}
}

// padChanged takes a new drawing; on the UI goroutine.
func (c *classifyTab) padChanged(img *image.Gray) {
	c.mu.Lock()
	c.padImage = img
	c.mu.Unlock()
	c.padWork.Request()
}

// classifyPad classifies the latest drawing; on the throttle's goroutine,
// so that drawing stays smooth however long classification takes.
func (c *classifyTab) classifyPad() {
	c.mu.Lock()
	img := c.padImage
	c.mu.Unlock()
	model, th := c.state()
	if img == nil {
		bridge.Do(func() {
			c.padFrame.Image = image.NewGray(image.Rect(0, 0, 28, 28))
			c.padFrame.Refresh()
			c.padBars.Image = image.NewRGBA(image.Rect(0, 0, 1, 1))
			c.padBars.Refresh()
			c.padResult.SetText("Draw a digit.")
			c.shown()
		})
		return
	}
	stages, err := imageproc.Preprocess(img)
	if err != nil {
		bridge.Do(func() {
			c.padResult.SetText("Keep drawing…")
			c.shown()
		})
		return
	}
	text := "Train or load a model to classify your drawing."
	var bars *plots.Chart
	if model != nil {
		p, err := model.Classify(stages)
		if err != nil {
			text = err.Error()
		} else {
			order := make([]int, len(p.Probs))
			for i := range order {
				order[i] = i
			}
			sort.Slice(order, func(a, b int) bool { return p.Probs[order[a]] > p.Probs[order[b]] })
			text = fmt.Sprintf("It looks like a %s (%.1f%%)", model.Classes[p.Class], 100*p.Probs[p.Class])
			if len(order) > 1 {
				text += fmt.Sprintf("; next %s (%.1f%%)", model.Classes[order[1]], 100*p.Probs[order[1]])
			}
			if bp, err := plots.Bars("Class probabilities", model.Classes, p.Probs, p.Class, th); err == nil {
				bars, _ = plots.Render(bp, plots.Size{Width: 260, Height: 150, DPI: 96})
			}
		}
	}
	bridge.Do(func() {
		c.padFrame.Image = stages.Frame
		c.padFrame.Refresh()
		if bars != nil {
			c.padBars.Image = bars.Image
			c.padBars.Refresh()
		}
		c.padResult.SetText(text)
		c.shown()
	})
}

// resultsText joins the result cards' titles; on the UI goroutine.
func (c *classifyTab) resultsText() string {
	var b strings.Builder
	for _, card := range c.cards {
		b.WriteString(card.title.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
