// Package safetensors reads and writes the safetensors format
// (https://github.com/huggingface/safetensors), which PyTorch users load
// with safetensors.torch.load_file: an 8-byte little-endian header length
// N, N bytes of JSON describing each tensor's dtype, shape and byte range,
// then the raw little-endian tensor data.
//
// Only float32 tensors are written; F32, F64, F16 and BF16 tensors are read
// and converted to float32, so weights saved from PyTorch in any of the
// common float types can be loaded.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

// Tensor is one named tensor, row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// maxHeader bounds the JSON header; real files have a few kilobytes.
const maxHeader = 64 << 20

type entry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Write writes tensors, in the given order, and metadata (may be nil) in
// the safetensors format.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		if n := elements(t.Shape); n != len(t.Data) {
			return fmt.Errorf("safetensors: %s has shape %v (%d values) but %d values of data", t.Name, t.Shape, n, len(t.Data))
		}
		size := int64(4 * len(t.Data))
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = entry{Dtype: "F32", Shape: shape, DataOffsets: [2]int64{offset, offset + size}}
		offset += size
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	// Pad the header with spaces to a multiple of 8 bytes, as the
	// reference implementation does, so the data is aligned.
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte{' '}, pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, t := range tensors {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// Read parses a safetensors file of size bytes from r. It returns the
// tensors ordered by their position in the file, and the metadata.
func Read(r io.ReaderAt, size int64) ([]Tensor, map[string]string, error) {
	if size < 8 {
		return nil, nil, errors.New("safetensors: file too short for a header (need at least 8 bytes)")
	}
	var n [8]byte
	if _, err := r.ReadAt(n[:], 0); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	hlen := binary.LittleEndian.Uint64(n[:])
	if hlen == 0 || hlen > maxHeader || int64(hlen) > size-8 {
		return nil, nil, fmt.Errorf("safetensors: header length %d is impossible for a %d-byte file", hlen, size)
	}
	js := make([]byte, hlen)
	if _, err := r.ReadAt(js, 8); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header is not valid JSON: %w", err)
	}
	var metadata map[string]string
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &metadata); err != nil {
			return nil, nil, fmt.Errorf("safetensors: __metadata__ must map strings to strings: %w", err)
		}
		delete(raw, "__metadata__")
	}
	dataStart := 8 + int64(hlen)
	dataLen := size - dataStart
	type located struct {
		name string
		e    entry
	}
	var all []located
	for name, m := range raw {
		var e entry
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		all = append(all, located{name, e})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].e.DataOffsets[0] < all[j].e.DataOffsets[0] })
	tensors := make([]Tensor, 0, len(all))
	var next int64
	for _, l := range all {
		e := l.e
		width, ok := dtypeSize[strings.ToUpper(e.Dtype)]
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: tensor %q has dtype %s (supported: F32, F64, F16, BF16)", l.name, e.Dtype)
		}
		count := elementsChecked(e.Shape)
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		switch {
		case count < 0:
			return nil, nil, fmt.Errorf("safetensors: tensor %q has an invalid shape %v", l.name, e.Shape)
		case begin != next:
			return nil, nil, fmt.Errorf("safetensors: tensor %q starts at byte %d, expected %d (tensors must be contiguous)", l.name, begin, next)
		case end < begin || end > dataLen:
			return nil, nil, fmt.Errorf("safetensors: tensor %q spans bytes %d–%d beyond the %d bytes of data", l.name, begin, end, dataLen)
		case end-begin != count*int64(width):
			return nil, nil, fmt.Errorf("safetensors: tensor %q has shape %v but %d bytes of %s", l.name, e.Shape, end-begin, e.Dtype)
		}
		next = end
		buf := make([]byte, end-begin)
		if _, err := r.ReadAt(buf, dataStart+begin); err != nil {
			return nil, nil, fmt.Errorf("safetensors: reading tensor %q: %w", l.name, err)
		}
		shape := slices.Clone(e.Shape)
		tensors = append(tensors, Tensor{Name: l.name, Shape: shape, Data: decode(buf, strings.ToUpper(e.Dtype), int(count))})
	}
	if next != dataLen {
		return nil, nil, fmt.Errorf("safetensors: %d bytes of data after the last tensor", dataLen-next)
	}
	return tensors, metadata, nil
}

var dtypeSize = map[string]int{"F32": 4, "F64": 8, "F16": 2, "BF16": 2}

func decode(b []byte, dtype string, n int) []float32 {
	out := make([]float32, n)
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case "F16":
		for i := range out {
			out[i] = halfToFloat(le.Uint16(b[2*i:]))
		}
	}
	return out
}

// halfToFloat converts an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// elementsChecked is the element count of a shape read from a file, or
// -1 when a dimension is negative or the count overflows.
func elementsChecked(shape []int) int64 {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/int64(d)) {
			return -1
		}
		n *= int64(d)
	}
	return n
}
