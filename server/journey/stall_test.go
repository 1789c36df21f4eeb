package journey

import (
	"testing"
	"time"
)

func TestParseThresholds(t *testing.T) {
	def := DefaultThresholds()
	tests := []struct {
		in   string
		want Thresholds
		bad  bool
	}{
		{"", def, false},
		{"authorized=2h,transfer=24h", Thresholds{def.Discovery, 2 * time.Hour, 24 * time.Hour}, false},
		{" Discovery = 30m ", Thresholds{30 * time.Minute, def.Authorized, def.Transfer}, false},
		{"transfer=0", Thresholds{def.Discovery, def.Authorized, 0}, false},
		{"authorized", def, true},
		{"authorized=soon", def, true},
		{"authorized=-1h", def, true},
		{"completed=1h", def, true},
		{"0", Thresholds{}, false},
		{" 0 ", Thresholds{}, false},
		{"transfer=2h,transfer=3h", def, true},
		{"authorized=1h,Authorized=2h", def, true},
	}
	for _, tc := range tests {
		got, err := ParseThresholds(tc.in, def)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseThresholds(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
	if got, err := ParseThresholds(def.String(), Thresholds{}); err != nil || got != def {
		t.Errorf("String does not round-trip: %v, %v", got, err)
	}
}
