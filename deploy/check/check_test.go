// Package check validates the container manifests without a container
// engine: docker-compose.yml through the Compose Specification's own loader,
// and the Dockerfile through BuildKit's parser, against the services that
// exist in the repository.
package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"gopkg.in/yaml.v3"
)

const root = "../.."

var requiredEnv = map[string]string{
	"BENEFICIARIES_MASTER_KEY":      "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	"BENEFICIARIES_BLIND_INDEX_KEY": "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
	"VISITS_MASTER_KEY":             "dmlzaXRzMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODk=",
	"GATEWAY_API_KEYS":              "dev:station_manager:0000",
}

func load(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(envList), cli.WithName("doudi"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeFileIsValidAndMatchesTheRepository(t *testing.T) {
	p, err := load(t, requiredEnv)
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	for _, name := range []string{"postgres", "nats-1", "nats-2", "nats-3", "beneficiaries", "monitoring", "visits", "gateway",
		"otel-collector", "jaeger", "prometheus"} {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("service %q is missing", name)
		}
	}
	for name, svc := range p.Services {
		if svc.Build == nil {
			if svc.Image == "" {
				t.Errorf("service %q has neither an image nor a build", name)
			}
			continue
		}
		arg := svc.Build.Args["SERVICE"]
		if arg == nil || *arg != name {
			t.Errorf("service %q builds with SERVICE=%v, want its own name", name, arg)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "services", name, "cmd", name, "main.go")); err != nil {
			t.Errorf("service %q: no services/%s/cmd/%s/main.go to build", name, name, name)
		}
		if svc.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("service %q builds from %q", name, svc.Build.Dockerfile)
		}
		env := svc.Environment
		if v := env["STREAM_REPLICAS"]; v == nil || *v != "3" {
			t.Errorf("service %q: STREAM_REPLICAS should be 3 on the 3-node cluster", name)
		}
		if v := env["NATS_URL"]; v == nil || strings.Count(*v, "nats://") != 3 {
			t.Errorf("service %q: NATS_URL should list the 3 cluster nodes", name)
		}
	}
	gw := p.Services["gateway"]
	if len(gw.Ports) != 1 || gw.Ports[0].Target != 8080 {
		t.Errorf("gateway ports = %+v, want 8080 published", gw.Ports)
	}
	// The gateway reaches every service at its gRPC address, and starts
	// after them.
	for name, env := range map[string]string{"beneficiaries": "BENEFICIARIES_ADDR", "monitoring": "MONITORING_ADDR", "visits": "VISITS_ADDR"} {
		grpcAddr := p.Services[name].Environment["GRPC_ADDR"]
		addr := gw.Environment[env]
		if grpcAddr == nil || addr == nil || !strings.HasPrefix(*addr, name+":") || !strings.HasSuffix(*grpcAddr, (*addr)[len(name):]) {
			t.Errorf("gateway %s = %v, want %s at its GRPC_ADDR %v", env, addr, name, grpcAddr)
		}
		if _, ok := gw.DependsOn[name]; !ok {
			t.Errorf("the gateway does not depend on %s", name)
		}
	}
	for _, vol := range p.Services["otel-collector"].Volumes {
		if _, err := os.Stat(vol.Source); err != nil {
			t.Errorf("otel-collector mounts %s, which does not exist", vol.Source)
		}
	}
	for _, f := range []string{"deploy/otel-collector.yaml", "deploy/prometheus.yml"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(raw, &v); err != nil || len(v) == 0 {
			t.Errorf("%s is not valid YAML: %v", f, err)
		}
	}
}

// Secrets have no defaults: starting without them must fail and say which.
func TestComposeRefusesToStartWithoutSecrets(t *testing.T) {
	_, err := load(t, map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "BENEFICIARIES_MASTER_KEY") {
		t.Fatalf("loading without secrets: %v, want an error naming BENEFICIARIES_MASTER_KEY", err)
	}
	env := map[string]string{}
	for k, v := range requiredEnv {
		if k != "VISITS_MASTER_KEY" {
			env[k] = v
		}
	}
	if _, err := load(t, env); err == nil || !strings.Contains(err.Error(), "VISITS_MASTER_KEY") {
		t.Fatalf("loading without VISITS_MASTER_KEY: %v, want an error naming it", err)
	}
}

func TestDockerfileParsesAndBuildsAServiceBinary(t *testing.T) {
	f, err := os.Open(filepath.Join(root, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile does not parse: %v", err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile instructions: %v", err)
	}
	if len(stages) != 2 || stages[0].Name != "build" {
		t.Fatalf("want a build stage and a runtime stage, got %d stages", len(stages))
	}
	if len(metaArgs) == 0 {
		t.Error("GO_VERSION should be a build argument")
	}
	var builds, copiesBinary, nonroot bool
	for _, cmd := range stages[0].Commands {
		if run, ok := cmd.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), "./services/${SERVICE}/cmd/${SERVICE}") {
			builds = true
		}
	}
	for _, cmd := range stages[1].Commands {
		switch c := cmd.(type) {
		case *instructions.CopyCommand:
			copiesBinary = copiesBinary || c.From == "build"
		case *instructions.UserCommand:
			nonroot = strings.HasPrefix(c.User, "nonroot")
		}
	}
	// The build runs in the go.work workspace: every module it lists must be
	// in the build context, which .dockerignore must not exclude.
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	ignore, _ := os.ReadFile(filepath.Join(root, ".dockerignore"))
	copiesAll := false
	for _, cmd := range stages[0].Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok && c.From == "" && strings.Join(c.SourcePaths, " ") == "." {
			copiesAll = true
		}
	}
	if !copiesAll {
		t.Error("the build stage should COPY the whole workspace (go.work lists every module)")
	}
	for _, line := range strings.Split(string(work), "\n") {
		dir := strings.TrimPrefix(strings.TrimSpace(line), "./")
		if !strings.HasPrefix(strings.TrimSpace(line), "./") {
			continue
		}
		for _, ig := range strings.Split(string(ignore), "\n") {
			if ig = strings.TrimSpace(ig); ig != "" && (ig == dir || strings.HasPrefix(dir, ig+"/")) {
				t.Errorf(".dockerignore excludes %s, a module go.work needs", dir)
			}
		}
	}
	if !builds || !copiesBinary || !nonroot {
		t.Errorf("build stage builds the service: %t; runtime copies it from the build stage: %t; runs as nonroot: %t",
			builds, copiesBinary, nonroot)
	}
}
