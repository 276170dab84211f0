package ops_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

var served = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsAndUIServeAnEngine(t *testing.T) {
	var out bytes.Buffer
	stopMetrics, err := ops.Metrics("127.0.0.1:0", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer stopMetrics()
	store := recipe.NewMemoryStore()
	act := recipetest.NewAction("noop", func(_ context.Context, in struct{}) (struct{}, error) { return in, nil })
	r, err := recipe.New("demo", recipetest.Data(1, 2, 3), recipe.Do("noop", act, nil))
	if err != nil {
		t.Fatal(err)
	}
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopUI, err := ops.UI("127.0.0.1:0", store, eng, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer stopUI()
	addrs := served.FindAllStringSubmatch(out.String(), -1)
	if len(addrs) != 2 {
		t.Fatalf("output: %s", out.String())
	}
	code, body := get(t, "http://"+addrs[0][1]+"/metrics")
	if code != 200 || !strings.Contains(body, `recipekit_jobs_finished_total{`) || !strings.Contains(body, `recipekit_job_status="succeeded"`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, body := get(t, "http://"+addrs[1][1]+"/"); code != 200 || !strings.Contains(body, "demo") {
		t.Errorf("UI: %d", code)
	}
	if _, err := ops.UI("0.0.0.0:0", store, eng, "", &out); err == nil {
		t.Error("the UI served every address without a token")
	}
}
