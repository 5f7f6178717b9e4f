// Package e2e holds Doudi's end-to-end tests: they build the service
// binaries, start beneficiaries, monitoring, visits and the REST gateway as
// separate processes against the machine's PostgreSQL (DATABASE_URL) and
// NATS JetStream (NATS_URL), and check over REST, JetStream and OTLP what a
// partner app, a subscriber and an operator would see. The package has no
// code of its own; see the _test.go files.
package e2e
