package photoset

import "math"

// The generator's randomness per pixel comes from hashes of the pixel's
// coordinates rather than from a sequential generator, so that rows can be
// rendered in any order, in parallel, and give the same bytes.

// mix is SplitMix64's finaliser: a bijection of 64-bit words whose output
// bits each depend on all input bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 hashes the lattice point (i, j) under seed.
func hash2(seed uint64, i, j int64) uint64 {
	return mix(seed ^ mix(uint64(i)*0x9e3779b97f4a7c15^uint64(j)*0xc2b2ae3d27d4eb4f))
}

// uniform maps a hash to [0, 1).
func uniform(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// gauss maps a hash to a nearly normal deviate with mean 0 and standard
// deviation 1: the sum of four 16-bit uniforms (Irwin–Hall), whose tails
// stop at ±2√3, which is all sensor noise needs.
func gauss(h uint64) float64 {
	s := float64(h&0xffff+h>>16&0xffff+h>>32&0xffff+h>>48) / 65536
	return (s - 2) * math.Sqrt(3)
}

// smooth is value noise in [0, 1] at (x, y), with one random value per
// unit lattice point, interpolated with a smoothstep.
func smooth(seed uint64, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	sx, sy := fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	i, j := int64(x0), int64(y0)
	a := uniform(hash2(seed, i, j))
	b := uniform(hash2(seed, i+1, j))
	c := uniform(hash2(seed, i, j+1))
	d := uniform(hash2(seed, i+1, j+1))
	top := a + (b-a)*sx
	bottom := c + (d-c)*sx
	return top + (bottom-top)*sy
}

// fractal is value noise of octaves octaves, each twice the frequency and
// half the amplitude of the last, in [0, 1], at (x, y) in units of the
// coarsest lattice.
func fractal(seed uint64, x, y float64, octaves int) float64 {
	sum, amp, total := 0.0, 1.0, 0.0
	for k := range octaves {
		sum += amp * smooth(seed+uint64(k), x, y)
		total += amp
		amp /= 2
		x, y = 2*x+0.37, 2*y+0.71
	}
	return sum / total
}
