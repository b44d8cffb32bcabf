package webhooks

// InvalidError says an endpoint cannot be registered as asked: Field names
// the input at fault ("url" or "events"), Message what to change.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Message }
