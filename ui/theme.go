package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/neuralworkbench/workbench/plots"
)

// contrastTheme is Fyne's default theme with the colours of text that
// informs (errors, warnings, successes, placeholders) moved away from the
// background where they fall short of WCAG AA's 4.5:1 on it: Fyne's light
// error red reads at 3.7:1 on white, its placeholder grey at 3.5:1.
type contrastTheme struct{ fyne.Theme }

// minContrast is WCAG AA's contrast for normal text.
const minContrast = 4.5

// Color implements fyne.Theme.
func (t contrastTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	c := t.Theme.Color(n, v)
	switch n {
	case theme.ColorNameError, theme.ColorNameWarning, theme.ColorNameSuccess, theme.ColorNamePlaceHolder:
		return readable(c, t.Theme.Color(theme.ColorNameBackground, v))
	}
	return c
}

// readable returns c, or c mixed towards black (on a light background)
// or white (on a dark one) just enough to reach minContrast against bg.
func readable(c, bg color.Color) color.Color {
	if plots.Contrast(c, bg) >= minContrast {
		return c
	}
	towards := color.Color(color.Black)
	if plots.Luminance(bg) < 0.5 {
		towards = color.White
	}
	for f := 0.05; f <= 1; f += 0.05 {
		m := plots.Mix(c, towards, f)
		if plots.Contrast(m, bg) >= minContrast {
			return m
		}
	}
	return towards
}
