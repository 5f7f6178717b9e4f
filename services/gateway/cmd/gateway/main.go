// Command gateway runs Doudi's REST gateway: REST under /v1 for front ends
// and partner apps, translated to gRPC calls to the services, with API-key
// authentication, the OpenAPI document at /openapi.json and its page at
// /docs, and /healthz, /readyz and /metrics.
//
//	gateway                     serve (configuration from the environment)
//	gateway hashkey [KEY]       print the SHA-256 of KEY (or of stdin's first
//	                            line) for GATEWAY_API_KEYS
//	gateway newkey NAME ROLE    print a fresh random key and its
//	                            GATEWAY_API_KEYS entry
//
// The same hash as hashkey: printf %s "$KEY" | sha256sum | cut -d' ' -f1
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/doudi-platform/doudi/services/gateway/internal/auth"
	"github.com/doudi-platform/doudi/services/gateway/internal/gateway"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := gateway.Load(os.LookupEnv)
		if err != nil {
			return err
		}
		ctx := context.Background()
		g, err := gateway.Start(ctx, cfg, os.Stderr)
		if err != nil {
			return err
		}
		return g.Run(ctx)
	case "hashkey":
		key := ""
		if len(args) > 0 {
			key = args[0]
		} else {
			// From stdin, so the key stays out of shell history and ps.
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("hashkey: give the key as an argument or on stdin")
			}
			key = strings.TrimRight(line, "\r\n")
		}
		if key == "" {
			return errors.New("hashkey: the key is empty")
		}
		fmt.Println(auth.HashKey(key))
		return nil
	case "newkey":
		if len(args) != 2 {
			return fmt.Errorf("newkey NAME ROLE; roles: %s", strings.Join(auth.RoleNames(), ", "))
		}
		key := auth.NewKey()
		entry := args[0] + ":" + args[1] + ":" + auth.HashKey(key)
		if _, err := auth.ParseKeys([]string{entry}); err != nil {
			return err
		}
		fmt.Printf("key:   %s\nentry: %s\n", key, entry)
		return nil
	default:
		return fmt.Errorf("unknown command %q: use serve, hashkey [KEY] or newkey NAME ROLE", cmd)
	}
}
