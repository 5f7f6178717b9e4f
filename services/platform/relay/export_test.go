package relay

// SetAfterPublish installs a hook that runs after a batch is acknowledged and
// before the cursor moves; an error from it stops Run as a crash would.
func SetAfterPublish(o *Options, fn func(batch int) error) { o.afterPublish = fn }
