package config

import "time"

// Common is the configuration every service shares. Embed it in a service's
// own config struct:
//
//	type Config struct {
//		config.Common
//		Relay RelayConfig `envPrefix:"RELAY_"`
//	}
type Common struct {
	// ServiceName is set by the service's main, not by the environment:
	// it names the service in logs, traces and metrics and must not drift.
	ServiceName string

	DatabaseURL     string        `env:"DATABASE_URL" default:"postgres://postgres@127.0.0.1:5432/postgres"`
	NATSURL         string        `env:"NATS_URL" default:"nats://127.0.0.1:4222"`
	GRPCAddr        string        `env:"GRPC_ADDR" default:"127.0.0.1:9090"`
	HTTPAddr        string        `env:"HTTP_ADDR" default:"127.0.0.1:8080"`
	LogLevel        string        `env:"LOG_LEVEL" default:"info" oneof:"debug,info,warn,error"`
	LogFormat       string        `env:"LOG_FORMAT" default:"json" oneof:"json,text"`
	OTLPEndpoint    string        `env:"OTEL_EXPORTER_OTLP_ENDPOINT"` // empty: no trace export
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" default:"15s"`
	// Pprof serves Go's profiles under /debug/pprof/ on the HTTP (ops) port,
	// for finding where a service spends its time. Off by default: the ops
	// port may be reachable by more than operators.
	Pprof bool `env:"DEBUG_PPROF" default:"false"`
}
