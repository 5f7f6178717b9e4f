package projection

// SetAfterCommit makes r call f after each commit and before acking; an
// error from f stops r there, as a crash would.
func SetAfterCommit(r *Runner, f func() error) { r.afterCommit = f }
