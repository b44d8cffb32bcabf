package frontend

// requestError is a problem with the HTTP request itself rather than with
// what it asks of a domain: a body that is not JSON, a query parameter out
// of range, a form that did not come from Berth. Handlers say which
// problem it is; classify alone says what status that answers.
type requestError struct {
	problem problem
	field   string
	msg     string
	// code, when set, replaces the problem's code: protocols such as
	// OAuth2 name their own ("invalid_request").
	code string
}

func (e *requestError) Error() string { return e.msg }

// problem is a kind of requestError; classify maps each to its status.
type problem int

const (
	malformed     problem = iota + 1 // the request cannot be read as sent
	unprocessable                    // a field the handler reads holds no usable value
	wrongMedia                       // the body is not JSON
	noSuchPath                       // the path names nothing that exists
	noCredential                     // the request needs a credential it lacks
	forged                           // a change that did not come from Berth's pages
	tooFast                          // the client has used up an allowance
	unconnected                      // a part of Berth this request needs is not running
	problemsCount                    // keep last: the number of problems, for tests
)

// badRequest is a query parameter or body that cannot be read: field
// names it ("" for the body), msg says what to send.
func badRequest(field, msg string) error {
	return &requestError{problem: malformed, field: field, msg: msg}
}

// badInput is a form or body field the handler reads itself (a choice, a
// number) that holds no usable value; msg says what to send.
func badInput(field, msg string) error {
	return &requestError{problem: unprocessable, field: field, msg: msg}
}

// badTokenRequest is a token request the OAuth2 protocol refuses with
// 400 and code ("invalid_request", "unsupported_grant_type").
func badTokenRequest(code, msg string) error {
	return &requestError{problem: malformed, code: code, msg: msg}
}

// unsupportedMedia is a body that is not JSON where only JSON is taken.
func unsupportedMedia() error {
	return &requestError{problem: wrongMedia, msg: "send a JSON body with Content-Type: application/json"}
}

// pathNotFound is a path that names nothing, such as an unknown badge.
func pathNotFound(msg string) error { return &requestError{problem: noSuchPath, msg: msg} }

// unauthenticated asks for the credential msg names.
func unauthenticated(msg string) error { return &requestError{problem: noCredential, msg: msg} }

// throttled refuses a client that has used up an allowance; msg says
// when to come back.
func throttled(msg string) error { return &requestError{problem: tooFast, msg: msg} }

// errUnauthorized asks for credentials.
var errUnauthorized = unauthenticated("sign in: send your username and password with HTTP basic authentication")

// errCSRF refuses a change that did not come from Berth's own pages.
var errCSRF error = &requestError{problem: forged,
	msg: "this form has expired or did not come from Berth; reload the page and try again"}

// errNoRegistry answers for tags when Berth runs without its registry client.
var errNoRegistry error = &requestError{problem: unconnected,
	msg: "the registry is not connected, so tags cannot be listed"}

// describedError is a domain error told in the request's own words ("no
// tag 1.2 of acme/db", naming the field that named it) instead of the
// domain's; its status is the domain error's.
type describedError struct {
	err   error
	field string
	msg   string
}

func (e *describedError) Error() string { return e.msg }
func (e *describedError) Unwrap() error { return e.err }

// describe tells err, a domain error the client can act on, as msg, about
// field when one named what was asked for.
func describe(err error, field, msg string) error {
	return &describedError{err: err, field: field, msg: msg}
}
