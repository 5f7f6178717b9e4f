package host

import (
	"context"
	"fmt"
	"os"

	"github.com/doudi-platform/doudi/services/platform/config"
)

// Defaults are a service's own defaults for the shared variables, e.g. its
// gRPC and HTTP addresses and its database.
type Defaults map[string]string

// Command is a service's main function: it loads the service's
// configuration C from the environment (with defaults under it), starts the
// service with start and runs what the command line asks for (Main). A
// failure is printed as "<name>: <error>" and exits with status 1.
func Command[C any](name string, defaults Defaults, start func(context.Context, C) (*Host, error)) {
	if err := command(defaults, start); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func command[C any](defaults Defaults, start func(context.Context, C) (*Host, error)) error {
	var cfg C
	if err := config.LoadFrom(&cfg, config.WithDefaults(os.LookupEnv, defaults)); err != nil {
		return err
	}
	ctx := context.Background()
	h, err := start(ctx, cfg)
	if err != nil {
		return err
	}
	return h.Main(ctx, os.Args[1:])
}
