package photoset

import "math"

// homography is a projective map of the plane, row-major with m[8] = 1.
type homography [9]float64

// identity maps every point to itself.
var identity = homography{1, 0, 0, 0, 1, 0, 0, 0, 1}

// apply maps (x, y).
func (m homography) apply(x, y float64) (float64, float64) {
	w := m[6]*x + m[7]*y + m[8]
	return (m[0]*x + m[1]*y + m[2]) / w, (m[3]*x + m[4]*y + m[5]) / w
}

// fitHomography returns the homography that maps each src[i] to dst[i].
// The points must be in general position (no three on a line), as the
// corners of a photo and their slightly moved images are.
func fitHomography(src, dst [4][2]float64) homography {
	// Eight equations in m[0..7]: for each pair,
	//   m0 x + m1 y + m2 − m6 x X − m7 y X = X
	//   m3 x + m4 y + m5 − m6 x Y − m7 y Y = Y
	var a [8][9]float64
	for i := range 4 {
		x, y := src[i][0], src[i][1]
		X, Y := dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -x * X, -y * X, X}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -x * Y, -y * Y, Y}
	}
	// Gaussian elimination with partial pivoting.
	for col := range 8 {
		p := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		a[col], a[p] = a[p], a[col]
		for r := range 8 {
			if r == col {
				continue
			}
			f := a[r][col] / a[col][col]
			for k := col; k < 9; k++ {
				a[r][k] -= f * a[col][k]
			}
		}
	}
	var m homography
	for i := range 8 {
		m[i] = a[i][8] / a[i][i]
	}
	m[8] = 1
	return m
}
