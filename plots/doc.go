// Package plots draws the workbench's charts with gonum/plot: training
// curves (with labelled markers, such as the changes made to a run while
// it trained, and a secondary series such as the learning rate on an axis
// of its own), class-probability bars, confusion matrices, heat maps of a
// function over a grid (a loss surface, a convexity map), with contours,
// a colour bar and descent paths, and the charts of a hyperparameter
// sweep (a metric against one setting, over a grid of two, in parallel
// coordinates for more) and of a learning-rate finder.
//
// It knows nothing of the GUI or of the training engine: it takes plain
// slices, builds a *plot.Plot styled with a light or dark Theme, and either
// renders it to an image (Render, which also returns the mapping between the
// image's pixels and data coordinates so a GUI can show the values under the
// pointer) or writes it as PNG or SVG (Save). SetSubtitle adds a subtitle,
// such as a run's settings, to any of them.
//
// Render and Save fit a plot to the size it is drawn at: tick labels as many
// as fit their axis (a log axis labels every few decades on a short one),
// class labels smaller, tilted or fewer where the classes are crowded,
// confusion counts only where they fit, a subtitle wrapped to the width.
// Drawn with gonum/plot's own Draw or Save, a plot is drawn as for an axis
// of unknown length.
//
// Error policy: Curves drops non-finite points (a diverged run is data, not a
// mistake), and with IgnoreOutliers clips the points beyond the bulk of the
// data; it draws an empty chart with its title and axes when there is
// nothing to draw, drops markers whose X is not finite, and fails only for
// a series (or its Secondary series) whose X and Y differ in length. Bars
// and Confusion, whose input is a finished result, return an error for
// empty input, mismatched lengths, NaN or Inf, as gonum/plot's New*
// functions do. Heatmap returns an error for a malformed
// grid (too few x or y values, ones that are not finite and strictly
// increasing, a Z of the wrong length), a path whose X and Y differ in
// length or an option out of its range, but not for NaN or Inf in Z, which
// it draws as "no data" (a diverged loss is data too), nor for non-finite
// path points, which it drops as Curves does. SweepLine, SweepHeatmap and
// ParallelCoordinates, whose input is a finished sweep, return an error
// for empty input, mismatched lengths or shapes, and settings that are NaN,
// Inf, not > 0 on a log axis or not the index of a label, but not for a
// NaN or Inf metric, which they draw as a diverged run: a cross under a
// break in the line, a grey cell with a dash, a dashed line to a
// "diverged" mark. LRFinder returns an error for empty or mismatched input,
// learning rates that are not finite, > 0 and increasing, and a suggestion
// outside them, and drops non-finite losses as Curves does. SetSubtitle
// cannot fail.
// Render and Save return an error for a size out of range, and for a plot
// gonum/plot cannot draw rather than panicking.
//
// Building a plot and rendering it are safe to do from any goroutine; a GUI
// is expected to call Curves and Render off its UI goroutine and swap the
// resulting image in. A single *plot.Plot should be rendered by one goroutine
// at a time, as gonum/plot normalises axis ranges in place while drawing
// and Render and Save fit the plot to the size in place, putting it back
// afterwards.
package plots
