package domainkit

// Versioned is the event-sourcing bookkeeping every aggregate embeds: how
// many stored events its state was rebuilt from, and the events its commands
// recorded since. The aggregate supplies its state transition, when.
type Versioned[E any] struct {
	version     int64
	uncommitted []E
}

// Version is the number of stored events the aggregate was rebuilt from:
// store the uncommitted events expecting this version.
func (v *Versioned[E]) Version() int64 { return v.version }

// Uncommitted returns the events recorded since the aggregate was rebuilt.
func (v *Versioned[E]) Uncommitted() []E { return v.uncommitted }

// Applied applies one stored event with when and advances the version.
func (v *Versioned[E]) Applied(when func(E) error, e E) error {
	if err := when(e); err != nil {
		return err
	}
	v.version++
	return nil
}

// Record applies a new event with when and keeps it for the caller to store.
// Commands check everything first, so their own events always apply; a
// failure is a bug, and panics.
func (v *Versioned[E]) Record(when func(E) error, e E) {
	if err := when(e); err != nil {
		panic(err)
	}
	v.uncommitted = append(v.uncommitted, e)
}

// Replay rebuilds aggregate a (empty) from its stored history with its Apply.
func Replay[A interface{ Apply(E) error }, E any](a A, history []E) (A, error) {
	for _, e := range history {
		if err := a.Apply(e); err != nil {
			var none A
			return none, err
		}
	}
	return a, nil
}
