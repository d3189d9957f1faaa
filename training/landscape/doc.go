// Package landscape maps the loss of a trained network around its weights:
// a 2-D slice through weight space along two random, filter-normalised
// directions (Li et al. 2018, "Visualizing the Loss Landscape of Neural
// Nets"), a 1-D slice along one of them, the straight line from the initial
// to the trained weights (Goodfellow, Vinyals & Saxe 2015, "Qualitatively
// characterizing neural network optimization problems"), and the extreme
// eigenvalues of the loss Hessian at the trained weights by Lanczos
// iteration on Hessian-vector products (as PyHessian, Yao et al. 2020).
//
// The loss is the model's own training loss (cross-entropy or MSE on the
// softmax, without weight decay), averaged over an evaluation Set, computed
// by the engine's own networks (training/nn), so that the centre of a slice
// is the model's evaluated loss. Every architecture is mapped: multilayer
// perceptrons and networks of layers (convolutions, pooling, batch
// normalisation, residual blocks, dropout). A network of layers is taken
// in evaluation mode, as it is evaluated: dropout off, batch
// normalisation on the model's running statistics, which the slices and
// the Hessian hold fixed while the weights move.
//
// Slices and curvature run for seconds: they take a context, stop when it
// is cancelled, report progress through a callback, and use every CPU.
package landscape
