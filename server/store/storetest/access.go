package storetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// accessCases test the access log: AppendAccessRecords, ListAccessRecords
// and PruneAccessRecords.
var accessCases = []struct {
	name string
	run  func(*testing.T, NewStore)
}{
	{"AccessRoundTrip", testAccessRoundTrip},
	{"AccessPatient", testAccessPatient},
	{"AccessAppendOnly", testAccessAppendOnly},
	{"AccessFilters", testAccessFilters},
	{"AccessPaging", testAccessPaging},
	{"AccessPrune", testAccessPrune},
}

var accessEpoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// accessRecord returns the i-th record of a test log: keys, methods and
// patients vary with i, one minute apart.
func accessRecord(i int) store.AccessRecord {
	r := store.AccessRecord{
		Time:    accessEpoch.Add(time.Duration(i) * time.Minute),
		KeyName: []string{"reader", "ops"}[i%2],
		Role:    []string{"read", "admin"}[i%2],
		Method:  []string{"/m/GetEvent", "/m/ListEvents", "/m/SubscribeEvents"}[i%3],
		Phase:   conneventsv1.AccessPhase_ACCESS_PHASE_CALL,
		Filter:  `{"id":"x"}`,
		Count:   int64(i),
		Peer:    "192.0.2.1:5000",
		Outcome: "OK",
	}
	if i%4 == 0 {
		r.Patient = "patient-" + string(rune('a'+i%8))
		r.Route = "GET /v1/events"
	}
	return r
}

func appendAccess(t *testing.T, s store.Store, n int) []store.AccessRecord {
	t.Helper()
	var in []store.AccessRecord
	for i := range n {
		in = append(in, accessRecord(i))
	}
	// In batches of several sizes: ids keep rising across transactions.
	for i := 0; i < n; {
		j := min(n, i+1+i%5)
		if err := s.AppendAccessRecords(t.Context(), in[i:j]); err != nil {
			t.Fatalf("AppendAccessRecords: %v", err)
		}
		i = j
	}
	return in
}

func mustListAccess(t *testing.T, s store.Store, q store.AccessQuery) []store.AccessRecord {
	t.Helper()
	got, err := s.ListAccessRecords(t.Context(), q)
	if err != nil {
		t.Fatalf("ListAccessRecords(%+v): %v", q, err)
	}
	return got
}

// sameRecord compares a stored record with the input, ignoring ID.
func sameRecord(got, want store.AccessRecord) bool {
	got.ID, want.ID = 0, 0
	got.Time, want.Time = got.Time.UTC(), want.Time.UTC()
	return reflect.DeepEqual(got, want)
}

func testAccessRoundTrip(t *testing.T, newStore NewStore) {
	s := newStore(t)
	if got := mustListAccess(t, s, store.AccessQuery{Limit: 10}); len(got) != 0 {
		t.Fatalf("empty log lists %d records", len(got))
	}
	if err := s.AppendAccessRecords(t.Context(), nil); err != nil {
		t.Fatalf("AppendAccessRecords(nil): %v", err)
	}
	want := accessRecord(4)
	want.Filter = `{"filter":{"patient":"ключ ✓ \"q\""}}`
	want.Patient = "ключ ✓ \"q\""
	want.Phase = conneventsv1.AccessPhase_ACCESS_PHASE_END
	want.Outcome = "failed: any text"
	want.Time = accessEpoch.Add(123456789 * time.Nanosecond)
	if err := s.AppendAccessRecords(t.Context(), []store.AccessRecord{want}); err != nil {
		t.Fatalf("AppendAccessRecords: %v", err)
	}
	got := mustListAccess(t, s, store.AccessQuery{Limit: 10})
	if len(got) != 1 || !sameRecord(got[0], want) || got[0].ID <= 0 {
		t.Fatalf("ListAccessRecords = %+v, want %+v with an id", got, want)
	}
	if _, err := s.ListAccessRecords(t.Context(), store.AccessQuery{}); err == nil {
		t.Error("ListAccessRecords with Limit 0 succeeded")
	}
}

// testAccessPatient: each record's patient reads back as it was stored
// (none as "", whatever its text and length), in one batch and across
// batches, and the records a patient filter finds all name that patient.
func testAccessPatient(t *testing.T, newStore NewStore) {
	s := newStore(t)
	patients := []string{"", "patient-1", "ключ ✓ \"q\"", " ", "patient-1", strings.Repeat("p", 1000), "", "a\tb\nc"}
	var in []store.AccessRecord
	for i, p := range patients {
		r := accessRecord(i)
		r.Count, r.Patient = int64(i), p
		in = append(in, r)
	}
	for _, batch := range [][]store.AccessRecord{in[:3], in[3:4], in[4:]} {
		if err := s.AppendAccessRecords(t.Context(), batch); err != nil {
			t.Fatalf("AppendAccessRecords: %v", err)
		}
	}
	got := mustListAccess(t, s, store.AccessQuery{Limit: 100})
	if len(got) != len(patients) {
		t.Fatalf("listed %d records, want %d", len(got), len(patients))
	}
	for _, r := range got {
		if want := patients[r.Count]; r.Patient != want {
			t.Errorf("record %d reads back patient %q, want %q", r.Count, r.Patient, want)
		}
	}
	for _, p := range patients {
		if p == "" {
			continue // an empty filter matches every record
		}
		var want []int64
		for i := len(patients) - 1; i >= 0; i-- {
			if patients[i] == p {
				want = append(want, int64(i))
			}
		}
		var idx []int64
		for _, r := range mustListAccess(t, s, store.AccessQuery{Limit: 100, Patient: p}) {
			idx = append(idx, r.Count)
			if r.Patient != p {
				t.Errorf("patient filter %q found record %d of patient %q", p, r.Count, r.Patient)
			}
		}
		if !reflect.DeepEqual(idx, want) {
			t.Errorf("patient filter %q: records %v, want %v", p, idx, want)
		}
	}
}

// testAccessAppendOnly: records come back newest first with rising ids,
// exactly as appended; appending more never changes what is stored.
func testAccessAppendOnly(t *testing.T, newStore NewStore) {
	s := newStore(t)
	in := appendAccess(t, s, 12)
	first := mustListAccess(t, s, store.AccessQuery{Limit: 100})
	if len(first) != len(in) {
		t.Fatalf("listed %d records, want %d", len(first), len(in))
	}
	for i, r := range first {
		if !sameRecord(r, in[len(in)-1-i]) {
			t.Errorf("record %d = %+v, want %+v", i, r, in[len(in)-1-i])
		}
		if i > 0 && r.ID >= first[i-1].ID {
			t.Errorf("ids not descending: %d after %d", r.ID, first[i-1].ID)
		}
	}
	more := accessRecord(99)
	more.ID = 1 // ignored
	if err := s.AppendAccessRecords(t.Context(), []store.AccessRecord{more}); err != nil {
		t.Fatal(err)
	}
	after := mustListAccess(t, s, store.AccessQuery{Limit: 100})
	if len(after) != len(in)+1 || !sameRecord(after[0], more) || after[0].ID <= first[0].ID {
		t.Fatalf("after one more append: %d records, newest %+v", len(after), after[0])
	}
	if !reflect.DeepEqual(after[1:], first) {
		t.Error("appending changed the records stored before")
	}
	// A batch larger than any one statement a backend may use.
	big := make([]store.AccessRecord, 150)
	for i := range big {
		big[i] = accessRecord(1000 + i)
	}
	if err := s.AppendAccessRecords(t.Context(), big); err != nil {
		t.Fatalf("AppendAccessRecords(150): %v", err)
	}
	all := mustListAccess(t, s, store.AccessQuery{Limit: 1000})
	if len(all) != len(after)+len(big) || !sameRecord(all[0], big[len(big)-1]) || !sameRecord(all[len(big)-1], big[0]) {
		t.Errorf("after a batch of 150: %d records, want %d in order", len(all), len(after)+len(big))
	}
}

// farPast and farFuture are outside the times int64 nanoseconds hold.
var (
	farPast   = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	farFuture = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
)

func testAccessFilters(t *testing.T, newStore NewStore) {
	s := newStore(t)
	in := appendAccess(t, s, 24)
	cases := []struct {
		name string
		q    store.AccessQuery
		keep func(store.AccessRecord) bool
	}{
		{"key", store.AccessQuery{KeyName: "ops"}, func(r store.AccessRecord) bool { return r.KeyName == "ops" }},
		{"method", store.AccessQuery{Method: "/m/ListEvents"}, func(r store.AccessRecord) bool { return r.Method == "/m/ListEvents" }},
		{"patient", store.AccessQuery{Patient: "patient-e"}, func(r store.AccessRecord) bool { return r.Patient == "patient-e" }},
		{"unknown patient", store.AccessQuery{Patient: "nobody"}, func(store.AccessRecord) bool { return false }},
		{"start", store.AccessQuery{Start: accessEpoch.Add(20 * time.Minute)}, func(r store.AccessRecord) bool {
			return !r.Time.Before(accessEpoch.Add(20 * time.Minute))
		}},
		{"end", store.AccessQuery{End: accessEpoch.Add(3 * time.Minute)}, func(r store.AccessRecord) bool {
			return r.Time.Before(accessEpoch.Add(3 * time.Minute))
		}},
		// Bounds outside the nanosecond range (1678–2262) keep their
		// meaning instead of wrapping around.
		{"start after 2262", store.AccessQuery{Start: farFuture}, func(store.AccessRecord) bool { return false }},
		{"end after 2262", store.AccessQuery{End: farFuture}, func(store.AccessRecord) bool { return true }},
		{"start before 1678", store.AccessQuery{Start: farPast}, func(store.AccessRecord) bool { return true }},
		{"end before 1678", store.AccessQuery{End: farPast}, func(store.AccessRecord) bool { return false }},
		{"all at once", store.AccessQuery{KeyName: "reader", Method: "/m/GetEvent", Start: accessEpoch.Add(5 * time.Minute), End: accessEpoch.Add(19 * time.Minute)},
			func(r store.AccessRecord) bool {
				return r.KeyName == "reader" && r.Method == "/m/GetEvent" &&
					!r.Time.Before(accessEpoch.Add(5*time.Minute)) && r.Time.Before(accessEpoch.Add(19*time.Minute))
			}},
	}
	for _, c := range cases {
		c.q.Limit = 100
		var want []int64
		for i := len(in) - 1; i >= 0; i-- {
			if c.keep(in[i]) {
				want = append(want, in[i].Count) // Count is the record's index
			}
		}
		var got []int64
		for _, r := range mustListAccess(t, s, c.q) {
			got = append(got, r.Count)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: records %v, want %v", c.name, got, want)
		}
	}
}

func testAccessPaging(t *testing.T, newStore NewStore) {
	s := newStore(t)
	in := appendAccess(t, s, 23)
	var got []int64
	q := store.AccessQuery{Limit: 5, KeyName: "reader"}
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("paging does not end")
		}
		recs := mustListAccess(t, s, q)
		for _, r := range recs {
			got = append(got, r.Count)
		}
		if len(recs) < q.Limit {
			break
		}
		q.Before = recs[len(recs)-1].ID
	}
	var want []int64
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].KeyName == "reader" {
			want = append(want, in[i].Count)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages %v, want %v", got, want)
	}
}

func testAccessPrune(t *testing.T, newStore NewStore) {
	s := newStore(t)
	in := appendAccess(t, s, 10)
	n, err := s.PruneAccessRecords(t.Context(), accessEpoch.Add(4*time.Minute))
	if err != nil || n != 4 {
		t.Fatalf("PruneAccessRecords = %d, %v; want 4", n, err)
	}
	got := mustListAccess(t, s, store.AccessQuery{Limit: 100})
	if len(got) != 6 || !sameRecord(got[len(got)-1], in[4]) {
		t.Fatalf("after prune: %d records, oldest %+v; want 6, oldest %+v", len(got), got[len(got)-1], in[4])
	}
	if n, err := s.PruneAccessRecords(t.Context(), accessEpoch.Add(4*time.Minute)); err != nil || n != 0 {
		t.Errorf("second PruneAccessRecords = %d, %v; want 0", n, err)
	}
	// Ids are never reused: a record appended after a prune of everything
	// gets a higher id than any before.
	if _, err := s.PruneAccessRecords(t.Context(), accessEpoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAccessRecords(t.Context(), []store.AccessRecord{accessRecord(50)}); err != nil {
		t.Fatal(err)
	}
	if after := mustListAccess(t, s, store.AccessQuery{Limit: 10}); len(after) != 1 || after[0].ID <= got[0].ID {
		t.Errorf("after pruning everything: %+v, want one record with id > %d", after, got[0].ID)
	}
}
