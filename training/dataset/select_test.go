package dataset

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestSelectMatchesLoading(t *testing.T) {
	all, err := LoadMNIST(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := all.Select([]string{"8", "3", "5"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadMNIST([]string{"3", "5", "8"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Classes, want.Classes) {
		t.Errorf("Select classes = %v, want %v", got.Classes, want.Classes)
	}
	for _, pair := range [][2]*Split{{got.Train, want.Train}, {got.Test, want.Test}} {
		if !bytes.Equal(pair[0].Images, pair[1].Images) || !reflect.DeepEqual(pair[0].Labels, pair[1].Labels) {
			t.Error("Select gives different samples than loading those classes")
		}
	}
	if _, err := all.Select([]string{"3"}); err == nil || !strings.Contains(err.Error(), "at least 2 classes") {
		t.Errorf("Select(one class) = %v, want an error", err)
	}
	if _, err := all.Select([]string{"3", "x"}); err == nil || !strings.Contains(err.Error(), `unknown class "x"`) {
		t.Errorf("Select(unknown) = %v, want an error", err)
	}
}
