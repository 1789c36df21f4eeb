package server

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/connevents/connevents/server/auth"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/stream"
	"github.com/connevents/connevents/server/telemetry"
)

// Config is everything `connevents serve` can be told. Fill it with
// DefaultConfig, then RegisterFlags/ApplyEnv, then check it with Validate.
type Config struct {
	GRPCAddr        string
	HTTPAddr        string
	Database        string
	APIKeys         []string
	APIKeysFile     string
	InsecureNoAuth  bool
	TLSCert, TLSKey string
	ShutdownTimeout time.Duration
	LogLevel        string
	// MetricsAddr serves GET /metrics; empty disables it.
	MetricsAddr string

	FastenWebhookSecrets   []string
	FastenInsecureNoVerify bool
	// FastenExpectEvery marks Fasten DEGRADED when no delivery arrived for
	// that long; 0 disables.
	FastenExpectEvery time.Duration

	OneUp OneUpConfig

	HeartbeatInterval time.Duration
	MaxSubscriptions  int
	Retention         time.Duration

	// StallAfter is how long an in-progress journey may go without
	// progress in each phase before it is STALLED (`--stall-after`).
	StallAfter journey.Thresholds
	// AccessLogRetention: access records older than this are deleted
	// (0 keeps every record).
	AccessLogRetention time.Duration
}

// OneUpConfig configures the 1upHealth poller; it runs when both
// credentials are set and PollInterval is not zero.
type OneUpConfig struct {
	ClientID     string
	ClientSecret string
	BaseURL      string
	PollInterval time.Duration
	Subtypes     []string
	Since        string
	// ExpectEvery marks 1upHealth DEGRADED when no event arrived for that
	// long; 0 disables.
	ExpectEvery time.Duration
}

// Enabled reports whether the poller should run.
func (c OneUpConfig) Enabled() bool {
	return c.ClientID != "" && c.ClientSecret != "" && c.PollInterval > 0
}

// DefaultConfig returns the configuration of a bare `connevents serve`:
// loopback listeners, an SQLite file in the working directory, no auth.
// The subscription and 1upHealth defaults are those of server/stream and
// server/oneup.
func DefaultConfig() Config {
	return Config{
		GRPCAddr:           "127.0.0.1:9090",
		HTTPAddr:           "127.0.0.1:8080",
		Database:           "sqlite:connevents.db",
		ShutdownTimeout:    10 * time.Second,
		LogLevel:           "info",
		MetricsAddr:        telemetry.DefaultMetricsAddr,
		HeartbeatInterval:  stream.DefaultHeartbeat,
		MaxSubscriptions:   stream.DefaultMaxSubscriptions,
		StallAfter:         journey.DefaultThresholds(),
		AccessLogRetention: DefaultAccessLogRetention,
		OneUp: OneUpConfig{
			BaseURL:      oneup.DefaultBaseURL,
			PollInterval: oneup.DefaultInterval,
		},
	}
}

// RegisterFlags defines one flag per field on fs. Every flag has an
// environment variable: CONNEVENTS_ followed by the flag name in upper case
// with dashes as underscores (see ApplyEnv).
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.GRPCAddr, "grpc-addr", c.GRPCAddr, "gRPC listen address")
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP (REST, webhooks, health) listen address")
	fs.StringVar(&c.Database, "database", c.Database, "event store: sqlite:PATH or postgres://…")
	fs.Var(listFlag{&c.APIKeys}, "api-keys", "comma-separated pre-shared API keys (Bearer tokens), each with every role")
	fs.StringVar(&c.APIKeysFile, "api-keys-file", c.APIKeysFile, "file of named API keys with roles, one \"name roles sha256hex\" per line (connevents keys new prints them)")
	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", c.InsecureNoAuth, "allow no API keys on non-loopback listeners")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate file (PEM) for both listeners")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS private key file (PEM) for both listeners")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "the longest shutdown may take: subscriptions end at once, requests in flight get this long to finish")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "Prometheus GET /metrics listen address (empty disables it)")
	fs.Var(listFlag{&c.FastenWebhookSecrets}, "fasten-webhook-secrets", "comma-separated Fasten signing secrets (whsec_…)")
	fs.BoolVar(&c.FastenInsecureNoVerify, "fasten-insecure-no-verify", c.FastenInsecureNoVerify, "accept unsigned Fasten webhooks (local development only)")
	fs.DurationVar(&c.FastenExpectEvery, "fasten-expect-every", c.FastenExpectEvery, "mark Fasten DEGRADED when no delivery arrives for this long (0 disables)")
	c.OneUp.registerFlags(fs)
	fs.DurationVar(&c.HeartbeatInterval, "heartbeat-interval", c.HeartbeatInterval, "checkpoint interval on quiet subscriptions")
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", c.MaxSubscriptions, "most concurrent subscriptions")
	fs.DurationVar(&c.Retention, "retention", c.Retention, "delete events received longer ago than this (0 keeps every event)")
	fs.Var(ThresholdsFlag{&c.StallAfter}, "stall-after", "how long a journey may make no progress before it is STALLED, per phase: comma-separated phase=duration (phases discovery, authorized, transfer; each once; phase=0 never stalls, 0 alone turns stalling off), e.g. authorized=2h,transfer=24h")
	fs.DurationVar(&c.AccessLogRetention, "access-log-retention", c.AccessLogRetention, "delete access records older than this (0 keeps every record)")
}

func (c *OneUpConfig) registerFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ClientID, "oneup-client-id", c.ClientID, "1upHealth client id (enables the poller)")
	fs.StringVar(&c.ClientSecret, "oneup-client-secret", c.ClientSecret, "1upHealth client secret")
	fs.StringVar(&c.BaseURL, "oneup-base-url", c.BaseURL, "1upHealth API base URL")
	fs.DurationVar(&c.PollInterval, "oneup-poll-interval", c.PollInterval, "1upHealth poll interval (0 disables polling)")
	fs.Var(listFlag{&c.Subtypes}, "oneup-subtypes", "comma-separated AuditEvent subtypes to pull (default: all nine)")
	fs.DurationVar(&c.ExpectEvery, "oneup-expect-every", c.ExpectEvery, "mark 1upHealth DEGRADED when no event arrives for this long (0 disables)")
	fs.StringVar(&c.Since, "oneup-since", c.Since, "lower bound of 1upHealth polls: RFC 3339 time or a duration back from now such as 720h (default: the first poll starts "+durationFlag(oneup.DefaultSinceAge)+" back, later ones at the checkpoint)")
}

// ApplyEnv sets every flag of fs that was not given on the command line
// from its environment variable, if that is set. Call it after fs.Parse.
func ApplyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		if v, ok := lookup(EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w%s", EnvName(f.Name), err, wantOf(f.Value)))
			}
		}
	})
	return errors.Join(errs...)
}

// wantOf says what a flag's value must look like, for a value that did
// not parse (never repeating the value: it may be a secret).
func wantOf(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return " (want a duration such as 90s, 2h or 720h)"
	case bool:
		return " (want true or false)"
	case int, int64, uint, uint64:
		return " (want a whole number)"
	}
	return ""
}

// EnvName is the environment variable of a flag: grpc-addr → CONNEVENTS_GRPC_ADDR.
func EnvName(flagName string) string {
	return "CONNEVENTS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Validate reports every problem in c at once.
func (c Config) Validate() error {
	var errs []error
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if public := c.publicAddrs(); len(public) > 0 && len(c.APIKeys) == 0 && c.APIKeysFile == "" && !c.InsecureNoAuth {
		errs = append(errs, fmt.Errorf("no --api-keys or --api-keys-file and %s: set one, or --insecure-no-auth to serve without authentication", addrList(public)))
	}
	if len(c.publicAddrs()) > 0 {
		errs = append(errs, auth.CheckLength(c.APIKeys))
	}
	if c.FastenInsecureNoVerify {
		for _, addr := range c.publicAddrs() {
			errs = append(errs, fmt.Errorf("--fasten-insecure-no-verify is for local development: %s is not a loopback address", addr))
		}
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be positive"))
	}
	if c.HeartbeatInterval <= 0 {
		errs = append(errs, errors.New("--heartbeat-interval must be positive"))
	}
	if c.MaxSubscriptions <= 0 {
		errs = append(errs, errors.New("--max-subscriptions must be positive"))
	}
	if c.Retention < 0 || (c.Retention > 0 && c.Retention < MinRetention) {
		errs = append(errs, fmt.Errorf("--retention must be 0 (keep everything) or at least %s: a pruned event delivered again (a Fasten retry, a 1upHealth re-read) would be stored again", MinRetention))
	}
	if c.AccessLogRetention < 0 || (c.AccessLogRetention > 0 && c.AccessLogRetention < MinAccessLogRetention) {
		errs = append(errs, fmt.Errorf("--access-log-retention must be 0 (keep every record) or at least %s: the access log is the audit trail of PHI reads (HIPAA asks six years, the default)", MinAccessLogRetention))
	}
	if c.FastenExpectEvery < 0 || c.OneUp.ExpectEvery < 0 {
		errs = append(errs, errors.New("--fasten-expect-every and --oneup-expect-every must not be negative"))
	}
	if c.OneUp.PollInterval < 0 {
		errs = append(errs, errors.New("--oneup-poll-interval must not be negative"))
	}
	if (c.OneUp.ClientID == "") != (c.OneUp.ClientSecret == "") {
		errs = append(errs, errors.New("--oneup-client-id and --oneup-client-secret go together"))
	}
	if _, err := c.OneUp.SinceTime(time.Now()); err != nil {
		errs = append(errs, err)
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// SinceTime resolves --oneup-since against now; empty means
// oneup.DefaultSinceAge back.
func (c OneUpConfig) SinceTime(now time.Time) (time.Time, error) {
	s := c.Since
	if s == "" {
		return now.Add(-oneup.DefaultSinceAge), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--oneup-since %q: want an RFC 3339 time or a duration such as %s", s, durationFlag(oneup.DefaultSinceAge))
	}
	return t, nil
}

// durationFlag writes d as a flag value: 168h rather than 168h0m0s.
func durationFlag(d time.Duration) string {
	s := d.String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, zero) {
			s = s[:len(s)-2]
		}
	}
	return s
}

// DefaultAccessLogRetention is six years (2,191 days: 52584h), the
// retention HIPAA asks of its required documentation (45 CFR
// 164.316(b)(2)).
const DefaultAccessLogRetention = 2191 * 24 * time.Hour

// MinAccessLogRetention is the shortest --access-log-retention: shorter
// is a mistake (a unit left out), not a policy; replicas sharing a
// database prune with the shortest any of them has.
const MinAccessLogRetention = 24 * time.Hour

// MinRetention is the shortest --retention: longer than Fasten's retries
// (about a day) and any 1upHealth poll overlap.
const MinRetention = 48 * time.Hour

// addrList says that addrs are not loopback addresses.
func addrList(addrs []string) string {
	if len(addrs) == 1 {
		return addrs[0] + " is not a loopback address"
	}
	return strings.Join(addrs, " and ") + " are not loopback addresses"
}

// publicAddrs are the listen addresses that accept non-local connections.
func (c Config) publicAddrs() []string {
	var out []string
	for _, addr := range []string{c.GRPCAddr, c.HTTPAddr} {
		if !isLoopback(addr) {
			out = append(out, addr)
		}
	}
	return out
}

// isLoopback reports whether a listen address only accepts local
// connections. An empty host (":8080") listens everywhere.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	// Host names ignore case; the length check keeps EqualFold's Unicode
	// folding (ſ for s) out, as every other letter of a match is ASCII.
	if len(host) == len("localhost") && strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listFlag is a comma-separated list flag.
type listFlag struct{ values *[]string }

func (l listFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, ",")
}

func (l listFlag) Set(s string) error {
	*l.values = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l.values = append(*l.values, v)
		}
	}
	return nil
}
