package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "layers.0.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
		{Name: "layers.0.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
		{Name: "scalar", Shape: []int{}, Data: []float32{42}},
	}
	meta := map[string]string{"format": "pt", "arch": "784-128-3"}
	var buf bytes.Buffer
	if err := Write(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	hlen := binary.LittleEndian.Uint64(b)
	if (8+hlen)%8 != 0 {
		t.Errorf("header length %d leaves the data unaligned", hlen)
	}
	out, gotMeta, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("Read(Write(x)) = %+v, want %+v", out, in)
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata = %v, want %v", gotMeta, meta)
	}
}

// TestKnownBytes checks the exact layout the format specifies for
// save_file({"a": torch.tensor([1.0, 2.0])}): the reference writer emits
// the fields in this order and pads the header with spaces to 8 bytes.
func TestKnownBytes(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	header += strings.Repeat(" ", (8-len(header)%8)%8)
	var file []byte
	file = binary.LittleEndian.AppendUint64(file, uint64(len(header)))
	file = append(file, header...)
	file = binary.LittleEndian.AppendUint32(file, math.Float32bits(1))
	file = binary.LittleEndian.AppendUint32(file, math.Float32bits(2))

	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), file) {
		t.Errorf("Write = %q\nwant     %q", buf.Bytes(), file)
	}
}

func TestReadOtherDtypes(t *testing.T) {
	header := `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`
	var file []byte
	file = binary.LittleEndian.AppendUint64(file, uint64(len(header)))
	file = append(file, header...)
	for _, h := range []uint16{0x3c00, 0xc000, 0x0001} { // 1, -2, smallest subnormal
		file = binary.LittleEndian.AppendUint16(file, h)
	}
	file = binary.LittleEndian.AppendUint16(file, 0x3fc0) // bf16 1.5
	file = binary.LittleEndian.AppendUint64(file, math.Float64bits(0.1))
	ts, _, err := Read(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{"h": {1, -2, 5.9604645e-08}, "b": {1.5}, "d": {0.1}}
	for _, tt := range ts {
		if !reflect.DeepEqual(tt.Data, want[tt.Name]) {
			t.Errorf("%s = %v, want %v", tt.Name, tt.Data, want[tt.Name])
		}
	}
}

func TestReadErrors(t *testing.T) {
	withHeader := func(h string, data int) []byte {
		var b []byte
		b = binary.LittleEndian.AppendUint64(b, uint64(len(h)))
		b = append(b, h...)
		return append(b, make([]byte, data)...)
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "header length"},
		{"not json", withHeader("{nope", 0), "not valid JSON"},
		{"dtype", withHeader(`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, 8), "dtype I64"},
		{"beyond", withHeader(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 8), "beyond"},
		{"shape", withHeader(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "has shape [3] but 8 bytes"},
		{"gap", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "contiguous"},
		{"trailing", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8), "after the last tensor"},
		{"negative", withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "invalid shape"},
		{"metadata", withHeader(`{"__metadata__":{"a":1}}`, 0), "__metadata__"},
	}
	for _, tt := range tests {
		_, _, err := Read(bytes.NewReader(tt.file), int64(len(tt.file)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Read(%s) = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestWriteRejectsBadShape(t *testing.T) {
	err := Write(&bytes.Buffer{}, []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "shape [2 2]") {
		t.Errorf("Write(bad shape) = %v, want a shape error", err)
	}
}
