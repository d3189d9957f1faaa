package plots

import (
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Subtitle type: smaller and regular under the bold title, shrinking to
// minSubtitleSize before it takes more than maxSubtitleLines (or
// maxSubtitleShare of the chart's height).
const (
	subtitleSize     = 10
	minSubtitleSize  = 7.5
	maxSubtitleLines = 3
	subtitleGap      = 2 // points between the title and the subtitle
)

// SetSubtitle gives p a subtitle under its title, such as the settings of
// the run an exported chart shows: in smaller, regular type (the title
// stays bold), centred, in the title's colour. Drawn by Render or Save, a
// subtitle too long for the chart's width wraps into lines of even length,
// at " · " between items where it can; where it would take more than three
// lines or 15% of the chart's height it shrinks, to 7.5 points, and then
// takes as many lines as it needs: it is never cut. Drawn by
// other means it breaks only at its own newlines. An empty subtitle
// removes one. It works on any of the package's plots, and on any gonum
// plot whose title is drawn by a text handler of gonum/plot's.
//
// gonum/plot draws a title as one text in one style, so the subtitle
// travels with it: SetSubtitle installs a text handler on the title that
// lays out and draws both, and the title block grows by the subtitle's
// height, pushing the rest of the chart down.
func SetSubtitle(p *plot.Plot, subtitle string) {
	h := p.Title.TextStyle.Handler
	if s, ok := h.(*subtitled); ok {
		h = s.base
	}
	if subtitle == "" {
		p.Title.TextStyle.Handler = h
		if strings.TrimSpace(p.Title.Text) == "" {
			p.Title.Text = ""
		}
		return
	}
	if h == nil {
		h = plot.DefaultTextHandler
	}
	if p.Title.Text == "" {
		p.Title.Text = " " // gonum/plot draws no title block for an empty title
	}
	p.Title.TextStyle.Handler = &subtitled{
		base:  h,
		text:  subtitle,
		font:  font.From(sans, subtitleSize),
		lines: strings.Split(subtitle, "\n"),
	}
}

// subtitled is the text handler of a title with a subtitle. It draws the
// title with base, its own handler, and the subtitle's lines under it.
// Lines gives the subtitle's lines a prefix, subtitleLine, by which Box
// and Draw know them from the title's.
type subtitled struct {
	base  text.Handler
	text  string    // the subtitle as given
	font  font.Font // the subtitle's font, at its fitted size
	lines []string  // the subtitle as drawn
}

// subtitleLine starts the subtitle's lines among those of Lines.
const subtitleLine = "\x00subtitle\x00"

var _ text.Handler = (*subtitled)(nil)

// Cache implements text.Handler.
func (s *subtitled) Cache() *font.Cache { return s.base.Cache() }

// Extents implements text.Handler.
func (s *subtitled) Extents(fnt font.Font) font.Extents { return s.base.Extents(fnt) }

// Lines implements text.Handler: the title's lines, then the subtitle's.
func (s *subtitled) Lines(txt string) []string {
	var lines []string
	if strings.TrimSpace(txt) != "" {
		lines = s.base.Lines(txt)
	}
	for _, l := range s.lines {
		lines = append(lines, subtitleLine+l)
	}
	return lines
}

// Box implements text.Handler. A subtitle line is measured in the
// subtitle's font, with the gap above it.
func (s *subtitled) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	if l, ok := strings.CutPrefix(txt, subtitleLine); ok {
		w, h, d := s.base.Box(l, s.font)
		return w, h + vg.Points(subtitleGap), d
	}
	return s.base.Box(txt, fnt)
}

// Draw implements text.Handler for a plot's title, which gonum/plot draws
// centred, top down from pt less the title font's descent. The title is
// drawn as its own handler would; the subtitle's lines follow.
func (s *subtitled) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	title := sty
	title.Handler = s.base
	if strings.TrimSpace(txt) != "" {
		s.base.Draw(c, txt, title, pt)
	}
	top := pt.Y - title.FontExtents().Descent
	if strings.TrimSpace(txt) != "" {
		top -= title.Height(txt) + s.lineGap(sty.Font)
	}
	face := s.base.Cache().Lookup(s.font, s.font.Size)
	ext := face.Extents()
	c.SetColor(sty.Color)
	for _, l := range s.lines {
		top -= vg.Points(subtitleGap) + ext.Ascent
		c.FillString(face, vg.Point{X: pt.X + vg.Length(sty.XAlign)*face.Width(l), Y: top}, l)
		top -= ext.Descent + s.lineGap(sty.Font)
	}
}

// lineGap returns the gap text.Style puts between two lines of a text in
// fnt, the title's font.
func (s *subtitled) lineGap(fnt font.Font) vg.Length {
	e := s.base.Extents(fnt)
	return e.Height - e.Ascent - e.Descent
}

// fit returns s with its subtitle wrapped to a chart width × height
// points: in lines of even length, shrunk where at subtitleSize it would
// take more than maxSubtitleLines or maxSubtitleShare of the height.
func (s *subtitled) fit(width, height vg.Length) *subtitled {
	f := *s
	sty := text.Style{Font: font.From(sans, subtitleSize), Handler: s.base}
	for size := font.Length(subtitleSize); ; size -= 0.5 {
		sty.Font.Size = size
		f.font, f.lines = sty.Font, balance(s.text, sty, width)
		ext := sty.FontExtents()
		tall := vg.Length(len(f.lines)) * (ext.Height + vg.Points(subtitleGap))
		if len(f.lines) <= maxSubtitleLines && tall <= maxSubtitleShare*height || size <= minSubtitleSize {
			return &f
		}
	}
}

// maxSubtitleShare is the most of a chart's height a subtitle takes before
// it shrinks.
const maxSubtitleShare = 0.15

// balance wraps txt to width in as few lines as wrap does, but as even in
// length as it can: the narrowest width that takes no more lines.
func balance(txt string, sty text.Style, width vg.Length) []string {
	lines := wrap(txt, sty, width)
	if len(lines) < 2 {
		return lines
	}
	lo, hi := width/vg.Length(len(lines)), width
	for range 12 {
		mid := (lo + hi) / 2
		if len(wrap(txt, sty, mid)) > len(lines) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return wrap(txt, sty, hi)
}

// wrap breaks txt into lines no wider than width in sty: at its newlines,
// then between the items of a list separated by " · ", then between
// words. A word wider than width has a line of its own.
func wrap(txt string, sty text.Style, width vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(txt, "\n") {
		line := ""
		add := func(piece, sep string) bool {
			switch {
			case line == "":
				line = piece
			case sty.Width(line+sep+piece) <= width:
				line += sep + piece
			default:
				return false
			}
			return true
		}
		for _, item := range strings.Split(para, " · ") {
			if add(item, " · ") {
				continue
			}
			if sty.Width(item) <= width { // the item on a line of its own
				lines = append(lines, line+" ·")
				line = item
				continue
			}
			// Wrap the item between words, its first word after the
			// separator where it fits.
			for i, word := range strings.Fields(item) {
				sep := " "
				if i == 0 {
					sep = " · "
				}
				if !add(word, sep) {
					if i == 0 {
						line += " ·"
					}
					lines = append(lines, line)
					line = word
				}
			}
		}
		lines = append(lines, line)
	}
	return lines
}
