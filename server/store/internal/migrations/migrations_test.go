package migrations

import (
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr bool
	}{
		{"ordered", fstest.MapFS{"m/0002_b.sql": {Data: []byte("B")}, "m/0001_a.sql": {Data: []byte("A")}, "m/README": {}}, []int{1, 2}, false},
		{"gap", fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}, nil, true},
		{"bad name", fstest.MapFS{"m/init.sql": {}}, nil, true},
		{"zero", fstest.MapFS{"m/0000_a.sql": {}}, nil, true},
		{"other dialect only", fstest.MapFS{"m/0001_a.sql": {}, "m/0002_b.pg.sql": {}}, []int{1}, false},
		{"two names", fstest.MapFS{"m/0001_a.sql": {}, "m/0001_b.lite.sql": {}}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Load(c.files, "m", "lite")
			if (err != nil) != c.wantErr {
				t.Fatalf("Load error = %v, wantErr %v", err, c.wantErr)
			}
			if len(got) != len(c.want) {
				t.Fatalf("Load returned %d migrations, want %d", len(got), len(c.want))
			}
			for i, m := range got {
				if m.Version != c.want[i] {
					t.Errorf("migration %d has version %d, want %d", i, m.Version, c.want[i])
				}
			}
		})
	}
}

// TestLoadDialect: a version's dialect part runs before its shared part,
// another dialect's part not at all, and the recorded name has no dialect.
func TestLoadDialect(t *testing.T) {
	files := fstest.MapFS{
		"m/0001_init.sql":      {Data: []byte("SHARED")},
		"m/0001_init.lite.sql": {Data: []byte("LITE")},
		"m/0001_init.pg.sql":   {Data: []byte("PG")},
	}
	got, err := Load(files, "m", "lite")
	if err != nil || len(got) != 1 {
		t.Fatalf("Load = %v, %v", got, err)
	}
	if got[0].SQL != "LITE\nSHARED" || got[0].Name != "0001_init.sql" {
		t.Errorf("migration = %q named %q, want \"LITE\\nSHARED\" named 0001_init.sql", got[0].SQL, got[0].Name)
	}
}

func TestPending(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	cases := []struct {
		current int
		want    int
		wantErr bool
	}{{0, 3, false}, {2, 1, false}, {3, 0, false}, {4, 0, true}}
	for _, c := range cases {
		got, err := Pending(all, c.current)
		if (err != nil) != c.wantErr || len(got) != c.want {
			t.Errorf("Pending(%d) = %d, %v; want %d, err %v", c.current, len(got), err, c.want, c.wantErr)
		}
	}
}
