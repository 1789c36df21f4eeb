package telemetry_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/telemetry"
)

// The files of deploy/ and docs/ that name series, relative to this
// package.
var (
	alertsFile     = filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml")
	dashboardFile  = filepath.Join("..", "..", "deploy", "grafana", "connevents.json")
	operationsFile = filepath.Join("..", "..", "docs", "operations.md")
)

// registered is every family the service exposes, with a series recorded
// in each so that Gather lists them all.
func registered(t *testing.T) map[string]bool {
	t.Helper()
	m := newMetrics()
	m.Delivered(telemetry.TransportGRPC, telemetry.KindEvents, time.Now())
	m.PollSucceeded(oneup, time.Now())
	m.PollPage(oneup)
	m.PollFailed(oneup, telemetry.PollErrorNetwork)
	m.SetPollCheckpoint(oneup, time.Now())
	m.SetJourneys(conneventsv1.Stage_STAGE_OTHER, 1)
	m.HTTPMiddleware(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	m.InitializeGRPC(srv)

	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

var seriesName = regexp.MustCompile(`\b(?:connevents|grpc_server|process|go)_[a-z_]+\b`)

// family is the family of a series name used in PromQL.
func family(name string, known map[string]bool) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && known[base] {
			return base
		}
	}
	return name
}

// The alert rules and the dashboard query only series the service exposes.
func TestDeployUsesRealSeries(t *testing.T) {
	known := registered(t)
	for _, file := range []string{alertsFile, dashboardFile} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		used := seriesName.FindAllString(string(b), -1)
		if len(used) == 0 {
			t.Fatalf("%s names no series", file)
		}
		for _, name := range used {
			if !known[family(name, known)] {
				t.Errorf("%s uses %s, which the service does not expose", file, name)
			}
		}
	}
}

// docs/operations.md describes every connevents_* series and every alert.
func TestOperationsDocumentsEverySeriesAndAlert(t *testing.T) {
	doc, err := os.ReadFile(operationsFile)
	if err != nil {
		t.Fatal(err)
	}
	for name := range registered(t) {
		if strings.HasPrefix(name, "connevents_") && !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/operations.md does not describe %s", name)
		}
	}
	alerts, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+- alert: (\S+)`).FindAllStringSubmatch(string(alerts), -1) {
		if !strings.Contains(string(doc), "`"+m[1]+"`") {
			t.Errorf("docs/operations.md does not describe the alert %s", m[1])
		}
	}
}

// The dashboard is valid JSON, and every query of it is valid PromQL
// (checked by promtool, when it is installed: deploy/check.sh installs it
// and runs this test).
func TestDashboardQueriesParse(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			expr := strings.NewReplacer("$__rate_interval", "5m", "$job", ".*").Replace(target.Expr)
			b, _ := json.Marshal(expr) // a JSON string is a YAML string
			rules.WriteString("      - record: dashboard:query\n        expr: " + string(b) + "\n")
			n++
		}
	}
	if n == 0 {
		t.Fatal("the dashboard has no queries")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed: run deploy/check.sh")
	}
	file := filepath.Join(t.TempDir(), "dashboard.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules on the dashboard's %d queries: %v\n%s", n, err, out)
	}
}
