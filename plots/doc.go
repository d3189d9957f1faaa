// Package plots draws the workbench's charts with gonum/plot: training
// curves, class-probability bars and confusion matrices.
//
// It knows nothing of the GUI or of the training engine: it takes plain
// slices, builds a *plot.Plot styled with a light or dark Theme, and either
// renders it to an image (Render, which also returns the mapping between the
// image's pixels and data coordinates so a GUI can show the values under the
// pointer) or writes it as PNG or SVG (Save).
//
// Error policy: Curves drops non-finite points (a diverged run is data, not a
// mistake) and draws an empty chart with its title and axes when there is
// nothing to draw. Bars and Confusion, whose input is a finished result,
// return an error for empty input, mismatched lengths, NaN or Inf, as
// gonum/plot's New* functions do.
//
// Building a plot and rendering it are safe to do from any goroutine; a GUI
// is expected to call Curves and Render off its UI goroutine and swap the
// resulting image in. A single *plot.Plot should be rendered by one goroutine
// at a time, as gonum/plot normalises axis ranges in place while drawing.
package plots
