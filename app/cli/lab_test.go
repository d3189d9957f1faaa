package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/neuralworkbench/workbench/training"
	"github.com/neuralworkbench/workbench/training/nn"
)

func TestLabBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		return path
	}
	oneClass := write("one.csv", "x,y\n1,1\n2,1\n")
	badLabel := write("label.csv", "x,y\n1,0\n2,3\n")
	badNumber := write("number.csv", "x,y\n1,0\nabc,1\n")
	noHeader := write("header.csv", "1,0\n2,1\n")
	noInit := filepath.Join(dir, "noinit")
	model := trainedModel(t)
	os.MkdirAll(noInit, 0o755)
	for _, f := range []string{"model.safetensors", "config.json"} {
		b, _ := os.ReadFile(filepath.Join(model, f))
		os.WriteFile(filepath.Join(noInit, f), b, 0o644)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"surface", "--loss", "hinge"}, `--loss: unknown loss "hinge" (allowed: ce, mse, mse-linear)`},
		{[]string{"surface", "--w", "-8:8:1"}, "--w: N must be between 2 and 2001 (got 1)"},
		{[]string{"surface", "--b", "3:3:10"}, "--b: MIN must be less than MAX (got 3:3)"},
		{[]string{"surface", "--w", "-8:8"}, "--w: \"-8:8\" must be MIN:MAX:N"},
		{[]string{"surface", "--points", badNumber}, `line 3: x "abc" is not a finite number`},
		{[]string{"surface", "--points", badLabel}, `line 3: label y "3" must be 0 or 1`},
		{[]string{"surface", "--points", oneClass}, "both classes"},
		{[]string{"surface", "--points", noHeader}, "the header must name the columns x and y"},
		{[]string{"surface", "--points", dir}, "not a regular file"},
		{[]string{"surface", "--points", oneClass, "--classes", "3,5"}, "alternatives"},
		{[]string{"surface", "--classes", "3"}, "--classes must name exactly two classes"},
		{[]string{"surface", "--classes", "3,5,8"}, "--classes must name exactly two classes"},
		{[]string{"surface", "--classes", "3,12"}, `unknown class "12"`},
		{[]string{"surface", "--samples", "-1"}, "--samples must be ≥ 0"},
		{[]string{"landscape"}, "--model is required"},
		{[]string{"landscape", "--model", "/nonexistent"}, "/nonexistent"},
		{[]string{"landscape", "--model", model, "--mode", "3d"}, "--mode must be 2d, 1d or interpolate"},
		{[]string{"landscape", "--model", model, "--grid", "1"}, "--grid must be between 2 and 201 (got 1)"},
		{[]string{"landscape", "--model", model, "--range", "0"}, "--range must be > 0"},
		{[]string{"landscape", "--model", model, "--samples", "0"}, "--samples must be a whole number ≥ 1 or all"},
		{[]string{"landscape", "--model", noInit, "--mode", "interpolate"}, "has no init.safetensors"},
		{[]string{"curvature", "--model", model, "--iterations", "1"}, "--iterations must be between 2 and 1000"},
		{[]string{"curvature", "--model", model, "--samples", "many"}, "--samples must be a whole number"},
		{[]string{"curvature", "--model", model, "--tol", "0"}, "--tol must be between 1e-12 and 0.1 (got 0)"},
		{[]string{"curvature"}, "--model is required"},
	}
	for _, tt := range tests {
		status, _, stderr := run(tt.args...)
		if status != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("workbench %s: status %d, stderr %q; want status 2 and %q", strings.Join(tt.args, " "), status, stderr, tt.want)
		}
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 {
			t.Errorf("workbench %s: want one line, got %d: %s", strings.Join(tt.args, " "), n+1, stderr)
		}
	}
}

// readCSV parses a command's CSV output.
func readCSV(t *testing.T, text string) (header []string, rows [][]float64) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("output is not CSV with rows (%v):\n%.300s", err, text)
	}
	for _, r := range recs[1:] {
		var row []float64
		for _, f := range r {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("field %q is not a number", f)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

func TestSurfaceCommand(t *testing.T) {
	status, stdout, stderr := run("surface", "--classes", "3,5", "--loss", "mse", "--w", "-4:4:5", "--b", "-2:2:3")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	header, rows := readCSV(t, stdout)
	if strings.Join(header, ",") != "w,b,loss,grad_w,grad_b,hess_min_eig" || len(rows) != 15 {
		t.Fatalf("header %v and %d rows; want w,b,loss,grad_w,grad_b,hess_min_eig and 15", header, len(rows))
	}
	if rows[1][0] != -2 || rows[1][1] != -2 || rows[5][0] != -4 || rows[5][1] != 0 {
		t.Errorf("w must vary fastest: rows 2 and 6 are %v and %v", rows[1], rows[5])
	}
	negative := false
	for _, r := range rows {
		negative = negative || r[5] < 0
	}
	if !negative {
		t.Errorf("sigmoid+MSE on digits shows no negative Hessian eigenvalue on the grid")
	}

	// Points from a CSV file, the CSV and PNG written to files.
	dir := t.TempDir()
	points := filepath.Join(dir, "points.csv")
	os.WriteFile(points, []byte("x,y\n-2,0\n-1,0\n0.5,0\n-0.5,1\n1,1\n2,1\n"), 0o644)
	out, pic := filepath.Join(dir, "ce.csv"), filepath.Join(dir, "ce.png")
	status, stdout, stderr = run("surface", "--points", points, "--loss", "ce", "--w", "-3:3:7", "--b", "-3:3:7", "--csv", out, "--png", pic)
	if status != ExitOK || !strings.Contains(stdout, "convex everywhere") {
		t.Fatalf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	b, _ := os.ReadFile(out)
	_, rows = readCSV(t, string(b))
	// At (w, b) = (0, 0) every p is ½: the cross-entropy is ln 2.
	if r := rows[3*7+3]; r[0] != 0 || r[1] != 0 || math.Abs(r[2]-math.Ln2) > 1e-15 {
		t.Errorf("row at (0, 0) = %v, want loss ln 2 = %v", r, math.Ln2)
	}
	f, err := os.Open(pic)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 1000 {
		t.Errorf("--png wrote an unreadable or small image: %v", err)
	}
}

var (
	modelOnce sync.Once
	modelDir  string
	modelErr  string
)

// trainedModel trains a small model with --out once for the lab's tests.
func trainedModel(t *testing.T) string {
	t.Helper()
	modelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "workbench-lab-model-")
		if err != nil {
			modelErr = err.Error()
			return
		}
		modelDir = dir
		status, _, stderr := run("train", "--epochs", "2", "--hidden", "32", "--out", dir)
		if status != ExitOK {
			modelErr = stderr
		}
	})
	if modelErr != "" {
		t.Fatal(modelErr)
	}
	return modelDir
}

func TestMain(m *testing.M) {
	// As a child process: run the command line given in the environment
	// (see runChild) instead of the tests.
	if args := os.Getenv(childArgs); args != "" {
		os.Exit(Main(Env{Stdout: os.Stdout, Stderr: os.Stderr}, strings.Split(args, "\x1f")))
	}
	// Runs go to a store of the tests' own, not the user's.
	home, err := os.MkdirTemp("", "workbench-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("WORKBENCH_HOME", home)
	code := m.Run()
	os.RemoveAll(home)
	if modelDir != "" {
		os.RemoveAll(modelDir)
	}
	os.Exit(code)
}

// TestLandscapeCommand checks the slices' CSV and that with --samples all
// the centre is the test loss the run reported.
func TestLandscapeCommand(t *testing.T) {
	dir := trainedModel(t)
	var summary struct {
		TestLoss float64 `json:"test_loss"`
		TestAcc  float64 `json:"test_acc"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &summary); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := run("landscape", "--model", dir, "--mode", "1d", "--grid", "5", "--samples", "all")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	header, rows := readCSV(t, stdout)
	if strings.Join(header, ",") != "alpha,beta,loss,acc" || len(rows) != 5 {
		t.Fatalf("header %v, %d rows; want alpha,beta,loss,acc and 5", header, len(rows))
	}
	if c := rows[2]; c[0] != 0 || c[1] != 0 || c[2] != summary.TestLoss || c[3] != summary.TestAcc {
		t.Errorf("centre row %v; want α = β = 0, the reported test loss %v and accuracy %v", c, summary.TestLoss, summary.TestAcc)
	}
	if rows[0][2] <= rows[2][2] || rows[4][2] <= rows[2][2] {
		t.Errorf("the loss a whole filter-normalised step away (%v, %v) is not above the trained weights' (%v)", rows[0][2], rows[4][2], rows[2][2])
	}

	status, stdout, stderr = run("landscape", "--model", dir, "--grid", "3", "--samples", "200")
	if _, rows = readCSV(t, stdout); status != ExitOK || len(rows) != 9 || rows[4][0] != 0 || rows[4][1] != 0 {
		t.Errorf("2d: status %d (%s), %d rows; want 9 with (0, 0) in the middle", status, stderr, len(rows))
	}
	for _, mode := range []string{"2d", "1d"} {
		pic := filepath.Join(t.TempDir(), mode+".png")
		status, stdout, stderr = run("landscape", "--model", dir, "--mode", mode, "--grid", "3", "--samples", "100", "--png", pic)
		f, err := os.Open(pic)
		if err != nil || status != ExitOK || !strings.Contains(stdout, mode+" slice of") {
			t.Fatalf("--mode %s --png: status %d, %q, %q, %v", mode, status, stdout, stderr, err)
		}
		if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 1000 {
			t.Errorf("--mode %s --png wrote an unreadable or small image: %v", mode, err)
		}
		f.Close()
	}

	status, stdout, stderr = run("landscape", "--model", dir, "--mode", "interpolate", "--grid", "5", "--samples", "all")
	if status != ExitOK {
		t.Fatalf("interpolate: status %d: %s", status, stderr)
	}
	_, rows = readCSV(t, stdout)
	// t runs from -0.5 to 1.5: t = 1 (the fourth point) is the trained model.
	if r := rows[3]; r[0] != 1 || math.Abs(r[2]-summary.TestLoss) > 1e-5*summary.TestLoss {
		t.Errorf("interpolation at t = 1: %v; want the test loss %v", r, summary.TestLoss)
	}
	if rows[1][2] <= rows[3][2] {
		t.Errorf("the initial weights' loss %v is not above the trained weights' %v", rows[1][2], rows[3][2])
	}
}

func TestCurvatureCommand(t *testing.T) {
	dir := trainedModel(t)
	status, stdout, stderr := run("curvature", "--model", dir, "--samples", "300", "--json")
	if status != ExitOK {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var c struct {
		Max        float64 `json:"max_eig"`
		Min        float64 `json:"min_eig"`
		Iterations int     `json:"iterations"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("curvature --json printed %q: %v", stdout, err)
	}
	if !(c.Max > 0) || !(c.Min < c.Max) || c.Iterations < 2 || c.Iterations > 80 {
		t.Errorf("curvature = %+v; want a positive largest eigenvalue above the smallest, 2 to 80 iterations", c)
	}
}

// TestLandscapeOfCNN: landscape and curvature take a convolutional
// network. A small one, trained briefly with the training engine and
// saved, has its test loss and accuracy at a slice's centre (with --samples
// all), the trained model's loss at t = 1 of the line from its initial
// weights, a drawn 2-D slice, and a Hessian.
func TestLandscapeOfCNN(t *testing.T) {
	cfg := training.DefaultConfig()
	layers, err := nn.ParseLayerList("conv(4,3,1,1,relu),maxpool(2),dense(10,relu)")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hidden, cfg.Layers, cfg.Epochs, cfg.Limit = nil, layers, 1, 2000
	data, err := training.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := training.Start(context.Background(), cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	var done *training.DoneEvent
	for ev := range tr.Events() {
		if d, ok := ev.(*training.DoneEvent); ok {
			done = d
		}
	}
	if done == nil || done.Model == nil {
		t.Fatal("the run ended without a model")
	}
	dir := t.TempDir()
	if err := done.Model.Save(dir); err != nil {
		t.Fatal(err)
	}

	status, stdout, stderr := run("landscape", "--model", dir, "--mode", "1d", "--grid", "3", "--samples", "all")
	_, rows := readCSV(t, stdout)
	if c := rows[1]; status != ExitOK || c[0] != 0 || c[2] != done.Test.Loss || c[3] != done.Test.Accuracy {
		t.Errorf("1d centre row %v (status %d, %s); want α = 0, the test loss %v and accuracy %v", c, status, stderr, done.Test.Loss, done.Test.Accuracy)
	}
	status, stdout, stderr = run("landscape", "--model", dir, "--mode", "interpolate", "--grid", "5", "--samples", "all")
	_, rows = readCSV(t, stdout)
	if r := rows[3]; status != ExitOK || r[0] != 1 || math.Abs(r[2]-done.Test.Loss) > 1e-5*done.Test.Loss {
		t.Errorf("interpolation at t = 1: %v (status %d, %s); want the test loss %v", r, status, stderr, done.Test.Loss)
	}
	pic := filepath.Join(t.TempDir(), "2d.png")
	if status, stdout, stderr = run("landscape", "--model", dir, "--grid", "3", "--samples", "100", "--png", pic); status != ExitOK || !strings.Contains(stdout, "2d slice of") {
		t.Errorf("2d --png: status %d, %q, %q", status, stdout, stderr)
	}
	if _, err := os.Stat(pic); err != nil {
		t.Error(err)
	}
	status, stdout, stderr = run("curvature", "--model", dir, "--samples", "200", "--iterations", "10", "--json")
	var c struct {
		Max float64 `json:"max_eig"`
		Min float64 `json:"min_eig"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil || status != ExitOK || !(c.Max > 0) || !(c.Min < c.Max) {
		t.Errorf("curvature of a CNN: status %d, %q, %q; want a positive largest eigenvalue above the smallest", status, stdout, stderr)
	}
}
