package pyairtable_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A breaking change to the contract fails CI's `buf breaking` gate, which
// `make test` runs before any SDK test: here the contract is copied, the
// number of a request field the SDKs send is changed, and buf breaking
// against the released baseline must refuse it, naming the field, while
// the unchanged copy passes.
func TestBreakingContractChangeIsRefused(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	buf := filepath.Join(root, "node_modules", ".bin", "buf")
	if _, err := os.Stat(buf); err != nil {
		t.Fatalf("buf is needed (npm install at the repository root, as make deps does): %v", err)
	}
	baseline := filepath.Join(root, ".ci", "contract-baseline.binpb")
	breaking := func(t *testing.T, change func(dir string)) (string, error) {
		t.Helper()
		dir := t.TempDir()
		if err := os.CopyFS(filepath.Join(dir, "proto"), os.DirFS(filepath.Join(root, "proto"))); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(filepath.Join(dir, "third_party"), os.DirFS(filepath.Join(root, "third_party"))); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(root, "buf.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "buf.yaml"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		change(dir)
		cmd := exec.Command(buf, "breaking", "proto", "--against", baseline)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := breaking(t, func(string) {}); err != nil {
		t.Fatalf("the unchanged contract is refused: %v\n%s", err, out)
	}
	out, err := breaking(t, func(dir string) {
		p := filepath.Join(dir, "proto", "pyairtable", "data", "v1", "record_service.proto")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		const field = `message ListRecordsRequest {`
		src := string(raw)
		at := strings.Index(src, field)
		if at < 0 {
			t.Fatalf("%s not found in record_service.proto", field)
		}
		rest := strings.Replace(src[at:], "string table_id = 1 ", "string table_id = 99 ", 1)
		if rest == src[at:] {
			t.Fatal("ListRecordsRequest.table_id = 1 not found")
		}
		if err := os.WriteFile(p, []byte(src[:at]+rest), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if err == nil {
		t.Fatalf("buf breaking accepted a changed field number:\n%s", out)
	}
	if !strings.Contains(out, "ListRecordsRequest") || !strings.Contains(out, "record_service.proto") {
		t.Fatalf("buf breaking refused the change without naming it:\n%s", out)
	}
	t.Logf("refused as expected:\n%s", out)
}
