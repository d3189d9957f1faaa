package dataset

import (
	"hash/fnv"
	"math"
	"math/bits"
	"strconv"
)

// SplitValidation splits s into training and validation parts, fraction of
// each class going to validation (stratified, deterministic by seed;
// fraction 0 gives an empty validation split; at least one sample of each
// class stays in training).
//
// Each class sends round(fraction×n) of its n samples to validation, at
// most n−1; a NaN or negative fraction counts as 0. Both parts are new
// copies and keep the order the samples have in s. Which samples of a class
// go to validation depends only on the seed and that class's samples, not
// on the other classes.
func SplitValidation(s *Split, fraction float64, seed uint64) (train, val *Split) {
	if s.Len() == 0 {
		return &Split{}, &Split{}
	}
	inVal := stratify(s.Labels, fraction, seed, func(label int32) string {
		return "validation:" + strconv.Itoa(int(label))
	})
	return s.partition(inVal)
}

// SplitValidationInPlace is SplitValidation whose training part keeps
// s's memory (the samples compacted in place, in order): s is not usable
// afterwards. A set loaded for one run costs its size once, not twice.
func SplitValidationInPlace(s *Split, fraction float64, seed uint64) (train, val *Split) {
	if s.Len() == 0 {
		return &Split{}, &Split{}
	}
	inVal := stratify(s.Labels, fraction, seed, func(label int32) string {
		return "validation:" + strconv.Itoa(int(label))
	})
	var mi []int
	for i, m := range inVal {
		if m {
			mi = append(mi, i)
		}
	}
	val = s.Subset(mi)
	j := 0
	for i, m := range inVal {
		if m {
			continue
		}
		if j != i {
			copy(s.Images[j*pixels:(j+1)*pixels], s.Images[i*pixels:(i+1)*pixels])
			s.Labels[j] = s.Labels[i]
		}
		j++
	}
	return &Split{Images: s.Images[: j*pixels : j*pixels], Labels: s.Labels[:j:j]}, val
}

// partition copies the samples of s that are not marked to out and those
// that are to in, each in the order of s.
func (s *Split) partition(marked []bool) (out, in *Split) {
	var ui, mi []int
	for i, m := range marked {
		if m {
			mi = append(mi, i)
		} else {
			ui = append(ui, i)
		}
	}
	return s.Subset(ui), s.Subset(mi)
}

// stratify marks round(fraction×n) samples of each class, at most n−1, at
// random. The samples of one class are shuffled by a generator keyed by the
// seed and key(label), so the choice within a class does not depend on which
// other classes are present.
func stratify[L comparable](labels []L, fraction float64, seed uint64, key func(L) string) []bool {
	marked := make([]bool, len(labels))
	if !(fraction > 0) { // also catches NaN
		return marked
	}
	byClass := make(map[L][]int)
	var order []L // classes in order of first appearance, for determinism
	for i, l := range labels {
		if _, ok := byClass[l]; !ok {
			order = append(order, l)
		}
		byClass[l] = append(byClass[l], i)
	}
	for _, l := range order {
		idx := byClass[l]
		n := len(idx)
		k := min(int(math.Round(fraction*float64(n))), n-1)
		if k <= 0 {
			continue
		}
		shuffle(idx, newRNG(seed, key(l)))
		for _, i := range idx[:k] {
			marked[i] = true
		}
	}
	return marked
}

// rng is SplitMix64: tiny, fast and fully specified here, so splits stay
// identical across Go versions and platforms (math/rand/v2 does not promise
// that its helpers such as Shuffle keep their exact streams).
type rng struct{ state uint64 }

// newRNG returns a generator for seed and a stream named by key.
func newRNG(seed uint64, key string) *rng {
	h := fnv.New64a()
	h.Write([]byte(key))
	r := &rng{state: seed ^ h.Sum64()}
	r.next() // decorrelate nearby seeds
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n), n > 0 (Lemire's method).
func (r *rng) below(n uint64) uint64 {
	hi, lo := bits.Mul64(r.next(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.next(), n)
		}
	}
	return hi
}

// shuffle permutes x uniformly (Fisher–Yates).
func shuffle[T any](x []T, r *rng) {
	for i := len(x) - 1; i > 0; i-- {
		j := r.below(uint64(i + 1))
		x[i], x[j] = x[j], x[i]
	}
}
