package projection

import "context"

// SetAfterCommit makes r call f after each commit and before acking; an
// error from f stops r there, as a crash would.
func SetAfterCommit(r *Runner, f func() error) { r.afterCommit = f }

// ConsumerName is the durable consumer r uses for generation gen of service.
// It runs r's set-up first, which names the database the consumer belongs to.
func ConsumerName(r *Runner, gen int64, service string) string {
	if err := r.ensure(context.Background()); err != nil {
		panic(err)
	}
	return r.consumerName(gen, service)
}
