package dataset

// Select returns the dataset restricted to the named classes (all when
// classes is empty), with labels renumbered 0..k-1 in the dataset's class
// order. The window loads a source once with every class and selects from
// it as the user ticks classes, instead of decoding the files again.
func (d *Dataset) Select(classes []string) (*Dataset, error) {
	index := make(map[string]int, len(d.Classes))
	for i, c := range d.Classes {
		index[c] = i
	}
	sel, err := selectClasses(d.Source, d.Classes, classes, func(name string) (int, bool) {
		i, ok := index[name]
		return i, ok
	})
	if err != nil {
		return nil, err
	}
	remap := make([]int32, len(d.Classes))
	for i := range remap {
		remap[i] = -1
	}
	for j, i := range sel {
		remap[i] = int32(j)
	}
	return &Dataset{
		Source:  d.Source,
		Classes: pick(d.Classes, sel),
		Train:   d.Train.relabel(remap),
		Test:    d.Test.relabel(remap),
		Skipped: d.Skipped,
	}, nil
}

// relabel keeps the samples whose label maps to a class (remap ≥ 0), with
// the new labels.
func (s *Split) relabel(remap []int32) *Split {
	var idx []int
	for i, l := range s.Labels {
		if remap[l] >= 0 {
			idx = append(idx, i)
		}
	}
	out := s.Subset(idx)
	for i, l := range out.Labels {
		out.Labels[i] = remap[l]
	}
	return out
}
