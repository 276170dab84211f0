package connector_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// modulePath is the import path of this directory.
const modulePath = "github.com/recipekit/recipekit/connector"

// shared lists the folders under connector/ that are not connectors but
// the layers every connector may use.
var shared = map[string]bool{"httpx": true, "internal": true}

// TestNoConnectorImportsASibling keeps the connectors independent: a
// connector's packages (its tests apart) depend on no package of another
// connector. What two connectors share lives in connector/httpx or under
// connector/internal. It asks the go command for the dependencies, as
// `go list -deps ./connector/jira/...` shows them.
func TestNoConnectorImportsASibling(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; run `go list -deps ./connector/<name>/...` by hand")
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var connectors []string
	for _, e := range entries {
		if e.IsDir() && !shared[e.Name()] && !strings.HasPrefix(e.Name(), ".") && e.Name() != "testdata" {
			connectors = append(connectors, e.Name())
		}
	}
	if len(connectors) < 2 {
		t.Fatalf("found connectors %v under connector/; the test expects at least jira and webhook", connectors)
	}
	for _, name := range connectors {
		cmd := exec.Command(goBin, "list", "-deps", "./"+name+"/...")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s/...: %v\n%s", name, err, stderr.String())
		}
		for _, dep := range strings.Fields(string(out)) {
			rest, ok := strings.CutPrefix(dep, modulePath+"/")
			if !ok {
				continue
			}
			other, _, _ := strings.Cut(rest, "/")
			if other != name && !shared[other] {
				t.Errorf("connector/%s depends on %s, a package of the %s connector; move what they share to connector/internal or connector/httpx", name, dep, other)
			}
		}
	}
}
