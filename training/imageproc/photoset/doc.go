// Package photoset generates phone photos of handwritten digits, the test
// set for "real photos classify right": MNIST test digits written on
// notebook paper and photographed as a phone sees them, one condition at a
// time (ruled or squared paper, a shadow, rotation, a thin or thick pen,
// perspective tilt, sensor noise, defocus, faint coloured ink, JPEG) and
// all at once. Evaluate runs any classifier on a set and counts.
//
// # How a photo is made
//
// A digit becomes a pen drawing: its 28×28 frame is upscaled smoothly and
// thresholded at half its brightest level, which gives the outline a felt
// pen would leave (MNIST's strokes are about 11 % of the digit's height);
// or that outline is thinned to its centre line and a pen of a given width
// is run along it, which gives strokes of one width as a ballpoint or a
// marker draws them. The drawing is kept as a signed distance field, so
// its edges are sharp and anti-aliased at any size, 640×480 or 12
// megapixels.
//
// The page is then composed in the page's own coordinates: paper from
// white to cream or grey, exposed at 80–95 % of full scale, with a faint
// mottling; ruled lines (blue or grey, a little off horizontal, the digit
// spanning one or two of them, sometimes a red margin line) or a squared
// grid (the digit spanning two to four squares); the ink, absorbing light
// per channel in its colour and a little unevenly (pencil much more so);
// a shadow across the page with a soft, bent edge, uneven light and
// vignetting. The camera sees the page through a homography (perspective
// tilt), then blurs it, adds sensor noise shared between channels with a
// little colour noise, quantises it, and may compress it as JPEG, which is
// decoded again as a reader of the file would. The digit is 25–60 % of the
// photo's height, centred in its middle third.
//
// Conditions lists the conditions and their ranges; every strength is
// drawn uniformly from its Range, once per photo. Sizes in pixels are
// those of a 640×480 photo and scale with the photo's shorter side.
//
// # Reproducible
//
// A photo is a deterministic function of (frame, condition, seed, size):
// the same bytes on every platform. Each factor draws from its own random
// stream of the seed, and Set gives each digit the same seed under every
// condition, so the photos of one digit under two conditions differ only
// in what the conditions set differently: its "ruled" photo is its "plain"
// photo with lines on the paper. The figure per condition then measures
// that factor alone.
//
// Arguments out of range (a frame of the wrong size, a photo smaller than
// MinSide or larger than MaxPixels, a Condition whose ranges are NaN,
// reversed or beyond what Validate allows) are errors that say what was
// wrong and what is allowed, as is a frame without ink (ErrNoInk); no
// input makes the package panic.
//
// # Looking at the photos
//
// TestWritePhotos writes a set into a folder, one subfolder per condition,
// as DIR/<condition>/<class>_<i>.png (.jpg for conditions that compress,
// the very file the photo was decoded from), for a person to look at and
// for `workbench predict`:
//
//	go test ./training/imageproc/photoset -run TestWritePhotos \
//		-photos-dir /tmp/photos -photos-per-condition 20
//
// with -photos-seed N, -photos-size 480x640 (portrait) or 4000x3000, and
// -photos-conditions plain,all to choose.
package photoset
