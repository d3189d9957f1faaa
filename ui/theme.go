package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
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
	if contrast(c, bg) >= minContrast {
		return c
	}
	towards := color.Color(color.Black)
	if luminance(bg) < 0.5 {
		towards = color.White
	}
	for f := 0.05; f <= 1; f += 0.05 {
		m := mix(c, towards, f)
		if contrast(m, bg) >= minContrast {
			return m
		}
	}
	return towards
}

// mix returns the colour a fraction f of the way from a to b.
func mix(a, b color.Color, f float64) color.Color {
	na := color.NRGBAModel.Convert(a).(color.NRGBA)
	nb := color.NRGBAModel.Convert(b).(color.NRGBA)
	l := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.NRGBA{R: l(na.R, nb.R), G: l(na.G, nb.G), B: l(na.B, nb.B), A: na.A}
}

// luminance is WCAG 2's relative luminance.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// contrast is WCAG 2's contrast ratio, from 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
