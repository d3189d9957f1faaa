// Package assets holds the files embedded in the workbench binary: the
// MNIST database of handwritten digits and the application icon.
//
// MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges,
// licensed under Creative Commons Attribution-Share Alike 3.0.
package assets

import "embed"

// MNIST holds the four gzip-compressed IDX files of MNIST under "mnist/":
// train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
//
//go:embed mnist/*.gz
var MNIST embed.FS

// Icon is the application icon, 512×512 PNG (drawn from icon.svg).
//
//go:embed icon.png
var Icon []byte
