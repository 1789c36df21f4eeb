package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one row of the report.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Latency percentiles in milliseconds (zero when not measured).
	P50  float64 `json:"p50_ms,omitempty"`
	P99  float64 `json:"p99_ms,omitempty"`
	P999 float64 `json:"p999_ms,omitempty"`
	// Ceiling is what the value is compared with, measured in the same run.
	Ceiling      string  `json:"ceiling,omitempty"`
	CeilingValue float64 `json:"ceiling_value,omitempty"`
	Ratio        float64 `json:"ratio,omitempty"`
	// Target is the goal in words; Met says whether it was reached (nil:
	// no target).
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	Note   string `json:"note,omitempty"`
	// Load is the 1-minute load average when the row was measured (the
	// machine may be shared).
	Load float64 `json:"load_avg"`
}

// Report is a whole run.
type Report struct {
	Machine Machine       `json:"machine"`
	Config  Config        `json:"config"`
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsed_ns"`
	Results []Result      `json:"results"`
	// Queries is the query rows' detail: every filter shape and page.
	Queries []QueryResult `json:"queries,omitempty"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as a Markdown table.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "connevents-bench — %s, elapsed %s\n\n", r.Machine, r.Elapsed.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| measured\t value\t p50/p99/p999 ms\t ceiling (same run)\t ratio\t target\t load\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t---\t")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "| %s\t %s\t %s\t %s\t %s\t %s\t %.1f\t\n", res.Name, value(res.Value, res.Unit),
			latencies(res), ceiling(res), ratio(res.Ratio), targetCell(res), res.Load)
	}
	tw.Flush()
	for _, res := range r.Results {
		if res.Note != "" {
			fmt.Fprintf(w, "\n- %s: %s", res.Name, res.Note)
		}
	}
	fmt.Fprintln(w)
	r.writeQueries(w)
}

// writeQueries writes the query rows' detail as a second table.
func (r *Report) writeQueries(w io.Writer) {
	if len(r.Queries) == 0 {
		return
	}
	fmt.Fprintf(w, "\nListEvents filters (store List, page of 100, one client), p50 / p99 ms, medians of %d rounds:\n", r.Queries[0].Rounds)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| backend\t filter\t page\t small store\t large store\t p99 ratio\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t")
	for _, q := range r.Queries {
		fmt.Fprintf(tw, "| %s\t %s\t %s\t %s / %s\t %s / %s\t %s\t\n", q.Backend, q.Shape, q.Page,
			ms(q.P50S), ms(q.P99S), ms(q.P50L), ms(q.P99L), ratio(q.Ratio))
	}
	tw.Flush()
}

func value(v float64, unit string) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 1:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.3f %s", v, unit)
}

func latencies(r Result) string {
	if r.P50 == 0 && r.P99 == 0 {
		return ""
	}
	parts := []string{ms(r.P50), ms(r.P99)}
	if r.P999 != 0 {
		parts = append(parts, ms(r.P999))
	}
	return strings.Join(parts, " / ")
}

func ms(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func ceiling(r Result) string {
	if r.Ceiling == "" {
		return ""
	}
	return fmt.Sprintf("%s: %s", r.Ceiling, value(r.CeilingValue, r.Unit))
}

func ratio(x float64) string {
	if x == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f×", x)
}

func targetCell(r Result) string {
	switch {
	case r.Met == nil:
		return r.Target
	case *r.Met:
		return r.Target + " ✓"
	}
	return r.Target + " ✗"
}

// withCeiling fills the ceiling columns.
func (r Result) withCeiling(name string, v float64) Result {
	r.Ceiling, r.CeilingValue = name, v
	if v > 0 {
		r.Ratio = r.Value / v
	}
	return r
}

// withTarget records a target and whether ok.
func (r Result) withTarget(t string, ok bool) Result {
	r.Target, r.Met = t, &ok
	return r
}
