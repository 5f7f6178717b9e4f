package config_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doudi-platform/doudi/services/platform/config"
)

type relayConfig struct {
	BatchSize    int           `env:"BATCH_SIZE" default:"500"`
	PollInterval time.Duration `env:"POLL_INTERVAL" default:"1s"`
}

func (r *relayConfig) Validate() error {
	if r.BatchSize <= 0 {
		return errors.New("RELAY_BATCH_SIZE must be positive")
	}
	return nil
}

type visitsConfig struct {
	config.Common
	Relay       relayConfig `envPrefix:"RELAY_"`
	Stations    []string    `env:"STATIONS"`
	Ratio       float64     `env:"RATIO" default:"0.5"`
	Strict      bool        `env:"STRICT"`
	MaxBytes    int64       `env:"MAX_BYTES" default:"1048576"`
	EncryptKey  string      `env:"ENCRYPTION_KEY" required:"true"`
	notFromEnv  string
	TenantCount int `env:"TENANT_COUNT" default:"1"`
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	var cfg visitsConfig
	cfg.ServiceName = "visits"
	if err := config.LoadFrom(&cfg, env(map[string]string{"ENCRYPTION_KEY": "k"})); err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	want := config.Common{
		ServiceName:     "visits",
		DatabaseURL:     "postgres://postgres@127.0.0.1:5432/postgres",
		NATSURL:         "nats://127.0.0.1:4222",
		GRPCAddr:        "127.0.0.1:9090",
		HTTPAddr:        "127.0.0.1:8080",
		LogLevel:        "info",
		LogFormat:       "json",
		ShutdownTimeout: 15 * time.Second,
	}
	if cfg.Common != want {
		t.Errorf("Common = %+v\nwant   %+v", cfg.Common, want)
	}
	if cfg.Relay.BatchSize != 500 || cfg.Relay.PollInterval != time.Second {
		t.Errorf("Relay = %+v, want defaults 500, 1s", cfg.Relay)
	}
	if cfg.Ratio != 0.5 || cfg.MaxBytes != 1<<20 || cfg.Strict || cfg.Stations != nil {
		t.Errorf("unexpected values: %+v", cfg)
	}
}

func TestLoadValues(t *testing.T) {
	t.Parallel()
	var cfg visitsConfig
	err := config.LoadFrom(&cfg, env(map[string]string{
		"ENCRYPTION_KEY":              "k",
		"DATABASE_URL":                "postgres://db/visits",
		"LOG_LEVEL":                   "debug",
		"LOG_FORMAT":                  "text",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
		"SHUTDOWN_TIMEOUT":            "3s",
		"RELAY_BATCH_SIZE":            "42",
		"RELAY_POLL_INTERVAL":         "250ms",
		"STATIONS":                    "shitan, xintang,,",
		"RATIO":                       "0.25",
		"STRICT":                      "true",
		"MAX_BYTES":                   "9000000000",
		"BATCH_SIZE":                  "7", // without the prefix: must not be read
	}))
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"DatabaseURL", cfg.DatabaseURL, "postgres://db/visits"},
		{"LogLevel", cfg.LogLevel, "debug"},
		{"LogFormat", cfg.LogFormat, "text"},
		{"OTLPEndpoint", cfg.OTLPEndpoint, "http://collector:4317"},
		{"ShutdownTimeout", cfg.ShutdownTimeout, 3 * time.Second},
		{"Relay.BatchSize", cfg.Relay.BatchSize, 42},
		{"Relay.PollInterval", cfg.Relay.PollInterval, 250 * time.Millisecond},
		{"Stations", cfg.Stations, []string{"shitan", "xintang"}},
		{"Ratio", cfg.Ratio, 0.25},
		{"Strict", cfg.Strict, true},
		{"MaxBytes", cfg.MaxBytes, int64(9000000000)},
		{"notFromEnv", cfg.notFromEnv, ""},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string // every message must appear in the error
	}{
		{
			name: "missing required",
			env:  map[string]string{},
			want: []string{"ENCRYPTION_KEY is required"},
		},
		{
			name: "empty counts as missing",
			env:  map[string]string{"ENCRYPTION_KEY": ""},
			want: []string{"ENCRYPTION_KEY is required"},
		},
		{
			name: "bad integer under a prefix",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "RELAY_BATCH_SIZE": "abc"},
			want: []string{`RELAY_BATCH_SIZE="abc": not an integer`},
		},
		{
			name: "bad duration",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "SHUTDOWN_TIMEOUT": "15"},
			want: []string{`SHUTDOWN_TIMEOUT="15": not a duration`},
		},
		{
			name: "bad bool and float",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "STRICT": "yes please", "RATIO": "half"},
			want: []string{`STRICT="yes please": not a boolean`, `RATIO="half": not a number`},
		},
		{
			name: "int out of range",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "MAX_BYTES": "99999999999999999999"},
			want: []string{`MAX_BYTES="99999999999999999999": not an integer`},
		},
		{
			name: "value not allowed",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "LOG_LEVEL": "verbose", "LOG_FORMAT": "xml"},
			want: []string{
				`LOG_LEVEL="verbose": must be one of debug, info, warn, error`,
				`LOG_FORMAT="xml": must be one of json, text`,
			},
		},
		{
			name: "nested Validate runs",
			env:  map[string]string{"ENCRYPTION_KEY": "k", "RELAY_BATCH_SIZE": "0"},
			want: []string{"RELAY_BATCH_SIZE must be positive"},
		},
		{
			name: "all problems reported together",
			env:  map[string]string{"RELAY_BATCH_SIZE": "abc", "TENANT_COUNT": "many"},
			want: []string{
				"ENCRYPTION_KEY is required",
				`RELAY_BATCH_SIZE="abc": not an integer`,
				`TENANT_COUNT="many": not an integer`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg visitsConfig
			err := config.LoadFrom(&cfg, env(tt.env))
			if err == nil {
				t.Fatal("LoadFrom returned nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

type withTopValidate struct {
	config.Common
	Min int `env:"MIN" default:"5"`
	Max int `env:"MAX" default:"1"`
}

func (c withTopValidate) Validate() error {
	if c.Min > c.Max {
		return errors.New("MIN must not exceed MAX")
	}
	return nil
}

func TestLoadCallsValidate(t *testing.T) {
	t.Parallel()
	var cfg withTopValidate
	err := config.LoadFrom(&cfg, env(nil))
	if err == nil || err.Error() != "MIN must not exceed MAX" {
		t.Fatalf("err = %v, want exactly the Validate error", err)
	}
	if err := config.LoadFrom(&cfg, env(map[string]string{"MAX": "10"})); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestLoadReadsProcessEnvironment(t *testing.T) {
	t.Setenv("NATS_URL", "nats://nats-1:4222")
	var cfg config.Common
	if err := config.Load(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.NATSURL != "nats://nats-1:4222" {
		t.Errorf("NATSURL = %q", cfg.NATSURL)
	}
}

func TestLoadRejectsBadTargets(t *testing.T) {
	t.Parallel()
	var notStruct int
	var unsupported struct {
		Ports []int `env:"PORTS" default:"1,2"`
	}
	for name, dst := range map[string]any{
		"nil":             nil,
		"not a pointer":   config.Common{},
		"pointer to int":  &notStruct,
		"unsupported int": &unsupported,
	} {
		if err := config.LoadFrom(dst, env(nil)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// A service's own defaults for shared variables apply only where the
// environment gives nothing (an empty value counts as nothing).
func TestWithDefaults(t *testing.T) {
	env := map[string]string{"GRPC_ADDR": "0.0.0.0:9000", "HTTP_ADDR": ""}
	lookup := config.WithDefaults(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		map[string]string{"GRPC_ADDR": "127.0.0.1:9101", "HTTP_ADDR": "127.0.0.1:8101", "DATABASE_URL": "postgres://x/doudi_beneficiaries"})
	var c config.Common
	if err := config.LoadFrom(&c, lookup); err != nil {
		t.Fatal(err)
	}
	if c.GRPCAddr != "0.0.0.0:9000" || c.HTTPAddr != "127.0.0.1:8101" || c.DatabaseURL != "postgres://x/doudi_beneficiaries" {
		t.Fatalf("config %+v", c)
	}
}
