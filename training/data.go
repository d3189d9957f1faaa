package training

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuralworkbench/workbench/training/dataset"
	"github.com/neuralworkbench/workbench/training/imageproc"
)

// Data is an experiment's data, split and ready to train on.
type Data struct {
	// Source is the dataset's canonical name ("mnist", "idx:/abs/dir", …).
	Source string
	// Classes are the class names in label order.
	Classes []string
	// Train, Val and Test are the training, validation and test sets.
	// Val may be empty (a validation split of 0).
	Train, Val, Test *dataset.Split
	// Stats are the training set's pixel mean and standard deviation,
	// which normalise every image the network sees.
	Stats imageproc.Stats
	// Skipped lists images of a folder dataset that could not be read.
	Skipped []string
}

// Prepare loads the configured dataset and splits off the validation set,
// deterministically by seed. Limit caps the training set after the split,
// keeping a random, class-balanced-in-expectation subset.
func Prepare(cfg Config) (*Data, error) {
	ds, err := dataset.Open(cfg.Dataset, cfg.Classes, cfg.Seed)
	if err != nil {
		return nil, err
	}
	// The dataset was loaded for this run alone: its training images
	// become the run's without a copy.
	return split(ds, cfg, dataset.SplitValidationInPlace)
}

// Split divides an already loaded dataset as Prepare does; ds is left as
// it was, for a caller that keeps it for other runs.
func Split(ds *dataset.Dataset, cfg Config) (*Data, error) {
	return split(ds, cfg, dataset.SplitValidation)
}

func split(ds *dataset.Dataset, cfg Config, splitValidation func(*dataset.Split, float64, uint64) (train, val *dataset.Split)) (*Data, error) {
	if len(ds.Classes) < 2 {
		return nil, fmt.Errorf("%s: a classifier needs at least 2 classes (found %d)", ds.Source, len(ds.Classes))
	}
	train, val := splitValidation(ds.Train, cfg.ValSplit, cfg.Seed)
	if cfg.Limit > 0 && cfg.Limit < train.Len() {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x6c696d6974)) // "limit"
		train = train.Subset(rng.Perm(train.Len())[:cfg.Limit])
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("%s: no training images left", ds.Source)
	}
	if cfg.Batch > train.Len() {
		return nil, fmt.Errorf("batch size must be at most the number of training samples, %d (got %d)", train.Len(), cfg.Batch)
	}
	if ds.Test == nil || ds.Test.Len() == 0 {
		return nil, fmt.Errorf("%s: the test set is empty", ds.Source)
	}
	return &Data{
		Source:  ds.Source,
		Classes: ds.Classes,
		Train:   train,
		Val:     val,
		Test:    ds.Test,
		Stats:   imageproc.ComputeStats(train.Images),
		Skipped: ds.Skipped,
	}, nil
}
