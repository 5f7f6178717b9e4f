package host

import (
	"context"
	"fmt"
	"os"

	"github.com/doudi-platform/doudi/services/platform/config"
)

// Defaults are a service's own values of the shared variables, e.g. its
// gRPC and HTTP addresses and its database, used where the environment has
// none.
type Defaults map[string]string

// Service is a started service that runs on a Host.
type Service interface{ Hosted() *Host }

// Command is a service's main function: it loads the service's
// configuration C from the environment (over defaults), starts the service
// with start and runs what the command line asks for (Main). A failure is
// printed as "<name>: <error>" and exits with status 1.
func Command[C any, S Service](name string, defaults Defaults, start func(context.Context, C) (S, error)) {
	if err := command(defaults, start); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func command[C any, S Service](defaults Defaults, start func(context.Context, C) (S, error)) error {
	var cfg C
	if err := config.LoadFrom(&cfg, config.WithDefaults(os.LookupEnv, defaults)); err != nil {
		return err
	}
	ctx := context.Background()
	s, err := start(ctx, cfg)
	if err != nil {
		return err
	}
	return s.Hosted().Main(ctx, os.Args[1:])
}
